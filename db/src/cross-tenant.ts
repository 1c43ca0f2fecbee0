import type { Kysely } from 'kysely';
import type { DB, UserKind } from './schema.ts';

/**
 * The few reads that must span tenants (DESIGN.md, tenancy rule 6), by name. They run as the
 * connecting role, which bypasses RLS, and nowhere else does: every other tenant read goes through
 * withTenant. Each function answers one narrow question and returns ids, never tenant content.
 */

/** Tenant ids a user may act for: provider admins and supervisors all, operators their assignments, client users their own. */
export async function tenantIdsUserMayActFor(db: Kysely<DB>, user: { id: string; kind: UserKind }): Promise<string[]> {
  switch (user.kind) {
    case 'provider_admin':
    case 'supervisor': {
      const rows = await db.selectFrom('tenants').select('id').orderBy('name').execute();
      return rows.map((r) => r.id);
    }
    case 'operator': {
      const rows = await db.selectFrom('operatorAssignments').select('tenantId').where('operatorId', '=', user.id).execute();
      return rows.map((r) => r.tenantId);
    }
    case 'client_admin':
    case 'client_member': {
      const rows = await db.selectFrom('tenantMembers').select('tenantId').where('userId', '=', user.id).execute();
      return rows.map((r) => r.tenantId);
    }
  }
}

/** Operator assignments across tenants, for the provider's staffing view. */
export async function operatorAssignmentsAcrossTenants(db: Kysely<DB>, operatorIds: string[]) {
  if (!operatorIds.length) return [];
  return db
    .selectFrom('operatorAssignments')
    .select(['tenantId', 'operatorId', 'skills'])
    .where('operatorId', 'in', operatorIds)
    .execute();
}

/** How many operators and client users each tenant has, for the provider's tenant list. */
export async function headcountsPerTenant(db: Kysely<DB>): Promise<Map<string, { operators: number; members: number }>> {
  const operators = await db
    .selectFrom('operatorAssignments')
    .select(['tenantId', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('tenantId')
    .execute();
  const members = await db
    .selectFrom('tenantMembers')
    .select(['tenantId', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('tenantId')
    .execute();
  const counts = new Map<string, { operators: number; members: number }>();
  for (const row of operators) counts.set(row.tenantId, { operators: Number(row.n), members: 0 });
  for (const row of members) {
    const entry = counts.get(row.tenantId) ?? { operators: 0, members: 0 };
    entry.members = Number(row.n);
    counts.set(row.tenantId, entry);
  }
  return counts;
}
