import { randomBytes, scrypt } from 'node:crypto';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { callFunctions, jsonb, newId, type JsonColumnValue, type PrivacyAction, type PrivacyChannel, type Tenant, type TenantTx } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { ProblemError } from '../http/problem.ts';
import { writeAudit } from '../audit/write.ts';
import { callingListCounts, eraseCallingLists } from '../calling-lists/privacy.ts';
import { eraseEvaluationRemarks } from '../quality/evaluations.ts';
import { enqueueCommand } from '../telephony/commands.ts';
import { twilioRecordingSid } from '../twilio/recordings.ts';

/**
 * The person's rights (GDPR articles 15 and 17): find every record of one person in this tenant by
 * phone number or e-mail, export it as a document the person could be sent, erase it. Each run is kept
 * in `privacy_requests` (who, when, why, counts; the identifier only as a salted scrypt digest) and in
 * the audit trail, in the run's own transaction.
 *
 * "The person" is the customer records with this number or address, and the calls from the number or
 * from those records' numbers; orders, complaints and information requests are theirs when they name
 * one of those records, or were taken on one of those calls for no other customer. Leads likewise: naming
 * their number or e-mail, or taken on their call naming no other; customer record changes: those of their
 * records. The erasure also removes every lead and record change made on their calls (what they said
 * there), whoever it names; the export shows only what is theirs.
 */

export type Identifier = { kind: 'phone'; value: string } | { kind: 'email'; value: string };

export interface RequestDetails {
  receivedOn: string;
  channel: PrivacyChannel;
  reference: string;
}

/** What a search found, by kind (what the page shows, the history keeps and the erasure reports). */
export interface PersonCounts {
  customers: number;
  calls: number;
  orders: number;
  complaints: number;
  informationRequests: number;
  callbackRequests: number;
  scriptAnswers: number;
  wrapUpDrafts: number;
  recordings: number;
  /** Leads naming their number or e-mail, or taken on their calls naming no other (issue 14; absent from requests kept before). */
  leads?: number;
  /** Before/after changes of their customer records (issue 14; absent from requests kept before). */
  customerRecordChanges?: number;
  /** Issue 15: consent records of their numbers (deleted by an erasure). */
  consents?: number;
  /** Issue 15: campaign contacts with their number or e-mail (emptied and excluded from dialling by an erasure). */
  campaignContacts?: number;
  /** Issue 15: their numbers on the do-not-call list (kept by an erasure, without its note: it protects them). */
  doNotCall?: number;
}

/** The ids of everything that is the person's. */
interface Found {
  customerIds: string[];
  phones: string[];
  callIds: string[];
  orderIds: string[];
  complaintIds: string[];
  informationRequestIds: string[];
  callbackRequestIds: string[];
  /** Leads naming their number or e-mail on anyone's call (a referral, an outbound list), or taken on their calls naming no other. */
  leadIds: string[];
  /** Changes made to their customer records. */
  recordChangeIds: string[];
  /** The e-mail they were searched by (campaign contacts name it). */
  email: string | null;
}

const none = ['00000000-0000-0000-0000-000000000000'];
const orNone = (ids: string[]) => (ids.length ? ids : none);

