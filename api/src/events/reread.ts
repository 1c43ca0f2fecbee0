import { sql, type Kysely, type RawBuilder } from 'kysely';
import { crossTenant, withApp, withTenant, type CallStatus, type DB, type TenantTx, type UserKind } from '@switchboard/db';
import { leadFieldsAsSeenBy, type LeadJson } from '../answers/records.ts';
import { addressAllowed } from '../rules/definition.ts';
import { rulesFromRow } from '../rules/service.ts';
import { maskPhone } from '../rules/viewer.ts';
import { recordTypes, type BusEvent, type RecordType } from './publish.ts';
import type { CallUpdateMessage, OfferMessage, PresenceMessage, QueueMessage } from './messages.ts';

/**
 * The re-reads behind every pushed event (DESIGN.md: notifications carry ids, never content, and are
 * not covered by RLS). Each runs in one short transaction that sees only the event's tenant, so what
 * is pushed, and to whom, is what that tenant's own rows say.
 */

/** Who may hear of one tenant's events, read from that tenant's rows. */
export interface Audience {
  tenantId: string;
  slug: string;
  name: string;
  brandColor: string;
  /** Operators listening here whom the tenant admits (assigned, active, with a current agreement where it requires one). */
  operatorIds: Set<string>;
  /** A client user of this tenant, from an address its IP allow-list lets in. */
  mayNotice(userId: string, address: string): boolean;
}

/** Who listens on this process: the re-reads ask the tenant about these people only. */
export interface Listeners {
  operatorIds: string[];
  clientIds: string[];
}

const iso = (value: Date | string | number) => new Date(value).toISOString();

/** An instant as whole epoch milliseconds inside a JSON answer (a Date's precision, the same on both drivers). */
const epochMs = (column: RawBuilder<unknown>) => sql`floor(extract(epoch from ${column}) * 1000)`;

/**
 * The operators among `input.operators` the tenant of the transaction admits: assigned, active account,
 * and a signed agreement where its rules require one — eligibility.ts's rule (operatorAdmitted), inside
 * a larger statement whose `input.j` names them.
 */
const admittedAmong = sql`(
  select coalesce(json_agg(a.operator_id), '[]'::json)
  from operator_assignments a join users u on u.id = a.operator_id and u.status = 'active'
  where a.operator_id in (select x::uuid from jsonb_array_elements_text(input.j -> 'operators') x)
    and (a.confidentiality_agreement_signed_at is not null
         or not exists (select 1 from confidentiality_rules r where r.requires_confidentiality_agreement)))`;

/** The tenant's waiting calls per function, in the JSON a QueueMessage is made from. */
const queuesJson = sql`(
  select coalesce(json_agg(json_build_object('function', g.function, 'waiting', g.waiting, 'oldestMs', g.oldest_ms) order by g.function), '[]'::json)
  from (select q.function, count(*) as waiting, ${epochMs(sql`min(q.enqueued_at)`)} as oldest_ms from call_queue q group by q.function) g)`;

interface QueueRow {
  function: string;
  waiting: number;
  oldestMs: number | null;
}

function queueMessage(slug: string, rows: QueueRow[], now: Date): QueueMessage {
  return {
    tenant: slug,
    queues: rows.map((r) => ({
      function: r.function,
      waiting: Number(r.waiting),
      longestWaitSeconds: r.oldestMs !== null ? Math.max(0, Math.floor((now.getTime() - Number(r.oldestMs)) / 1000)) : 0,
      oldestEnqueuedAt: r.oldestMs !== null ? iso(Number(r.oldestMs)) : null,
    })),
  };
}

/** One tenant's queues and which of the given operators it admits, in one statement under that tenant. */
async function readQueue(tx: TenantTx, tenantId: string, operatorIds: string[], now: Date): Promise<{ operatorIds: Set<string>; queue: QueueMessage } | null> {
  const { rows } = await sql<{ read: { slug: string | null; operatorIds: string[]; queues: QueueRow[] } }>`
    with input as (select cast(${JSON.stringify({ operators: operatorIds })}::text as jsonb) as j)
    select json_build_object(
      'slug', (select t.slug from tenants t where t.id = ${tenantId}),
      'operatorIds', ${admittedAmong},
      'queues', ${queuesJson}) as read
    from input`.execute(tx);
  const read = rows[0]?.read;
  if (!read?.slug) return null;
  return { operatorIds: new Set(read.operatorIds), queue: queueMessage(read.slug, read.queues, now) };
}

