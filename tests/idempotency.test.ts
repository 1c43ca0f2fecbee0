import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import type { Tenant } from '@switchboard/db';
import { actorFor, createHarness, logIn, seedClientUser, seedOperator, seedTenant, seedUser, type Client, type Harness } from './support/index.ts';
import { countOf, insertCall, seedPizzaCatalog } from './support/records.ts';

/** Idempotency-Key on order, complaint and customer creation: a retry never creates a second record. */
let h: Harness;
let tenant: Tenant;
let other: Tenant;
let operator: Client;
let clientAdmin: Client;
let otherOperator: Client;

const url = (path: string, t: Tenant = tenant) => `/api/t/${t.slug}${path}`;
// An operator captures on a call they are handling (issue 11): each body names the operator's call
// with its caller, set once the calls exist (beforeAll).
const order = { callId: '', customer: { phone: '+33 6 11 22 33 44', name: 'Paul' }, items: [{ sku: 'TIRAMISU', quantity: 2 }], paymentMethod: 'cash' };
const complaint = { callId: '', category: 'Cold food', severity: 'low', description: 'Cold.' };
const contact = { callId: '', phone: '+33 6 99 88 77 66', name: 'Léa' };
let orderInOther: typeof order;

beforeAll(async () => {
  h = await createHarness();
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { actor: actorFor(provider) }));
  ({ tenant: other } = await seedTenant(h.db, { actor: actorFor(provider) }));
  clientAdmin = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_admin'));
  const operatorUser = await seedOperator(h.db, [tenant]);
  const otherOperatorUser = await seedOperator(h.db, [other]);
  operator = await logIn(h.app, operatorUser);
  otherOperator = await logIn(h.app, otherOperatorUser);
  const onCall = (t: Tenant, operatorId: string, callerNumber: string) =>
    insertCall(h.db, t, { status: 'connected', operatorId, callerNumber, answeredAfterSeconds: 5 });
  order.callId = complaint.callId = await onCall(tenant, operatorUser.id, '+33611223344');
  contact.callId = await onCall(tenant, operatorUser.id, '+33699887766');
  orderInOther = { ...order, callId: await onCall(other, otherOperatorUser.id, '+33611223344') };
  await seedPizzaCatalog(clientAdmin, tenant);
  await seedPizzaCatalog(await logIn(h.app, await seedClientUser(h.db, other, 'client_admin')), other);
});
afterAll(() => h?.close());

const key = () => ({ 'idempotency-key': randomUUID() });

describe.each([
  ['orders', '/orders', order, { items: [{ sku: 'TIRAMISU', quantity: 3 }] }, 'orders', 201],
  ['complaints', '/complaints', complaint, { severity: 'high' }, 'complaints', 201],
  ['contacts', '/contacts', contact, { name: 'Léa B.' }, 'customers', 201],
] as const)('Idempotency-Key on %s', (_name, path, body, change, table, created) => {
  // Read when a test runs: the body's call is set in beforeAll.
  const otherBody = () => ({ ...body, ...change });
  it('replays the first result to a retry and creates nothing more', async () => {
    const headers = key();
    const before = await countOf(h.db, table, tenant.id);
    const first = await operator.post(url(path), body, headers);
    expect(first.status).toBe(created);
    const retry = await operator.post(url(path), body, headers);
    expect(retry.status).toBe(created);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(await countOf(h.db, table, tenant.id)).toBe(before + 1);
    // Another viewer retrying gets the same record, masked for them.
    const byAdmin = await clientAdmin.post(url(path), body, headers);
    expect(byAdmin.body.id).toBe(first.body.id);
  });

  it('answers 422 to the same key with another body, saving nothing', async () => {
    const headers = key();
    await operator.post(url(path), body, headers);
    const before = await countOf(h.db, table, tenant.id);
    const reused = await operator.post(url(path), otherBody(), headers);
    expect(reused.status).toBe(422);
    expect(reused.headers.get('content-type')).toContain('application/problem+json');
    expect(reused.body.type).toMatch(/idempotency-key-reused$/);
    expect(await countOf(h.db, table, tenant.id)).toBe(before);
  });

  it('makes one record of two concurrent requests with the same key', async () => {
    const headers = key();
    const before = await countOf(h.db, table, tenant.id);
    const [a, b] = await Promise.all([operator.post(url(path), otherBody(), headers), operator.post(url(path), otherBody(), headers)]);
    // (The contact's number exists from the test above: the first request updates it, 200.)
    expect([a.status, b.status]).toEqual(table === 'customers' ? [200, 200] : [created, created]);
    expect(a.body.id).toBe(b.body.id);
    // The contact already exists from the test above: a retry may update it, never add one.
    expect(await countOf(h.db, table, tenant.id)).toBe(before + (table === 'customers' ? 0 : 1));
  });
});

describe('Idempotency-Key', () => {
  it('is kept per tenant: the same key elsewhere is another request', async () => {
    const headers = key();
    const here = await operator.post(url('/orders'), order, headers);
    const there = await otherOperator.post(url('/orders', other), orderInOther, headers);
    expect(there.status).toBe(201);
    expect(there.body.id).not.toBe(here.body.id);
  });

  it('is not used up by a refused request: the corrected retry creates the order', async () => {
    const headers = key();
    const refused = await operator.post(url('/orders'), { ...order, items: [{ sku: 'CALZONE', quantity: 1 }] }, headers);
    expect(refused.status).toBe(400);
    expect(await h.db.selectFrom('idempotencyKeys').select('key').where('key', '=', headers['idempotency-key']).execute()).toEqual([]);
    const reused = await operator.post(url('/orders'), order, headers);
    expect(reused.status).toBe(201);
  });

  it('writes the usage event once for a retried order and a retried complaint', async () => {
    for (const [path, body] of [['/orders', order], ['/complaints', complaint]] as const) {
      const headers = key();
      const first = await operator.post(url(path), body, headers);
      await operator.post(url(path), body, headers);
      await Promise.all([operator.post(url(path), body, headers), operator.post(url(path), body, headers)]);
      const events = await h.db.selectFrom('usageEvents').select('id').where('sourceId', '=', first.body.id).execute();
      expect(events).toHaveLength(1);
    }
  });

  it('refuses an empty or overlong key', async () => {
    expect((await operator.post(url('/orders'), order, { 'idempotency-key': 'x'.repeat(201) })).status).toBe(400);
  });
});
