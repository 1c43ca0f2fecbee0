import type { Kysely } from 'kysely';
import { billing, withTenant, type DB, type TenantTx } from '@switchboard/db';
import { billingOf, type BillingProvider } from './provider.ts';
import { startPeriodic } from '../periodic.ts';
import { addMonths, lockBillingPeriods, periodBounds, periodOf } from './rating.ts';
import { computeStatement, type BillingTenant } from './statements.ts';

/**
 * Closing billing periods. Once a month has ended in the tenant's time zone its statement is
 * computed one last time and frozen (`statements` + `statement_lines`), in one tenant transaction;
 * then the billing provider is told, outside any transaction (the `none` provider writes the local
 * invoice, Stripe's finalises through its own flow). Usage that arrives later for a closed month is
 * billed on the open period (rating.ts), so a frozen statement never changes.
 */

export interface BillingCloseDeps {
  db: Kysely<DB>;
  now: () => Date;
  /** Told of each closed period; `none` (a local invoice) when absent. */
  billing?: BillingProvider | undefined;
  onError?: (error: unknown) => void;
}

/** A closed statement whose provider was not told (a failure, a crash) is told again after this long. */
export const NOTIFY_RETRY_AFTER_MS = 5 * 60_000;

export interface PeriodState {
  currentPeriod: string;
  creationPeriod: string;
  lastClosedPeriod: string | null;
  oldestOpenUsagePeriod: string | null;
}

/**
 * The months to close, oldest first: every month after the newest closed one up to the month before
 * the current one. Before a tenant's first close, it starts at its oldest month with usage, or at the
 * previous month if the tenant already existed then (a tenant created this month has nothing to close).
 */
export function periodsToClose(state: PeriodState): string[] {
  const previous = addMonths(state.currentPeriod, -1);
  let first: string | null;
  if (state.lastClosedPeriod) first = addMonths(state.lastClosedPeriod, 1);
  else {
    const starts = [state.oldestOpenUsagePeriod, state.creationPeriod <= previous ? previous : null].filter((p): p is string => !!p);
    first = starts.sort()[0] ?? null;
  }
  const periods: string[] = [];
  for (let p = first; p && p <= previous; p = addMonths(p, 1)) periods.push(p);
  return periods;
}

/** Freezes the tenant's ended, unclosed periods in the transaction; answers the periods this call wrote. */
export async function closeDuePeriods(tx: TenantTx, tenantId: string, now: Date): Promise<string[]> {
  // Waits for ratings in flight to commit, and makes later ones see this close (rating.ts, lockBillingPeriods).
  await lockBillingPeriods(tx, 'exclusive');
  const tenant: BillingTenant = await tx
    .selectFrom('tenants')
    .select(['id', 'slug', 'name', 'timeZone', 'currency', 'createdAt'])
    .where('id', '=', tenantId)
    .executeTakeFirstOrThrow();
  const last = await tx.selectFrom('statements').select((eb) => eb.fn.max('period').as('period')).executeTakeFirst();
  const lastClosedPeriod = last?.period ?? null;
  let oldest = tx.selectFrom('usageEvents').select((eb) => eb.fn.min('billingPeriod').as('period'));
  if (lastClosedPeriod) oldest = oldest.where('billingPeriod', '>', lastClosedPeriod);
  const oldestOpenUsagePeriod = (await oldest.executeTakeFirst())?.period ?? null;
  const periods = periodsToClose({
    currentPeriod: periodOf(now, tenant.timeZone),
    creationPeriod: periodOf(tenant.createdAt, tenant.timeZone),
    lastClosedPeriod,
    oldestOpenUsagePeriod,
  });

  const written: string[] = [];
  for (const period of periods) {
    const { start, end } = periodBounds(period, tenant.timeZone);
    if (end > now) break;
    const statement = await computeStatement(tx, tenant, period);
    // Two processes closing at once: the second waits on the lock above, then finds the statement;
    // the conflict clause keeps it written once even without the lock.
    const inserted = await tx
      .insertInto('statements')
      .values({
        tenantId,
        period,
        currency: tenant.currency,
        periodStart: start,
        periodEnd: end,
        usageMinor: statement.usageMinor,
        totalMinor: statement.totalMinor,
        closedAt: now,
      })
      .onConflict((oc) => oc.columns(['tenantId', 'period']).doNothing())
      .returning('period')
      .executeTakeFirst();
    if (!inserted) continue;
    if (statement.lines.length) {
      await tx
        .insertInto('statementLines')
        .values(
          statement.lines.map((line) => ({
            tenantId,
            period,
            lineNo: line.lineNo,
            kind: line.kind,
            function: line.function,
            metric: line.metric,
            description: line.description,
            quantity: line.quantity,
            unit: line.unit,
            unitAmountMinor: line.unitAmountMinor,
            rounding: line.rounding,
            priceId: line.priceId,
            priceSource: line.priceSource,
            amountMinor: line.amountMinor,
          })),
        )
        .execute();
    }
    written.push(period);
  }
  return written;
}

