import { sql, type RawBuilder } from 'kysely';
import type { retention } from '@switchboard/db';

type RetentionTx = retention.RetentionTx;


/** A UUIDv7 made in SQL, for rows a bulk statement writes (ids are UUIDv7, db/src/ids.ts): the millisecond clock in the first 48 bits, version 7. */
const uuidv7Sql = sql.raw(
  `encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid()) placing substring(int8send(floor(extract(epoch from clock_timestamp()) * 1000)::bigint) from 3) from 1 for 6), 52, 1), 53, 1), 'hex')::uuid`,
);
/**
 * What the retention job removes, table by table (db/src/schema.ts), and what it keeps. The job runs
 * `steps` in this order, each in bounded batches; `kept` records every other column that could name a
 * person and why it stays (docs/retention.md is the same list in words). A new personal column gets a
 * line here: tests/retention.test.ts checks that every text column of the tables below is listed.
 *
 * Each step's predicate finds only rows that still hold something to remove, so a batch run twice
 * (a crash, a second process) changes nothing the second time: the job is idempotent.
 */

export const retentionKinds = ['calls', 'callEvents', 'callbackRequests', 'orders', 'complaints', 'informationRequests', 'recordings', 'customers', 'campaignContacts'] as const;
export type RetentionKind = (typeof retentionKinds)[number];
export type RetentionCounts = Record<RetentionKind, number>;

/** Which of the tenant's periods a step's age is compared with. */
export type RetentionPeriod = 'personalData' | 'recordings';

/** What a complaint's description (a required column) reads once removed. */
export const REMOVED_TEXT = '(removed after the retention period)';
/** What a caller's number (a required column) is once removed: never a number a caller can have (E.164). */
export const REMOVED_NUMBER = '';

/** A call still being handled is left alone, whatever its age: its operator and the telephony adapter need it. */
const finishedCall = sql`status not in ('queued', 'connected', 'wrap_up') and not (status = 'transferred_out' and ended_at is null)`;
/** Timeline keys that hold what an operator typed or a caller said: wrap-up notes, transfer notes, script answers. */
const typedEventKeys = sql`array['notes', 'note', 'scriptAnswers']::text[]`;

export interface RetentionStep {
  kind: RetentionKind;
  period: RetentionPeriod;
  /** Whether the rows it changes are counted under `kind` (a second step of one kind is not counted twice). */
  counted: boolean;
  /** The columns it empties or the rows it deletes, for the docs and the schema check. */
  columns: { table: string; columns: string[]; action: string };
  /** One batch: changes at most `limit` rows older than `cutoff`, answers how many. */
  batch: (cutoff: Date, limit: number, now: Date) => RawBuilder<{ n: number }>;
}

const counted = (statement: RawBuilder<unknown>) => sql<{ n: number }>`with done as (${statement}) select count(*)::int as n from done`;

