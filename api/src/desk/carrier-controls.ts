import type { Updateable } from 'kysely';
import { jsonb, type CallConsult, type CallsTable, type TenantTx } from '@switchboard/db';
import { conflict, fieldError, invalid, notFound } from '../http/problem.ts';
import { recordCallEvent } from '../routing/call-events.ts';
import { lockCall, type CallRow } from '../routing/lifecycle.ts';
import { changePresence } from '../routing/presence.ts';
import { enqueueCommand } from '../telephony/commands.ts';
import { carrierStateEnded, type CarrierState } from './carrier-state.ts';

export type { CarrierState };

/**
 * The desk's carrier controls (issue 17, docs/telephony.md "Desk controls"): hold and resume, mute and unmute,
 * warm transfer (consult a target, then hand over or come back) and three-way conference. Each runs in the
 * tenant's transaction on the operator's own connected call: the call's columns change, the step goes on the
 * timeline, and the command for the call's adapter is written in the same transaction (enqueueCommand), so
 * the adapter is told exactly when the step committed. Another tenant's call is not found (RLS); another
 * operator's call, or a call not in progress, is 409 `not_your_call`; a step that does not fit the call's
 * state is 409 with its own code.
 */

/** Where a consultation rings: the function's in-house line, or an active entry of the tenant's directory. */
export type ConsultTarget = { kind: 'in_house' } | { kind: 'directory'; entryId: string };


const seconds = (from: Date | string, to: Date) => Math.max(0, Math.floor((to.getTime() - new Date(from).getTime()) / 1000));

async function myConnectedCall(tx: TenantTx, operatorId: string, callId: string): Promise<CallRow> {
  const call = await lockCall(tx, callId);
  if (!call) throw notFound('No such call.');
  if (call.status !== 'connected' || call.operatorId !== operatorId) throw conflict('not_your_call', 'Only the operator connected to the call may hold, mute, consult or conference it, while it is in progress.');
  return call;
}

const stateOf = (call: Pick<CallRow, 'id' | 'heldSince' | 'holdSeconds' | 'muted' | 'consult'>): CarrierState => ({
  callId: call.id,
  held: call.heldSince !== null,
  heldSince: call.heldSince ? new Date(call.heldSince).toISOString() : null,
  holdSeconds: call.holdSeconds,
  muted: call.muted,
  consult: call.consult ? { kind: call.consult.kind, label: call.consult.label, startedAt: call.consult.startedAt } : null,
});

async function updated(tx: TenantTx, callId: string, set: Updateable<CallsTable>): Promise<CallRow> {
  return tx.updateTable('calls').set(set).where('id', '=', callId).returningAll().executeTakeFirstOrThrow();
}

const refOf = (call: CallRow) => ({ tenantId: call.tenantId, adapter: call.adapter, callId: call.id });
const eventRef = (call: CallRow) => ({ tenantId: call.tenantId, id: call.id });

const consultInProgress = (call: CallRow) =>
  conflict(
    'consult_in_progress',
    call.consult?.kind === 'conference' ? 'A three-way conference is in progress: end it or hand over first.' : 'A consultation is in progress: hand over, come back to the caller or start the conference first.',
  );

/** The caller hears hold music; the hold is timed from now. */
export async function holdCall(tx: TenantTx, operatorId: string, callId: string, now: Date): Promise<CarrierState> {
  const call = await myConnectedCall(tx, operatorId, callId);
  if (call.consult) throw consultInProgress(call);
  if (call.heldSince) throw conflict('already_on_hold', 'The caller is already on hold.');
  const after = await updated(tx, callId, { heldSince: now });
  await recordCallEvent(tx, eventRef(call), 'held', now, { operatorId });
  await enqueueCommand(tx, refOf(call), 'hold', { callId }, now);
  return stateOf(after);
}

/** The caller is back with the operator; the seconds on hold are added to the call's. */
export async function resumeCall(tx: TenantTx, operatorId: string, callId: string, now: Date): Promise<CarrierState> {
  const call = await myConnectedCall(tx, operatorId, callId);
  if (call.consult) throw consultInProgress(call);
  if (!call.heldSince) throw conflict('not_on_hold', 'The caller is not on hold: there is nothing to resume.');
  const heldFor = seconds(call.heldSince, now);
  const after = await updated(tx, callId, { heldSince: null, holdSeconds: call.holdSeconds + heldFor });
  await recordCallEvent(tx, eventRef(call), 'resumed', now, { operatorId, detail: { heldSeconds: heldFor } });
  await enqueueCommand(tx, refOf(call), 'resume', { callId }, now);
  return stateOf(after);
}

/** The operator's microphone towards the caller, off or on again. */
export async function setMuted(tx: TenantTx, operatorId: string, callId: string, muted: boolean, now: Date): Promise<CarrierState> {
  const call = await myConnectedCall(tx, operatorId, callId);
  if (call.muted === muted) throw muted ? conflict('already_muted', 'The microphone is already muted.') : conflict('not_muted', 'The microphone is not muted: there is nothing to unmute.');
  const after = await updated(tx, callId, { muted });
  await recordCallEvent(tx, eventRef(call), muted ? 'muted' : 'unmuted', now, { operatorId });
  await enqueueCommand(tx, refOf(call), muted ? 'mute' : 'unmute', { callId }, now);
  return stateOf(after);
}

/**
 * Where a consultation rings, chosen as the in-house transfer chooses (call-actions.ts): an active directory
 * entry of the tenant (its E.164 phone), or the function's in-house line — a phone only here: an in-house
 * email cannot be rung. Anything else is a 400 naming the field, and nothing changes.
 */
