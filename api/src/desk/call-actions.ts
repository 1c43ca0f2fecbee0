import type { TenantTx } from '@switchboard/db';
import { applyCampaignDisposition } from '../dialer/dispositions.ts';
import { conflict, invalid, notFound, ProblemError, fieldError } from '../http/problem.ts';
import { carrierStateEnded } from './carrier-state.ts';
import { publish } from '../events/publish.ts';
import { redactCardNumbers } from '../rules/card-numbers.ts';
import { recordCallEvent } from '../routing/call-events.ts';
import { appendDeclined, endCall, latestScriptFor, lockCall, type CallRow } from '../routing/lifecycle.ts';
import { changePresence, ensurePresence, releaseOffer } from '../routing/presence.ts';
import { clearedDraft, redactAnswers, type ScriptAnswers } from './wrap-up.ts';
import { checkCallAnswers, storeCallAnswers } from '../answers/service.ts';
import { recordingAtAnswer } from '../recordings/service.ts';
import { suspendedProblem } from '../tenants/suspension.ts';
import { commandBridge, commandRedirect, commandRequeue } from '../telephony/enqueue.ts';

/** What an operator does with a call of the tenant whose transaction this is (RLS applies: another tenant's call is a 404). */

const offerTaken = () =>
  new ProblemError(409, 'offer-taken', 'Offer taken', 'This call is not (or no longer) offered to you: someone else took it, it was withdrawn, or the offer expired.');
const notYourCall = (detail: string) => new ProblemError(409, 'not-your-call', 'Not your call', detail);

async function callOrNotFound(tx: TenantTx, callId: string): Promise<CallRow> {
  const call = await lockCall(tx, callId);
  if (!call) throw notFound('No such call.');
  return call;
}

/**
 * Accepting removes the call from the queue: of two accepts, the second finds no row offered to it.
 * Recording starts as the tenant's policy says. A suspended company's call is accepted only when it is
 * already in progress (answered before, then transferred to a skill): it takes no new calls.
 */
export async function acceptCall(tx: TenantTx, operatorId: string, callId: string, now: Date, tenant: { name: string; status: string }) {
  const call = await callOrNotFound(tx, callId);
  if (tenant.status === 'suspended' && !call.answeredAt) throw suspendedProblem(tenant.name, 'it takes no new calls');
  const taken = await tx
    .deleteFrom('callQueue')
    .where('callId', '=', callId)
    .where('offeredTo', '=', operatorId)
    .returning(['returnNote', 'requiredSkill'])
    .executeTakeFirst();
  if (!taken) throw offerTaken();
  // A call answered before (a transfer to a skill, or one coming back) stays on the script version it was
  // first answered with: both operators' answers are one set, under the version they were asked with.
  const script = call.answeredAt && call.scriptId && call.scriptVersion !== null ? { scriptId: call.scriptId, version: call.scriptVersion } : await latestScriptFor(tx, call.function);
  const recording = await recordingAtAnswer(tx, call);
  await tx
    .updateTable('calls')
    .set({
      status: 'connected',
      recordingState: recording,
      operatorId,
      answeredAt: call.answeredAt ?? now,
      requiredSkill: null,
      scriptId: script?.scriptId ?? null,
      scriptVersion: script?.version ?? null,
    })
    .where('id', '=', callId)
    .execute();
  await releaseOffer(tx, operatorId, callId, now);
  const ref = { tenantId: call.tenantId, id: callId };
  await changePresence(tx, operatorId, { state: 'on_call', call: ref }, now);
  await recordCallEvent(tx, ref, 'answered', now, {
    operatorId,
    detail: {
      waitedSeconds: Math.floor((now.getTime() - new Date(call.offeredAt).getTime()) / 1000),
      ...(taken.requiredSkill ? { skill: taken.requiredSkill } : {}),
      ...(taken.returnNote ? { note: taken.returnNote } : {}),
      scriptVersion: script?.version ?? null,
      recording,
    },
  });
  await commandBridge(tx, call, operatorId, recording, now);
  return { callId, status: 'connected' as const };
}

