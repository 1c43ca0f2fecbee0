import { sql, type Kysely } from 'kysely';
import { kpis, withApp, withTenant, type AppTx, type DB, type TenantTx } from '@switchboard/db';
import { contractFor, loadContracts, type ContractRow, type ContractTerms } from '../contracts/resolve.ts';
import { localDay } from '../billing/rating.ts';
import { startPeriodic } from '../periodic.ts';
import {
  addOperatorCounters,
  addQueueCounters,
  contributionOf,
  emptyQueueCounters,
  intervalBreakReason,
  operatorCounterKeys,
  quarterHourOf,
  queueCounterKeys,
  splitStateByQuarterHour,
  stateKey,
  type CallForStats,
  type OperatorCounters,
  type QueueCounters,
  type TimelineEvent,
} from './timeline.ts';

/**
 * The fold (docs/kpis.md, "Folding"): finished calls, a batch at a time per tenant, are added to the
 * quarter-hour sums reports read (queue_intervals, operator_intervals), each call once, in one transaction
 * with the mark that it was (calls.stats_folded_at): killed at any point, a batch is either all folded or
 * not at all. One folder per tenant at a time, whatever the number of processes: the batch's transaction
 * takes a per-tenant advisory lock and gives up at once when another holds it. Closed rows of the state log
 * are folded the same way into operator_state_intervals (global, one person's day across clients).
 */

export const DEFAULT_FOLD_BATCH = 500;

/** The fold's per-tenant advisory lock key: recompute.ts waits for it, the loop only tries it. */
export const foldLockKey = (tenantId: string) => sql`hashtextextended(${`kpi_fold:${tenantId}`}, 0)`;
const STATE_FOLD_LOCK = sql`hashtextextended('kpi_fold:operator_state_log', 0)`;

/** Final, and no operator still wrapping it up (their wrap-up is part of the call's figures): db/src/kpis.ts. */
const foldableCall = kpis.foldableCall;

interface CallRowForStats {
  id: string;
  tenantId: string;
  function: string;
  direction: 'inbound' | 'outbound';
  status: string;
  callerNumber: string;
  offeredAt: Date | string;
  answeredAt: Date | string | null;
  endedAt: Date | string | null;
  wrapUpEndedAt: Date | string | null;
  operatorId: string | null;
  fcrRepeated: boolean;
}

const date = (v: Date | string) => (v instanceof Date ? v : new Date(v));
const dateOrNull = (v: Date | string | null) => (v === null ? null : date(v));

export const toCallForStats = (row: CallRowForStats): CallForStats => ({
  id: row.id,
  function: row.function,
  direction: row.direction,
  status: row.status,
  callerNumber: row.callerNumber,
  offeredAt: date(row.offeredAt),
  answeredAt: dateOrNull(row.answeredAt),
  endedAt: dateOrNull(row.endedAt),
  wrapUpEndedAt: dateOrNull(row.wrapUpEndedAt),
  operatorId: row.operatorId,
  fcrRepeated: row.fcrRepeated,
});

/** What a batch reads once: the tenant's zone (a contract applies from a company-calendar date) and its contract versions. */
export interface FoldContext {
  tenantId: string;
  timeZone: string;
  contracts: ContractRow[];
  /** Caches: the company-calendar day of each quarter hour, the terms per function and day. */
  days: Map<number, string>;
  terms: Map<string, ContractTerms>;
}

export async function loadFoldContext(tx: TenantTx, tenantId: string): Promise<FoldContext> {
  const tenant = await tx.selectFrom('tenants').select('timeZone').where('id', '=', tenantId).executeTakeFirstOrThrow();
  return { tenantId, timeZone: tenant.timeZone, contracts: await loadContracts(tx), days: new Map(), terms: new Map() };
}

/**
 * The contract terms a call offered at `offeredAt` is measured with. The company-calendar date is the same
 * throughout a quarter hour (every zone's offset is whole quarter hours): computed once per quarter.
 */
export function termsAt(ctx: FoldContext, fn: string, offeredAt: Date): ContractTerms {
  const quarter = quarterHourOf(offeredAt).getTime();
  let day = ctx.days.get(quarter);
  if (day === undefined) ctx.days.set(quarter, (day = localDay(offeredAt, ctx.timeZone)));
  const key = `${fn}|${day}`;
  let terms = ctx.terms.get(key);
  if (!terms) ctx.terms.set(key, (terms = contractFor(ctx.contracts, fn, day)));
  return terms;
}

