import type { CallConsult } from '@switchboard/db';

/** A connected call's hold, mute and third party, as the desk shows them. */
export interface CarrierState {
  callId: string;
  held: boolean;
  heldSince: string | null;
  holdSeconds: number;
  muted: boolean;
  consult: { kind: CallConsult['kind']; label: string; startedAt: string } | null;
}

/**
 * What ends with the line, in the same update as the end (a hang-up, a system close, a hand-over, a transfer):
 * a hold in progress is counted into `hold_seconds`; the consultation or conference and the mute are over.
 * `at` is when the line ended (a silent call's last sign of life); a hold begun after it counts 0.
 * Apart from carrier-controls.ts so the routing lifecycle can use it without importing the desk.
 */
export function carrierStateEnded(call: { heldSince: Date | string | null; holdSeconds: number }, at: Date) {
  return {
    heldSince: null,
    holdSeconds: call.holdSeconds + (call.heldSince ? Math.max(0, Math.floor((at.getTime() - new Date(call.heldSince).getTime()) / 1000)) : 0),
    consult: null,
    muted: false,
  };
}
