import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonb, newId, withTenant, type Tenant } from '@switchboard/db';
import { dispatch } from '@switchboard/api';
import {
  createClock,
  createHarness,
  logIn,
  seedClientUser,
  seedTenant,
  type App,
  type Client,
  type Clock,
  type Harness,
  type TestUser,
} from './support/index.ts';
import {
  addNumber,
  addWrapUpCode,
  alwaysOpen,
  incomingCall,
  publishQuestions,
  seedRoutedOperator,
  setCallSettings,
  setHours,
  telephony,
  uniqueNumber,
  type AssignmentOptions,
} from './support/routing.ts';

let h: Harness;
let clock: Clock;
let app: App;

beforeAll(async () => {
  h = await createHarness();
  clock = createClock(new Date('2026-12-01T10:00:00Z'));
  app = h.buildApp({ clock });
});
afterAll(() => h?.close());

async function scenario(settings: Parameters<typeof setCallSettings>[2] = {}) {
  const { tenant } = await seedTenant(h.db);
  await setHours(h.db, tenant, alwaysOpen);
  const number = uniqueNumber();
  await addNumber(h.db, tenant, number, 'order_taking');
  await addWrapUpCode(h.db, tenant, 'order_taken', clock.now());
  if (Object.keys(settings).length) await setCallSettings(h.db, tenant, settings);
  return { tenant, number };
}

async function operator(assignments: [Tenant, AssignmentOptions][]): Promise<{ user: TestUser; desk: Client }> {
  const user = await seedRoutedOperator(h.db, assignments);
  const desk = await logIn(app, user);
  expect((await desk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
  clock.advance(1_000);
  return { user, desk };
}

async function offeredCall(number: string): Promise<string> {
  const res = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number));
  expect(res.body.outcome).toBe('queued');
  await dispatch(h.db, clock.now());
  return res.body.id;
}

const callsPath = (tenant: Tenant, callId: string, action: string) => `/api/t/${tenant.slug}/desk/calls/${callId}/${action}`;
const callRow = (tenant: Tenant, callId: string) =>
  withTenant(h.db, tenant.id, (tx) => tx.selectFrom('calls').selectAll().where('id', '=', callId).executeTakeFirstOrThrow());
const eventKinds = async (tenant: Tenant, callId: string) =>
  (await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('callEvents').select('kind').where('callId', '=', callId).orderBy('at').orderBy('id').execute())).map((e) => e.kind);

describe('accepting', () => {
  it('of two concurrent accepts, exactly one wins', async () => {
    const { tenant, number } = await scenario();
    const op = await operator([[tenant, {}]]);
    const other = await operator([[tenant, {}]]);
    const callId = await offeredCall(number);
    const [a, b, c] = await Promise.all([
      op.desk.post(callsPath(tenant, callId, 'accept')),
      op.desk.post(callsPath(tenant, callId, 'accept')),
      other.desk.post(callsPath(tenant, callId, 'accept')),
    ]);
    expect([a.status, b.status, c.status].sort()).toEqual([200, 409, 409]);
    const winner = [a, b].find((r) => r.status === 200)!;
    expect(winner.body).toEqual({ callId, status: 'connected' });
    for (const loser of [a, b, c].filter((r) => r.status === 409)) expect(loser.body.type).toMatch(/offer-taken$/);
    expect(await callRow(tenant, callId)).toMatchObject({ status: 'connected', operatorId: op.user.id });
    expect((await eventKinds(tenant, callId)).filter((k) => k === 'answered')).toHaveLength(1);
    const state = (await op.desk.get('/api/desk/state')).body;
    expect(state).toMatchObject({ state: 'on_call', offer: null, call: { tenant: tenant.slug, callId, status: 'connected', wrapUpDeadline: null } });
    expect((await telephony(app, clock, 'GET', `/api/telephony/calls/${callId}`)).body).toMatchObject({ status: 'connected', operatorConnected: true });
    // On a call, the operator cannot simply go on a break.
    expect((await op.desk.put('/api/desk/state', { state: 'break', breakReason: 'Coffee' })).status).toBe(409);
  });

  it("records the function's latest published script on the call", async () => {
    const { tenant, number } = await scenario();
    const op = await operator([[tenant, {}]]);
    const script = newId();
    await withTenant(h.db, tenant.id, async (tx) => {
      await tx.insertInto('scripts').values({ tenantId: tenant.id, id: script, function: 'order_taking', draft: jsonb({}), draftUpdatedBy: 'test' }).execute();
      for (const version of [1, 2]) {
        await tx.insertInto('scriptVersions').values({ tenantId: tenant.id, scriptId: script, version, body: jsonb({}), publishedByLabel: 'test' }).execute();
      }
    });
    const callId = await offeredCall(number);
    expect((await op.desk.post(callsPath(tenant, callId, 'accept'))).status).toBe(200);
    expect(await callRow(tenant, callId)).toMatchObject({ scriptId: script, scriptVersion: 2 });
  });

  it('declining passes the call to the next operator', async () => {
    const { tenant, number } = await scenario();
    const first = await operator([[tenant, {}]]);
    const second = await operator([[tenant, {}]]);
    const callId = await offeredCall(number);
    expect((await first.desk.post(callsPath(tenant, callId, 'decline'))).status).toBe(204);
    expect((await second.desk.post(callsPath(tenant, callId, 'decline'))).status).toBe(409);
    await dispatch(h.db, clock.now());
    expect((await second.desk.get('/api/desk/state')).body.offer).toMatchObject({ callId });
    expect(await eventKinds(tenant, callId)).toEqual(['offered', 'queued', 'offered_to', 'declined', 'offered_to']);
  });
});

