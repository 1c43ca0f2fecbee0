import { sql, type Kysely } from 'kysely';
import type { DB } from './schema.ts';

/**
 * The cross-tenant reads call routing needs (DESIGN.md, tenancy rule 6), by name. Like cross-tenant.ts
 * they run as the connecting role and answer ids only: which tenant a number or a call belongs to, and
 * which tenants' queues have work due. Everything else routing does happens inside withTenant.
 */

export interface CallRef {
  tenantId: string;
  callId: string;
}

/** The tenant and function a dialled number answers for (a number belongs to one tenant). */
export async function tenantForNumber(db: Kysely<DB>, number: string): Promise<{ tenantId: string; function: string } | undefined> {
  return db
    .selectFrom('phoneNumbers')
    .select(['tenantId', 'function'])
    .where('number', '=', number)
    .orderBy('createdAt')
    .limit(1)
    .executeTakeFirst();
}

/** Every number with its tenant and function: the telephony adapter's dial plan. */
export async function dialPlan(db: Kysely<DB>): Promise<{ number: string; tenantId: string; function: string }[]> {
  return db.selectFrom('phoneNumbers').select(['number', 'tenantId', 'function']).orderBy('number').execute();
}

/** Which tenant a call (our id) belongs to: the adapter addresses calls by id alone. */
export async function tenantOfCall(db: Kysely<DB>, callId: string): Promise<string | undefined> {
  const row = await db.selectFrom('calls').select('tenantId').where('id', '=', callId).executeTakeFirst();
  return row?.tenantId;
}

/** Offers whose time is up, oldest first. */
export async function expiredOffers(db: Kysely<DB>, now: Date): Promise<CallRef[]> {
  return db
    .selectFrom('callQueue')
    .select(['tenantId', 'callId'])
    .where('offeredTo', 'is not', null)
    .where('offerExpiresAt', '<=', now)
    .orderBy('offerExpiresAt')
    .execute();
}

/** A waiting call and the skill it needs (its function, or the specialist skill it was transferred to). */
export interface WaitingCallRef extends CallRef {
  skill: string;
}

/**
 * Calls waiting for an offer that some free operator could serve (assigned to the tenant with the
 * call's function or skill), oldest first: a pass spends no transaction on a queue nobody free serves.
 * Delays and agreements are checked in the tenant's own transaction.
 */
export async function waitingCalls(db: Kysely<DB>, limit = 500): Promise<WaitingCallRef[]> {
  return db
    .selectFrom('callQueue as q')
    .select(['q.tenantId', 'q.callId', sql<string>`coalesce(q.required_skill, q.function)`.as('skill')])
    .where('q.offeredTo', 'is', null)
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('operatorAssignments as a')
          .innerJoin('operatorPresence as p', 'p.operatorId', 'a.operatorId')
          .select(sql`1`.as('one'))
          .whereRef('a.tenantId', '=', 'q.tenantId')
          .where('p.state', '=', 'available')
          .where('p.offerCallId', 'is', null)
          .where(sql<boolean>`coalesce(q.required_skill, q.function) = any(a.skills)`),
      ),
    )
    .orderBy('q.enqueuedAt')
    .orderBy('q.callId')
    .limit(limit)
    .execute();
}

/** Transferred calls nobody answered within the tenant's transfer timeout: they go back to who transferred them. */
export async function transfersDue(db: Kysely<DB>, now: Date): Promise<CallRef[]> {
  return db
    .selectFrom('callQueue as q')
    .leftJoin('callSettings as s', 's.tenantId', 'q.tenantId')
    .select(['q.tenantId', 'q.callId'])
    .where('q.returnTo', 'is not', null)
    .where('q.offeredTo', 'is', null)
    .where(sql<boolean>`q.enqueued_at + make_interval(secs => coalesce(s.transfer_timeout_seconds, 30)) <= ${now}`)
    .orderBy('q.enqueuedAt')
    .execute();
}

/** Operators whose wrap-up outlasted the tenant's wrap-up time (plus the extension they took, if any). */
export async function wrapUpsDue(db: Kysely<DB>, now: Date): Promise<string[]> {
  const rows = await db
    .selectFrom('operatorPresence as p')
    .leftJoin('callSettings as s', 's.tenantId', 'p.callTenantId')
    .select('p.operatorId')
    .where('p.state', '=', 'wrap_up')
    .where(sql<boolean>`p.since + make_interval(secs => coalesce(s.wrap_up_seconds, 60) + p.wrap_up_extended_seconds) <= ${now}`)
    .execute();
  return rows.map((r) => r.operatorId);
}

/** Whether any operator could take an offer now: spares a walk through every tenant's queue when nobody could. */
export async function anyOperatorFree(db: Kysely<DB>): Promise<boolean> {
  const row = await db
    .selectFrom('operatorPresence')
    .select('operatorId')
    .where('state', '=', 'available')
    .where('offerCallId', 'is', null)
    .limit(1)
    .executeTakeFirst();
  return !!row;
}

/** Why a call is closed by the clock: it waited in the queue past the maximum, or nobody heard from its adapter for too long. */
export type CallTimeoutReason = 'max_wait' | 'no_sign_of_life';

export interface TimedOutCallRef extends CallRef {
  reason: CallTimeoutReason;
}

/**
 * Calls the clock closes, in one statement across tenants (issue 13): queued calls waiting, not on
 * offer and not a transfer on its way back, longer than their tenant's maximum queue wait; connected
 * calls (or still on the line in-house) the adapter has said nothing about for longer than the tenant's
 * limit. Ids only, oldest first, by tenant; the tenant's own transaction checks again under lock.
 */
export async function callsPastTimeouts(db: Kysely<DB>, now: Date, limit = 500): Promise<TimedOutCallRef[]> {
  const queued = db
    .selectFrom('callQueue as q')
    .leftJoin('callSettings as s', 's.tenantId', 'q.tenantId')
    .select(['q.tenantId', 'q.callId', sql<CallTimeoutReason>`'max_wait'`.as('reason'), 'q.enqueuedAt as since'])
    .where('q.offeredTo', 'is', null)
    .where('q.returnTo', 'is', null)
    .where(sql<boolean>`q.enqueued_at + make_interval(secs => coalesce(s.max_queue_wait_seconds, 300)) <= ${now}`);
  const silent = db
    .selectFrom('calls as c')
    .leftJoin('callSettings as s', 's.tenantId', 'c.tenantId')
    .select(['c.tenantId', 'c.id as callId', sql<CallTimeoutReason>`'no_sign_of_life'`.as('reason'), sql<Date>`coalesce(c.adapter_seen_at, c.answered_at, c.offered_at)`.as('since')])
    .where('c.endedAt', 'is', null)
    .where('c.status', 'in', ['connected', 'transferred_out'])
    .where(sql<boolean>`coalesce(c.adapter_seen_at, c.answered_at, c.offered_at) + make_interval(mins => coalesce(s.connected_silence_minutes, 240)) <= ${now}`);
  const rows = await db
    .selectFrom(queued.unionAll(silent).as('due'))
    .select(['due.tenantId', 'due.callId', 'due.reason'])
    .orderBy('due.tenantId')
    .orderBy('due.since')
    .limit(limit)
    .execute();
  return rows;
}
