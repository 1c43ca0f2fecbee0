import { sql } from 'kysely';
import type { AppTx, TenantTx } from '@switchboard/db';

/** The one LISTEN/NOTIFY channel every API process shares (DESIGN.md: desk events cross processes this way). */
export const EVENTS_CHANNEL = 'switchboard_events';

/**
 * What a notification says: kinds and ids only, never content — channels and payloads are not covered
 * by row-level security, so each process re-reads under the tenant's context before pushing to a desk.
 */
export type BusEvent =
  /** A call's state changed (queued, offered, answered, transferred, ended, wrapped up). */
  | { kind: 'call'; tenantId: string; callId: string }
  /** An offer was made to (or withdrawn from) this operator. */
  | { kind: 'offer'; tenantId: string; callId: string; operatorId: string }
  /** An operator's presence changed (global: no tenant). */
  | { kind: 'presence'; operatorId: string }
  /**
   * A record operators capture was created or changed (the client portal refreshes its lists); `survey`: a
   * call's questionnaire answers were kept, `satisfaction`: a caller's keypad survey was reported (both
   * named by the call's id: the Surveys and Satisfaction results refresh).
   */
  | { kind: 'record'; tenantId: string; recordType: RecordType; recordId: string }
  /** A lead was created from a call, or its fields or status changed (the client's Leads page shows it as it is now). */
  | { kind: 'lead'; tenantId: string; leadId: string }
  /** An outbound campaign's figures changed: an attempt placed or ended, a contact reached (the live campaign board refreshes). */
  | { kind: 'campaign'; tenantId: string; campaignId: string };

/** What a `record` event names. */
export const recordTypes = ['order', 'complaint', 'customer', 'information_request', 'survey', 'satisfaction'] as const;
export type RecordType = (typeof recordTypes)[number];

/**
 * Sends the event when the transaction commits (PostgreSQL delivers NOTIFY at commit and drops it on
 * rollback), so a desk never hears of something that did not happen.
 */
export async function publish(tx: TenantTx | AppTx, event: BusEvent): Promise<void> {
  await sql`select pg_notify(${EVENTS_CHANNEL}, ${JSON.stringify(event)})`.execute(tx);
}