export async function declineCall(tx: TenantTx, operatorId: string, callId: string, now: Date): Promise<void> {
  const call = await callOrNotFound(tx, callId);
  const row = await tx
    .selectFrom('callQueue')
    .select('callId')
    .where('callId', '=', callId)
    .where('offeredTo', '=', operatorId)
    .forUpdate()
    .executeTakeFirst();
  if (!row) throw offerTaken();
  await tx
    .updateTable('callQueue')
    .set({ offeredTo: null, offerExpiresAt: null, declinedBy: appendDeclined(operatorId) })
    .where('callId', '=', callId)
    .execute();
  await releaseOffer(tx, operatorId, callId, now);
  await publish(tx, { kind: 'offer', tenantId: call.tenantId, callId, operatorId });
  await recordCallEvent(tx, { tenantId: call.tenantId, id: callId }, 'declined', now, { operatorId });
}

async function connectedToMe(tx: TenantTx, operatorId: string, callId: string): Promise<CallRow> {
  const call = await callOrNotFound(tx, callId);
  if (call.status !== 'connected' || call.operatorId !== operatorId) throw notYourCall('You are not connected to this call.');
  return call;
}

export async function hangUp(tx: TenantTx, operatorId: string, callId: string, now: Date) {
  await connectedToMe(tx, operatorId, callId);
  const ended = await endCall(tx, callId, 'operator', now);
  return { callId, status: ended!.status };
}

export interface WrapUpInput {
  disposition: string;
  notes?: string | undefined;
  scriptAnswers?: ScriptAnswers | undefined;
}

/**
 * Ends the operator's wrap-up of the call: the disposition (one of the tenant's active codes) and notes
 * (card numbers redacted) go on the call, and the operator is available, idle from now. Wrapping up a
 * call still connected hangs it up first. After a transfer the call lives on elsewhere: only the
 * timeline gets the operator's wrap-up.
 */
export async function wrapUp(tx: TenantTx, operatorId: string, callId: string, input: WrapUpInput, now: Date) {
  let call = await callOrNotFound(tx, callId);
  // Whose call it is comes first: an operator wrapping up a call that is not theirs learns nothing of it
  // (no 400 naming its script's questions). Theirs: connected to it (hung up below), or wrapping it up.
  const connected = call.status === 'connected' && call.operatorId === operatorId;
  if (!connected) {
    const presence = await ensurePresence(tx, operatorId, now);
    if (presence.state !== 'wrap_up' || presence.callId !== callId) throw notYourCall('You are not wrapping up this call.');
  }
  const code = await tx.selectFrom('wrapUpCodes').select('code').where('code', '=', input.disposition).where('active', '=', true).executeTakeFirst();
  if (!code) throw invalid([fieldError('disposition', 'wrap_up_code.unknown', "Choose one of the tenant's wrap-up codes.")]);
  // Checked against the script version the call was answered with before anything changes: a 400 names every
  // answer at fault. Also when the call has moved on (transferred to a skill and taken by another operator):
  // the questions this operator asked are kept with the call, not dropped.
  const answers = await checkCallAnswers(tx, call, input.scriptAnswers);
  if (connected) {
    call = (await endCall(tx, callId, 'operator', now))!;
    const presence = await ensurePresence(tx, operatorId, now);
    if (presence.state !== 'wrap_up' || presence.callId !== callId) throw notYourCall('You are not wrapping up this call.');
  }
  const notes = input.notes ? redactCardNumbers(input.notes) : null;
  const ref = { tenantId: call.tenantId, id: callId };
  let status = call.status;
  if (call.status === 'wrap_up' && call.operatorId === operatorId) {
    const updated = await tx
      .updateTable('calls')
      .set({ status: 'completed', disposition: input.disposition, notes, wrapUpEndedAt: now, ...clearedDraft })
      .where('id', '=', callId)
      .returning('status')
      .executeTakeFirstOrThrow();
    status = updated.status;
  }
  // Kept with the call, typed, under its script version — also after a transfer (the questions were asked here).
  // An answer the call already had differently (the other operator's) is named in the timeline, which keeps both.
  // Filed under this operator, who asked the questions: after a transfer the call's operator is the other one.
  const kept = answers ? await storeCallAnswers(tx, call, answers, now, { answeredBy: operatorId }) : null;
  // An outbound call's disposition moves its campaign contact (a refusal, do-not-call, a sale billed).
  if (status === 'completed') await applyCampaignDisposition(tx, call, input.disposition, operatorId, now);
  await recordCallEvent(tx, ref, 'wrap_up_done', now, {
    operatorId,
    detail: {
      disposition: input.disposition,
      ...(notes ? { notes } : {}),
      ...(input.scriptAnswers ? { scriptAnswers: redactAnswers((answers?.values as ScriptAnswers | undefined) ?? input.scriptAnswers) } : {}),
      ...(kept?.notKept.length ? { answersNotKept: kept.notKept } : {}),
    },
  });
  await changePresence(tx, operatorId, { state: 'available' }, now);
  return { callId, status };
}

