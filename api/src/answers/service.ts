import { jsonb, newId, type TenantTx, type UserKind } from '@switchboard/db';
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

async function scriptOfCall(tx: TenantTx, call: Pick<CallRow, 'scriptId' | 'scriptVersion'>): Promise<ScriptBody | null> {
  if (!call.scriptId || call.scriptVersion === null) return null;
  const row = await tx.selectFrom('scriptVersions').select('body').where('scriptId', '=', call.scriptId).where('version', '=', call.scriptVersion).executeTakeFirst();
  const parsed = ScriptBodySchema.safeParse(row?.body ?? null);
  return parsed.success ? parsed.data : null;
}

export interface CheckedAnswers {
  body: ScriptBody;
  values: Record<string, AnswerValue>;
}

/**
 * The answers checked against the call's script version: a 400 listing every answer at fault, nothing
 * written. None sent, or a call that ran no script (a script answer is then refused, naming it): null.
 */
export async function checkCallAnswers(tx: TenantTx, call: Pick<CallRow, 'scriptId' | 'scriptVersion'>, answers: CallAnswers | undefined | null): Promise<CheckedAnswers | null> {
  if (!answers || !Object.keys(answers).length) return null;
  const body = await scriptOfCall(tx, call);
  if (!body) {
    throw invalid(Object.keys(answers).map((id) => fieldError(`scriptAnswers.${id}`, 'script.answer', 'This call ran no script: there is no question to answer.', { reason: 'not_a_question' })));
  }
  const { values, problems } = checkAnswers(body, answers);
  if (problems.length) {
    throw invalid(
      problems.map((p) => fieldError(p.path, 'script.answer', p.message, { reason: p.code, ...(p.params ?? {}) })),
      'Some script answers do not fit their questions.',
    );
  }
  return { body, values };
}

/** Redacted as every typed value is before it is stored: no card number kept, in a text or a number. */
const storable = (value: AnswerValue): AnswerValue => redactCardNumbersDeep(value) as AnswerValue;

const customerColumns = { name: 'name', email: 'email', phone: 'phone', address: 'address', birth_date: 'birthDate' } as const;
type CustomerField = keyof typeof customerColumns;

/**
 * Stores the checked answers with the call (once: a second call stores nothing and counts nothing) and
 * what they make: the completed questionnaire's usage, the lead, the customer record's changes.
 * Returns whether this call stored them.
 */
export async function storeCallAnswers(tx: TenantTx, call: CallRow, checked: CheckedAnswers, now: Date, tenant?: { timeZone: string; currency: string }): Promise<boolean> {
  const { body } = checked;
  const values = Object.fromEntries(Object.entries(checked.values).map(([k, v]) => [k, storable(v)]));
  const walk = replayAnswers(body, values);
  const completed = completedWalk(walk);
  const survey = isQuestionnaire(body);
  const inserted = await tx
    .insertInto('callAnswerSets')
    .values({ tenantId: call.tenantId, callId: call.id, scriptId: call.scriptId!, scriptVersion: call.scriptVersion!, function: call.function, completed, isSurvey: survey, answeredAt: now, operatorId: call.operatorId })
    .onConflict((oc) => oc.columns(['tenantId', 'callId']).doNothing())
    .returning('callId')
    .executeTakeFirst();
  if (!inserted) return false;
  const targets = captureTargetsOf(body);
  const types = new Map(body.steps.flatMap((s) => (s.type === 'ask' ? [[s.id, s.answer.type] as const] : [])));
  // The desk walks forward only, so it sends the answers of the questions its walk passed through; an
  // answer to a question of a branch this walk left (an API client's, say) is kept, off the path: no
  // result counts it and no export carries it (migration 0028 keeps the counts from these rows).
  const walked = new Set(walk.trail);
  const rows = Object.entries(values).map(([stepId, value]) => ({
    onPath: walked.has(stepId),
    tenantId: call.tenantId,
    callId: call.id,
    stepId,
    answerType: types.get(stepId)!,
    targets: targets.get(stepId) ?? [],
    value: jsonb(value),
  }));
  if (rows.length) await tx.insertInto('callAnswers').values(rows).execute();
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
    if (lead) await recordUsage(tx, { ...usage, metric: 'data_entry_record', sourceType: 'lead', sourceId: call.id });
  }

  const customer = Object.fromEntries(
    captured.filter(([t]) => t.startsWith('customer.') && Object.hasOwn(customerColumns, t.slice('customer.'.length))).map(([t, v]) => [t.slice('customer.'.length), String(v)]),
  ) as Partial<Record<CustomerField, string>>;
  if (Object.keys(customer).length) await enterCustomerRecord(tx, call, customer, now, usage);
  return true;
}

/**
 * The customer the call's answers describe (by the phone captured, else the caller's number): created or
 * updated with the fields captured, and the change kept field by field, before and after — the client
 * sees what the call center entered or cleaned. Nothing changed: no change row, nothing counted.
 */
async function enterCustomerRecord(
  tx: TenantTx,
  call: CallRow,
  fields: Partial<Record<CustomerField, string>>,
  now: Date,
  usage: { tenantId: string; function: string; quantity: number; occurredAt: Date; tenant?: { timeZone: string; currency: string } },
) {
  const phone = fields.phone ?? call.callerNumber;
  if (!/^\+[1-9][0-9]{6,14}$/.test(phone)) return;
  const before = await tx.selectFrom('customers').select(['id', 'name', 'email', 'phone', 'address', 'birthDate']).where('phone', '=', phone).forUpdate().executeTakeFirst();
  const changes = (Object.keys(fields) as CustomerField[])
    .map((field) => ({ field, before: before ? (before[customerColumns[field]] ?? null) : null, after: field === 'phone' ? phone : fields[field]! }))
    .filter((c) => c.before !== c.after);
  if (!changes.length) return;
  const { phone: _phone, birth_date, ...rest } = fields;
  const set = { ...rest, ...(birth_date ? { birthDate: birth_date } : {}) };
  let customerId = before?.id;
  if (customerId) await tx.updateTable('customers').set({ ...set, updatedAt: now }).where('id', '=', customerId).execute();
  else {
    customerId = newId();
    await tx.insertInto('customers').values({ tenantId: call.tenantId, id: customerId, phone, ...set, createdAt: now, updatedAt: now }).execute();
  }
  const written = await tx
    .insertInto('customerRecordChanges')
    .values({ tenantId: call.tenantId, id: newId(), callId: call.id, customerId, action: before ? 'updated' : 'created', changes: jsonb(changes.map((c) => ({ ...c, field: `customer.${c.field}` }))), at: now })
    .onConflict((oc) => oc.columns(['tenantId', 'callId', 'customerId']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (written) await recordUsage(tx, { ...usage, metric: 'data_entry_record', sourceType: 'customer_record', sourceId: call.id });
  await publish(tx, { kind: 'record', tenantId: call.tenantId, recordType: 'customer', recordId: customerId });
}