/**
 * A tenant's queues for the operators listening here it admits (the hub's snapshot after a change):
 * one short transaction, one statement, under that tenant.
 */
export async function readQueueUpdate(db: Kysely<DB>, tenantId: string, operatorIds: string[], now: Date): Promise<{ operatorIds: Set<string>; queue: QueueMessage } | null> {
  return withTenant(db, tenantId, (tx) => readQueue(tx, tenantId, operatorIds, now));
}

/** Queue snapshots of every tenant the operator is assigned to (a desk's first view): one statement per tenant, each under its tenant. */
export async function readQueueSnapshots(db: Kysely<DB>, operatorId: string, now: Date): Promise<{ tenantId: string; queue: QueueMessage }[]> {
  const tenantIds = await crossTenant.tenantIdsUserMayActFor(db, { id: operatorId, kind: 'operator' });
  const reads = await Promise.all(tenantIds.map(async (tenantId) => ({ tenantId, read: await readQueueUpdate(db, tenantId, [operatorId], now) })));
  return reads.flatMap(({ tenantId, read }) => (read?.operatorIds.has(operatorId) ? [{ tenantId, queue: read.queue }] : []));
}

type TenantEvent = Extract<BusEvent, { tenantId: string }>;

/** What one tenant's events of a batch read as, all from one statement under that tenant. */
export interface TenantEvents {
  audience: Audience;
  /** The offer message for an `offer` event (its call re-read; withdrawn unless the offer is still live for that operator). */
  offer(event: Extract<BusEvent, { kind: 'offer' }>): OfferMessage | { withdrawn: string } | null;
  /** The operator's update for a `call` event, with the operator the call's row names. */
  call(event: Extract<BusEvent, { kind: 'call' }>): { operatorId: string | null; update: CallUpdateMessage } | null;
  /** Whether a `record` event's record exists in the tenant. */
  record(event: Extract<BusEvent, { kind: 'record' }>): boolean;
  /** A `lead` event's lead as this viewer may see it (answers/records.ts: the Leads list's masking); null when it is gone. */
  lead(event: Extract<BusEvent, { kind: 'lead' }>, viewer: UserKind): LeadJson | null;
  /** Whether a `campaign` event's campaign exists in the tenant (the board refreshes; the figures are read by GET …/board). */
  campaign(event: Extract<BusEvent, { kind: 'campaign' }>): boolean;
  /** The presences asked for with the read (`presenceIds`), by operator. */
  presences: Map<string, PresenceMessage>;
}

/** Where each kind of record lives, and the column that names it (a survey's answers and a satisfaction report are named by their call). */
const recordTables: Record<RecordType, { table: string; id: string }> = {
  order: { table: 'orders', id: 'id' },
  complaint: { table: 'complaints', id: 'id' },
  customer: { table: 'customers', id: 'id' },
  information_request: { table: 'information_requests', id: 'id' },
  survey: { table: 'call_answer_sets', id: 'call_id' },
  satisfaction: { table: 'call_satisfaction', id: 'call_id' },
};

interface EventsRead {
  tenant: { slug: string; name: string; brandColor: string } | null;
  rules: Parameters<typeof rulesFromRow>[0];
  operatorIds: string[];
  memberIds: string[];
  calls: { id: string; function: string; callerNumber: string | null; status: CallStatus; operatorId: string | null; endedMs: number | null }[];
  offers: { callId: string; offeredTo: string | null; expiresMs: number | null }[];
  wrapUpSeconds: number | null;
  records: string[];
  leads: { id: string; status: LeadJson['status']; fields: unknown; callId: string; function: string; operatorName: string | null; createdMs: number; statusChangedMs: number | null; statusChangedBy: string | null }[];
  presences: { operatorId: string; state: PresenceMessage['state']; breakReason: string | null; sinceMs: number }[];
  campaigns: string[];
}

const recordsOf = (type: RecordType) => {
  const { table, id } = recordTables[type];
  return sql`select ${sql.lit(type)} || '/' || r.${sql.ref(id)} from ${sql.table(table)} r where r.${sql.ref(id)} in (select x::uuid from jsonb_array_elements_text(input.j -> ${sql.lit(type)}) x)`;
};

