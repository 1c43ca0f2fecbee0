import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { withTenant, type Tenant } from '@switchboard/db';
import { dispatch, wrapUp } from '@switchboard/api';
import { createClock, createHarness, logIn, seedClientUser, seedTenant, seedUser, type App, type Client, type Clock, type Harness, type TestUser } from './support/index.ts';
import { addNumber, addWrapUpCode, alwaysOpen, incomingCall, publishQuestions, seedRoutedOperator, setCallSettings, setHours, telephony, uniqueNumber } from './support/routing.ts';

/**
 * Issue 10: an expired wrap-up keeps the operator's draft (outcome and notes) for them to complete
 * from their recent calls; a wrap-up may be extended once by the tenant's setting; the expiry and a
 * manual wrap-up racing each other never deadlock.
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

const card = '4111 1111 1111 1111';

async function scenario(settings: Parameters<typeof setCallSettings>[2] = { wrapUpSeconds: 45 }) {
  const { tenant } = await seedTenant(h.db);
  await setHours(h.db, tenant, alwaysOpen);
  const number = uniqueNumber();
  await addNumber(h.db, tenant, number, 'order_taking');
  await addWrapUpCode(h.db, tenant, 'order_taken', clock.now());
  await addWrapUpCode(h.db, tenant, 'call_back_later', clock.now());
  await publishQuestions(h.db, tenant, 'order_taking', { card: 'text', pizzas: 'number', name: 'text', amount: 'number', q: 'text' });
  if (Object.keys(settings).length) await setCallSettings(h.db, tenant, settings);
  return { tenant, number };
}

async function availableOperator(tenants: Tenant[]): Promise<{ user: TestUser; desk: Client }> {
  const user = await seedRoutedOperator(h.db, tenants.map((t) => [t, {}]));
  const desk = await logIn(app, user);
  expect((await desk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
  clock.advance(1_000);
  return { user, desk };
}

/** A call offered to and accepted by the operator, then ended by the caller: the operator is wrapping it up. */
async function callInWrapUp(number: string, desk: Client, tenant: Tenant): Promise<string> {
  const res = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number));
  await dispatch(h.db, clock.now());
  const callId: string = res.body.id;
  expect((await desk.post(`/api/t/${tenant.slug}/desk/calls/${callId}/accept`)).status).toBe(200);
  clock.advance(60_000);
  await telephony(app, clock, 'POST', `/api/telephony/calls/${callId}/ended`, { by: 'caller' });
  return callId;
}

const draftPath = (tenant: Tenant, callId: string) => `/api/t/${tenant.slug}/desk/calls/${callId}/wrap-up/draft`;
const extendPath = (tenant: Tenant, callId: string) => `/api/t/${tenant.slug}/desk/calls/${callId}/wrap-up/extend`;
const outcomePath = (tenant: Tenant, callId: string) => `/api/t/${tenant.slug}/calls/${callId}/outcome`;
const callRow = (tenant: Tenant, callId: string) =>
  withTenant(h.db, tenant.id, (tx) => tx.selectFrom('calls').selectAll().where('id', '=', callId).executeTakeFirstOrThrow());
const events = (tenant: Tenant, callId: string) =>
  withTenant(h.db, tenant.id, (tx) => tx.selectFrom('callEvents').select(['kind', 'detail', 'operatorId']).where('callId', '=', callId).orderBy('at').orderBy('id').execute());
const auditActions = async (tenant: Tenant, callId: string) =>
  (await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('auditLog').select('action').where('targetId', '=', callId).execute())).map((a) => a.action);

