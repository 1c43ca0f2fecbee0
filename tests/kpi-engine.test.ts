import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { KyselyPlugin } from 'kysely';
import { newId, withApp, withTenant, type Tenant, type TenantTx } from '@switchboard/db';
import {
  computeWallboard,
  computeIntervals,
  computeStateIntervals,
  dispatch,
  foldCallsBatch,
  foldOnce,
  recomputeStates,
  recomputeTenant,
  startKpiFolding,
} from '@switchboard/api';
import { kpisOf } from '../api/src/kpis/definitions.ts';
import { readOperatorSums, readQueueSums } from '../api/src/kpis/read.ts';
import { contractFor, loadContracts } from '../api/src/contracts/resolve.ts';
import { createHarness, logIn, seedTenant, type App, type Client, type Harness, type TestUser } from './support/index.ts';
import { countingTenantTransactions } from './support/counting.ts';
import { addNumber, addWrapUpCode, alwaysOpen, incomingCall, seedRoutedOperator, setCallSettings, setHours, telephony, uniqueNumber } from './support/routing.ts';

/**
 * The KPI engine (api/src/kpis/fold.ts, recompute.ts; docs/kpis.md) on a hand-built stretch of calls driven
 * through the real call paths — the telephony adapter's reports, the routing pass, the operators' desks — on a
 * clock moved by hand, folded pass by pass as the calls happen. The company is in Paris: Saturday 24 October
 * 2026 is a normal day (UTC+2), Sunday 25 October has 25 hours (02:00–03:00 happens twice, CEST then CET).
 * The contract: 80 % within 20 s, short abandons under 5 s left out, abandoned calls in the denominator, FCR 7 days.
 */

let h: Harness;
let app: App;
let tenant: Tenant;
let number: string;
let ana: TestUser;
let bo: TestUser;
let desks: { ana: Client; bo: Client };
let current = Date.parse('2026-10-24T07:00:00Z');
const clock = { now: () => new Date(current), advance: (ms: number) => void (current += ms) };
const callIds: Record<string, string> = {};

const CALLER_A = '+33611111111';
const CALLER_B = '+33622222222';
let callerSeq = 0;
const someCaller = () => `+336000000${String(++callerSeq).padStart(2, '0')}`;

const moveTo = (iso: string) => {
  const target = Date.parse(iso);
  if (target < current) throw new Error(`The clock cannot go back to ${iso}`);
  current = target;
};
const seconds = (s: number) => clock.advance(s * 1000);
const path = (callId: string, action: string) => `/api/t/${tenant.slug}/desk/calls/${callId}/${action}`;

/** Folded as the calls happen: a pass of the loop, in batches of two so a pass spans several batches. */
const fold = () => foldOnce(h.db, clock.now(), { batchSize: 2 });

async function ok(res: Promise<{ status: number; body: any }>, status = 200) {
  const r = await res;
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return r.body;
}

async function state(desk: Client, body: { state: string; breakReason?: string }) {
  await ok(desk.put('/api/desk/state', body));
}
const ready = (desk: Client) => state(desk, { state: 'available' });
const pause = (desk: Client) => state(desk, { state: 'break', breakReason: 'Coffee' });

async function logInBoth() {
  desks = { ana: await logIn(app, ana), bo: await logIn(app, bo) };
}

async function incoming(caller: string): Promise<string> {
  const res = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number, caller));
  expect(res.body.outcome).toBe('queued');
  return res.body.id;
}

async function callerHangsUp(callId: string) {
  await ok(telephony(app, clock, 'POST', `/api/telephony/calls/${callId}/ended`, { by: 'caller' }));
}

/** A call the caller gives up on after `waitS` seconds, nobody being free. */
async function abandonedCall(name: string, at: string, waitS: number) {
  moveTo(at);
  callIds[name] = await incoming(someCaller());
  await fold();
  seconds(waitS);
  await callerHangsUp(callIds[name]!);
  await fold();
}

