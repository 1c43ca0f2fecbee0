import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from './schema.ts';
import { isUuid } from './ids.ts';
import { InvalidTenantIdError } from './context.ts';

/**
 * The retention job's database access (migration 0021). Like billing.ts it has one named cross-tenant
 * read, answering tenant ids only; everything else runs in `withRetention`, a tenant transaction as
 * the role `switchboard_retention`, which row-level security holds to that one tenant exactly as it
 * holds the app role, and which may rewrite only the personal columns the job anonymises.
 */

export const RETENTION_ROLE = 'switchboard_retention';

/** A transaction that sees one tenant's rows, as the retention role. */
export type RetentionTx = Transaction<DB> & { readonly __scope: 'retention' };

/** One short transaction of the retention job for one tenant; `statementTimeoutMs` bounds each statement. */
export async function withRetention<T>(db: Kysely<DB>, tenantId: string, fn: (tx: RetentionTx) => Promise<T>, options: { statementTimeoutMs?: number } = {}): Promise<T> {
  if (!isUuid(tenantId)) throw new InvalidTenantIdError(tenantId);
  return db.transaction().execute(async (tx) => {
    await sql`set local role switchboard_retention`.execute(tx);
    await sql`select set_config('app.tenant_id', ${tenantId}, true), set_config('app.actor_id', '', true), set_config('statement_timeout', ${String(options.statementTimeoutMs ?? 60_000)}, true)`.execute(tx);
    return fn(tx as RetentionTx);
  });
}

/**
 * The tenants the retention job may have work for at `now`: no run yet on their local day, or a run
 * left unfinished whose lease has run out (its process died or gave up). Each is decided again inside
 * the tenant's own transaction; this only saves visiting every tenant every pass.
 */
export async function retentionCandidates(db: Kysely<DB>, now: Date): Promise<string[]> {
  const { rows } = await sql<{ tenantId: string }>`
    select t.id as tenant_id from tenants t
    where not exists (select 1 from retention_runs r
                      where r.tenant_id = t.id and r.run_on = (${now}::timestamptz at time zone t.time_zone)::date)
       or exists (select 1 from retention_runs r
                  where r.tenant_id = t.id and r.finished_at is null and r.lease_until < ${now}::timestamptz)
    order by t.id`.execute(db);
  return rows.map((r) => r.tenantId);
}
