import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../http/router.ts';
import { requirePermission } from '../http/permissions.ts';
import { notFound, problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import {
  createDirectoryEntry,
  deleteDirectoryEntry,
  DirectoryEntryInputSchema,
  DirectoryEntryPatchSchema,
  DirectoryEntrySchema,
  findDirectoryEntry,
  listDirectory,
  updateDirectoryEntry,
} from './service.ts';

const DirectorySchema = z.object({ entries: z.array(DirectoryEntrySchema) }).openapi('Directory');
const EntryParamSchema = TenantParamSchema.extend({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' }, example: '019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b' }) });

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });

const list = createRoute({
  method: 'get',
  path: '/t/{tenant}/directory',
  tags: ['directory'],
  summary: "The client's own lines operators may transfer calls to (fraud desk, branches…), by sort order then name",
  request: { params: TenantParamSchema },
  responses: { 200: json(DirectorySchema, 'Directory'), ...problemResponses(401, 404) },
});
const get = createRoute({
  method: 'get',
  path: '/t/{tenant}/directory/{id}',
  tags: ['directory'],
  summary: 'One directory entry',
  request: { params: EntryParamSchema },
  responses: { 200: json(DirectoryEntrySchema, 'Entry'), ...problemResponses(401, 404) },
});
const create = createRoute({
  method: 'post',
  path: '/t/{tenant}/directory',
  tags: ['directory'],
  summary: "Add an entry (client and provider admins); the number is kept in E.164, read in the tenant's country without a country code",
  request: { params: TenantParamSchema, ...body(DirectoryEntryInputSchema) },
  responses: { 201: json(DirectoryEntrySchema, 'Added'), ...problemResponses(400, 401, 403, 404, 409) },
});
const update = createRoute({
  method: 'patch',
  path: '/t/{tenant}/directory/{id}',
  tags: ['directory'],
  summary: 'Change an entry (client and provider admins); fields left out stay as they are',
  request: { params: EntryParamSchema, ...body(DirectoryEntryPatchSchema) },
  responses: { 200: json(DirectoryEntrySchema, 'Changed'), ...problemResponses(400, 401, 403, 404, 409) },
});
const remove = createRoute({
  method: 'delete',
  path: '/t/{tenant}/directory/{id}',
  tags: ['directory'],
  summary: 'Remove an entry (client and provider admins); calls already transferred there keep their number',
  request: { params: EntryParamSchema },
  responses: { 204: { description: 'Removed' }, ...problemResponses(401, 403, 404) },
});

export const directoryRoutes = createRouter()
  .openapi(list, async (c) => {
    const { tx } = tenantContext(c);
    return c.json({ entries: await listDirectory(tx) }, 200);
  })
  .openapi(get, async (c) => {
    const { tx } = tenantContext(c);
    const entry = await findDirectoryEntry(tx, c.req.valid('param').id);
    if (!entry) throw notFound('No such directory entry.');
    return c.json(entry, 200);
  })
  .openapi(create, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'directory.manage');
    return c.json(await createDirectoryEntry(ctx.tx, ctx.tenant, ctx.actor, c.req.valid('json'), c.var.deps.now()), 201);
  })
  .openapi(update, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'directory.manage');
    return c.json(await updateDirectoryEntry(ctx.tx, ctx.tenant, ctx.actor, c.req.valid('param').id, c.req.valid('json'), c.var.deps.now()), 200);
  })
  .openapi(remove, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'directory.manage');
    await deleteDirectoryEntry(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').id);
    return c.body(null, 204);
  });
