import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.ts';

/**
 * The KPI fold's reads across tenants (DESIGN.md, tenancy rule 6; api/src/kpis/fold.ts). Like cross-tenant.ts
 * they run as the connecting role and answer ids or a yes/no only; the calls are folded under withTenant.
 */

/**
 * A call is folded once it is final — completed, abandoned, overflowed, after hours, or transferred out with
 * the line ended (an in-house transfer can come back) — and nobody is still on it or wrapping it up (their
 * wrap-up is part of its figures). On `calls as c`.
 */
export const foldableCall = sql<boolean>`(c.status in ('completed', 'abandoned', 'overflowed', 'after_hours') or (c.status = 'transferred_out' and c.ended_at is not null))
  and not exists (select 1 from operator_presence p where p.call_id = c.id and p.state in ('on_call', 'wrap_up'))`;

/** Tenants with a finished call not yet folded into the interval statistics. */
export async function tenantsWithUnfoldedCalls(db: Kysely<DB>, limit = 1000): Promise<string[]> {
  const { rows } = await sql<{ tenantId: string }>`
    select distinct c.tenant_id as "tenantId" from calls c
     where c.stats_folded_at is null and ${foldableCall}
     order by 1 limit ${limit}`.execute(db);
  return rows.map((r) => r.tenantId);
}

/** Whether a closed state-log row waits to be folded into operator_state_intervals. */
export async function hasUnfoldedStates(db: Kysely<DB>): Promise<boolean> {
  const { rows } = await sql<{ due: boolean }>`
    select exists (select 1 from operator_state_log where ended_at is not null and stats_folded_at is null) as due`.execute(db);
  return !!rows[0]?.due;
}
