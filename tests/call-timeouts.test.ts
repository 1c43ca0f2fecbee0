import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Tenant } from '@switchboard/db';
import { closeTimedOutCalls, dispatch } from '@switchboard/api';
import { createClock, createHarness, logIn, MINUTE, seedClientUser, seedTenant, seedUser, type App, type Client, type Clock, type Harness } from './support/index.ts';
import { addNumber, alwaysOpen, incomingCall, seedRoutedOperator, setHours, telephony, uniqueNumber } from './support/routing.ts';

/**
 * Issue 13: calls never stay queued or connected forever. A caller waiting past the tenant's maximum
 * queue wait gets the function's overflow action (once, however many passes run at once; never in the
 * middle of an offer); a connected call the adapter has said nothing about past the limit is closed by
 * the system and its operator freed, and a keep-alive starts that limit again.
 */
let h: Harness;
let clock: Clock;
let app: App;

beforeAll(async () => {
  h = await createHarness();
  clock = createClock(new Date('2026-12-01T10:00:00Z'));
  app = h.buildApp({ clock });
});
afterAll(() => h?.close());

const SECOND = 1_000;

async function company(settings: Record<string, unknown> = {}) {
  const { tenant } = await seedTenant(h.db);
  await setHours(h.db, tenant, alwaysOpen);
  const number = uniqueNumber();
  await addNumber(h.db, tenant, number, 'order_taking');
  const admin = await logIn(app, await seedClientUser(h.db, tenant, 'client_admin'));
  if (Object.keys(settings).length) expect((await admin.put(`/api/t/${tenant.slug}/call-settings`, settings)).status).toBe(200);
  return { tenant, number, admin };
}

const arrive = async (number: string) => {
  const res = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number));
  expect(res.body.outcome).toBe('queued');
  return res.body.id as string;
};
const callRow = (tenant: Tenant, id: string) => withTenant(h.db, tenant.id, (tx) => tx.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
const kinds = async (tenant: Tenant, id: string) =>
  (await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('callEvents').select('kind').where('callId', '=', id).orderBy('at').orderBy('id').execute())).map((e) => e.kind);
const eventOf = (tenant: Tenant, id: string, kind: string) =>
  withTenant(h.db, tenant.id, (tx) => tx.selectFrom('callEvents').selectAll().where('callId', '=', id).where('kind', '=', kind).execute());
const pass = () => closeTimedOutCalls(h.db, clock.now());

