import { requirePermission } from '../http/permissions.ts';
import { requireCaptureScope } from '../records/capture-scope.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { complaintSeverities, complaintStatuses } from '@switchboard/db';
import { createRouter } from '../http/router.ts';
import { notFound, problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { loadRules } from '../rules/service.ts';
import { refuseMaskedFilters } from '../rules/viewer.ts';
import { IdempotencyHeadersSchema, idempotent, replayHeaders } from '../idempotency/keys.ts';
import { IdParamSchema, decodeCursor, pageOf, pagingQuery } from '../records/common.ts';
import { exportHeaders, exportLanguage, exportQuery, exportResponse, renderExport } from '../records/export.ts';
import {
  ComplaintInputSchema,
  ComplaintSchema,
  ComplaintStatusPatchSchema,
  changeComplaintStatus,
  complaintQuery,
  complaintToJson,
  complaintsExport,
  createComplaint,
  findComplaint,
} from './service.ts';

/** Who follows complaints up: the client's admins and the provider's. */

const json = <S extends z.ZodType>(schema: S) => ({ content: { 'application/json': { schema } } });
const tags = ['complaints'];

const filters = {
  status: z.enum(complaintStatuses).optional(),
  severity: z.enum(complaintSeverities).optional(),
  overdue: z.enum(['true', 'false']).optional().openapi({ description: 'true: still open past the due date' }),
  q: z.string().trim().max(200).optional().openapi({ description: "A complaint number, part of the category, or of the customer's name or phone" }),
};
const { limit: _limit, cursor: _cursor, ...exportPaging } = pagingQuery;

const list = createRoute({
  method: 'get',
  path: '/t/{tenant}/complaints',
  tags,
  summary: 'Complaints, newest first, filtered, a page at a time (masked for the viewer)',
  request: { params: TenantParamSchema, query: z.object({ ...pagingQuery, ...filters }) },
  responses: { 200: { description: 'A page', ...json(z.object({ items: z.array(ComplaintSchema), nextCursor: z.string().nullable() })) }, ...problemResponses(400, 401, 404) },
});

const exportCsv = createRoute({
  method: 'get',
  path: '/t/{tenant}/complaints.csv',
  tags,
  summary: "Complaints as CSV or XLSX in a language (same filters): number, status, dates, and only the fields the tenant's rules let leave",
  request: { params: TenantParamSchema, query: z.object({ ...exportPaging, ...filters, ...exportQuery }) },
  responses: { 200: exportResponse, ...problemResponses(400, 401, 404) },
});

const get = createRoute({
  method: 'get',
  path: '/t/{tenant}/complaints/{id}',
  tags,
  summary: 'One complaint with its due date (masked for the viewer)',
  request: { params: IdParamSchema },
  responses: { 200: { description: 'The complaint', ...json(ComplaintSchema) }, ...problemResponses(401, 404) },
});

const create = createRoute({
  method: 'post',
  path: '/t/{tenant}/complaints',
  tags,
  summary: "Record a complaint; due date from the tenant's call settings per severity; Idempotency-Key honoured",
  request: { params: TenantParamSchema, headers: IdempotencyHeadersSchema, body: { ...json(ComplaintInputSchema), required: true } },
  responses: {
    201: { description: 'Created (or, replayed for the same Idempotency-Key, the complaint it created)', ...json(ComplaintSchema) },
    ...problemResponses(400, 401, 403, 404),
    422: { description: 'Idempotency-Key reused with another body' },
  },
});

const patch = createRoute({
  method: 'patch',
  path: '/t/{tenant}/complaints/{id}',
  tags,
  summary: "Change a complaint's status (client admins, provider admins); closed is final",
  request: { params: IdParamSchema, body: { ...json(ComplaintStatusPatchSchema), required: true } },
  responses: { 200: { description: 'Saved', ...json(ComplaintSchema) }, ...problemResponses(400, 401, 403, 404, 409) },
});

export const complaintRoutes = createRouter()
  .openapi(exportCsv, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.read');
    const now = c.var.deps.now();
    const rules = await loadRules(ctx.tx);
    const { lang, format, ...query } = c.req.valid('query');
    refuseMaskedFilters(rules, ctx.access, { severity: { field: 'complaint.severity', value: query.severity } });
    const language = exportLanguage(lang, c.req.header('accept-language'), c.var.user?.language);
    const table = await complaintsExport(ctx.tx, ctx.tenant, rules, query, now, language);
    const rendered = await renderExport(table, { language, format, timeZone: ctx.tenant.timeZone });
    return c.body(rendered.body as Uint8Array<ArrayBuffer>, 200, exportHeaders(rendered, ctx.tenant.slug, 'complaints', now));
  })
  .openapi(list, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.read');
    const query = c.req.valid('query');
    const now = c.var.deps.now();
    const rules = await loadRules(ctx.tx);
    refuseMaskedFilters(rules, ctx.access, { severity: { field: 'complaint.severity', value: query.severity } });
    let q = complaintQuery(ctx.tx, ctx.tenant, rules, query, now);
    const cursor = decodeCursor(query.cursor);
    if (cursor) q = q.where((eb) => eb.or([eb('k.createdAt', '<', cursor.at), eb.and([eb('k.createdAt', '=', cursor.at), eb('k.id', '<', cursor.id)])]));
    const rows = await q.orderBy('k.createdAt', 'desc').orderBy('k.id', 'desc').limit(query.limit + 1).execute();
    const page = pageOf(rows, query.limit, (r) => ({ at: r.createdAt, id: r.id }));
    return c.json({ items: page.items.map((r) => complaintToJson(r, rules, ctx.access, now)), nextCursor: page.nextCursor }, 200);
  })
  .openapi(get, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.read');
    const row = await findComplaint(ctx.tx, c.req.valid('param').id);
    if (!row) throw notFound();
    return c.json(complaintToJson(row, await loadRules(ctx.tx), ctx.access, c.var.deps.now()), 200);
  })
  .openapi(create, async (c) => {
    const ctx = tenantContext(c);
    const input = c.req.valid('json');
    const now = c.var.deps.now();
    await requireCaptureScope(ctx, input, now);
    const result = await idempotent(ctx.tx, ctx.tenant.id, 'POST complaints', c.req.valid('header')['idempotency-key'], input, async () => ({
      status: 201,
      id: await createComplaint(ctx.tx, ctx.tenant, ctx.actor, input, now),
    }));
    const row = (await findComplaint(ctx.tx, result.id))!;
    return c.json(complaintToJson(row, await loadRules(ctx.tx), ctx.access, now), 201, replayHeaders(result));
  })
  .openapi(patch, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.status');
    const { id } = c.req.valid('param');
    const now = c.var.deps.now();
    await changeComplaintStatus(ctx.tx, ctx.tenant.id, ctx.actor, id, c.req.valid('json').status, now);
    return c.json(complaintToJson((await findComplaint(ctx.tx, id))!, await loadRules(ctx.tx), ctx.access, now), 200);
  });
