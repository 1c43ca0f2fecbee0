import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.ts';

/**
 * The Stripe side of billing needs two reads across tenants (DESIGN.md, tenancy rule 6): which outbox
 * rows are due, whoever they belong to, and which tenant a Stripe customer is. Like cross-tenant.ts,
 * they run as the connecting role and answer ids only; the rows themselves are read and changed
 * under withTenant.
 */

export interface ClaimedOutboxRow {
  tenantId: string;
  id: string;
}

/**
 * Leases up to `limit` unsent outbox rows that are due, oldest first, across tenants: each is locked
 * (FOR UPDATE SKIP LOCKED, so workers in other processes take other rows) and its next attempt pushed
 * to `leaseUntil`, so no other worker takes it meanwhile — and if this one dies before marking it,
 * the row comes due again when the lease runs out.
 */
export async function claimDueOutboxRows(
  db: Kysely<DB>,
  options: { now: Date; leaseUntil: Date; limit: number },
): Promise<ClaimedOutboxRow[]> {
  return db.transaction().execute(async (tx) => {
    const { rows } = await sql<ClaimedOutboxRow>`
      with due as (
        select tenant_id, id from billing_outbox
        where sent_at is null and next_attempt_at <= ${options.now}
        order by next_attempt_at
        limit ${options.limit}
        for update skip locked
      )
      update billing_outbox o set next_attempt_at = ${options.leaseUntil}
      from due where o.tenant_id = due.tenant_id and o.id = due.id
      returning o.tenant_id as "tenantId", o.id as "id"`.execute(tx);
    return rows;
  });
}

/** The tenant whose billing account holds this Stripe customer, if any. An id only: callers re-read under withTenant. */
export async function tenantOwningStripeCustomer(db: Kysely<DB>, customerId: string): Promise<string | null> {
  const row = await db
    .selectFrom('billingAccounts')
    .select('tenantId')
    .where('stripeCustomerId', '=', customerId)
    .limit(1)
    .executeTakeFirst();
  return row?.tenantId ?? null;
}
