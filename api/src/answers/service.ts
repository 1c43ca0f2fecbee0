import { sql } from 'kysely';
import { jsonb, newId, type JsonColumnValue, type TenantTx, type UserKind } from '@switchboard/db';
import { redactCardNumbersDeep } from '@switchboard/db/card-numbers';
import { invalid, fieldError } from '../http/problem.ts';
import { publish } from '../events/publish.ts';
import { recordUsage } from '../usage/record.ts';
import { classifications, ruleFieldIds, type Classification, type RuleFieldId } from '../rules/fields.ts';
import type { Rules } from '../rules/definition.ts';
import { maskValue, sensitiveVisibilityFor } from '../rules/visibility.ts';
import { ScriptBodySchema, findCaptureTarget, type ScriptBody } from '../scripts/model.ts';
import { captureTargetsOf, checkAnswers, completedWalk, isQuestionnaire, replayAnswers, type RawAnswer } from '../scripts/answers.ts';
import type { AnswerValue } from '../scripts/walk.ts';
import type { CallRow } from '../routing/lifecycle.ts';
import { normalizePhone } from '../records/common.ts';

/**
 * A call's script answers become records (issue 14): checked against the script version the call was
 * answered with (every problem at once, a 400 naming each answer), stored typed under that version
 * (card numbers redacted first), and turned into what the client pays for and reads — a completed
 * questionnaire (`completed_survey`), a qualified lead and a created or changed customer record (each a
 * `data_entry_record`). One set of answers per call: a retried wrap-up stores and counts nothing twice.
 */

export type CallAnswers = Record<string, RawAnswer>;

const knownFields = new Set<string>(ruleFieldIds);
const strictness = (c: Classification) => classifications.indexOf(c);

/** The rule field a capture target is classified as: itself when the rules name it, else the one it stands for (`lead.phone` → `customer.phone`). */
export function ruleFieldOf(target: string): RuleFieldId | null {
  if (knownFields.has(target)) return target as RuleFieldId;
  const classifiedAs = findCaptureTarget(target)?.classifiedAs;
  return classifiedAs && knownFields.has(classifiedAs) ? (classifiedAs as RuleFieldId) : null;
}

/** A capture target's classification under the rules; what the rules do not name is personal (like the call's notes). */
export function targetClassification(target: string, rules: Rules): Classification {
  const field = ruleFieldOf(target);
  return field ? rules.classification[field] : 'personal';
}

/** The strictest classification of the fields an answer went into (personal when none). */
export function answerClassification(targets: readonly string[], rules: Rules): Classification {
  return targets.reduce<Classification>((worst, t) => {
    const c = targetClassification(t, rules);
    return strictness(c) > strictness(worst) ? c : worst;
  }, 'personal');
}

/** A value as this viewer may see it: masked (or hidden) when its classification is sensitive. */
export function valueAsSeenBy(value: unknown, classification: Classification, rules: Rules, viewer: UserKind): unknown {
  return classification === 'sensitive' && value !== null && value !== undefined ? maskValue(value, sensitiveVisibilityFor(viewer, rules)) : value;
}

/** The call's script version, and the tenant's locale (a phone typed without its country code is read in it): one statement. */
async function scriptOfCall(tx: TenantTx, call: Pick<CallRow, 'tenantId' | 'scriptId' | 'scriptVersion'>): Promise<{ body: ScriptBody; locale: string | null } | null> {
  if (!call.scriptId || call.scriptVersion === null) return null;
  const row = await tx
    .selectFrom('scriptVersions')
    .select((eb) => ['body', eb.selectFrom('tenants').select('locale').where('id', '=', call.tenantId).as('locale')])
    .where('scriptId', '=', call.scriptId)
    .where('version', '=', call.scriptVersion)
    .executeTakeFirst();
  const parsed = ScriptBodySchema.safeParse(row?.body ?? null);
  return parsed.success ? { body: parsed.data, locale: row?.locale ?? null } : null;
}

export interface CheckedAnswers {
  body: ScriptBody;
  values: Record<string, AnswerValue>;
  /** Answers a lenient check left out of the records (a draft saved before answers were typed), by step. */
  setAside: string[];
}

/**
 * The answers checked against the call's script version: a 400 listing every answer at fault, nothing
 * written. None sent, or a call that ran no script (a script answer is then refused, naming it): null.
 * `lenient` (a draft saved before answers were typed, 0029): an answer at fault is set aside, not refused
 * — the timeline keeps it as it was typed; the records take only what fits its question.
 */
