import type { Kysely } from 'kysely';
import { crossTenant, withApp, type DB } from '@switchboard/db';

/**
 * The client companies an operator serves: their assignments (skills), from the named cross-tenant
 * read, and the companies' own rows, by name. What the desk state, the operator's figures and their
 * recent calls each start from, before reading every company under its own context.
 */
export async function servedTenants(db: Kysely<DB>, operatorId: string) {
  const assignments = await crossTenant.operatorAssignmentsAcrossTenants(db, [operatorId]);
  const ids = assignments.map((a) => a.tenantId);
  const tenants = ids.length
    ? await withApp(db, (tx) => tx.selectFrom('tenants').select(['id', 'slug', 'name', 'brandColor', 'timeZone']).where('id', 'in', ids).orderBy('name').execute())
    : [];
  return { assignments, tenants };
}
