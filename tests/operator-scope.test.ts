import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Tenant } from '@switchboard/db';
import { dispatch } from '@switchboard/api';
import {
  actorFor,
  apiOperations,
  createHarness,
  describeOp,
  logIn,
  openEventStream,
  seedClientUser,
  seedTenant,
  seedUser,
  urlFor,
  type ApiOperation,
  type Client,
  type Harness,
  type TestUser,
} from './support/index.ts';
import { countOf, insertCall, seedPizzaCatalog } from './support/records.ts';
import { addNumber, alwaysOpen, incomingCall, requireAgreement, seedRoutedOperator, setHours, telephony, uniqueNumber } from './support/routing.ts';

/**
 * Issue 11, finding 5: least privilege for operators. An operator reads a caller through the call they
 * handle (the desk's context) and writes records only on such a call, for its caller; the tenant-wide
 * lists, reads and exports belong to client users and provider staff, who keep them. A tenant that
 * requires a confidentiality agreement admits no operator without a current one, on any route.
 */
let h: Harness;
let tenant: Tenant;
let other: Tenant;
let operatorUser: TestUser;
let operator: Client;
let colleague: TestUser;
let clientAdmin: Client;
let clientMember: Client;
let providerAdmin: Client;
let supervisor: Client;
let operations: ApiOperation[];
/** Calls of the tenant: the operator's live call (Marie's), its wrap-up, one awaiting its outcome, one done, a colleague's; and another tenant's. */
const calls = { live: '', wrapUp: '', awaiting: '', done: '', colleagues: '', otherTenants: '' };
let marieId: string;
let strangerId: string;

const url = (path: string, t: Tenant = tenant) => `/api/t/${t.slug}${path}`;
const MARIE = '+33612345678';
const order = (extra: Record<string, unknown> = {}) => ({ items: [{ sku: 'TIRAMISU', quantity: 1 }], paymentMethod: 'cash', ...extra });
const complaint = (extra: Record<string, unknown> = {}) => ({ category: 'Late', severity: 'low', description: 'An hour late.', ...extra });
const request = (extra: Record<string, unknown> = {}) => ({ topic: 'Delivery area', ...extra });
const contact = (extra: Record<string, unknown> = {}) => ({ phone: MARIE, name: 'Marie Dupont', ...extra });

/** Every table a capture writes, counted: what "nothing written" is checked against. */
const written = async () =>
  Promise.all((['orders', 'complaints', 'customers', 'informationRequests', 'usageEvents', 'idempotencyKeys'] as const).map((t) => countOf(h.db, t, tenant.id)));

beforeAll(async () => {
  h = await createHarness();
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { actor: actorFor(provider) }));
  ({ tenant: other } = await seedTenant(h.db, { actor: actorFor(provider) }));
  clientAdmin = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_admin'));
  clientMember = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_member'));
  providerAdmin = await logIn(h.app, provider);
  supervisor = await logIn(h.app, await seedUser(h.db, { kind: 'supervisor' }));
  operatorUser = await seedRoutedOperator(h.db, [[tenant, { skills: ['order_taking', 'complaints'] }]], 'Olivia');
  colleague = await seedRoutedOperator(h.db, [[tenant, {}]], 'Colin');
  const stranger = await seedRoutedOperator(h.db, [[other, {}]], 'Stella');
  operator = await logIn(h.app, operatorUser);
  await seedPizzaCatalog(clientAdmin, tenant);
  await seedPizzaCatalog(await logIn(h.app, await seedClientUser(h.db, other, 'client_admin')), other);

  const mine = { operatorId: operatorUser.id, callerNumber: MARIE, answeredAfterSeconds: 5 };
  calls.live = await insertCall(h.db, tenant, { ...mine, status: 'connected' });
  calls.wrapUp = await insertCall(h.db, tenant, { ...mine, status: 'wrap_up', talkSeconds: 40 });
  calls.awaiting = await insertCall(h.db, tenant, { ...mine, status: 'completed', talkSeconds: 40, disposition: null });
  calls.done = await insertCall(h.db, tenant, { ...mine, status: 'completed', talkSeconds: 40, disposition: 'order_taken' });
  calls.colleagues = await insertCall(h.db, tenant, { operatorId: colleague.id, callerNumber: MARIE, status: 'connected', answeredAfterSeconds: 5 });
  calls.otherTenants = await insertCall(h.db, other, { operatorId: stranger.id, callerNumber: MARIE, status: 'connected', answeredAfterSeconds: 5 });

  marieId = (await clientAdmin.post(url('/contacts'), contact())).body.id;
  strangerId = (await clientAdmin.post(url('/contacts'), { phone: '+33698765432', name: 'Somebody Else' })).body.id;
  // Records in every list, so a 200 would have had something to show.
  expect((await clientAdmin.post(url('/orders'), order({ customerId: strangerId }))).status).toBe(201);
  expect((await clientAdmin.post(url('/complaints'), complaint({ customerId: strangerId }))).status).toBe(201);
  expect((await clientAdmin.post(url('/information-requests'), request())).status).toBe(201);
  operations = await apiOperations(h.app);
});
afterAll(() => h?.close());

