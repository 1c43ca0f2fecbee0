import { createRoute, z } from '@hono/zod-openapi';
import { requirePermission } from '../http/permissions.ts';
import { createRouter } from '../http/router.ts';
import { problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { loadRules } from '../rules/service.ts';
import { countsOf, retentionKinds } from './plan.ts';

const RemovedSchema = z.object(Object.fromEntries(retentionKinds.map((kind) => [kind, z.number().int()])) as Record<(typeof retentionKinds)[number], z.ZodNumber>);

const RetentionRunSchema = z
  .object({
    runOn: z.string().openapi({ description: "The tenant's local day the run is for, YYYY-MM-DD" }),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    status: z.enum(['finished', 'running', 'interrupted']).openapi({ description: 'interrupted: stopped unfinished; the next pass resumes it' }),
    personalDataDays: z.number().int(),
    recordingDays: z.number().int(),
    personalDataCutoff: z.string().openapi({ description: 'Personal data from before this was removed' }),
    recordingCutoff: z.string(),
    removed: RemovedSchema.openapi({ description: 'How many of each kind of record had personal data removed (customers: deleted); counts only' }),
  })
  .openapi('RetentionRun');

const RetentionSchema = z
  .object({
    personalDataDays: z.number().int(),
    recordingsDays: z.number().int(),
    runs: z.array(RetentionRunSchema).openapi({ description: 'The latest runs, newest first (empty: never run yet)' }),
  })
  .openapi('Retention');

const get = createRoute({
  method: 'get',
  path: '/t/{tenant}/retention',
  tags: ['rules'],
  summary: "The tenant's retention periods and the retention job's latest runs: when, and how many records of each kind it removed (counts, never data)",
  request: { params: TenantParamSchema },
  responses: {
    200: { description: 'Periods and runs', content: { 'application/json': { schema: RetentionSchema } } },
    ...problemResponses(401, 403, 404),
  },
});

export const retentionRoutes = createRouter().openapi(get, async (c) => {
  const ctx = tenantContext(c);
  requirePermission(ctx, 'retention.read');
  const now = c.var.deps.now();
  const rules = await loadRules(ctx.tx);
  const rows = await ctx.tx.selectFrom('retentionRuns').selectAll().orderBy('runOn', 'desc').limit(10).execute();
  return c.json(
    {
      personalDataDays: rules.retention.personalDataDays,
      recordingsDays: rules.retention.recordingsDays,
      runs: rows.map((r) => ({
        runOn: r.runOn,
        startedAt: r.startedAt.toISOString(),
        finishedAt: r.finishedAt?.toISOString() ?? null,
        status: r.finishedAt ? ('finished' as const) : r.leaseUntil > now ? ('running' as const) : ('interrupted' as const),
        personalDataDays: r.personalDataDays,
        recordingDays: r.recordingDays,
        personalDataCutoff: r.personalDataCutoff.toISOString(),
        recordingCutoff: r.recordingCutoff.toISOString(),
        removed: countsOf(r.removed),
      })),
    },
    200,
  );
});