export async function checkCallAnswers(
  tx: TenantTx,
  call: Pick<CallRow, 'tenantId' | 'scriptId' | 'scriptVersion'>,
  answers: CallAnswers | undefined | null,
  options: { lenient?: boolean } = {},
): Promise<CheckedAnswers | null> {
  if (!answers || !Object.keys(answers).length) return null;
  const script = await scriptOfCall(tx, call);
  if (!script) {
    if (options.lenient) return null;
    throw invalid(Object.keys(answers).map((id) => fieldError(`scriptAnswers.${id}`, 'script.answer', 'This call ran no script: there is no question to answer.', { reason: 'not_a_question' })));
  }
  const { body, locale } = script;
  const { values, problems } = checkAnswers(body, answers, locale ? { phone: (value) => normalizePhone(value, locale) } : {});
  if (problems.length && !options.lenient) {
    throw invalid(
      problems.map((p) => fieldError(p.path, 'script.answer', p.message, { reason: p.code, ...(p.params ?? {}) })),
      'Some script answers do not fit their questions.',
    );
  }
  return { body, values, setAside: problems.map((p) => p.path.slice('scriptAnswers.'.length)) };
}

/** Redacted as every typed value is before it is stored: no card number kept, in a text or a number. */
const storable = (value: AnswerValue): AnswerValue => redactCardNumbersDeep(value) as AnswerValue;

const customerColumns = { name: 'name', email: 'email', phone: 'phone', address: 'address', birth_date: 'birthDate' } as const;
type CustomerField = keyof typeof customerColumns;

/** What a wrap-up's answers became: whether any was stored, and those that were not (the question already had another answer on this call). */
export interface StoredAnswers {
  stored: boolean;
  notKept: string[];
}

const sameValue = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * Stores the checked answers with the call and what they make: the completed questionnaire's usage, the
 * lead, the customer record's changes. One set per call, under the call's script version: a transferred
 * call's second wrap-up (the other operator's) adds the questions not answered yet — the first answer to
 * a question stands, a different later one is reported in `notKept` (the timeline keeps it) — and what
 * the set now makes is written; a retried wrap-up adds nothing and writes and counts nothing twice.
 */
