import { requirePermission } from '../http/permissions.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { clientRoles } from '@switchboard/db';
import { createRouter } from '../http/router.ts';
import { forbidden, problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { EmailSchema } from '../auth/schemas.ts';
import { DisplayNameSchema } from '../http/validators.ts';
import { inviteColleague, listInvitations, listMembers, removeMember, revokeInvitation } from './service.ts';
import { acceptInvitation, declineInvitation, pendingInvitationsOf } from './accept.ts';
import { currentUser } from '../http/session.ts';

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

const ColleagueInvitationSchema = z
  .object({
    invitationId: z.uuid(),
    email: z.string(),
    displayName: z.string(),
    role: z.enum(clientRoles),
    temporaryPassword: z.string().openapi({
      description: 'Shown once. The invited person logs in with it if the address has no account yet (and then chooses a password); with an account, they accept the invitation with this code after logging in as usual.',
    }),
    expiresAt: z.string(),
  })
  .openapi('ColleagueInvitation');

const PendingInvitationSchema = z
  .object({ id: z.uuid(), email: z.string(), displayName: z.string(), role: z.enum(clientRoles), createdAt: z.string(), expiresAt: z.string(), expired: z.boolean() })
  .openapi('PendingInvitation');

const MyInvitationSchema = z
  .object({
    id: z.uuid(),
    tenant: z.object({ slug: z.string(), name: z.string() }),
    role: z.enum(clientRoles),
    invitedAt: z.string(),
    expiresAt: z.string(),
  })
  .openapi('MyInvitation');

const InvitationParamSchema = TenantParamSchema.extend({
  invitationId: z.uuid().openapi({ param: { name: 'invitationId', in: 'path' } }),
});

const MyInvitationParamSchema = z.object({
  invitationId: z.uuid().openapi({ param: { name: 'invitationId', in: 'path' } }),
});

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
    200: {
      description: 'Members, and the invitations not yet taken up',
      content: { 'application/json': { schema: z.object({ members: z.array(MemberSchema), invitations: z.array(PendingInvitationSchema) }) } },
    },
    ...problemResponses(401, 404),
  },
});

const invite = createRoute({
  method: 'post',
  path: '/t/{tenant}/members',
  tags: ['members'],
  summary: 'Invite a client user; answers a one-time password to hand over, the same whether or not the address has an account',
  request: { params: TenantParamSchema, body: { content: { 'application/json': { schema: InviteBodySchema } }, required: true } },
  responses: {
    201: { description: 'Invited', content: { 'application/json': { schema: ColleagueInvitationSchema } } },
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

const revoke = createRoute({
  method: 'delete',
  path: '/t/{tenant}/members/invitations/{invitationId}',
  tags: ['members'],
  summary: 'Withdraw an invitation; its one-time password stops working',
  request: { params: InvitationParamSchema },
  responses: { 204: { description: 'Withdrawn' }, ...problemResponses(401, 403, 404) },
});

const myInvitations = createRoute({
  method: 'get',
  path: '/me/invitations',
  tags: ['members'],
  summary: "The invitations addressed to the logged-in client user's email",
  responses: {
    200: { description: 'Invitations', content: { 'application/json': { schema: z.object({ invitations: z.array(MyInvitationSchema) }) } } },
    ...problemResponses(401, 403),
  },
});

const accept = createRoute({
  method: 'post',
  path: '/me/invitations/{invitationId}/accept',
  tags: ['members'],
  summary: 'Join the company that invited you, with the invitation’s one-time code',
  request: {
    params: MyInvitationParamSchema,
    body: {
      content: {
        'application/json': {
          schema: z.object({
            code: z.string().min(1, 'Enter the invitation’s one-time code.').max(200).openapi({ description: 'The one-time code the inviting company gave you (compared with a hash, never stored)', example: 'k7m2p9x4q8w3' }),
          }),
        },
      },
      required: true,
    },
  },
  responses: {
    200: { description: 'Joined', content: { 'application/json': { schema: z.object({ tenant: z.object({ slug: z.string(), name: z.string() }) }) } } },
    ...problemResponses(401, 403, 404),
  },
});

const decline = createRoute({
  method: 'delete',
  path: '/me/invitations/{invitationId}',
  tags: ['members'],
  summary: 'Turn an invitation down',
  request: { params: MyInvitationParamSchema },
  responses: { 204: { description: 'Declined' }, ...problemResponses(401, 403, 404) },
});

export const memberRoutes = createRouter()
  .openapi(list, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'members.read');
    const members = await listMembers(ctx.tx);
    const now = c.var.deps.now();
    const invitations = await listInvitations(ctx.tx);
    return c.json(
      {
        members: members.map((m) => ({ ...m, createdAt: m.createdAt.toISOString() })),
        invitations: invitations.map((i) => ({ ...i, createdAt: i.createdAt.toISOString(), expiresAt: i.expiresAt.toISOString(), expired: i.expiresAt <= now })),
      },
      200,
    );
  })
  .openapi(invite, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'members.manage');
    const body = c.req.valid('json');
    const invitation = await inviteColleague(ctx.tx, ctx.tenant.id, ctx.actor, body, c.var.deps.now());
    return c.json({ ...invitation, expiresAt: invitation.expiresAt.toISOString() }, 201);
  })
  .openapi(remove, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'members.manage');
    const { userId } = c.req.valid('param');
    if (userId === ctx.actor.id) throw forbidden('You cannot remove yourself.');
    await removeMember(ctx.tx, ctx.tenant.id, ctx.actor, userId, c.var.deps.now());
    return c.body(null, 204);
  })
  .openapi(revoke, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'members.manage');
    await revokeInvitation(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').invitationId);
    return c.body(null, 204);
  })
  .openapi(myInvitations, async (c) => {
    const invitations = await pendingInvitationsOf(c.var.deps.db, currentUser(c), c.var.deps.now());
    return c.json({ invitations: invitations.map((i) => ({ ...i, invitedAt: i.invitedAt.toISOString(), expiresAt: i.expiresAt.toISOString() })) }, 200);
  })
  .openapi(accept, async (c) => {
    const tenant = await acceptInvitation(c.var.deps.db, currentUser(c), c.req.valid('param').invitationId, c.req.valid('json').code, c.var.deps.now());
    return c.json({ tenant }, 200);
  })
  .openapi(decline, async (c) => {
    await declineInvitation(c.var.deps.db, currentUser(c), c.req.valid('param').invitationId, c.var.deps.now());
    return c.body(null, 204);
  });
