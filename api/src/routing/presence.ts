import { newId, type AppTx, type OperatorState, type TenantTx } from '@switchboard/db';
import { publish } from '../events/publish.ts';

type AnyTx = TenantTx | AppTx;

/** The operator's presence row, created offline the first time anyone asks (operators exist before they ever log in to the desk). */
export async function ensurePresence(tx: AnyTx, operatorId: string, now: Date) {
  await tx
    .insertInto('operatorPresence')
    .values({ operatorId, state: 'offline', since: now, updatedAt: now })
    .onConflict((oc) => oc.column('operatorId').doNothing())
    .execute();
  return tx.selectFrom('operatorPresence').selectAll().where('operatorId', '=', operatorId).executeTakeFirstOrThrow();
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
  const before = await ensurePresence(tx, operatorId, now);
  const breakReason = change.state === 'break' ? (change.breakReason ?? null) : null;
  const call = statesWithCall.has(change.state) ? (change.call ?? null) : null;
  const stateChanged = before.state !== change.state || before.breakReason !== breakReason;
  await tx
    .updateTable('operatorPresence')
    .set({
      state: change.state,
      breakReason,
      callTenantId: call?.tenantId ?? null,
      callId: call?.id ?? null,
      // A wrap-up extension belongs to the wrap-up it was taken in: it ends with it.
      ...(stateChanged || before.callId !== (call?.id ?? null) ? { since: now, wrapUpExtendedSeconds: 0 } : {}),
      updatedAt: now,
    })
    .where('operatorId', '=', operatorId)
    .execute();
  if (stateChanged) {
    await tx
      .updateTable('operatorStateLog')
      .set({ endedAt: now })
      .where('operatorId', '=', operatorId)
      .where('endedAt', 'is', null)
      .execute();
    await tx
      .insertInto('operatorStateLog')
      .values({ id: newId(), operatorId, state: change.state, breakReason, startedAt: now, endedAt: null, callTenantId: call?.tenantId ?? null, callId: call?.id ?? null })
      .execute();
  }
  await publish(tx, { kind: 'presence', operatorId });
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