describe('an expired wrap-up', () => {
  it('closes the call keeping the draft outcome and notes (card numbers redacted), listed as needing completion', async () => {
    const { tenant, number } = await scenario();
    const op = await availableOperator([tenant]);
    const callId = await callInWrapUp(number, op.desk, tenant);
    const state = (await op.desk.get('/api/desk/state')).body;
    expect(state.call).toMatchObject({ callId, status: 'wrap_up', endedBy: 'caller', wrapUpExtensionSeconds: 0, wrapUpExtended: false, draft: null });
    expect(state.call.answeredAt).toEqual(expect.any(String));

    clock.advance(10_000);
    const saved = await op.desk.put(draftPath(tenant, callId), { disposition: 'call_back_later', notes: `Paid with ${card}, call back at 6`, scriptAnswers: { card, pizzas: 2 } });
    expect(saved.status).toBe(200);
    expect(saved.body).toEqual({ callId, savedAt: clock.now().toISOString() });
    // A reopened tab starts from the draft.
    expect((await op.desk.get('/api/desk/state')).body.call.draft).toEqual({ disposition: 'call_back_later', notes: 'Paid with •••• 1111, call back at 6', savedAt: clock.now().toISOString() });

    clock.advance(35_000);
    await dispatch(h.db, clock.now());
    const row = await callRow(tenant, callId);
    expect(row).toMatchObject({ status: 'completed', disposition: null, notes: null, draftDisposition: 'call_back_later', draftNotes: 'Paid with •••• 1111, call back at 6' });
    expect(row.draftScriptAnswers).toEqual({ card: '•••• 1111', pizzas: 2 });
    expect((await events(tenant, callId)).at(-1)).toMatchObject({ kind: 'wrap_up_timeout', detail: { draftKept: true } });
    expect((await op.desk.get('/api/desk/state')).body).toMatchObject({ state: 'available', call: null });

    // Typing on after the time ran out saves nothing more: the draft is completed from recent calls.
    const late = await op.desk.put(draftPath(tenant, callId), { disposition: 'order_taken' });
    expect(late.status).toBe(409);
    expect(late.body.type).toMatch(/wrap-up-over$/);

    const recent = (await op.desk.get('/api/desk/recent-calls')).body;
    expect(recent.needsCompleting).toBe(1);
    expect(recent.calls).toEqual([
      expect.objectContaining({
        tenant: tenant.slug,
        callId,
        needsCompleting: true,
        disposition: null,
        talkSeconds: 60,
        draft: { disposition: 'call_back_later', dispositionLabel: 'call back later', notes: 'Paid with •••• 1111, call back at 6', savedAt: expect.any(String) },
      }),
    ]);
  });

  it('is completed by its operator: final disposition, a timeline event and an audit row; only once', async () => {
    const { tenant, number } = await scenario();
    const op = await availableOperator([tenant]);
    const callId = await callInWrapUp(number, op.desk, tenant);
    await op.desk.put(draftPath(tenant, callId), { disposition: 'call_back_later', notes: 'Call back at 6', scriptAnswers: { pizzas: 2 } });
    clock.advance(46_000);
    await dispatch(h.db, clock.now());

    const form = await op.desk.get(outcomePath(tenant, callId));
    expect(form.status).toBe(200);
    expect(form.body).toMatchObject({
      callId,
      status: 'completed',
      needsCompleting: true,
      endedBy: 'caller',
      draft: { disposition: 'call_back_later', notes: 'Call back at 6' },
      codes: [{ code: 'call_back_later', label: 'call back later' }, { code: 'order_taken', label: 'order taken' }],
    });

    const unknown = await op.desk.post(outcomePath(tenant, callId), { disposition: 'no_such_code' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors).toMatchObject([{ path: 'disposition', message: expect.any(String) }]);

    const done = await op.desk.post(outcomePath(tenant, callId), { disposition: 'order_taken', notes: `Ordered after all, card ${card}` });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ callId, disposition: 'order_taken', notes: 'Ordered after all, card •••• 1111' });
    expect(await callRow(tenant, callId)).toMatchObject({ disposition: 'order_taken', notes: 'Ordered after all, card •••• 1111', draftDisposition: null, draftNotes: null, draftSavedAt: null });
    expect((await events(tenant, callId)).at(-1)).toEqual({
      kind: 'disposition_completed',
      operatorId: op.user.id,
      detail: { disposition: 'order_taken', notes: 'Ordered after all, card •••• 1111', scriptAnswers: { pizzas: 2 } },
    });
    expect(await auditActions(tenant, callId)).toContain('call.outcome_completed');

    const again = await op.desk.post(outcomePath(tenant, callId), { disposition: 'order_taken' });
    expect(again.status).toBe(409);
    // Completed, the call is no longer theirs to handle: its form (and notes) is not theirs to read either.
    expect((await op.desk.get(outcomePath(tenant, callId))).status).toBe(404);
    const recent = (await op.desk.get('/api/desk/recent-calls')).body;
    expect(recent.needsCompleting).toBe(0);
    expect(recent.calls.find((c: { callId: string }) => c.callId === callId)).toMatchObject({ needsCompleting: false, disposition: 'order_taken', dispositionLabel: 'order taken', draft: null });
  });

  it("shows the caller's number in recent calls and on the outcome form as the tenant's rules mask it for the viewer", async () => {
    const { tenant, number } = await scenario();
    const admin = await logIn(app, await seedClientUser(h.db, tenant, 'client_admin'));
    const masked = await admin.put(`/api/t/${tenant.slug}/rules`, { classification: { 'customer.phone': 'sensitive' }, operatorVisibility: 'masked' });
    expect(masked.status, masked.text).toBe(200);
    const op = await availableOperator([tenant]);
    const callId = await callInWrapUp(number, op.desk, tenant);
    clock.advance(46_000);
    await dispatch(h.db, clock.now());

    const caller = incomingCall(number).caller;
    const listed = (await op.desk.get('/api/desk/recent-calls')).body.calls.find((c: { callId: string }) => c.callId === callId);
    const form = (await op.desk.get(outcomePath(tenant, callId))).body;
    for (const shown of [listed.callerNumber, form.callerNumber]) {
      expect(shown).not.toBe(caller);
      expect(shown).not.toContain(caller.slice(3, 9));
    }
  });

  it('may be completed by the operator who handled it or a provider admin; anyone else of the tenant is refused, another tenant gets 404', async () => {
    const { tenant, number } = await scenario();
    const { tenant: other } = await scenario();
    const op = await availableOperator([tenant]);
    const colleague = await availableOperator([tenant, other]);
    const stranger = await availableOperator([other]);
    const callId = await callInWrapUp(number, op.desk, tenant);
    await op.desk.put(draftPath(tenant, callId), { notes: 'Half typed' });
    clock.advance(46_000);
    await dispatch(h.db, clock.now());

    // A colleague on the same client: the call is not theirs, and they are not told it exists.
    expect((await colleague.desk.get(outcomePath(tenant, callId))).status).toBe(404);
    expect((await colleague.desk.post(outcomePath(tenant, callId), { disposition: 'order_taken' })).status).toBe(404);
    expect((await colleague.desk.put(draftPath(tenant, callId), { notes: 'mine now' })).status).toBe(404);
    // Another client's operator, and the call's id under another tenant: 404.
    expect((await stranger.desk.get(outcomePath(tenant, callId))).status).toBe(404);
    expect((await stranger.desk.post(outcomePath(other, callId), { disposition: 'order_taken' })).status).toBe(404);
    expect((await colleague.desk.post(outcomePath(other, callId), { disposition: 'order_taken' })).status).toBe(404);
    // Client users and supervisors do not complete operators' calls.
    const clientAdmin = await logIn(app, await seedClientUser(h.db, tenant, 'client_admin'));
    expect((await clientAdmin.post(outcomePath(tenant, callId), { disposition: 'order_taken' })).status).toBe(403);
    const supervisor = await logIn(app, await seedUser(h.db, { kind: 'supervisor' }));
    expect((await supervisor.post(outcomePath(tenant, callId), { disposition: 'order_taken' })).status).toBe(403);
    // Nobody else's calls show in anyone's recent calls.
    expect((await colleague.desk.get('/api/desk/recent-calls')).body.calls).toEqual([]);
    expect((await stranger.desk.get('/api/desk/recent-calls')).body.calls).toEqual([]);
    expect(await callRow(tenant, callId)).toMatchObject({ disposition: null, draftNotes: 'Half typed' });

    const admin = await seedUser(h.db, { kind: 'provider_admin', displayName: 'Paula Admin' });
    const byAdmin = await (await logIn(app, admin)).post(outcomePath(tenant, callId), { disposition: 'order_taken' });
    expect(byAdmin.status).toBe(200);
    expect((await events(tenant, callId)).at(-1)).toMatchObject({ kind: 'disposition_completed', operatorId: admin.id, detail: { completedBy: expect.stringContaining('Paula Admin') } });
  });
});

