import { sql } from 'kysely';
import type { TenantTx, UsageMetric } from '@switchboard/db';
import { newId } from '@switchboard/db';

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
 * Writes a usage event in the caller's transaction, so it commits with the work it counts. A second
 * report of the same work (a retried request, an `ended` sent twice) hits the unique key and is
 * dropped: billing never counts it twice. Returns whether this call wrote the row.
 */
export async function recordUsage(tx: TenantTx, input: UsageInput): Promise<boolean> {
  const result = await tx
    .insertInto('usageEvents')
    .values({
      tenantId: input.tenantId ?? sql<string>`app.current_tenant_id()`,
      id: newId(),
      occurredAt: input.occurredAt,
      function: input.function,
      metric: input.metric,
      quantity: Math.max(0, Math.round(input.quantity)),
      sourceType: input.sourceType,
      sourceId: input.sourceId,
    })
    .onConflict((oc) => oc.columns(['tenantId', 'metric', 'sourceType', 'sourceId']).doNothing())
    .executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
}
