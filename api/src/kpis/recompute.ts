import { sql } from 'kysely';
import { kpis, type AppTx, type TenantTx } from '@switchboard/db';
import { foldCalls, foldLockKey, markRepeatsOf, loadFoldContext, termsAt, timelinesOf, toCallForStats, addStateSeconds, type FoldContext } from './fold.ts';
import {
  addOperatorCounters,
  addQueueCounters,
  contributionOf,
  intervalBreakReason,
  isRealCallerNumber,
  QUARTER_HOUR_MS,
  splitStateByQuarterHour,
  stateKey,
  type CallForStats,
  type OperatorCounters,
  type QueueCounters,
} from './timeline.ts';

/**
 * Recomputing the interval statistics from the calls, their timelines and the state log (docs/kpis.md,
 * "Recompute"): after a contract is saved with an `effective_from` in the past (its thresholds change what
 * counted as answered in target or a short abandon), or by hand. `recomputeTenant` deletes a period's rows and
 * refolds every final call offered in it through the fold itself; `computeIntervals` computes the same rows
 * from scratch without writing anything (the test that incremental equals recomputed compares the two).
 */

const floorQuarter = (d: Date) => new Date(Math.floor(d.getTime() / QUARTER_HOUR_MS) * QUARTER_HOUR_MS);
const ceilQuarter = (d: Date) => new Date(Math.ceil(d.getTime() / QUARTER_HOUR_MS) * QUARTER_HOUR_MS);

async function currentTenantId(tx: TenantTx): Promise<string> {
  const { rows } = await sql<{ id: string }>`select app.current_tenant_id()::text as id`.execute(tx);
  return rows[0]!.id;
}

const callColumns = ['c.id', 'c.tenantId', 'c.function', 'c.direction', 'c.status', 'c.callerNumber', 'c.offeredAt', 'c.answeredAt', 'c.endedAt', 'c.wrapUpEndedAt', 'c.operatorId', 'c.fcrRepeated'] as const;

/**
 * The tenant's queue_intervals and operator_intervals of [from, to) (widened to whole quarter hours) deleted
 * and refolded from every final call offered in it, its FCR marks reset and marked again — also by the first
 * call after the period, which may repeat one in it. Waits for the tenant's fold lock (the loop's pass finishes
 * first) and runs in the caller's transaction: all of it, or nothing. Returns the calls refolded.
 */
export async function recomputeTenant(tx: TenantTx, from: Date, to: Date, now: Date = new Date(), batchSize = 2000): Promise<number> {
  const tenantId = await currentTenantId(tx);
  const start = floorQuarter(from);
  const end = ceilQuarter(to);
  await sql`select pg_advisory_xact_lock(${foldLockKey(tenantId)})`.execute(tx);
  const ctx = await loadFoldContext(tx, tenantId);
  await tx.deleteFrom('queueIntervals').where('intervalStart', '>=', start).where('intervalStart', '<', end).execute();
  await tx.deleteFrom('operatorIntervals').where('intervalStart', '>=', start).where('intervalStart', '<', end).execute();
  await tx
    .updateTable('calls')
    .set({ statsFoldedAt: null, fcrRepeated: false })
    .where('offeredAt', '>=', start)
    .where('offeredAt', '<', end)
    .where((eb) => eb.or([eb('statsFoldedAt', 'is not', null), eb('fcrRepeated', '=', true)]))
    .execute();
  let refolded = 0;
  for (;;) {
    const rows = await tx
      .selectFrom('calls as c')
      .select(callColumns)
      .where('c.statsFoldedAt', 'is', null)
      .where('c.offeredAt', '>=', start)
      .where('c.offeredAt', '<', end)
      .where(kpis.foldableCall)
      .orderBy('c.offeredAt')
      .limit(batchSize)
      .forNoKeyUpdate()
      .skipLocked()
      .execute();
    refolded += await foldCalls(ctx, tx, rows, now);
    if (rows.length < batchSize) break;
  }
  await remarkFromAfter(ctx, tx, end);
  return refolded;
}

/**
 * A call of the period repeated by the first call after it: that later call, folded before the recompute,
 * marked it then; the reset cleared the mark, so it is marked again (and its quarter hour's count with it).
 */
async function remarkFromAfter(ctx: FoldContext, tx: TenantTx, end: Date): Promise<void> {
  const maxDays = Math.max(90, ...ctx.contracts.map((c) => c.fcrDays));
  const firsts = await sql<{ id: string; foldedAt: Date | null }>`
    select distinct on (caller_number, function) id, stats_folded_at as "foldedAt"
      from calls
     where offered_at >= ${end} and offered_at < ${new Date(end.getTime() + maxDays * 86_400_000)}
       and answered_at is not null and direction = 'inbound'
     order by caller_number, function, offered_at`.execute(tx);
  const folded = firsts.rows.filter((r) => r.foldedAt).map((r) => r.id);
  if (!folded.length) return;
  for (let i = 0; i < folded.length; i += 1000) await markRepeatsOf(ctx, tx, folded.slice(i, i + 1000));
}

/** The state log's share of [from, to) in operator_state_intervals, recomputed from its folded rows (the loop folds the rest). */
export async function recomputeStates(tx: AppTx, from: Date, to: Date): Promise<void> {
  const start = floorQuarter(from);
  const end = ceilQuarter(to);
  await sql`select pg_advisory_xact_lock(hashtextextended('kpi_fold:operator_state_log', 0))`.execute(tx);
  await tx.deleteFrom('operatorStateIntervals').where('intervalStart', '>=', start).where('intervalStart', '<', end).execute();
  const logs = await tx
    .selectFrom('operatorStateLog')
    .select(['operatorId', 'state', 'breakReason', 'startedAt', 'endedAt'])
    .where('statsFoldedAt', 'is not', null)
    .where('endedAt', '>', start)
    .where('startedAt', '<', end)
    .execute();
  await addStateSeconds(tx, stateRows(logs, start, end));
}

