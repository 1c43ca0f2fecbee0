import { sql, type Kysely } from 'kysely';
import { queueCallbackRequest } from '../dialer/callback-requests.ts';
import { endAttemptOfCall } from '../dialer/attempts.ts';
import { newId, routing, withTenant, type AfterHoursAction, type DB, type TenantTx } from '@switchboard/db';
import { defaultOverflow } from '../call-handling/definition.ts';
import { loadCallSettings } from '../call-handling/service.ts';
import { startPeriodic } from '../periodic.ts';
import { forwardDestination } from '../telephony/incoming.ts';
import { recordCallEvent } from './call-events.ts';
import { carrierStateEnded } from '../desk/carrier-state.ts';
import { recordTalk, type CallRow } from './lifecycle.ts';
import { changePresence } from './presence.ts';
import { commandHangUp, commandRedirect, overflowAnnouncement } from '../telephony/enqueue.ts';

/**
 * Calls never stay queued or connected forever (issue 13). A caller who waited in the queue longer than
 * the tenant's maximum, and is not being offered to an operator right now, gets the function's overflow
 * action (message, callback, forward, announcement: the after-hours actions) and the call ends
 * `overflowed`. A connected call the telephony adapter has said nothing about (no report, no keep-alive)
 * for longer than the tenant's limit is closed by the system for `no_sign_of_life`: its operator goes to
 * wrap-up as after a hang-up, and talk is counted up to the last sign of life.
 *
 * One cross-tenant statement finds the due calls (db/src/routing.ts); each tenant's are then closed in
 * one of its transactions that locks them in the one order — calls, then their queue rows, then the
 * operators' presence — skipping any row another process or request holds: whoever holds it decides, and
 * the next pass looks again. Two processes running passes at once close each call once.
 */

export interface TimeoutsReport {
  overflowed: number;
  silenced: number;
}

const waitedSeconds = (since: Date | string, now: Date) => Math.floor((now.getTime() - new Date(since).getTime()) / 1000);

/** One pass at `now`: stops between tenants once `signal` aborts. */
export async function closeTimedOutCalls(db: Kysely<DB>, now: Date, signal?: AbortSignal): Promise<TimeoutsReport> {
  const report: TimeoutsReport = { overflowed: 0, silenced: 0 };
  const byTenant = new Map<string, string[]>();
  for (const ref of await routing.callsPastTimeouts(db, now)) byTenant.set(ref.tenantId, [...(byTenant.get(ref.tenantId) ?? []), ref.callId]);
  for (const [tenantId, callIds] of byTenant) {
    if (signal?.aborted) break;
    const done = await withTenant(db, tenantId, (tx) => closeTenantCalls(tx, callIds, now));
    report.overflowed += done.overflowed;
    report.silenced += done.silenced;
  }
  return report;
}

async function closeTenantCalls(tx: TenantTx, callIds: string[], now: Date): Promise<TimeoutsReport> {
  const settings = (await loadCallSettings(tx)).settings;
  // 1. calls: the due ones still due under lock (a call answered or ended meanwhile is no longer).
  const calls = await tx
    .selectFrom('calls as c')
    .selectAll('c')
    .where('c.id', 'in', callIds)
    .where((eb) =>
      eb.or([
        eb('c.status', '=', 'queued'),
        eb.and([
          eb('c.endedAt', 'is', null),
          eb('c.status', 'in', ['connected', 'transferred_out']),
          sql<boolean>`coalesce(c.adapter_seen_at, c.answered_at, c.offered_at) + make_interval(mins => ${settings.connectedSilenceMinutes}) <= ${now}`,
        ]),
      ]),
    )
    .orderBy('c.id')
    .forUpdate()
    .skipLocked()
    .execute();
  const queued = calls.filter((c) => c.status === 'queued');
  const silent = calls.filter((c) => c.status !== 'queued');
  // 2. their queue rows: waiting (an offer under way is let run), not a transfer on its way back, past the maximum wait.
  const overflowing = queued.length
    ? await tx
        .selectFrom('callQueue')
        .select(['callId', 'enqueuedAt'])
        .where('callId', 'in', queued.map((c) => c.id))
        .where('offeredTo', 'is', null)
        .where('returnTo', 'is', null)
        .where('enqueuedAt', '<=', new Date(now.getTime() - settings.maxQueueWaitSeconds * 1000))
        .orderBy('callId')
        .forUpdate()
        .skipLocked()
        .execute()
    : [];
  const byId = new Map(calls.map((c) => [c.id, c]));
  for (const row of overflowing) await overflow(tx, byId.get(row.callId)!, row.enqueuedAt, settings, now);
  // 3. presence, last: each silent call's operator, in id order.
  for (const call of silent) await closeSilentCall(tx, call, settings.connectedSilenceMinutes, now);
  return { overflowed: overflowing.length, silenced: silent.length };
}