const callColumns = [
  'c.id',
  'c.tenantId',
  'c.function',
  'c.direction',
  'c.status',
  'c.callerNumber',
  'c.offeredAt',
  'c.answeredAt',
  'c.endedAt',
  'c.wrapUpEndedAt',
  'c.operatorId',
  'c.fcrRepeated',
] as const;

/** The timelines of the calls, each in order (ids are UUIDv7: within one instant, in the order written). */
export async function timelinesOf(tx: TenantTx, callIds: readonly string[]): Promise<Map<string, TimelineEvent[]>> {
  const out = new Map<string, TimelineEvent[]>(callIds.map((id) => [id, []]));
  if (!callIds.length) return out;
  const rows = await tx
    .selectFrom('callEvents')
    .select(['callId', 'at', 'kind', 'operatorId'])
    .where(sql<boolean>`call_id = any(${idArray(callIds)})`)
    .orderBy('callId')
    .orderBy('at')
    .orderBy('id')
    .execute();
  for (const r of rows) out.get(r.callId)!.push({ at: date(r.at), kind: r.kind, operatorId: r.operatorId });
  return out;
}

interface Sums {
  queue: Map<string, { function: string; direction: 'inbound' | 'outbound'; intervalStart: Date; counters: QueueCounters }>;
  operators: Map<string, { operatorId: string; function: string; intervalStart: Date; counters: OperatorCounters }>;
}

const emptySumsOf = (): Sums => ({ queue: new Map(), operators: new Map() });

function addQueue(sums: Sums, fn: string, direction: 'inbound' | 'outbound', intervalStart: Date, counters: QueueCounters) {
  const key = `${fn}|${intervalStart.toISOString()}`;
  const row = sums.queue.get(key);
  if (row) addQueueCounters(row.counters, counters);
  else sums.queue.set(key, { function: fn, direction, intervalStart, counters: { ...counters } });
}

function addOperator(sums: Sums, operatorId: string, fn: string, intervalStart: Date, counters: OperatorCounters) {
  const key = `${operatorId}|${fn}|${intervalStart.toISOString()}`;
  const row = sums.operators.get(key);
  if (row) addOperatorCounters(row.counters, counters);
  else sums.operators.set(key, { operatorId, function: fn, intervalStart, counters: { ...counters } });
}

/** Adds the calls' contributions (their timelines read here) to `sums`. */
function addCalls(ctx: FoldContext, sums: Sums, calls: readonly CallForStats[], timelines: Map<string, TimelineEvent[]>) {
  for (const call of calls) {
    const terms = termsAt(ctx, call.function, call.offeredAt);
    const part = contributionOf(call, timelines.get(call.id) ?? [], terms);
    addQueue(sums, call.function, call.direction, part.intervalStart, part.queue);
    for (const [operatorId, counters] of part.operators) addOperator(sums, operatorId, call.function, part.intervalStart, counters);
  }
}

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const queueColumns = queueCounterKeys.map(snake);
const operatorColumns = operatorCounterKeys.map(snake);

/** Ids as one parameter (a statement with thousands of parameters costs more to build and parse than to run). */
export const idArray = (ids: readonly string[]) => sql`string_to_array(${ids.join(',')}, ',')::uuid[]`;

/**
 * Adds `sums` to the interval tables, one statement per table whatever the number of rows (the rows travel
 * as one JSON parameter): each row's counters added to what is there, the longest wait the larger.
 */
