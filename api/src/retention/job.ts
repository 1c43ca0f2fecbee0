import { sql, type Kysely } from 'kysely';
import { jsonb, newId, retention, type DB, type TenantTx } from '@switchboard/db';
import { writeAudit } from '../audit/write.ts';
import { startPeriodic } from '../periodic.ts';
import { loadRules } from '../rules/service.ts';
import { countsOf, runBatch, steps, type RetentionCounts, type RetentionPeriod } from './plan.ts';

/**
 * The retention job: once a day per tenant (its local day), whatever number of processes run it,
 * remove the personal data older than the tenant's periods (plan.ts says what, column by column).
 *
 * - Once: the day's run is a row keyed (tenant, day); the process whose insert lands runs it.
 * - Cheap when there is little to remove: the claim, a first batch of every step and the finish are one
 *   transaction, so a day with nothing to remove costs a tenant one transaction (issue 13: idle cost).
 * - Crash midway: every later batch commits with the run's counts and renews the run's lease; a run whose
 *   lease runs out unfinished is taken over (a new owner) by the next pass anywhere, and continues
 *   where the data says it stopped (each step only finds rows still holding something to remove).
 * - Bounded: batches of `batchSize` rows, each its own short transaction with a statement timeout;
 *   a pass stops starting batches at its deadline and hands the run back for the next pass.
 */

export interface RetentionDeps {
  db: Kysely<DB>;
  now: () => Date;
  batchSize?: number;
  /** A pass stops starting batches after this long (the unfinished run is resumed by the next pass). */
  passTimeoutMs?: number;
  onError?: (error: unknown) => void;
}

/** A run whose process stopped renewing this long ago is taken over. */
export const LEASE_MS = 10 * 60_000;
const DEFAULT_BATCH = 500;
const DEFAULT_PASS_TIMEOUT_MS = 4 * 60_000;
const DAY_MS = 24 * 60 * 60_000;

export interface RetentionOutcome {
  tenantId: string;
  runOn: string;
  finished: boolean;
  removed: RetentionCounts;
}

interface Claim {
  runOn: string;
  owner: string;
  cutoffs: Record<RetentionPeriod, Date>;
}

class LostRun extends Error {}

/** Takes over a run left unfinished, or starts today's; null when there is nothing for this process to do. */
async function claimRun(tx: retention.RetentionTx, tenantId: string, now: Date, owner: string): Promise<Claim | null> {
  const leaseUntil = new Date(now.getTime() + LEASE_MS);
  const columns = ['runOn', 'personalDataCutoff', 'recordingCutoff'] as const;
  const stale = await tx
    .selectFrom('retentionRuns')
    .select(['runOn'])
    .where('finishedAt', 'is', null)
    .orderBy('runOn')
    .execute();
  for (const run of stale) {
    // Compare-and-set: of two processes finding the same dead run, one takes it.
    const taken = await tx
      .updateTable('retentionRuns')
      .set((eb) => ({ owner, leaseUntil, attempts: eb('attempts', '+', 1) }))
      .where('runOn', '=', run.runOn)
      .where('finishedAt', 'is', null)
      .where('leaseUntil', '<', now)
      .returning(columns)
      .executeTakeFirst();
    // A live run (another process is on it) means this tenant is being done: leave it alone.
    if (!taken) return null;
    return { runOn: taken.runOn, owner, cutoffs: { personalData: taken.personalDataCutoff, recordings: taken.recordingCutoff } };
  }
  const { timeZone } = await tx.selectFrom('tenants').select('timeZone').where('id', '=', tenantId).executeTakeFirstOrThrow();
  const { rows } = await sql<{ day: string }>`select to_char((${now}::timestamptz at time zone ${timeZone})::date, 'YYYY-MM-DD') as day`.execute(tx);
  const rules = await loadRules(tx as unknown as TenantTx);
  const personalDataCutoff = new Date(now.getTime() - rules.retention.personalDataDays * DAY_MS);
  const recordingCutoff = new Date(now.getTime() - rules.retention.recordingsDays * DAY_MS);
  const inserted = await tx
    .insertInto('retentionRuns')
    .values({
      tenantId,
      runOn: rows[0]!.day,
      startedAt: now,
      leaseUntil,
      owner,
      personalDataDays: rules.retention.personalDataDays,
      recordingDays: rules.retention.recordingsDays,
      personalDataCutoff,
      recordingCutoff,
      removed: jsonb({}),
    })
    .onConflict((oc) => oc.doNothing())
    .returning('runOn')
    .executeTakeFirst();
  if (!inserted) return null;
  return { runOn: inserted.runOn, owner, cutoffs: { personalData: personalDataCutoff, recordings: recordingCutoff } };
}

/** Renews the lease and adds what a batch removed, if this process still owns the run (else LostRun). */
async function holdRun(tx: retention.RetentionTx, claim: Claim, now: Date, kind?: string, n = 0): Promise<void> {
  const removed = kind && n ? sql`jsonb_set(removed, array[${kind}]::text[], to_jsonb(coalesce((removed ->> ${kind})::int, 0) + ${n}::int))` : sql`removed`;
  const held = await tx
    .updateTable('retentionRuns')
    .set({ leaseUntil: new Date(now.getTime() + LEASE_MS), removed: removed as never })
    .where('runOn', '=', claim.runOn)
    .where('owner', '=', claim.owner)
    .where('finishedAt', 'is', null)
    .returning('runOn')
    .executeTakeFirst();
  if (!held) throw new LostRun();
}

