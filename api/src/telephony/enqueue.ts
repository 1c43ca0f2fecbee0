import type { AfterHoursAction, RecordingState, TenantTx } from '@switchboard/db';
import { pendingSurvey } from '../satisfaction/service.ts';
import { enqueueCommand, type OperatorLeg } from './commands.ts';

/**
 * Where the push boundary's commands are written (docs/telephony.md, "Push"): one function per action, each
 * called inside the transaction of the action that causes it, after the call row changed, so the command
 * exists exactly when the action committed. The call's adapter (`calls.adapter`) is the one told.
 *
 * The shapes the adapters receive are commandSchemas' (commands.ts); what the polling status says is
 * unchanged: a polling adapter may ignore commands altogether.
 */

/** What an overflowed call's announcement says when its function's overflow action names none. */
export const overflowAnnouncement = 'All our operators are busy. Please call again later.';

type CallRef = { tenantId: string; id: string; adapter: 'http' | 'twilio' };

/** How the operator's voice reaches the call: their voice settings, or `desk` (no carrier leg: the simulator's desks). */
export async function operatorLeg(tx: TenantTx, operatorId: string): Promise<OperatorLeg> {
  const user = await tx.selectFrom('users').select(['voiceLegKind', 'voiceLegAddress']).where('id', '=', operatorId).executeTakeFirst();
  if (!user?.voiceLegKind) return { kind: 'desk', address: null };
  if (user.voiceLegKind === 'browser') return { kind: 'browser', address: `client:op-${operatorId}` };
  return { kind: user.voiceLegKind, address: user.voiceLegAddress ?? null };
}

const ref = (call: CallRef) => ({ tenantId: call.tenantId, adapter: call.adapter, callId: call.id });

/** An operator is connected to the call (accepted, a transfer came back, an outbound callee answered): bridge them. */
export async function commandBridge(tx: TenantTx, call: CallRef, operatorId: string, record: RecordingState, now: Date): Promise<void> {
  await enqueueCommand(tx, ref(call), 'bridge', { callId: call.id, operatorId, leg: await operatorLeg(tx, operatorId), record }, now);
}

/** Transferred to a skill: back to hold music until the next `bridge`. */
export async function commandRequeue(tx: TenantTx, call: CallRef, now: Date): Promise<void> {
  await enqueueCommand(tx, ref(call), 'requeue', { callId: call.id }, now);
}

/**
 * The call leaves Switchboard's hands: a transfer out (`forward`, reason `transfer`), an overflow (its action,
 * reason `max_wait`), a suspended company's waiting call (`announcement`, reason `tenant_suspended`).
 */
export async function commandRedirect(
  tx: TenantTx,
  call: CallRef,
  redirect: { action: AfterHoursAction; forwardTo: string | null; announcement: string | null; reason: string },
  now: Date,
): Promise<void> {
  await enqueueCommand(tx, ref(call), 'redirect', { callId: call.id, ...redirect }, now);
}

/** The operator paused or resumed the recording (payment details). */
export async function commandRecording(tx: TenantTx, call: CallRef, state: RecordingState, now: Date): Promise<void> {
  await enqueueCommand(tx, ref(call), 'recording', { callId: call.id, state }, now);
}

/**
 * The operator hung up, or the system closed the call: end the caller's leg, after the survey when the call
 * is surveyed (decided at the hang-up, as the polling status's `survey`).
 */
export async function commandHangUp(tx: TenantTx, call: CallRef & { status: string }, now: Date): Promise<void> {
  const survey = await pendingSurvey(tx, call.id, call.status, now);
  await enqueueCommand(tx, ref(call), 'hang_up', { callId: call.id, survey: survey ? { questions: survey.questions, answerBy: survey.answerBy } : null }, now);
}

/** The dialer placed an attempt (status `originating`): the adapter dials it and reports progress. */
export async function commandOriginate(
  tx: TenantTx,
  attempt: { tenantId: string; id: string; adapter: 'http' | 'twilio'; callerId: string; phone: string },
  campaign: { id: string; ringTimeoutSeconds: number; mode: string },
  now: Date,
): Promise<void> {
  await enqueueCommand(
    tx,
    { tenantId: attempt.tenantId, adapter: attempt.adapter, dialId: attempt.id },
    'originate',
    { dialId: attempt.id, from: attempt.callerId, to: attempt.phone, ringTimeoutSeconds: campaign.ringTimeoutSeconds, detectMachine: campaign.mode !== 'preview', campaign: campaign.id },
    now,
  );
}
