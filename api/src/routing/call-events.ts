import { sql } from 'kysely';
import { jsonb, newId, type TenantTx } from '@switchboard/db';
import { EVENTS_CHANNEL, type BusEvent } from '../events/publish.ts';

/** Every step of a call: offered, queued, offered_to, declined, offer_expired, answered, bridged, transfer_*, ended, wrap_up_*… */
export type CallEventKind =
  | 'offered'
  | 'queued'
  | 'offered_to'
  | 'declined'
  | 'offer_expired'
  | 'offer_withdrawn'
  | 'answered'
  | 'bridged'
  | 'recording'
  | 'recording_paused'
  | 'recording_resumed'
  | 'transfer_requested'
  | 'transfer_returned'
  | 'transferred_out'
  | 'ended'
  | 'wrap_up_done'
  | 'wrap_up_timeout'
  | 'wrap_up_extended'
  | 'disposition_completed'
  | 'after_hours'
  | 'abandoned'
  | 'queue_overflow'
  | 'no_sign_of_life'
  | 'satisfaction'
  /** Outbound (issue 15): a person answered a campaign's dial and an operator was connected. */
  | 'outbound_answered'
  /** Issue 17: the desk's carrier controls and the keypad menu. */
  | 'held'
  | 'resumed'
  | 'muted'
  | 'unmuted'
  | 'consult_started'
  | 'consult_handed_over'
  | 'consult_cancelled'
  | 'conference_started'
  | 'conference_ended'
  | 'menu';

/**
 * Appends to the call's timeline and tells the desks and the portal (at commit) that the call changed:
 * one statement, the row and its notification (every step of every call writes one).
 */
export async function recordCallEvent(
  tx: TenantTx,
  call: { tenantId: string; id: string },
  kind: CallEventKind,
  at: Date,
  options: { operatorId?: string | null; detail?: Record<string, unknown> } = {},
): Promise<void> {
  await sql`
    with event as (
      insert into call_events (tenant_id, id, call_id, at, kind, operator_id, detail)
      values (${call.tenantId}, ${newId()}, ${call.id}, ${at}, ${kind}, ${options.operatorId ?? null}, ${jsonb(options.detail ?? {})})
      returning 1)
    select pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify({ kind: 'call', tenantId: call.tenantId, callId: call.id } satisfies BusEvent)}), (select count(*) from event) as written`.execute(tx);
}