describe('extending a wrap-up', () => {
  it("once, by the tenant's extension time: the deadline moves, a second extension is refused", async () => {
    const { tenant, number } = await scenario({ wrapUpSeconds: 45, wrapUpExtensionSeconds: 30 });
    const op = await availableOperator([tenant]);
    const callId = await callInWrapUp(number, op.desk, tenant);
    const began = clock.now().getTime();
    expect((await op.desk.get('/api/desk/state')).body.call).toMatchObject({ wrapUpExtensionSeconds: 30, wrapUpExtended: false, wrapUpDeadline: new Date(began + 45_000).toISOString() });

    clock.advance(40_000);
    const extended = await op.desk.post(extendPath(tenant, callId));
    expect(extended.status).toBe(200);
    expect(extended.body).toEqual({ callId, wrapUpDeadline: new Date(began + 75_000).toISOString() });
    expect((await op.desk.get('/api/desk/state')).body.call).toMatchObject({ wrapUpExtended: true, wrapUpDeadline: new Date(began + 75_000).toISOString() });

    const twice = await op.desk.post(extendPath(tenant, callId));
    expect(twice.status).toBe(409);
    expect(twice.headers.get('content-type')).toBe('application/problem+json');
    expect(twice.body.type).toMatch(/already-extended$/);

    clock.advance(34_999);
    await dispatch(h.db, clock.now());
    expect(await callRow(tenant, callId)).toMatchObject({ status: 'wrap_up' });
    clock.advance(1);
    await dispatch(h.db, clock.now());
    expect(await callRow(tenant, callId)).toMatchObject({ status: 'completed' });
    expect((await events(tenant, callId)).map((e) => e.kind).slice(-2)).toEqual(['wrap_up_extended', 'wrap_up_timeout']);
    expect(await auditActions(tenant, callId)).toContain('call.wrap_up_extended');

    // The next call's wrap-up may be extended again.
    const next = await callInWrapUp(number, op.desk, tenant);
    expect((await op.desk.post(extendPath(tenant, next))).status).toBe(200);
  });

  it('is refused when the tenant allows none, after the time ran out, and for a call one is not wrapping up', async () => {
    const { tenant, number } = await scenario({ wrapUpSeconds: 45 });
    const op = await availableOperator([tenant]);
    const callId = await callInWrapUp(number, op.desk, tenant);
    const none = await op.desk.post(extendPath(tenant, callId));
    expect(none.status).toBe(409);
    expect(none.body.type).toMatch(/extension-not-allowed$/);

    await setCallSettings(h.db, tenant, { wrapUpExtensionSeconds: 20 });
    const colleague = await availableOperator([tenant]);
    // Another operator's call answers as an unknown one: no probing which call ids exist.
    expect((await colleague.desk.post(extendPath(tenant, callId))).status).toBe(404);
    expect((await colleague.desk.post(extendPath(tenant, '019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b'))).status).toBe(404);
    clock.advance(45_000);
    const late = await op.desk.post(extendPath(tenant, callId));
    expect(late.status).toBe(409);
    expect(late.body.type).toMatch(/wrap-up-over$/);
  });

  it('is a call-handling setting the tenant edits, 0 to 600 seconds', async () => {
    const { tenant } = await scenario({});
    const admin = await logIn(app, await seedClientUser(h.db, tenant, 'client_admin'));
    expect((await admin.get(`/api/t/${tenant.slug}/call-settings`)).body.settings.wrapUpExtensionSeconds).toBe(0);
    const bad = await admin.put(`/api/t/${tenant.slug}/call-settings`, { wrapUpExtensionSeconds: 601 });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toMatchObject([{ path: 'wrapUpExtensionSeconds', message: 'The wrap-up extension is at most 600 seconds.' }]);
    const saved = await admin.put(`/api/t/${tenant.slug}/call-settings`, { wrapUpExtensionSeconds: 90 });
    expect(saved.status).toBe(200);
    expect(saved.body.settings.wrapUpExtensionSeconds).toBe(90);
  });
});

