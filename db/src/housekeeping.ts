import type { Kysely } from 'kysely';
import type { DB } from './schema.ts';

/**
 * Housekeeping's one read across tenants (DESIGN.md, tenancy rule 6): which tenants hold idempotency
 * keys older than `before`. Like cross-tenant.ts it runs as the connecting role and answers tenant ids
 * only; the keys are deleted under withTenant.
 */
export async function tenantsWithIdempotencyKeysBefore(db: Kysely<DB>, before: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('idempotencyKeys')
    .select('tenantId')
    .distinct()
    .where('createdAt', '<', before)
    .orderBy('tenantId')
    .limit(limit)
    .execute();
  return rows.map((r) => r.tenantId);
}

/** Which tenants hold keypad-menu visits begun before `before` (purged after 400 days, api/src/ivr/visits.ts). Tenant ids only. */
export async function tenantsWithMenuVisitsBefore(db: Kysely<DB>, before: Date, limit: number): Promise<string[]> {
  const rows = await db.selectFrom('menuVisits').select('tenantId').distinct().where('startedAt', '<', before).orderBy('tenantId').limit(limit).execute();
  return rows.map((r) => r.tenantId);
}