/** A call offered to the tenant's one operator, who is available on the desk. */
async function offeredCall(tenant: Tenant, number: string) {
  const desk = await logIn(app, await seedRoutedOperator(h.db, [[tenant, {}]]));
  expect((await desk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
  clock.advance(SECOND);
  const id = await arrive(number);
  await dispatch(h.db, clock.now());
  expect((await desk.get('/api/desk/state')).body.offer).toMatchObject({ callId: id });
  return { desk, id };
}

describe('a caller waiting past the maximum queue wait', () => {
  it('gets the default overflow action (a message) once the wait is over, not a second before; the adapter and the records learn it', async () => {
    const { tenant, number, admin } = await company({ maxQueueWaitSeconds: 60 });
    const id = await arrive(number);
    clock.advance(59 * SECOND);
    expect(await pass()).toMatchObject({ overflowed: 0 });
    expect((await callRow(tenant, id)).status).toBe('queued');

    clock.advance(1 * SECOND);
    expect(await pass()).toMatchObject({ overflowed: 1 });
    expect(await callRow(tenant, id)).toMatchObject({ status: 'overflowed', afterHoursAction: 'message', closedReason: 'max_wait', endedBy: 'system', endedAt: clock.now() });
    expect(await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('callQueue').select('callId').execute())).toEqual([]);
    expect(await kinds(tenant, id)).toEqual(['offered', 'queued', 'queue_overflow']);
    expect((await eventOf(tenant, id, 'queue_overflow'))[0]?.detail).toEqual({ action: 'message', forwardTo: null, waitedSeconds: 60, maxWaitSeconds: 60 });

    const status = await telephony(app, clock, 'GET', `/api/telephony/calls/${id}`);
    expect(status.body).toMatchObject({ status: 'overflowed', action: 'message', reason: 'max_wait', operatorConnected: false, forwardTo: null });
    const list = await admin.get(`/api/t/${tenant.slug}/calls?status=overflowed`);
    expect(list.status).toBe(200);
    expect(list.body.items).toMatchObject([{ id, status: 'overflowed', afterHoursAction: 'message', waitSeconds: 60 }]);
    // The supervisors' wallboard counts it as lost to the queue, after the answer target.
    const supervisor = await logIn(app, await seedUser(h.db, { kind: 'supervisor' }));
    const board = await supervisor.get('/api/wallboard');
    const queue = board.body.tenants.find((x: { slug: string }) => x.slug === tenant.slug).queues.find((q: { function: string }) => q.function === 'order_taking');
    expect(queue).toMatchObject({ waiting: 0, abandonedToday: 1, serviceLevelBaseToday: 1, serviceLevelToday: 0 });

    clock.advance(10 * MINUTE);
    expect(await pass()).toEqual({ overflowed: 0, silenced: 0 });
  });

  it('is overflowed once when two passes run at once (two processes): one event and one callback request per call', async () => {
    const { tenant, number } = await company({ maxQueueWaitSeconds: 30, queueOverflow: { order_taking: { action: 'callback' } } });
    const ids = [await arrive(number), await arrive(number), await arrive(number)];
    clock.advance(31 * SECOND);
    const [a, b] = await Promise.all([pass(), pass()]);
    expect(a.overflowed + b.overflowed).toBe(3);
    for (const id of ids) {
      expect(await callRow(tenant, id)).toMatchObject({ status: 'overflowed', afterHoursAction: 'callback' });
      expect(await eventOf(tenant, id, 'queue_overflow')).toHaveLength(1);
    }
    const callbacks = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('callbackRequests').select('callId').execute());
    expect(callbacks.map((c) => c.callId).sort()).toEqual([...ids].sort());
  });

  it("forwards to the function's destination, plays its announcement, and takes a message when a forward has nowhere to go", async () => {
    const forwarding = await company({ maxQueueWaitSeconds: 30, queueOverflow: { order_taking: { action: 'forward', forwardTo: '+33142868299' } } });
    const announcing = await company({ maxQueueWaitSeconds: 30, queueOverflow: { order_taking: { action: 'announcement', announcement: 'Toutes nos lignes sont occupées.' } } });
    const nowhere = await company({ maxQueueWaitSeconds: 30, queueOverflow: { order_taking: { action: 'forward' } } });
    const [f, a, n] = [await arrive(forwarding.number), await arrive(announcing.number), await arrive(nowhere.number)];
    clock.advance(30 * SECOND);
    expect((await pass()).overflowed).toBe(3);
    expect((await telephony(app, clock, 'GET', `/api/telephony/calls/${f}`)).body).toMatchObject({ status: 'overflowed', action: 'forward', forwardTo: '+33142868299' });
    expect((await telephony(app, clock, 'GET', `/api/telephony/calls/${a}`)).body).toMatchObject({ status: 'overflowed', action: 'announcement', announcement: 'Toutes nos lignes sont occupées.' });
    expect((await telephony(app, clock, 'GET', `/api/telephony/calls/${n}`)).body).toMatchObject({ status: 'overflowed', action: 'message', forwardTo: null });
  });

  it('is not overflowed in the middle of an offer: the offer runs out first, then the call overflows', async () => {
    const { tenant, number } = await company({ maxQueueWaitSeconds: 30, offerTimeoutSeconds: 60 });
    const { desk, id } = await offeredCall(tenant, number);

    clock.advance(45 * SECOND);
    expect((await pass()).overflowed).toBe(0);
    expect((await callRow(tenant, id)).status).toBe('queued');
    expect((await desk.get('/api/desk/state')).body.offer).toMatchObject({ callId: id });

    clock.advance(16 * SECOND);
    await dispatch(h.db, clock.now());
    expect((await pass()).overflowed).toBe(1);
    expect((await callRow(tenant, id)).status).toBe('overflowed');
    expect((await desk.post(`/api/t/${tenant.slug}/desk/calls/${id}/accept`)).status).not.toBe(200);
  });
});

