import { sql } from 'kysely';
import { newId, type Tenant, type TenantTx, type UserKind } from '@switchboard/db';
import { z } from '@hono/zod-openapi';
import { writeAudit } from '../audit/write.ts';
import type { Actor } from '../http/env.ts';
import { can } from '../http/permissions.ts';
import { conflict, fieldError, forbidden, invalid, notFound, type FieldError } from '../http/problem.ts';
import { calibrationSpread, type CalibrationSpread } from './calibration-spread.ts';
import { evaluationAnswersSchema, formDefinitionSchema, questions, scoreEvaluation } from './form.ts';
import { qualitySettingsRow } from './settings.ts';

/**
 * Calibration sessions (docs/quality.md): a supervisor picks a call, a published form version and several
 * evaluators (provider staff who evaluate, or the company's listed client evaluators); each evaluates the
 * call blind (their evaluation rows carry the calibration's id, written through the evaluations routes).
 * While the session is open nobody sees anyone's answers here, only who has submitted; closing it shows
 * the spread per question and overall (calibration-spread.ts).
 */

export const CalibrationInputSchema = z
  .strictObject({
    callId: z.uuid().openapi({ example: '019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b' }),
    formId: z.uuid().openapi({ example: '019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5c' }),
    formVersion: z.number().int().min(1).openapi({ example: 1 }),
    evaluatorIds: z.array(z.uuid()).min(2).max(20).openapi({ example: ['019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5d', '019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5e'], description: 'Two to twenty evaluators: provider supervisors and admins, or client users the company lists as evaluators.' }),
  })
  .openapi('CalibrationInput', {
    example: { callId: '019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b', formId: '019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5c', formVersion: 1, evaluatorIds: ['019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5d', '019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5e'] },
  });
export type CalibrationInput = z.infer<typeof CalibrationInputSchema>;

const SpreadSchema = z.object({ count: z.number().int(), min: z.number().nullable(), max: z.number().nullable(), mean: z.number().nullable(), stdDev: z.number().nullable() });

export const CalibrationSummarySchema = z
  .object({
    id: z.uuid(),
    status: z.enum(['open', 'closed']),
    callId: z.uuid(),
    callOfferedAt: z.string(),
    callFunction: z.string(),
    formId: z.uuid(),
    formName: z.string(),
    formVersion: z.number().int(),
    evaluators: z.number().int(),
    submitted: z.number().int(),
    createdAt: z.string(),
    createdBy: z.string(),
    closedAt: z.string().nullable(),
  })
  .openapi('CalibrationSummary');

export const CalibrationSchema = CalibrationSummarySchema.extend({
  /** Whether the viewer is one of the evaluators (they evaluate through the evaluations routes). */
  youEvaluate: z.boolean(),
  evaluatorList: z.array(
    z.object({
      id: z.uuid(),
      displayName: z.string(),
      submitted: z.boolean(),
      submittedAt: z.string().nullable(),
      /** Only once the session is closed: nobody sees another's score while it is open. */
      score: z.number().nullable(),
      evaluationId: z.uuid().nullable(),
    }),
  ),
  /** Only once closed. */
  spread: z
    .object({
      questions: z.array(SpreadSchema.extend({ questionId: z.string(), text: z.string(), agreementPercent: z.number().nullable() })),
      overall: SpreadSchema,
      agreementPercent: z.number().nullable(),
    })
    .nullable(),
}).openapi('Calibration');
export type Calibration = z.infer<typeof CalibrationSchema>;

const iso = (d: Date | string | null) => (d === null ? null : new Date(d).toISOString());

/** Whether a user may be named an evaluator: provider staff who evaluate, or a listed client user of this company. */
async function evaluatorProblems(tx: TenantTx, ids: string[]): Promise<FieldError[]> {
  const errors: FieldError[] = [];
  const users = await tx.selectFrom('users').select(['id', 'kind', 'status']).where('id', 'in', ids).execute();
  const byId = new Map(users.map((u) => [u.id, u]));
  const settings = await qualitySettingsRow(tx);
  const members = new Set((await tx.selectFrom('tenantMembers').select('userId').where('userId', 'in', ids).execute()).map((m) => m.userId));
  const seen = new Set<string>();
  for (const [index, id] of ids.entries()) {
    const path = `evaluatorIds.${index}`;
    if (seen.has(id)) {
      errors.push(fieldError(path, 'listed_twice', `${id} is listed twice.`, { value: id }));
      continue;
    }
    seen.add(id);
    const user = byId.get(id);
    const staff = user && user.status === 'active' && (user.kind === 'provider_admin' || user.kind === 'supervisor') && can(user.kind, 'quality.evaluate');
    const client = user && user.status === 'active' && members.has(id) && settings.clientEvaluatorIds.includes(id);
    if (!staff && !client) errors.push(fieldError(path, 'quality.not_an_evaluator', 'Not someone who may evaluate this company’s calls.'));
  }
  return errors;
}

