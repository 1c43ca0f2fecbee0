import { requirePermission } from '../http/permissions.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { clientRoles } from '@switchboard/db';
import { createRouter } from '../http/router.ts';
import { forbidden, problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema, InvitationSchema } from '../tenants/schemas.ts';
import { EmailSchema } from '../auth/schemas.ts';
import { DisplayNameSchema } from '../http/validators.ts';
import { inviteMemberIn, listMembers, removeMember } from './service.ts';

const MemberSchema = z
  .object({
    userId: z.uuid(),
    email: z.string(),
    displayName: z.string(),
    role: z.enum(clientRoles),
    status: z.enum(['active', 'disabled']),
    mustChangePassword: z.boolean(),
    createdAt: z.string(),
  })
  .openapi('Member');

const InviteBodySchema = z
  .object({ email: EmailSchema, displayName: DisplayNameSchema, role: z.enum(clientRoles) })
  .openapi('InviteMemberBody', { example: { email: 'new.colleague@example.com', displayName: 'Paul Girard', role: 'client_member' } });

const MemberParamSchema = TenantParamSchema.extend({
  userId: z.uuid().openapi({ param: { name: 'userId', in: 'path' } }),
});

const list = createRoute({
  method: 'get',
  path: '/t/{tenant}/members',
  tags: ['members'],
  summary: "The tenant's client users",
  request: { params: TenantParamSchema },
  responses: {
    200: { description: 'Members', content: { 'application/json': { schema: z.object({ members: z.array(MemberSchema) }) } } },
    ...problemResponses(401, 404),
  },
});

const invite = createRoute({
  method: 'post',
  path: '/t/{tenant}/members',
  tags: ['members'],
  summary: 'Invite a client user; answers a one-time password to hand over',
  request: { params: TenantParamSchema, body: { content: { 'application/json': { schema: InviteBodySchema } }, required: true } },
  responses: {
    201: { description: 'Invited', content: { 'application/json': { schema: InvitationSchema } } },
    ...problemResponses(400, 401, 403, 404, 409),
  },
});

const remove = createRoute({
  method: 'delete',
  path: '/t/{tenant}/members/{userId}',
  tags: ['members'],
  summary: 'Remove a client user (disables the account and ends its sessions)',
  request: { params: MemberParamSchema },
  responses: { 204: { description: 'Removed' }, ...problemResponses(401, 403, 404) },
});

export const memberRoutes = createRouter()
  .openapi(list, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'members.read');
    const members = await listMembers(ctx.tx);
    return c.json({ members: members.map((m) => ({ ...m, createdAt: m.createdAt.toISOString() })) }, 200);
  })
  .openapi(invite, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'members.manage');
    const body = c.req.valid('json');
    const invitation = await inviteMemberIn(ctx.tx, ctx.tenant.id, ctx.actor, body, c.var.deps.now());
    return c.json(invitation, 201);
  })
  .openapi(remove, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'members.manage');
    const { userId } = c.req.valid('param');
    if (userId === ctx.actor.id) throw forbidden('You cannot remove yourself.');
    await removeMember(ctx.tx, ctx.tenant.id, ctx.actor, userId, c.var.deps.now());
    return c.body(null, 204);
  });
