import { createRoute, z } from '@hono/zod-openapi';
import { withTenant } from '@switchboard/db';
import { requirePermission, requireUserPermission } from '../http/permissions.ts';
import { createRouter } from '../http/router.ts';
import { problemResponses } from '../http/problem.ts';
import { currentUser } from '../http/session.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { typedText } from '../http/validators.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { servedTenants } from '../desk/served-tenants.ts';
import { formDefinitionSchema } from './form.ts';
import { getVersion } from './forms.ts';
import {
  acknowledgeEvaluation,
  discardEvaluation,
  findEvaluation,
  findOwnEvaluation,
  listEvaluations,
  listOwnEvaluations,
  requireEvaluator,
  readsAll,
  saveEvaluation,
  scoreOf,
  startEvaluation,
  submitEvaluation,
  type EvaluationRow,
} from './evaluations.ts';

const json = <S extends z.ZodType>(schema: S) => ({ content: { 'application/json': { schema } } });
const tags = ['quality'];
const iso = (d: Date | null) => (d ? d.toISOString() : null);

const QuestionIdSchema = z.string().regex(/^[a-z0-9_-]{1,40}$/, 'Use the id of one of the form’s questions.');
const AnswerSchema = z.object({
  answer: z.union([z.enum(['yes', 'no', 'partial', 'na']), z.number().int().min(1).max(10)]).openapi({ description: 'yes, no, partial, na (where allowed), or the scale value 1–scaleMax' }),
  comment: typedText(1000).optional().openapi({ description: "The evaluator's remark on this question (card numbers are redacted)" }),
});
const AnswersSchema = z.record(QuestionIdSchema, AnswerSchema).refine((a) => Object.keys(a).length <= 500, 'Too many answers.').openapi('QualityAnswers');

const EvaluationSchema = z
  .object({
    id: z.uuid(),
    callId: z.uuid(),
    callOfferedAt: z.string(),
    callFunction: z.string(),
    operatorId: z.uuid(),
    operatorName: z.string(),
    evaluatorId: z.uuid(),
    evaluatorLabel: z.string(),
    mine: z.boolean().openapi({ description: 'The asking user is its evaluator (a draft is theirs to finish)' }),
    formId: z.uuid(),
    formName: z.string(),
    formVersion: z.number().int(),
    calibrationId: z.uuid().nullable(),
    answers: AnswersSchema,
    comment: z.string().nullable(),
    status: z.enum(['draft', 'submitted']),
    score: z.number().nullable(),
    criticalFailed: z.boolean(),
    submittedAt: z.string().nullable(),
    acknowledgedAt: z.string().nullable(),
    acknowledgement: z.string().nullable(),
    updatedAt: z.string(),
  })
  .openapi('QualityEvaluation');
const EvaluationDetailSchema = EvaluationSchema.extend({ definition: formDefinitionSchema }).openapi('QualityEvaluationDetail');

const OwnEvaluationSchema = z
  .object({
    id: z.uuid(),
    callId: z.uuid(),
    callOfferedAt: z.string(),
    callFunction: z.string(),
    formName: z.string(),
    formVersion: z.number().int(),
    evaluatorName: z.string().openapi({ description: "The evaluator's name (without their email address)" }),
    definition: formDefinitionSchema,
    answers: AnswersSchema,
    comment: z.string().nullable(),
    score: z.number().nullable(),
    criticalFailed: z.boolean(),
    submittedAt: z.string().nullable(),
    acknowledgedAt: z.string().nullable(),
    acknowledgement: z.string().nullable(),
  })
  .openapi('OwnQualityEvaluation');

const evaluationJson = (r: EvaluationRow, viewerId: string) => ({
  id: r.id,
  callId: r.callId,
  callOfferedAt: r.callOfferedAt.toISOString(),
  callFunction: r.callFunction,
  operatorId: r.operatorId,
  operatorName: r.operatorName,
  evaluatorId: r.evaluatorId,
  evaluatorLabel: r.evaluatorLabel,
  mine: r.evaluatorId === viewerId,
  formId: r.formId,
  formName: r.formName,
  formVersion: r.formVersion,
  calibrationId: r.calibrationId,
  answers: (r.answers ?? {}) as z.infer<typeof AnswersSchema>,
  comment: r.comment,
  status: r.status,
  score: scoreOf(r.score),
  criticalFailed: r.criticalFailed,
  submittedAt: iso(r.submittedAt),
  acknowledgedAt: iso(r.acknowledgedAt),
  acknowledgement: r.acknowledgement,
  updatedAt: r.updatedAt.toISOString(),
});