async function findPerson(tx: TenantTx, who: Identifier): Promise<Found> {
  let customers = tx.selectFrom('customers').select(['id', 'phone', 'email']);
  customers = who.kind === 'phone' ? customers.where('phone', '=', who.value) : customers.where(sql`lower(email)`, '=', who.value.toLowerCase());
  const records = await customers.execute();
  const customerIds = records.map((r) => r.id);
  const phones = [...new Set([...(who.kind === 'phone' ? [who.value] : []), ...records.map((r) => r.phone)])];
  const calls = await tx
    .selectFrom('calls')
    .select('id')
    .where((eb) => eb.or([eb('callerNumber', 'in', orNone(phones)), eb('customerId', 'in', orNone(customerIds))]))
    .execute();
  const callIds = calls.map((c) => c.id);
  // A record is the person's when it names their customer record, or was taken on their call for nobody else.
  const owned = <T extends 'orders' | 'complaints' | 'informationRequests'>(table: T) =>
    tx
      .selectFrom(table as 'orders')
      .select('id')
      .where((eb) =>
        eb.or([eb('customerId', 'in', orNone(customerIds)), eb.and([eb('customerId', 'is', null), eb('callId', 'in', orNone(callIds))])]),
      )
      .execute();
  const orders = await owned('orders');
  const complaints = await owned('complaints');
  const informationRequests = await owned('informationRequests');
  const callbacks = await tx
    .selectFrom('callbackRequests')
    .select('id')
    .where((eb) => eb.or([eb('callerNumber', 'in', orNone(phones)), eb('callId', 'in', orNone(callIds))]))
    .execute();
  const emails = [...new Set([...(who.kind === 'email' ? [who.value] : []), ...records.flatMap((r) => (r.email ? [r.email] : []))].map((e) => e.toLowerCase()))];
  // A lead is theirs when it names their number or e-mail, or was taken on their call naming no other
  // (as orders are chosen above): a lead on their call naming a friend they referred is the friend's.
  const leads = await tx
    .selectFrom('leads')
    .select('id')
    .where((eb) =>
      eb.or([
        eb(sql<string>`fields->>'phone'`, 'in', phones.length ? phones : ['']),
        eb(sql<string>`lower(fields->>'email')`, 'in', emails.length ? emails : ['']),
        eb.and([
          eb('callId', 'in', orNone(callIds)),
          eb(sql<string>`coalesce(fields->>'phone', '')`, '=', ''),
          eb(sql<string>`coalesce(fields->>'email', '')`, '=', ''),
        ]),
      ]),
    )
    .execute();
  // The changes of their own records only: a change made on their call to another customer's record is
  // that customer's (the erasure still removes what was made on their calls).
  const recordChanges = await tx.selectFrom('customerRecordChanges').select('id').where('customerId', 'in', orNone(customerIds)).execute();
  return {
    customerIds,
    phones,
    callIds,
    orderIds: orders.map((r) => r.id),
    complaintIds: complaints.map((r) => r.id),
    informationRequestIds: informationRequests.map((r) => r.id),
    callbackRequestIds: callbacks.map((r) => r.id),
    leadIds: leads.map((r) => r.id),
    recordChangeIds: recordChanges.map((r) => r.id),
    email: who.kind === 'email' ? who.value : null,
  };
}

async function callRows(tx: TenantTx, ids: string[]) {
  return tx
    .selectFrom('calls')
    .select([
      'id',
      'direction',
      'function',
      'dialledNumber',
      'callerNumber',
      'status',
      'disposition',
      'notes',
      'recordingRef',
      'offeredAt',
      'answeredAt',
      'endedAt',
      'endedBy',
      'draftDisposition',
      'draftNotes',
      'draftScriptAnswers',
    ])
    .where('id', 'in', orNone(ids))
    .orderBy('offeredAt')
    .execute();
}

async function callEventRows(tx: TenantTx, callIds: string[]) {
  return tx.selectFrom('callEvents').select(['callId', 'at', 'kind', 'detail']).where('callId', 'in', orNone(callIds)).orderBy('at').orderBy('id').execute();
}

const hasAnswers = (value: unknown) => value !== null && typeof value === 'object' && Object.keys(value).length > 0;
const detailOf = (value: unknown) => (value && typeof value === 'object' ? (value as Record<string, unknown>) : {});

async function countsOf(tx: TenantTx, found: Found): Promise<PersonCounts> {
  const calls = await callRows(tx, found.callIds);
  const events = await callEventRows(tx, found.callIds);
  const answered = new Set([
    ...calls.filter((c) => hasAnswers(c.draftScriptAnswers)).map((c) => c.id),
    ...events.filter((e) => hasAnswers(detailOf(e.detail).scriptAnswers)).map((e) => e.callId),
  ]);
  return {
    customers: found.customerIds.length,
    calls: found.callIds.length,
    orders: found.orderIds.length,
    complaints: found.complaintIds.length,
    informationRequests: found.informationRequestIds.length,
    callbackRequests: found.callbackRequestIds.length,
    scriptAnswers: answered.size,
    wrapUpDrafts: calls.filter((c) => c.draftNotes !== null || c.draftDisposition !== null || hasAnswers(c.draftScriptAnswers)).length,
    recordings: calls.filter((c) => c.recordingRef !== null).length,
    leads: found.leadIds.length,
    customerRecordChanges: found.recordChangeIds.length,
    ...(await callingListCounts(tx, found.phones, found.email)),
  };
}