type StateRow = { operatorId: string; intervalStart: Date; state: string; breakReason: string; seconds: number };

function stateRows(
  logs: readonly { operatorId: string; state: string; breakReason: string | null; startedAt: Date | string; endedAt: Date | string | null }[],
  start: Date,
  end: Date,
): StateRow[] {
  const rows = new Map<string, StateRow>();
  for (const log of logs) {
    if (!log.endedAt) continue;
    const breakReason = intervalBreakReason(log.state, log.breakReason);
    for (const piece of splitStateByQuarterHour(new Date(log.startedAt), new Date(log.endedAt))) {
      if (piece.intervalStart < start || piece.intervalStart >= end) continue;
      const key = stateKey(log.operatorId, piece.intervalStart, log.state, breakReason);
      const row = rows.get(key);
      if (row) row.seconds += piece.seconds;
      else rows.set(key, { operatorId: log.operatorId, intervalStart: piece.intervalStart, state: log.state, breakReason, seconds: piece.seconds });
    }
  }
  return [...rows.values()];
}

export interface ComputedIntervals {
  queue: ({ function: string; direction: 'inbound' | 'outbound'; intervalStart: string } & QueueCounters)[];
  operators: ({ operatorId: string; function: string; intervalStart: string } & OperatorCounters)[];
}

/**
 * The tenant's interval rows of [from, to) computed from scratch, writing nothing: every foldable call's
 * contribution, with its FCR mark decided from the calls alone — repeated when the next answered inbound call
 * of the same number and function is final and came within the contract's days. Rows sorted by key.
 */
export async function computeIntervals(tx: TenantTx, from: Date, to: Date): Promise<ComputedIntervals> {
  const tenantId = await currentTenantId(tx);
  const ctx = await loadFoldContext(tx, tenantId);
  const rows = await tx
    .selectFrom('calls as c')
    .select(callColumns)
    .select(sql<boolean>`${kpis.foldableCall}`.as('foldable'))
    .where('c.offeredAt', '>=', floorQuarter(from))
    .where('c.offeredAt', '<', ceilQuarter(to))
    .execute();
  const calls = rows.filter((r) => r.foldable).map((r) => ({ ...toCallForStats(r), fcrRepeated: false }));
  // Every answered inbound call of the numbers concerned, in order, to find each call's next one.
  const answered = await tx
    .selectFrom('calls as c')
    .select(['c.id', 'c.callerNumber', 'c.function', 'c.offeredAt'])
    .select(sql<boolean>`${kpis.foldableCall}`.as('foldable'))
    .where('c.answeredAt', 'is not', null)
    .where('c.direction', '=', 'inbound')
    .orderBy('c.offeredAt')
    .execute();
  const byKey = new Map<string, { offeredAt: number; foldable: boolean }[]>();
  for (const a of answered) {
    if (!isRealCallerNumber(a.callerNumber)) continue;
    const key = `${a.callerNumber}|${a.function}`;
    const list = byKey.get(key) ?? [];
    list.push({ offeredAt: new Date(a.offeredAt).getTime(), foldable: !!a.foldable });
    byKey.set(key, list);
  }
  for (const call of calls) {
    if (!call.answeredAt || call.direction !== 'inbound' || !isRealCallerNumber(call.callerNumber)) continue;
    const own = call.offeredAt.getTime();
    const next = byKey.get(`${call.callerNumber}|${call.function}`)?.find((a) => a.offeredAt > own);
    const days = termsAt(ctx, call.function, call.offeredAt).fcrDays;
    call.fcrRepeated = !!next && next.foldable && next.offeredAt - own <= days * 86_400_000;
  }
  const timelines = await timelinesOf(tx, calls.map((c) => c.id));
  const queue = new Map<string, ComputedIntervals['queue'][number]>();
  const operators = new Map<string, ComputedIntervals['operators'][number]>();
  for (const call of calls as CallForStats[]) {
    const part = contributionOf(call, timelines.get(call.id) ?? [], termsAt(ctx, call.function, call.offeredAt));
    const intervalStart = part.intervalStart.toISOString();
    const qk = `${call.function}|${intervalStart}`;
    const q = queue.get(qk);
    if (q) addQueueCounters(q, part.queue);
    else queue.set(qk, { function: call.function, direction: call.direction, intervalStart, ...part.queue });
    for (const [operatorId, counters] of part.operators) {
      const ok = `${operatorId}|${call.function}|${intervalStart}`;
      const o = operators.get(ok);
      if (o) addOperatorCounters(o, counters);
      else operators.set(ok, { operatorId, function: call.function, intervalStart, ...counters });
    }
  }
  const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  return { queue: sorted(queue), operators: sorted(operators) };
}

/** operator_state_intervals of [from, to) computed from the closed state-log rows, writing nothing; sorted by key. */
export async function computeStateIntervals(tx: AppTx, from: Date, to: Date): Promise<StateRow[]> {
  const start = floorQuarter(from);
  const end = ceilQuarter(to);
  const logs = await tx
    .selectFrom('operatorStateLog')
    .select(['operatorId', 'state', 'breakReason', 'startedAt', 'endedAt'])
    .where('endedAt', 'is not', null)
    .where('endedAt', '>', start)
    .where('startedAt', '<', end)
    .execute();
  return stateRows(logs, start, end)
    .map((r) => ({ ...r, seconds: Math.min(900, r.seconds) }))
    .sort((a, b) => (stateKey(a.operatorId, a.intervalStart, a.state, a.breakReason) < stateKey(b.operatorId, b.intervalStart, b.state, b.breakReason) ? -1 : 1));
}
