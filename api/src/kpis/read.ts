import { sql, type RawBuilder } from 'kysely';
import type { OperatorState, TenantTx } from '@switchboard/db';
import { emptySums, queueSumKeys, type QueueSums } from './definitions.ts';

/**
 * Reading the folded interval statistics (docs/kpis.md): sums of queue_intervals / operator_intervals over
 * [from, to) — UTC instants, on quarter hours for exact periods — grouped by the company's calendar day (in
 * `timeZone`), by quarter hour, by function, or not at all. Every report is built from these sums; a month of a
 * large company is a few thousand rows to add up (scripts/src/bench-reports.ts).
 */
export interface QueueSumsQuery {
  from: Date;
  to: Date;
  /** The company's zone: what a "day" is. */
  timeZone: string;
  groupBy: 'day' | 'interval' | 'function' | 'day_function' | 'none';
  functions?: readonly string[];
  direction?: 'inbound' | 'outbound';
}

export interface QueueSumsRow {
  /** The company-calendar day (YYYY-MM-DD) for 'day' and 'day_function'. */
  day?: string;
  /** The quarter hour's start (ISO) for 'interval'. */
  intervalStart?: string;
  function?: string;
  sums: QueueSums;
}

const column = (key: string) => sql.ref(key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`));

function sumsSelect(): RawBuilder<unknown>[] {
  return queueSumKeys.map((k) => sql`${k === 'maxWaitSeconds' ? sql`max` : sql`sum`}(${column(k)})::float8 as ${sql.raw(`"${k}"`)}`);
}

function toSums(row: Record<string, unknown>): QueueSums {
  const sums = emptySums();
  for (const k of queueSumKeys) sums[k] = Number(row[k] ?? 0);
  return sums;
}

export async function readQueueSums(tx: TenantTx, query: QueueSumsQuery): Promise<QueueSumsRow[]> {
  const day = sql<string>`to_char(interval_start at time zone ${query.timeZone}, 'YYYY-MM-DD')`;
  const keys: RawBuilder<unknown>[] = [];
  const groups: RawBuilder<unknown>[] = [];
  if (query.groupBy === 'day' || query.groupBy === 'day_function') {
    keys.push(sql`${day} as day`);
    groups.push(day);
  }
  if (query.groupBy === 'interval') {
    keys.push(sql`interval_start as "intervalStart"`);
    groups.push(sql`interval_start`);
  }
  if (query.groupBy === 'function' || query.groupBy === 'day_function') {
    keys.push(sql`function as function`);
    groups.push(sql`function`);
  }
  const functions = query.functions?.length ? sql`and function in (${sql.join(query.functions.map((f) => sql`${f}`))})` : sql``;
  // By position: the zone is a parameter, and the same expression twice is two parameters PostgreSQL cannot match.
  const positions = sql.raw(groups.map((_, i) => String(i + 1)).join(', '));
  const groupBy = groups.length ? sql`group by ${positions} order by ${positions}` : sql``;
  const rows = await sql<Record<string, unknown>>`
    select ${sql.join([...keys, ...sumsSelect()])}
      from queue_intervals
     where interval_start >= ${query.from} and interval_start < ${query.to}
       and direction = ${query.direction ?? 'inbound'} ${functions}
     ${groupBy}`.execute(tx);
  return rows.rows
    .filter((r) => groups.length > 0 || r.offered !== null)
    .map((r) => ({
      ...(r.day !== undefined ? { day: String(r.day) } : {}),
      ...(r.intervalStart !== undefined ? { intervalStart: new Date(r.intervalStart as string).toISOString() } : {}),
      ...(r.function !== undefined ? { function: String(r.function) } : {}),
      sums: toSums(r),
    }));
}

/** The whole period's sums in one (zeros when nothing was folded). */
export async function readQueueTotal(tx: TenantTx, query: Omit<QueueSumsQuery, 'groupBy'>): Promise<QueueSums> {
  const [row] = await readQueueSums(tx, { ...query, groupBy: 'none' });
  return row?.sums ?? emptySums();
}

export interface OperatorSums {
  handled: number;
  talkSeconds: number;
  holdSeconds: number;
  wrapSeconds: number;
  transfers: number;
}

export interface OperatorSumsRow {
  operatorId: string;
  day?: string;
  sums: OperatorSums;
}

export async function readOperatorSums(
  tx: TenantTx,
  query: { from: Date; to: Date; timeZone: string; groupBy: 'operator' | 'operator_day'; functions?: readonly string[]; operatorId?: string },
): Promise<OperatorSumsRow[]> {
  const day = sql<string>`to_char(interval_start at time zone ${query.timeZone}, 'YYYY-MM-DD')`;
  const byDay = query.groupBy === 'operator_day';
  const functions = query.functions?.length ? sql`and function in (${sql.join(query.functions.map((f) => sql`${f}`))})` : sql``;
  const operator = query.operatorId ? sql`and operator_id = ${query.operatorId}` : sql``;
  const rows = await sql<{ operatorId: string; day?: string; handled: number; talk: number; hold: number; wrap: number; transfers: number }>`
    select operator_id as "operatorId", ${byDay ? sql`${day} as day,` : sql``}
           sum(handled)::float8 as handled, sum(talk_seconds)::float8 as talk, sum(hold_seconds)::float8 as hold,
           sum(wrap_seconds)::float8 as wrap, sum(transfers)::float8 as transfers
      from operator_intervals
     where interval_start >= ${query.from} and interval_start < ${query.to} ${functions} ${operator}
     group by ${sql.raw(byDay ? '1, 2' : '1')}
     order by ${sql.raw(byDay ? '1, 2' : '1')}`.execute(tx);
  return rows.rows.map((r) => ({
    operatorId: r.operatorId,
    ...(byDay ? { day: String(r.day) } : {}),
    sums: { handled: Number(r.handled), talkSeconds: Number(r.talk), holdSeconds: Number(r.hold), wrapSeconds: Number(r.wrap), transfers: Number(r.transfers) },
  }));
}

/**
 * Seconds per state (and break reason) of the given operators over [from, to), from operator_state_intervals
 * (global: an operator's whole day, every client). For provider staff only (reports.occupancy).
 */
export async function readStateSeconds(
  tx: TenantTx,
  query: { from: Date; to: Date; operatorIds: readonly string[] },
): Promise<Map<string, { state: OperatorState; breakReason: string; seconds: number }[]>> {
  const out = new Map<string, { state: OperatorState; breakReason: string; seconds: number }[]>();
  if (!query.operatorIds.length) return out;
  const rows = await sql<{ operatorId: string; state: OperatorState; breakReason: string; seconds: number }>`
    select operator_id as "operatorId", state, break_reason as "breakReason", sum(seconds)::float8 as seconds
      from operator_state_intervals
     where interval_start >= ${query.from} and interval_start < ${query.to}
       and operator_id in (${sql.join(query.operatorIds.map((id) => sql`${id}`))})
     group by operator_id, state, break_reason`.execute(tx);
  for (const r of rows.rows) {
    const list = out.get(r.operatorId) ?? [];
    list.push({ state: r.state, breakReason: r.breakReason, seconds: Number(r.seconds) });
    out.set(r.operatorId, list);
  }
  return out;
}

/** Occupancy: busy (on a call or wrapping up) over the time available for calls; utilisation: busy over logged-in time. */
export function occupancyOf(states: readonly { state: OperatorState; seconds: number }[]): { occupancy: number | null; utilisation: number | null } {
  const of = (...s: OperatorState[]) => states.filter((x) => s.includes(x.state)).reduce((a, x) => a + x.seconds, 0);
  const busy = of('on_call', 'wrap_up');
  const ready = busy + of('available', 'dialing');
  const loggedIn = ready + of('break', 'not_responding');
  const pct = (n: number, d: number) => (d > 0 ? Math.round((n / d) * 1000) / 10 : null);
  return { occupancy: pct(busy, ready), utilisation: pct(busy, loggedIn) };
}
