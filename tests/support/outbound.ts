import type { Kysely } from 'kysely';
import { jsonb, newId, withTenant, type DB, type Tenant } from '@switchboard/db';

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
