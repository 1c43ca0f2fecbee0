import { sql } from 'kysely';
import { jsonb, newId, type JsonColumnValue, type TenantTx, type UserKind } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { can } from '../http/permissions.ts';
import { conflict, forbidden, invalid, notFound, type FieldErrorInput } from '../http/problem.ts';
import { writeAudit } from '../audit/write.ts';
import { scoreEvaluation, type FormDefinition } from './form.ts';
import { getVersion } from './forms.ts';

/**
 * Evaluations of calls against a published form version (docs/quality.md). An evaluator starts one on a
 * finished call that an operator handled, saves draft answers, and submits: the score is computed by
 * `scoreEvaluation` and kept with the form version it was scored against. An evaluation of a calibration
 * is blind: while its calibration is open, only its own evaluator sees it. The operator evaluated reads
 * their submitted evaluations (never a draft, never a calibration still open) and acknowledges them.
 */

export type EvaluationAnswer = { answer: 'yes' | 'no' | 'partial' | 'na' | number; comment?: string | undefined };
export type EvaluationAnswers = Record<string, EvaluationAnswer>;

const clientKinds: readonly UserKind[] = ['client_admin', 'client_member'];

/** Who may evaluate here: the permission, and for a client user, being listed in the company's quality settings (no settings: nobody). */
export async function requireEvaluator(tx: TenantTx, access: UserKind, userId: string): Promise<void> {
  if (!can(access, 'quality.evaluate')) throw forbidden('You may not evaluate calls against a quality form.');
  if (!clientKinds.includes(access)) return;
  const settings = await tx.selectFrom('qualitySettings').select('clientEvaluatorIds').executeTakeFirst();
  if (!settings?.clientEvaluatorIds.includes(userId)) throw forbidden('Your company has not listed you as one of its quality evaluators.');
}

/** Whether this viewer reads every evaluation of the company (quality.read), or only their own. */
export const readsAll = (access: UserKind) => can(access, 'quality.read');

const columns = [
  'e.id',
  'e.callId',
  'e.operatorId',
  'o.displayName as operatorName',
  'e.evaluatorId',
  'e.evaluatorLabel',
  'e.formId',
  'f.name as formName',
  'e.formVersion',
  'e.calibrationId',
  'e.answers',
  'e.comment',
  'e.status',
  'e.score',
  'e.criticalFailed',
  'e.submittedAt',
  'e.acknowledgedAt',
  'e.acknowledgement',
  'e.createdAt',
  'e.updatedAt',
  'k.offeredAt as callOfferedAt',
  'k.function as callFunction',
] as const;

function selection(tx: TenantTx, viewerId: string) {
  return (
    tx
      .selectFrom('qualityEvaluations as e')
      .innerJoin('users as o', 'o.id', 'e.operatorId')
      .innerJoin('qualityForms as f', (j) => j.onRef('f.tenantId', '=', 'e.tenantId').onRef('f.id', '=', 'e.formId'))
      .innerJoin('calls as k', (j) => j.onRef('k.tenantId', '=', 'e.tenantId').onRef('k.id', '=', 'e.callId'))
      .select(columns)
      // Blind calibration: another evaluator's evaluation stays hidden while its calibration is open.
      .where((eb) =>
        eb.or([
          eb('e.calibrationId', 'is', null),
          eb('e.evaluatorId', '=', viewerId),
          eb.not(eb.exists(eb.selectFrom('qualityCalibrations as c').select('c.id').whereRef('c.id', '=', 'e.calibrationId').where('c.status', '=', 'open'))),
        ]),
      )
  );
}
export type EvaluationRow = Awaited<ReturnType<ReturnType<typeof selection>['executeTakeFirstOrThrow']>>;

export interface EvaluationFilter {
  operatorId?: string | undefined;
  status?: 'draft' | 'submitted' | undefined;
  callId?: string | undefined;
}

