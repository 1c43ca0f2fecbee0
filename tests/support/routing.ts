import type { Kysely } from 'kysely';
import { jsonb, newId, withTenant, type DB, type RoutingEntry, type Tenant } from '@switchboard/db';
import { createWrapUpCode, replaceHours, signTelephonyRequest, type HoursDefinitionInput } from '@switchboard/api';
import { HoursDefinitionSchema, recordUsage, replaceRules, rules } from '@switchboard/api';
import type { App, Clock } from './harness.ts';
import { seedUser, type TestUser } from './users.ts';

/** The secret every test app signs telephony requests with (the documented development default). */
export const TEST_TELEPHONY_SECRET = 'switchboard-dev-telephony-secret';

const allDay = [{ start: '00:00', end: '24:00' }];
export const alwaysOpen: HoursDefinitionInput = {
  defaultSchedule: 'Always',
  schedules: [{ name: 'Always', week: { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay } }],
};

export async function setHours(db: Kysely<DB>, tenant: Tenant, hours: HoursDefinitionInput): Promise<void> {
  const definition = HoursDefinitionSchema.parse(hours);
  await withTenant(db, tenant.id, (tx) => replaceHours(tx, tenant.id, null, definition));
}

export async function addNumber(db: Kysely<DB>, tenant: Tenant, number: string, fn: string): Promise<void> {
  await withTenant(db, tenant.id, (tx) => tx.insertInto('phoneNumbers').values({ tenantId: tenant.id, number, function: fn }).execute());
}

export async function setCallSettings(
  db: Kysely<DB>,
  tenant: Tenant,
  settings: { offerTimeoutSeconds?: number; wrapUpSeconds?: number; transferTimeoutSeconds?: number; wrapUpExtensionSeconds?: number },
): Promise<void> {
  await withTenant(db, tenant.id, (tx) =>
    tx
      .insertInto('callSettings')
      .values({ tenantId: tenant.id, updatedBy: 'test', ...settings })
      .onConflict((oc) => oc.column('tenantId').doUpdateSet(settings))
      .execute(),
  );
}

export async function addWrapUpCode(db: Kysely<DB>, tenant: Tenant, code: string, now: Date): Promise<void> {
  await withTenant(db, tenant.id, (tx) => createWrapUpCode(tx, tenant.id, null, { code, label: code.replace(/_/g, ' '), active: true }, now));
}

export async function requireAgreement(db: Kysely<DB>, tenant: Tenant, now: Date): Promise<void> {
  await withTenant(db, tenant.id, (tx) => replaceRules(tx, tenant.id, null, { ...rules.defaultRules(), requiresConfidentialityAgreement: true }, now));
}

export interface AssignmentOptions {
  skills?: string[];
  routing?: Record<string, Partial<RoutingEntry>>;
  agreementSigned?: boolean;
}

/** An operator assigned to tenants with skills, routing profile and agreement, as the operators routes would store them. */
export async function seedRoutedOperator(db: Kysely<DB>, assignments: [Tenant, AssignmentOptions][], label = 'operator'): Promise<TestUser> {
  const user = await seedUser(db, { kind: 'operator', displayName: label });
  for (const [tenant, options] of assignments) {
    await withTenant(db, tenant.id, (tx) =>
      tx
        .insertInto('operatorAssignments')
        .values({
          tenantId: tenant.id,
          operatorId: user.id,
          skills: options.skills ?? ['order_taking'],
          routing: jsonb(options.routing ?? {}),
          confidentialityAgreementSignedAt: options.agreementSigned ? new Date() : null,
        })
        .execute(),
    );
  }
  return user;
}

export interface TelephonyResponse {
  status: number;
  body: any;
}

