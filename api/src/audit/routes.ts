import { requirePermission } from '../http/permissions.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../http/router.ts';
import { problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';

const AuditEntrySchema = z
  .object({
    id: z.uuid(),
    at: z.string(),
    actorId: z.uuid().nullable(),
    actorLabel: z.string(),
    action: z.string(),
    targetType: z.string(),
    targetId: z.string().nullable(),
    before: z.unknown(),
    after: z.unknown(),
  })
  .openapi('AuditEntry');

const AuditQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.uuid().optional().openapi({ description: 'Id of the last entry of the previous page' }),
  action: z.string().max(100).optional(),
});

const list = createRoute({
  method: 'get',
  path: '/t/{tenant}/audit',
  tags: ['audit'],
  summary: "The tenant's audit trail, newest first",
  request: { params: TenantParamSchema, query: AuditQuerySchema },
  responses: {
    200: {
      description: 'Audit entries',
      content: { 'application/json': { schema: z.object({ entries: z.array(AuditEntrySchema), nextBefore: z.uuid().nullable() }) } },
    },
    ...problemResponses(400, 401, 403, 404),
  },
});

export const auditRoutes = createRouter().openapi(list, async (c) => {
  const ctx = tenantContext(c);
  requirePermission(ctx, 'audit.read');
  const { limit, before, action } = c.req.valid('query');
  let query = ctx.tx
    .selectFrom('auditLog')
    .select(['id', 'at', 'actorId', 'actorLabel', 'action', 'targetType', 'targetId', 'before', 'after'])
    .orderBy('id', 'desc')
    .limit(limit + 1);
  // UUIDv7 ids grow with time, so the id alone orders the trail and pages it.
  if (before) query = query.where('id', '<', before);
  if (action) query = query.where('action', '=', action);
  const rows = await query.execute();
  const page = rows.slice(0, limit);
  return c.json(
    {
      entries: page.map((r) => ({ ...r, at: r.at.toISOString() })),
      nextBefore: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
    },
    200,
  );
});