export async function storeCallAnswers(
  tx: TenantTx,
  call: CallRow,
  checked: CheckedAnswers,
  now: Date,
  options: { tenant?: { timeZone: string; currency: string }; answeredBy?: string | null } = {},
): Promise<StoredAnswers> {
  const { tenant } = options;
  const { body } = checked;
  const values = Object.fromEntries(Object.entries(checked.values).map(([k, v]) => [k, storable(v)]));
  const survey = isQuestionnaire(body);
  const inserted = await tx
    .insertInto('callAnswerSets')
    .values({
      tenantId: call.tenantId,
      callId: call.id,
      scriptId: call.scriptId!,
      scriptVersion: call.scriptVersion!,
      function: call.function,
      completed: completedWalk(replayAnswers(body, values)),
      isSurvey: survey,
      answeredAt: now,
      // Who asked the questions (the operator wrapping up; a completed draft's: the call's operator), not
      // whoever holds the call now — after a transfer they differ.
      operatorId: options.answeredBy !== undefined ? options.answeredBy : call.operatorId,
    })
    .onConflict((oc) => oc.columns(['tenantId', 'callId']).doNothing())
    .returning('callId')
    .executeTakeFirst();
  let all = values;
  let fresh = Object.keys(values);
  let notKept: string[] = [];
  let wasCompleted = false;
  if (!inserted) {
    const set = await tx.selectFrom('callAnswerSets').select(['scriptId', 'scriptVersion', 'completed']).where('callId', '=', call.id).executeTakeFirstOrThrow();
    // Asked under another version (a call transferred before versions were kept across a transfer): not mixed in.
    if (set.scriptId !== call.scriptId || set.scriptVersion !== call.scriptVersion) return { stored: false, notKept: Object.keys(values) };
    const kept = Object.fromEntries(
      (await tx.selectFrom('callAnswers').select(['stepId', 'value']).where('callId', '=', call.id).execute()).map((r) => [r.stepId, r.value as AnswerValue]),
    );
    fresh = Object.keys(values).filter((id) => !Object.hasOwn(kept, id));
    notKept = Object.keys(values).filter((id) => Object.hasOwn(kept, id) && !sameValue(kept[id], values[id]));
    if (!fresh.length) return { stored: false, notKept };
    all = { ...values, ...kept };
    wasCompleted = set.completed;
  }
  const walk = replayAnswers(body, all);
  const completed = completedWalk(walk);
  const targets = captureTargetsOf(body);
  const types = new Map(body.steps.flatMap((s) => (s.type === 'ask' ? [[s.id, s.answer.type] as const] : [])));
  // The desk walks forward only, so it sends the answers of the questions its walk passed through; an
  // answer to a question of a branch this walk left (an API client's, say) is kept, off the path: no
  // result counts it and no export carries it (migration 0028 keeps the counts from these rows).
  const walked = new Set(walk.trail);
  const rows = fresh.map((stepId) => ({
    onPath: walked.has(stepId),
    tenantId: call.tenantId,
    callId: call.id,
    stepId,
    answerType: types.get(stepId)!,
    targets: targets.get(stepId) ?? [],
    value: jsonb(values[stepId]!),
  }));
  if (rows.length) await tx.insertInto('callAnswers').values(rows).execute();
  if (!inserted && completed && !wasCompleted) await tx.updateTable('callAnswerSets').set({ completed: true }).where('callId', '=', call.id).execute();
  // Billed as the work it is, at its price, whichever line the call came in on: a survey asked at the end
  // of an order call is a completed survey (the price list's `surveys` line), a record entered is data entry.
  const usage = { tenantId: call.tenantId, function: 'data_entry', quantity: 1, occurredAt: now, ...(tenant ? { tenant } : {}) };
  if (survey && completed) await recordUsage(tx, { ...usage, function: 'surveys', metric: 'completed_survey', sourceType: 'call', sourceId: call.id });
  // The client's Surveys results refresh (at commit; ids only, re-read under the tenant before anyone hears of it).
  if (survey) await publish(tx, { kind: 'record', tenantId: call.tenantId, recordType: 'survey', recordId: call.id });

  // What the capture steps on the walked path filled (walk.captured: target → value).
  const captured = Object.entries(walk.captured).filter(([, v]) => v !== null && v !== undefined && v !== '');
  // A lead is read by the client's sales team: a choice reads as the words the operator picked, not its code.
  const fromStep = new Map(body.steps.flatMap((s) => (s.type === 'capture' ? s.captures.map((c) => [c.target, c.from] as const) : [])));
  const asWords = (target: string, value: AnswerValue): AnswerValue => {
    const step = body.steps.find((s) => s.id === fromStep.get(target));
    if (step?.type !== 'ask' || !step.answer.choices.length) return value;
    const label = (v: string) => step.answer.choices.find((c) => c.value === v)?.label || v;
    return Array.isArray(value) ? value.map(label) : typeof value === 'string' ? label(value) : value;
  };
  const leadFields = Object.fromEntries(captured.filter(([t]) => t.startsWith('lead.') && t !== 'lead.qualified').map(([t, v]) => [t.slice('lead.'.length), asWords(t, v)]));
  if (Object.keys(leadFields).length && walk.captured['lead.qualified'] !== false) {
    const id = newId();
    const lead = await tx
      .insertInto('leads')
      .values({ tenantId: call.tenantId, id, callId: call.id, function: call.function, fields: jsonb(leadFields), createdAt: now })
      .onConflict((oc) => oc.columns(['tenantId', 'callId']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (lead) {
      await recordUsage(tx, { ...usage, metric: 'data_entry_record', sourceType: 'lead', sourceId: call.id });
      await publish(tx, { kind: 'lead', tenantId: call.tenantId, leadId: lead.id });
    } else {
      // The call's lead exists (the other operator's wrap-up of a transferred call): the fields it lacks are added, its own stand.
      const added = await tx
        .updateTable('leads')
        .set({ fields: sql<JsonColumnValue>`${jsonb(leadFields)} || fields` })
        .where('callId', '=', call.id)
        .where(sql<boolean>`${jsonb(leadFields)} - array(select jsonb_object_keys(fields)) <> '{}'::jsonb`)
        .returning('id')
        .executeTakeFirst();
      if (added) await publish(tx, { kind: 'lead', tenantId: call.tenantId, leadId: added.id });
    }
  }

  const customer = Object.fromEntries(
    captured.filter(([t]) => t.startsWith('customer.') && Object.hasOwn(customerColumns, t.slice('customer.'.length))).map(([t, v]) => [t.slice('customer.'.length), String(v)]),
  ) as Partial<Record<CustomerField, string>>;
  if (Object.keys(customer).length) await enterCustomerRecord(tx, call, customer, now, usage);
  return { stored: true, notKept };
}

const isE164 = (phone: string | null | undefined): phone is string => !!phone && /^\+[1-9][0-9]{6,14}$/.test(phone);
const customerColumnsRead = ['id', 'name', 'email', 'phone', 'address', 'birthDate'] as const;

/** The call's own customer, locked: the one the call names, else the one with the caller's number. */
async function callersCustomer(tx: TenantTx, call: Pick<CallRow, 'customerId' | 'callerNumber'>) {
  if (call.customerId) return tx.selectFrom('customers').select(customerColumnsRead).where('id', '=', call.customerId).forUpdate().executeTakeFirst();
  if (!isE164(call.callerNumber)) return undefined;
  return tx.selectFrom('customers').select(customerColumnsRead).where('phone', '=', call.callerNumber).forUpdate().executeTakeFirst();
}

/**
 * The call's own customer (callersCustomer) is created or updated with the fields captured, and the change
 * kept field by field, before and after — the client sees what the call center entered or cleaned. A phone
 * captured on the call never picks the record to change: a mistyped number would overwrite someone else's.
 * A captured number that is another customer's is not written to either record: the change is kept on the
 * call's customer as held (`held: true`, no value: the client sees a number was given and not applied), and
 * that customer is untouched.
 * A caller with no record gets one (under the number captured, else the caller's); two calls creating the
 * same one at once both succeed, the second updating what the first created. Nothing changed: no change
 * row, nothing counted.
 */
async function enterCustomerRecord(
  tx: TenantTx,
  call: CallRow,
  fields: Partial<Record<CustomerField, string>>,
  now: Date,
  usage: { tenantId: string; function: string; quantity: number; occurredAt: Date; tenant?: { timeZone: string; currency: string } },
) {
  let before = await callersCustomer(tx, call);
  const captured = fields.phone;
  let held =
    captured !== undefined &&
    captured !== before?.phone &&
    !!(await tx
      .selectFrom('customers')
      .select('id')
      .where('phone', '=', captured)
      .$if(!!before, (q) => q.where('id', '<>', before!.id))
      .executeTakeFirst());
  let created = false;
  if (!before) {
    const phone = captured !== undefined && !held ? captured : call.callerNumber;
    if (!isE164(phone)) return;
    // ON CONFLICT: a wrap-up creating the same customer at the same moment waits for it, then updates it.
    const row = await tx
      .insertInto('customers')
      .values({ tenantId: call.tenantId, id: newId(), phone, createdAt: now, updatedAt: now })
      .onConflict((oc) => oc.columns(['tenantId', 'phone']).doNothing())
      .returning(customerColumnsRead)
      .executeTakeFirst();
    created = !!row;
    before = row ?? (await tx.selectFrom('customers').select(customerColumnsRead).where('phone', '=', phone).forUpdate().executeTakeFirstOrThrow());
  }
  const customer = before;
  // The number is free as far as this transaction sees, but a wrap-up giving another record the same new
  // number at the same moment may take it first: then it is another customer's, and held like one.
  if (captured !== undefined && !held && !created && captured !== customer.phone) held = !(await takeNumber(tx, customer.id, captured));
  // A created record had nothing before, but for the number it was created under when the captured one was held.
  const valueBefore = (field: CustomerField) => (created && !(field === 'phone' && held) ? null : (customer[customerColumns[field]] ?? null));
  const changes = (Object.keys(fields) as CustomerField[])
    // A held number is another customer's: the change says one was given, never which (it would outlive that
    // customer's erasure, and tell whoever reads the caller's record that the number is a customer's).
    .map((field) => (field === 'phone' && held ? { field, before: valueBefore(field), after: null, held: true } : { field, before: valueBefore(field), after: fields[field]! }))
    .filter((c) => c.before !== c.after);
  if (!changes.length) return;
  const { phone: _phone, birth_date, ...rest } = fields;
  const set = { ...rest, ...(birth_date ? { birthDate: birth_date } : {}), ...(captured !== undefined && !held ? { phone: captured } : {}) };
  await tx.updateTable('customers').set({ ...set, updatedAt: now }).where('id', '=', customer.id).execute();
  await tx
    .insertInto('customerRecordChanges')
    .values({ tenantId: call.tenantId, id: newId(), callId: call.id, customerId: customer.id, action: created ? 'created' : 'updated', changes: jsonb(changes.map((c) => ({ ...c, field: `customer.${c.field}` }))), at: now })
    .execute();
  await recordUsage(tx, { ...usage, metric: 'data_entry_record', sourceType: 'customer_record', sourceId: call.id });
  await publish(tx, { kind: 'record', tenantId: call.tenantId, recordType: 'customer', recordId: customer.id });
}

/**
 * Gives the record the number, unless another record holds it by the time this statement runs (a
 * concurrent wrap-up's, committed while this one waited on the unique index): false then, and nothing
 * changed. The savepoint keeps the unique violation from aborting the wrap-up's transaction.
 */
async function takeNumber(tx: TenantTx, customerId: string, phone: string): Promise<boolean> {
  await sql`savepoint take_number`.execute(tx);
  try {
    await tx.updateTable('customers').set({ phone }).where('id', '=', customerId).execute();
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== '23505') throw error;
    await sql`rollback to savepoint take_number`.execute(tx);
    return false;
  }
  await sql`release savepoint take_number`.execute(tx);
  return true;
}
