import { requirePermission } from '../http/permissions.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { orderStatuses } from '@switchboard/db';
import { createRouter } from '../http/router.ts';
import { notFound, problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { loadRules } from '../rules/service.ts';
import { IdempotencyHeadersSchema, idempotent, replayHeaders } from '../idempotency/keys.ts';
import { requireCaptureScope } from '../records/capture-scope.ts';
import { IdParamSchema, decodeCursor, pageOf, pagingQuery } from '../records/common.ts';
import { exportHeaders, exportLanguage, exportQuery, exportResponse, renderExport } from '../records/export.ts';
import { OrderInputSchema, OrderSchema, OrderStatusPatchSchema, changeOrderStatus, prepareOrder, findOrder, listOrders, orderToJson, ordersExport, type PendingOrder } from './service.ts';

/** Who follows orders up (confirms, delivers, cancels): the client's admins and the provider's. */

const json = <S extends z.ZodType>(schema: S) => ({ content: { 'application/json': { schema } } });
const tags = ['orders'];

const filters = {
  status: z.enum(orderStatuses).optional(),
  q: z.string().trim().max(200).optional().openapi({ description: "An order number, or part of the customer's name or phone" }),
};
const ListQuerySchema = z.object({ ...pagingQuery, ...filters });
const { limit: _limit, cursor: _cursor, ...exportPaging } = pagingQuery;
const ExportQuerySchema = z.object({ ...exportPaging, ...filters, ...exportQuery });

const list = createRoute({
  method: 'get',
  path: '/t/{tenant}/orders',
  tags,
  summary: 'Orders, newest first, filtered, a page at a time (masked for the viewer)',
  request: { params: TenantParamSchema, query: ListQuerySchema },
  responses: { 200: { description: 'A page', ...json(z.object({ items: z.array(OrderSchema), nextCursor: z.string().nullable() })) }, ...problemResponses(400, 401, 404) },
});

const exportCsv = createRoute({
  method: 'get',
  path: '/t/{tenant}/orders.csv',
  tags,
  summary: "Orders as CSV or XLSX in a language (same filters): number, status, dates, amounts, payment method, and only the fields the tenant's rules let leave",
  request: { params: TenantParamSchema, query: ExportQuerySchema },
  responses: { 200: exportResponse, ...problemResponses(400, 401, 404) },
});

const get = createRoute({
  method: 'get',
  path: '/t/{tenant}/orders/{id}',
  tags,
  summary: 'One order with its lines and totals (masked for the viewer)',
  request: { params: IdParamSchema },
  responses: { 200: { description: 'The order', ...json(OrderSchema) }, ...problemResponses(401, 404) },
});

const create = createRoute({
  method: 'post',
  path: '/t/{tenant}/orders',
  tags,
  summary: "Take an order: lines priced from the tenant's catalog on the server; Idempotency-Key honoured",
  request: { params: TenantParamSchema, headers: IdempotencyHeadersSchema, body: { ...json(OrderInputSchema), required: true } },
  responses: {
    201: { description: 'Created (or, replayed for the same Idempotency-Key, the order it created)', ...json(OrderSchema) },
    ...problemResponses(400, 401, 403, 404),
    422: { description: 'Idempotency-Key reused with another body' },
  },
});

const patch = createRoute({
  method: 'patch',
  path: '/t/{tenant}/orders/{id}',
  tags,
  summary: "Change an order's status (client admins, provider admins); delivered and cancelled are final",
  request: { params: IdParamSchema, body: { ...json(OrderStatusPatchSchema), required: true } },
  responses: { 200: { description: 'Saved', ...json(OrderSchema) }, ...problemResponses(400, 401, 403, 404, 409) },
});

export const orderRoutes = createRouter()
  .openapi(exportCsv, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.read');
    const rules = await loadRules(ctx.tx);
    const now = c.var.deps.now();
    const { lang, format, ...filter } = c.req.valid('query');
    const language = exportLanguage(lang, c.req.header('accept-language'), c.var.user?.language);
    const table = await ordersExport(ctx.tx, ctx.tenant, rules, filter, language);
    const rendered = await renderExport(table, { language, format, timeZone: ctx.tenant.timeZone });
    return c.body(rendered.body as Uint8Array<ArrayBuffer>, 200, exportHeaders(rendered, ctx.tenant.slug, 'orders', now));
  })
  .openapi(list, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.read');
    const query = c.req.valid('query');
    const rules = await loadRules(ctx.tx);
    const rows = await listOrders(ctx.tx, ctx.tenant, rules, { ...query, cursor: decodeCursor(query.cursor) });
    const page = pageOf(rows, query.limit, (r) => ({ at: r.createdAt, id: r.id }));
    return c.json({ items: page.items.map((r) => orderToJson(r, rules, ctx.access)), nextCursor: page.nextCursor }, 200);
  })
  .openapi(get, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.read');
    const row = await findOrder(ctx.tx, c.req.valid('param').id);
    if (!row) throw notFound();
    return c.json(orderToJson(row, await loadRules(ctx.tx), ctx.access), 200);
  })
  .openapi(create, async (c) => {
    const ctx = tenantContext(c);
    const input = c.req.valid('json');
    const now = c.var.deps.now();
    await requireCaptureScope(ctx, input, now);
    const rules = await loadRules(ctx.tx);
    let pending: PendingOrder | undefined;
    const result = await idempotent(ctx.tx, ctx.tenant.id, 'POST orders', c.req.valid('header')['idempotency-key'], input, async () => {
      pending = await prepareOrder(ctx.tx, ctx.tenant, ctx.actor, input, now);
      return { status: 201, id: pending.id };
    });
    // The number last (prepareOrder): after the key is settled, so the tenant's lock is held only for it and the commit.
    const row = pending ? await pending.takeNumber() : (await findOrder(ctx.tx, result.id))!;
    return c.json(orderToJson(row, rules, ctx.access), 201, replayHeaders(result));
  })
  .openapi(patch, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.status');
    const { id } = c.req.valid('param');
    await changeOrderStatus(ctx.tx, ctx.tenant.id, ctx.actor, id, c.req.valid('json').status, c.var.deps.now());
    return c.json(orderToJson((await findOrder(ctx.tx, id))!, await loadRules(ctx.tx), ctx.access), 200);
  });