describe('ending and wrapping up', () => {
  it('writes handled_call and talk_seconds once, even when the end is reported twice', async () => {
    const { tenant, number } = await scenario();
    const op = await operator([[tenant, {}]]);
    const callId = await offeredCall(number);
    clock.advance(2_000);
    await op.desk.post(callsPath(tenant, callId, 'accept'));
    await telephony(app, clock, 'POST', `/api/telephony/calls/${callId}/answered`);
    await telephony(app, clock, 'POST', `/api/telephony/calls/${callId}/answered`);
    clock.advance(95_500);
    const ended = await telephony(app, clock, 'POST', `/api/telephony/calls/${callId}/ended`, { by: 'caller' });
    expect(ended.body).toMatchObject({ status: 'wrap_up', operatorConnected: false });
    clock.advance(1_000);
    const again = await telephony(app, clock, 'POST', `/api/telephony/calls/${callId}/ended`, { by: 'caller' });
    expect(again.status).toBe(200);
    const usage = await withTenant(h.db, tenant.id, (tx) =>
      tx.selectFrom('usageEvents').select(['metric', 'quantity', 'function', 'sourceType', 'sourceId']).orderBy('metric').execute(),
    );
    expect(usage.map((u) => ({ ...u, quantity: Number(u.quantity) }))).toEqual([
      { metric: 'handled_call', quantity: 1, function: 'order_taking', sourceType: 'call', sourceId: callId },
      { metric: 'talk_seconds', quantity: 95, function: 'order_taking', sourceType: 'call', sourceId: callId },
    ]);
    expect(await eventKinds(tenant, callId)).toEqual(['offered', 'queued', 'offered_to', 'answered', 'bridged', 'ended']);
    expect((await op.desk.get('/api/desk/state')).body).toMatchObject({ state: 'wrap_up', call: { callId, status: 'wrap_up' } });
  });

  it('wrap-up with a code returns the operator to available, idle from then; notes lose card numbers', async () => {
    const { tenant, number } = await scenario();
    await publishQuestions(h.db, tenant, 'order_taking', { pizza: 'text', quantity: 'number' });
    const op = await operator([[tenant, {}]]);
    const callId = await offeredCall(number);
    await op.desk.post(callsPath(tenant, callId, 'accept'));
    clock.advance(30_000);
    const hungUp = await op.desk.post(callsPath(tenant, callId, 'hangup'));
    expect(hungUp.body).toEqual({ callId, status: 'wrap_up' });
    expect(await callRow(tenant, callId)).toMatchObject({ status: 'wrap_up', endedBy: 'operator' });

    const unknownCode = await op.desk.post(callsPath(tenant, callId, 'wrap-up'), { disposition: 'no_such_code' });
    expect(unknownCode.status).toBe(400);
    expect(unknownCode.body.errors).toMatchObject([{ path: 'disposition', message: expect.any(String) }]);

    clock.advance(10_000);
    const done = await op.desk.post(callsPath(tenant, callId, 'wrap-up'), {
      disposition: 'order_taken',
      notes: 'Paid with 4111 1111 1111 1111 on delivery',
      scriptAnswers: { pizza: 'margherita', quantity: 2 },
    });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ callId, status: 'completed' });
    const stored = await callRow(tenant, callId);
    expect(stored).toMatchObject({ status: 'completed', disposition: 'order_taken' });
    expect(stored.notes).not.toContain('4111 1111 1111 1111');
    const state = (await op.desk.get('/api/desk/state')).body;
    expect(state).toMatchObject({ state: 'available', call: null, since: clock.now().toISOString() });
    expect((await op.desk.post(callsPath(tenant, callId, 'wrap-up'), { disposition: 'order_taken' })).status).toBe(409);
  });

  it('closes a wrap-up that outlasts the tenant wrap-up time, with no disposition', async () => {
    const { tenant, number } = await scenario({ wrapUpSeconds: 45 });
    const op = await operator([[tenant, {}]]);
    const callId = await offeredCall(number);
    await op.desk.post(callsPath(tenant, callId, 'accept'));
    await op.desk.post(callsPath(tenant, callId, 'hangup'));
    const deadline = (await op.desk.get('/api/desk/state')).body.call.wrapUpDeadline;
    expect(deadline).toBe(new Date(clock.now().getTime() + 45_000).toISOString());
    clock.advance(44_999);
    await dispatch(h.db, clock.now());
    expect(await callRow(tenant, callId)).toMatchObject({ status: 'wrap_up' });
    clock.advance(1);
    expect((await dispatch(h.db, clock.now())).wrapUpTimeouts).toBeGreaterThanOrEqual(1);
    expect(await callRow(tenant, callId)).toMatchObject({ status: 'completed', disposition: null });
    expect((await eventKinds(tenant, callId)).at(-1)).toBe('wrap_up_timeout');
    expect((await op.desk.get('/api/desk/state')).body).toMatchObject({ state: 'available', call: null });
  });
});

