import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonb, newId, withTenant, type Tenant } from '@switchboard/db';
import { applyCampaignDisposition } from '../api/src/dialer/dispositions.ts';
import { createHarness, insertListPrice, logIn, seedClientUser, seedTenant, type Harness, type TestUser } from './support/index.ts';
import { insertCall } from './support/records.ts';

/**
 * Issue 15, usage: a telesales call its operator wraps up with a campaign disposition billed as `sale`
 * is a `sale` on the statement, at the price list's price for telesales sales, beside the contacts reached.
 */
let h: Harness;
let tenant: Tenant;
let admin: TestUser;
const month = () => new Date().toISOString().slice(0, 7);

beforeAll(async () => {
  h = await createHarness();
  tenant = (await seedTenant(h.db)).tenant;
  admin = await seedClientUser(h.db, tenant, 'client_admin');
  await insertListPrice(h.db, { function: 'telesales', metric: 'sale', unitAmountMinor: 1200 });
  await insertListPrice(h.db, { function: 'telesales', metric: 'contact_reached', unitAmountMinor: 90 });
});

afterAll(async () => {
  await h?.close();
});

async function saleCall(disposition: string): Promise<void> {
  const campaignId = newId();
  const listId = newId();
  const contactId = newId();
  const now = new Date();
  const callId = await insertCall(h.db, tenant, { function: 'telesales', offeredAt: now, answeredAfterSeconds: 5, talkSeconds: 120, disposition, status: 'completed' });
  await withTenant(h.db, tenant.id, async (tx) => {
    await tx
      .insertInto('campaigns')
      .values({
        tenantId: tenant.id,
        id: campaignId,
        name: 'Family menu',
        function: 'telesales',
        scriptId: null,
        callerId: '+33948123401',
        mode: 'progressive',
        status: 'running',
        callingHours: jsonb({}),
        retryRules: jsonb({ busyMinutes: 15, noAnswerMinutes: 120, machineMinutes: 1440, failedMinutes: 60, maxAttempts: 4 }),
        dispositions: jsonb([
          { code: 'sale_made', outcome: 'success', usageMetric: 'sale' },
          { code: 'not_interested', outcome: 'refused' },
        ]),
        abandonMessage: 'Sorry.',
        createdAt: now,
        updatedAt: now,
        updatedBy: 'test',
      })
      .execute();
    await tx.insertInto('contactLists').values({ tenantId: tenant.id, id: listId, campaignId, name: 'List', createdAt: now, createdBy: 'test' }).execute();
    await tx
      .insertInto('campaignContacts')
      .values({ tenantId: tenant.id, id: contactId, campaignId, listId, lineNumber: 2, phone: '+33612345678', timeZone: 'Europe/Paris', fields: jsonb({}), nextAttemptAt: now, createdAt: now, updatedAt: now })
      .execute();
    await tx
      .insertInto('dialAttempts')
      .values({ tenantId: tenant.id, id: newId(), campaignId, contactId, phone: '+33612345678', callerId: '+33948123401', calleeTimeZone: 'Europe/Paris', mode: 'progressive', status: 'ended', outcome: 'answered', callId, createdAt: now, dialledAt: now, answeredAt: now, endedAt: now })
      .execute();
    const call = await tx.selectFrom('calls').select(['id', 'tenantId', 'direction', 'callerNumber', 'function']).where('id', '=', callId).executeTakeFirstOrThrow();
    await applyCampaignDisposition(tx, { ...call, direction: 'outbound' }, disposition, newId(), now);
  });
}

describe('a sale on the statement', () => {
  it("bills a campaign's sale disposition as a telesales sale line, and a refusal not at all", async () => {
    await saleCall('sale_made');
    await saleCall('sale_made');
    await saleCall('not_interested');
    const res = await (await logIn(h.app, admin)).get(`/api/t/${tenant.slug}/statements/${month()}`);
    expect(res.status, res.text).toBe(200);
    const sale = res.body.lines.filter((l: { metric: string }) => l.metric === 'sale');
    expect(sale).toEqual([expect.objectContaining({ kind: 'usage', function: 'telesales', metric: 'sale', unit: 'sale', quantity: 2, unitAmountMinor: 1200, amountMinor: 2400, priceSource: 'list' })]);
  });
});
