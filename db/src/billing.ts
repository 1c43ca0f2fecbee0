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
 * Every tenant whose newest statement is older than the month before its current one — the only
 * tenants that can have a period to close — and every tenant with a closed statement its billing
 * provider has not yet been told of. One row per tenant; each lookup is an index seek.
 */
export async function closingCandidates(db: Kysely<DB>, now: Date): Promise<ClosingCandidate[]> {
  const { rows } = await sql<ClosingCandidate>`
    with t as (
      select id,
             date_trunc('month', ${now}::timestamptz at time zone time_zone)::date as current_period,
             date_trunc('month', created_at at time zone time_zone)::date as creation_period,
             (select max(s.period) from statements s where s.tenant_id = tenants.id) as last_closed_period
      from tenants
    )
    select t.id as tenant_id, t.current_period, t.creation_period, t.last_closed_period,
           (select min(u.billing_period) from usage_events u
             where u.tenant_id = t.id and (t.last_closed_period is null or u.billing_period > t.last_closed_period)) as oldest_open_usage_period
    from t
    where t.last_closed_period is null or t.last_closed_period < (t.current_period - interval '1 month')::date
       or exists (select 1 from statements s where s.tenant_id = t.id and s.provider_notified_at is null)
    order by t.id`.execute(db);
  return rows;
}