async function writeSums(tx: TenantTx, tenantId: string, sums: Sums): Promise<void> {
  if (sums.queue.size) {
    const rows = [...sums.queue.values()].map((r) => ({
      function: r.function,
      interval_start: r.intervalStart.toISOString(),
      direction: r.direction,
      ...Object.fromEntries(queueCounterKeys.map((k, i) => [queueColumns[i], r.counters[k]])),
    }));
    const cols = sql.raw(queueColumns.join(', '));
    const types = sql.raw(queueColumns.map((c) => `${c} bigint`).join(', '));
    const updates = sql.raw(
      queueColumns.map((c) => (c === 'max_wait_seconds' ? `${c} = greatest(queue_intervals.${c}, excluded.${c})` : `${c} = queue_intervals.${c} + excluded.${c}`)).join(', '),
    );
    await sql`
      insert into queue_intervals (tenant_id, function, interval_start, direction, ${cols})
      select ${tenantId}::uuid, r.function, r.interval_start, r.direction, ${cols}
        from jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb) as r(function text, interval_start timestamptz, direction text, ${types})
      on conflict (tenant_id, function, interval_start) do update set ${updates}`.execute(tx);
  }
  if (sums.operators.size) {
    const rows = [...sums.operators.values()].map((r) => ({
      operator_id: r.operatorId,
      function: r.function,
      interval_start: r.intervalStart.toISOString(),
      ...Object.fromEntries(operatorCounterKeys.map((k, i) => [operatorColumns[i], r.counters[k]])),
    }));
    const cols = sql.raw(operatorColumns.join(', '));
    const types = sql.raw(operatorColumns.map((c) => `${c} bigint`).join(', '));
    const updates = sql.raw(operatorColumns.map((c) => `${c} = operator_intervals.${c} + excluded.${c}`).join(', '));
    await sql`
      insert into operator_intervals (tenant_id, operator_id, function, interval_start, ${cols})
      select ${tenantId}::uuid, r.operator_id, r.function, r.interval_start, ${cols}
        from jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb) as r(operator_id uuid, function text, interval_start timestamptz, ${types})
      on conflict (tenant_id, operator_id, function, interval_start) do update set ${updates}`.execute(tx);
  }
}

/**
 * First-contact resolution: each answered inbound call with a real caller number marks the latest earlier
 * answered call of the same number and function `fcr_repeated` — once, and only when it came within that
 * earlier call's contract FCR days. The earlier call, if already folded, adds 1 to its quarter hour's
 * `fcr_repeated` (returned in `sums`); if it is in this batch, it is folded with the mark.
 */
async function markRepeats(ctx: FoldContext, tx: TenantTx, repeats: readonly CallForStats[], sums: Sums, inBatch: Map<string, CallForStats>): Promise<void> {
  const candidates = repeats.filter((r) => r.answeredAt && r.direction === 'inbound' && /^\+[1-9]\d{6,14}$/.test(r.callerNumber));
  if (!candidates.length) return;
  const maxDays = Math.max(90, ...ctx.contracts.map((c) => c.fcrDays));
  const earlier = await sql<{ repeatId: string; id: string; function: string; offeredAt: Date | string; fcrRepeated: boolean }>`
    select r.id as "repeatId", e.id, e.function, e.offered_at as "offeredAt", e.fcr_repeated as "fcrRepeated"
      from calls r
      cross join lateral (
        select e.id, e.function, e.offered_at, e.fcr_repeated
          from calls e
         where e.tenant_id = r.tenant_id and e.caller_number = r.caller_number and e.function = r.function
           and e.answered_at is not null and e.direction = 'inbound'
           and e.offered_at < r.offered_at and e.offered_at >= r.offered_at - make_interval(days => ${maxDays})
         order by e.offered_at desc
         limit 1) e
     where r.id = any(${idArray(candidates.map((c) => c.id))})`.execute(tx);
  const repeatOf = new Map(candidates.map((c) => [c.id, c]));
  const toMark = new Set<string>();
  for (const row of earlier.rows) {
    if (row.fcrRepeated) continue;
    const repeat = repeatOf.get(row.repeatId)!;
    const offeredAt = date(row.offeredAt);
    const days = termsAt(ctx, row.function, offeredAt).fcrDays;
    if (repeat.offeredAt.getTime() - offeredAt.getTime() <= days * 86_400_000) toMark.add(row.id);
  }
  if (!toMark.size) return;
  const marked = await tx
    .updateTable('calls')
    .set({ fcrRepeated: true })
    .where(sql<boolean>`id = any(${idArray([...toMark])})`)
    .where('fcrRepeated', '=', false)
    .returning(['id', 'function', 'direction', 'offeredAt', 'statsFoldedAt'])
    .execute();
  for (const m of marked) {
    const own = inBatch.get(m.id);
    if (own) {
      own.fcrRepeated = true;
    } else if (m.statsFoldedAt) {
      addQueue(sums, m.function, m.direction, quarterHourOf(date(m.offeredAt)), { ...emptyQueueCounters(), fcrRepeated: 1 });
    }
  }
}