export type TransferTarget = { kind: 'skill'; skill: string } | { kind: 'in_house' } | { kind: 'directory'; entryId: string };

/** Where an outward transfer goes: the function's in-house destination, or an active entry of the tenant's directory. */
async function outwardDestination(tx: TenantTx, fn: string, target: Exclude<TransferTarget, { kind: 'skill' }>): Promise<{ destination: string; name: string | null; entryId?: string }> {
  if (target.kind === 'directory') {
    const entry = await tx.selectFrom('directoryEntries').select(['id', 'name', 'phone']).where('id', '=', target.entryId).where('active', '=', true).executeTakeFirst();
    if (!entry) {
      throw invalid([fieldError('target.entryId', 'transfer.entry', "Choose one of the client's active directory entries.")], 'That directory entry is not (or no longer) one to transfer to.', 'transfer.entry_unavailable');
    }
    return { destination: entry.phone, name: entry.name, entryId: entry.id };
  }
  const delegation = await tx.selectFrom('delegations').select(['inHousePhone', 'inHouseEmail']).where('function', '=', fn).executeTakeFirst();
  const destination = delegation?.inHousePhone ?? delegation?.inHouseEmail ?? null;
  if (!destination) {
    throw invalid([fieldError('target.kind', 'transfer.no_in_house', 'This function has no in-house destination to transfer to.')], 'There is nowhere in-house to transfer this call.', 'transfer.no_in_house');
  }
  return { destination, name: null };
}

/**
 * To a skill: the call waits in the queue for an operator with that skill, and comes back to this one
 * after the tenant's transfer timeout; this operator goes to wrap-up meanwhile. In-house (the
 * function's in-house destination, from its delegation) or to a directory entry (one of the client's
 * own lines): the call is forwarded out, and the adapter reports if nobody answers there.
 */
export async function transferCall(tx: TenantTx, operatorId: string, callId: string, target: TransferTarget, note: string | undefined, now: Date) {
  const call = await connectedToMe(tx, operatorId, callId);
  // A warm transfer in progress ends by its own steps (hand over, come back); a hold ends with the transfer.
  if (call.consult) throw conflict('consult_in_progress', 'A consultation or three-way conference is in progress: hand over, come back to the caller or end it first.');
  const ref = { tenantId: call.tenantId, id: callId };
  const cleanNote = note ? redactCardNumbers(note) : null;
  if (target.kind === 'skill') {
    await tx
      .insertInto('callQueue')
      .values({
        tenantId: call.tenantId,
        callId,
        function: call.function,
        requiredSkill: target.skill,
        enqueuedAt: now,
        returnTo: operatorId,
        returnNote: cleanNote,
      })
      .execute();
    await tx.updateTable('calls').set({ status: 'queued', requiredSkill: target.skill, ...carrierStateEnded(call, now) }).where('id', '=', callId).execute();
    await recordCallEvent(tx, ref, 'transfer_requested', now, { operatorId, detail: { target, note: cleanNote } });
    await changePresence(tx, operatorId, { state: 'wrap_up', call: ref }, now);
    await commandRequeue(tx, call, now);
    return { callId, status: 'queued' as const, forwardTo: null };
  }
  const { destination, name, entryId } = await outwardDestination(tx, call.function, target);
  await tx.updateTable('calls').set({ status: 'transferred_out', forwardedTo: destination, ...carrierStateEnded(call, now) }).where('id', '=', callId).execute();
  await recordCallEvent(tx, ref, 'transferred_out', now, {
    operatorId,
    detail: { destination, ...(name ? { destinationName: name, directoryEntryId: entryId } : {}), note: cleanNote },
  });
  await changePresence(tx, operatorId, { state: 'wrap_up', call: ref }, now);
  await commandRedirect(tx, call, { action: 'forward', forwardTo: destination, announcement: null, reason: 'transfer' }, now);
  return { callId, status: 'transferred_out' as const, forwardTo: destination };
}