export async function listEvaluations(tx: TenantTx, viewer: { id: string; access: UserKind }, filter: EvaluationFilter, limit: number) {
  let q = selection(tx, viewer.id);
  if (!readsAll(viewer.access)) q = q.where('e.evaluatorId', '=', viewer.id);
  // A draft is its evaluator's work in progress.
  q = q.where((eb) => eb.or([eb('e.status', '=', 'submitted'), eb('e.evaluatorId', '=', viewer.id)]));
  if (filter.operatorId) q = q.where('e.operatorId', '=', filter.operatorId);
  if (filter.status) q = q.where('e.status', '=', filter.status);
  if (filter.callId) q = q.where('e.callId', '=', filter.callId);
  return q.orderBy('e.updatedAt', 'desc').orderBy('e.id', 'desc').limit(limit).execute();
}

export async function findEvaluation(tx: TenantTx, viewer: { id: string; access: UserKind }, id: string): Promise<EvaluationRow> {
  const row = await selection(tx, viewer.id).where('e.id', '=', id).executeTakeFirst();
  if (!row) throw notFound();
  const own = row.evaluatorId === viewer.id;
  if (!own && (!readsAll(viewer.access) || row.status === 'draft')) throw notFound();
  return row;
}

/** Finished calls: nothing more will happen on them. */
const finalStatuses = ['completed', 'abandoned', 'overflowed', 'after_hours', 'transferred_out'] as const;

export async function startEvaluation(tx: TenantTx, tenantId: string, actor: Actor, input: { callId: string; formId: string; calibrationId?: string }, now: Date) {
  // A calibration's evaluation: one per evaluator of the open session, on its call and form version, blind until it closes.
  let calibration: { id: string; formVersion: number } | null = null;
  if (input.calibrationId) {
    const session = await tx.selectFrom('qualityCalibrations').selectAll().where('id', '=', input.calibrationId).executeTakeFirst();
    if (!session || session.status !== 'open' || !session.evaluatorIds.includes(actor.id) || session.callId !== input.callId || session.formId !== input.formId) {
      throw invalid([{ path: 'calibrationId', code: 'quality.not_in_calibration', message: 'Choose an open calibration session you evaluate in, with its call and form.' }]);
    }
    calibration = { id: session.id, formVersion: session.formVersion };
  }
  // One evaluation per evaluator per session: starting again returns it. (Outside sessions, an evaluator may evaluate
  // a call again; the reports count their latest, so nobody weighs a call twice.)
  if (calibration) {
    const existing = await tx.selectFrom('qualityEvaluations').select('id').where('calibrationId', '=', calibration.id).where('evaluatorId', '=', actor.id).executeTakeFirst();
    if (existing) return existing.id;
  }
  const call = await tx.selectFrom('calls').select(['id', 'operatorId', 'status', 'endedAt', 'function']).where('id', '=', input.callId).executeTakeFirst();
  if (!call || !call.operatorId || !call.endedAt || !(finalStatuses as readonly string[]).includes(call.status)) {
    throw invalid([{ path: 'callId', code: 'no_such_call', message: 'Choose a finished call that an operator handled.' }]);
  }
  const form = await tx.selectFrom('qualityForms').select(['id', 'archived', 'functions']).where('id', '=', input.formId).executeTakeFirst();
  if (!form || form.archived) throw invalid([{ path: 'formId', code: 'quality.no_such_form', message: 'Choose one of the company’s quality forms.' }]);
  if (form.functions.length && !form.functions.includes(call.function)) {
    throw invalid([{ path: 'formId', code: 'quality.form_function', message: 'This form does not evaluate calls of this function.', params: { function: call.function } }]);
  }
  const published = await tx
    .selectFrom('qualityFormVersions')
    .select((eb) => eb.fn.max('version').as('version'))
    .where('formId', '=', form.id)
    .where('status', '=', 'published')
    .executeTakeFirst();
  if (!published?.version) throw conflict('quality.no_published_version', 'This form has no published version yet: publish it first.');
  const formVersion = calibration?.formVersion ?? published.version;
  const id = newId();
  await tx
    .insertInto('qualityEvaluations')
    .values({
      tenantId,
      id,
      callId: call.id,
      operatorId: call.operatorId,
      evaluatorId: actor.id,
      evaluatorLabel: actor.label,
      formId: form.id,
      formVersion,
      calibrationId: calibration?.id ?? null,
      answers: jsonb({}),
      createdAt: now,
      updatedAt: now,
    })
    .execute();
  await writeAudit(tx, tenantId, actor, { action: 'quality_evaluation.started', targetType: 'quality_evaluation', targetId: id, after: { callId: call.id, formId: form.id, formVersion, calibrationId: calibration?.id ?? null } });
  return id;
}

