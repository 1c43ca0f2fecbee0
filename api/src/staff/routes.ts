import { requireUserPermission } from '../http/permissions.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { crossTenant, providerStaffKinds, withApp } from '@switchboard/db';
import { createRouter } from '../http/router.ts';
import { problemResponses } from '../http/problem.ts';
import { currentUser } from '../http/session.ts';
import { actorOf } from '../http/env.ts';
import { EmailSchema } from '../auth/schemas.ts';
import { DisplayNameSchema } from '../http/validators.ts';
import { createUserWithTemporaryPassword } from '../users/create-user.ts';
import { writePlatformAudit } from '../audit/write.ts';

const StaffMemberSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    displayName: z.string(),
    kind: z.enum(providerStaffKinds),
    status: z.enum(['active', 'disabled']),
    assignments: z.array(z.object({ tenantId: z.uuid(), skills: z.array(z.string()) })),
  })
  .openapi('StaffMember');

const CreateStaffBodySchema = z
  .object({ email: EmailSchema, displayName: DisplayNameSchema, kind: z.enum(providerStaffKinds) })
  .openapi('CreateStaffBody', { example: { email: 'operator3@switchboard.test', displayName: 'Lina Moreau', kind: 'operator' } });

const CreatedStaffSchema = z
  .object({ id: z.uuid(), email: z.string(), displayName: z.string(), kind: z.enum(providerStaffKinds), temporaryPassword: z.string() })
  .openapi('CreatedStaff');

const list = createRoute({
  method: 'get',
  path: '/staff',
  tags: ['staff'],
  summary: "The provider's staff, with each operator's tenant assignments",
  responses: {
    200: { description: 'Staff', content: { 'application/json': { schema: z.object({ staff: z.array(StaffMemberSchema) }) } } },
    ...problemResponses(401, 403),
  },
});

const create = createRoute({
  method: 'post',
  path: '/staff',
  tags: ['staff'],
  summary: 'Create a provider admin, supervisor or operator; answers a one-time password',
  request: { body: { content: { 'application/json': { schema: CreateStaffBodySchema } }, required: true } },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: CreatedStaffSchema } } },
    ...problemResponses(400, 401, 403, 409),
  },
});

export const staffRoutes = createRouter()
  .openapi(list, async (c) => {
    const user = currentUser(c);
    requireUserPermission(user, 'staff.read');
    const { db } = c.var.deps;
    const staff = await withApp(db, (tx) =>
      tx
        .selectFrom('users')
        .select(['id', 'email', 'displayName', 'kind', 'status'])
        .where('kind', 'in', [...providerStaffKinds])
        .orderBy('displayName')
        .execute(),
    );
    const assignments = await crossTenant.operatorAssignmentsAcrossTenants(
      db,
      staff.filter((s) => s.kind === 'operator').map((s) => s.id),
    );
    return c.json(
      {
        staff: staff.map((s) => ({
          ...s,
          kind: s.kind as (typeof providerStaffKinds)[number],
          assignments: assignments.filter((a) => a.operatorId === s.id).map((a) => ({ tenantId: a.tenantId, skills: a.skills })),
        })),
      },
      200,
    );
  })
  .openapi(create, async (c) => {
    const user = currentUser(c);
    requireUserPermission(user, 'staff.manage');
    const body = c.req.valid('json');
    const { db, now } = c.var.deps;
    const created = await withApp(db, async (tx) => {
      const created = await createUserWithTemporaryPassword(tx, body, now());
      await writePlatformAudit(tx, actorOf(user), {
        action: 'staff.created',
        targetType: 'user',
        targetId: created.id,
        after: { email: created.email, displayName: created.displayName, kind: created.kind },
      });
      return created;
    });
    return c.json({ ...created, kind: body.kind }, 201);
  });
