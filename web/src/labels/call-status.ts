import type { CallStatus } from '@switchboard/db';
import { words } from './words.ts';

/** A call's status in words, for the desk and the client portal alike. */
const callStatusLabels: Record<CallStatus, string> = {
  queued: 'Waiting in the queue',
  connected: 'On call',
  wrap_up: 'Wrap-up',
  completed: 'Completed',
  abandoned: 'Caller hung up before an answer',
  after_hours: 'Out of hours',
  transferred_out: 'Transferred to the company',
};

export function callStatusLabel(status: string | null | undefined): string {
  return status ? (callStatusLabels[status as CallStatus] ?? words(status)) : '—';
}
