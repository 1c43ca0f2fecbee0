import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withApp, withTenant, type Tenant } from '@switchboard/db';
import { dispatch } from '@switchboard/api';
import { createClock, createHarness, logIn, seedTenant, type App, type Client, type Clock, type Harness, type TestUser } from './support/index.ts';
import { addNumber, addWrapUpCode, alwaysOpen, incomingCall, seedRoutedOperator, setCallSettings, setHours, telephony, uniqueNumber } from './support/routing.ts';

/**
 * Two things that change one call at the same moment — the operator's accept, decline or state change,
 * the routing pass (offer, expiry, transfer return, wrap-up timeout), the caller's hang-up, the wrap-up,
 * the transfer — run together on separate connections of the pool (on PostgreSQL; PGlite has one
 * connection, so there they take turns and only the outcomes are checked). Every race must end without a
 * deadlock or any other 5xx, and in exactly one of the outcomes the two orders allow, told the same way
 * by the call, its queue row, the operator's presence and the call's timeline (docs/locking.md).
 */

const ROUNDS = Number(process.env.LOCK_ORDER_ROUNDS ?? 25);
const RACE_TIMEOUT_MS = 240_000;

let h: Harness;
let clock: Clock;
let app: App;
let tenant: Tenant;
let number: string;
let op: { user: TestUser; desk: Client };

