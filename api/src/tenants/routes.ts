import { requireUserPermission } from '../http/permissions.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../http/router.ts';
import { problemResponses } from '../http/problem.ts';
import { currentUser } from '../http/session.ts';
import { actorOf } from '../http/env.ts';
import { findActableTenant } from '../http/tenant-scope.ts';
import { clientAddress } from '../http/client-address.ts';
import {
  CreatedTenantSchema,
  CreateTenantBodySchema,
  TenantParamSchema,
  TenantSchema,
  TenantSummarySchema,
  tenantToJson,
  UpdateTenantBodySchema,
} from './schemas.ts';
import { createTenant, updateTenant } from './service.ts';
import { listTenantSummaries } from './queries.ts';


const list = createRoute({
  method: 'get',
  path: '/tenants',
  tags: ['tenants'],
  summary: 'Every tenant, for provider staff',
  responses: {
    200: { description: 'Tenants', content: { 'application/json': { schema: z.object({ tenants: z.array(TenantSummarySchema) }) } } },
    ...problemResponses(401, 403),
  },
});

const create = createRoute({
  method: 'post',
  path: '/tenants',
  tags: ['tenants'],
  summary: 'Onboard a client company, optionally with its first client admin',
  request: { body: { content: { 'application/json': { schema: CreateTenantBodySchema } }, required: true } },
  responses: {
    201: { description: 'Created', content: { 'application/json': { schema: CreatedTenantSchema } } },
    ...problemResponses(400, 401, 403, 409),
  },
});

const get = createRoute({
  method: 'get',
  path: '/tenants/{tenant}',
  tags: ['tenants'],
  summary: 'One tenant, for anyone who may act for it',
  request: { params: TenantParamSchema },
  responses: {
    200: { description: 'The tenant', content: { 'application/json': { schema: TenantSchema } } },
    ...problemResponses(401, 404),
  },
});

const patch = createRoute({
  method: 'patch',
  path: '/tenants/{tenant}',
  tags: ['tenants'],
  summary: 'Change a tenant, or suspend and reactivate it',
  request: { params: TenantParamSchema, body: { content: { 'application/json': { schema: UpdateTenantBodySchema } }, required: true } },
  responses: {
    200: { description: 'The changed tenant', content: { 'application/json': { schema: TenantSchema } } },
    ...problemResponses(400, 401, 403, 404),
  },
});

export const tenantRoutes = createRouter()
  .openapi(list, async (c) => {
    requireUserPermission(currentUser(c), 'tenants.read');
    const tenants = await listTenantSummaries(c.var.deps.db);
    return c.json({ tenants }, 200);
  })
  .openapi(create, async (c) => {
    const user = currentUser(c);
    requireUserPermission(user, 'tenants.manage');
    const { tenant, invitation } = await createTenant(c.var.deps.db, actorOf(user), c.req.valid('json'), c.var.deps.now());
    return c.json({ tenant: tenantToJson(tenant), invitation }, 201);
  })
  .openapi(get, async (c) => {
    const user = currentUser(c);
    const { db } = c.var.deps;
    const tenant = await findActableTenant(db, c.req.valid('param').tenant, user, clientAddress(c));
    return c.json(tenantToJson(tenant), 200);
  })
  .openapi(patch, async (c) => {
    const user = currentUser(c);
    const { db, now } = c.var.deps;
    const tenant = await findActableTenant(db, c.req.valid('param').tenant, user, clientAddress(c));
    requireUserPermission(user, 'tenants.manage');
    const updated = await updateTenant(db, actorOf(user), tenant, c.req.valid('json'), now());
    return c.json(tenantToJson(updated), 200);
  });