async function consultDestination(tx: TenantTx, fn: string, target: ConsultTarget): Promise<{ address: string; label: string; entryId?: string }> {
  if (target.kind === 'directory') {
    const entry = await tx.selectFrom('directoryEntries').select(['id', 'name', 'phone']).where('id', '=', target.entryId).where('active', '=', true).executeTakeFirst();
    if (!entry) {
      throw invalid([fieldError('target.entryId', 'transfer.entry', "Choose one of the client's active directory entries.")], 'That directory entry is not (or no longer) one to transfer to.', 'transfer.entry_unavailable');
    }
    return { address: entry.phone, label: entry.name, entryId: entry.id };
  }
  const delegation = await tx.selectFrom('delegations').select(['inHousePhone']).where('function', '=', fn).executeTakeFirst();
  if (!delegation?.inHousePhone) {
    throw invalid([fieldError('target.kind', 'transfer.no_in_house', 'This function has no in-house phone to consult.')], 'There is no in-house phone to consult for this call.', 'transfer.no_in_house');
  }
  return { address: delegation.inHousePhone, label: 'in_house' };
}

/**
 * Warm transfer, step 1: the caller goes on hold (or stays there) and the target rings for the operator
 * alone. The hold runs on through the consultation: the caller waits to music the whole time.
 */
export async function startConsult(tx: TenantTx, operatorId: string, callId: string, target: ConsultTarget, now: Date): Promise<CarrierState> {
  const call = await myConnectedCall(tx, operatorId, callId);
  if (call.consult) throw consultInProgress(call);
  const destination = await consultDestination(tx, call.function, target);
  const consult: CallConsult = { kind: 'consult', target: destination.address, label: destination.label, startedAt: now.toISOString(), by: operatorId };
  const after = await updated(tx, callId, { consult: jsonb(consult), heldSince: call.heldSince ?? now });
  await recordCallEvent(tx, eventRef(call), 'consult_started', now, {
    operatorId,
    detail: { destination: destination.address, destinationName: destination.label, ...(destination.entryId ? { directoryEntryId: destination.entryId } : {}), wasOnHold: call.heldSince !== null },
  });
  await enqueueCommand(tx, refOf(call), 'consult', { callId, target: destination.address, label: destination.label }, now);
  return stateOf(after);
}

const noConsult = () => conflict('no_consult', 'No consultation or conference is in progress.');

/**
 * Warm transfer, step 2: the operator leaves, the caller and the target talk. It ends as an in-house transfer
 * out does (status `transferred_out`, forwarded to the target, the operator to wrap-up, a `transferred_out`
 * event after `consult_handed_over`), so the adapter's later reports (ended, transfer-failed) and the KPIs read
 * it the same way.
 */
export async function handOver(tx: TenantTx, operatorId: string, callId: string, now: Date) {
  const call = await myConnectedCall(tx, operatorId, callId);
  if (!call.consult) throw noConsult();
  const consult = call.consult;
  const ended = carrierStateEnded(call, now);
  await updated(tx, callId, { status: 'transferred_out', forwardedTo: consult.target, ...ended });
  const ref = eventRef(call);
  await recordCallEvent(tx, ref, 'consult_handed_over', now, { operatorId, detail: { from: consult.kind, destination: consult.target, destinationName: consult.label } });
  await recordCallEvent(tx, ref, 'transferred_out', now, { operatorId, detail: { destination: consult.target, destinationName: consult.label, warm: true, note: null } });
  await enqueueCommand(tx, refOf(call), 'consult_handover', { callId }, now);
  await changePresence(tx, operatorId, { state: 'wrap_up', call: ref }, now);
  return { callId, status: 'transferred_out' as const, forwardTo: consult.target };
}

/**
 * Back to the caller: the target leaves. From a consultation the caller comes off hold (the seconds counted);
 * from a conference the caller stays on the line with the operator (`conference_ended`).
 */
export async function cancelConsult(tx: TenantTx, operatorId: string, callId: string, now: Date): Promise<CarrierState> {
  const call = await myConnectedCall(tx, operatorId, callId);
  if (!call.consult) throw noConsult();
  const heldFor = call.heldSince ? seconds(call.heldSince, now) : 0;
  const after = await updated(tx, callId, { consult: null, heldSince: null, holdSeconds: call.holdSeconds + heldFor });
  const kind = call.consult.kind === 'conference' ? 'conference_ended' : 'consult_cancelled';
  await recordCallEvent(tx, eventRef(call), kind, now, { operatorId, detail: { destination: call.consult.target, destinationName: call.consult.label, ...(heldFor ? { heldSeconds: heldFor } : {}) } });
  await enqueueCommand(tx, refOf(call), 'consult_cancel', { callId }, now);
  return stateOf(after);
}

/** Three-way: the consulted target stays, the caller comes off hold, all three talk. */
export async function startConference(tx: TenantTx, operatorId: string, callId: string, now: Date): Promise<CarrierState> {
  const call = await myConnectedCall(tx, operatorId, callId);
  if (!call.consult) throw noConsult();
  if (call.consult.kind === 'conference') throw conflict('already_in_conference', 'The three-way conference is already on.');
  const heldFor = call.heldSince ? seconds(call.heldSince, now) : 0;
  const consult: CallConsult = { ...call.consult, kind: 'conference' };
  const after = await updated(tx, callId, { consult: jsonb(consult), heldSince: null, holdSeconds: call.holdSeconds + heldFor });
  await recordCallEvent(tx, eventRef(call), 'conference_started', now, { operatorId, detail: { destination: consult.target, destinationName: consult.label, heldSeconds: heldFor } });
  await enqueueCommand(tx, refOf(call), 'conference', { callId, target: consult.target, label: consult.label }, now);
  return stateOf(after);
}