/** A call `desk` answers after `waitS` s, talks `talkS` s until the caller hangs up, and wraps up in `wrapS` s. */
async function answeredCall(name: string, desk: Client, o: { at: string; caller?: string; waitS: number; talkS: number; wrapS: number }) {
  moveTo(o.at);
  await ready(desk);
  const callId = (callIds[name] = await incoming(o.caller ?? someCaller()));
  seconds(o.waitS - 1);
  await dispatch(h.db, clock.now());
  seconds(1);
  await ok(desk.post(path(callId, 'accept')));
  await fold();
  seconds(o.talkS);
  await callerHangsUp(callId);
  await fold();
  seconds(o.wrapS);
  await ok(desk.post(path(callId, 'wrap-up'), { disposition: 'order_taken' }));
  await pause(desk);
  await fold();
  return callId;
}

const PARIS = 'Europe/Paris';
const DAY_24 = { from: new Date('2026-10-23T22:00:00Z'), to: new Date('2026-10-24T22:00:00Z') };
const DAY_25 = { from: new Date('2026-10-24T22:00:00Z'), to: new Date('2026-10-25T23:00:00Z') };

beforeAll(async () => {
  h = await createHarness();
  app = h.buildApp({ clock });
  ({ tenant } = await seedTenant(h.db, { timeZone: PARIS, now: clock.now() }));
  await setHours(h.db, tenant, alwaysOpen);
  number = uniqueNumber();
  await addNumber(h.db, tenant, number, 'order_taking');
  await addWrapUpCode(h.db, tenant, 'order_taken', clock.now());
  await setCallSettings(h.db, tenant, { offerTimeoutSeconds: 60, wrapUpSeconds: 600, transferTimeoutSeconds: 120 });
  await withTenant(h.db, tenant.id, (tx) =>
    tx
      .insertInto('serviceContracts')
      .values({
        tenantId: tenant.id,
        id: newId(),
        function: null,
        effectiveFrom: '2026-01-01',
        serviceLevelPercent: 80,
        serviceLevelSeconds: 20,
        shortAbandonSeconds: 5,
        abandonedInDenominator: true,
        maxAbandonPercent: 5,
        asaSeconds: 15,
        ahtSeconds: 200,
        fcrDays: 7,
        fcrPercent: 70,
        createdAt: clock.now(),
        updatedAt: clock.now(),
        updatedBy: 'test',
      })
      .execute(),
  );
  ana = await seedRoutedOperator(h.db, [[tenant, { skills: ['order_taking'] }]], 'Ana');
  bo = await seedRoutedOperator(h.db, [[tenant, { skills: ['order_taking', 'mortgages'] }]], 'Bo');

  // Saturday 24 October, 10:00 in Paris.
  moveTo('2026-10-24T07:59:00Z');
  await logInBoth();
  await pause(desks.ana);
  await pause(desks.bo);
  // A short abandon (3 s) and one after the 20 s target (30 s): nobody is free.
  await abandonedCall('shortAbandon', '2026-10-24T08:00:00Z', 3);
  await abandonedCall('lateAbandon', '2026-10-24T08:01:00Z', 30);
  // Answered exactly at the threshold: within.
  await answeredCall('atThreshold', desks.ana, { at: '2026-10-24T08:02:00Z', caller: CALLER_A, waitS: 20, talkS: 100, wrapS: 30 });
  // Answered after the target.
  await answeredCall('late', desks.bo, { at: '2026-10-24T08:05:00Z', waitS: 25, talkS: 60, wrapS: 20 });

  // A transfer to a skill: Ana talks 40 s and passes the caller on, wraps up in 20 s; Bo takes it 15 s later, talks 90 s, wraps up in 10 s.
  moveTo('2026-10-24T08:10:00Z');
  await ready(desks.ana);
  const transferred = (callIds.transferred = await incoming(CALLER_B));
  seconds(9);
  await dispatch(h.db, clock.now());
  seconds(1);
  await ok(desks.ana.post(path(transferred, 'accept')));
  seconds(40);
  await ok(desks.ana.post(path(transferred, 'transfer'), { target: { kind: 'skill', skill: 'mortgages' } }));
  await fold();
  await ready(desks.bo);
  seconds(14);
  await dispatch(h.db, clock.now());
  seconds(1);
  await ok(desks.bo.post(path(transferred, 'accept')));
  seconds(5);
  await ok(desks.ana.post(path(transferred, 'wrap-up'), { disposition: 'order_taken' }));
  await pause(desks.ana);
  await fold();
  seconds(85);
  await callerHangsUp(transferred);
  await fold();
  seconds(10);
  await ok(desks.bo.post(path(transferred, 'wrap-up'), { disposition: 'order_taken' }));
  await pause(desks.bo);
  await fold();

  // Overnight: offered at 23:55 in Paris on the 24th, talk until 00:10 on the 25th (15 minutes).
  await answeredCall('overnight', desks.ana, { at: '2026-10-24T21:55:00Z', waitS: 5, talkS: 900, wrapS: 30 });

  // Sunday 25 October: 02:30 CEST, then 02:30 CET an hour later, then 23:30 CET (still the 25th in Paris).
  await answeredCall('cest', desks.bo, { at: '2026-10-25T00:30:00Z', waitS: 8, talkS: 50, wrapS: 5 });
  await answeredCall('cet', desks.bo, { at: '2026-10-25T01:30:00Z', waitS: 12, talkS: 70, wrapS: 10 });
  await answeredCall('lateEvening', desks.ana, { at: '2026-10-25T22:30:00Z', waitS: 30, talkS: 20, wrapS: 5 });

  // Caller A again three days later (within the 7 days: the first call was not resolved first time);
  // caller B again ten days later (past them: it was).
  moveTo('2026-10-27T08:59:00Z');
  await logInBoth();
  await answeredCall('repeatA', desks.ana, { at: '2026-10-27T09:00:00Z', caller: CALLER_A, waitS: 5, talkS: 30, wrapS: 5 });
  moveTo('2026-11-03T08:59:00Z');
  await logInBoth();
  await answeredCall('repeatB', desks.bo, { at: '2026-11-03T09:00:00Z', caller: CALLER_B, waitS: 5, talkS: 30, wrapS: 5 });
  // Whatever a pass left (it folds at most so many batches per tenant).
  for (let i = 0; i < 10 && (await fold()).calls > 0; i++);
}, 300_000);
afterAll(() => h?.close());

