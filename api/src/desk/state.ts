import type { Kysely } from 'kysely';
import { withApp, withTenant, type AppTx, type DB, type OperatorState, type RecordingState, type TenantTx } from '@switchboard/db';
import { recordingPolicyOf } from '../recordings/service.ts';
import { ProblemError } from '../http/problem.ts';
import { servedTenants } from './served-tenants.ts';
import type { CarrierState } from './carrier-state.ts';
import { loadCallSettings, lockCall, wrapUpDeadline } from '../routing/lifecycle.ts';
import { changePresence, ensurePresence, lockPresence, releaseOffer } from '../routing/presence.ts';
import { publish } from '../events/publish.ts';
import { recordCallEvent } from '../routing/call-events.ts';
import { loadRules } from '../rules/service.ts';
import { maskPhone } from '../rules/viewer.ts';
import { leaveDialing } from '../dialer/progress.ts';
import { loadDialing, type DeskDialing } from './outbound.ts';

export interface DeskOffer {
  tenant: string;
  tenantName: string;
  brandColor: string;
  callId: string;
  function: string;
  /** Masked as the tenant's rules mask a customer's phone for operators (null: hidden). */
  callerNumber: string | null;
  expiresAt: string;
  /** Set when a transfer nobody took comes back: what the operator wrote when transferring. */
  note: string | null;
}

export interface DeskCall {
  tenant: string;
  tenantName: string;
  brandColor: string;
  callId: string;
  status: 'connected' | 'wrap_up';
  wrapUpDeadline: string | null;
  /** When the talk began and ended (the talk timer), and who hung up: 'caller' is shown as such. */
  answeredAt: string | null;
  endedAt: string | null;
  endedBy: 'caller' | 'operator' | 'system' | null;
  /** The extension the tenant allows (0: none) and whether this wrap-up has taken it. */
  wrapUpExtensionSeconds: number;
  wrapUpExtended: boolean;
  /** The draft the desk saved for this call, so a reopened tab starts from it. */
  draft: { disposition: string | null; notes: string | null; savedAt: string } | null;
  /** The call's recording (off, on, paused) and whether the client lets the operator pause it for payment details. */
  recording: RecordingState;
  recordingPausable: boolean;
  /** The desk's carrier controls (carrier-controls.ts): hold (since when, seconds so far), mute, a consultation or conference. */
  carrier: CarrierState;
}

/** The offer an operator let run out, while they are marked not responding. */
export interface DeskMissedCall {
  tenant: string;
  tenantName: string;
  brandColor: string;
  callId: string;
  at: string;
}

export interface DeskState {
  state: OperatorState;
  breakReason: string | null;
  since: string;
  missed: DeskMissedCall | null;
  offer: DeskOffer | null;
  call: DeskCall | null;
  /** Reserved by the dialer (state `dialing`): the preview card, or the call being placed for them. */
  dialing: DeskDialing | null;
  tenants: { slug: string; name: string; brandColor: string; skills: string[] }[];
}

const iso = (value: Date | string) => new Date(value).toISOString();