beforeAll(async () => {
  h = await createHarness();
  clock = createClock(new Date('2026-12-01T10:00:00Z'));
  app = h.buildApp({ clock });
  ({ tenant } = await seedTenant(h.db));
  await setHours(h.db, tenant, alwaysOpen);
  number = uniqueNumber();
  await addNumber(h.db, tenant, number, 'order_taking');
  await addWrapUpCode(h.db, tenant, 'done', clock.now());
  await setCallSettings(h.db, tenant, { offerTimeoutSeconds: 10, wrapUpSeconds: 30, transferTimeoutSeconds: 5 });
  const user = await seedRoutedOperator(h.db, [[tenant, {}]], 'racer');
  op = { user, desk: await logIn(app, user) };
  expect((await op.desk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
}, 60_000);
afterAll(() => h?.close());

interface Result {
  status: number;
  body?: any;
  /** The PostgreSQL error code (or message) of a step that threw instead of answering. */
  error?: string;
}

/** Every race that answered a 5xx or threw, with what: the test's one complaint. */
const failures: { race: string; round: number; results: Result[] }[] = [];
let racesRun = 0;
/** How each race ended, by outcome: both orders must turn up for the race to have raced at all (printed at the end). */
const outcomes = new Map<string, Map<string, number>>();
function outcome(race: string, label: string): void {
  const seen = outcomes.get(race) ?? new Map<string, number>();
  seen.set(label, (seen.get(label) ?? 0) + 1);
  outcomes.set(race, seen);
}

const pgCodeOf = (error: unknown) =>
  String((error as { code?: string })?.code ?? (error as { cause?: { code?: string } })?.cause?.code ?? (error as Error)?.message ?? error);

const act = (run: () => Promise<Result>): Promise<Result> =>
  run().then(
    (r) => ({ status: r.status, body: r.body }),
    (error: unknown) => ({ status: 0, error: pgCodeOf(error) }),
  );

class RaceFailed extends Error {}

/**
 * Both steps started in the same tick, each on its own connection; answers what each said. A race that
 * failed is counted, the call put back, and the round given up (its outcome is one side's, rolled back).
 */
async function race(name: string, round: number, callId: string, a: () => Promise<Result>, b: () => Promise<Result>): Promise<[Result, Result]> {
  // A step through HTTP takes longer to reach the database than a routing pass: a head start of a few
  // milliseconds for one side or the other, varied by round, lets either win (the outcome tally shows both).
  const lead = (round % 9) * 5 - 10;
  const later = (run: () => Promise<Result>, ms: number) => (ms > 0 ? () => new Promise<void>((r) => setTimeout(r, ms)).then(run) : run);
  const results = await Promise.all([act(later(a, -lead)), act(later(b, lead))]);
  racesRun++;
  if (results.some((r) => r.status === 0 || r.status >= 500)) {
    failures.push({ race: name, round, results });
    await settle(callId);
    throw new RaceFailed(name);
  }
  return results;
}

const isDeadlock = (r: Result) => r.error === '40P01' || (r.status === 503 && r.body?.type?.endsWith('retry'));

const path = (callId: string, action: string) => `/api/t/${tenant.slug}/desk/calls/${callId}/${action}`;
const accept = (callId: string) => () => op.desk.post(path(callId, 'accept'));
const decline = (callId: string) => () => op.desk.post(path(callId, 'decline'));
const setState = (state: 'offline' | 'break' | 'available') => () => op.desk.put('/api/desk/state', state === 'break' ? { state, breakReason: 'lunch' } : { state });
const callerHangsUp = (callId: string) => () => telephony(app, clock, 'POST', `/api/telephony/calls/${callId}/ended`, { by: 'caller' });
const wrapUp = (callId: string) => () => op.desk.post(path(callId, 'wrap-up'), { disposition: 'done' });
const routingPass = () => async (): Promise<Result> => {
  await dispatch(h.db, clock.now());
  return { status: 200 };
};

const callRow = (callId: string) =>
  withTenant(h.db, tenant.id, (tx) => tx.selectFrom('calls').select(['status', 'operatorId', 'endedBy', 'disposition']).where('id', '=', callId).executeTakeFirstOrThrow());
const queueRows = () => withTenant(h.db, tenant.id, (tx) => tx.selectFrom('callQueue').select(['callId', 'offeredTo', 'returnTo']).execute());
const presence = () =>
  withApp(h.db, (tx) => tx.selectFrom('operatorPresence').select(['state', 'offerCallId', 'callId']).where('operatorId', '=', op.user.id).executeTakeFirstOrThrow());
const timeline = async (callId: string) =>
  (await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('callEvents').select('kind').where('callId', '=', callId).orderBy('at').orderBy('id').execute())).map((e) => e.kind);
const count = (kinds: string[], kind: string) => kinds.filter((k) => k === kind).length;

/** Where the call, its queue row, the operator and the timeline stand after a race. */
async function story(callId: string) {
  const [call, queue, desk, kinds] = await Promise.all([callRow(callId), queueRows(), presence(), timeline(callId)]);
  const row = queue.find((q) => q.callId === callId);
  // One story whatever happened: an offer is on the queue row exactly when it is on the operator's desk,
  // a connected call is the operator's call and waits nowhere, a finished call waits nowhere.
  expect(row?.offeredTo === op.user.id).toBe(desk.offerCallId === callId);
  if (call.status === 'connected') {
    expect(row).toBeUndefined();
    expect(desk).toMatchObject({ state: 'on_call', callId });
    expect(call.operatorId).toBe(op.user.id);
  }
  if (call.status === 'queued') expect(row).toBeDefined();
  if (['abandoned', 'completed', 'wrap_up'].includes(call.status)) expect(row).toBeUndefined();
  expect(count(kinds, 'answered')).toBeLessThanOrEqual(1);
  expect(count(kinds, 'ended') + count(kinds, 'abandoned')).toBeLessThanOrEqual(1);
  return { call, row, desk, kinds };
}

/** The call of the round under way, so a round that fails an assertion still puts it back for the next. */
let current: string | null = null;

async function arrive(): Promise<string> {
  clock.advance(1_000);
  const res = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number));
  expect(res.body.outcome).toBe('queued');
  current = res.body.id;
  return res.body.id;
}

async function offered(): Promise<string> {
  const callId = await arrive();
  await dispatch(h.db, clock.now());
  expect((await queueRows()).find((q) => q.callId === callId)?.offeredTo).toBe(op.user.id);
  return callId;
}

async function connected(): Promise<string> {
  const callId = await offered();
  expect((await accept(callId)()).status).toBe(200);
  return callId;
}

/** Back to the start: the caller gone, the wrap-up done, the operator available with nothing offered and nothing waiting. */
async function settle(callId: string): Promise<void> {
  clock.advance(1_000);
  expect((await callerHangsUp(callId)()).status).toBe(200);
  const desk = await presence();
  if (desk.state === 'wrap_up') expect((await wrapUp(desk.callId!)()).status).toBe(200);
  if ((await presence()).state !== 'available') expect((await setState('available')()).status).toBe(200);
  expect(await presence()).toMatchObject({ state: 'available', offerCallId: null });
  expect(await queueRows()).toEqual([]);
}

