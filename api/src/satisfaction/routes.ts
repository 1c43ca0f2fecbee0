import { createRoute, z } from '@hono/zod-openapi';
import { callFunctionIds } from '@switchboard/db';
import { requirePermission } from '../http/permissions.ts';
import { createRouter } from '../http/router.ts';
import { problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { boundary, pagingQuery } from '../records/common.ts';
import { exportHeaders, exportLanguage, exportQuery, exportResponse, renderExport } from '../records/export.ts';
import { satisfactionExport } from './export.ts';
import { satisfactionSummary, surveyedOperators } from './summary.ts';

const FiguresShape = {
  surveys: z.number().int().openapi({ description: 'Surveys the telephony adapter reported: answered, partial, or not answered (the caller hung up first)' }),
  scored: z.number().int().openapi({ description: 'Callers who keyed a 1–5 score' }),
  notAnswered: z.number().int(),
  average: z.number().nullable().openapi({ description: 'Mean score (1–5), two decimals; null before any' }),
  distribution: z.array(z.number().int()).length(5).openapi({ description: 'How many callers keyed 1, 2, 3, 4, 5' }),
  solvedAnswered: z.number().int().openapi({ description: 'Callers who answered "was your problem solved?"' }),
  solvedYes: z.number().int(),
  solvedShare: z.number().nullable().openapi({ description: '% who said their problem was solved, one decimal; null before any' }),
  satisfiedShare: z.number().nullable().openapi({ description: '% who keyed 4 or 5 (CSAT), one decimal; null before any' }),
};

const SatisfactionSummarySchema = z
  .object({
    overall: z.object(FiguresShape),
    byFunction: z.array(z.object({ function: z.string(), ...FiguresShape })),
    byOperator: z.array(z.object({ operatorId: z.string().nullable(), operatorName: z.string().nullable(), ...FiguresShape })),
    operators: z.array(z.object({ id: z.uuid(), name: z.string() })).openapi({ description: 'The operators whose calls were ever surveyed, whatever the filter (for the operator filter)' }),
  })
  .openapi('SatisfactionSummary');

/** The page's filters, shared by its figures and its export. */
const filters = {
  from: pagingQuery.from,
  to: pagingQuery.to,
  function: z.enum(callFunctionIds).optional(),
  operator: z.uuid().optional().openapi({ description: 'The operator who took the call' }),
};

const summary = createRoute({
  method: 'get',
  path: '/t/{tenant}/satisfaction',
  tags: ['satisfaction'],
  summary: "Post-call satisfaction (CSAT) over a period: average, distribution of 1–5, share of problems solved, per function and per operator",
  request: {
    params: TenantParamSchema,
    query: z.object(filters),
  },
  responses: { 200: { description: 'The figures', content: { 'application/json': { schema: SatisfactionSummarySchema } } }, ...problemResponses(400, 401, 403, 404) },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/t/{tenant}/satisfaction.csv',
  tags: ['satisfaction'],
  summary: 'One row per surveyed call (reference, end in the tenant’s zone, function, operator, score, solved, not answered), as CSV or XLSX, with the page’s filters',
  request: { params: TenantParamSchema, query: z.object({ ...filters, ...exportQuery }) },
  responses: { 200: exportResponse, ...problemResponses(400, 401, 403, 404) },
});

/** The query's filter as instants: a bare date is that day in the tenant's zone. Who may read the figures may export them (records.read: never operators). */
const filterOf = (query: { from?: string | undefined; to?: string | undefined; function?: string | undefined; operator?: string | undefined }, timeZone: string) => ({
  from: boundary(query.from, timeZone, false),
  to: boundary(query.to, timeZone, true),
  function: query.function,
  operator: query.operator,
});

export const satisfactionRoutes = createRouter()
  .openapi(summary, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.read');
    const figures = await satisfactionSummary(ctx.tx, filterOf(c.req.valid('query'), ctx.tenant.timeZone));
    return c.json({ ...figures, operators: await surveyedOperators(ctx.tx) }, 200);
  })
  .openapi(exportRoute, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.read');
    const { lang, format, ...query } = c.req.valid('query');
    const language = exportLanguage(lang, c.req.header('accept-language'), c.var.user?.language);
    const table = await satisfactionExport(ctx.tx, filterOf(query, ctx.tenant.timeZone), language);
    const rendered = await renderExport(table, { language, format, timeZone: ctx.tenant.timeZone });
    return c.body(rendered.body as Uint8Array<ArrayBuffer>, 200, exportHeaders(rendered, ctx.tenant.slug, 'satisfaction', c.var.deps.now()));
  });