/** A request from the telephony adapter, signed (v2) at the clock's time, or with the headers given. */
export async function telephony(
  app: App,
  clock: Clock,
  method: 'GET' | 'POST',
  path: string,
  json?: unknown,
  headers?: Record<string, string>,
): Promise<TelephonyResponse> {
  const body = json === undefined ? '' : JSON.stringify(json);
  const signed = headers ?? signTelephonyRequest(TEST_TELEPHONY_SECRET, method === 'GET' ? '' : body, clock.now(), { method, path });
  const res = await app.request(path, {
    method,
    headers: { ...signed, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(method === 'GET' ? {} : { body }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

let callSeq = 0;
/** An inbound call as the adapter reports it. */
export function incomingCall(dialled: string, caller = '+33612345678') {
  return { callId: `CA-${Date.now().toString(36)}-${++callSeq}`, dialled, caller };
}

let numberSeq = 0;
/** A number no other tenant of the test database owns. */
export function uniqueNumber(): string {
  return `+3319${String(process.pid % 1000).padStart(3, '0')}${String(++numberSeq).padStart(4, '0')}`;
}

/**
 * A tenant's call records as routing leaves them — a call waiting in the queue, a handled call with its
 * timeline and usage, an after-hours callback request — written directly, for suites that need rows in
 * every tenant table (isolation) rather than the flows, which tests/routing.test.ts and desk-calls cover.
 */
export async function seedCallRecords(db: Kysely<DB>, tenant: Tenant, at: Date = new Date()): Promise<void> {
  await withTenant(db, tenant.id, async (tx) => {
    const [waiting, handled, closed] = [newId(), newId(), newId()];
    const dialledNumber = uniqueNumber();
    await tx.insertInto('phoneNumbers').values({ tenantId: tenant.id, number: dialledNumber, function: 'order_taking' }).execute();
    const base = { tenantId: tenant.id, function: 'order_taking', dialledNumber, callerNumber: '+33612345678', offeredAt: at };
    await tx.insertInto('calls').values({ ...base, id: waiting, externalId: `seed-${waiting}`, status: 'queued', afterHoursAction: null }).execute();
    await tx.insertInto('callQueue').values({ tenantId: tenant.id, callId: waiting, function: 'order_taking', enqueuedAt: at }).execute();
    await tx
      .insertInto('calls')
      .values({
        ...base,
        id: handled,
        externalId: `seed-${handled}`,
        status: 'completed',
        afterHoursAction: null,
        answeredAt: at,
        endedAt: at,
        endedBy: 'caller',
        recordingState: 'on',
        recordingRef: `seed://recordings/${handled}.wav`,
      })
      .execute();
    // Someone listened to the handled call's recording (issue 11: every listen is logged).
    await tx.insertInto('recordingAccess').values({ tenantId: tenant.id, id: newId(), callId: handled, userId: newId(), userLabel: 'Seeded listener', action: 'listen', at }).execute();
    await tx.insertInto('calls').values({ ...base, id: closed, externalId: `seed-${closed}`, status: 'after_hours', afterHoursAction: 'callback' }).execute();
    await tx
      .insertInto('callbackRequests')
      .values({ tenantId: tenant.id, id: newId(), callId: closed, function: 'order_taking', callerNumber: base.callerNumber, requestedAt: at })
      .execute();
    for (const [callId, kind] of [[waiting, 'queued'], [handled, 'answered'], [closed, 'after_hours']] as const) {
      await tx.insertInto('callEvents').values({ tenantId: tenant.id, id: newId(), callId, at, kind, operatorId: null, detail: jsonb({}) }).execute();
    }
    await recordUsage(tx, { function: 'order_taking', metric: 'handled_call', quantity: 1, sourceType: 'call', sourceId: handled, occurredAt: at });
    // The handled call's script answers as issue 14 keeps them: the answer set, a typed answer, a lead and a customer record's change.
    let script = await tx.selectFrom('scripts').select('id').where('function', '=', 'lead_qualification').executeTakeFirst();
    if (!script) {
      script = { id: newId() };
      await tx.insertInto('scripts').values({ tenantId: tenant.id, id: script.id, function: 'lead_qualification', draft: jsonb({ steps: [] }), draftUpdatedBy: 'seed' }).execute();
    }
    let version = await tx.selectFrom('scriptVersions').select('version').where('scriptId', '=', script.id).orderBy('version', 'desc').executeTakeFirst();
    if (!version) {
      version = { version: 1 };
      await tx.insertInto('scriptVersions').values({ tenantId: tenant.id, scriptId: script.id, version: 1, body: jsonb({ steps: [] }), publishedByLabel: 'seed' }).execute();
    }
    await tx.insertInto('callAnswerSets').values({ tenantId: tenant.id, callId: handled, scriptId: script.id, scriptVersion: version.version, function: 'order_taking', completed: true, isSurvey: true, answeredAt: at }).execute();
    await tx.insertInto('callAnswers').values({ tenantId: tenant.id, callId: handled, stepId: 'nps', answerType: 'scale_0_10', targets: ['survey.nps'], value: jsonb(9) }).execute();
    // A free text too: the survey counts (migration 0028, kept by triggers) then hold a row in each of their tables.
    await tx.insertInto('callAnswers').values({ tenantId: tenant.id, callId: handled, stepId: 'comment', answerType: 'text', targets: ['survey.comment'], value: jsonb('Seeded comment') }).execute();
    await tx.insertInto('leads').values({ tenantId: tenant.id, id: newId(), callId: handled, function: 'order_taking', fields: jsonb({ name: 'Seeded lead' }), createdAt: at }).execute();
    const customerPhone = `+3361${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
    const customerId = newId();
    await tx.insertInto('customers').values({ tenantId: tenant.id, id: customerId, phone: customerPhone, name: 'Seeded customer', createdAt: at, updatedAt: at }).execute();
    await tx
      .insertInto('customerRecordChanges')
      .values({ tenantId: tenant.id, id: newId(), callId: handled, customerId, action: 'created', changes: jsonb([{ field: 'customer.name', before: null, after: 'Seeded customer' }]), at })
      .execute();
    // The caller of the handled call answered the post-call satisfaction survey (issue 14).
    await tx
      .insertInto('callSatisfaction')
      .values({ tenantId: tenant.id, callId: handled, function: 'order_taking', operatorId: null, askedSolved: true, score: 4, solved: true, outcome: 'answered', callEndedAt: at, recordedAt: at })
      .execute();
    // The push boundary's outbox (issue 17): a delivered command for the handled call.
    await tx
      .insertInto('telephonyCommands')
      .values({ tenantId: tenant.id, id: newId(), adapter: 'http', callId: handled, kind: 'hang_up', payload: jsonb({ callId: handled, survey: null }), status: 'delivered', nextAttemptAt: at, createdAt: at, deliveredAt: at })
      .execute();
  });
}

/**
 * Publishes a script for the function whose questions are these step ids (answer types as given), so a
 * call accepted afterwards runs it and the server accepts answers to those questions (issue 14: an
 * answer must fit a question of the call's script version).
 */
export async function publishQuestions(db: Kysely<DB>, tenant: Tenant, fn: string, questions: Record<string, string>): Promise<void> {
  const ids = Object.keys(questions);
  const steps = [
    ...ids.map((id, i) => ({ id, type: 'ask', text: `${id}?`, answer: { type: questions[id], required: false }, next: ids[i + 1] ?? 'done' })),
    { id: 'done', type: 'end', text: 'Thank you', disposition: null },
  ];
  await withTenant(db, tenant.id, async (tx) => {
    const id = newId();
    await tx.insertInto('scripts').values({ tenantId: tenant.id, id, function: fn, draft: jsonb({ steps }), draftUpdatedBy: 'test' }).execute();
    await tx.insertInto('scriptVersions').values({ tenantId: tenant.id, scriptId: id, version: 1, body: jsonb({ steps }), publishedByLabel: 'test' }).execute();
  });
}
