import { sql, type Kysely, type Transaction } from 'kysely';
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

/**
 * Which tenant a phone number already answers for, if any (a number belongs to one tenant only), for
 * adding a number to a tenant. It runs inside the caller's tenant transaction — PGlite has one
 * connection, so a second one would wait for this transaction forever — as the connecting role for
 * this one statement, and puts the caller's role back before it returns. A transaction-scoped
 * advisory lock on the number makes two tenants adding the same number at once take turns, so the
 * second sees the first's row. Answers a tenant id only; callers must not tell it to anyone.
 */
export async function tenantOwningNumber(tx: Transaction<DB>, number: string): Promise<string | null> {
  await sql`select pg_advisory_xact_lock(hashtext(${`phone_numbers:${number}`}))`.execute(tx);
  const { rows } = await sql<{ role: string }>`select current_user as role`.execute(tx);
  const role = rows[0]!.role;
  await sql`set local role none`.execute(tx);
  let row: { tenantId: string } | undefined;
  try {
    row = await tx.selectFrom('phoneNumbers').select('tenantId').where('number', '=', number).executeTakeFirst();
  } catch (error) {
    // The transaction is aborted and will roll back; the query's own error is the one worth reporting.
    await sql`set local role ${sql.id(role)}`.execute(tx).catch(() => {});
    throw error;
  }
  await sql`set local role ${sql.id(role)}`.execute(tx);
  return row?.tenantId ?? null;
}
