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

/**
 * The open invitation, in any tenant, that a one-time code was issued for (issue 11, finding 7), found
 * by address and the code's SHA-256 for a login with no account yet. Ids only.
 */
export async function invitationForCode(
  db: Kysely<DB>,
  email: string,
  codeHash: string,
  now: Date,
): Promise<{ tenantId: string; id: string } | undefined> {
  return db
    .selectFrom('memberInvitations')
    .select(['tenantId', 'id'])
    .where('email', '=', email)
    .where('codeHash', '=', codeHash)
    .where('expiresAt', '>', now)
    .executeTakeFirst();
}

/** Every open invitation addressed to an email, for its account holder to accept or decline. Ids only. */
export async function openInvitationsFor(db: Kysely<DB>, email: string, now: Date): Promise<{ tenantId: string; id: string }[]> {
  return db
    .selectFrom('memberInvitations')
    .select(['tenantId', 'id'])
    .where('email', '=', email)
    .where('expiresAt', '>', now)
    .orderBy('createdAt')
    .execute();
}

/**
 * Whether a client user belongs to another tenant than the one whose transaction this is, so that
 * removing them from this one leaves their account working there. Runs as the connecting role for this
 * one statement inside the caller's transaction (PGlite has one connection), then puts the role back.
 * Answers a boolean only; callers must not tell it to anyone.
 */
export async function memberElsewhere(tx: Transaction<DB>, userId: string, tenantId: string): Promise<boolean> {
  const { rows } = await sql<{ role: string }>`select current_user as role`.execute(tx);
  await sql`set local role none`.execute(tx);
  const role = sql.id(rows[0]!.role);
  let row: { tenantId: string } | undefined;
  try {
    row = await tx.selectFrom('tenantMembers').select('tenantId').where('userId', '=', userId).where('tenantId', '!=', tenantId).executeTakeFirst();
  } catch (error) {
    // The transaction is aborted and rolls back; the query's own error is the one worth reporting.
    await sql`set local role ${role}`.execute(tx).catch(() => {});
    throw error;
  }
  await sql`set local role ${role}`.execute(tx);
  return !!row;
}

/**
 * Which tenant and function each of these numbers answers for (the provider's Twilio numbers page: a number
 * of the provider's carrier account and the client company it was assigned to). Ids and the function only.
 */
export async function numberAssignments(db: Kysely<DB>, numbers: string[]): Promise<{ number: string; tenantId: string; function: string }[]> {
  if (!numbers.length) return [];
  return db.selectFrom('phoneNumbers').select(['number', 'tenantId', 'function']).where('number', 'in', numbers).execute();
}