describe('a connected call with no sign of life from the adapter', () => {
  async function connectedCall(limitMinutes: number) {
    const { tenant, number, admin } = await company({ connectedSilenceMinutes: limitMinutes });
    const { desk, id } = await offeredCall(tenant, number);
    expect((await desk.post(`/api/t/${tenant.slug}/desk/calls/${id}/accept`)).status).toBe(200);
    return { tenant, admin, desk, id, answeredAt: clock.now() };
  }

  it('is closed by the system past the limit, its operator goes to wrap-up, talk is counted to the last sign of life', async () => {
    const { tenant, desk, id, answeredAt } = await connectedCall(5);
    clock.advance(5 * MINUTE - SECOND);
    expect((await pass()).silenced).toBe(0);
    expect((await desk.get('/api/desk/state')).body.state).toBe('on_call');

    clock.advance(SECOND);
    expect(await pass()).toEqual({ overflowed: 0, silenced: 1 });
    expect(await callRow(tenant, id)).toMatchObject({ status: 'wrap_up', endedBy: 'system', closedReason: 'no_sign_of_life', endedAt: answeredAt });
    expect((await desk.get('/api/desk/state')).body.state).toBe('wrap_up');
    expect((await eventOf(tenant, id, 'no_sign_of_life'))[0]).toMatchObject({ operatorId: expect.any(String), detail: { silentMinutes: 5, limitMinutes: 5 } });
    const talk = await h.db.selectFrom('usageEvents').select('quantity').where('sourceId', '=', id).where('metric', '=', 'talk_seconds').execute();
    expect(talk.map((t) => Number(t.quantity))).toEqual([0]);

    // An adapter that comes back learns the call is over; a second pass changes nothing.
    const alive = await telephony(app, clock, 'POST', `/api/telephony/calls/${id}/alive`);
    expect(alive.body).toMatchObject({ status: 'wrap_up', operatorConnected: false, reason: 'no_sign_of_life' });
    clock.advance(10 * MINUTE);
    expect((await pass()).silenced).toBe(0);
    expect(await eventOf(tenant, id, 'no_sign_of_life')).toHaveLength(1);
  });

  it("restarts the limit at each keep-alive or report from the adapter, and counts the talk up to the last one", async () => {
    const { tenant, desk, id } = await connectedCall(5);
    clock.advance(4 * MINUTE);
    const alive = await telephony(app, clock, 'POST', `/api/telephony/calls/${id}/alive`);
    expect(alive.status).toBe(200);
    expect(alive.body).toMatchObject({ status: 'connected', operatorConnected: true });
    expect(alive.body.reason).toBeUndefined();
    const lastSign = clock.now();
    clock.advance(4 * MINUTE);
    expect((await pass()).silenced).toBe(0);
    expect((await desk.get('/api/desk/state')).body.state).toBe('on_call');

    clock.advance(MINUTE);
    expect((await pass()).silenced).toBe(1);
    expect(await callRow(tenant, id)).toMatchObject({ status: 'wrap_up', closedReason: 'no_sign_of_life', endedAt: lastSign });
    const talk = await h.db.selectFrom('usageEvents').select('quantity').where('sourceId', '=', id).where('metric', '=', 'talk_seconds').execute();
    expect(talk.map((t) => Number(t.quantity))).toEqual([240]);
  });

  it('keep-alive is signed like every adapter request, and an unknown call is a 404', async () => {
    const { id } = await connectedCall(60);
    expect((await telephony(app, clock, 'POST', `/api/telephony/calls/${id}/alive`, undefined, { 'x-switchboard-timestamp': '1' })).status).toBe(401);
    expect((await telephony(app, clock, 'POST', '/api/telephony/calls/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/alive')).status).toBe(404);
    expect((await telephony(app, clock, 'POST', '/api/telephony/calls/not-a-call/alive')).status).toBe(404);
  });
});

describe('the new settings refuse hostile values with a 400 naming the field, and save nothing', () => {
  let tenant: Tenant;
  let admin: Client;
  const path = () => `/api/t/${tenant.slug}/call-settings`;
  beforeAll(async () => {
    ({ tenant, admin } = await company({ maxQueueWaitSeconds: 120 }));
  });

  it.each([
    ['maxQueueWaitSeconds', { maxQueueWaitSeconds: -1 }],
    ['maxQueueWaitSeconds', { maxQueueWaitSeconds: 1e12 }],
    ['maxQueueWaitSeconds', { maxQueueWaitSeconds: 29 }],
    ['maxQueueWaitSeconds', { maxQueueWaitSeconds: '300\u0000' }],
    ['connectedSilenceMinutes', { connectedSilenceMinutes: -5 }],
    ['connectedSilenceMinutes', { connectedSilenceMinutes: 1441 }],
    ['connectedSilenceMinutes', { connectedSilenceMinutes: 2.5 }],
    ['queueOverflow.order_taking.announcement', { queueOverflow: { order_taking: { action: 'announcement', announcement: 'Busy\u0000' } } }],
    ['queueOverflow.order_taking.announcement', { queueOverflow: { order_taking: { action: 'announcement', announcement: 'x'.repeat(100_000) } } }],
    ['queueOverflow.order_taking.announcement', { queueOverflow: { order_taking: { action: 'announcement' } } }],
    ['queueOverflow.order_taking.forwardTo', { queueOverflow: { order_taking: { action: 'forward', forwardTo: '=HYPERLINK("http://x")' } } }],
    ['queueOverflow.order_taking.forwardTo', { queueOverflow: { order_taking: { action: 'message', forwardTo: '+33142868299' } } }],
    ['queueOverflow.order_taking.action', { queueOverflow: { order_taking: { action: 'hang_up' } } }],
    ['queueOverflow', { queueOverflow: { 'order_taking\u0000': { action: 'message' } } }],
  ])('%s: %j', async (field, body) => {
    const res = await admin.put(path(), body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    expect((await admin.get(path())).body.settings).toMatchObject({ maxQueueWaitSeconds: 120, queueOverflow: {}, connectedSilenceMinutes: 240 });
  });
});