const EvaluationParamSchema = TenantParamSchema.extend({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

const list = createRoute({
  method: 'get',
  path: '/t/{tenant}/quality/evaluations',
  tags,
  summary: "The company's evaluations, newest first (an evaluator without quality.read: their own); another evaluator's drafts and open calibrations' evaluations are never shown",
  request: {
    params: TenantParamSchema,
    query: z.object({
      operatorId: z.uuid().optional(),
      status: z.enum(['draft', 'submitted']).optional(),
      callId: z.uuid().optional(),
      limit: z.coerce.number().int().min(1).max(200).default(100),
    }),
  },
  responses: { 200: { description: 'Evaluations', ...json(z.object({ items: z.array(EvaluationSchema) })) }, ...problemResponses(400, 401, 403, 404) },
});
const start = createRoute({
  method: 'post',
  path: '/t/{tenant}/quality/evaluations',
  tags,
  summary: "Start evaluating a finished call an operator handled, against a form's latest published version",
  request: { params: TenantParamSchema, body: { ...json(z.object({ callId: z.uuid(), formId: z.uuid(), calibrationId: z.uuid().optional() }).openapi('StartQualityEvaluation', { example: { callId: '0193a5c0-0000-7000-8000-000000000001', formId: '0193a5c0-0000-7000-8000-000000000002' } })), required: true } },
  responses: { 201: { description: 'A draft evaluation', ...json(EvaluationDetailSchema) }, ...problemResponses(400, 401, 403, 404, 409) },
});
const get = createRoute({
  method: 'get',
  path: '/t/{tenant}/quality/evaluations/{id}',
  tags,
  summary: 'One evaluation with the form version it is scored against',
  request: { params: EvaluationParamSchema },
  responses: { 200: { description: 'The evaluation', ...json(EvaluationDetailSchema) }, ...problemResponses(400, 401, 403, 404) },
});
const save = createRoute({
  method: 'put',
  path: '/t/{tenant}/quality/evaluations/{id}',
  tags,
  summary: "Save a draft evaluation's answers and comment (its evaluator only)",
  request: {
    params: EvaluationParamSchema,
    body: { ...json(z.object({ answers: AnswersSchema, comment: typedText(4000).nullable().default(null) }).openapi('SaveQualityEvaluation', { example: { answers: { q_greet: { answer: 'yes', comment: 'Warm greeting' } }, comment: 'Clear and friendly call.' } })), required: true },
  },
  responses: { 200: { description: 'Saved', ...json(EvaluationDetailSchema) }, ...problemResponses(400, 401, 403, 404, 409) },
});
const submit = createRoute({
  method: 'post',
  path: '/t/{tenant}/quality/evaluations/{id}/submit',
  tags,
  summary: 'Submit: every question answered; the score is computed and kept with the form version (a critical question answered no scores 0)',
  request: { params: EvaluationParamSchema },
  responses: { 200: { description: 'Submitted', ...json(EvaluationDetailSchema) }, ...problemResponses(400, 401, 403, 404, 409) },
});
const discard = createRoute({
  method: 'delete',
  path: '/t/{tenant}/quality/evaluations/{id}',
  tags,
  summary: 'Discard a draft evaluation (its evaluator only)',
  request: { params: EvaluationParamSchema },
  responses: { 204: { description: 'Discarded' }, ...problemResponses(400, 401, 403, 404, 409) },
});
const ownList = createRoute({
  method: 'get',
  path: '/desk/quality/evaluations',
  tags,
  summary: "The asking operator's own submitted evaluations, per client they serve, newest first",
  responses: {
    200: {
      description: 'Per client',
      ...json(
        z
          .object({ tenants: z.array(z.object({ slug: z.string(), name: z.string(), brandColor: z.string(), evaluations: z.array(OwnEvaluationSchema) })) })
          .openapi('OwnQualityEvaluations'),
      ),
    },
    ...problemResponses(401, 403),
  },
});
const acknowledge = createRoute({
  method: 'post',
  path: '/t/{tenant}/quality/own-evaluations/{id}/acknowledge',
  tags,
  summary: 'The operator evaluated acknowledges an evaluation of their call, with an optional comment',
  request: {
    params: EvaluationParamSchema,
    body: { ...json(z.object({ comment: typedText(2000).nullable().default(null) }).openapi('AcknowledgeQualityEvaluation', { example: { comment: 'Thanks, noted.' } })), required: true },
  },
  responses: { 200: { description: 'Acknowledged', ...json(OwnEvaluationSchema) }, ...problemResponses(400, 401, 403, 404, 409) },
});

type OwnRow = Awaited<ReturnType<typeof findOwnEvaluation>>;
async function ownJson(tx: Parameters<typeof getVersion>[0], r: OwnRow) {
  const { definition } = await getVersion(tx, r.formId, r.formVersion);
  return {
    id: r.id,
    callId: r.callId,
    callOfferedAt: r.callOfferedAt.toISOString(),
    callFunction: r.callFunction,
    formName: r.formName,
    formVersion: r.formVersion,
    evaluatorName: r.evaluatorLabel.replace(/\s*<[^<>]*>$/, ''),
    definition,
    answers: (r.answers ?? {}) as z.infer<typeof AnswersSchema>,
    comment: r.comment,
    score: scoreOf(r.score),
    criticalFailed: r.criticalFailed,
    submittedAt: iso(r.submittedAt),
    acknowledgedAt: iso(r.acknowledgedAt),
    acknowledgement: r.acknowledgement,
  };
}

async function detail(tx: Parameters<typeof getVersion>[0], viewer: Parameters<typeof findEvaluation>[1], id: string) {
  const row = await findEvaluation(tx, viewer, id);
  const { definition } = await getVersion(tx, row.formId, row.formVersion);
  return { ...evaluationJson(row, viewer.id), definition };
}

export const qualityEvaluationRoutes = createRouter()
  .openapi(list, async (c) => {
    const ctx = tenantContext(c);
    if (!readsAll(ctx.access)) await requireEvaluator(ctx.tx, ctx.access, ctx.actor.id);
    const { limit, ...filter } = c.req.valid('query');
    const viewer = { id: ctx.actor.id, access: ctx.access };
    const rows = await listEvaluations(ctx.tx, viewer, filter, limit);
    return c.json({ items: rows.map((r) => evaluationJson(r, viewer.id)) }, 200);
  })
  .openapi(start, async (c) => {
    const ctx = tenantContext(c);
    await requireEvaluator(ctx.tx, ctx.access, ctx.actor.id);
    const id = await startEvaluation(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('json'), c.var.deps.now());
    return c.json(await detail(ctx.tx, { id: ctx.actor.id, access: ctx.access }, id), 201);
  })
  .openapi(get, async (c) => {
    const ctx = tenantContext(c);
    if (!readsAll(ctx.access)) await requireEvaluator(ctx.tx, ctx.access, ctx.actor.id);
    return c.json(await detail(ctx.tx, { id: ctx.actor.id, access: ctx.access }, c.req.valid('param').id), 200);
  })
  .openapi(save, async (c) => {
    const ctx = tenantContext(c);
    await requireEvaluator(ctx.tx, ctx.access, ctx.actor.id);
    const { id } = c.req.valid('param');
    await saveEvaluation(ctx.tx, ctx.actor, id, c.req.valid('json'), c.var.deps.now());
    return c.json(await detail(ctx.tx, { id: ctx.actor.id, access: ctx.access }, id), 200);
  })
  .openapi(submit, async (c) => {
    const ctx = tenantContext(c);
    await requireEvaluator(ctx.tx, ctx.access, ctx.actor.id);
    const { id } = c.req.valid('param');
    await submitEvaluation(ctx.tx, ctx.tenant.id, ctx.actor, id, c.var.deps.now());
    return c.json(await detail(ctx.tx, { id: ctx.actor.id, access: ctx.access }, id), 200);
  })
  .openapi(discard, async (c) => {
    const ctx = tenantContext(c);
    await requireEvaluator(ctx.tx, ctx.access, ctx.actor.id);
    await discardEvaluation(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').id);
    return c.body(null, 204);
  })
  .openapi(ownList, async (c) => {
    const user = currentUser(c);
    requireUserPermission(user, 'quality.own');
    const { db } = c.var.deps;
    const { tenants } = await servedTenants(db, user.id);
    const out = [];
    for (const tenant of tenants) {
      const evaluations = await withTenant(db, tenant.id, async (tx) => Promise.all((await listOwnEvaluations(tx, user.id, 100)).map((r) => ownJson(tx, r))));
      out.push({ slug: tenant.slug, name: tenant.name, brandColor: tenant.brandColor, evaluations });
    }
    return c.json({ tenants: out }, 200);
  })
  .openapi(acknowledge, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'quality.own');
    const { id } = c.req.valid('param');
    await acknowledgeEvaluation(ctx.tx, ctx.tenant.id, ctx.actor, id, c.req.valid('json').comment, c.var.deps.now());
    return c.json(await ownJson(ctx.tx, await findOwnEvaluation(ctx.tx, ctx.actor.id, id)), 200);
  });