/** Where the operator is, what is offered to them and which call they are on: read per tenant, under its context. */
export async function loadDeskState(db: Kysely<DB>, operatorId: string, now: Date): Promise<DeskState> {
  const presence = await withApp(db, (tx) => ensurePresence(tx, operatorId, now));
  const { assignments, tenants } = await servedTenants(db, operatorId);
  const byId = new Map(tenants.map((t) => [t.id, t]));

  let offer: DeskOffer | null = null;
  const offerTenant = presence.offerTenantId ? byId.get(presence.offerTenantId) : undefined;
  if (offerTenant && presence.offerCallId) {
    const callId = presence.offerCallId;
    offer = await withTenant(db, offerTenant.id, async (tx) => {
      const row = await tx
        .selectFrom('callQueue as q')
        .innerJoin('calls as c', (join) => join.onRef('c.tenantId', '=', 'q.tenantId').onRef('c.id', '=', 'q.callId'))
        .select(['c.id', 'c.function', 'c.callerNumber', 'q.offerExpiresAt', 'q.returnNote'])
        .where('q.callId', '=', callId)
        .where('q.offeredTo', '=', operatorId)
        .executeTakeFirst();
      if (!row?.offerExpiresAt) return null;
      const rules = await loadRules(tx);
      return {
        tenant: offerTenant.slug,
        tenantName: offerTenant.name,
        brandColor: offerTenant.brandColor,
        callId: row.id,
        function: row.function,
        callerNumber: maskPhone(row.callerNumber, rules, 'operator'),
        expiresAt: iso(row.offerExpiresAt),
        note: row.returnNote,
      };
    });
  }

  let call: DeskCall | null = null;
  const callTenant = presence.callTenantId ? byId.get(presence.callTenantId) : undefined;
  if (callTenant && presence.callId && (presence.state === 'on_call' || presence.state === 'wrap_up')) {
    const callId = presence.callId;
    const { settings, row, recordingPolicy } = await withTenant(db, callTenant.id, async (tx) => ({
      settings: await loadCallSettings(tx),
      recordingPolicy: await recordingPolicyOf(tx),
      row: await tx
        .selectFrom('calls')
        .select(['answeredAt', 'endedAt', 'endedBy', 'operatorId', 'draftDisposition', 'draftNotes', 'draftSavedAt', 'recordingState', 'heldSince', 'holdSeconds', 'muted', 'consult'])
        .where('id', '=', callId)
        .executeTakeFirst(),
    }));
    const draftIsMine = row?.operatorId === operatorId && row.draftSavedAt;
    call = {
      tenant: callTenant.slug,
      tenantName: callTenant.name,
      brandColor: callTenant.brandColor,
      callId,
      status: presence.state === 'on_call' ? 'connected' : 'wrap_up',
      wrapUpDeadline: presence.state === 'wrap_up' ? wrapUpDeadline(presence.since, settings.wrapUpSeconds, presence.wrapUpExtendedSeconds).toISOString() : null,
      answeredAt: row?.answeredAt ? iso(row.answeredAt) : null,
      endedAt: row?.endedAt ? iso(row.endedAt) : null,
      endedBy: row?.endedBy ?? null,
      wrapUpExtensionSeconds: settings.wrapUpExtensionSeconds,
      wrapUpExtended: presence.wrapUpExtendedSeconds > 0,
      draft: draftIsMine && row.draftSavedAt ? { disposition: row.draftDisposition, notes: row.draftNotes, savedAt: iso(row.draftSavedAt) } : null,
      recording: presence.state === 'on_call' ? (row?.recordingState ?? 'off') : 'off',
      recordingPausable: recordingPolicy === 'paused_for_payment',
      carrier: {
        callId,
        held: presence.state === 'on_call' && !!row?.heldSince,
        heldSince: presence.state === 'on_call' && row?.heldSince ? iso(row.heldSince) : null,
        holdSeconds: row?.holdSeconds ?? 0,
        muted: presence.state === 'on_call' && !!row?.muted,
        consult: presence.state === 'on_call' && row?.consult ? { kind: row.consult.kind, label: row.consult.label, startedAt: row.consult.startedAt } : null,
      },
    };
  }

  const missedTenant = presence.state === 'not_responding' && presence.callTenantId ? byId.get(presence.callTenantId) : undefined;
  const missed: DeskMissedCall | null =
    missedTenant && presence.callId
      ? { tenant: missedTenant.slug, tenantName: missedTenant.name, brandColor: missedTenant.brandColor, callId: presence.callId, at: iso(presence.since) }
      : null;

  const dialTenant = presence.state === 'dialing' && presence.dialTenantId ? byId.get(presence.dialTenantId) : undefined;
  const dialAttemptId = presence.dialAttemptId;
  const dialing = dialTenant && dialAttemptId ? await withTenant(db, dialTenant.id, (tx) => loadDialing(tx, dialTenant, operatorId, dialAttemptId, now)) : null;

  return {
    state: presence.state,
    breakReason: presence.breakReason,
    since: iso(presence.since),
    missed,
    offer,
    call,
    dialing,
    tenants: assignments.flatMap((a) => {
      const t = byId.get(a.tenantId);
      return t ? [{ slug: t.slug, name: t.name, brandColor: t.brandColor, skills: a.skills }] : [];
    }),
  };
}

