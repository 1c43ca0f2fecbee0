import type { Kysely } from 'kysely';
import { crossTenant, withApp, withTenant, type DB } from '@switchboard/db';
import { operatorAdmitted } from '../routing/eligibility.ts';

/**
 * The client companies an operator serves: their assignments (skills), from the named cross-tenant
 * read, and the companies' own rows, by name. What the desk state, the operator's figures and their
 * recent calls each start from, before reading every company under its own context. A company that
 * does not admit the operator (no current confidentiality agreement where it requires one) is left
 * out: its offers, calls, figures and recent calls are not theirs to see.
 */
export async function servedTenants(db: Kysely<DB>, operatorId: string) {
  const assignments: Awaited<ReturnType<typeof crossTenant.operatorAssignmentsAcrossTenants>> = [];
  for (const assignment of await crossTenant.operatorAssignmentsAcrossTenants(db, [operatorId])) {
    if (await withTenant(db, assignment.tenantId, (tx) => operatorAdmitted(tx, operatorId))) assignments.push(assignment);
  }
  const ids = assignments.map((a) => a.tenantId);
  const tenants = ids.length
    ? await withApp(db, (tx) => tx.selectFrom('tenants').select(['id', 'slug', 'name', 'brandColor', 'timeZone']).where('id', 'in', ids).orderBy('name').execute())
    : [];
  return { assignments, tenants };
}