export const steps: RetentionStep[] = [
  {
    kind: 'calls',
    period: 'personalData',
    counted: true,
    columns: {
      table: 'calls',
      columns: ['caller_number', 'customer_id', 'notes', 'draft_disposition', 'draft_notes', 'draft_script_answers', 'draft_saved_at'],
      action: "caller's number emptied, link to the customer, notes and wrap-up draft removed",
    },
    batch: (cutoff, limit) =>
      counted(sql`update calls set caller_number = ${REMOVED_NUMBER}, customer_id = null, notes = null,
            draft_disposition = null, draft_notes = null, draft_script_answers = null, draft_saved_at = null
          where (tenant_id, id) in (
            select tenant_id, id from calls
            where offered_at < ${cutoff} and ${finishedCall}
              and (caller_number <> ${REMOVED_NUMBER} or customer_id is not null or notes is not null or draft_disposition is not null
                   or draft_notes is not null or draft_script_answers is not null or draft_saved_at is not null)
            order by offered_at limit ${limit} for update skip locked)
          returning 1`),
  },
  {
    kind: 'callEvents',
    period: 'personalData',
    counted: true,
    columns: { table: 'call_events', columns: ['detail.notes', 'detail.note', 'detail.scriptAnswers'], action: 'notes, transfer notes and script answers removed from the timeline' },
    batch: (cutoff, limit) =>
      counted(sql`update call_events set detail = detail - ${typedEventKeys}
          where (tenant_id, id) in (
            select tenant_id, id from call_events where at < ${cutoff} and detail ?| ${typedEventKeys} limit ${limit})
          returning 1`),
  },
  // Issue 14: what callers answered, the leads and the before/after of the records their calls changed.
  {
    kind: 'callEvents',
    period: 'personalData',
    counted: false,
    columns: { table: 'call_answers', columns: ['value'], action: "a call's typed script answers deleted (the call keeps which script version it ran and whether it was completed)" },
    batch: (cutoff, limit) =>
      counted(sql`delete from call_answers where (tenant_id, call_id, step_id) in (
            select a.tenant_id, a.call_id, a.step_id from call_answers a join call_answer_sets s using (tenant_id, call_id)
            where s.answered_at < ${cutoff} limit ${limit})
          returning 1`),
  },
  // Issue 16: an evaluation's remarks quote the call; they go with the call's personal data, the score and answers stay for the figures.
  {
    kind: 'calls',
    period: 'personalData',
    counted: false,
    columns: {
      table: 'quality_evaluations',
      columns: ['comment', 'acknowledgement', 'answers.*.comment'],
      action: "the evaluator's and the operator's remarks removed (score and answers stay)",
    },
    batch: (cutoff, limit) =>
      counted(sql`update quality_evaluations e set comment = null, acknowledgement = null,
            answers = (select coalesce(jsonb_object_agg(q.key, q.value - 'comment'), '{}'::jsonb) from jsonb_each(e.answers) q)
          where (e.tenant_id, e.id) in (
            select v.tenant_id, v.id from quality_evaluations v join calls k on k.tenant_id = v.tenant_id and k.id = v.call_id
            where k.offered_at < ${cutoff}
              and (v.comment is not null or v.acknowledgement is not null or jsonb_path_exists(v.answers, '$.*.comment'))
            limit ${limit})
          returning 1`),
  },
  {
    kind: 'calls',
    period: 'personalData',
    counted: false,
    columns: { table: 'leads', columns: ['fields'], action: 'leads deleted' },
    batch: (cutoff, limit) =>
      counted(sql`delete from leads where (tenant_id, id) in (select tenant_id, id from leads where created_at < ${cutoff} limit ${limit}) returning 1`),
  },
  {
    kind: 'customers',
    period: 'personalData',
    counted: false,
    columns: { table: 'customer_record_changes', columns: ['changes'], action: "the before/after of customer records changed from calls deleted" },
    batch: (cutoff, limit) =>
      counted(sql`delete from customer_record_changes where (tenant_id, id) in (select tenant_id, id from customer_record_changes where at < ${cutoff} limit ${limit}) returning 1`),
  },
  {
    kind: 'callbackRequests',
    period: 'personalData',
    counted: true,
    columns: { table: 'callback_requests', columns: ['caller_number'], action: "caller's number emptied; a request still pending is cancelled (nobody can be called back)" },
    batch: (cutoff, limit) =>
      counted(sql`update callback_requests set caller_number = ${REMOVED_NUMBER}, status = case when status = 'pending' then 'cancelled' else status end
          where (tenant_id, id) in (
            select tenant_id, id from callback_requests where requested_at < ${cutoff} and caller_number <> ${REMOVED_NUMBER} limit ${limit})
          returning 1`),
  },
  {
    kind: 'orders',
    period: 'personalData',
    counted: true,
    columns: { table: 'orders', columns: ['delivery_address', 'payment_reference', 'notes', 'customer_id'], action: 'removed; number, items, amounts, status and dates stay for billing' },
    batch: (cutoff, limit) =>
      counted(sql`update orders set delivery_address = null, payment_reference = null, notes = null, customer_id = null
          where (tenant_id, id) in (
            select tenant_id, id from orders
            where created_at < ${cutoff} and (delivery_address is not null or payment_reference is not null or notes is not null or customer_id is not null)
            order by created_at limit ${limit} for update skip locked)
          returning 1`),
  },
  {
    kind: 'complaints',
    period: 'personalData',
    counted: true,
    columns: { table: 'complaints', columns: ['description', 'desired_resolution', 'customer_id'], action: 'description replaced by a note that it was removed, the rest removed; number, category, severity, status and dates stay' },
    batch: (cutoff, limit) =>
      counted(sql`update complaints set description = ${REMOVED_TEXT}, desired_resolution = null, customer_id = null
          where (tenant_id, id) in (
            select tenant_id, id from complaints
            where created_at < ${cutoff} and (description <> ${REMOVED_TEXT} or desired_resolution is not null or customer_id is not null)
            order by created_at limit ${limit} for update skip locked)
          returning 1`),
  },
  {
    kind: 'informationRequests',
    period: 'personalData',
    counted: true,
    columns: { table: 'information_requests', columns: ['question', 'answer', 'customer_id'], action: 'removed; topic, follow-up flag and date stay' },
    batch: (cutoff, limit) =>
      counted(sql`update information_requests set question = null, answer = null, customer_id = null
          where (tenant_id, id) in (
            select tenant_id, id from information_requests
            where created_at < ${cutoff} and (question is not null or answer is not null or customer_id is not null)
            limit ${limit})
          returning 1`),
  },
  {
    kind: 'recordings',
    period: 'recordings',
    counted: true,
    columns: { table: 'calls', columns: ['recording_ref'], action: 'the reference to the recording removed (after the recording period)' },
    batch: (cutoff, limit, now) =>
      // A recording kept by Twilio (`twilio:RE…`) is deleted there: a delete_recording command is written in
      // the same statement (the push boundary delivers it after commit; api/src/twilio/recordings.ts).
      sql<{ n: number }>`with picked as (
            select tenant_id, id, recording_ref from calls where offered_at < ${cutoff} and ${finishedCall} and recording_ref is not null
            order by offered_at limit ${limit} for update skip locked),
          done as (update calls c set recording_ref = null from picked p where c.tenant_id = p.tenant_id and c.id = p.id returning 1),
          told as (insert into telephony_commands (tenant_id, id, adapter, call_id, kind, payload, next_attempt_at, created_at)
            select p.tenant_id, ${uuidv7Sql}, 'twilio', p.id, 'delete_recording', jsonb_build_object('ref', p.recording_ref), ${now}, ${now}
            from picked p where p.recording_ref ~ '^twilio:RE[0-9a-fA-F]{32}$' returning 1)
          select (select count(*)::int from done) as n, (select count(*) from told) as told`,
  },
  {
    kind: 'recordings',
    period: 'recordings',
    counted: false,
    columns: { table: 'call_events', columns: ['detail.ref'], action: "the reference removed from the timeline's `recording` entries" },
    batch: (cutoff, limit) =>
      counted(sql`update call_events set detail = detail - 'ref'
          where (tenant_id, id) in (
            select tenant_id, id from call_events where kind = 'recording' and at < ${cutoff} and detail ? 'ref' limit ${limit})
          returning 1`),
  },
  {
    // Last: the steps above unlink every record older than the period, so a customer still linked to
    // anything, or whose number called within the period, has been seen since.
    kind: 'customers',
    period: 'personalData',
    counted: true,
    columns: { table: 'customers', columns: ['phone', 'name', 'email', 'address', 'birth_date', 'account_number', 'card_number'], action: 'the record deleted when not changed, linked to or called from since the cutoff' },
    batch: (cutoff, limit) =>
      counted(sql`delete from customers
          where (tenant_id, id) in (
            select k.tenant_id, k.id from customers k
            where k.updated_at < ${cutoff}
              and not exists (select 1 from calls x where x.tenant_id = k.tenant_id and x.customer_id = k.id)
              and not exists (select 1 from calls x where x.tenant_id = k.tenant_id and x.caller_number = k.phone and x.offered_at >= ${cutoff})
              and not exists (select 1 from orders x where x.tenant_id = k.tenant_id and x.customer_id = k.id)
              and not exists (select 1 from complaints x where x.tenant_id = k.tenant_id and x.customer_id = k.id)
              and not exists (select 1 from information_requests x where x.tenant_id = k.tenant_id and x.customer_id = k.id)
            limit ${limit})
          returning 1`),
  },
  // Outbound (issue 15). Dials and refusals are kept at least 31 days whatever the period: the calling rules
  // count a person's dials over 30 days, and that count is a legal duty (docs/outbound.md).
  {
    kind: 'campaignContacts',
    period: 'personalData',
    counted: false,
    columns: { table: 'dial_refusals', columns: ['phone', 'rule', 'detail'], action: 'refused dials deleted (kept at least 31 days)' },
    batch: (cutoff, limit) =>
      counted(sql`delete from dial_refusals where (tenant_id, id) in (
            select tenant_id, id from dial_refusals where at < least(${cutoff}::timestamptz, now() - interval '31 days') limit ${limit})
          returning 1`),
  },
  {
    kind: 'campaignContacts',
    period: 'personalData',
    counted: false,
    columns: { table: 'dial_attempts', columns: ['phone', 'caller_id', 'callee_time_zone', 'mode', 'status', 'outcome', 'skip_reason'], action: 'finished dials deleted (kept at least 31 days)' },
    batch: (cutoff, limit) =>
      counted(sql`delete from dial_attempts where (tenant_id, id) in (
            select tenant_id, id from dial_attempts
            where status = 'ended' and coalesce(ended_at, created_at) < least(${cutoff}::timestamptz, now() - interval '31 days') limit ${limit})
          returning 1`),
  },
  {
    kind: 'campaignContacts',
    period: 'personalData',
    counted: true,
    columns: {
      table: 'campaign_contacts',
      columns: ['phone', 'name', 'email', 'time_zone', 'region', 'postcode', 'fields', 'state', 'last_outcome', 'disposition', 'callback_note'],
      action: 'contacts untouched for the period deleted with what they held (not one being dialled, nor one with a dial still kept)',
    },
    batch: (cutoff, limit) =>
      counted(sql`delete from campaign_contacts k where (k.tenant_id, k.id) in (
            select c.tenant_id, c.id from campaign_contacts c
            where c.updated_at < ${cutoff} and c.state <> 'dialing'
              and not exists (select 1 from dial_attempts a where a.tenant_id = c.tenant_id and a.contact_id = c.id)
            limit ${limit})
          returning 1`),
  },
];