type Settings = Awaited<ReturnType<typeof loadCallSettings>>['settings'];

async function overflow(tx: TenantTx, call: CallRow, enqueuedAt: Date, settings: Settings, now: Date): Promise<void> {
  const configured = settings.queueOverflow[call.function as keyof Settings['queueOverflow']] ?? defaultOverflow;
  const forwardedTo = configured.action === 'forward' ? await forwardDestination(tx, call.function, 'forwardTo' in configured ? (configured.forwardTo ?? null) : null) : null;
  // A forward with nowhere to go takes a message instead: the caller is never dropped silently.
  const action: AfterHoursAction = configured.action === 'forward' && !forwardedTo ? 'message' : configured.action;
  await tx.deleteFrom('callQueue').where('callId', '=', call.id).execute();
  await tx
    .updateTable('calls')
    .set({ status: 'overflowed', afterHoursAction: action, forwardedTo, closedReason: 'max_wait', endedAt: now, endedBy: 'system', requiredSkill: null })
    .where('id', '=', call.id)
    .execute();
  if (action === 'callback') {
    const requestId = newId();
    await tx
      .insertInto('callbackRequests')
      .values({ tenantId: call.tenantId, id: requestId, callId: call.id, function: call.function, callerNumber: call.callerNumber, requestedAt: now })
      .execute();
    // The function is open (the caller waited too long): the callback is due at once, first in line.
    const { timeZone } = await tx.selectFrom('tenants').select('timeZone').where('id', '=', call.tenantId).executeTakeFirstOrThrow();
    await queueCallbackRequest(tx, { id: requestId, function: call.function, phone: call.callerNumber, callerId: call.dialledNumber, at: now, timeZone }, now);
  }
  // A caller answered earlier and transferred to a skill has talked: that part is counted.
  if (call.answeredAt) await recordTalk(tx, call, enqueuedAt);
  await recordCallEvent(tx, call, 'queue_overflow', now, {
    detail: { action, forwardTo: forwardedTo, waitedSeconds: waitedSeconds(enqueuedAt, now), maxWaitSeconds: settings.maxQueueWaitSeconds },
  });
  const announcement = action === 'announcement' ? (('announcement' in configured ? configured.announcement : null) ?? overflowAnnouncement) : null;
  await commandRedirect(tx, call, { action, forwardTo: forwardedTo, announcement, reason: 'max_wait' }, now);
}

async function closeSilentCall(tx: TenantTx, call: CallRow, limitMinutes: number, now: Date): Promise<void> {
  const lastSign = new Date(call.adapterSeenAt ?? call.answeredAt ?? call.offeredAt);
  // The call is taken to have ended at its last sign of life: the client is not billed for the silence.
  const endedAt = lastSign;
  await tx
    .updateTable('calls')
    .set({ status: call.status === 'connected' ? 'wrap_up' : call.status, endedAt, endedBy: 'system', closedReason: 'no_sign_of_life', ...carrierStateEnded(call, endedAt) })
    .where('id', '=', call.id)
    .execute();
  await recordTalk(tx, call, endedAt);
  if (call.direction === 'outbound') await endAttemptOfCall(tx, call.id, endedAt);
  await recordCallEvent(tx, call, 'no_sign_of_life', now, {
    operatorId: call.operatorId,
    detail: { silentMinutes: Math.floor(waitedSeconds(lastSign, now) / 60), limitMinutes },
  });
  // The adapter may still hold the call (it lost our events, or we lost its): end the caller's leg. Never surveyed.
  await commandHangUp(tx, { ...call, status: 'wrap_up' }, now);
  if (call.status !== 'connected' || !call.operatorId) return;
  const presence = await tx.selectFrom('operatorPresence').select(['state', 'callId']).where('operatorId', '=', call.operatorId).forUpdate().executeTakeFirst();
  // Wrap-up follows the call the operator is on, as after a hang-up; an operator who has moved on stays where they are.
  if (presence?.state === 'on_call' && presence.callId === call.id) await changePresence(tx, call.operatorId, { state: 'wrap_up', call }, now);
}

export interface CallTimeoutsDeps {
  db: Kysely<DB>;
  now: () => Date;
  /** Between passes: 5 s (a caller waits at most that long past the maximum). */
  intervalMs?: number;
  /** A pass not done in this is given up on; the next starts on schedule. */
  timeoutMs?: number;
  onError?: (error: unknown) => void;
}

/** Closes timed-out calls every few seconds; every process may run it. Returns stop. */
export function startCallTimeouts(deps: CallTimeoutsDeps): () => Promise<void> {
  return startPeriodic({
    name: 'Call timeouts',
    intervalMs: deps.intervalMs ?? 5_000,
    timeoutMs: deps.timeoutMs ?? 30_000,
    pass: (signal) => closeTimedOutCalls(deps.db, deps.now(), signal),
    ...(deps.onError ? { onError: deps.onError } : {}),
  });
}