const terms = () => withTenant(h.db, tenant.id, async (tx) => contractFor(await loadContracts(tx), 'order_taking', '2026-10-24'));
const byDay = (range: { from: Date; to: Date }) =>
  withTenant(h.db, tenant.id, (tx) => readQueueSums(tx, { ...range, timeZone: PARIS, groupBy: 'day' }));

describe('folding a day of calls', () => {
  it('folds every finished call once', async () => {
    const calls = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('calls').select(['id', 'statsFoldedAt', 'status']).execute());
    expect(calls).toHaveLength(Object.keys(callIds).length);
    expect(calls.every((c) => c.statsFoldedAt !== null)).toBe(true);
  });

  it('gives the known KPIs for Saturday: short abandons out, the threshold within, a transfer counted once', async () => {
    const [day] = await byDay(DAY_24);
    expect(day!.day).toBe('2026-10-24');
    expect(day!.sums).toMatchObject({
      offered: 6,
      answered: 4,
      answeredInTarget: 3,
      abandoned: 2,
      abandonedShort: 1,
      abandonedInTarget: 1,
      answerWaitSeconds: 20 + 25 + 10 + 5,
      abandonWaitSeconds: 33,
      maxWaitSeconds: 30,
      handled: 4,
      talkSeconds: 100 + 60 + 40 + 90 + 900,
      wrapSeconds: 30 + 20 + 20 + 10 + 30,
      transfers: 1,
      fcrBase: 4,
      fcrRepeated: 1,
    });
    const kpis = kpisOf(day!.sums, await terms());
    // 3 within 20 s over 4 answered + 1 abandoned after the short-abandon time.
    expect(kpis.serviceLevel).toEqual({ value: 60, target: 80, status: 'missed' });
    expect(kpis.asa).toEqual({ value: 15, target: 15, status: 'at_risk' });
    expect(kpis.aht).toEqual({ value: 325, target: 200, status: 'missed' });
    // 1 counted abandon over 5 counted offered.
    expect(kpis.abandonRate).toEqual({ value: 20, target: 5, status: 'missed' });
    // Caller A called again within 7 days; B, C and D did not.
    expect(kpis.fcr).toEqual({ value: 75, target: 70, status: 'on_target' });
  });

  it('counts the overnight call on the day it was offered, and the 25-hour day as one day', async () => {
    const days = await byDay({ from: DAY_24.from, to: DAY_25.to });
    expect(days.map((d) => [d.day, d.sums.offered])).toEqual([
      ['2026-10-24', 6],
      ['2026-10-25', 3],
    ]);
    const sunday = days[1]!;
    expect(sunday.sums).toMatchObject({ answered: 3, answeredInTarget: 2, answerWaitSeconds: 50, talkSeconds: 140, wrapSeconds: 20 });
    expect(kpisOf(sunday.sums, await terms()).serviceLevel.value).toBe(66.7);
    // 02:30 happened twice that night: two quarter hours, an hour apart.
    const quarters = await withTenant(h.db, tenant.id, (tx) => readQueueSums(tx, { ...DAY_25, timeZone: PARIS, groupBy: 'interval' }));
    expect(quarters.map((q) => [q.intervalStart, q.sums.offered])).toEqual([
      ['2026-10-25T00:30:00.000Z', 1],
      ['2026-10-25T01:30:00.000Z', 1],
      ['2026-10-25T22:30:00.000Z', 1],
    ]);
  });

  it('gives each operator of a transferred call their own talk and wrap-up', async () => {
    const rows = await withTenant(h.db, tenant.id, (tx) => readOperatorSums(tx, { ...DAY_24, timeZone: PARIS, groupBy: 'operator' }));
    const of = (id: string) => rows.find((r) => r.operatorId === id)?.sums;
    expect(of(ana.id)).toEqual({ handled: 3, talkSeconds: 100 + 40 + 900, holdSeconds: 0, wrapSeconds: 30 + 20 + 30, transfers: 1 });
    expect(of(bo.id)).toEqual({ handled: 2, talkSeconds: 60 + 90, holdSeconds: 0, wrapSeconds: 20 + 10, transfers: 0 });
  });

  it('marks a repeat within the contract days, not after', async () => {
    const flags = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('calls').select(['id', 'fcrRepeated']).execute());
    const repeated = new Set(flags.filter((f) => f.fcrRepeated).map((f) => f.id));
    expect([...repeated]).toEqual([callIds.atThreshold]);
    expect(repeated.has(callIds.transferred!)).toBe(false);
  });

  it('splits operator states exactly at quarter hours, across midnight', async () => {
    const rows = await withApp(h.db, (tx) =>
      tx.selectFrom('operatorStateIntervals').selectAll().where('operatorId', '=', ana.id).where('state', '=', 'on_call').execute(),
    );
    const at = (iso: string) => rows.find((r) => new Date(r.intervalStart).toISOString() === iso)?.seconds;
    // On the overnight call from 21:55:05 to 22:10:05 UTC.
    expect(at('2026-10-24T21:45:00.000Z')).toBe(295);
    expect(at('2026-10-24T22:00:00.000Z')).toBe(605);
    const all = await withApp(h.db, (tx) => tx.selectFrom('operatorStateIntervals').select('seconds').execute());
    expect(all.every((r) => r.seconds > 0 && r.seconds <= 900)).toBe(true);
  });
});

