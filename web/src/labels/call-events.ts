import { words } from './words.ts';

/** What happened to a call, one line per event kind of its timeline (api/src/routing/call-events.ts). */
const callEventLabels: Record<string, string> = {
  offered: 'Call came in',
  queued: 'Waiting in the queue',
  offered_to: 'Offered to an operator',
  offer_withdrawn: 'Offer withdrawn',
  declined: 'Declined by the operator',
  offer_expired: 'Offer not taken in time',
  answered: 'Answered',
  bridged: 'Connected',
  connected: 'Connected',
  recording: 'Recording kept',
  recording_paused: 'Recording paused (payment details)',
  recording_resumed: 'Recording resumed',
  transfer_requested: 'Transfer requested',
  transfer_returned: 'Transfer came back',
  transferred_out: 'Transferred to the company',
  ended: 'Call ended',
  wrap_up_done: 'Wrap-up done',
  wrap_up_timeout: 'Wrap-up timed out',
  wrap_up_extended: 'Wrap-up extended',
  disposition_completed: 'Outcome completed after the wrap-up',
  after_hours: 'Out of hours',
  abandoned: 'Caller hung up while waiting',
};

export function callEventLabel(kind: string): string {
  return callEventLabels[kind] ?? words(kind);
}