export const recordKinds = ['customer', 'call', 'order', 'complaint', 'information_request', 'callback_request'] as const;
export type RecordKind = (typeof recordKinds)[number];

/** One line of what was found, in words that carry no personal data (reference, date, status). */
export interface FoundRecord {
  kind: RecordKind;
  reference: string;
  at: string;
  /** The same in English words, for API clients; the web words `facts` in the viewer's language. */
  summary: string;
  facts: RecordFacts;
}

/** What a found record's summary says, as codes and values (no personal data). */
export interface RecordFacts {
  /** The order's or complaint's number. */
  number?: number;
  function?: string;
  /** The record's own status code (a call's, order's, complaint's or callback request's). */
  status?: string;
  severity?: string;
  totalMinor?: number;
  currency?: string;
  followUp?: boolean;
  recording?: boolean;
  wrapUpDraft?: boolean;
}

const functionLabel = (id: string) => callFunctions.find((f) => f.id === id)?.label ?? id;

async function foundRecords(tx: TenantTx, found: Found): Promise<FoundRecord[]> {
  const list: FoundRecord[] = [];
  const customers = await tx.selectFrom('customers').select(['id', 'createdAt', 'updatedAt']).where('id', 'in', orNone(found.customerIds)).execute();
  for (const c of customers) list.push({ kind: 'customer', reference: c.id, at: c.createdAt.toISOString(), summary: 'Phone number, name and contact details', facts: {} });
  for (const c of await callRows(tx, found.callIds)) {
    const recording = c.recordingRef !== null;
    const wrapUpDraft = c.draftNotes !== null || hasAnswers(c.draftScriptAnswers);
    const extras = [recording ? 'recording' : null, wrapUpDraft ? 'wrap-up draft' : null].filter(Boolean);
    list.push({
      kind: 'call',
      reference: c.id,
      at: c.offeredAt.toISOString(),
      summary: [`${functionLabel(c.function)} call, ${c.status.replace(/_/g, ' ')}`, ...extras].join(', '),
      facts: { function: c.function, status: c.status, recording, wrapUpDraft },
    });
  }
  const orders = await tx.selectFrom('orders').select(['id', 'number', 'status', 'totalMinor', 'currency', 'createdAt']).where('id', 'in', orNone(found.orderIds)).execute();
  for (const o of orders) list.push({ kind: 'order', reference: `Order ${o.number}`, at: o.createdAt.toISOString(), summary: `${o.status}, ${(Number(o.totalMinor) / 100).toFixed(2)} ${o.currency.trim()}`, facts: { number: o.number, status: o.status, totalMinor: Number(o.totalMinor), currency: o.currency.trim() } });
  const complaints = await tx.selectFrom('complaints').select(['number', 'status', 'severity', 'createdAt']).where('id', 'in', orNone(found.complaintIds)).execute();
  for (const c of complaints) list.push({ kind: 'complaint', reference: `Complaint ${c.number}`, at: c.createdAt.toISOString(), summary: `${c.severity} severity, ${c.status.replace(/_/g, ' ')}`, facts: { number: c.number, status: c.status, severity: c.severity } });
  const requests = await tx.selectFrom('informationRequests').select(['id', 'followUp', 'createdAt']).where('id', 'in', orNone(found.informationRequestIds)).execute();
  for (const r of requests) list.push({ kind: 'information_request', reference: r.id, at: r.createdAt.toISOString(), summary: r.followUp ? 'Information request, to follow up' : 'Information request', facts: { followUp: r.followUp } });
  const callbacks = await tx.selectFrom('callbackRequests').select(['id', 'status', 'requestedAt']).where('id', 'in', orNone(found.callbackRequestIds)).execute();
  for (const r of callbacks) list.push({ kind: 'callback_request', reference: r.id, at: r.requestedAt.toISOString(), summary: `Callback request, ${r.status}`, facts: { status: r.status } });
  return list.sort((a, b) => b.at.localeCompare(a.at));
}

// ---- the history ------------------------------------------------------------------------------