/** Every row of the three tables, as plain values, in key order. */
async function snapshot() {
  const num = (row: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v]));
  const queue = await h.db.selectFrom('queueIntervals').selectAll().where('tenantId', '=', tenant.id).orderBy('function').orderBy('intervalStart').execute();
  const operators = await h.db
    .selectFrom('operatorIntervals')
    .selectAll()
    .where('tenantId', '=', tenant.id)
    .orderBy('operatorId')
    .orderBy('function')
    .orderBy('intervalStart')
    .execute();
  const states = await h.db
    .selectFrom('operatorStateIntervals')
    .selectAll()
    .where('operatorId', 'in', [ana.id, bo.id])
    .orderBy('operatorId')
    .orderBy('intervalStart')
    .orderBy('state')
    .orderBy('breakReason')
    .execute();
  return { queue: queue.map(num), operators: operators.map(num), states: states.map(num) };
}

const WHOLE = { from: new Date('2026-10-01T00:00:00Z'), to: new Date('2026-12-01T00:00:00Z') };

describe('incremental equals recomputed', () => {
  it('the folded rows are those computed from scratch, and stay the same through a recompute of a period and of everything', async () => {
    const incremental = await snapshot();
    expect(incremental.queue.length).toBeGreaterThan(5);
    expect(incremental.operators.length).toBeGreaterThan(5);
    expect(incremental.states.length).toBeGreaterThan(10);

    const computed = await withTenant(h.db, tenant.id, (tx) => computeIntervals(tx, WHOLE.from, WHOLE.to));
    expect(computed.queue).toEqual(incremental.queue.map(({ tenantId: _, ...row }) => row));
    expect(computed.operators).toEqual(incremental.operators.map(({ tenantId: _, ...row }) => row));
    const states = await withApp(h.db, (tx) => computeStateIntervals(tx, WHOLE.from, WHOLE.to));
    expect(states.map((s) => ({ ...s, intervalStart: s.intervalStart.toISOString() }))).toEqual(incremental.states);

    // Saturday and Sunday only: caller A's first call is repeated by a call after the period, marked again.
    const refolded = await withTenant(h.db, tenant.id, (tx) => recomputeTenant(tx, DAY_24.from, DAY_25.to, clock.now()));
    expect(refolded).toBe(9);
    await withApp(h.db, (tx) => recomputeStates(tx, DAY_24.from, DAY_25.to));
    expect(await snapshot()).toEqual(incremental);

    await withTenant(h.db, tenant.id, (tx) => recomputeTenant(tx, WHOLE.from, WHOLE.to, clock.now()));
    await withApp(h.db, (tx) => recomputeStates(tx, WHOLE.from, WHOLE.to));
    expect(await snapshot()).toEqual(incremental);
  });

  it('a recompute after a back-dated contract change applies the new thresholds', async () => {
    const before = (await byDay(DAY_24))[0]!.sums;
    await withTenant(h.db, tenant.id, (tx) =>
      tx.updateTable('serviceContracts').set({ serviceLevelSeconds: 25, shortAbandonSeconds: 2 }).execute(),
    );
    await withTenant(h.db, tenant.id, (tx) => recomputeTenant(tx, DAY_24.from, DAY_24.to, clock.now()));
    const after = (await byDay(DAY_24))[0]!.sums;
    expect([before.answeredInTarget, after.answeredInTarget]).toEqual([3, 4]);
    expect([before.abandonedShort, after.abandonedShort]).toEqual([1, 0]);
    expect(after.fcrRepeated).toBe(1);
    await withTenant(h.db, tenant.id, (tx) =>
      tx.updateTable('serviceContracts').set({ serviceLevelSeconds: 20, shortAbandonSeconds: 5 }).execute(),
    );
    await withTenant(h.db, tenant.id, (tx) => recomputeTenant(tx, DAY_24.from, DAY_24.to, clock.now()));
    expect((await byDay(DAY_24))[0]!.sums).toEqual(before);
  });
});