/** The FCR marks the (already folded) calls `repeatIds` make, alone: a recompute's reset cleared them (recompute.ts). */
export async function markRepeatsOf(ctx: FoldContext, tx: TenantTx, repeatIds: readonly string[]): Promise<void> {
  if (!repeatIds.length) return;
  const rows = await tx.selectFrom('calls as c').select(callColumns).where('c.id', 'in', repeatIds).execute();
  const sums = emptySumsOf();
  await markRepeats(ctx, tx, rows.map(toCallForStats), sums, new Map());
  await writeSums(tx, ctx.tenantId, sums);
}

/** Folds `calls` (locked by the caller, not yet folded) and marks them folded: the whole of one batch. */
export async function foldCalls(ctx: FoldContext, tx: TenantTx, rows: readonly CallRowForStats[], now: Date): Promise<number> {
  if (!rows.length) return 0;
  const calls = rows.map(toCallForStats);
  const sums = emptySumsOf();
  // Oldest first: a repeat in the batch marks its earlier call before that call's figures are added.
  await markRepeats(ctx, tx, calls, sums, new Map(calls.map((c) => [c.id, c])));
  addCalls(ctx, sums, calls, await timelinesOf(tx, calls.map((c) => c.id)));
  await writeSums(tx, ctx.tenantId, sums);
  await tx
    .updateTable('calls')
    .set({ statsFoldedAt: now })
    .where(sql<boolean>`id = any(${idArray(calls.map((c) => c.id))})`)
    .execute();
  return calls.length;
}

export interface FoldBatchResult {
  /** Another transaction holds the tenant's fold lock: it is folding; nothing was done here. */
  busy: boolean;
  calls: number;
}

/**
 * One batch of the tenant's finished, unfolded calls, oldest first, in the caller's tenant transaction (which
 * commits or rolls back the batch whole). Calls another transaction holds (a disposition being completed) are
 * left to the next batch.
 */
export async function foldCallsBatch(tx: TenantTx, tenantId: string, now: Date, options: { batchSize?: number; context?: FoldContext } = {}): Promise<FoldBatchResult> {
  const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${foldLockKey(tenantId)}) as locked`.execute(tx);
  if (!rows[0]?.locked) return { busy: true, calls: 0 };
  const calls = await tx
    .selectFrom('calls as c')
    .select(callColumns)
    .where('c.statsFoldedAt', 'is', null)
    .where(foldableCall)
    .orderBy('c.offeredAt')
    .limit(options.batchSize ?? DEFAULT_FOLD_BATCH)
    .forNoKeyUpdate()
    .skipLocked()
    .execute();
  if (!calls.length) return { busy: false, calls: 0 };
  const ctx = options.context ?? (await loadFoldContext(tx, tenantId));
  return { busy: false, calls: await foldCalls(ctx, tx, calls, now) };
}

/** One batch of closed, unfolded state-log rows into operator_state_intervals (global), under one global fold lock. */
export async function foldStatesBatch(tx: AppTx, now: Date, batchSize = 2000): Promise<FoldBatchResult> {
  const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${STATE_FOLD_LOCK}) as locked`.execute(tx);
  if (!rows[0]?.locked) return { busy: true, calls: 0 };
  const logs = await tx
    .selectFrom('operatorStateLog')
    .select(['id', 'operatorId', 'state', 'breakReason', 'startedAt', 'endedAt'])
    .where('endedAt', 'is not', null)
    .where('statsFoldedAt', 'is', null)
    .orderBy('endedAt')
    .limit(batchSize)
    .forUpdate()
    .skipLocked()
    .execute();
  if (!logs.length) return { busy: false, calls: 0 };
  const pieces = new Map<string, { operatorId: string; intervalStart: Date; state: (typeof logs)[number]['state']; breakReason: string; seconds: number }>();
  for (const log of logs) {
    const breakReason = intervalBreakReason(log.state, log.breakReason);
    for (const piece of splitStateByQuarterHour(date(log.startedAt), date(log.endedAt!))) {
      const key = stateKey(log.operatorId, piece.intervalStart, log.state, breakReason);
      const row = pieces.get(key);
      if (row) row.seconds += piece.seconds;
      else pieces.set(key, { operatorId: log.operatorId, intervalStart: piece.intervalStart, state: log.state, breakReason, seconds: piece.seconds });
    }
  }
  await addStateSeconds(tx, [...pieces.values()]);
  await tx
    .updateTable('operatorStateLog')
    .set({ statsFoldedAt: now })
    .where(sql<boolean>`id = any(${idArray(logs.map((l) => l.id))})`)
    .execute();
  return { busy: false, calls: logs.length };
}

