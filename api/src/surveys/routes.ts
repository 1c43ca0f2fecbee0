import { createRoute, z } from '@hono/zod-openapi';
import { callFunctionIds } from '@switchboard/db/call-functions';
import { answerTypes } from '../scripts/model.ts';
import { requirePermission } from '../http/permissions.ts';
import { createRouter } from '../http/router.ts';
import { problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { loadRules } from '../rules/service.ts';
import { IdParamSchema, decodeCursor, pageOf, pagingQuery } from '../records/common.ts';
import { exportHeaders, exportLanguage, exportQuery, exportResponse, renderExport } from '../records/export.ts';
import { listQuestionnaires, surveyAnswerCalls, surveyExport, surveyResults } from './service.ts';

/** Questionnaire results the client reads (issue 14): who may read them is who may read the company's records. */

const json = <S extends z.ZodType>(schema: S) => ({ content: { 'application/json': { schema } } });

const filters = {
  version: z.coerce.number().int().min(1).max(1_000_000).openapi({ description: 'The script version the answers were given under', example: 1 }),
  from: pagingQuery.from,
  to: pagingQuery.to,
  function: z.enum(callFunctionIds).optional(),
  operator: z.uuid().optional().openapi({ description: 'The operator who took the call' }),
};

const QuestionnaireSchema = z
  .object({ scriptId: z.uuid(), function: z.string(), version: z.number().int(), calls: z.number().int(), completions: z.number().int(), lastAt: z.string().nullable() })
  .openapi('Questionnaire');

const QuestionResultSchema = z
  .object({
    stepId: z.string(),
    label: z.string(),
    type: z.enum(answerTypes),
    answered: z.number().int(),
    masked: z.boolean().openapi({ description: 'The answers go into a field the rules call sensitive: only how many answered' }),
    counts: z.array(z.object({ value: z.string(), label: z.string(), count: z.number().int() })),
    mean: z.number().nullable(),
    nps: z.object({ promoters: z.number().int(), passives: z.number().int(), detractors: z.number().int(), score: z.number() }).nullable(),
    words: z.array(z.object({ word: z.string(), count: z.number().int() })),
  })
  .openapi('SurveyQuestionResult');

const SurveyResultsSchema = z
  .object({
    scriptId: z.uuid(),
    version: z.number().int(),
    calls: z.number().int(),
    completions: z.number().int(),
    operators: z.array(z.object({ id: z.uuid(), name: z.string() })).openapi({ description: "The operators who took this version's calls (for the operator filter)" }),
    questions: z.array(QuestionResultSchema),
  })
  .openapi('SurveyResults');

const listRoute = createRoute({
  method: 'get',
  path: '/t/{tenant}/surveys',
  tags: ['surveys'],
  summary: 'The questionnaires whose answers are kept, per script version, with their calls and completions',
  request: { params: TenantParamSchema },
  responses: { 200: { description: 'The questionnaires', ...json(z.object({ items: z.array(QuestionnaireSchema) })) }, ...problemResponses(401, 403, 404) },
});

const resultsRoute = createRoute({
  method: 'get',
  path: '/t/{tenant}/surveys/{id}/results',
  tags: ['surveys'],
  summary: 'A questionnaire version’s results: calls, completions, and per question its distribution, mean, NPS or word list',
  request: { params: IdParamSchema, query: z.object(filters) },
  responses: { 200: { description: 'The results', ...json(SurveyResultsSchema) }, ...problemResponses(400, 401, 403, 404) },
});

const callsRoute = createRoute({
  method: 'get',
  path: '/t/{tenant}/surveys/{id}/calls',
  tags: ['surveys'],
  summary: 'The calls that gave one answer to one question (an option, a scale point, yes/no or a word), newest first',
  request: {
    params: IdParamSchema,
    query: z.object({
      ...filters,
      step: z.string().regex(/^[a-z][a-z0-9_]{0,39}$/).openapi({ description: 'The question (its step id)', example: 'nps' }),
      value: z.string().min(1).max(60).openapi({ description: 'The answer: an option value, a scale point, true/false, or a word', example: '10' }),
      limit: pagingQuery.limit,
      cursor: pagingQuery.cursor,
    }),
  },
  responses: {
    200: {
      description: 'A page of calls',
      ...json(z.object({ items: z.array(z.object({ callId: z.uuid(), answeredAt: z.string(), function: z.string(), operatorName: z.string().nullable() })), nextCursor: z.string().nullable() })),
    },
    ...problemResponses(400, 401, 403, 404),
  },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/t/{tenant}/surveys/{id}/results.csv',
  tags: ['surveys'],
  summary: "One row per completed questionnaire, one column per question, as CSV or XLSX, with only what the tenant's rules let leave",
  request: { params: IdParamSchema, query: z.object({ ...filters, ...exportQuery }) },
  responses: { 200: exportResponse, ...problemResponses(400, 401, 403, 404) },
});

export const surveyRoutes = createRouter()
  .openapi(listRoute, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.read');
    return c.json({ items: await listQuestionnaires(ctx.tx) }, 200);
  })
  .openapi(resultsRoute, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.read');
    const { id } = c.req.valid('param');
    return c.json(await surveyResults(ctx.tx, ctx.tenant, await loadRules(ctx.tx), id, c.req.valid('query')), 200);
  })
  .openapi(callsRoute, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.read');
    const { id } = c.req.valid('param');
    const query = c.req.valid('query');
    const rows = await surveyAnswerCalls(ctx.tx, ctx.tenant, await loadRules(ctx.tx), id, { ...query, before: decodeCursor(query.cursor) });
    const page = pageOf(rows, query.limit, (r) => ({ at: new Date(r.answeredAt), id: r.callId }));
    return c.json({ items: page.items.map((r) => ({ callId: r.callId, answeredAt: new Date(r.answeredAt).toISOString(), function: r.function, operatorName: r.operatorName })), nextCursor: page.nextCursor }, 200);
  })
  .openapi(exportRoute, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.read');
    const { id } = c.req.valid('param');
    const { lang, format, ...query } = c.req.valid('query');
    const language = exportLanguage(lang, c.req.header('accept-language'), c.var.user?.language);
    const table = await surveyExport(ctx.tx, ctx.tenant, await loadRules(ctx.tx), id, query, language);
    const rendered = await renderExport(table, { language, format, timeZone: ctx.tenant.timeZone });
    return c.body(rendered.body as Uint8Array<ArrayBuffer>, 200, exportHeaders(rendered, ctx.tenant.slug, 'survey', c.var.deps.now()));
  });
