import type { Kysely } from 'kysely';
import { jsonb, newId, withTenant, type CampaignDisposition, type DB, type DialMode, type Tenant, type WeekWindow } from '@switchboard/db';
import { uniqueNumber } from './routing.ts';

/**
 * Outbound campaigns seeded straight into the database (the campaign CRUD API is another branch's): a
 * running campaign, its active list and contacts, as the import would store them.
 */

export interface SeedCampaignOptions {
  name?: string;
  mode?: DialMode;
  function?: 'outbound_info' | 'surveys' | 'telesales' | 'lead_qualification';
  rulesProfile?: 'fr' | 'fr_existing_customers' | 'none';
  dispositions?: CampaignDisposition[];
  callingHours?: WeekWindow;
  scriptId?: string | null;
  callerId?: string;
  status?: 'draft' | 'running' | 'paused' | 'finished';
}

export interface SeededCampaign {
  id: string;
  listId: string;
  name: string;
}

const always: WeekWindow = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ start: '00:00', end: '24:00' }]]));

export async function seedCampaign(db: Kysely<DB>, tenant: Tenant, options: SeedCampaignOptions = {}): Promise<SeededCampaign> {
  const id = newId();
  const listId = newId();
  const name = options.name ?? `Campaign ${id.slice(-6)}`;
  const now = new Date();
  // The caller ID is one of the company's numbers, as the campaign API requires and the dialer checks at every turn.
  const callerId = options.callerId ?? uniqueNumber();
  await withTenant(db, tenant.id, async (tx) => {
    await tx
      .insertInto('phoneNumbers')
      .values({ tenantId: tenant.id, number: callerId, function: options.function ?? 'telesales' })
      .onConflict((oc) => oc.columns(['tenantId', 'number']).doNothing())
      .execute();
    await tx
      .insertInto('campaigns')
      .values({
        tenantId: tenant.id,
        id,
        name,
        function: options.function ?? 'telesales',
        scriptId: options.scriptId ?? null,
        callerId,
        mode: options.mode ?? 'preview',
        status: options.status ?? 'running',
        callingHours: jsonb(options.callingHours ?? always),
        retryRules: jsonb({ busyMinutes: 15, noAnswerMinutes: 120, machineMinutes: 1440, failedMinutes: 60, maxAttempts: 4 }),
        dispositions: jsonb(options.dispositions ?? []),
        rulesProfile: options.rulesProfile ?? 'none',
        abandonMessage: 'Sorry, we will call you back.',
        createdAt: now,
        updatedAt: now,
        updatedBy: 'test',
      })
      .execute();
    await tx.insertInto('contactLists').values({ tenantId: tenant.id, id: listId, campaignId: id, name: 'list.csv', createdAt: now, createdBy: 'test' }).execute();
  });
  return { id, listId, name };
}

export interface SeedContact {
  phone: string;
  name?: string;
  timeZone?: string;
  fields?: Record<string, string>;
  nextAttemptAt?: Date;
}

/** Contacts of the campaign's list, due from `nextAttemptAt` (default: long ago), in line order. */
export async function seedContacts(db: Kysely<DB>, tenant: Tenant, campaign: SeededCampaign, contacts: SeedContact[]): Promise<string[]> {
  const ids: string[] = [];
  await withTenant(db, tenant.id, async (tx) => {
    let line = 1;
    for (const c of contacts) {
      const id = newId();
      ids.push(id);
      await tx
        .insertInto('campaignContacts')
        .values({
          tenantId: tenant.id,
          id,
          campaignId: campaign.id,
          listId: campaign.listId,
          lineNumber: line++,
          phone: c.phone,
          name: c.name ?? null,
          email: null,
          timeZone: c.timeZone ?? 'Europe/Paris',
          region: null,
          postcode: null,
          fields: jsonb(c.fields ?? {}),
          customerId: null,
          nextAttemptAt: c.nextAttemptAt ?? new Date('2020-01-01T00:00:00Z'),
          lastOutcome: null,
          lastAttemptAt: null,
          disposition: null,
          callbackAt: null,
          callbackOperatorId: null,
          callbackNote: null,
          createdAt: new Date('2020-01-01T00:00:00Z'),
          updatedAt: new Date('2020-01-01T00:00:00Z'),
        })
        .execute();
    }
    await tx.updateTable('contactLists').set({ rowCount: contacts.length }).where('id', '=', campaign.listId).execute();
  });
  return ids;
}


/**
 * Outbound rows (issue 15, migration 0030) for a tenant, as the dialer would leave them: a campaign, a
 * contact list with one contact, an attempt that was dialled, a dial the rules refused, and a person's
 * refusal — so the isolation sweep has rows of every outbound table to try. The do-not-call list, the
 * opposition lists and the consents are written through their documented routes.
 */
export async function seedOutboundRecords(db: Kysely<DB>, tenant: Tenant, phone = '+33612345678'): Promise<{ campaignId: string; contactId: string }> {
  const campaignId = newId();
  const listId = newId();
  const contactId = newId();
  const at = new Date();
  await withTenant(db, tenant.id, async (tx) => {
    await tx
      .insertInto('campaigns')
      .values({
        tenantId: tenant.id,
        id: campaignId,
        name: 'Isolation campaign',
        function: 'telesales',
        callerId: '+33162000000',
        mode: 'preview',
        callingHours: jsonb({}),
        retryRules: jsonb({ maxAttempts: 4 }),
        dispositions: jsonb([]),
        abandonMessage: 'We will call you back.',
        createdAt: at,
        updatedAt: at,
        updatedBy: 'seed',
      })
      .execute();
    await tx.insertInto('contactLists').values({ tenantId: tenant.id, id: listId, campaignId, name: 'Isolation list', createdAt: at, createdBy: 'seed' }).execute();
    await tx
      .insertInto('campaignContacts')
      .values({ tenantId: tenant.id, id: contactId, campaignId, listId, lineNumber: 1, phone, name: 'Contact', email: null, timeZone: 'Europe/Paris', region: null, postcode: null, fields: jsonb({}), nextAttemptAt: at, createdAt: at, updatedAt: at })
      .execute();
    await tx
      .insertInto('dialAttempts')
      .values({ tenantId: tenant.id, id: newId(), campaignId, contactId, phone, callerId: '+33162000000', calleeTimeZone: 'Europe/Paris', mode: 'preview', operatorId: null, status: 'ended', outcome: 'no_answer', skipReason: null, callId: null, createdAt: at, dialledAt: at, answeredAt: null, endedAt: at })
      .execute();
    await tx.insertInto('dialRefusals').values({ tenantId: tenant.id, id: newId(), campaignId, contactId, phone, at, rule: 'hours', detail: 'Outside the calling hours' }).execute();
    await tx.insertInto('solicitationRefusals').values({ tenantId: tenant.id, id: newId(), phone, campaignId, refusedAt: at }).execute();
  });
  return { campaignId, contactId };
}