const scryptAsync = promisify(scrypt) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;

/**
 * The identifier as kept: scrypt with a salt of its own. A phone number has too few possible values for
 * a plain hash to hide it; this costs a guesser tens of milliseconds per try per row, and still lets an
 * admin check whether a request concerned a number they are given (digestMatches).
 */
export async function identifierDigest(who: Identifier, salt: Buffer = randomBytes(16)): Promise<{ salt: string; digest: string }> {
  const key = await scryptAsync(`${who.kind}:${who.value.toLowerCase()}`, salt, 32, { N: 2 ** 14, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  return { salt: salt.toString('hex'), digest: key.toString('hex') };
}

export async function digestMatches(who: Identifier, row: { identifierSalt: string; identifierDigest: string }): Promise<boolean> {
  return (await identifierDigest(who, Buffer.from(row.identifierSalt, 'hex'))).digest === row.identifierDigest;
}

async function keepRequest(tx: TenantTx, tenant: Pick<Tenant, 'id'>, actor: Actor, action: PrivacyAction, who: Identifier, details: RequestDetails, counts: PersonCounts, now: Date) {
  const id = newId();
  const { salt, digest } = await identifierDigest(who);
  await tx
    .insertInto('privacyRequests')
    .values({
      tenantId: tenant.id,
      id,
      action,
      identifierKind: who.kind,
      identifierSalt: salt,
      identifierDigest: digest,
      receivedOn: details.receivedOn,
      channel: details.channel,
      reference: details.reference,
      requestedBy: actor.id,
      requestedByLabel: actor.label,
      at: now,
      counts: jsonb(counts),
    })
    .execute();
  await writeAudit(tx, tenant.id, actor, {
    action: `privacy.${action}`,
    targetType: 'privacy_request',
    targetId: id,
    after: { identifierKind: who.kind, receivedOn: details.receivedOn, channel: details.channel, reference: details.reference, counts },
  });
  return id;
}

export async function listRequests(tx: TenantTx, limit: number) {
  const rows = await tx
    .selectFrom('privacyRequests')
    .select(['id', 'action', 'identifierKind', 'receivedOn', 'channel', 'reference', 'requestedByLabel', 'at', 'counts'])
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, at: r.at.toISOString(), counts: r.counts as PersonCounts }));
}

// ---- the three actions ------------------------------------------------------------------------

export async function searchPerson(tx: TenantTx, tenant: Pick<Tenant, 'id'>, actor: Actor, who: Identifier, details: RequestDetails, now: Date) {
  const found = await findPerson(tx, who);
  const counts = await countsOf(tx, found);
  const records = await foundRecords(tx, found);
  const requestId = await keepRequest(tx, tenant, actor, 'search', who, details, counts, now);
  return { requestId, counts, records, inProgress: await callsInProgress(tx, found.callIds) };
}

