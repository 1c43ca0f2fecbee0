import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.ts';

/**
 * The cross-tenant read the billing close needs (DESIGN.md, tenancy rule 6), by name. Like
 * cross-tenant.ts it runs as the connecting role and answers ids and periods only: which tenants may
 * have a month to close. The statement itself is computed and written inside the tenant's own
 * transaction (api/src/billing/close.ts), which decides again under row-level security.
 */

export interface ClosingCandidate {
  tenantId: string;
  /** The tenant's current month in its time zone at `now`, `YYYY-MM-01`. */
  currentPeriod: string;
  /** The month the tenant was created in, in its time zone, `YYYY-MM-01`. */
  creationPeriod: string;
  /** The newest closed period, or null before the first close. */
  lastClosedPeriod: string | null;
  /** The oldest month after the newest closed one that has usage, or null. */
  oldestOpenUsagePeriod: string | null;
}

/**
 * The tenants with billing-close work at `now`, and only those: a month that has ended in the tenant's
 * own time zone and is not closed yet — after its newest closed month, or, before its first close, its
 * oldest month with usage or the month before the current one if the tenant existed then — or a closed
 * statement its billing provider has not been told of, closed before `notifyRetryBefore` (a pass tells
 * what it closes itself; older ones are retried). One set-based statement, each lookup an index seek:
 * an idle pass with any number of tenants opens no tenant transaction. Oldest work first.
 */
export async function closingCandidates(db: Kysely<DB>, now: Date, notifyRetryBefore: Date = now): Promise<ClosingCandidate[]> {
  const { rows } = await sql<ClosingCandidate>`
    with t as (
      select id,
             date_trunc('month', ${now}::timestamptz at time zone time_zone)::date as current_period,
             date_trunc('month', created_at at time zone time_zone)::date as creation_period,
             (select max(s.period) from statements s where s.tenant_id = tenants.id) as last_closed_period
      from tenants
    ), o as (
      select t.*, (t.current_period - interval '1 month')::date as previous_period,
             (select min(u.billing_period) from usage_events u
               where u.tenant_id = t.id and (t.last_closed_period is null or u.billing_period > t.last_closed_period)) as oldest_open_usage_period
      from t
    )
    select o.id as tenant_id, o.current_period, o.creation_period, o.last_closed_period, o.oldest_open_usage_period
    from o
    where (o.last_closed_period is not null and o.last_closed_period < o.previous_period)
       or (o.last_closed_period is null and (o.creation_period <= o.previous_period or o.oldest_open_usage_period <= o.previous_period))
       or exists (select 1 from statements s
                  where s.tenant_id = o.id and s.provider_notified_at is null and s.closed_at < ${notifyRetryBefore}::timestamptz)
    order by o.id`.execute(db);
  return rows;
}