/**
 * Columns of the tables above that could name a person and stay, with why: billing and the audit
 * must stay true (amounts, counts, dates), and some text is the client's own configuration.
 */
export const kept: { table: string; columns: string[]; why: string }[] = [
  { table: 'calls', columns: ['adapter', 'carrier_call_sid', 'carrier_conference_sid', 'consult'], why: "who carries the call, the carrier's ids for it, and the client's own line an operator consulted (a directory entry or its in-house number: no caller data)" },
  { table: 'calls', columns: ['external_id', 'dialled_number', 'forwarded_to', 'disposition', 'function', 'status', 'offered_at', 'answered_at', 'ended_at'], why: "the telephony adapter's id, the client's own numbers, the outcome code and the times: what usage and statements count" },
  { table: 'calls', columns: ['direction', 'after_hours_action', 'ended_by', 'required_skill', 'recording_state', 'closed_reason'], why: 'codes' },
  { table: 'call_events', columns: ['kind'], why: 'a code' },
  { table: 'call_satisfaction', columns: ['function', 'outcome'], why: "codes beside a 1–5 score, a yes/no and the call's end: the client's satisfaction figures; nothing of the caller" },
  { table: 'call_satisfaction', columns: ['operator_id'], why: "the operator who handled the call (staff, as on the call itself): the client's figures per operator" },
  { table: 'callback_requests', columns: ['function', 'status'], why: 'codes' },
  { table: 'orders, complaints', columns: ['status'], why: 'a code' },
  { table: 'complaints', columns: ['severity'], why: 'a code' },
  { table: 'call_events', columns: ['detail (every other key)'], why: "codes, the client's own destinations, durations" },
  { table: 'orders', columns: ['items', 'subtotal_minor', 'discount_minor', 'total_minor', 'currency', 'payment_method', 'delivery_time'], why: 'catalog lines and amounts: billing and the client\'s accounts' },
  { table: 'complaints', columns: ['category'], why: 'a category for the client\'s counts' },
  { table: 'information_requests', columns: ['topic'], why: 'a short subject for the client\'s counts' },
  { table: 'usage_events, statements, statement_lines, invoices, billing_outbox', columns: ['*'], why: 'billing: no personal column (source ids only)' },
  { table: 'service_contracts, service_credits', columns: ['notes', 'updated_by', 'decided_by', 'credits'], why: "the contract between the provider and its client and who decided its credits (provider staff): no caller's data (docs/contracts.md)" },
  { table: 'audit_log', columns: ['before', 'after'], why: 'audit rows name the fields that changed, never their values (contacts/service.ts); actors are staff' },
  { table: 'quality_evaluations', columns: ['evaluator_label', 'status', 'answers (answer codes)'], why: 'staff who evaluated, a code, and the answers the score is made of: the quality figures; nothing of the caller' },
  { table: 'call_queue', columns: ['return_note'], why: 'exists only while a call waits; the row is deleted when the call is answered' },
  { table: 'idempotency_keys', columns: ['response_body'], why: "a record's id and status only; purged after 24 hours by housekeeping" },
  { table: 'delegations, directory_entries, phone_numbers', columns: ['in_house_phone', 'in_house_email', 'phone'], why: "the client's own lines, not callers'" },
];

/** Everything a run removed so far, zero for kinds it has not reached. */
export function countsOf(removed: unknown): RetentionCounts {
  const given = (removed ?? {}) as Partial<Record<string, unknown>>;
  return Object.fromEntries(retentionKinds.map((kind) => [kind, Number(given[kind] ?? 0) || 0])) as RetentionCounts;
}

/** Runs one batch of a step in the caller's retention transaction. */
export async function runBatch(tx: RetentionTx, step: RetentionStep, cutoff: Date, limit: number, now: Date): Promise<number> {
  const { rows } = await step.batch(cutoff, limit, now).execute(tx);
  return Number(rows[0]?.n ?? 0);
}
