import { sql } from 'kysely';
import type { Selectable } from 'kysely';
import type { CallsTable, TenantTx } from '@switchboard/db';
import { publish } from '../events/publish.ts';
import { carrierStateEnded } from '../desk/carrier-state.ts';
import { recordUsage } from '../usage/record.ts';
import { surveyAtHangUp } from '../satisfaction/service.ts';
import { recordCallEvent } from './call-events.ts';
import { endAttemptOfCall } from '../dialer/attempts.ts';
import { changePresence, lockPresence, releaseOffer } from './presence.ts';
import { commandHangUp } from '../telephony/enqueue.ts';

export type CallRow = Selectable<CallsTable>;

/**
 * The call, locked for the rest of the transaction, so two things that change it (accept and decline,
 * accept and going offline, an expiry, a hang-up, a wrap-up, a transfer) take turns.
 *
 * ONE LOCK ORDER FOR A CALL (docs/locking.md): `calls` → `call_queue` → `operator_presence`. Every path
 * that changes a call, its queue row or the offer on an operator's desk takes this lock first, then the
 * queue row, then presence rows, and never the other way round. Inserting into `call_events` (and any
 * table with a foreign key to `calls`) takes a KEY SHARE lock on the call: a path that held the queue
 * row and then wrote an event would wait here while the holder of this lock waits for the queue row.
 *
 * `FOR NO KEY UPDATE`, not `FOR UPDATE`: it excludes every other writer of the call (they all take it,
 * and a plain UPDATE of the call takes it too) but not the KEY SHARE of a foreign-key check, so writing
 * an event for a call never waits on the call's lock, and a routing pass that offers a call (queue row,
 * then presence, then the event) cannot close a cycle with a hang-up that holds the call. No update
 * changes a key of `calls` (its id and external id never change), which is what makes the weaker lock enough.
 */
export async function lockCall(tx: TenantTx, callId: string): Promise<CallRow | undefined> {
  return tx.selectFrom('calls').selectAll().where('id', '=', callId).forNoKeyUpdate().executeTakeFirst();
}

/**
 * The call locked as lockCall does, or nothing when someone holds it: for the routing pass, which leaves
 * a call another transaction is changing (an accept, a hang-up) to the next pass rather than wait on it.
 */
export async function lockCallUnlessBusy(tx: TenantTx, callId: string): Promise<CallRow | undefined> {
  return tx.selectFrom('calls').selectAll().where('id', '=', callId).forNoKeyUpdate().skipLocked().executeTakeFirst();
}

/** handled_call and talk_seconds, once per call whatever reports the end (the unique key drops a second write). */
export async function recordTalk(tx: TenantTx, call: CallRow, endedAt: Date): Promise<void> {
  if (!call.answeredAt) return;
  const talkSeconds = Math.max(0, Math.floor((endedAt.getTime() - new Date(call.answeredAt).getTime()) / 1000));
  // The tenant's zone and currency read once for both events.
  const tenant = await tx.selectFrom('tenants').select(['timeZone', 'currency']).where('id', '=', call.tenantId).executeTakeFirstOrThrow();
  const base = { tenantId: call.tenantId, function: call.function, sourceType: 'call', sourceId: call.id, occurredAt: endedAt, tenant };
  await recordUsage(tx, { ...base, metric: 'handled_call', quantity: 1 });
  await recordUsage(tx, { ...base, metric: 'talk_seconds', quantity: talkSeconds });
}

/**
 * The caller or the operator hung up. A waiting call is abandoned and leaves the queue (withdrawing
 * its offer); a connected one goes to wrap-up for its operator. Anything already over stays as it is,
 * so an adapter that reports the end twice changes nothing.
 */
