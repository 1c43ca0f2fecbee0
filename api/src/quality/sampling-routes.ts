import { createRoute, z } from '@hono/zod-openapi';
import { providerStaffKinds, qualitySampleReasons } from '@switchboard/db';
import { createRouter } from '../http/router.ts';
import { requirePermission } from '../http/permissions.ts';
import { fieldError, invalid, problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { isMonday, sampleWeek, weekOf } from './sampling.ts';

const WeekSchema = z.iso.date({ error: 'Use a date as YYYY-MM-DD.' }).openapi({ description: "A Monday on the company's calendar; default: this week.", example: '2026-11-30' });

const SampleSchema = z
  .object({
    id: z.uuid(),
    callId: z.uuid(),
    callOfferedAt: z.string(),
    callFunction: z.string(),
    operatorId: z.uuid(),
    operatorName: z.string(),
    reason: z.enum(qualitySampleReasons),
    status: z.enum(['pending', 'evaluated', 'skipped']),
    evaluationId: z.uuid().nullable(),
  })
  .openapi('QualitySample');

const SamplesSchema = z.object({ week: z.string(), samples: z.array(SampleSchema) }).openapi('QualitySamples');
const RunSchema = z.object({ week: z.string(), added: z.number().int() }).openapi('QualitySamplingRun');

const list = createRoute({
  method: 'get',
  path: '/t/{tenant}/quality/samples',
  tags: ['quality'],
  summary: "A week's calls drawn for evaluation, per operator, each with why it was drawn",
  request: { params: TenantParamSchema, query: z.object({ week: WeekSchema.optional() }) },
  responses: { 200: { description: 'Samples', content: { 'application/json': { schema: SamplesSchema } } }, ...problemResponses(400, 401, 403, 404) },
});
const run = createRoute({
  method: 'post',
  path: '/t/{tenant}/quality/samples/run',
  tags: ['quality'],
  summary: 'Draw the week’s samples now (the hourly pass does it too): tops every operator up to the number set, never draws a call twice',
  request: { params: TenantParamSchema, body: { content: { 'application/json': { schema: z.strictObject({ week: WeekSchema.optional() }).openapi('QualitySamplingRunInput') } }, required: true } },
  responses: { 200: { description: 'Drawn', content: { 'application/json': { schema: RunSchema } } }, ...problemResponses(400, 401, 403, 404) },
});

const mondayOr400 = (week: string | undefined, fallback: string) => {
  if (week === undefined) return fallback;
  if (!isMonday(week)) throw invalid([fieldError('week', 'quality.not_a_monday', 'A week is named by its Monday.')]);
  return week;
};

/** Staff see operators' names; a client's users see first names (as in its reports by default). */
const operatorLabel = (displayName: string, staff: boolean) => (staff ? displayName : (displayName.trim().split(/\s+/)[0] ?? displayName));

export const qualitySamplingRoutes = createRouter()
  .openapi(list, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'quality.read');
    const week = mondayOr400(c.req.valid('query').week, weekOf(c.var.deps.now(), ctx.tenant.timeZone));
    const rows = await ctx.tx
      .selectFrom('qualitySamples as s')
      .innerJoin('calls', 'calls.id', 's.callId')
      .innerJoin('users', 'users.id', 's.operatorId')
      .select(['s.id', 's.callId', 'calls.offeredAt', 'calls.function', 's.operatorId', 'users.displayName', 's.reason', 's.status', 's.evaluationId'])
      .where('s.week', '=', week)
      .orderBy('users.displayName')
      .orderBy('calls.offeredAt')
      .execute();
    const staff = (providerStaffKinds as readonly string[]).includes(ctx.access);
    return c.json(
      {
        week,
        samples: rows.map((r) => ({
          id: r.id,
          callId: r.callId,
          callOfferedAt: new Date(r.offeredAt).toISOString(),
          callFunction: r.function,
          operatorId: r.operatorId,
          operatorName: operatorLabel(r.displayName, staff),
          reason: r.reason,
          status: r.status,
          evaluationId: r.evaluationId,
        })),
      },
      200,
    );
  })
  .openapi(run, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'quality.forms.manage');
    const now = c.var.deps.now();
    const week = mondayOr400(c.req.valid('json').week, weekOf(now, ctx.tenant.timeZone));
    return c.json(await sampleWeek(ctx.tx, ctx.tenant, week, now), 200);
  });