/**
 * The operator sets themself available, on a break or offline. Refused while on a call or wrapping up
 * (wrap-up ends through wrap-up). Leaving `available` withdraws a pending offer, which goes to the next operator.
 * Going available is also how an operator marked not responding (a missed offer) comes back.
 *
 * The withdrawal and the new state are one transaction, locked in the one order (docs/locking.md): the
 * offered call, its queue row, then the presence row. So an accept racing it either connects the call
 * first (and this answers 409) or finds the offer gone, and no routing pass can slip a new offer onto the
 * desk between the withdrawal and the state change. An offer that arrives between reading the desk and
 * locking it is seen under the lock: the change starts again with that call locked first.
 */
export async function setDeskState(
  db: Kysely<DB>,
  operatorId: string,
  input: { state: 'available' | 'break' | 'offline'; breakReason?: string | undefined },
  now: Date,
): Promise<void> {
  const breakReason = input.state === 'break' ? (input.breakReason ?? null) : null;
  const withdrawing = input.state !== 'available';
  for (let attempt = 1; ; attempt++) {
    const presence = await withApp(db, (tx) => ensurePresence(tx, operatorId, now));
    refuseWhileOnCall(presence.state);
    if (presence.state === 'dialing' && presence.dialTenantId && presence.dialAttemptId) {
      // Reserved for an outbound attempt: staying available keeps it; leaving gives a preview back (a call
      // being placed cannot be taken back: 409), then the new state.
      if (input.state === 'available') return;
      const { dialTenantId, dialAttemptId } = presence;
      await withTenant(db, dialTenantId, async (tx) => {
        await leaveDialing(tx, operatorId, dialAttemptId, now);
        await changePresence(tx, operatorId, { state: input.state, breakReason }, now);
      });
      return;
    }
    if (presence.state === input.state && presence.breakReason === breakReason && !(withdrawing && presence.offerCallId)) return;
    const offer = withdrawing && presence.offerTenantId && presence.offerCallId ? { tenantId: presence.offerTenantId, callId: presence.offerCallId } : null;
    const change = async (tx: AppTx | TenantTx): Promise<boolean> => {
      if (offer) await withdrawOffer(tx as TenantTx, operatorId, offer, input.state, now);
      const locked = await lockPresence(tx, operatorId);
      refuseWhileOnCall(locked?.state ?? 'offline');
      // A new offer arrived after the desk was read: its call must be locked before this row, so start again.
      if (withdrawing && locked?.offerCallId) return false;
      await changePresence(tx, operatorId, { state: input.state, breakReason }, now);
      return true;
    };
    const done = offer ? await withTenant(db, offer.tenantId, change) : await withApp(db, change);
    if (done) return;
    if (attempt >= 3) {
      throw new ProblemError(503, 'retry', 'Try again', 'New calls kept being offered while your status changed; nothing was changed.', undefined, { 'retry-after': '1' });
    }
  }
}

function refuseWhileOnCall(state: OperatorState): void {
  if (state === 'on_call' || state === 'wrap_up') {
    throw new ProblemError(409, 'on-call', 'On a call', state === 'on_call' ? 'Finish the call first.' : 'Finish the wrap-up first: submitting it makes you available.');
  }
}

/** Takes the offer back from the operator's desk: the call first, then its queue row, then presence (the one order). */
async function withdrawOffer(tx: TenantTx, operatorId: string, offer: { tenantId: string; callId: string }, reason: string, now: Date): Promise<void> {
  const { tenantId, callId } = offer;
  await lockCall(tx, callId);
  const withdrawn = await tx
    .updateTable('callQueue')
    .set({ offeredTo: null, offerExpiresAt: null })
    .where('callId', '=', callId)
    .where('offeredTo', '=', operatorId)
    .returning('callId')
    .executeTakeFirst();
  await releaseOffer(tx, operatorId, callId, now);
  if (withdrawn) {
    await publish(tx, { kind: 'offer', tenantId, callId, operatorId });
    await recordCallEvent(tx, { tenantId, id: callId }, 'offer_withdrawn', now, { operatorId, detail: { reason } });
  }
}
