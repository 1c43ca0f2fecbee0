import { idArray } from '../kpis/fold.ts';
import { Temporal } from '@js-temporal/polyfill';
import { sql, type Kysely } from 'kysely';
import { newId, qualitySampleReasons, withApp, withTenant, type DB, type QualitySampleReason, type Tenant, type TenantTx } from '@switchboard/db';
import { startPeriodic } from '../periodic.ts';
import { qualitySettingsRow, type SampleWeights } from './settings.ts';

/**
 * The week's calls to evaluate (docs/quality.md): per operator, N of their finished answered calls of a
 * company week (Monday to Sunday on the company's calendar), drawn at random but weighted towards long
 * calls (handle time in the week's top quartile), transfers, complaints and low satisfaction (a survey
 * score of 1 or 2). Each sample keeps its reason. Idempotent: a call is sampled once (unique per call),
 * and running again only tops each operator up to N. Deterministic for a given seed (tests; by default
 * the seed is the tenant and the week, so a re-run draws the same calls).
 */

/** The reasons a call has, besides random. */
export type CallFlags = Partial<Record<Exclude<QualitySampleReason, 'random'>, boolean>>;

export interface Candidate {
  callId: string;
  operatorId: string;
  flags: CallFlags;
}

export interface SamplePick {
  callId: string;
  operatorId: string;
  reason: QualitySampleReason;
}

/** mulberry32: small, seeded, enough for a draw. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed from text (FNV-1a). */
export function seedOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A call's weight: random, plus the weight of each reason it has. */
export function weightOf(flags: CallFlags, weights: SampleWeights): number {
  let w = weights.random;
  for (const reason of qualitySampleReasons) if (reason !== 'random' && flags[reason]) w += weights[reason];
  return w;
}

/** The reason a picked call is sampled for: the weightiest it has, else random. */
export function reasonOf(flags: CallFlags, weights: SampleWeights): QualitySampleReason {
  let best: QualitySampleReason = 'random';
  let bestWeight = 0;
  for (const reason of qualitySampleReasons) {
    if (reason === 'random' || !flags[reason]) continue;
    if (weights[reason] > bestWeight) {
      best = reason;
      bestWeight = weights[reason];
    }
  }
  return best;
}

/**
 * PURE. Draws up to `wanted[operator]` calls per operator without replacement, each call's chance in
 * proportion to its weight (Efraimidis–Spirakis: key u^(1/w), the largest keys win). A call of weight 0
 * is never drawn. Candidates are sorted by id first, so the same seed gives the same picks whatever the
 * order they were read in.
 */
export function drawSamples(candidates: readonly Candidate[], wanted: ReadonlyMap<string, number>, weights: SampleWeights, seed: number): SamplePick[] {
  const random = seededRandom(seed);
  const byOperator = new Map<string, { c: Candidate; key: number }[]>();
  for (const c of [...candidates].sort((x, y) => (x.callId < y.callId ? -1 : x.callId > y.callId ? 1 : 0))) {
    const u = random();
    const w = weightOf(c.flags, weights);
    if (w <= 0) continue;
    const key = Math.log(Math.max(u, Number.MIN_VALUE)) / w;
    const list = byOperator.get(c.operatorId) ?? [];
    list.push({ c, key });
    byOperator.set(c.operatorId, list);
  }
  const picks: SamplePick[] = [];
  for (const [operatorId, list] of [...byOperator].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const n = wanted.get(operatorId) ?? 0;
    if (n <= 0) continue;
    list.sort((x, y) => y.key - x.key);
    for (const { c } of list.slice(0, n)) picks.push({ callId: c.callId, operatorId, reason: reasonOf(c.flags, weights) });
  }
  return picks;
}

/** The Monday (company calendar) of the week holding `at`. */
export function weekOf(at: Date, timeZone: string): string {
  const date = Temporal.Instant.fromEpochMilliseconds(at.getTime()).toZonedDateTimeISO(timeZone).toPlainDate();
  return date.subtract({ days: date.dayOfWeek - 1 }).toString();
}

/** [start, end) of a company week as UTC instants. */
export function weekBounds(week: string, timeZone: string): { from: Date; to: Date } {
  const monday = Temporal.PlainDate.from(week);
  const at = (d: Temporal.PlainDate) => new Date(d.toZonedDateTime({ timeZone }).epochMilliseconds);
  return { from: at(monday), to: at(monday.add({ days: 7 })) };
}

/** Whether a date string is a Monday (a week as samples name it). */
export function isMonday(week: string): boolean {
  try {
    return Temporal.PlainDate.from(week).dayOfWeek === 1;
  } catch {
    return false;
  }
}

/** The call was transferred when its timeline has a transfer event. */
const transferKinds = ['transfer'];

