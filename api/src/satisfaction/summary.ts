import { sql } from 'kysely';
import type { TenantTx } from '@switchboard/db';

/**
 * The client's satisfaction figures (CSAT) over a period: what its callers keyed after handled calls,
 * overall, per function and per operator. Counts are of surveys reported by the telephony adapter; a
 * caller who hung up before answering counts as a survey not answered, never in the average.
 */
export interface SatisfactionFigures {
  /** Surveys reported (answered, partial or not answered). */
  surveys: number;
  /** Surveys with a 1–5 score. */
  scored: number;
  notAnswered: number;
  /** Mean of the scores, two decimals; null before any. */
  average: number | null;
  /** How many callers keyed 1, 2, 3, 4, 5. */
  distribution: [number, number, number, number, number];
  /** Callers who answered "was your problem solved?", and of them how many said yes. */
  solvedAnswered: number;
  solvedYes: number;
  /** % of solvedYes over solvedAnswered, one decimal; null before any. */
  solvedShare: number | null;
  /** % of callers who keyed 4 or 5 over those who keyed a score (the usual CSAT), one decimal; null before any. */
  satisfiedShare: number | null;
}

export interface SatisfactionSummary {
  overall: SatisfactionFigures;
  byFunction: (SatisfactionFigures & { function: string })[];
  byOperator: (SatisfactionFigures & { operatorId: string | null; operatorName: string | null })[];
}

/** What the page, its figures and its export are narrowed by: the period (instants at the tenant's midnights), a function, an operator. */
export interface SatisfactionFilter {
  from?: Date | undefined;
  to?: Date | undefined;
  function?: string | undefined;
  operator?: string | undefined;
}

/** The surveys of the filter: the one place it becomes WHERE clauses, so the figures and the export count the same surveys. */
export function surveysOf(tx: TenantTx, filter: SatisfactionFilter) {
  let q = tx.selectFrom('callSatisfaction as s');
  // A period holds the calls that ended in it (bounds at the tenant's midnights), whenever the adapter reported.
  if (filter.from) q = q.where('s.callEndedAt', '>=', filter.from);
  if (filter.to) q = q.where('s.callEndedAt', '<', filter.to);
  if (filter.function) q = q.where('s.function', '=', filter.function);
  if (filter.operator) q = q.where('s.operatorId', '=', filter.operator);
  return q;
}

interface Bucket {
  surveys: number;
  notAnswered: number;
  scores: number[];
  solvedAnswered: number;
  solvedYes: number;
}

const emptyBucket = (): Bucket => ({ surveys: 0, notAnswered: 0, scores: [0, 0, 0, 0, 0], solvedAnswered: 0, solvedYes: 0 });

const share = (part: number, whole: number) => (whole ? Math.round((part / whole) * 1000) / 10 : null);

function figuresOf(b: Bucket): SatisfactionFigures {
  const scored = b.scores.reduce((a, n) => a + n, 0);
  const sum = b.scores.reduce((a, n, i) => a + n * (i + 1), 0);
  return {
    surveys: b.surveys,
    scored,
    notAnswered: b.notAnswered,
    average: scored ? Math.round((sum / scored) * 100) / 100 : null,
    distribution: b.scores.slice(0, 5) as SatisfactionFigures['distribution'],
    solvedAnswered: b.solvedAnswered,
    solvedYes: b.solvedYes,
    solvedShare: share(b.solvedYes, b.solvedAnswered),
    satisfiedShare: share(b.scores[3]! + b.scores[4]!, scored),
  };
}

function add(into: Bucket, row: { surveys: number; notAnswered: number; score: number | null; solvedAnswered: number; solvedYes: number }) {
  into.surveys += row.surveys;
  into.notAnswered += row.notAnswered;
  into.solvedAnswered += row.solvedAnswered;
  into.solvedYes += row.solvedYes;
}

/** One grouped query (function × operator × score), rolled up here: a handful of rows whatever the volume. */
export async function satisfactionSummary(tx: TenantTx, filter: SatisfactionFilter): Promise<SatisfactionSummary> {
  const rows = await surveysOf(tx, filter)
    .leftJoin('users as u', 'u.id', 's.operatorId')
    .select([
      's.function',
      's.operatorId',
      'u.displayName as operatorName',
      's.score',
      sql<string>`count(*)`.as('surveys'),
      sql<string>`count(*) filter (where s.outcome = 'not_answered')`.as('notAnswered'),
      sql<string>`count(s.solved)`.as('solvedAnswered'),
      sql<string>`count(*) filter (where s.solved)`.as('solvedYes'),
    ])
    .groupBy(['s.function', 's.operatorId', 'u.displayName', 's.score'])
    .execute();

  const overall = emptyBucket();
  const functions = new Map<string, Bucket>();
  const operators = new Map<string, { id: string | null; name: string | null; bucket: Bucket }>();
  for (const r of rows) {
    const row = { surveys: Number(r.surveys), notAnswered: Number(r.notAnswered), score: r.score, solvedAnswered: Number(r.solvedAnswered), solvedYes: Number(r.solvedYes) };
    const fn = functions.get(r.function) ?? functions.set(r.function, emptyBucket()).get(r.function)!;
    const key = r.operatorId ?? '';
    const op = operators.get(key) ?? operators.set(key, { id: r.operatorId, name: r.operatorName, bucket: emptyBucket() }).get(key)!;
    for (const b of [overall, fn, op.bucket]) {
      add(b, row);
      if (row.score !== null) b.scores[row.score - 1]! += row.surveys;
    }
  }
  return {
    overall: figuresOf(overall),
    byFunction: [...functions.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([fn, b]) => ({ function: fn, ...figuresOf(b) })),
    byOperator: [...operators.values()]
      .sort((a, b) => (a.name ?? '').localeCompare(b.name ?? ''))
      .map((o) => ({ operatorId: o.id, operatorName: o.name, ...figuresOf(o.bucket) })),
  };
}

/** The operators whose calls were ever surveyed (whatever the filter), by name: the page's operator filter. */
export async function surveyedOperators(tx: TenantTx): Promise<{ id: string; name: string }[]> {
  return tx
    .selectFrom('callSatisfaction as s')
    .innerJoin('users as u', 'u.id', 's.operatorId')
    .select(['u.id', 'u.displayName as name'])
    .groupBy(['u.id', 'u.displayName'])
    .orderBy('u.displayName')
    .execute();
}

/** Today's figure for the wallboard: callers of calls that ended since the tenant's midnight who keyed a score, and their mean. */
export async function satisfactionSince(tx: TenantTx, since: Date): Promise<{ scored: number; average: number | null; satisfiedShare: number | null }> {
  const row = await tx
    .selectFrom('callSatisfaction')
    .select([
      sql<string>`count(score)`.as('scored'),
      sql<string | null>`avg(score)`.as('average'),
      sql<string>`count(*) filter (where score >= 4)`.as('satisfied'),
    ])
    .where('callEndedAt', '>=', since)
    .executeTakeFirst();
  const scored = Number(row?.scored ?? 0);
  return {
    scored,
    average: scored && row?.average != null ? Math.round(Number(row.average) * 100) / 100 : null,
    satisfiedShare: share(Number(row?.satisfied ?? 0), scored),
  };
}
