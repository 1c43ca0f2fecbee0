import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, withTenant, type Tenant } from '@switchboard/db';
import { publish } from '@switchboard/api';
import {
  actorFor,
  apiOperations,
  createHarness,
  describeOp,
  logIn,
  openEventStream,
  seedClientUser,
  seedOperator,
  seedTenant,
  seedUser,
  urlFor,
  type Client,
  type Harness,
  type TestUser,
} from './support/index.ts';
import { insertCall, seedPizzaCatalog } from './support/records.ts';

/**
 * Issue 11, finding 6: where a tenant classes phone numbers as sensitive, the caller's number is masked
 * for every viewer on every route and event — the offer pushed to a desk, /api/desk/state, the call's
 * desk context (and its script variables) included — and an exact-number filter, which would answer
 * whether a masked number exists, is refused to whoever sees the number masked.
 */
let h: Harness;
let tenant: Tenant;
let operatorUser: TestUser;
let operator: Client;
let clientAdmin: Client;
let clientMember: Client;
let supervisor: Client;
let providerAdmin: Client;
/** A number nothing else in the database has, so any sight of it in a response is this caller's. */
const NUMBER = '+33644213377';
/** Its digits in any format (E.164, national, grouped): what a masked viewer must never get. */
const fullNumber = /(?:\+\s*33|\b0)[\s.\-()]*6[\s.\-]*4[\s.\-]*4[\s.\-]*2[\s.\-]*1[\s.\-]*3[\s.\-]*3[\s.\-]*7[\s.\-]*7/;
const ids: Record<string, string> = {};

const url = (path: string) => `/api/t/${tenant.slug}${path}`;

async function setPhone(classification: 'personal' | 'sensitive') {
  const res = await clientAdmin.put(url('/rules'), {
    classification: { 'customer.phone': classification },
    operatorVisibility: 'last_four',
    exportFields: classification === 'personal' ? ['customer.phone', 'customer.name'] : ['customer.name'],
  });
  expect(res.status, res.text).toBe(200);
}

beforeAll(async () => {
  h = await createHarness();
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { actor: actorFor(provider), locale: 'fr-FR', timeZone: 'Europe/Paris' }));
  operatorUser = await seedOperator(h.db, [tenant]);
  operator = await logIn(h.app, operatorUser);
  clientAdmin = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_admin'));
  clientMember = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_member'));
  supervisor = await logIn(h.app, await seedUser(h.db, { kind: 'supervisor' }));
  providerAdmin = await logIn(h.app, provider);
  await seedPizzaCatalog(clientAdmin, tenant);
  await setPhone('personal');

  // The caller: a completed call and a call the operator is on, a call offered to them, a callback request.
  ids.completed = await insertCall(h.db, tenant, { callerNumber: NUMBER, operatorId: operatorUser.id, answeredAfterSeconds: 5, talkSeconds: 60 });
  ids.connected = await insertCall(h.db, tenant, { callerNumber: NUMBER, operatorId: operatorUser.id, status: 'connected', answeredAfterSeconds: 3 });
  ids.offered = await insertCall(h.db, tenant, { callerNumber: NUMBER, status: 'queued' });
  const afterHours = await insertCall(h.db, tenant, { callerNumber: NUMBER, status: 'after_hours' });
  const now = h.clock.now();
  await withTenant(h.db, tenant.id, async (tx) => {
    await tx
      .insertInto('callQueue')
      .values({ tenantId: tenant.id, callId: ids.offered!, function: 'order_taking', enqueuedAt: now, offeredTo: operatorUser.id, offerExpiresAt: new Date(now.getTime() + 60_000) })
      .execute();
    ids.callback = newId();
    await tx
      .insertInto('callbackRequests')
      .values({ tenantId: tenant.id, id: ids.callback, callId: afterHours, function: 'order_taking', callerNumber: NUMBER, requestedAt: now })
      .execute();
  });
  expect((await operator.get('/api/desk/state')).status).toBe(200);
  await h.db
    .updateTable('operatorPresence')
    .set({ state: 'available', offerTenantId: tenant.id, offerCallId: ids.offered })
    .where('operatorId', '=', operatorUser.id)
    .execute();

  // Its records, captured on the call the operator is on: the order names the caller by the call alone.
  const order = await operator.post(url('/orders'), {
    callId: ids.connected,
    customer: { name: 'Jeanne Caller' },
    items: [{ sku: 'TIRAMISU', quantity: 1 }],
    paymentMethod: 'cash',
  });
  expect(order.status, order.text).toBe(201);
  ids.order = order.body.id;
  ids.customer = order.body.customer.id;
  const complaint = await operator.post(url('/complaints'), { callId: ids.connected, customerId: ids.customer, category: 'Late', severity: 'high', description: 'Cold pizza' });
  expect(complaint.status, complaint.text).toBe(201);
  ids.complaint = complaint.body.id;
});

afterAll(() => h?.close());