/** The answers that do not fit their question (form.ts says which), and with `complete`, the questions not answered yet. */
export function answerProblems(definition: FormDefinition, answers: EvaluationAnswers, complete: boolean): FieldErrorInput[] {
  const { invalid, missing } = scoreEvaluation(definition, answers);
  const known = new Set(definition.sections.flatMap((s) => s.questions.map((q) => q.id)));
  const errors: FieldErrorInput[] = invalid.map(({ questionId, message }) =>
    known.has(questionId)
      ? { path: `answers.${questionId}.answer`, code: 'quality.answer' as const, message }
      : { path: `answers.${questionId}`, code: 'quality.no_such_question' as const, message },
  );
  if (complete) for (const id of missing) errors.push({ path: `answers.${id}.answer`, code: 'quality.unanswered', message: 'Answer this question.' });
  return errors;
}

async function ownDraft(tx: TenantTx, actor: Actor, id: string) {
  const row = await tx.selectFrom('qualityEvaluations').select(['id', 'evaluatorId', 'status', 'formId', 'formVersion', 'answers', 'comment', 'callId', 'calibrationId']).where('id', '=', id).forUpdate().executeTakeFirst();
  if (!row || row.evaluatorId !== actor.id) throw notFound();
  if (row.status !== 'draft') throw conflict('quality.evaluation_submitted', 'This evaluation is submitted: it no longer changes.');
  return row;
}

export async function saveEvaluation(tx: TenantTx, actor: Actor, id: string, input: { answers: EvaluationAnswers; comment: string | null }, now: Date) {
  const row = await ownDraft(tx, actor, id);
  const { definition } = await getVersion(tx, row.formId, row.formVersion);
  const errors = answerProblems(definition, input.answers, false);
  if (errors.length) throw invalid(errors);
  await tx.updateTable('qualityEvaluations').set({ answers: jsonb(input.answers), comment: input.comment || null, updatedAt: now }).where('id', '=', id).execute();
}

export async function submitEvaluation(tx: TenantTx, tenantId: string, actor: Actor, id: string, now: Date) {
  const row = await ownDraft(tx, actor, id);
  const { definition } = await getVersion(tx, row.formId, row.formVersion);
  const answers = (row.answers ?? {}) as EvaluationAnswers;
  const errors = answerProblems(definition, answers, true);
  if (errors.length) throw invalid(errors, 'Answer every question before submitting.');
  const result = scoreEvaluation(definition, answers);
  await tx
    .updateTable('qualityEvaluations')
    .set({ status: 'submitted', score: result.score, criticalFailed: result.criticalFailed, submittedAt: now, updatedAt: now })
    .where('id', '=', id)
    .execute();
  // A sampled call is now evaluated (samples outside calibrations only).
  if (!row.calibrationId) {
    await tx.updateTable('qualitySamples').set({ status: 'evaluated', evaluationId: id }).where('callId', '=', row.callId).where('status', '=', 'pending').execute();
  }
  await writeAudit(tx, tenantId, actor, { action: 'quality_evaluation.submitted', targetType: 'quality_evaluation', targetId: id, after: { score: result.score, criticalFailed: result.criticalFailed, formVersion: row.formVersion } });
  return result;
}

