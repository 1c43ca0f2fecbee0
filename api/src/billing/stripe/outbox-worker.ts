import Stripe from 'stripe';
import { billingOutbox, withTenant } from '@switchboard/db';
import { periodOf } from '../rating.ts';
import { describeStripeError } from './client.ts';
import { anchorHourUtc, meterEventTime } from './cycle.ts';
import type { StripeDeps } from './deps.ts';
import { ensureSubscription } from './subscription.ts';
import { startPeriodic, type StopPeriodic } from '../../periodic.ts';

export interface OutboxDeps extends StripeDeps {
  /** Rows leased per pass. */
  batchSize?: number;
  /** How long a leased row stays ours; past it, another worker may take it (we died, or hung). */
  leaseMs?: number;
  /** Tenant → the UTC day its subscription was last brought up to date by this process. */
  reconciled?: Map<string, string>;
}

export interface OutboxReport {
  claimed: number;
  sent: number;
  /** Timestamped inside a Stripe cycle that has not started yet: put back until Stripe accepts it. */
  deferred: number;
  failed: number;
}

const BASE_DELAY_MS = 5_000;
const MAX_DELAY_MS = 10 * 60_000;

/** Wait before the next attempt after `attempts` failures: 5 s, 10 s, 20 s … up to 10 minutes. */
export function retryDelayMs(attempts: number): number {
  return Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, attempts - 1));
}

/** Stripe's answer to an identifier it already has: the event was sent before (we died before marking it). */
function alreadyRecorded(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_already_exists';
}

/**
 * One pass of the outbox: lease the due rows across tenants (a named cross-tenant function, ids only),
 * then per tenant make sure it has a customer and a subscription, and per row send its meter event —
 * outside any transaction — and mark it sent. The meter event's `identifier` is the row id (and the
 * request's idempotency key is derived from it), so sending a row again after a crash between the
 * send and the mark is harmless: Stripe keeps one event. A failure leaves the row unsent with its
 * error and an exponentially later next attempt.
 */
export async function runOutboxOnce(deps: OutboxDeps): Promise<OutboxReport> {
  const now = deps.now();
  const claimed = await billingOutbox.claimDueOutboxRows(deps.db, {
    now,
    leaseUntil: new Date(now.getTime() + (deps.leaseMs ?? 60_000)),
    limit: deps.batchSize ?? 100,
  });
  const report: OutboxReport = { claimed: claimed.length, sent: 0, deferred: 0, failed: 0 };
  const byTenant = new Map<string, string[]>();
  for (const row of claimed) byTenant.set(row.tenantId, [...(byTenant.get(row.tenantId) ?? []), row.id]);

  for (const [tenantId, ids] of byTenant) {
    let customerId: string;
    try {
      const today = now.toISOString().slice(0, 10);
      const reconcile = deps.reconciled?.get(tenantId) !== today;
      ({ customerId } = await ensureSubscription(deps, tenantId, { reconcile }));
      deps.reconciled?.set(tenantId, today);
    } catch (error) {
      for (const id of ids) await markFailed(deps, tenantId, id, error);
      report.failed += ids.length;
      continue;
    }
    for (const id of ids) report[await sendRow(deps, tenantId, id, customerId)]++;
  }
  return report;
}

async function sendRow(deps: OutboxDeps, tenantId: string, id: string, customerId: string): Promise<'sent' | 'deferred' | 'failed'> {
  const row = await withTenant(deps.db, tenantId, async (tx) => {
    const outbox = await tx
      .selectFrom('billingOutbox')
      .leftJoin('usageEvents', 'usageEvents.id', 'billingOutbox.id')
      .select(['billingOutbox.eventName', 'billingOutbox.value', 'billingOutbox.occurredAt', 'billingOutbox.sentAt', 'usageEvents.billingPeriod'])
      .where('billingOutbox.id', '=', id)
      .executeTakeFirst();
    const tenant = await tx.selectFrom('tenants').select('timeZone').where('id', '=', tenantId).executeTakeFirstOrThrow();
    return outbox && { ...outbox, timeZone: tenant.timeZone };
  });
  // Sent meanwhile by a worker whose lease we outlived: nothing to do.
  if (!row || row.sentAt) return 'sent';
  const period = row.billingPeriod ?? periodOf(row.occurredAt, row.timeZone);
  const { timestamp, sendableAt } = meterEventTime(row.occurredAt, period, anchorHourUtc(row.timeZone));
  if (sendableAt > deps.now()) {
    await withTenant(deps.db, tenantId, (tx) =>
      tx.updateTable('billingOutbox').set({ nextAttemptAt: sendableAt }).where('id', '=', id).where('sentAt', 'is', null).execute(),
    );
    return 'deferred';
  }
  try {
    await deps.stripe.billing.meterEvents.create(
      {
        event_name: row.eventName,
        identifier: id,
        timestamp: Math.floor(timestamp.getTime() / 1000),
        payload: { stripe_customer_id: customerId, value: String(Number(row.value)) },
      },
      { idempotencyKey: `switchboard-meter-event-${id}` },
    );
  } catch (error) {
    if (!alreadyRecorded(error)) {
      await markFailed(deps, tenantId, id, error);
      return 'failed';
    }
  }
  await withTenant(deps.db, tenantId, (tx) =>
    tx.updateTable('billingOutbox').set({ sentAt: deps.now(), lastError: null }).where('id', '=', id).where('sentAt', 'is', null).execute(),
  );
  return 'sent';
}

async function markFailed(deps: OutboxDeps, tenantId: string, id: string, error: unknown): Promise<void> {
  await withTenant(deps.db, tenantId, async (tx) => {
    const row = await tx.selectFrom('billingOutbox').select('attempts').where('id', '=', id).where('sentAt', 'is', null).executeTakeFirst();
    if (!row) return;
    const attempts = row.attempts + 1;
    await tx
      .updateTable('billingOutbox')
      .set({ attempts, lastError: describeStripeError(error), nextAttemptAt: new Date(deps.now().getTime() + retryDelayMs(attempts)) })
      .where('id', '=', id)
      .execute();
  });
}

/**
 * Runs the outbox every few seconds in this process (several processes may each run one: rows are
 * leased). Passes never overlap, each within 2 minutes (then the next one runs: a lease held by a lost
 * pass expires); a full batch is followed by another at once. Returns stop, which waits for a running
 * pass at most its grace. An idle pass is one statement: the claim finds nothing.
 */
export function startOutboxWorker(deps: OutboxDeps & { intervalMs?: number; timeoutMs?: number; onError?: (error: unknown) => void }): StopPeriodic {
  const reconciled = deps.reconciled ?? new Map<string, string>();
  const batchSize = deps.batchSize ?? 100;
  return startPeriodic({
    name: 'Billing outbox pass',
    intervalMs: deps.intervalMs ?? 5_000,
    firstPassAfterMs: 0,
    timeoutMs: deps.timeoutMs ?? 2 * 60_000,
    onError: deps.onError,
    pass: async (signal) => {
      let report: OutboxReport;
      do report = await runOutboxOnce({ ...deps, reconciled, batchSize });
      while (!signal.aborted && report.claimed === batchSize);
    },
  });
}
