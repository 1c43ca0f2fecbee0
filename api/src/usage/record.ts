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
  /** The tenant's time zone and currency when the caller has them (a request does): one statement fewer. */
  tenant?: { timeZone: string; currency: string };
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
  const rating = await rateUsage(tx, { function: input.function, metric: input.metric, quantity, occurredAt }, input.tenant);
  const tenantId = input.tenantId ?? sql<string>`app.current_tenant_id()`;
  const id = newId();
  // The event and, when it is billed, its outbox row in ONE statement: the outbox row only for an event
  // this statement wrote (a second report of the same work writes neither).
  const row = await tx
    .with('u', (db) =>
      db
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
        .returning(['tenantId', 'id']),
    )
    .with('outbox', (db) =>
      db
        .insertInto('billingOutbox')
        .columns(['tenantId', 'id', 'kind', 'eventName', 'value', 'occurredAt', 'nextAttemptAt'])
        .expression(
          db
            .selectFrom('u')
            .select((eb) => [
              'u.tenantId',
              'u.id',
              eb.val('meter_event').as('kind'),
              eb.val(meterEventName(input.function)).as('eventName'),
              eb.val(rating.amountMinor).as('value'),
              eb.val(occurredAt).as('occurredAt'),
              eb.val(occurredAt).as('nextAttemptAt'),
            ])
            .where(sql<boolean>`${rating.amountMinor > 0}`),
        ),
    )
    .selectFrom('u')
    .select((eb) => eb.fn.countAll<string | number>().as('written'))
    .executeTakeFirstOrThrow();
  const written = Number(row.written) > 0;
  return written;
}