/** Marks the run finished and writes its audit row, if this process still owns it (else LostRun); the counts removed. */
async function finishRun(tx: retention.RetentionTx, tenantId: string, claim: Claim, now: Date): Promise<RetentionCounts> {
  const run = await tx
    .updateTable('retentionRuns')
    .set({ finishedAt: now })
    .where('runOn', '=', claim.runOn)
    .where('owner', '=', claim.owner)
    .where('finishedAt', 'is', null)
    .returning(['removed', 'personalDataDays', 'recordingDays', 'personalDataCutoff', 'recordingCutoff'])
    .executeTakeFirst();
  if (!run) throw new LostRun();
  const counts = countsOf(run.removed);
  // Counts, periods and cutoffs only: the audit trail never becomes a copy of what was removed.
  await writeAudit(tx as unknown as TenantTx, tenantId, null, {
    action: 'retention.completed',
    targetType: 'retention_run',
    targetId: claim.runOn,
    after: {
      removed: counts,
      personalDataDays: run.personalDataDays,
      recordingDays: run.recordingDays,
      personalDataCutoff: run.personalDataCutoff.toISOString(),
      recordingCutoff: run.recordingCutoff.toISOString(),
    },
  });
  return counts;
}

/**
 * One tenant's due run, batch by batch until done or the deadline; null when there was none for this
 * process. The usual day (little or nothing to remove) is one transaction: the claim, one batch per
 * step and the finish. Only when a step fills its batch is what was done committed, and that step and
 * the ones after it go on batch by batch, each batch its own transaction, in the same order.
 */
export async function runTenantRetention(deps: RetentionDeps, tenantId: string, deadline: number): Promise<RetentionOutcome | null> {
  const { db } = deps;
  const batchSize = deps.batchSize ?? DEFAULT_BATCH;
  const first = await retention.withRetention(db, tenantId, async (tx) => {
    // In one transaction with the claim, so this process owns the run throughout (holdRun cannot lose it).
    const startedAt = deps.now();
    const claim = await claimRun(tx, tenantId, startedAt, newId());
    if (!claim) return null;
    for (const [index, step] of steps.entries()) {
      const n = await runBatch(tx, step, claim.cutoffs[step.period], batchSize, startedAt);
      if (n) await holdRun(tx, claim, deps.now(), step.counted ? step.kind : undefined, n);
      // More to do in this step: commit what is done, go on batch by batch from here.
      if (n >= batchSize) return { claim, resumeAt: index, removed: null };
    }
    return { claim, resumeAt: steps.length, removed: await finishRun(tx, tenantId, claim, deps.now()) };
  });
  if (!first) return null;
  const { claim } = first;
  if (first.removed) return { tenantId, runOn: claim.runOn, finished: true, removed: first.removed };
  try {
    for (const step of steps.slice(first.resumeAt)) {
      for (;;) {
        if (Date.now() > deadline) {
          // Handed back at once, so the next pass (here or anywhere) resumes it without waiting for the lease.
          await retention.withRetention(db, tenantId, (tx) =>
            tx.updateTable('retentionRuns').set({ leaseUntil: deps.now() }).where('runOn', '=', claim.runOn).where('owner', '=', claim.owner).execute(),
          );
          return { tenantId, runOn: claim.runOn, finished: false, removed: await countsSoFar(db, tenantId, claim.runOn) };
        }
        const n = await retention.withRetention(db, tenantId, async (tx) => {
          const at = deps.now();
          const changed = await runBatch(tx, step, claim.cutoffs[step.period], batchSize, at);
          await holdRun(tx, claim, at, step.counted ? step.kind : undefined, changed);
          return changed;
        });
        if (n < batchSize) break;
      }
    }
    const removed = await retention.withRetention(db, tenantId, (tx) => finishRun(tx, tenantId, claim, deps.now()));
    return { tenantId, runOn: claim.runOn, finished: true, removed };
  } catch (error) {
    // Another process took the run over (this one was too slow to renew): it finishes it.
    if (error instanceof LostRun) return null;
    throw error;
  }
}

async function countsSoFar(db: Kysely<DB>, tenantId: string, runOn: string): Promise<RetentionCounts> {
  const row = await retention.withRetention(db, tenantId, (tx) => tx.selectFrom('retentionRuns').select('removed').where('runOn', '=', runOn).executeTakeFirst());
  return countsOf(row?.removed);
}

/** One pass over every tenant that may have a run due; one tenant's failure does not stop the others. */
export async function runRetentionOnce(deps: RetentionDeps): Promise<RetentionOutcome[]> {
  const report = deps.onError ?? ((error: unknown) => console.error('Retention failed:', error));
  const deadline = Date.now() + (deps.passTimeoutMs ?? DEFAULT_PASS_TIMEOUT_MS);
  const outcomes: RetentionOutcome[] = [];
  for (const tenantId of await retention.retentionCandidates(deps.db, deps.now())) {
    if (Date.now() > deadline) break;
    try {
      const outcome = await runTenantRetention(deps, tenantId, deadline);
      if (outcome) outcomes.push(outcome);
    } catch (error) {
      report(error);
    }
  }
  return outcomes;
}

/**
 * Runs a pass every `intervalMs` (15 minutes: a company's day is done soon after its midnight) and once
 * at start, never two at once; a pass not ended a minute after its own deadline is given up on.
 */
export function startRetention(deps: RetentionDeps & { intervalMs?: number }): () => Promise<void> {
  return startPeriodic({
    name: 'Retention',
    intervalMs: deps.intervalMs ?? 15 * 60_000,
    firstPassAfterMs: 0,
    timeoutMs: (deps.passTimeoutMs ?? DEFAULT_PASS_TIMEOUT_MS) + 60_000,
    pass: () => runRetentionOnce(deps),
    ...(deps.onError ? { onError: deps.onError } : {}),
  });
}
