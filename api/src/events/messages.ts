import type { CallStatus, OperatorState } from '@switchboard/db';
import type { Wallboard } from '../wallboard/compute.ts';
import type { RecordType } from './publish.ts';
import type { LeadJson } from '../answers/records.ts';

/**
 * What `GET /api/events` sends, per SSE event name. Only types: the web app imports them
 * (`@switchboard/api/events`) so the desk, the portal and the wallboard read the same shapes.
 */

/** An offer addressed to this operator — the same shape as `/api/desk/state`'s `offer`. */
export interface OfferMessage {
  tenant: string;
  tenantName: string;
  brandColor: string;
  callId: string;
  function: string;
  /** Masked as the tenant's rules mask a customer's phone for operators (null: hidden). */
  callerNumber: string | null;
  expiresAt: string;
}

/** The operator's own call changed (connected, wrap-up, ended…). */
export interface CallUpdateMessage {
  tenant: string;
  tenantName: string;
  brandColor: string;
  callId: string;
  status: CallStatus;
  wrapUpDeadline: string | null;
}

export interface PresenceMessage {
  state: OperatorState;
  breakReason: string | null;
  since: string;
}

/** Waiting calls of one tenant the operator is assigned to, per function. */
export interface QueueMessage {
  tenant: string;
  queues: { function: string; waiting: number; longestWaitSeconds: number; oldestEnqueuedAt: string | null }[];
}

/** A client user's portal refetches on these: ids only. */
export interface NoticeMessage {
  tenant: string;
  /** `survey`: a call's questionnaire answers were kept; `satisfaction`: a caller's keypad survey was reported (id: the call's). */
  type: 'call' | RecordType;
  id: string;
}

/** A lead as it is now, for a client user of its tenant: the Leads page's row, its fields masked for that viewer. */
export interface LeadMessage {
  tenant: string;
  lead: LeadJson;
}

/** A campaign's figures changed: its board (client users of the tenant, provider staff) refetches GET …/campaigns/{id}/board. Ids only. */
export interface CampaignMessage {
  tenant: string;
  campaignId: string;
}

export interface ReadyMessage {
  /** Who this stream is for, so a page can tell it has the stream it expected. */
  kind: string;
  heartbeatSeconds: number;
}

/** Event name → payload, by who listens. `call` is a CallUpdateMessage for operators and a NoticeMessage for client users. */
export interface EventMessages {
  ready: ReadyMessage;
  offer: OfferMessage | { withdrawn: string };
  presence: PresenceMessage;
  queue: QueueMessage;
  call: CallUpdateMessage | NoticeMessage;
  record: NoticeMessage;
  lead: LeadMessage;
  campaign: CampaignMessage;
  wallboard: Wallboard;
}

export type EventName = keyof EventMessages;