/**
 * The tenant-wide record reads: every documented GET of customers, orders, complaints, requests and calls
 * (the outcome of one's own call aside, and a call's recording and its audio, which have their own
 * permission and their own tests, tests/recordings.test.ts and tests/twilio-outbound.test.ts: client members
 * may not listen).
 */
const recordReads = () =>
  operations.filter(
    (op) =>
      op.method === 'GET' &&
      /^\/api\/t\/\{tenant\}\/(contacts|orders|complaints|information-requests|calls|callbacks|leads|data-entry|surveys|satisfaction)\b/.test(op.path) &&
      // A questionnaire's results and drill-down need its version: tests/survey-results.test.ts refuses operators there.
      !op.path.startsWith('/api/t/{tenant}/surveys/{id}') &&
      !op.path.endsWith('/outcome') &&
      !op.path.endsWith('/recording') &&
      !op.path.endsWith('/recording/audio'),
  );

async function idsFor(op: ApiOperation): Promise<string> {
  // The list the id comes from: the path before its {id} (a call's answers name a call).
  const rows = (await clientAdmin.get(urlFor({ ...op, path: op.path.replace(/\/\{id\}(\/.*)?$/, '') }, { tenant: tenant.slug }))).body.items as { id: string }[];
  expect(rows.length, `${describeOp(op)} has a row to name`).toBeGreaterThan(0);
  return rows[0]!.id;
}

describe('reads: the caller through the call, never the tenant', () => {
  it('answers 403 to an operator on every list, record and export of customers, orders, complaints, requests and calls', async () => {
    const reads = recordReads();
    expect(reads.map(describeOp)).toEqual(
      expect.arrayContaining([
        'GET /api/t/{tenant}/contacts',
        'GET /api/t/{tenant}/contacts/{id}',
        'GET /api/t/{tenant}/orders',
        'GET /api/t/{tenant}/orders.csv',
        'GET /api/t/{tenant}/orders/{id}',
        'GET /api/t/{tenant}/complaints',
        'GET /api/t/{tenant}/complaints.csv',
        'GET /api/t/{tenant}/complaints/{id}',
        'GET /api/t/{tenant}/information-requests',
        'GET /api/t/{tenant}/calls',
        'GET /api/t/{tenant}/calls.csv',
        'GET /api/t/{tenant}/calls/{id}',
        'GET /api/t/{tenant}/calls/{id}/answers',
        'GET /api/t/{tenant}/callbacks',
        'GET /api/t/{tenant}/leads',
        'GET /api/t/{tenant}/leads.csv',
        'GET /api/t/{tenant}/data-entry',
        'GET /api/t/{tenant}/surveys',
        'GET /api/t/{tenant}/satisfaction',
        'GET /api/t/{tenant}/satisfaction.csv',
      ]),
    );
    const wrong: string[] = [];
    for (const op of reads) {
      const id = op.pathParams.includes('id') ? await idsFor(op) : '';
      const target = urlFor(op, { tenant: tenant.slug, id });
      const asOperator = await operator.get(target);
      if (asOperator.status !== 403) wrong.push(`operator ${describeOp(op)}: ${asOperator.status}`);
      else if (/Marie|Somebody|\+336/.test(asOperator.text)) wrong.push(`operator ${describeOp(op)} shows data: ${asOperator.text}`);
      // Client users and provider staff keep them.
      for (const [who, client] of [['client admin', clientAdmin], ['client member', clientMember], ['provider admin', providerAdmin], ['supervisor', supervisor]] as const) {
        const res = await client.get(target);
        if (res.status !== 200) wrong.push(`${who} ${describeOp(op)}: ${res.status}`);
      }
    }
    expect(wrong).toEqual([]);
    expect((await operator.get('/api/me')).body.permissions).not.toContain('records.read');
    expect((await clientMember.get('/api/me')).body.permissions).toContain('records.read');
  });

  it("shows the caller's record and history through the desk's context of a call the operator handles, and of no other call", async () => {
    for (const callId of [calls.live, calls.wrapUp, calls.awaiting]) {
      const res = await operator.get(url(`/desk/calls/${callId}`));
      expect(res.status, callId).toBe(200);
      expect(res.body.customer).toMatchObject({ id: marieId, name: 'Marie Dupont' });
    }
    for (const callId of [calls.done, calls.colleagues, calls.otherTenants, randomUUID()]) {
      expect((await operator.get(url(`/desk/calls/${callId}`))).status, callId).toBe(404);
    }
  });
});