async function rounds(body: (round: number) => Promise<void>): Promise<void> {
  for (let round = 0; round < ROUNDS; round++) {
    await body(round).catch(async (error: unknown) => {
      if (error instanceof RaceFailed) return;
      if (current) await settle(current).catch(() => {});
      throw error;
    });
  }
}

describe('one lock order for a call: races end without a deadlock, in one outcome', () => {
  it(
    'accept against decline: the call is connected or declined, never both',
    () =>
      rounds(async (round) => {
        const callId = await offered();
        const [accepted, declined] = await race('accept/decline', round, callId, accept(callId), decline(callId));
        const { call, desk, kinds } = await story(callId);
        if (accepted.status === 200) {
          expect(declined.status).toBe(409);
          expect(call.status).toBe('connected');
          expect(count(kinds, 'declined')).toBe(0);
          outcome('accept/decline', 'accepted');
        } else if (declined.status === 204) {
          outcome('accept/decline', 'declined');
          expect(accepted.status).toBe(409);
          expect(call.status).toBe('queued');
          expect(desk).toMatchObject({ state: 'available', offerCallId: null });
          expect([count(kinds, 'declined'), count(kinds, 'answered')]).toEqual([1, 0]);
        }
        await settle(callId);
      }),
    RACE_TIMEOUT_MS,
  );

  for (const state of ['offline', 'break'] as const) {
    it(
      `accept against going ${state}: connected and on the call, or withdrawn and ${state} while the call waits`,
      () =>
        rounds(async (round) => {
          const callId = await offered();
          const [accepted, changed] = await race(`accept/${state}`, round, callId, accept(callId), setState(state));
          const { call, row, desk, kinds } = await story(callId);
          if (accepted.status === 200) {
            expect(changed.status).toBe(409);
            expect(call.status).toBe('connected');
            expect(count(kinds, 'offer_withdrawn')).toBe(0);
            outcome(`accept/${state}`, 'accepted');
          } else if (changed.status === 200) {
            outcome(`accept/${state}`, 'withdrawn');
            expect(accepted.status).toBe(409);
            expect(call.status).toBe('queued');
            expect(row?.offeredTo).toBeNull();
            expect(desk).toMatchObject({ state, offerCallId: null });
            expect([count(kinds, 'offer_withdrawn'), count(kinds, 'answered')]).toEqual([1, 0]);
          }
          await settle(callId);
        }),
      RACE_TIMEOUT_MS,
    );
  }

  it(
    'accept against the offer running out: connected, or missed and the operator not responding',
    () =>
      rounds(async (round) => {
        const callId = await offered();
        clock.advance(11_000);
        const [accepted] = await race('accept/expiry', round, callId, accept(callId), routingPass());
        const { call, desk, kinds } = await story(callId);
        if (accepted.status === 200) {
          expect(call.status).toBe('connected');
          expect(count(kinds, 'offer_expired')).toBe(0);
          outcome('accept/expiry', 'accepted');
        } else if (accepted.status === 409) {
          outcome('accept/expiry', 'expired');
          expect(call.status).toBe('queued');
          expect(desk).toMatchObject({ state: 'not_responding', callId, offerCallId: null });
          expect([count(kinds, 'offer_expired'), count(kinds, 'answered')]).toEqual([1, 0]);
        }
        await settle(callId);
      }),
    RACE_TIMEOUT_MS,
  );

  it(
    'accept against the caller hanging up: connected then ended, or abandoned and the offer gone',
    () =>
      rounds(async (round) => {
        const callId = await offered();
        const [accepted, hungUp] = await race('accept/hang-up', round, callId, accept(callId), callerHangsUp(callId));
        expect(hungUp.status).toBe(200);
        const { call, desk, kinds } = await story(callId);
        if (accepted.status === 200) {
          expect(call).toMatchObject({ status: 'wrap_up', endedBy: 'caller' });
          expect(desk).toMatchObject({ state: 'wrap_up', callId });
          expect(kinds.slice(-2)).toEqual(['answered', 'ended']);
          outcome('accept/hang-up', 'accepted');
        } else if (accepted.status === 409) {
          outcome('accept/hang-up', 'abandoned');
          expect(call.status).toBe('abandoned');
          expect(desk).toMatchObject({ state: 'available', offerCallId: null });
          expect(count(kinds, 'answered')).toBe(0);
        }
        await settle(callId);
      }),
    RACE_TIMEOUT_MS,
  );

  it(
    'decline against the offer running out: declined or missed, once',
    () =>
      rounds(async (round) => {
        const callId = await offered();
        clock.advance(11_000);
        const [declined] = await race('decline/expiry', round, callId, decline(callId), routingPass());
        const { desk, kinds } = await story(callId);
        if (declined.status === 204) {
          expect(count(kinds, 'offer_expired')).toBe(0);
          expect(desk.state).toBe('available');
          outcome('decline/expiry', 'declined');
        } else if (declined.status === 409) {
          outcome('decline/expiry', 'expired');
          expect(count(kinds, 'declined')).toBe(0);
          expect(desk).toMatchObject({ state: 'not_responding', callId });
        }
        expect(count(kinds, 'declined') + count(kinds, 'offer_expired')).toBe(1);
        await settle(callId);
      }),
    RACE_TIMEOUT_MS,
  );

  it(
    'a break against the offer running out: on the break either way, the offer withdrawn or missed, once',
    () =>
      rounds(async (round) => {
        const callId = await offered();
        clock.advance(11_000);
        const [onBreak] = await race('break/expiry', round, callId, setState('break'), routingPass());
        expect(onBreak.status).toBe(200);
        const { call, row, desk, kinds } = await story(callId);
        expect(call.status).toBe('queued');
        expect(row?.offeredTo).toBeNull();
        expect(desk).toMatchObject({ state: 'break', offerCallId: null });
        expect(count(kinds, 'offer_withdrawn') + count(kinds, 'offer_expired')).toBe(1);
        outcome('break/expiry', count(kinds, 'offer_withdrawn') ? 'withdrawn' : 'expired');
        await settle(callId);
      }),
    RACE_TIMEOUT_MS,
  );

  it(
    'going offline against the routing pass offering a call: offline with nothing on the desk, the call waiting',
    () =>
      rounds(async (round) => {
        const callId = await arrive();
        const [changed] = await race('offline/offer', round, callId, setState('offline'), routingPass());
        expect(changed.status).toBe(200);
        const { call, row, desk, kinds } = await story(callId);
        expect(call.status).toBe('queued');
        expect(row?.offeredTo).toBeNull();
        expect(desk).toMatchObject({ state: 'offline', offerCallId: null });
        expect(count(kinds, 'offered_to')).toBe(count(kinds, 'offer_withdrawn'));
        outcome('offline/offer', count(kinds, 'offered_to') ? 'offered, then withdrawn' : 'never offered');
        await settle(callId);
      }),
    RACE_TIMEOUT_MS,
  );

  it(
    'the caller hanging up against the routing pass offering the call: abandoned, no offer left on the desk',
    () =>
      rounds(async (round) => {
        const callId = await arrive();
        await race('hang-up/offer', round, callId, callerHangsUp(callId), routingPass());
        const { call, desk, kinds } = await story(callId);
        expect(call.status).toBe('abandoned');
        expect(desk).toMatchObject({ state: 'available', offerCallId: null });
        expect(kinds.at(-1)).toBe('abandoned');
        outcome('hang-up/offer', count(kinds, 'offered_to') ? 'offered, then abandoned' : 'abandoned');
        await settle(callId);
      }),
    RACE_TIMEOUT_MS,
  );

  it(
    'the caller hanging up against the wrap-up: completed with the disposition, ended once',
    () =>
      rounds(async (round) => {
        const callId = await connected();
        const [hungUp, wrapped] = await race('hang-up/wrap-up', round, callId, callerHangsUp(callId), wrapUp(callId));
        expect([hungUp.status, wrapped.status]).toEqual([200, 200]);
        const { call, desk, kinds } = await story(callId);
        expect(call).toMatchObject({ status: 'completed', disposition: 'done' });
        expect(desk.state).toBe('available');
        expect([count(kinds, 'ended'), count(kinds, 'wrap_up_done')]).toEqual([1, 1]);
        outcome('hang-up/wrap-up', call.endedBy === 'caller' ? 'caller first' : 'wrap-up first');
        await settle(callId);
      }),
    RACE_TIMEOUT_MS,
  );

  it(
    'the caller hanging up against a transfer to a skill: transferred then abandoned, or ended and the transfer refused',
    () =>
      rounds(async (round) => {
        const callId = await connected();
        const [, transferred] = await race('hang-up/transfer', round, callId, callerHangsUp(callId), () =>
          op.desk.post(path(callId, 'transfer'), { target: { kind: 'skill', skill: 'mortgages' } }),
        );
        const { call, desk, kinds } = await story(callId);
        expect(desk).toMatchObject({ state: 'wrap_up', callId });
        if (transferred.status === 200) {
          expect(call.status).toBe('abandoned');
          expect(kinds.slice(-2)).toEqual(['transfer_requested', 'abandoned']);
          outcome('hang-up/transfer', 'transferred');
        } else {
          outcome('hang-up/transfer', 'ended');
          expect(transferred.status).toBe(409);
          expect(call).toMatchObject({ status: 'wrap_up', endedBy: 'caller' });
          expect(count(kinds, 'transfer_requested')).toBe(0);
        }
        await settle(callId);
      }),
    RACE_TIMEOUT_MS,
  );

  it(
    'the caller hanging up against the transfer coming back: abandoned, nothing offered back',
    () =>
      rounds(async (round) => {
        const callId = await connected();
        expect((await op.desk.post(path(callId, 'transfer'), { target: { kind: 'skill', skill: 'mortgages' } })).status).toBe(200);
        clock.advance(6_000);
        await race('hang-up/transfer-return', round, callId, callerHangsUp(callId), routingPass());
        const { call, desk, kinds } = await story(callId);
        expect(call.status).toBe('abandoned');
        expect(desk).toMatchObject({ state: 'wrap_up', callId, offerCallId: null });
        expect(kinds.at(-1)).toBe('abandoned');
        outcome('hang-up/transfer-return', count(kinds, 'transfer_returned') ? 'returned, then abandoned' : 'abandoned');
        await settle(callId);
      }),
    RACE_TIMEOUT_MS,
  );

  it(
    'the wrap-up against its timeout: closed once, with the disposition or by the timeout',
    () =>
      rounds(async (round) => {
        const callId = await connected();
        expect((await op.desk.post(path(callId, 'hangup'))).status).toBe(200);
        clock.advance(31_000);
        const [wrapped] = await race('wrap-up/timeout', round, callId, wrapUp(callId), routingPass());
        const { call, desk, kinds } = await story(callId);
        expect(call.status).toBe('completed');
        expect(desk.state).toBe('available');
        if (wrapped.status === 200) {
          expect(call.disposition).toBe('done');
          expect(count(kinds, 'wrap_up_timeout')).toBe(0);
          outcome('wrap-up/timeout', 'wrapped up');
        } else {
          outcome('wrap-up/timeout', 'timed out');
          expect(wrapped.status).toBe(409);
          expect(call.disposition).toBeNull();
          expect(count(kinds, 'wrap_up_done')).toBe(0);
        }
        expect(count(kinds, 'wrap_up_done') + count(kinds, 'wrap_up_timeout')).toBe(1);
        await settle(callId);
      }),
    RACE_TIMEOUT_MS,
  );

  it('no race deadlocked or failed', () => {
    const deadlocks = failures.flatMap((f) => f.results).filter(isDeadlock).length;
    const failed = new Map<string, number>();
    for (const f of failures) failed.set(f.race, (failed.get(f.race) ?? 0) + 1);
    const byRace = [...failed].map(([name, n]) => `${name} ${n}`);
    console.log(
      `lock-order: ${racesRun} races on ${h.database.kind}, ${deadlocks} deadlocks (or serialization failures), ${failures.length} races failed${byRace.length ? ` (${byRace.join(', ')})` : ''}`,
    );
    for (const [race, seen] of outcomes) console.log(`  ${race}: ${[...seen].map(([label, n]) => `${label} ${n}`).join(', ')}`);
    expect(failures).toEqual([]);
  });
});