async function callsInProgress(tx: TenantTx, callIds: string[]): Promise<number> {
  const row = await tx
    .selectFrom('calls')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('id', 'in', orNone(callIds))
    .where('status', 'in', ['queued', 'connected', 'wrap_up'])
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** Timeline steps the person would recognise, with what was written on them; operators and internal ids left out. */
const timelineWords: Record<string, string> = {
  offered: 'Call received',
  queued: 'Waiting for an operator',
  answered: 'Answered',
  recording: 'Recording made',
  transfer_requested: 'Transfer requested',
  transfer_returned: 'Transfer not answered, back with the operator',
  transferred_out: 'Transferred',
  ended: 'Call ended',
  wrap_up_done: 'Outcome recorded',
  wrap_up_timeout: 'Wrap-up time ran out',
  disposition_completed: 'Outcome completed',
  after_hours: 'Received outside opening hours',
  abandoned: 'Caller hung up while waiting',
};

/**
 * The document a person could be sent (GDPR article 15): readable keys and ISO dates, every record of
 * theirs in full (it is their own data, so the tenant's masking for staff does not apply), nothing of
 * anyone else: no operator or staff names (their own personal data), no internal ids or telephony keys,
 * no other customer's records.
 */
export async function exportPerson(tx: TenantTx, tenant: Tenant, actor: Actor, who: Identifier, details: RequestDetails, now: Date) {
  const found = await findPerson(tx, who);
  const counts = await countsOf(tx, found);
  await keepRequest(tx, tenant, actor, 'export', who, details, counts, now);
  const codes = new Map((await tx.selectFrom('wrapUpCodes').select(['code', 'label']).execute()).map((c) => [c.code, c.label]));
  const outcome = (code: string | null) => (code ? (codes.get(code) ?? code) : null);
  const customers = await tx
    .selectFrom('customers')
    .select(['phone', 'name', 'email', 'address', 'birthDate', 'accountNumber', 'cardNumber', 'createdAt', 'updatedAt'])
    .where('id', 'in', orNone(found.customerIds))
    .orderBy('createdAt')
    .execute();
  const events = await callEventRows(tx, found.callIds);
  const calls = (await callRows(tx, found.callIds)).map((c) => {
    const timeline = events.filter((e) => e.callId === c.id && e.kind in timelineWords);
    const answers = timeline.map((e) => detailOf(e.detail).scriptAnswers).filter(hasAnswers);
    return {
      service: functionLabel(c.function),
      direction: c.direction,
      yourNumber: c.callerNumber,
      numberCalled: c.dialledNumber,
      receivedAt: iso(c.offeredAt),
      answeredAt: iso(c.answeredAt),
      endedAt: iso(c.endedAt),
      outcome: outcome(c.disposition),
      notes: c.notes,
      scriptAnswers: answers.at(-1) ?? null,
      unfinishedWrapUp: c.draftNotes !== null || c.draftDisposition !== null || hasAnswers(c.draftScriptAnswers)
        ? { outcome: outcome(c.draftDisposition), notes: c.draftNotes, scriptAnswers: hasAnswers(c.draftScriptAnswers) ? c.draftScriptAnswers : null }
        : null,
      recordingReference: c.recordingRef,
      timeline: timeline.map((e) => {
        const detail = detailOf(e.detail);
        const note = typeof detail.notes === 'string' ? detail.notes : typeof detail.note === 'string' ? detail.note : null;
        return { at: e.at.toISOString(), step: timelineWords[e.kind]!, ...(note ? { note } : {}) };
      }),
    };
  });
  const orders = await tx
    .selectFrom('orders')
    .select(['number', 'status', 'items', 'currency', 'subtotalMinor', 'discountMinor', 'totalMinor', 'deliveryAddress', 'deliveryTime', 'paymentMethod', 'paymentReference', 'notes', 'createdAt'])
    .where('id', 'in', orNone(found.orderIds))
    .orderBy('createdAt')
    .execute();
  const money = (minor: string | number, currency: string) => `${(Number(minor) / 100).toFixed(2)} ${currency.trim()}`;
  const complaints = await tx
    .selectFrom('complaints')
    .select(['number', 'category', 'severity', 'description', 'desiredResolution', 'status', 'dueAt', 'createdAt'])
    .where('id', 'in', orNone(found.complaintIds))
    .orderBy('createdAt')
    .execute();
  const informationRequests = await tx
    .selectFrom('informationRequests')
    .select(['topic', 'question', 'answer', 'followUp', 'createdAt'])
    .where('id', 'in', orNone(found.informationRequestIds))
    .orderBy('createdAt')
    .execute();
  const callbacks = await tx
    .selectFrom('callbackRequests')
    .select(['callerNumber', 'status', 'requestedAt'])
    .where('id', 'in', orNone(found.callbackRequestIds))
    .orderBy('requestedAt')
    .execute();
  // What calls captured about them (issue 14): their leads and the changes made to their customer records.
  // Their own data, in full like the rest of this document; card numbers were redacted before anything was stored.
  const leads = await tx
    .selectFrom('leads')
    .select(['function', 'fields', 'status', 'createdAt', 'statusChangedAt'])
    .where('id', 'in', orNone(found.leadIds))
    .orderBy('createdAt')
    .execute();
  const recordChanges = await tx
    .selectFrom('customerRecordChanges')
    .select(['action', 'changes', 'at'])
    .where('id', 'in', orNone(found.recordChangeIds))
    .orderBy('at')
    .execute();
  const fieldWords = (field: string) => field.replace(/^customer\./, '').replace(/_/g, ' ');
  return {
    about: 'The personal data we hold about you, as of the date below (GDPR article 15).',
    controller: tenant.legalName,
    generatedAt: now.toISOString(),
    requestReceivedOn: details.receivedOn,
    searchedBy: who.kind === 'phone' ? { phoneNumber: who.value } : { email: who.value },
    summary: counts,
    customerRecords: customers.map((c) => ({
      phoneNumber: c.phone,
      name: c.name,
      email: c.email,
      address: c.address,
      birthDate: c.birthDate,
      accountNumber: c.accountNumber,
      paymentCard: c.cardNumber,
      firstRecordedAt: c.createdAt.toISOString(),
      lastChangedAt: c.updatedAt.toISOString(),
    })),
    calls,
    orders: orders.map((o) => ({
      orderNumber: o.number,
      placedAt: o.createdAt.toISOString(),
      status: o.status,
      items: ((o.items as { name?: string; quantity?: number; options?: unknown; lineTotalMinor?: number }[]) ?? []).map((l) => ({
        item: l.name ?? null,
        quantity: l.quantity ?? null,
        options: l.options ?? [],
        ...(typeof l.lineTotalMinor === 'number' ? { lineTotal: money(l.lineTotalMinor, o.currency) } : {}),
      })),
      subtotal: money(o.subtotalMinor, o.currency),
      discount: money(o.discountMinor, o.currency),
      total: money(o.totalMinor, o.currency),
      deliveryAddress: o.deliveryAddress,
      deliveryTime: iso(o.deliveryTime),
      paymentMethod: o.paymentMethod.replace(/_/g, ' '),
      paymentReference: o.paymentReference,
      notes: o.notes,
    })),
    complaints: complaints.map((c) => ({
      complaintNumber: c.number,
      recordedAt: c.createdAt.toISOString(),
      category: c.category,
      severity: c.severity,
      description: c.description,
      desiredResolution: c.desiredResolution,
      status: c.status.replace(/_/g, ' '),
      dueBy: c.dueAt.toISOString(),
    })),
    informationRequests: informationRequests.map((r) => ({
      askedAt: r.createdAt.toISOString(),
      topic: r.topic,
      question: r.question,
      answer: r.answer,
      toFollowUp: r.followUp,
    })),
    callbackRequests: callbacks.map((r) => ({ requestedAt: r.requestedAt.toISOString(), phoneNumber: r.callerNumber, status: r.status })),
    leads: leads.map((l) => ({
      service: functionLabel(l.function),
      recordedAt: l.createdAt.toISOString(),
      status: l.status,
      statusChangedAt: iso(l.statusChangedAt),
      details: detailOf(l.fields),
    })),
    customerRecordChanges: recordChanges.map((r) => ({
      at: r.at.toISOString(),
      action: r.action === 'created' ? 'record created' : 'record changed',
      changes: (Array.isArray(r.changes) ? (r.changes as { field: string; before: unknown; after: unknown; held?: boolean }[]) : []).map((c) => ({
        field: fieldWords(c.field),
        before: c.before ?? null,
        // A held number was another customer's: not theirs to be told (older changes still kept it).
        after: c.held ? null : (c.after ?? null),
        ...(c.held ? { applied: false } : {}),
      })),
    })),
  };
}

/** What a caller's number becomes on a call kept for the tenant's figures and billing. */
export const ERASED_NUMBER = 'erased';
const ERASED_DESCRIPTION = "Erased at the person's request.";
/** Keys of a call event's detail that hold what was typed or said on the call, or where it was recorded. */
const personalDetailKeys = ['notes', 'note', 'scriptAnswers', 'ref', 'caller', 'callerNumber'];

/**
 * Erasure (GDPR article 17): deletes what no account needs (the customer records, callback and
 * information requests, replayable idempotency answers) and strips personal data from what must stay
 * true for billing and the tenant's figures: calls keep their times, function, status and outcome code;
 * orders their number, lines and amounts; complaints their number, category, severity and dates. Usage,
 * statements and invoices never held personal data and are not touched. A call still in progress is
 * refused (409): it finishes first.
 */
export async function erasePerson(tx: TenantTx, tenant: Pick<Tenant, 'id'>, actor: Actor, who: Identifier, details: RequestDetails, now: Date) {
  const found = await findPerson(tx, who);
  // One lock order for a call: calls first (before call_queue), in the mode lockCall takes (docs/locking.md).
  await tx.selectFrom('calls').select('id').where('id', 'in', orNone(found.callIds)).orderBy('id').forNoKeyUpdate().execute();
  const busy = await callsInProgress(tx, found.callIds);
  if (busy) {
    throw new ProblemError(409, 'call-in-progress', 'A call is in progress', `${busy === 1 ? 'A call' : `${busy} calls`} of this person ${busy === 1 ? 'is' : 'are'} still in progress: erase once ${busy === 1 ? 'it has' : 'they have'} ended.`, undefined, {}, { params: { n: busy } });
  }
  const counts = await countsOf(tx, found);
  const recorded = (await callRows(tx, found.callIds)).filter((c) => c.recordingRef !== null);
  const recordings = recorded.map((c) => c.recordingRef!);
  // A recording kept by Twilio goes too: the adapter is told to delete it, once this erasure commits (issue 17).
  for (const c of recorded) {
    if (twilioRecordingSid(c.recordingRef)) await enqueueCommand(tx, { tenantId: tenant.id, adapter: 'twilio', callId: c.id }, 'delete_recording', { ref: c.recordingRef! }, now);
  }
  const callIds = orNone(found.callIds);
  await tx
    .updateTable('calls')
    .set({ callerNumber: ERASED_NUMBER, customerId: null, notes: null, recordingRef: null, draftNotes: null, draftScriptAnswers: null })
    .where('id', 'in', callIds)
    .execute();
  await tx
    .updateTable('callEvents')
    .set({ detail: sql<JsonColumnValue>`detail ${sql.join(personalDetailKeys.map((k) => sql`- ${k}::text`), sql` `)}` })
    .where('callId', 'in', callIds)
    .execute();
  await tx.updateTable('callQueue').set({ returnNote: null }).where('callId', 'in', callIds).execute();
  // Issue 16: remarks on the quality evaluations of their calls may quote them (score and answers stay).
  await eraseEvaluationRemarks(tx, found.callIds);
  // What the person answered on their calls (issue 14): the answers, the lead, the record's before/after.
  // The answer set stays (script version, completed or not): a completed questionnaire was billed.
  await tx.deleteFrom('callAnswers').where('callId', 'in', callIds).execute();
  await tx.deleteFrom('leads').where((eb) => eb.or([eb('callId', 'in', callIds), eb('id', 'in', orNone(found.leadIds))])).execute();
  await tx.deleteFrom('customerRecordChanges').where((eb) => eb.or([eb('callId', 'in', callIds), eb('id', 'in', orNone(found.recordChangeIds))])).execute();
  await tx.deleteFrom('callbackRequests').where('id', 'in', orNone(found.callbackRequestIds)).execute();
  // Issue 15: consents go; the do-not-call entry and the refusals stay (they protect the person): calling-lists/privacy.ts.
  await eraseCallingLists(tx, found.phones, found.email);
  await tx
    .updateTable('orders')
    .set({ customerId: null, deliveryAddress: null, paymentReference: null, notes: null, updatedAt: now })
    .where('id', 'in', orNone(found.orderIds))
    .execute();
  await tx
    .updateTable('complaints')
    .set({ customerId: null, description: ERASED_DESCRIPTION, desiredResolution: null, updatedAt: now })
    .where('id', 'in', orNone(found.complaintIds))
    .execute();
  await tx.deleteFrom('informationRequests').where('id', 'in', orNone(found.informationRequestIds)).execute();
  await tx.deleteFrom('customers').where('id', 'in', orNone(found.customerIds)).execute();
  // A retried capture would answer the erased record again: its key goes with it.
  const recordIds = [...found.customerIds, ...found.orderIds, ...found.complaintIds, ...found.informationRequestIds];
  await tx.deleteFrom('idempotencyKeys').where(sql<string>`response_body->>'id'`, 'in', orNone(recordIds)).execute();
  const requestId = await keepRequest(tx, tenant, actor, 'erasure', who, details, counts, now);
  return { requestId, counts, recordingReferences: recordings };
}