export async function createCalibration(tx: TenantTx, tenant: Tenant, actor: Actor, input: CalibrationInput, now: Date): Promise<Calibration> {
  const errors: FieldError[] = [];
  const call = await tx.selectFrom('calls').select(['id', 'operatorId', 'answeredAt']).where('id', '=', input.callId).executeTakeFirst();
  if (!call || !call.operatorId || !call.answeredAt) errors.push(fieldError('callId', 'no_such_call', 'There is no such answered call.'));
  const version = await tx
    .selectFrom('qualityFormVersions')
    .select(['status'])
    .where('formId', '=', input.formId)
    .where('version', '=', input.formVersion)
    .executeTakeFirst();
  if (!version || version.status !== 'published') errors.push(fieldError('formVersion', 'quality.form_not_published', 'Not a published version of the form.'));
  errors.push(...(await evaluatorProblems(tx, input.evaluatorIds)));
  if (errors.length) throw invalid(errors);
  const id = newId();
  await tx
    .insertInto('qualityCalibrations')
    .values({ tenantId: tenant.id, id, callId: input.callId, formId: input.formId, formVersion: input.formVersion, evaluatorIds: input.evaluatorIds, createdAt: now, createdBy: actor.label })
    .execute();
  await writeAudit(tx, tenant.id, actor, { action: 'quality.calibration_created', targetType: 'quality_calibration', targetId: id, after: input });
  return (await readCalibration(tx, id, { id: actor.id, access: 'supervisor' }))!;
}

type Viewer = { id: string; access: UserKind };

function summaryQuery(tx: TenantTx) {
  return tx
    .selectFrom('qualityCalibrations as k')
    .innerJoin('calls', 'calls.id', 'k.callId')
    .innerJoin('qualityForms as f', 'f.id', 'k.formId')
    .select((eb) => [
      'k.id',
      'k.status',
      'k.callId',
      'calls.offeredAt as callOfferedAt',
      'calls.function as callFunction',
      'k.formId',
      'f.name as formName',
      'k.formVersion',
      'k.evaluatorIds',
      'k.createdAt',
      'k.createdBy',
      'k.closedAt',
      eb
        .selectFrom('qualityEvaluations as e')
        .select((e) => e.fn.countAll<string>().as('n'))
        .whereRef('e.calibrationId', '=', 'k.id')
        .where('e.status', '=', 'submitted')
        .as('submitted'),
    ]);
}

type SummaryRow = Awaited<ReturnType<ReturnType<typeof summaryQuery>['execute']>>[number];
const summaryOf = (r: SummaryRow) => ({
  id: r.id,
  status: r.status,
  callId: r.callId,
  callOfferedAt: iso(r.callOfferedAt)!,
  callFunction: r.callFunction,
  formId: r.formId,
  formName: r.formName,
  formVersion: r.formVersion,
  evaluators: r.evaluatorIds.length,
  submitted: Number(r.submitted ?? 0),
  createdAt: iso(r.createdAt)!,
  createdBy: r.createdBy,
  closedAt: iso(r.closedAt),
});

/** The company's sessions, newest first; an evaluator who may not read quality sees only their own. */
export async function listCalibrations(tx: TenantTx, viewer: Viewer) {
  let query = summaryQuery(tx).orderBy('k.createdAt', 'desc').orderBy('k.id').limit(200);
  if (!can(viewer.access, 'quality.read')) query = query.where(sql<boolean>`${viewer.id}::uuid = any(k.evaluator_ids)`);
  return (await query.execute()).map(summaryOf);
}

/** One session as the viewer may see it: null when it does not exist or is not theirs to see. */
export async function readCalibration(tx: TenantTx, id: string, viewer: Viewer): Promise<Calibration | null> {
  const row = await summaryQuery(tx).where('k.id', '=', id).executeTakeFirst();
  if (!row) return null;
  const youEvaluate = row.evaluatorIds.includes(viewer.id);
  if (!youEvaluate && !can(viewer.access, 'quality.read')) return null;
  const closed = row.status === 'closed';
  const users = await tx.selectFrom('users').select(['id', 'displayName']).where('id', 'in', row.evaluatorIds).execute();
  const names = new Map(users.map((u) => [u.id, u.displayName]));
  const evaluations = await tx
    .selectFrom('qualityEvaluations')
    .select(['id', 'evaluatorId', 'answers', 'submittedAt', 'score'])
    .where('calibrationId', '=', id)
    .where('status', '=', 'submitted')
    .execute();
  const byEvaluator = new Map(evaluations.map((e) => [e.evaluatorId, e]));
  let spread: Calibration['spread'] = null;
  const scoreOf = new Map<string, number | null>();
  if (closed) {
    const version = await tx.selectFrom('qualityFormVersions').select('definition').where('formId', '=', row.formId).where('version', '=', row.formVersion).executeTakeFirstOrThrow();
    const definition = formDefinitionSchema.parse(version.definition);
    const list = questions(definition);
    const scored = evaluations.map((e) => {
      const answers = evaluationAnswersSchema.safeParse(e.answers);
      const result = scoreEvaluation(definition, answers.success ? answers.data : {});
      return { evaluatorId: e.evaluatorId, score: result.score, perQuestion: result.perQuestion };
    });
    const computed: CalibrationSpread = calibrationSpread(
      list.map((q) => q.id),
      scored,
    );
    const texts = new Map(list.map((q) => [q.id, q.text]));
    spread = { ...computed, questions: computed.questions.map((q) => ({ ...q, text: texts.get(q.questionId) ?? q.questionId })) };
    // The scores beside the spread are the ones it was computed from (the form's scoring of the answers kept).
    for (const s of scored) scoreOf.set(s.evaluatorId, s.score);
  }
  return {
    ...summaryOf(row),
    youEvaluate,
    evaluatorList: row.evaluatorIds.map((evaluatorId) => {
      const e = byEvaluator.get(evaluatorId);
      return {
        id: evaluatorId,
        displayName: names.get(evaluatorId) ?? '—',
        submitted: Boolean(e),
        submittedAt: e ? iso(e.submittedAt) : null,
        score: closed && e ? (scoreOf.get(evaluatorId) ?? null) : null,
        evaluationId: closed && e ? e.id : null,
      };
    }),
    spread,
  };
}

