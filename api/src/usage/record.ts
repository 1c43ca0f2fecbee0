import { sql } from 'kysely';
import type { TenantTx, UsageMetric } from '@switchboard/db';
import { newId } from '@switchboard/db';
import { meterEventName, rateUsage } from '../billing/rating.ts';

export interface UsageInput {
  /** Defaults to the transaction's tenant (row-level security refuses any other anyway). */
  tenantId?: string;
  function: string;
  metric: UsageMetric;
  quantity: number;
  /** What was done (`call`, `order`, `complaint`…) and its id: (metric, source) is counted once. */
  sourceType: string;
  sourceId: string;
  occurredAt: Date | string;
}

/**
 * Writes a usage event in the caller's transaction, so it commits with the work it counts, rated at
 * the price of its day (api/src/billing/rating.ts). A second report of the same work (a retried
 * request, an `ended` sent twice) hits the unique key and is dropped: billing never counts it twice.
 * A billed event also gets its outbox row in the same transaction, so Stripe (when used) hears of it
 * exactly when the work commits. Returns whether this call wrote the row.
 */
export async function recordUsage(tx: TenantTx, input: UsageInput): Promise<boolean> {
  const occurredAt = new Date(input.occurredAt);
  const quantity = Math.max(0, Math.round(input.quantity));
  const rating = await rateUsage(tx, { function: input.function, metric: input.metric, quantity, occurredAt });
  const tenantId = input.tenantId ?? sql<string>`app.current_tenant_id()`;
  const id = newId();
  const result = await tx
    .insertInto('usageEvents')
    .values({
      tenantId,
      id,
      occurredAt,
      function: input.function,
      metric: input.metric,
      quantity,
      sourceType: input.sourceType,
      sourceId: input.sourceId,
      ...rating,
    })
    .onConflict((oc) => oc.columns(['tenantId', 'metric', 'sourceType', 'sourceId']).doNothing())
    .executeTakeFirst();
  const written = Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  if (written && rating.amountMinor > 0) {
    await tx
      .insertInto('billingOutbox')
      .values({ tenantId, id, kind: 'meter_event', eventName: meterEventName(input.function), value: rating.amountMinor, occurredAt, nextAttemptAt: occurredAt })
      .execute();
  }
  return written;
}
