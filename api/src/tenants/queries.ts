import type { Kysely } from 'kysely';
import { crossTenant, withApp, type DB } from '@switchboard/db';
import { tenantToJson } from './schemas.ts';

/** The provider's tenant list with head counts (the counts come from a named cross-tenant read). */
export async function listTenantSummaries(db: Kysely<DB>) {
  const tenants = await withApp(db, (tx) => tx.selectFrom('tenants').selectAll().orderBy('name').execute());
  const counts = await crossTenant.headcountsPerTenant(db);
  return tenants.map((t) => ({
    ...tenantToJson(t),
    operatorCount: counts.get(t.id)?.operators ?? 0,
    memberCount: counts.get(t.id)?.members ?? 0,
  }));
}