describe('hostile input', () => {
  it('NUL bytes, broken characters and huge notes are a 400 naming the field, and change nothing', async () => {
    const { tenant, number } = await scenario();
    const op = await availableOperator([tenant]);
    const callId = await callInWrapUp(number, op.desk, tenant);
    expect((await op.desk.put(draftPath(tenant, callId), { notes: 'Kept' })).status).toBe(200);
    const before = await callRow(tenant, callId);

    const cases: [string, unknown, string][] = [
      [draftPath(tenant, callId), { notes: 'a\u0000b' }, 'notes'],
      [draftPath(tenant, callId), { notes: 'x'.repeat(4001) }, 'notes'],
      [draftPath(tenant, callId), { scriptAnswers: { name: 'Cl\ud800aire' } }, 'scriptAnswers.name'],
      [draftPath(tenant, callId), { disposition: 'no_such_code' }, 'disposition'],
      [draftPath(tenant, callId), { disposition: 'order\u0000taken' }, 'disposition'],
      [draftPath(tenant, callId), { scriptAnswers: { '4111 1111 1111 1111': 'x' } }, 'scriptAnswers.4111 1111 1111 1111'],
      [`/api/t/${tenant.slug}/desk/calls/${callId}/wrap-up`, { disposition: 'order\u0000taken' }, 'disposition'],
      [`/api/t/${tenant.slug}/desk/calls/${callId}/wrap-up`, { disposition: 'order_taken', notes: 'nul\u0000here' }, 'notes'],
      [`/api/t/${tenant.slug}/desk/calls/${callId}/wrap-up`, { disposition: 'order_taken', scriptAnswers: { q: 'a\u0000' } }, 'scriptAnswers.q'],
    ];
    for (const [path, body, field] of cases) {
      const res = path.endsWith('/draft') ? await op.desk.put(path, body) : await op.desk.post(path, body);
      expect(res.status, `${JSON.stringify(body).slice(0, 60)}`).toBe(400);
      expect(res.contentType).toBe('application/problem+json');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual([field]);
    }
    expect(await callRow(tenant, callId)).toEqual(before);

    // A card number typed into a number question arrives as a JSON number: it is redacted all the same.
    expect((await op.desk.put(draftPath(tenant, callId), { notes: 'Kept', scriptAnswers: { amount: 4111111111111111, pizzas: 3 } })).status).toBe(200);
    expect((await callRow(tenant, callId)).draftScriptAnswers).toEqual({ amount: '•••• 1111', pizzas: 3 });
    // Card numbers disguised with dashes or dots are redacted in the draft notes too.
    expect((await op.desk.put(draftPath(tenant, callId), { notes: 'Kept 4111-1111-1111-1111 / 5555.5555.5555.4444' })).status).toBe(200);
    expect((await callRow(tenant, callId)).draftNotes).toBe('Kept •••• 1111 / •••• 4444');
    expect((await op.desk.put(draftPath(tenant, callId), { notes: 'Kept' })).status).toBe(200);
    // My recent calls wait until the wrap-up is over: on a call the desk shows nothing of another client.
    expect((await op.desk.get('/api/desk/recent-calls')).status).toBe(409);

    clock.advance(46_000);
    await dispatch(h.db, clock.now());
    for (const notes of ['nul\u0000', 'y'.repeat(100_000)]) {
      const res = await op.desk.post(outcomePath(tenant, callId), { disposition: 'order_taken', notes });
      expect(res.status).toBe(400);
      expect(res.body.errors).toMatchObject([{ path: 'notes', message: expect.any(String) }]);
    }
    expect(await callRow(tenant, callId)).toMatchObject({ disposition: null, draftNotes: 'Kept' });
    const done = await op.desk.post(outcomePath(tenant, callId), { disposition: 'order_taken', notes: 'Card 4111.1111.1111.1111, backup 4111-1111-1111-1111' });
    expect(done.status).toBe(200);
    expect((await callRow(tenant, callId)).notes).toBe('Card •••• 1111, backup •••• 1111');
  });
});

