import { createRoute, z } from '@hono/zod-openapi';
import { callFunctionIds } from '@switchboard/db';
import { requirePermission } from '../http/permissions.ts';
import { createRouter } from '../http/router.ts';
import { problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { boundary, pagingQuery } from '../records/common.ts';
import { satisfactionSummary } from './summary.ts';

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
  })
  .openapi('SatisfactionSummary');

const summary = createRoute({
  method: 'get',
  path: '/t/{tenant}/satisfaction',
  tags: ['satisfaction'],
  summary: "Post-call satisfaction (CSAT) over a period: average, distribution of 1–5, share of problems solved, per function and per operator",
  request: {
    params: TenantParamSchema,
    query: z.object({
      from: pagingQuery.from,
      to: pagingQuery.to,
      function: z.enum(callFunctionIds).optional(),
    }),
  },
  responses: { 200: { description: 'The figures', content: { 'application/json': { schema: SatisfactionSummarySchema } } }, ...problemResponses(400, 401, 404) },
});

export const satisfactionRoutes = createRouter().openapi(summary, async (c) => {
  const ctx = tenantContext(c);
  requirePermission(ctx, 'records.read');
  const query = c.req.valid('query');
  const figures = await satisfactionSummary(ctx.tx, {
    from: boundary(query.from, ctx.tenant.timeZone, false),
    to: boundary(query.to, ctx.tenant.timeZone, true),
    function: query.function,
  });
  return c.json(figures, 200);
});