export async function addStateSeconds(
  tx: AppTx | TenantTx,
  rows: readonly { operatorId: string; intervalStart: Date; state: string; breakReason: string; seconds: number }[],
): Promise<void> {
  for (let i = 0; i < rows.length; i += 2000) {
    const chunk = rows.slice(i, i + 2000);
    await tx
      .insertInto('operatorStateIntervals')
      .values(chunk.map((r) => ({ ...r, state: r.state as never })))
      .onConflict((oc) =>
        oc
          .columns(['operatorId', 'intervalStart', 'state', 'breakReason'])
          // Two rows of one state in one quarter never overlap (one state at a time): their sum stays within 900.
          .doUpdateSet({ seconds: sql`least(900, operator_state_intervals.seconds + excluded.seconds)` }),
      )
      .execute();
  }
}

export interface FoldReport {
  calls: number;
  states: number;
  /** Tenants whose fold another process was running. */
  busy: number;
}

export interface FoldPassOptions {
  batchSize?: number;
  /** Per tenant per pass, so one tenant's backlog does not hold the others. */
  maxBatchesPerTenant?: number;
  signal?: AbortSignal;
}

/**
 * One pass: the tenants with finished, unfolded calls (one cross-tenant read of ids), each folded batch by
 * batch in its own transactions, then the state log. Stops between batches once `signal` aborts.
 */
export async function foldOnce(db: Kysely<DB>, now: Date, options: FoldPassOptions = {}): Promise<FoldReport> {
  const report: FoldReport = { calls: 0, states: 0, busy: 0 };
  const maxBatches = options.maxBatchesPerTenant ?? 4;
  let firstError: unknown = null;
  for (const tenantId of await kpis.tenantsWithUnfoldedCalls(db)) {
    // One company whose batch fails (its transaction rolled back whole) never keeps the others from being folded.
    try {
      for (let batch = 0; batch < maxBatches; batch++) {
        if (options.signal?.aborted) return report;
        const result = await withTenant(db, tenantId, (tx) => foldCallsBatch(tx, tenantId, now, { batchSize: options.batchSize ?? DEFAULT_FOLD_BATCH }));
        report.calls += result.calls;
        if (result.busy) report.busy += 1;
        if (result.busy || result.calls < (options.batchSize ?? DEFAULT_FOLD_BATCH)) break;
      }
    } catch (error) {
      firstError ??= error;
    }
  }
  if (firstError) throw firstError;
  for (let batch = 0; batch < maxBatches; batch++) {
    if (options.signal?.aborted) return report;
    if (!(await kpis.hasUnfoldedStates(db))) break;
    const result = await withApp(db, (tx) => foldStatesBatch(tx, now));
    report.states += result.calls;
    if (result.busy || result.calls < 2000) break;
  }
  return report;
}

export interface KpiFoldingDeps {
  db: Kysely<DB>;
  now: () => Date;
  /** Between passes: 5 s (a finished call is in the reports within seconds). */
  intervalMs?: number;
  /** A pass not done in this is given up on (its signal aborts between batches); the next starts on schedule. */
  timeoutMs?: number;
  batchSize?: number;
  onError?: (error: unknown) => void;
}

/**
 * Folds finished calls and closed states every few seconds, in every process (the per-tenant lock makes one
 * folder per tenant at a time). A pass on a dead connection times out and the next one starts: the loop
 * resumes by itself when the database is back. Returns stop.
 */
export function startKpiFolding(deps: KpiFoldingDeps): () => Promise<void> {
  return startPeriodic({
    name: 'KPI folding',
    intervalMs: deps.intervalMs ?? 5_000,
    timeoutMs: deps.timeoutMs ?? 30_000,
    pass: (signal) => foldOnce(deps.db, deps.now(), { signal, ...(deps.batchSize ? { batchSize: deps.batchSize } : {}) }),
    ...(deps.onError ? { onError: deps.onError } : {}),
  });
}
