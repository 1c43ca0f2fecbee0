import { jsonb, newId, type TenantTx } from '@switchboard/db';
import { publish } from '../events/publish.ts';

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
  | 'satisfaction';

/** Appends to the call's timeline and tells the desks and the portal (at commit) that the call changed. */
export async function recordCallEvent(
  tx: TenantTx,
  call: { tenantId: string; id: string },
  kind: CallEventKind,
  at: Date,
  options: { operatorId?: string | null; detail?: Record<string, unknown> } = {},
): Promise<void> {
  await tx
    .insertInto('callEvents')
    .values({
      tenantId: call.tenantId,
      id: newId(),
      callId: call.id,
      at,
      kind,
      operatorId: options.operatorId ?? null,
      detail: jsonb(options.detail ?? {}),
    })
    .execute();
  await publish(tx, { kind: 'call', tenantId: call.tenantId, callId: call.id });
}
