import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../http/router.ts';
import { can, requirePermission } from '../http/permissions.ts';
import { notFound, problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import type { TenantContext } from '../http/env.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { CalibrationInputSchema, CalibrationSchema, CalibrationSummarySchema, calibrationOptions, CalibrationOptionsSchema, closeCalibration, createCalibration, listCalibrations, readCalibration } from './calibration.ts';

const IdParamSchema = TenantParamSchema.extend({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' }, example: '019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b' }) });
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

const list = createRoute({
  method: 'get',
  path: '/t/{tenant}/quality/calibrations',
  tags: ['quality'],
  summary: 'Calibration sessions, newest first (an evaluator who may not read quality sees only their own)',
  request: { params: TenantParamSchema },
  responses: { 200: json(z.object({ calibrations: z.array(CalibrationSummarySchema) }).openapi('Calibrations'), 'Sessions'), ...problemResponses(401, 403, 404) },
});
const options = createRoute({
  method: 'get',
  path: '/t/{tenant}/quality/calibration-options',
  tags: ['quality'],
  summary: 'What a calibration session can be run on: recent answered calls, published form versions, who may evaluate',
  request: { params: TenantParamSchema },
  responses: { 200: json(CalibrationOptionsSchema, 'Options'), ...problemResponses(401, 403, 404) },
});
const get = createRoute({
  method: 'get',
  path: '/t/{tenant}/quality/calibrations/{id}',
  tags: ['quality'],
  summary: 'One session: while open, who has submitted (never their answers); once closed, the spread per question and overall',
  request: { params: IdParamSchema },
  responses: { 200: json(CalibrationSchema, 'Session'), ...problemResponses(401, 403, 404) },
});
const create = createRoute({
  method: 'post',
  path: '/t/{tenant}/quality/calibrations',
  tags: ['quality'],
  summary: 'Start a session: a call, a published form version and two or more evaluators, each scoring blind',
  request: { params: TenantParamSchema, body: { content: { 'application/json': { schema: CalibrationInputSchema } }, required: true } },
  responses: { 201: json(CalibrationSchema, 'Started'), ...problemResponses(400, 401, 403, 404) },
});
const close = createRoute({
  method: 'post',
  path: '/t/{tenant}/quality/calibrations/{id}/close',
  tags: ['quality'],
  summary: 'Close a session and show how far apart the evaluators were',
  request: { params: IdParamSchema },
  responses: { 200: json(CalibrationSchema, 'Closed'), ...problemResponses(401, 403, 404, 409) },
});

/** Sessions are read by those who read quality and by the people evaluating in them (client evaluators may be plain members). */
function requireCalibrationReader(ctx: TenantContext): void {
  if (!can(ctx.access, 'quality.read') && !can(ctx.access, 'quality.evaluate')) requirePermission(ctx, 'quality.read');
}

export const qualityCalibrationRoutes = createRouter()
  .openapi(list, async (c) => {
    const ctx = tenantContext(c);
    requireCalibrationReader(ctx);
    return c.json({ calibrations: await listCalibrations(ctx.tx, { id: ctx.actor.id, access: ctx.access }) }, 200);
  })
  .openapi(options, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'quality.calibrate');
    return c.json(await calibrationOptions(ctx.tx, c.var.deps.now()), 200);
  })
  .openapi(get, async (c) => {
    const ctx = tenantContext(c);
    requireCalibrationReader(ctx);
    const found = await readCalibration(ctx.tx, c.req.valid('param').id, { id: ctx.actor.id, access: ctx.access });
    if (!found) throw notFound('No such calibration session.');
    return c.json(found, 200);
  })
  .openapi(create, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'quality.calibrate');
    return c.json(await createCalibration(ctx.tx, ctx.tenant, ctx.actor, c.req.valid('json'), c.var.deps.now()), 201);
  })
  .openapi(close, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'quality.calibrate');
    return c.json(await closeCalibration(ctx.tx, ctx.tenant, ctx.actor, c.req.valid('param').id, c.var.deps.now()), 200);
  });