/** Removes a draft (its evaluator's own); a submitted evaluation stays. */
export async function discardEvaluation(tx: TenantTx, tenantId: string, actor: Actor, id: string) {
  await ownDraft(tx, actor, id);
  await tx.deleteFrom('qualityEvaluations').where('id', '=', id).execute();
  await writeAudit(tx, tenantId, actor, { action: 'quality_evaluation.discarded', targetType: 'quality_evaluation', targetId: id });
}

// ---- the operator's own ----------------------------------------------------------------------

function ownSelection(tx: TenantTx, operatorId: string) {
  return tx
    .selectFrom('qualityEvaluations as e')
    .innerJoin('qualityForms as f', (j) => j.onRef('f.tenantId', '=', 'e.tenantId').onRef('f.id', '=', 'e.formId'))
    .innerJoin('calls as k', (j) => j.onRef('k.tenantId', '=', 'e.tenantId').onRef('k.id', '=', 'e.callId'))
    .select([
      'e.id',
      'e.callId',
      'e.formId',
      'f.name as formName',
      'e.formVersion',
      'e.answers',
      'e.comment',
      'e.score',
      'e.criticalFailed',
      'e.submittedAt',
      'e.acknowledgedAt',
      'e.acknowledgement',
      'e.evaluatorLabel',
      'k.offeredAt as callOfferedAt',
      'k.function as callFunction',
    ])
    .where('e.operatorId', '=', operatorId)
    .where('e.status', '=', 'submitted')
    // A calibration's evaluations are the evaluators' exercise until it closes.
    .where((eb) =>
      eb.or([
        eb('e.calibrationId', 'is', null),
        eb.not(eb.exists(eb.selectFrom('qualityCalibrations as c').select('c.id').whereRef('c.id', '=', 'e.calibrationId').where('c.status', '=', 'open'))),
      ]),
    );
}

export function listOwnEvaluations(tx: TenantTx, operatorId: string, limit: number) {
  return ownSelection(tx, operatorId).orderBy('e.submittedAt', 'desc').orderBy('e.id', 'desc').limit(limit).execute();
}

export async function findOwnEvaluation(tx: TenantTx, operatorId: string, id: string) {
  const row = await ownSelection(tx, operatorId).where('e.id', '=', id).executeTakeFirst();
  if (!row) throw notFound();
  return row;
}

export async function acknowledgeEvaluation(tx: TenantTx, tenantId: string, actor: Actor, id: string, comment: string | null, now: Date) {
  const row = await findOwnEvaluation(tx, actor.id, id);
  if (row.acknowledgedAt) throw conflict('quality.acknowledged', 'You have already acknowledged this evaluation.');
  await tx.updateTable('qualityEvaluations').set({ acknowledgedAt: now, acknowledgement: comment || null }).where('id', '=', id).where('operatorId', '=', actor.id).execute();
  await writeAudit(tx, tenantId, actor, { action: 'quality_evaluation.acknowledged', targetType: 'quality_evaluation', targetId: id });
}

/** The operator's latest submitted score here (desk figures). */
export async function latestOwnScore(tx: TenantTx, operatorId: string): Promise<number | null> {
  const row = await ownSelection(tx, operatorId).clearSelect().select('e.score').orderBy('e.submittedAt', 'desc').limit(1).executeTakeFirst();
  return row?.score == null ? null : Number(row.score);
}

export const scoreOf = (score: string | number | null) => (score == null ? null : Number(score));

/** A person's erasure (api/src/privacy): the remarks on evaluations of their calls may quote them; the answers and score stay. */
export async function eraseEvaluationRemarks(tx: TenantTx, callIds: string[]): Promise<void> {
  if (!callIds.length) return;
  await tx
    .updateTable('qualityEvaluations')
    .set({
      comment: null,
      acknowledgement: null,
      answers: sql<JsonColumnValue>`(select coalesce(jsonb_object_agg(q.key, q.value - 'comment'), '{}'::jsonb) from jsonb_each(answers) q)`,
    })
    .where('callId', 'in', callIds)
    .execute();
}
