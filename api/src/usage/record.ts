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
  // this statement wrote (a second report of the same work writes neither). Written as SQL: the query
  // builder's CTEs cost more of Node's CPU per order than the database's work (pnpm bench:api).
  const { rows } = await sql<{ written: string | number }>`
    with u as (
      insert into usage_events (tenant_id, id, occurred_at, function, metric, quantity, source_type, source_id,
        billed_quantity, amount_minor, price_id, price_source, unit_amount_minor, rounding, currency, billing_period)
      values (${tenantId}, ${id}, ${occurredAt}, ${input.function}, ${input.metric}, ${quantity}, ${input.sourceType}, ${input.sourceId},
        ${rating.billedQuantity}, ${rating.amountMinor}, ${rating.priceId}, ${rating.priceSource}, ${rating.unitAmountMinor}, ${rating.rounding},
        ${rating.currency}, ${rating.billingPeriod})
      on conflict (tenant_id, metric, source_type, source_id) do nothing
      returning tenant_id, id),
    outbox as (
      insert into billing_outbox (tenant_id, id, kind, event_name, value, occurred_at, next_attempt_at)
      select u.tenant_id, u.id, 'meter_event', ${meterEventName(input.function)}, ${rating.amountMinor}, ${occurredAt}, ${occurredAt} from u
      where ${rating.amountMinor > 0})
    select count(*) as written from u`.execute(tx);
  const row = rows[0]!;
  const written = Number(row.written) > 0;
  return written;
}