/** The week's finished answered calls per operator, with what makes each one worth a look. */
export async function sampleCandidates(tx: TenantTx, from: Date, to: Date): Promise<Candidate[]> {
  const calls = await tx
    .selectFrom('calls')
    .select(['id', 'operatorId', 'answeredAt', 'endedAt', 'wrapUpEndedAt'])
    .where('status', 'in', ['completed', 'transferred_out'])
    .where('operatorId', 'is not', null)
    .where('answeredAt', 'is not', null)
    .where('answeredAt', '>=', from)
    .where('answeredAt', '<', to)
    .execute();
  if (!calls.length) return [];
  const ids = calls.map((c) => c.id);
  const [transfers, complaints, unhappy] = await Promise.all([
    // One array parameter, however many calls a week has (a parameter per id stops at 65,535).
    tx.selectFrom('callEvents').select('callId').distinct().where(sql<boolean>`call_id = any(${idArray(ids)})`).where('kind', 'in', transferKinds).execute(),
    tx.selectFrom('complaints').select('callId').distinct().where(sql<boolean>`call_id = any(${idArray(ids)})`).execute(),
    tx.selectFrom('callSatisfaction').select('callId').where(sql<boolean>`call_id = any(${idArray(ids)})`).where('score', '<=', 2).execute(),
  ]);
  const transferred = new Set(transfers.map((r) => r.callId));
  const complained = new Set(complaints.map((r) => r.callId));
  const low = new Set(unhappy.map((r) => r.callId));
  const handle = (c: (typeof calls)[number]) => {
    const end = c.wrapUpEndedAt ?? c.endedAt;
    return end && c.answeredAt ? Math.max(0, new Date(end).getTime() - new Date(c.answeredAt).getTime()) : 0;
  };
  // Long: in the top quartile of the week's handle times (among at least four calls).
  const sorted = calls.map(handle).sort((a, b) => a - b);
  const threshold = sorted.length >= 4 ? sorted[Math.floor(sorted.length * 0.75)]! : Infinity;
  return calls.map((c) => ({
    callId: c.id,
    operatorId: c.operatorId!,
    flags: { long: handle(c) >= threshold && handle(c) > 0, transfer: transferred.has(c.id), complaint: complained.has(c.id), low_satisfaction: low.has(c.id) },
  }));
}

export interface SamplingResult {
  week: string;
  added: number;
}

/**
 * Samples a company week: tops every operator up to the settings' N (samples already taken count, and
 * a call sampled already is never drawn again). Under a transaction advisory lock per tenant, so two
 * passes at once do not both top up.
 */
export async function sampleWeek(tx: TenantTx, tenant: Pick<Tenant, 'id' | 'timeZone'>, week: string, now: Date, seed?: number): Promise<SamplingResult> {
  await sql`select pg_advisory_xact_lock(hashtextextended(${`quality_samples:${tenant.id}`}, 0))`.execute(tx);
  const settings = await qualitySettingsRow(tx);
  const { from, to } = weekBounds(week, tenant.timeZone);
  const candidates = await sampleCandidates(tx, from, to);
  if (!candidates.length || settings.samplesPerOperatorWeek <= 0) return { week, added: 0 };
  const existing = await tx.selectFrom('qualitySamples').select(['callId', 'operatorId', 'week']).where((eb) => eb.or([eb('week', '=', week), sql<boolean>`call_id = any(${idArray(candidates.map((c) => c.callId))})`])).execute();
  const taken = new Set(existing.map((s) => s.callId));
  const counts = new Map<string, number>();
  for (const s of existing) if (String(s.week).slice(0, 10) === week) counts.set(s.operatorId, (counts.get(s.operatorId) ?? 0) + 1);
  const wanted = new Map<string, number>();
  for (const c of candidates) wanted.set(c.operatorId, Math.max(0, settings.samplesPerOperatorWeek - (counts.get(c.operatorId) ?? 0)));
  const picks = drawSamples(
    candidates.filter((c) => !taken.has(c.callId)),
    wanted,
    settings.sampleWeights,
    seed ?? seedOf(`${tenant.id}:${week}`),
  );
  if (!picks.length) return { week, added: 0 };
  const inserted = await tx
    .insertInto('qualitySamples')
    .values(picks.map((p) => ({ tenantId: tenant.id, id: newId(), callId: p.callId, operatorId: p.operatorId, week, reason: p.reason, createdAt: now })))
    .onConflict((oc) => oc.columns(['tenantId', 'callId']).doNothing())
    .returning('id')
    .execute();
  return { week, added: inserted.length };
}

/** Called by the evaluations service when an evaluation of a call is submitted: its sample, if any, is done. */
export async function markSampleEvaluated(tx: TenantTx, callId: string, evaluationId: string): Promise<void> {
  await tx.updateTable('qualitySamples').set({ status: 'evaluated', evaluationId }).where('callId', '=', callId).where('status', '=', 'pending').execute();
}

export interface SamplingDeps {
  db: Kysely<DB>;
  now: () => Date;
  onError?: (error: unknown) => void;
}

/**
 * One pass over every active company: samples the week holding yesterday (on a Monday, the week that
 * just ended, so its Sunday is counted; otherwise the current week so far), topping up what is missing.
 * Stops between companies at its deadline.
 */
export async function runSamplingOnce(deps: SamplingDeps, signal?: AbortSignal): Promise<SamplingResult[]> {
  const report = deps.onError ?? ((error: unknown) => console.error('Quality sampling failed:', error));
  const tenants = await withApp(deps.db, (tx) => tx.selectFrom('tenants').select(['id', 'timeZone']).where('status', '=', 'active').execute());
  const results: SamplingResult[] = [];
  for (const tenant of tenants) {
    if (signal?.aborted) break;
    try {
      const now = deps.now();
      const week = weekOf(new Date(now.getTime() - 86_400_000), tenant.timeZone);
      results.push(await withTenant(deps.db, tenant.id, (tx) => sampleWeek(tx, tenant, week, now)));
    } catch (error) {
      report(error);
    }
  }
  return results;
}

/** Every hour (and a minute after start); a pass still running after 10 minutes is given up on. */
export function startQualitySampling(deps: SamplingDeps & { intervalMs?: number }): () => Promise<void> {
  return startPeriodic({
    name: 'Quality sampling',
    intervalMs: deps.intervalMs ?? 60 * 60_000,
    firstPassAfterMs: 60_000,
    timeoutMs: 10 * 60_000,
    pass: (signal) => runSamplingOnce(deps, signal),
    ...(deps.onError ? { onError: deps.onError } : {}),
  });
}