/**
 * Every event of one tenant in a batch, re-read in ONE statement under that tenant (withTenant): the
 * tenant, its rules, who of the listeners here it admits (operators by assignment and agreement, client
 * users by membership; the IP allow-list is applied per stream), the calls, offers and records the
 * events name, and the wrap-up time. The payloads only say what to look at; what is pushed, and to whom,
 * is what the tenant's rows say. The queue snapshot is read apart (readQueueUpdate), off the offers' path.
 */
export async function readTenantEvents<T>(
  db: Kysely<DB>,
  tenantId: string,
  events: TenantEvent[],
  now: Date,
  listeners: Listeners,
  /**
   * Operators whose presence the batch changed, read in the same statement: presence is global (no row
   * level security, each goes to that operator's own streams only), so it can ride on any tenant's read
   * and save the batch a transaction of its own.
   */
  presenceIds: string[],
  /**
   * What is done with the read (null: no such tenant), before the COMMIT: the answer of a read-only
   * transaction is final once its statement returns, and an offer should not wait a round trip more.
   */
  use: (read: TenantEvents | null) => T,
): Promise<T> {
  const ids = (pick: (e: TenantEvent) => string | undefined) => [...new Set(events.flatMap((e) => pick(e) ?? []))];
  const input = JSON.stringify({
    operators: listeners.operatorIds,
    clients: listeners.clientIds,
    calls: ids((e) => (e.kind === 'call' || e.kind === 'offer' ? e.callId : undefined)),
    offers: ids((e) => (e.kind === 'offer' ? e.callId : undefined)),
    ...Object.fromEntries(recordTypes.map((type) => [type, ids((e) => (e.kind === 'record' && e.recordType === type ? e.recordId : undefined))])),
    leads: ids((e) => (e.kind === 'lead' ? e.leadId : undefined)),
    campaigns: ids((e) => (e.kind === 'campaign' ? e.campaignId : undefined)),
    presences: presenceIds,
  });
  return withTenant(db, tenantId, async (tx) => {
    const { rows } = await sql<{ read: EventsRead }>`
      with input as (select cast(${input}::text as jsonb) as j)
      select json_build_object(
        'tenant', (select json_build_object('slug', t.slug, 'name', t.name, 'brandColor', t.brand_color) from tenants t where t.id = ${tenantId}),
        'rules', (select json_build_object(
            'classification', r.classification, 'operatorVisibility', r.operator_visibility, 'exportFields', r.export_fields,
            'whiteLabel', r.white_label, 'greetingText', r.greeting_text, 'recordingPolicy', r.recording_policy,
            'personalDataRetentionDays', r.personal_data_retention_days, 'recordingRetentionDays', r.recording_retention_days,
            'requiresConfidentialityAgreement', r.requires_confidentiality_agreement, 'ipAllowList', r.ip_allow_list)
          from confidentiality_rules r),
        'operatorIds', ${admittedAmong},
        'memberIds', (select coalesce(json_agg(m.user_id), '[]'::json) from tenant_members m join users u on u.id = m.user_id and u.status = 'active'
          where m.tenant_id = ${tenantId} and m.user_id in (select x::uuid from jsonb_array_elements_text(input.j -> 'clients') x)),
        'calls', (select coalesce(json_agg(json_build_object('id', c.id, 'function', c.function, 'callerNumber', c.caller_number,
            'status', c.status, 'operatorId', c.operator_id, 'endedMs', ${epochMs(sql`c.ended_at`)})), '[]'::json)
          from calls c where c.id in (select x::uuid from jsonb_array_elements_text(input.j -> 'calls') x)),
        'offers', (select coalesce(json_agg(json_build_object('callId', q.call_id, 'offeredTo', q.offered_to, 'expiresMs', ${epochMs(sql`q.offer_expires_at`)})), '[]'::json)
          from call_queue q where q.call_id in (select x::uuid from jsonb_array_elements_text(input.j -> 'offers') x)),
        'wrapUpSeconds', (select s.wrap_up_seconds from call_settings s),
        'records', array_to_json(array(${sql.join(recordTypes.map(recordsOf), sql` union all `)})),
        'leads', (select coalesce(json_agg(json_build_object('id', l.id, 'status', l.status, 'fields', l.fields, 'callId', l.call_id, 'function', l.function,
            'operatorName', u.display_name, 'createdMs', ${epochMs(sql`l.created_at`)}, 'statusChangedMs', ${epochMs(sql`l.status_changed_at`)},
            'statusChangedBy', l.status_changed_by_label)), '[]'::json)
          from leads l join calls c on c.id = l.call_id left join users u on u.id = c.operator_id
          where l.id in (select x::uuid from jsonb_array_elements_text(input.j -> 'leads') x)),
        'presences', (select coalesce(json_agg(json_build_object('operatorId', p.operator_id, 'state', p.state, 'breakReason', p.break_reason,
            'sinceMs', ${epochMs(sql`p.since`)})), '[]'::json)
          from operator_presence p where p.operator_id in (select x::uuid from jsonb_array_elements_text(input.j -> 'presences') x)),
        'campaigns', array_to_json(array(select k.id from campaigns k where k.id in (select x::uuid from jsonb_array_elements_text(input.j -> 'campaigns') x)))) as read
      from input`.execute(tx);
    return use(tenantEventsFrom(tenantId, rows[0]?.read, now));
  });
}