describe("the caller's number where phones are sensitive (issue 11, finding 6)", () => {
  it('is in clear where phones are personal (so the checks below can see it)', async () => {
    const calls = await clientAdmin.get(url('/calls'));
    expect(calls.text).toMatch(fullNumber);
    expect((await operator.get('/api/desk/state')).body.offer.callerNumber).toBe(NUMBER);
    const context = await operator.get(url(`/desk/calls/${ids.connected}`));
    expect(context.body.call).toMatchObject({ callerNumber: NUMBER, callerNumberInClear: true });
    // The order taken on the call without a phone went to the caller's customer record.
    const customer = await h.db.selectFrom('customers').select('phone').where('id', '=', ids.customer!).executeTakeFirstOrThrow();
    expect(customer.phone).toBe(NUMBER);
  });

  it('is masked in the offer pushed to the desk', async () => {
    await setPhone('sensitive');
    const stream = await openEventStream(h.app, operator.token);
    try {
      expect((await stream.next()).event).toBe('ready');
      await withTenant(h.db, tenant.id, (tx) => publish(tx, { kind: 'offer', tenantId: tenant.id, callId: ids.offered!, operatorId: operatorUser.id }));
      const events = await stream.until((e) => e.event === 'offer');
      const offer = events.at(-1)!.data;
      expect(offer).toMatchObject({ callId: ids.offered, callerNumber: '•••• 3377' });
      expect(JSON.stringify(events)).not.toMatch(fullNumber);
    } finally {
      await stream.close();
    }
  });

  it('is masked in /api/desk/state and in the call’s desk context, script variables included', async () => {
    await setPhone('sensitive');
    const state = await operator.get('/api/desk/state');
    expect(state.status).toBe(200);
    expect(state.body.offer).toMatchObject({ callId: ids.offered, callerNumber: '•••• 3377' });
    expect(state.text).not.toMatch(fullNumber);

    const context = await operator.get(url(`/desk/calls/${ids.connected}`));
    expect(context.status).toBe(200);
    expect(context.body.call).toMatchObject({ callerNumber: '•••• 3377', callerNumberInClear: false });
    expect(context.body.variables['caller.phone']).toBe('•••• 3377');
    expect(context.body.customer.phone).toBe('•••• 3377');
    // The lookups still ran on the stored number: the caller is known, with their history.
    expect(context.body.caller.returning).toBe(true);
    expect(context.body.history.orders.map((o: { id: string }) => o.id)).toEqual([]);
    expect(context.text).not.toMatch(fullNumber);
  });

  it('refuses an exact-number filter to whoever sees the number masked, and answers it for whoever sees it in clear', async () => {
    await setPhone('sensitive');
    const probes = [`/contacts?phone=${encodeURIComponent(NUMBER)}`, '/calls?phone=0644213377', '/calls.csv?phone=0644213377', '/contacts?phone=0600000000'];
    // Operators list nothing at all (least privilege: 403 whatever the filter), so they have no filter to probe with.
    for (const probe of probes) expect((await operator.get(url(probe))).status).toBe(403);
    for (const who of [clientAdmin, clientMember, supervisor, providerAdmin]) {
      for (const probe of probes) {
        const res = await who.get(url(probe));
        expect(res.status, `${probe}: ${res.text}`).toBe(400);
        expect(res.contentType).toContain('application/problem+json');
        expect(res.body.errors).toMatchObject([{ path: 'phone', message: expect.stringContaining('customer.phone') }]);
      }
    }
    // The answer is the same whether the number exists or not: nothing to learn from it.
    const [known, unknown] = [await clientAdmin.get(url('/calls?phone=0644213377')), await clientAdmin.get(url('/calls?phone=0600000000'))];
    expect(known.text).toBe(unknown.text);

    await setPhone('personal');
    const contacts = await clientAdmin.get(url(`/contacts?phone=${encodeURIComponent(NUMBER)}`));
    expect(contacts.status).toBe(200);
    expect(contacts.body.items.map((c: { id: string }) => c.id)).toEqual([ids.customer]);
    const calls = await supervisor.get(url('/calls?phone=0644213377'));
    expect(calls.status).toBe(200);
    expect(calls.body.items.length).toBe(4);
  });

  it('refuses a filter on a complaint severity the rules make sensitive', async () => {
    const res = await clientAdmin.put(url('/rules'), { classification: { 'customer.phone': 'sensitive', 'complaint.severity': 'sensitive' } });
    expect(res.status, res.text).toBe(200);
    for (const path of ['/complaints?severity=high', '/complaints.csv?severity=high']) {
      const refused = await clientAdmin.get(url(path));
      expect(refused.status, refused.text).toBe(400);
      expect(refused.body.errors.map((e: { path: string }) => e.path)).toEqual(['severity']);
    }
    expect((await clientAdmin.get(url('/complaints'))).status).toBe(200);
  });

  it('never shows the whole number in any GET response of the API to a viewer who sees it masked', async () => {
    await setPhone('sensitive');
    const operations = (await apiOperations(h.app)).filter((op) => op.method === 'GET' && op.path !== '/api/events');
    expect(operations.map(describeOp)).toEqual(
      expect.arrayContaining(['GET /api/desk/state', 'GET /api/t/{tenant}/desk/calls/{callId}', 'GET /api/t/{tenant}/calls.csv', 'GET /api/wallboard', 'GET /api/desk/recent-calls']),
    );
    const objectIds = Object.values(ids);
    const fixed = { tenant: tenant.slug, function: 'order_taking', version: '1', period: h.clock.now().toISOString().slice(0, 7) };
    const leaks: string[] = [];
    let seen = 0;
    for (const [who, client] of [['operator', operator], ['client admin', clientAdmin], ['client member', clientMember], ['supervisor', supervisor], ['provider admin', providerAdmin]] as const) {
      for (const op of operations) {
        const idParams = op.pathParams.filter((p) => !(p in fixed));
        for (const id of idParams.length ? objectIds : [undefined]) {
          const res = await client.get(urlFor(op, { ...fixed, ...Object.fromEntries(idParams.map((p) => [p, id!])) }));
          if (res.status === 200 && res.text.includes('•••• 3377')) seen++;
          if (fullNumber.test(res.text)) leaks.push(`${who} ${describeOp(op)} ${id ?? ''}: ${res.status}`);
        }
      }
    }
    expect(leaks).toEqual([]);
    // The sweep did reach the caller: masked, in the calls, the contact, the desk and the callbacks.
    expect(seen).toBeGreaterThan(20);
  }, 300_000);
});