describe('the expiry racing a manual wrap-up', () => {
  it('never deadlocks: the operator who wraps up as the time runs out gets one outcome', async () => {
    const { tenant, number } = await scenario();
    const op = await availableOperator([tenant]);
    const callId = await callInWrapUp(number, op.desk, tenant);
    clock.advance(45_000);
    const manual = { disposition: 'order_taken', notes: 'Typed as the time ran out' };

    if (h.database.kind === 'postgres') {
      // The operator's wrap-up has locked the call (its first statement) when the expiry pass starts;
      // only once the pass waits on a lock does the wrap-up go on to the operator's presence row. A pass
      // that took presence before the call would now deadlock with it.
      let pass: Promise<unknown> | undefined;
      const result = await withTenant(h.db, tenant.id, async (tx) => {
        await tx.selectFrom('calls').select('id').where('id', '=', callId).forUpdate().execute();
        pass = dispatch(h.db, clock.now()).catch((error: unknown) => error);
        const waiting = sql<{ n: string }>`select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
        while (Number((await waiting.execute(h.db)).rows[0]!.n) < 1) await new Promise((resolve) => setTimeout(resolve, 5));
        return wrapUp(tx, op.user.id, callId, manual, clock.now());
      });
      expect(result).toEqual({ callId, status: 'completed' });
      expect(await pass).toMatchObject({ wrapUpTimeouts: expect.any(Number) });
      expect(await callRow(tenant, callId)).toMatchObject({ status: 'completed', disposition: 'order_taken' });
      expect((await events(tenant, callId)).map((e) => e.kind)).not.toContain('wrap_up_timeout');
    } else {
      // PGlite runs one transaction at a time: whichever comes first wins, and the other changes nothing.
      const [res] = await Promise.all([op.desk.post(`/api/t/${tenant.slug}/desk/calls/${callId}/wrap-up`, manual), dispatch(h.db, clock.now())]);
      expect([200, 409]).toContain(res.status);
      const kinds = (await events(tenant, callId)).map((e) => e.kind);
      expect(kinds.filter((k) => k === 'wrap_up_done' || k === 'wrap_up_timeout')).toHaveLength(1);
    }
    expect((await op.desk.get('/api/desk/state')).body).toMatchObject({ state: 'available', call: null });
  });
});
