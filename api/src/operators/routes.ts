import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../http/router.ts';
import { notFound, problemResponses } from '../http/problem.ts';
import { requireAccess, tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { writeAudit } from '../audit/write.ts';
import { SkillSchema } from '../http/validators.ts';


const AssignedOperatorSchema = z
  .object({
    operatorId: z.uuid(),
    email: z.string().nullable().openapi({ description: 'Shown to provider staff only' }),
    displayName: z.string(),
    skills: z.array(z.string()),
    createdAt: z.string(),
  })
  .openapi('AssignedOperator');

const OperatorParamSchema = TenantParamSchema.extend({
  operatorId: z.uuid().openapi({ param: { name: 'operatorId', in: 'path' } }),
});

const AssignBodySchema = z
  .object({ skills: z.array(SkillSchema).max(50).default([]) })
  .openapi('AssignOperatorBody', { example: { skills: ['order_taking', 'information'] } });

const list = createRoute({
  method: 'get',
  path: '/t/{tenant}/operators',
  tags: ['operators'],
  summary: 'Operators assigned to the tenant, with their skills',
  request: { params: TenantParamSchema },
  responses: {
    200: { description: 'Assigned operators', content: { 'application/json': { schema: z.object({ operators: z.array(AssignedOperatorSchema) }) } } },
    ...problemResponses(401, 404),
  },
});

const assign = createRoute({
  method: 'put',
  path: '/t/{tenant}/operators/{operatorId}',
  tags: ['operators'],
  summary: 'Assign an operator to the tenant (or change the skills they serve it with)',
  request: { params: OperatorParamSchema, body: { content: { 'application/json': { schema: AssignBodySchema } }, required: true } },
  responses: {
    200: { description: 'Assigned', content: { 'application/json': { schema: AssignedOperatorSchema } } },
    ...problemResponses(400, 401, 403, 404),
  },
});

const unassign = createRoute({
  method: 'delete',
  path: '/t/{tenant}/operators/{operatorId}',
  tags: ['operators'],
  summary: 'Take an operator off the tenant',
  request: { params: OperatorParamSchema },
  responses: { 204: { description: 'Unassigned' }, ...problemResponses(401, 403, 404) },
});

export const operatorRoutes = createRouter()
  .openapi(list, async (c) => {
    const ctx = tenantContext(c);
    const rows = await ctx.tx
      .selectFrom('operatorAssignments')
      .innerJoin('users', 'users.id', 'operatorAssignments.operatorId')
      .select(['operatorAssignments.operatorId', 'users.email', 'users.displayName', 'operatorAssignments.skills', 'operatorAssignments.createdAt'])
      .orderBy('users.displayName')
      .execute();
    // Client users see who serves them by name; staff emails stay with the provider.
    const showEmail = ctx.access === 'provider_admin' || ctx.access === 'supervisor';
    return c.json(
      { operators: rows.map((r) => ({ ...r, email: showEmail ? r.email : null, createdAt: r.createdAt.toISOString() })) },
      200,
    );
  })
  .openapi(assign, async (c) => {
    const ctx = tenantContext(c);
    requireAccess(ctx, ['provider_admin'], 'assign operators');
    const { operatorId } = c.req.valid('param');
    const { skills } = c.req.valid('json');
    const operator = await ctx.tx
      .selectFrom('users')
      .select(['id', 'email', 'displayName'])
      .where('id', '=', operatorId)
      .where('kind', '=', 'operator')
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (!operator) throw notFound('No operator with that id.');
    const before = await ctx.tx
      .selectFrom('operatorAssignments')
      .select('skills')
      .where('operatorId', '=', operatorId)
      .executeTakeFirst();
    const now = c.var.deps.now();
    const uniqueSkills = [...new Set(skills)].sort();
    const row = await ctx.tx
      .insertInto('operatorAssignments')
      .values({ tenantId: ctx.tenant.id, operatorId, skills: uniqueSkills, createdAt: now })
      .onConflict((oc) => oc.columns(['tenantId', 'operatorId']).doUpdateSet({ skills: uniqueSkills }))
      .returning(['operatorId', 'skills', 'createdAt'])
      .executeTakeFirstOrThrow();
    await writeAudit(ctx.tx, ctx.tenant.id, ctx.actor, {
      action: before ? 'operator.skills_changed' : 'operator.assigned',
      targetType: 'user',
      targetId: operatorId,
      before: before ?? undefined,
      after: { skills: uniqueSkills, email: operator.email },
    });
    return c.json({ ...row, email: operator.email, displayName: operator.displayName, createdAt: row.createdAt.toISOString() }, 200);
  })
  .openapi(unassign, async (c) => {
    const ctx = tenantContext(c);
    requireAccess(ctx, ['provider_admin'], 'take operators off a tenant');
    const { operatorId } = c.req.valid('param');
    const removed = await ctx.tx
      .deleteFrom('operatorAssignments')
      .where('operatorId', '=', operatorId)
      .returning(['operatorId', 'skills'])
      .executeTakeFirst();
    if (!removed) throw notFound();
    await writeAudit(ctx.tx, ctx.tenant.id, ctx.actor, { action: 'operator.unassigned', targetType: 'user', targetId: operatorId, before: removed });
    return c.body(null, 204);
  });