describe('writes: only on a call the operator handles, for its caller', () => {
  const routes = [
    ['/orders', order],
    ['/complaints', complaint],
    ['/information-requests', request],
    ['/contacts', contact],
  ] as const;

  it('refuses a capture with no call, a colleague’s call, a finished call or another tenant’s call, writing nothing', async () => {
    const before = await written();
    const wrong: string[] = [];
    for (const [path, body] of routes) {
      for (const [label, callId] of [
        ['no call', undefined],
        ["a colleague's call", calls.colleagues],
        ['a call done with', calls.done],
        ["another tenant's call", calls.otherTenants],
        ['a call that does not exist', randomUUID()],
      ] as const) {
        const res = await operator.post(url(path), body(callId ? { callId } : {}), { 'idempotency-key': randomUUID() });
        if (res.status !== 403) wrong.push(`${path} on ${label}: ${res.status} ${res.text}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(await written()).toEqual(before);
  });

  it("refuses another customer's record on the operator's own call, by id or by phone", async () => {
    const before = await written();
    expect((await operator.post(url('/orders'), order({ callId: calls.live, customerId: strangerId }))).status).toBe(403);
    expect((await operator.post(url('/complaints'), complaint({ callId: calls.live, customer: { phone: '+33698765432', name: 'Renamed' } }))).status).toBe(403);
    expect((await operator.post(url('/contacts'), { callId: calls.live, phone: '06 98 76 54 32', name: 'Renamed' })).status).toBe(403);
    expect((await operator.patch(url(`/contacts/${marieId}`), { name: 'Renamed' })).status).toBe(403);
    expect(await written()).toEqual(before);
    const stranger = await h.db.selectFrom('customers').select('name').where('id', '=', strangerId).executeTakeFirstOrThrow();
    expect(stranger.name).toBe('Somebody Else');
  });

  it('captures on the live call, in its wrap-up and while its outcome awaits, for the caller', async () => {
    const onLive = await operator.post(url('/orders'), order({ callId: calls.live, customer: { phone: '06 12 34 56 78', name: 'Marie D.' } }));
    expect(onLive.status, onLive.text).toBe(201);
    expect(onLive.body).toMatchObject({ callId: calls.live, customer: { id: marieId } });
    const inWrapUp = await operator.post(url('/complaints'), complaint({ callId: calls.wrapUp, customerId: marieId }));
    expect(inWrapUp.status, inWrapUp.text).toBe(201);
    const awaiting = await operator.post(url('/information-requests'), request({ callId: calls.awaiting }));
    expect(awaiting.status, awaiting.text).toBe(201);
    const saved = await operator.post(url('/contacts'), { callId: calls.live, phone: MARIE, address: '12 rue de la Paix' }, { 'idempotency-key': randomUUID() });
    expect(saved.status, saved.text).toBe(200);
    expect(saved.body).toMatchObject({ id: marieId, address: '12 rue de la Paix' });
    // A caller who gives another number gets a new record.
    expect((await operator.post(url('/contacts'), { callId: calls.live, phone: '+33611110000', name: 'Marie (work)' })).status).toBe(201);
  });

  it('leaves client admins and provider admins capturing without a call, and client members not at all', async () => {
    expect((await clientAdmin.post(url('/orders'), order())).status).toBe(201);
    expect((await providerAdmin.post(url('/complaints'), complaint({ customerId: strangerId }))).status).toBe(201);
    expect((await providerAdmin.patch(url(`/contacts/${strangerId}`), { address: 'Somewhere' })).status).toBe(200);
    expect((await clientMember.post(url('/orders'), order())).status).toBe(403);
    expect((await supervisor.post(url('/orders'), order())).status).toBe(403);
  });
});

describe('a withdrawn confidentiality agreement', () => {
  let secret: Tenant;
  let number: string;
  let agent: TestUser;
  let desk: Client;
  let handled: string;
  const queued = (callId: string) => withTenant(h.db, secret.id, (tx) => tx.selectFrom('callQueue').select('offeredTo').where('callId', '=', callId).executeTakeFirstOrThrow());
  const incoming = async () => {
    const res = await telephony(h.app, h.clock, 'POST', '/api/telephony/calls', incomingCall(number, '+33655554444'));
    expect(res.status).toBe(200);
    return res.body.id as string;
  };

  beforeAll(async () => {
    ({ tenant: secret } = await seedTenant(h.db));
    await requireAgreement(h.db, secret, h.clock.now());
    await setHours(h.db, secret, alwaysOpen);
    number = uniqueNumber();
    await addNumber(h.db, secret, number, 'order_taking');
    agent = await seedRoutedOperator(h.db, [[secret, { agreementSigned: true }], [tenant, {}]], 'Agnes');
    desk = await logIn(h.app, agent);
    handled = await insertCall(h.db, secret, { operatorId: agent.id, status: 'completed', answeredAfterSeconds: 5, talkSeconds: 30, disposition: null });
  });

  it('admits the operator while it is on file', async () => {
    expect((await desk.get(url('/hours', secret))).status).toBe(200);
    expect((await desk.get(url(`/calls/${handled}/outcome`, secret))).status).toBe(200);
    expect((await desk.get('/api/me')).body.tenants.map((t: { slug: string }) => t.slug)).toContain(secret.slug);
    expect((await desk.get('/api/desk/state')).body.tenants.map((t: { slug: string }) => t.slug)).toContain(secret.slug);
    expect((await desk.get('/api/desk/recent-calls')).body.calls.map((c: { callId: string }) => c.callId)).toContain(handled);
  });

  it('refuses them every route of the company, its desk state, recent calls and events, and routes no call to them', async () => {
    const withdrawn = await providerAdmin.put(url(`/operators/${agent.id}/agreement`, secret), { signedAt: null });
    expect(withdrawn.status, withdrawn.text).toBe(200);
    expect(withdrawn.body.clearedForCalls).toBe(false);

    const tenantRoutes = operations.filter((op) => op.path.startsWith('/api/t/{tenant}'));
    expect(tenantRoutes.length).toBeGreaterThan(50);
    const wrong: string[] = [];
    for (const op of tenantRoutes) {
      const res = await desk.request(op.method, urlFor(op, { tenant: secret.slug }, handled), op.body);
      if (res.status !== 403 || !String(res.body?.type).endsWith('agreement-required')) wrong.push(`${describeOp(op)}: ${res.status} ${res.text.slice(0, 120)}`);
    }
    expect(wrong).toEqual([]);
    // The company the operator still may serve answers as before.
    expect((await desk.get(url('/hours'))).status).toBe(200);

    expect((await desk.get('/api/me')).body.tenants.map((t: { slug: string }) => t.slug)).toEqual([tenant.slug]);
    expect((await desk.get('/api/desk/state')).body.tenants.map((t: { slug: string }) => t.slug)).toEqual([tenant.slug]);
    expect((await desk.get('/api/desk/recent-calls')).body.calls.map((c: { callId: string }) => c.callId)).not.toContain(handled);

    // Events: the desk's first view holds the queues of the companies that admit them only.
    const stream = await openEventStream(h.app, desk.token);
    const greeting = await stream.until((e) => e.event === 'queue' && e.data.tenant === tenant.slug);
    expect((await desk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
    const seen = [...greeting, ...(await stream.until((e) => e.event === 'presence'))];
    await stream.close();
    expect(seen.filter((e) => e.data?.tenant === secret.slug)).toEqual([]);

    // Routing: available, and still offered nothing of the company.
    const callId = await incoming();
    await dispatch(h.db, h.clock.now());
    expect((await queued(callId)).offeredTo).toBeNull();
    expect((await desk.get('/api/desk/state')).body.offer).toBeNull();

    // Signed again: the same call is offered to them (the check above is what kept it away).
    expect((await providerAdmin.put(url(`/operators/${agent.id}/agreement`, secret), { signedAt: h.clock.now().toISOString() })).status).toBe(200);
    await dispatch(h.db, h.clock.now());
    expect((await queued(callId)).offeredTo).toBe(agent.id);
    expect((await desk.get(url('/hours', secret))).status).toBe(200);
  });
});
