import { createRoute } from '@hono/zod-openapi';
import { createRouter } from '../http/router.ts';
import { requirePermission } from '../http/permissions.ts';
import { problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { QualitySettingsInputSchema, QualitySettingsSchema, readQualitySettings, saveQualitySettings } from './settings.ts';

const read = createRoute({
  method: 'get',
  path: '/t/{tenant}/quality/settings',
  tags: ['quality'],
  summary: "The company's quality sampling (samples per operator per week, what the draw favours) and its client users who may evaluate",
  request: { params: TenantParamSchema },
  responses: { 200: { description: 'Settings', content: { 'application/json': { schema: QualitySettingsSchema } } }, ...problemResponses(401, 403, 404) },
});
const save = createRoute({
  method: 'put',
  path: '/t/{tenant}/quality/settings',
  tags: ['quality'],
  summary: 'Change the sampling and the client evaluators (members of this company only)',
  request: { params: TenantParamSchema, body: { content: { 'application/json': { schema: QualitySettingsInputSchema } }, required: true } },
  responses: { 200: { description: 'Saved', content: { 'application/json': { schema: QualitySettingsSchema } } }, ...problemResponses(400, 401, 403, 404) },
});

export const qualitySettingsRoutes = createRouter()
  .openapi(read, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'quality.read');
    return c.json(await readQualitySettings(ctx.tx), 200);
  })
  .openapi(save, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'quality.forms.manage');
    return c.json(await saveQualitySettings(ctx.tx, ctx.tenant, ctx.actor, c.req.valid('json'), c.var.deps.now()), 200);
  });