describe('kill safety and idle passes', () => {
  it('a batch that fails midway leaves nothing half-folded; the next pass folds it whole', async () => {
    moveTo('2026-11-03T10:00:00Z');
    await ready(desks.ana);
    const callId = await incoming(someCaller());
    seconds(4);
    await dispatch(h.db, clock.now());
    seconds(1);
    await ok(desks.ana.post(path(callId, 'accept')));
    seconds(60);
    await callerHangsUp(callId);
    seconds(10);
    await ok(desks.ana.post(path(callId, 'wrap-up'), { disposition: 'order_taken' }));
    const before = await snapshot();
    // The process dies as the batch marks its calls folded: the intervals were already added to, in the same transaction.
    const dies: KyselyPlugin = {
      transformQuery: (args) => {
        const node = JSON.stringify(args.node);
        if (args.node.kind === 'UpdateQueryNode' && node.includes('"calls"') && node.includes('stats_folded_at')) throw new Error('killed');
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    await expect(withTenant(h.db, tenant.id, (tx) => foldCallsBatch(tx.withPlugin(dies) as TenantTx, tenant.id, clock.now()))).rejects.toThrow('killed');
    const after = await snapshot();
    expect(after.queue).toEqual(before.queue);
    expect(after.operators).toEqual(before.operators);
    const row = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('calls').select('statsFoldedAt').where('id', '=', callId).executeTakeFirstOrThrow());
    expect(row.statsFoldedAt).toBeNull();

    expect((await foldOnce(h.db, clock.now())).calls).toBe(1);
    const folded = await snapshot();
    const quarter = folded.queue.find((q) => q.intervalStart === '2026-11-03T10:00:00.000Z');
    expect(quarter).toMatchObject({ offered: 1, answered: 1, talkSeconds: 60, wrapSeconds: 10 });
  });

  it('the loop reports a failed pass and folds on the next one, as after a database restart', async () => {
    // A closed state to fold: Ana back from her break.
    await ready(desks.ana);
    await pause(desks.ana);
    let failures = 2;
    const errors: unknown[] = [];
    const goneAway: KyselyPlugin = {
      transformQuery: (args) => {
        if (failures > 0) {
          failures -= 1;
          throw new Error('Connection terminated unexpectedly');
        }
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const stop = startKpiFolding({ db: h.db.withPlugin(goneAway), now: clock.now, intervalMs: 10, onError: (error) => errors.push(error) });
    try {
      await vi.waitFor(async () => expect((await withApp(h.db, (tx) => tx.selectFrom('operatorStateLog').select('id').where('endedAt', 'is not', null).where('statsFoldedAt', 'is', null).execute())).length).toBe(0), {
        timeout: 10_000,
        interval: 20,
      });
    } finally {
      await stop();
    }
    expect(errors.map((e) => (e as Error).message)).toEqual(['Connection terminated unexpectedly', 'Connection terminated unexpectedly']);
  });

  it('a pass with nothing to fold opens no tenant transaction', async () => {
    await foldOnce(h.db, clock.now());
    const counting = countingTenantTransactions(h.db);
    expect(await foldOnce(counting.db, clock.now())).toEqual({ calls: 0, states: 0, busy: 0 });
    expect(counting.tenants).toEqual([]);
  });
});

describe('the wallboard and the reports', () => {
  it("agree on a day's figures: answered, abandoned, the service level and its seconds, by the contract", async () => {
    // A contract whose seconds (25) differ from the call settings' answer target (20) and which leaves abandoned calls
    // out of the service level's denominator: the wallboard counts as the contract says, like the reports.
    await withTenant(h.db, tenant.id, async (tx) => {
      await tx.updateTable('serviceContracts').set({ serviceLevelSeconds: 25, abandonedInDenominator: false }).execute();
      await recomputeTenant(tx, DAY_24.from, DAY_24.to, clock.now());
    });
    const board = await computeWallboard(h.db, new Date('2026-10-24T21:59:00Z'));
    const mine = board.tenants.find((t) => t.slug === tenant.slug)!;
    const sum = (key: 'handledToday' | 'abandonedToday' | 'answeredWithinTargetToday' | 'serviceLevelBaseToday') => mine.queues.reduce((a, q) => a + q[key], 0);
    const { total, terms } = await withTenant(h.db, tenant.id, async (tx) => ({
      total: (await readQueueSums(tx, { ...DAY_24, timeZone: PARIS, groupBy: 'none' }))[0]!.sums,
      terms: contractFor(await loadContracts(tx), null, '2026-10-24'),
    }));
    expect(total.answered).toBeGreaterThan(0);
    expect(sum('handledToday')).toBe(total.answered);
    expect(sum('abandonedToday')).toBe(total.abandoned);
    expect(Math.round((sum('answeredWithinTargetToday') / sum('serviceLevelBaseToday')) * 1000) / 10).toBe(kpisOf(total, terms).serviceLevel.value);
    expect(mine.answerTargetSeconds).toBe(terms.serviceLevelSeconds);
  });
});
