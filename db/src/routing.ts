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

/**
 * The tenant and function a dialled number answers for (a number belongs to one tenant), and whether an
 * enabled keypad menu plays on it (a yes or no, so a number without one is routed without a second look).
 */
export async function tenantForNumber(db: Kysely<DB>, number: string): Promise<{ tenantId: string; function: string; hasMenu: boolean } | undefined> {
  const row = await db
    .selectFrom('phoneNumbers as p')
    .select(['p.tenantId', 'p.function'])
    .select((eb) =>
      eb
        .exists(eb.selectFrom('ivrMenus as m').select('m.number').whereRef('m.tenantId', '=', 'p.tenantId').whereRef('m.number', '=', 'p.number').where('m.enabled', '=', true))
        .as('hasMenu'),
    )
    .where('p.number', '=', number)
    .orderBy('p.createdAt')
    .limit(1)
    .executeTakeFirst();
  return row && { tenantId: row.tenantId, function: row.function, hasMenu: !!row.hasMenu };
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

/** One operator who may be offered one waiting call now, with what ranks them for it. */
export interface OfferCandidate extends WaitingCallRef {
  operatorId: string;
  /** The assignment's priority for the skill (1 first). */
  priority: number;
  /** Since when the operator is available (longest idle first). */
  idleSince: Date;
  /** The operator let this call pass in the current round. */
  declined: boolean;
}

/**
 * Every (waiting call × operator who may take it now) pair, in one statement: the call is waiting for an
 * offer; the operator is available with no offer pending, assigned to the call's tenant with its function
 * or skill, has an active account, is past their routing delay for the skill, and has signed the
 * confidentiality agreement where the tenant's rules require one (eligibility.ts says the same in the
 * tenant's own transaction). Ordered oldest call first, then by priority and longest idle, so a routing
 * pass matches calls to operators in memory and claims the pairs per tenant. Ids and ranks only.
 */
export async function offerCandidates(db: Kysely<DB>, now: Date, callLimit = 200): Promise<OfferCandidate[]> {
  const result = await sql<{
    tenantId: string;
    callId: string;
    skill: string;
    operatorId: string;
    priority: number;
    idleSince: Date | string;
    declined: boolean;
  }>`
    with waiting as (
      select q.tenant_id, q.call_id, coalesce(q.required_skill, q.function) as skill, q.enqueued_at, q.declined_by
      from call_queue q
      where q.offered_to is null
        and exists (
          select 1 from operator_assignments a join operator_presence p on p.operator_id = a.operator_id
          where a.tenant_id = q.tenant_id and p.state = 'available' and p.offer_call_id is null
            and coalesce(q.required_skill, q.function) = any(a.skills))
      order by q.enqueued_at, q.call_id
      limit ${callLimit}
    ), pairs as (
      select w.tenant_id, w.call_id, w.skill, w.enqueued_at, a.operator_id,
             coalesce((a.routing -> w.skill ->> 'priority')::int, 1) as priority,
             p.since as idle_since,
             a.operator_id = any(w.declined_by) as declined
      from waiting w
      join operator_assignments a on a.tenant_id = w.tenant_id and w.skill = any(a.skills)
      join users u on u.id = a.operator_id and u.status = 'active'
      join operator_presence p on p.operator_id = a.operator_id and p.state = 'available' and p.offer_call_id is null
      left join confidentiality_rules r on r.tenant_id = w.tenant_id
      where (a.confidentiality_agreement_signed_at is not null or not coalesce(r.requires_confidentiality_agreement, false))
        and w.enqueued_at + make_interval(secs => coalesce((a.routing -> w.skill ->> 'delaySeconds')::float8, 0)) <= ${now}
    )
    select tenant_id, call_id, skill, operator_id, priority, idle_since, declined
    from pairs
    order by enqueued_at, call_id, priority, idle_since, operator_id`.execute(db);
  return result.rows.map((r) => ({ ...r, priority: Number(r.priority), idleSince: new Date(r.idleSince) }));
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