describe('transfers', () => {
  it('to a skill: a specialist may take it; nobody did, so it comes back to the operator with the note', async () => {
    const { tenant, number } = await scenario({ transferTimeoutSeconds: 30, wrapUpSeconds: 120 });
    const op = await operator([[tenant, {}]]);
    const callId = await offeredCall(number);
    await op.desk.post(callsPath(tenant, callId, 'accept'));
    const transferred = await op.desk.post(callsPath(tenant, callId, 'transfer'), {
      target: { kind: 'skill', skill: 'mortgages' },
      note: 'Wants to renegotiate the rate',
    });
    expect(transferred.body).toMatchObject({ callId, status: 'queued' });
    expect((await op.desk.get('/api/desk/state')).body).toMatchObject({ state: 'wrap_up', call: { callId } });
    clock.advance(29_000);
    await dispatch(h.db, clock.now());
    expect((await op.desk.get('/api/desk/state')).body.offer).toBeNull();
    clock.advance(1_000);
    expect((await dispatch(h.db, clock.now())).returned).toBe(1);
    const offer = (await op.desk.get('/api/desk/state')).body.offer;
    expect(offer).toMatchObject({ callId, note: 'Wants to renegotiate the rate' });
    expect((await op.desk.post(callsPath(tenant, callId, 'accept'))).status).toBe(200);
    expect(await callRow(tenant, callId)).toMatchObject({ status: 'connected', operatorId: op.user.id, requiredSkill: null });
    expect(await eventKinds(tenant, callId)).toEqual([
      'offered', 'queued', 'offered_to', 'answered', 'transfer_requested', 'transfer_returned', 'offered_to', 'answered',
    ]);
  });

  it('to a skill: the specialist takes it', async () => {
    const { tenant, number } = await scenario();
    const op = await operator([[tenant, {}]]);
    const specialist = await operator([[tenant, { skills: ['mortgages'] }]]);
    const callId = await offeredCall(number);
    await op.desk.post(callsPath(tenant, callId, 'accept'));
    await op.desk.post(callsPath(tenant, callId, 'transfer'), { target: { kind: 'skill', skill: 'mortgages' } });
    await dispatch(h.db, clock.now());
    expect((await specialist.desk.post(callsPath(tenant, callId, 'accept'))).status).toBe(200);
    expect(await callRow(tenant, callId)).toMatchObject({ status: 'connected', operatorId: specialist.user.id });
    // The first operator wraps up their part; the call stays with the specialist.
    const done = await op.desk.post(callsPath(tenant, callId, 'wrap-up'), { disposition: 'order_taken' });
    expect(done.body).toEqual({ callId, status: 'connected' });
    expect((await op.desk.get('/api/desk/state')).body.state).toBe('available');
  });

  it("in-house: to the function's in-house destination, back to the operator when nobody answers there; refused without one", async () => {
    const { tenant, number } = await scenario();
    const op = await operator([[tenant, {}]]);
    const first = await offeredCall(number);
    await op.desk.post(callsPath(tenant, first, 'accept'));
    const refused = await op.desk.post(callsPath(tenant, first, 'transfer'), { target: { kind: 'in_house' } });
    expect(refused.status).toBe(400);

    await withTenant(h.db, tenant.id, (tx) =>
      tx
        .insertInto('delegations')
        .values({ tenantId: tenant.id, function: 'order_taking', delegated: true, inHousePhone: '+33140000009', inHouseEmail: null, expectedMonthlyVolume: 0, updatedBy: 'test' })
        .execute(),
    );
    const out = await op.desk.post(callsPath(tenant, first, 'transfer'), { target: { kind: 'in_house' }, note: 'Large catering order' });
    expect(out.body).toEqual({ callId: first, status: 'transferred_out', forwardTo: '+33140000009' });
    expect((await telephony(app, clock, 'GET', `/api/telephony/calls/${first}`)).body).toMatchObject({ status: 'transferred_out', forwardTo: '+33140000009' });
    const failed = await telephony(app, clock, 'POST', `/api/telephony/calls/${first}/transfer-failed`, { note: 'No answer in-house' });
    expect(failed.body).toMatchObject({ status: 'connected', operatorConnected: true });
    expect((await op.desk.get('/api/desk/state')).body).toMatchObject({ state: 'on_call', call: { callId: first, status: 'connected' } });
    expect(await eventKinds(tenant, first)).toEqual(['offered', 'queued', 'offered_to', 'answered', 'transferred_out', 'transfer_returned']);

    // Transferred out and answered there: the end is reported once and counted once.
    await op.desk.post(callsPath(tenant, first, 'transfer'), { target: { kind: 'in_house' } });
    await telephony(app, clock, 'POST', `/api/telephony/calls/${first}/ended`, { by: 'caller' });
    await telephony(app, clock, 'POST', `/api/telephony/calls/${first}/ended`, { by: 'caller' });
    const usage = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('usageEvents').select('metric').where('sourceId', '=', first).execute());
    expect(usage.map((u) => u.metric).sort()).toEqual(['handled_call', 'talk_seconds']);
  });
});

describe('who may act', () => {
  it('answers 403 to client users and 404 for a call of another tenant', async () => {
    const { tenant, number } = await scenario();
    const other = await scenario();
    const op = await operator([[tenant, {}], [other.tenant, {}]]);
    const callId = await offeredCall(number);
    const client = await logIn(app, await seedClientUser(h.db, tenant, 'client_admin'));
    expect((await client.post(callsPath(tenant, callId, 'accept'))).status).toBe(403);
    expect((await op.desk.post(callsPath(other.tenant, callId, 'accept'))).status).toBe(404);
    expect((await op.desk.post(callsPath(tenant, callId, 'accept'))).status).toBe(200);
  });
});