function tenantEventsFrom(tenantId: string, read: EventsRead | undefined, now: Date): TenantEvents | null {
  if (!read?.tenant) return null;
  const rules = rulesFromRow(read.rules);
  const memberIds = new Set(read.memberIds);
  const allowList = rules.ipAllowList;
  const audience: Audience = {
    tenantId,
    ...read.tenant,
    operatorIds: new Set(read.operatorIds),
    mayNotice: (userId, address) => memberIds.has(userId) && (!allowList.length || addressAllowed(address, allowList)),
  };
  const callById = new Map(read.calls.map((c) => [c.id, c]));
  const offerByCall = new Map(read.offers.map((o) => [o.callId, o]));
  const records = new Set(read.records);
  const leadById = new Map(read.leads.map((l) => [l.id, l]));
  const campaigns = new Set(read.campaigns);
  const wrapUpSeconds = read.wrapUpSeconds ?? 60;
  const banner = { tenant: audience.slug, tenantName: audience.name, brandColor: audience.brandColor };
  return {
    audience,
    presences: new Map(read.presences.map((p) => [p.operatorId, { state: p.state, breakReason: p.breakReason, since: iso(Number(p.sinceMs)) }])),
    record: (event) => records.has(`${event.recordType}/${event.recordId}`),
    campaign: (event) => campaigns.has(event.campaignId),
    lead: (event, viewer) => {
      const lead = leadById.get(event.leadId);
      if (!lead) return null;
      return {
        id: lead.id,
        status: lead.status,
        fields: leadFieldsAsSeenBy(lead.fields, rules, viewer),
        callId: lead.callId,
        function: lead.function,
        operatorName: lead.operatorName,
        createdAt: iso(Number(lead.createdMs)),
        statusChangedAt: lead.statusChangedMs !== null ? iso(Number(lead.statusChangedMs)) : null,
        statusChangedBy: lead.statusChangedBy,
      };
    },
    offer: (event) => {
      const call = callById.get(event.callId);
      if (!call) return null;
      const waiting = offerByCall.get(event.callId);
      const live = waiting?.offeredTo === event.operatorId && waiting.expiresMs !== null && Number(waiting.expiresMs) > now.getTime();
      if (!live) return { withdrawn: call.id };
      // Offers go to operators only: the number is masked as the tenant's rules show it to them.
      return {
        ...banner,
        callId: call.id,
        function: call.function,
        callerNumber: maskPhone(call.callerNumber, rules, 'operator'),
        expiresAt: iso(Number(waiting.expiresMs)),
      };
    },
    call: (event) => {
      const call = callById.get(event.callId);
      if (!call) return null;
      const wrapUpDeadline = call.status === 'wrap_up' && call.endedMs !== null ? iso(Number(call.endedMs) + wrapUpSeconds * 1000) : null;
      return { operatorId: call.operatorId, update: { ...banner, callId: call.id, status: call.status, wrapUpDeadline } };
    },
  };
}

/** Presence is global (one person, one state): read as the app role, no tenant; every operator of a batch in one statement. */
export async function readPresences(db: Kysely<DB>, operatorIds: string[]): Promise<Map<string, PresenceMessage>> {
  if (!operatorIds.length) return new Map();
  const rows = await withApp(db, (tx) =>
    tx.selectFrom('operatorPresence').select(['operatorId', 'state', 'breakReason', 'since']).where('operatorId', 'in', operatorIds).execute(),
  );
  return new Map(rows.map((row) => [row.operatorId, { state: row.state, breakReason: row.breakReason, since: iso(row.since) }]));
}
