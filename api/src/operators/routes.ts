import { requirePermission } from '../http/permissions.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { jsonb } from '@switchboard/db';
import { createRouter } from '../http/router.ts';
import { invalid, notFound, problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { writeAudit } from '../audit/write.ts';
import { SkillSchema } from '../http/validators.ts';
import { loadRules } from '../rules/service.ts';
import { normalizeRouting, RoutingSchema, routingIssues, storedRouting } from './routing.ts';

/** An operator may take the tenant's calls unless its rules require a signed agreement and none is on file. */
function agreementStatus(signedAt: Date | null, required: boolean) {
  return { agreementSignedAt: signedAt?.toISOString() ?? null, clearedForCalls: !required || signedAt !== null };
}


const AssignedOperatorSchema = z
  .object({
    operatorId: z.uuid(),
    email: z.string().nullable().openapi({ description: 'Shown to provider staff only' }),
    displayName: z.string(),
    skills: z.array(z.string()),
    routing: z
      .record(z.string(), z.object({ priority: z.number().int(), delaySeconds: z.number().int() }))
      .openapi({ description: 'Per skill: priority (1 is offered first) and delay before a waiting call is offered; a skill left out has priority 1, no delay' }),
    createdAt: z.string(),
    agreementSignedAt: z.string().nullable().openapi({ description: "When the operator's signed confidentiality agreement for this tenant was put on file" }),
    clearedForCalls: z.boolean().openapi({ description: "False when the tenant's rules require a signed agreement and none is on file" }),
  })
  .openapi('AssignedOperator');

const AgreementBodySchema = z
  .object({
    signedAt: z.iso
      .datetime({ offset: true, message: 'Use an ISO 8601 instant such as 2026-01-15T09:00:00Z.' })
      .nullable()
      .openapi({ description: 'When the agreement was signed; null takes it off file' }),
  })
  .openapi('ConfidentialityAgreementBody', { example: { signedAt: '2026-01-15T09:00:00Z' } });

const OperatorParamSchema = TenantParamSchema.extend({
  operatorId: z.uuid().openapi({ param: { name: 'operatorId', in: 'path' } }),
});

const AssignBodySchema = z
  .object({
    skills: z
      .array(SkillSchema, { error: 'Choose at least one skill.' })
      .min(1, "Choose at least one skill: an operator without one takes none of this company's calls.")
      .max(50),
    routing: RoutingSchema.optional().openapi({
      description: "Per skill the operator has here: priority and delay. Left out: the current profile is kept (less the skills taken away)",
    }),
  })
  .superRefine((body, ctx) => {
    for (const issue of routingIssues(body.skills, body.routing ?? {})) ctx.addIssue({ code: 'custom', ...issue });
  })
  .openapi('AssignOperatorBody', {
    example: { skills: ['order_taking', 'information'], routing: { order_taking: { priority: 1, delaySeconds: 0 }, information: { priority: 2, delaySeconds: 15 } } },
  });

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

const recordAgreement = createRoute({
  method: 'put',
  path: '/t/{tenant}/operators/{operatorId}/agreement',
  tags: ['operators'],
  summary: "Put on file (or take off) the operator's signed confidentiality agreement for this tenant",
  request: { params: OperatorParamSchema, body: { content: { 'application/json': { schema: AgreementBodySchema } }, required: true } },
  responses: {
    200: { description: 'Recorded', content: { 'application/json': { schema: AssignedOperatorSchema } } },
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
      .select(['operatorAssignments.confidentialityAgreementSignedAt', 'operatorAssignments.routing'])
      .orderBy('users.displayName')
      .execute();
    const { requiresConfidentialityAgreement } = await loadRules(ctx.tx);
    // Client users see who serves them by name; staff emails stay with the provider.
    const showEmail = ctx.access === 'provider_admin' || ctx.access === 'supervisor';
    return c.json(
      { operators: rows.map(({ confidentialityAgreementSignedAt: signed, ...r }) => ({ ...r, routing: storedRouting(r.routing), email: showEmail ? r.email : null, createdAt: r.createdAt.toISOString(), ...agreementStatus(signed, requiresConfidentialityAgreement) })) },
      200,
    );
  })
  .openapi(assign, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'operators.manage');
    const { operatorId } = c.req.valid('param');
    const body = c.req.valid('json');
    const operator = await ctx.tx
      .selectFrom('users')
      .select(['id', 'email', 'displayName'])
      .where('id', '=', operatorId)
      .where('kind', '=', 'operator')
      .where('status', '=', 'active')
      .executeTakeFirst();
    if (!operator) throw notFound('No operator with that id.');
    const stored = await ctx.tx
      .selectFrom('operatorAssignments')
      .select(['skills', 'routing'])
      .where('operatorId', '=', operatorId)
      .executeTakeFirst();
    const before = stored ? { skills: stored.skills, routing: storedRouting(stored.routing) } : undefined;
    const now = c.var.deps.now();
    const uniqueSkills = [...new Set(body.skills)].sort();
    // Left out, the profile is kept for the skills the operator still has.
    const kept = Object.fromEntries(Object.entries(before?.routing ?? {}).filter(([skill]) => uniqueSkills.includes(skill)));
    const routing = normalizeRouting(body.routing ?? kept);
    if (routingIssues(uniqueSkills, routing).length) throw invalid(routingIssues(uniqueSkills, routing).map((i) => ({ path: i.path.join('.'), message: i.message })));
    const row = await ctx.tx
      .insertInto('operatorAssignments')
      .values({ tenantId: ctx.tenant.id, operatorId, skills: uniqueSkills, routing: jsonb(routing), createdAt: now })
      .onConflict((oc) => oc.columns(['tenantId', 'operatorId']).doUpdateSet({ skills: uniqueSkills, routing: jsonb(routing) }))
      .returning(['operatorId', 'skills', 'createdAt', 'confidentialityAgreementSignedAt'])
      .executeTakeFirstOrThrow();
    const { confidentialityAgreementSignedAt: signed, ...assigned } = row;
    const { requiresConfidentialityAgreement } = await loadRules(ctx.tx);
    await writeAudit(ctx.tx, ctx.tenant.id, ctx.actor, {
      action: before ? 'operator.skills_changed' : 'operator.assigned',
      targetType: 'user',
      targetId: operatorId,
      before,
      after: { skills: uniqueSkills, routing, email: operator.email },
    });
    return c.json(
      { ...assigned, routing, email: operator.email, displayName: operator.displayName, createdAt: row.createdAt.toISOString(), ...agreementStatus(signed, requiresConfidentialityAgreement) },
      200,
    );
  })
  .openapi(recordAgreement, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'operators.manage');
    const { operatorId } = c.req.valid('param');
    const { signedAt } = c.req.valid('json');
    const before = await ctx.tx
      .selectFrom('operatorAssignments')
      .select('confidentialityAgreementSignedAt')
      .where('operatorId', '=', operatorId)
      .executeTakeFirst();
    if (!before) throw notFound('No operator with that id is assigned to this tenant.');
    const row = await ctx.tx
      .updateTable('operatorAssignments')
      .from('users')
      .whereRef('users.id', '=', 'operatorAssignments.operatorId')
      .set({ confidentialityAgreementSignedAt: signedAt })
      .where('operatorAssignments.operatorId', '=', operatorId)
      .returning(['operatorAssignments.operatorId', 'operatorAssignments.skills', 'operatorAssignments.routing', 'operatorAssignments.createdAt', 'operatorAssignments.confidentialityAgreementSignedAt', 'users.email', 'users.displayName'])
      .executeTakeFirstOrThrow();
    await writeAudit(ctx.tx, ctx.tenant.id, ctx.actor, {
      action: signedAt ? 'operator.agreement_recorded' : 'operator.agreement_removed',
      targetType: 'user',
      targetId: operatorId,
      before: { agreementSignedAt: before.confidentialityAgreementSignedAt?.toISOString() ?? null },
      after: { agreementSignedAt: row.confidentialityAgreementSignedAt?.toISOString() ?? null },
    });
    const { requiresConfidentialityAgreement } = await loadRules(ctx.tx);
    const { confidentialityAgreementSignedAt: signed, ...rest } = row;
    return c.json({ ...rest, routing: storedRouting(rest.routing), createdAt: row.createdAt.toISOString(), ...agreementStatus(signed, requiresConfidentialityAgreement) }, 200);
  })
  .openapi(unassign, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'operators.manage');
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
