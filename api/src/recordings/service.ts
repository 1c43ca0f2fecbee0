import { newId, type RecordingState, type TenantTx } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { notFound, ProblemError, type ProblemSlug } from '../http/problem.ts';
import { recordCallEvent } from '../routing/call-events.ts';
import { lockCall, type CallRow } from '../routing/lifecycle.ts';
import { commandRecording } from '../telephony/enqueue.ts';
import { defaultRules } from '../rules/definition.ts';
import { rulesReadWithRequest } from '../rules/service.ts';
import type { RecordingPolicy } from '../rules/fields.ts';

/**
 * Recordings (issue 11): the tenant's recording policy decides whether the telephony adapter records a
 * call at all (`never`: not told to, and no recording reference is accepted); under
 * `paused_for_payment` the operator on the call pauses it while the caller reads out payment details
 * and resumes it after; every listen to or download of a recording is kept (who, when) for the client
 * admin to read. The adapter learns the state from the call's status (docs/telephony.md).
 */

/** The tenant's recording policy, without parsing the whole rules document (read on every incoming call). */
export async function recordingPolicyOf(tx: TenantTx): Promise<RecordingPolicy> {
  // A desk request has them from its session statement: no statement then.
  const known = rulesReadWithRequest(tx);
  if (known) return known.recordingPolicy;
  const row = await tx.selectFrom('confidentialityRules').select('recordingPolicy').executeTakeFirst();
  return (row?.recordingPolicy as RecordingPolicy | undefined) ?? defaultRules().recordingPolicy;
}

/** What the adapter is told for a call: record only while the operator's leg is bridged, and not while paused. */
export function adapterRecording(call: Pick<CallRow, 'status' | 'recordingState'>): RecordingState {
  return call.status === 'connected' ? call.recordingState : 'off';
}

/** At accept: recording starts unless the policy says never (a call coming back from a transfer keeps its state). */
export async function recordingAtAnswer(tx: TenantTx, call: Pick<CallRow, 'recordingState'>): Promise<RecordingState> {
  if (call.recordingState !== 'off') return call.recordingState;
  return (await recordingPolicyOf(tx)) === 'never' ? 'off' : 'on';
}

const conflict = (type: ProblemSlug, title: string, detail: string) => new ProblemError(409, type, title, detail);

/**
 * The operator on the call pauses (`paused`) or resumes (`on`) its recording: 409 unless they are
 * connected to it, the tenant's policy lets recordings pause for payment, and the recording is in the
 * state the change starts from. On the call's timeline; the adapter reads it from the call's status.
 */
export async function setRecordingPaused(tx: TenantTx, operatorId: string, callId: string, paused: boolean, now: Date): Promise<{ callId: string; recording: RecordingState }> {
  const call = await lockCall(tx, callId);
  if (!call) throw notFound('No such call.');
  if (call.status !== 'connected' || call.operatorId !== operatorId) {
    throw conflict('not-your-call', 'Not your call', 'Only the operator connected to the call may pause or resume its recording, while the call is in progress.');
  }
  const policy = await recordingPolicyOf(tx);
  if (policy !== 'paused_for_payment') {
    throw conflict(
      'recording-not-pausable',
      'Recording cannot be paused',
      policy === 'never' ? 'This client does not record calls.' : "This client's rules record whole calls: recording cannot be paused.",
    );
  }
  const from: RecordingState = paused ? 'on' : 'paused';
  if (call.recordingState !== from) {
    throw conflict(
      from === 'on' ? 'recording-not-on' : 'recording-not-paused',
      paused ? 'Recording is not on' : 'Recording is not paused',
      paused ? 'The recording is not running: there is nothing to pause.' : 'The recording is not paused: there is nothing to resume.',
    );
  }
  const recording: RecordingState = paused ? 'paused' : 'on';
  await tx.updateTable('calls').set({ recordingState: recording }).where('id', '=', callId).execute();
  await recordCallEvent(tx, { tenantId: call.tenantId, id: callId }, paused ? 'recording_paused' : 'recording_resumed', now, { operatorId });
  await commandRecording(tx, call, recording, now);
  return { callId, recording };
}

/**
 * The adapter says where it keeps the call's recording. Refused (409) for a call that was never
 * recorded — the tenant's policy is `never`, or no operator answered it — so no reference exists that
 * the policy forbids. The reference itself stays off the timeline: it is read through the logged route.
 */
export async function keepRecordingRef(tx: TenantTx, callId: string, ref: string, now: Date): Promise<CallRow> {
  const call = (await lockCall(tx, callId))!;
  if (call.recordingState === 'off') {
    throw conflict('not-recorded', 'Not recorded', "This call was not recorded: the client's rules or the call's course did not allow it.");
  }
  if (call.recordingRef === ref) return call;
  const updated = await tx.updateTable('calls').set({ recordingRef: ref }).where('id', '=', callId).returningAll().executeTakeFirstOrThrow();
  await recordCallEvent(tx, { tenantId: call.tenantId, id: callId }, 'recording', now);
  return updated;
}

/** A listen to or download of the call's recording, logged with who and when; 404 when the call has none. */
export async function accessRecording(tx: TenantTx, actor: Actor, callId: string, action: 'listen' | 'download', now: Date) {
  const call = await tx.selectFrom('calls').select(['tenantId', 'id', 'recordingRef']).where('id', '=', callId).executeTakeFirst();
  if (!call?.recordingRef) throw notFound('This call has no recording.');
  const accessId = newId();
  await tx
    .insertInto('recordingAccess')
    .values({ tenantId: call.tenantId, id: accessId, callId, userId: actor.id, userLabel: actor.label.slice(0, 300), action, at: now })
    .execute();
  return { callId, ref: call.recordingRef, action, at: now.toISOString(), accessId };
}

/** How long a logged access covers the stream it was taken for: the player's own requests (a reload, a replay) are that one listen. */
export const accessCoversMs = 15 * 60_000;

/**
 * The entry a stream of the recording is logged under: the access the same person took for this call
 * within the last 15 minutes (`accessId`, from the reference route), or a new `listen` entry. One listen in
 * the portal is one line in the log, however many requests the browser's player makes.
 */
export async function streamAccess(tx: TenantTx, actor: Actor, callId: string, accessId: string | undefined, now: Date): Promise<'listen' | 'download'> {
  if (accessId) {
    const covered = await tx
      .selectFrom('recordingAccess')
      .select('action')
      .where('id', '=', accessId)
      .where('callId', '=', callId)
      .where('userId', '=', actor.id)
      .where('at', '>', new Date(now.getTime() - accessCoversMs))
      .executeTakeFirst();
    if (covered) return covered.action;
  }
  await accessRecording(tx, actor, callId, 'listen', now);
  return 'listen';
}
