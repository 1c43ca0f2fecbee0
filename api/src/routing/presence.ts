import { sql, type Selectable } from 'kysely';
import { newId, type AppTx, type OperatorPresenceTable, type OperatorState, type TenantTx } from '@switchboard/db';
import { EVENTS_CHANNEL, type BusEvent } from '../events/publish.ts';

type AnyTx = TenantTx | AppTx;

/**
 * The operator's presence row, created offline the first time anyone asks (operators exist before they
 * ever log in to the desk). One statement: the row inserted, or the one already there (the insert's
 * rows and the table's are the same snapshot, so exactly one of the two answers).
 */
export async function ensurePresence(tx: AnyTx, operatorId: string, now: Date) {
  const { rows } = await sql<Selectable<OperatorPresenceTable>>`
    with inserted as (
      insert into operator_presence (operator_id, state, since, updated_at) values (${operatorId}, 'offline', ${now}, ${now})
      on conflict (operator_id) do nothing
      returning *)
    select * from inserted
    union all
    select * from operator_presence where operator_id = ${operatorId} and not exists (select 1 from inserted)`.execute(tx);
  const row = rows[0];
  if (!row) throw new Error(`No presence row for operator ${operatorId}.`);
  return row;
}

export interface PresenceChange {
  state: OperatorState;
  breakReason?: string | null;
  /** The call the operator is on or wrapping up (on_call, wrap_up), or the offer they missed (not_responding); cleared otherwise. */
  call?: { tenantId: string; id: string } | null;
}

const statesWithCall: ReadonlySet<OperatorState> = new Set(['on_call', 'wrap_up', 'not_responding']);

/**
 * Moves the operator to a state; a new state (or break reason) closes the previous state-log row and
 * opens one, which is what occupancy and time reports read. `since` restarts, so an operator made
 * available is idle from now (longest idle is offered first).
 */
export async function changePresence(tx: AnyTx, operatorId: string, change: PresenceChange, now: Date): Promise<void> {
  const breakReason = change.state === 'break' ? (change.breakReason ?? null) : null;
  const call = statesWithCall.has(change.state) ? (change.call ?? null) : null;
  const callTenantId = call?.tenantId ?? null;
  const callId = call?.id ?? null;
  // One statement (it was six: the row ensured and read, updated, the log closed and opened, the
  // notification): the row as it was, locked (an operator never seen before is offline), decides whether
  // the state changed; the upsert writes the new state; the log rows follow; the desk hears of it at commit.
  await sql`
    with before as (
      select state, break_reason, call_id from operator_presence where operator_id = ${operatorId} for update),
    changed as (
      select coalesce(b.state, 'offline') <> ${change.state} or b.break_reason is distinct from ${breakReason}::text as state,
             coalesce(b.state, 'offline') <> ${change.state} or b.break_reason is distinct from ${breakReason}::text
               or b.call_id is distinct from ${callId}::uuid as restart
      from (select 1) one left join before b on true),
    presence as (
      insert into operator_presence as p (operator_id, state, break_reason, call_tenant_id, call_id, since, wrap_up_extended_seconds, updated_at)
      values (${operatorId}, ${change.state}, ${breakReason}, ${callTenantId}, ${callId}, ${now}, 0, ${now})
      on conflict (operator_id) do update set
        state = excluded.state, break_reason = excluded.break_reason, call_tenant_id = excluded.call_tenant_id, call_id = excluded.call_id,
        -- A wrap-up extension belongs to the wrap-up it was taken in: it ends with it.
        since = case when (select restart from changed) then excluded.since else p.since end,
        wrap_up_extended_seconds = case when (select restart from changed) then 0 else p.wrap_up_extended_seconds end,
        updated_at = excluded.updated_at
      returning 1),
    closed as (
      update operator_state_log set ended_at = ${now}
      where operator_id = ${operatorId} and ended_at is null and (select state from changed)
      returning 1),
    opened as (
      insert into operator_state_log (id, operator_id, state, break_reason, started_at, ended_at, call_tenant_id, call_id)
      select ${newId()}, ${operatorId}, ${change.state}, ${breakReason}, ${now}, null, ${callTenantId}, ${callId}
      where (select state from changed)
      returning 1)
    select pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify({ kind: 'presence', operatorId } satisfies BusEvent)}),
      (select count(*) from presence) + (select count(*) from closed) + (select count(*) from opened) as written`.execute(tx);
}

/**
 * Claims an available operator for one offer: a compare-and-set, so no two dispatchers offer one operator
 * two calls. A presence row another transaction is changing (the operator accepting, going offline, or
 * claimed by another pass) is skipped, not waited for: the caller holds a call and its queue row, and an
 * expiry that re-offers holds the presence row of the operator who missed it, so waiting here on a second
 * presence row could close a cycle with another pass doing the same the other way round. The next pass
 * sees the operator again.
 */
export async function claimForOffer(
  tx: TenantTx,
  operatorId: string,
  call: { tenantId: string; id: string },
  allowedStates: OperatorState[],
  now: Date,
): Promise<boolean> {
  const row = await tx
    .updateTable('operatorPresence')
    .set({ offerTenantId: call.tenantId, offerCallId: call.id, updatedAt: now })
    .where('operatorId', 'in', (eb) =>
      eb
        .selectFrom('operatorPresence')
        .select('operatorId')
        .where('operatorId', '=', operatorId)
        .where('state', 'in', allowedStates)
        .where('offerCallId', 'is', null)
        .forUpdate()
        .skipLocked(),
    )
    .returning('operatorId')
    .executeTakeFirst();
  return !!row;
}

/** Clears the operator's pending offer if it is still this call's. */
export async function releaseOffer(tx: AnyTx, operatorId: string, callId: string, now: Date): Promise<void> {
  await tx
    .updateTable('operatorPresence')
    .set({ offerTenantId: null, offerCallId: null, updatedAt: now })
    .where('operatorId', '=', operatorId)
    .where('offerCallId', '=', callId)
    .execute();
}

/** The operator's presence row, locked: the last lock of the one order for a call (calls → call_queue → operator_presence, docs/locking.md). */
export async function lockPresence(tx: AnyTx, operatorId: string) {
  return tx.selectFrom('operatorPresence').selectAll().where('operatorId', '=', operatorId).forUpdate().executeTakeFirst();
}

/**
 * The operator let an offer run out: they are `not_responding` (no offers) until they say they are back.
 * Only an available operator moves: one offered a returning transfer while still in wrap-up stays in it.
 * The caller holds the call and its queue row already (calls before call_queue before presence).
 */
export async function markNotResponding(tx: TenantTx, operatorId: string, missed: { tenantId: string; id: string }, now: Date): Promise<boolean> {
  const presence = await lockPresence(tx, operatorId);
  if (presence?.state !== 'available') return false;
  await changePresence(tx, operatorId, { state: 'not_responding', call: missed }, now);
  return true;
}