/**
 * One pass over every tenant that may have a period to close. Each tenant is closed in its own
 * transaction and told to the provider after it commits, oldest period first, until the provider has
 * heard of every closed statement; one tenant's failure does not stop the others.
 */
export async function closePeriodsOnce(deps: BillingCloseDeps, signal?: AbortSignal): Promise<{ tenantId: string; period: string }[]> {
  const now = deps.now();
  const report = deps.onError ?? ((error: unknown) => console.error('Closing billing periods failed:', error));
  const provider = billingOf(deps);
  const closed: { tenantId: string; period: string }[] = [];
  // Only the tenants with work: a month ended and unclosed, or a statement still to tell (one statement, ids only).
  for (const candidate of await billing.closingCandidates(deps.db, now, new Date(now.getTime() - NOTIFY_RETRY_AFTER_MS))) {
    // A pass past its deadline stops between tenants, so it never overlaps the next one for long.
    if (signal?.aborted) break;
    const { tenantId } = candidate;
    let unnotified: string[];
    try {
      unnotified = await withTenant(deps.db, tenantId, async (tx) => {
        const closedNow = periodsToClose(candidate).length ? await closeDuePeriods(tx, tenantId, now) : [];
        for (const period of closedNow) closed.push({ tenantId, period });
        // What this pass closed, and what an earlier pass closed but could not tell (left a while, so a
        // pass running at the same moment as the one that closed it does not tell the provider twice).
        const rows = await tx
          .selectFrom('statements')
          .select('period')
          .where('providerNotifiedAt', 'is', null)
          .where((eb) => eb.or([eb('closedAt', '<', new Date(now.getTime() - NOTIFY_RETRY_AFTER_MS)), ...(closedNow.length ? [eb('period', 'in', closedNow)] : [])]))
          .orderBy('period')
          .execute();
        return rows.map((r) => r.period);
      });
    } catch (error) {
      report(error);
      continue;
    }
    // Outside the transaction (the provider may call Stripe). A failure, or a crash before the mark,
    // leaves the statement unnotified and the next pass tells the provider again: it must be idempotent.
    for (const period of unnotified) {
      try {
        await provider.periodClosed(deps.db, tenantId, period);
        await withTenant(deps.db, tenantId, (tx) =>
          tx.updateTable('statements').set({ providerNotifiedAt: deps.now() }).where('period', '=', period).where('providerNotifiedAt', 'is', null).execute(),
        );
      } catch (error) {
        report(error);
        break;
      }
    }
  }
  return closed;
}

/** Closes periods every minute (and once at start). Passes never overlap; one still running after 5 minutes is given up on. Returns stop. */
export function startBillingClose(deps: BillingCloseDeps & { intervalMs?: number }): () => Promise<void> {
  return startPeriodic({
    name: 'Closing billing periods',
    intervalMs: deps.intervalMs ?? 60_000,
    firstPassAfterMs: 0,
    timeoutMs: 5 * 60_000,
    pass: (signal) => closePeriodsOnce(deps, signal),
    ...(deps.onError ? { onError: deps.onError } : {}),
  });
}
