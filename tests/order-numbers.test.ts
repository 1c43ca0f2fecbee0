import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonb, newId, withTenant, type Tenant } from '@switchboard/db';
import { actorFor, createHarness, logIn, seedClientUser, seedTenant, seedUser, type Client, type Harness } from './support/index.ts';
import { seedPizzaCatalog } from './support/records.ts';

/**
 * Order numbers (issue 13): the tenant's counter row (order_counters, migration 0025) is incremented in
 * the statement that inserts the order, its row lock held to the commit. Numbers stay what they were
 * with the advisory lock: per tenant, from 1, unique and without gaps under concurrency, and a refused
 * order takes none.
 */
let h: Harness;
let tenant: Tenant;
let other: Tenant;
let admin: Client;
let otherAdmin: Client;

const url = (t: Tenant) => `/api/t/${t.slug}/orders`;
const order = (i: number) => ({ customer: { phone: `+3361100${String(i).padStart(4, '0')}`, name: `Racer ${i}` }, items: [{ sku: 'TIRAMISU', quantity: 1 }], paymentMethod: 'cash' });
const numbers = async (t: Tenant) =>
  (await withTenant(h.db, t.id, (tx) => tx.selectFrom('orders').select('number').orderBy('number').execute())).map((r) => r.number);

beforeAll(async () => {
  h = await createHarness();
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { actor: actorFor(provider) }));
  ({ tenant: other } = await seedTenant(h.db, { actor: actorFor(provider) }));
  admin = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_admin'));
  otherAdmin = await logIn(h.app, await seedClientUser(h.db, other, 'client_admin'));
  await seedPizzaCatalog(admin, tenant);
  await seedPizzaCatalog(otherAdmin, other);
});
afterAll(() => h?.close());

describe('order numbers', () => {
  it('numbers 20 orders racing on one tenant 1 to 20, each once, while another tenant counts on its own', async () => {
    const answers = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => admin.post(url(tenant), order(i))),
      ...Array.from({ length: 3 }, (_, i) => otherAdmin.post(url(other), order(100 + i))),
    ]);
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));
    const mine = answers.slice(0, 20).map((a) => a.body.number as number).sort((a, b) => a - b);
    expect(mine).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(answers.slice(20).map((a) => a.body.number as number).sort()).toEqual([1, 2, 3]);
    expect(await numbers(tenant)).toEqual(mine);
    const counter = (t: Tenant) => withTenant(h.db, t.id, (tx) => tx.selectFrom('orderCounters').select('lastNumber').executeTakeFirst());
    expect([await counter(tenant), await counter(other)]).toEqual([{ lastNumber: 20 }, { lastNumber: 3 }]);
  });

  it('gives a refused order no number: the next one takes the number after the last order', async () => {
    const refused = await admin.post(url(tenant), { ...order(50), items: [{ sku: 'NO-SUCH-ITEM', quantity: 1 }] });
    expect(refused.status).toBe(400);
    const next = await admin.post(url(tenant), order(51));
    expect(next.status).toBe(201);
    expect(next.body.number).toBe(21);
  });

  it('stays ahead of an order written without the counter (an import): the next number follows the highest', async () => {
    await withTenant(h.db, tenant.id, (tx) =>
      tx
        .insertInto('orders')
        .values({ tenantId: tenant.id, id: newId(), number: 40, items: jsonb([]), currency: 'EUR', subtotalMinor: 0, totalMinor: 0, paymentMethod: 'cash' })
        .execute(),
    );
    const next = await admin.post(url(tenant), order(52));
    expect(next.status).toBe(201);
    expect(next.body.number).toBe(41);
  });

  it('keeps the counter to its tenant (row-level security)', async () => {
    const seen = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('orderCounters').select('tenantId').execute());
    expect(seen.map((r) => r.tenantId)).toEqual([tenant.id]);
  });
});