export async function closeCalibration(tx: TenantTx, tenant: Tenant, actor: Actor, id: string, now: Date): Promise<Calibration> {
  const row = await tx.selectFrom('qualityCalibrations').select(['status']).where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row) throw notFound('No such calibration session.');
  if (row.status === 'closed') throw conflict('conflict', 'This calibration session is already closed.');
  await tx.updateTable('qualityCalibrations').set({ status: 'closed', closedAt: now }).where('id', '=', id).execute();
  await writeAudit(tx, tenant.id, actor, { action: 'quality.calibration_closed', targetType: 'quality_calibration', targetId: id });
  const result = await readCalibration(tx, id, { id: actor.id, access: 'supervisor' });
  if (!result) throw forbidden('You may not see this calibration session.');
  return result;
}

export const CalibrationOptionsSchema = z
  .object({
    calls: z.array(z.object({ id: z.uuid(), offeredAt: z.string(), function: z.string(), operatorName: z.string(), sampled: z.boolean() })),
    forms: z.array(z.object({ formId: z.uuid(), name: z.string(), version: z.number().int() })),
    evaluators: z.array(z.object({ id: z.uuid(), displayName: z.string(), kind: z.enum(['provider_admin', 'supervisor', 'client_admin', 'client_member']) })),
  })
  .openapi('CalibrationOptions');
export type CalibrationOptions = z.infer<typeof CalibrationOptionsSchema>;

/** The last 30 days' answered finished calls (100 newest, this week's samples first), published forms' latest versions, and who may evaluate. */
export async function calibrationOptions(tx: TenantTx, now: Date): Promise<CalibrationOptions> {
  const since = new Date(now.getTime() - 30 * 86_400_000);
  const calls = await tx
    .selectFrom('calls')
    .innerJoin('users', 'users.id', 'calls.operatorId')
    .leftJoin('qualitySamples as s', 's.callId', 'calls.id')
    .select(['calls.id', 'calls.offeredAt', 'calls.function', 'users.displayName', 's.id as sampleId'])
    .where('calls.status', 'in', ['completed', 'transferred_out'])
    .where('calls.answeredAt', 'is not', null)
    .where('calls.offeredAt', '>=', since)
    .orderBy((eb) => eb.case().when('s.id', 'is', null).then(1).else(0).end())
    .orderBy('calls.offeredAt', 'desc')
    .limit(100)
    .execute();
  const forms = await tx
    .selectFrom('qualityFormVersions as v')
    .innerJoin('qualityForms as f', 'f.id', 'v.formId')
    .select(['v.formId', 'f.name', (eb) => eb.fn.max('v.version').as('version')])
    .where('v.status', '=', 'published')
    .where('f.archived', '=', false)
    .groupBy(['v.formId', 'f.name'])
    .orderBy('f.name')
    .execute();
  const settings = await qualitySettingsRow(tx);
  const staff = await tx
    .selectFrom('users')
    .select(['id', 'displayName', 'kind'])
    .where('kind', 'in', ['provider_admin', 'supervisor'])
    .where('status', '=', 'active')
    .orderBy('displayName')
    .execute();
  const clients = settings.clientEvaluatorIds.length
    ? await tx
        .selectFrom('tenantMembers')
        .innerJoin('users', 'users.id', 'tenantMembers.userId')
        .select(['users.id', 'users.displayName', 'tenantMembers.role as kind'])
        .where('users.id', 'in', settings.clientEvaluatorIds)
        .where('users.status', '=', 'active')
        .orderBy('users.displayName')
        .execute()
    : [];
  return {
    calls: calls.map((c) => ({ id: c.id, offeredAt: iso(c.offeredAt)!, function: c.function, operatorName: c.displayName, sampled: c.sampleId !== null })),
    forms: forms.map((f) => ({ formId: f.formId, name: f.name, version: Number(f.version) })),
    evaluators: [...staff.filter((u) => can(u.kind, 'quality.evaluate')).map((u) => ({ id: u.id, displayName: u.displayName, kind: u.kind as 'provider_admin' | 'supervisor' })), ...clients],
  };
}