export async function endCall(tx: TenantTx, callId: string, by: 'caller' | 'operator', now: Date): Promise<CallRow | undefined> {
  const call = await lockCall(tx, callId);
  if (!call) return undefined;
  const ref = { tenantId: call.tenantId, id: call.id };
  switch (call.status) {
    case 'queued': {
      const removed = await tx.deleteFrom('callQueue').where('callId', '=', call.id).returning(['offeredTo']).executeTakeFirst();
      if (removed?.offeredTo) {
        await releaseOffer(tx, removed.offeredTo, call.id, now);
        await publish(tx, { kind: 'offer', tenantId: call.tenantId, callId: call.id, operatorId: removed.offeredTo });
      }
      const updated = await tx
        .updateTable('calls')
        .set({ status: 'abandoned', endedAt: now, endedBy: by })
        .where('id', '=', call.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordTalk(tx, call, now);
      await recordCallEvent(tx, ref, 'abandoned', now, { detail: { by, waitedSeconds: Math.floor((now.getTime() - new Date(call.offeredAt).getTime()) / 1000) } });
      return updated;
    }
    case 'connected': {
      // The post-call survey (issue 14) is decided now, under the settings of this moment.
      const surveyAskedSolved = surveyAtHangUp({ ...call, status: 'wrap_up', endedAt: now, endedBy: by });
      const updated = await tx
        .updateTable('calls')
        .set({ status: 'wrap_up', endedAt: now, endedBy: by, surveyAskedSolved, ...carrierStateEnded(call, now) })
        .where('id', '=', call.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordTalk(tx, call, now);
      await recordCallEvent(tx, ref, 'ended', now, { operatorId: call.operatorId, detail: { by } });
      if (call.direction === 'outbound') await endAttemptOfCall(tx, call.id, now);
      if (call.operatorId) await moveToWrapUpIfOnCall(tx, call.operatorId, ref, now);
      // The operator hung up (on the desk, or their leg left): the caller's leg ends, after the survey if any.
      // A caller who hung up has no leg left to end.
      if (by === 'operator') await commandHangUp(tx, updated, now);
      return updated;
    }
    case 'transferred_out': {
      if (call.endedAt) return call;
      const updated = await tx
        .updateTable('calls')
        .set({ endedAt: now, endedBy: by })
        .where('id', '=', call.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordTalk(tx, call, now);
      await recordCallEvent(tx, ref, 'ended', now, { detail: { by } });
      return updated;
    }
    default:
      return call;
  }
}

/** Wrap-up follows the call the operator is on; an operator who has moved on is left where they are. */
async function moveToWrapUpIfOnCall(tx: TenantTx, operatorId: string, call: { tenantId: string; id: string }, now: Date): Promise<void> {
  const presence = await lockPresence(tx, operatorId);
  if (presence?.state === 'on_call' && presence.callId === call.id) {
    await changePresence(tx, operatorId, { state: 'wrap_up', call }, now);
  }
}

/** The published script the call runs: the latest version of its function's script, if any. */
export async function latestScriptFor(tx: TenantTx, fn: string): Promise<{ scriptId: string; version: number } | undefined> {
  return tx
    .selectFrom('scripts')
    .innerJoin('scriptVersions', (join) => join.onRef('scriptVersions.tenantId', '=', 'scripts.tenantId').onRef('scriptVersions.scriptId', '=', 'scripts.id'))
    .select(['scripts.id as scriptId', 'scriptVersions.version'])
    .where('scripts.function', '=', fn)
    .orderBy('scriptVersions.version', 'desc')
    .limit(1)
    .executeTakeFirst();
}

export interface CallSettings {
  offerTimeoutSeconds: number;
  wrapUpSeconds: number;
  answerTargetSeconds: number;
  transferTimeoutSeconds: number;
  wrapUpExtensionSeconds: number;
}

/** The tenant's call-handling settings, with the column defaults when it has saved none. */
export async function loadCallSettings(tx: TenantTx): Promise<CallSettings> {
  const row = await tx
    .selectFrom('callSettings')
    .select(['offerTimeoutSeconds', 'wrapUpSeconds', 'answerTargetSeconds', 'transferTimeoutSeconds', 'wrapUpExtensionSeconds'])
    .executeTakeFirst();
  return row ?? { offerTimeoutSeconds: 15, wrapUpSeconds: 60, answerTargetSeconds: 20, transferTimeoutSeconds: 30, wrapUpExtensionSeconds: 0 };
}

export const appendDeclined = (operatorId: string) => sql<string[]>`array_append(declined_by, ${operatorId}::uuid)`;

/** When an operator's wrap-up closes by itself: from when it began, the tenant's wrap-up time plus the extension they took. */
export function wrapUpDeadline(since: Date | string, wrapUpSeconds: number, extendedSeconds: number): Date {
  return new Date(new Date(since).getTime() + (wrapUpSeconds + extendedSeconds) * 1000);
}
