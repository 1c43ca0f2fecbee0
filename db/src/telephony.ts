import { sql, type Kysely } from 'kysely';
import type { DB, TelephonyAdapterKind } from './schema.ts';

/**
 * The push boundary's reads across tenants (DESIGN.md, tenancy rule 6), by name: the delivery pass
 * (api/src/telephony/delivery.ts) claims the due commands of every tenant, and a polling adapter reads
 * them by sequence number. Like routing.ts they run as the connecting role and answer ids (and the
 * command's place in line) only: a command's payload is read, and its outcome written, under withTenant.
 */

export interface ClaimedCommandRef {
  tenantId: string;
  id: string;
  adapter: TelephonyAdapterKind;
}

/**
 * Leases up to `limit` due commands, oldest first: pending, due, not leased by a live claim, and with no
 * earlier pending command of the same call (or dial) that cannot go now (leased by another claim, or
 * waiting for its retry) — so a call's commands are claimed as an in-order run and delivered one after the
 * other (delivery.ts), and a later one waits while an earlier one is retried. Claims are taken one at a time
 * across processes (a transaction-scoped advisory lock), so two passes never split a call's run. The lease
 * (`claimed_until`) keeps them off the row while they are delivered outside any transaction, and brings
 * them back if this process dies before marking them. `http` commands are claimed only when a push adapter
 * is registered (else they wait to be polled).
 */
export async function claimDueCommands(
  db: Kysely<DB>,
  options: { now: Date; leaseUntil: Date; limit: number; includeHttp: boolean },
): Promise<ClaimedCommandRef[]> {
  return db.transaction().execute(async (tx) => {
    await sql`select pg_advisory_xact_lock(hashtext('switchboard.telephony_commands.claim'))`.execute(tx);
    const { rows } = await sql<ClaimedCommandRef>`
      with due as (
        select c.tenant_id, c.id from telephony_commands c
        where c.status = 'pending' and c.next_attempt_at <= ${options.now}
          and (c.claimed_until is null or c.claimed_until <= ${options.now})
          and (c.adapter = 'twilio' or ${options.includeHttp})
          and not exists (
            select 1 from telephony_commands e
            where e.tenant_id = c.tenant_id and e.status = 'pending' and e.seq < c.seq
              and ((c.call_id is not null and e.call_id = c.call_id) or (c.dial_id is not null and e.dial_id = c.dial_id))
              and (e.next_attempt_at > ${options.now} or (e.claimed_until is not null and e.claimed_until > ${options.now})
                or (e.adapter = 'http' and not ${options.includeHttp})))
        order by c.seq
        limit ${options.limit}
        for update of c skip locked
      )
      update telephony_commands t set claimed_until = ${options.leaseUntil}, attempts = t.attempts + 1
      from due where t.tenant_id = due.tenant_id and t.id = due.id
      returning t.tenant_id as "tenantId", t.id as "id", t.adapter as "adapter"`.execute(tx);
    return rows;
  });
}

/**
 * Gives up on commands still pending past `before` (created then): `failed` when delivery was tried,
 * `expired` when nobody ever took it (no push adapter registered and no poller acknowledged it). A live
 * lease is left to end first. Answers how many.
 */
export async function giveUpOldCommands(db: Kysely<DB>, now: Date, before: Date): Promise<number> {
  const result = await sql`
    update telephony_commands set status = case when attempts > 0 then 'failed' else 'expired' end,
      last_error = coalesce(last_error, 'not delivered in time'), claimed_until = null
    where status = 'pending' and created_at < ${before} and (claimed_until is null or claimed_until <= ${now})
      -- A recording retention or erasure removed must go from the carrier too: retried until it is.
      and kind <> 'delete_recording'`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}

export interface CommandRef {
  tenantId: string;
  id: string;
  seq: string;
}

/** Pending commands for the HTTP boundary after sequence number `after`, in order (GET /api/telephony/commands). */
export async function pendingHttpCommands(db: Kysely<DB>, after: string, limit: number): Promise<CommandRef[]> {
  const { rows } = await sql<CommandRef>`
    select tenant_id as "tenantId", id, seq::text as seq from telephony_commands
    where adapter = 'http' and status = 'pending' and seq > ${after}::bigint
    order by seq limit ${limit}`.execute(db);
  return rows;
}

/** Which tenant a command (by id) belongs to: the adapter acknowledges commands by id alone. */
export async function tenantOfCommand(db: Kysely<DB>, id: string): Promise<string | undefined> {
  const row = await db.selectFrom('telephonyCommands').select('tenantId').where('id', '=', id).executeTakeFirst();
  return row?.tenantId;
}

/** Tenants holding finished commands (delivered, failed, expired) created before `before`: housekeeping deletes them under withTenant. */
export async function tenantsWithFinishedCommandsBefore(db: Kysely<DB>, before: Date, limit: number): Promise<string[]> {
  const rows = await db
    .selectFrom('telephonyCommands')
    .select('tenantId')
    .distinct()
    .where('status', '<>', 'pending')
    .where('createdAt', '<', before)
    .orderBy('tenantId')
    .limit(limit)
    .execute();
  return rows.map((r) => r.tenantId);
}

export interface DeliveryHealth {
  pending: number;
  oldestPendingAt: Date | null;
  failedLastHour: number;
  deliveredLastHour: number;
}

/** Counts for the provider's delivery health view (no tenant content). */
export async function deliveryHealth(db: Kysely<DB>, now: Date): Promise<DeliveryHealth> {
  const { rows } = await sql<{ pending: string; oldest: Date | null; failed: string; delivered: string }>`
    select count(*) filter (where status = 'pending') as pending,
           min(created_at) filter (where status = 'pending') as oldest,
           count(*) filter (where status in ('failed', 'expired') and created_at >= ${now}::timestamptz - interval '1 hour') as failed,
           count(*) filter (where status = 'delivered' and delivered_at >= ${now}::timestamptz - interval '1 hour') as delivered
    from telephony_commands`.execute(db);
  const row = rows[0]!;
  return {
    pending: Number(row.pending),
    oldestPendingAt: row.oldest ? new Date(row.oldest) : null,
    failedLastHour: Number(row.failed),
    deliveredLastHour: Number(row.delivered),
  };
}
