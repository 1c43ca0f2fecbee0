import { requireUserPermission } from '../http/permissions.ts';
import { requirePermission } from '../http/permissions.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { withApp } from '@switchboard/db';
import { createRouter } from '../http/router.ts';
import { problemResponses } from '../http/problem.ts';
import { currentUser } from '../http/session.ts';
import { actorOf } from '../http/env.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { addPrices, billingMetrics, comparePrices, deletePrice, listPriceVersions, PriceChangeSchema, PriceSchema, toPrice, utcDay } from './prices.ts';
import { localDay, pricesInEffect } from './rating.ts';
import { BillingAccountInputSchema, BillingAccountSchema, loadBillingAccount, setBillingAccount } from './accounts.ts';
import { billingOf } from './provider.ts';

const PriceListSchema = z
  .object({
    today: z.string().openapi({ description: 'Today (UTC), which `state` is measured against', example: '2026-06-15' }),
    prices: z.array(PriceSchema),
  })
  .openapi('PriceVersions');

const AddedPricesSchema = z.object({ prices: z.array(PriceSchema) }).openapi('AddedPrices');

const TenantPricesSchema = z
  .object({
    currency: z.string(),
    today: z.string().openapi({ description: "The tenant's day, in its time zone: `effective` lists the prices its usage is rated with today", example: '2026-06-15' }),
    effective: z.array(
      z.object({
        function: z.string().nullable(),
        metric: z.enum(billingMetrics),
        price: PriceSchema,
        source: z.enum(['list', 'tenant']).openapi({ description: 'tenant: a negotiated price, which wins over the list' }),
        delegated: z.boolean().openapi({ description: 'Whether the tenant delegates this function today (always true for the monthly fee and seats)' }),
      }),
    ),
    negotiated: z.array(PriceSchema).openapi({ description: "Every version of the tenant's negotiated prices, past, current and scheduled" }),
  })
  .openapi('TenantPrices');

const PriceIdParamSchema = z.object({
  id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: '01970f3e-8a4c-7d2e-9b1a-4f6c2d8e0a11' }),
});
const TenantPriceIdParamSchema = TenantParamSchema.extend(PriceIdParamSchema.shape);

const deleteDescription =
  'Only a version that starts after today can be deleted (409 otherwise: usage may already be rated with it). The version it had ended is re-opened, up to the next version if any.';
const addDescription =
  'All or nothing: every problem is listed with its path (400) and nothing is saved. A version starts today (UTC) at the earliest — the past is never re-rated. ' +
  'A new version starting inside an open-ended earlier version of the same price ends that one at its start (a price change); any other overlap is refused.';

const listPrices = createRoute({
  method: 'get',
  path: '/billing/prices',
  tags: ['billing'],
  summary: "The provider's price list: every version of every price (provider staff)",
  responses: {
    200: { description: 'Price list', content: { 'application/json': { schema: PriceListSchema } } },
    ...problemResponses(401, 403),
  },
});

const addListPrices = createRoute({
  method: 'post',
  path: '/billing/prices',
  tags: ['billing'],
  summary: 'Add price versions to the list (provider admins)',
  description: addDescription,
  request: { body: { content: { 'application/json': { schema: PriceChangeSchema } }, required: true } },
  responses: {
    201: { description: 'Added', content: { 'application/json': { schema: AddedPricesSchema } } },
    ...problemResponses(400, 401, 403),
  },
});

const deleteListPrice = createRoute({
  method: 'delete',
  path: '/billing/prices/{id}',
  tags: ['billing'],
  summary: 'Delete a scheduled price version of the list (provider admins)',
  description: deleteDescription,
  request: { params: PriceIdParamSchema },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(401, 403, 404, 409) },
});

const tenantPrices = createRoute({
  method: 'get',
  path: '/t/{tenant}/billing/prices',
  tags: ['billing'],
  summary: "The prices that apply to the tenant today (negotiated first, then the list) and its negotiated prices",
  request: { params: TenantParamSchema },
  responses: {
    200: { description: 'Prices', content: { 'application/json': { schema: TenantPricesSchema } } },
    ...problemResponses(401, 403, 404),
  },
});

const addTenantPrices = createRoute({
  method: 'post',
  path: '/t/{tenant}/billing/prices',
  tags: ['billing'],
  summary: 'Add negotiated price versions for the tenant, in its currency (provider admins)',
  description: addDescription,
  request: { params: TenantParamSchema, body: { content: { 'application/json': { schema: PriceChangeSchema } }, required: true } },
  responses: {
    201: { description: 'Added', content: { 'application/json': { schema: AddedPricesSchema } } },
    ...problemResponses(400, 401, 403, 404),
  },
});

const deleteTenantPrice = createRoute({
  method: 'delete',
  path: '/t/{tenant}/billing/prices/{id}',
  tags: ['billing'],
  summary: 'Delete a scheduled negotiated price version (provider admins)',
  description: deleteDescription,
  request: { params: TenantPriceIdParamSchema },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(401, 403, 404, 409) },
});

const getAccount = createRoute({
  method: 'get',
  path: '/t/{tenant}/billing/account',
  tags: ['billing'],
  summary: "The tenant's billing account: minimum commitment, dedicated seats, billing provider and payment state",
  request: { params: TenantParamSchema },
  responses: {
    200: { description: 'Account (the defaults when never set)', content: { 'application/json': { schema: BillingAccountSchema } } },
    ...problemResponses(401, 403, 404),
  },
});

const putAccount = createRoute({
  method: 'put',
  path: '/t/{tenant}/billing/account',
  tags: ['billing'],
  summary: "Set the tenant's minimum monthly commitment and dedicated seats (provider admins)",
  request: { params: TenantParamSchema, body: { content: { 'application/json': { schema: BillingAccountInputSchema } }, required: true } },
  responses: {
    200: { description: 'Saved', content: { 'application/json': { schema: BillingAccountSchema } } },
    ...problemResponses(400, 401, 403, 404),
  },
});


export const priceRoutes = createRouter()
  .openapi(listPrices, async (c) => {
    requireUserPermission(currentUser(c), 'prices.read');
    const today = utcDay(c.var.deps.now());
    const rows = await withApp(c.var.deps.db, (tx) => listPriceVersions(tx, { kind: 'list' }));
    return c.json({ today, prices: rows.map((r) => toPrice(r, today)) }, 200);
  })
  .openapi(addListPrices, async (c) => {
    const user = currentUser(c);
    requireUserPermission(user, 'prices.manage');
    const { prices: inputs } = c.req.valid('json');
    const prices = await withApp(c.var.deps.db, (tx) => addPrices(tx, { kind: 'list' }, actorOf(user), inputs, c.var.deps.now()));
    return c.json({ prices }, 201);
  })
  .openapi(deleteListPrice, async (c) => {
    const user = currentUser(c);
    requireUserPermission(user, 'prices.manage');
    await withApp(c.var.deps.db, (tx) => deletePrice(tx, { kind: 'list' }, actorOf(user), c.req.valid('param').id, c.var.deps.now()));
    return c.body(null, 204);
  })
  .openapi(tenantPrices, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'billing.prices.read');
    const now = c.var.deps.now();
    const today = utcDay(now);
    const day = localDay(now, ctx.tenant.timeZone);
    const delegated = new Set((await ctx.tx.selectFrom('delegations').select('function').where('delegated', '=', true).execute()).map((d) => d.function));
    const effective = (await pricesInEffect(ctx.tx, ctx.tenant, day))
      .map((e) => ({ function: e.function, metric: e.metric, price: toPrice(e.price, today), source: e.source, delegated: e.function === null || delegated.has(e.function) }))
      .sort((a, b) => comparePrices(a.price, b.price));
    const negotiated = (await listPriceVersions(ctx.tx, { kind: 'tenant', tenant: ctx.tenant })).map((r) => toPrice(r, today));
    return c.json({ currency: ctx.tenant.currency, today: day, effective, negotiated }, 200);
  })
  .openapi(addTenantPrices, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'billing.prices.manage');
    const { prices: inputs } = c.req.valid('json');
    const prices = await addPrices(ctx.tx, { kind: 'tenant', tenant: ctx.tenant }, ctx.actor, inputs, c.var.deps.now());
    return c.json({ prices }, 201);
  })
  .openapi(deleteTenantPrice, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'billing.prices.manage');
    await deletePrice(ctx.tx, { kind: 'tenant', tenant: ctx.tenant }, ctx.actor, c.req.valid('param').id, c.var.deps.now());
    return c.body(null, 204);
  })
  .openapi(getAccount, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'billing.account.read');
    const account = await loadBillingAccount(ctx.tx, ctx.tenant, accountContext(c.var.deps));
    return c.json(account, 200);
  })
  .openapi(putAccount, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'billing.account.manage');
    await setBillingAccount(ctx.tx, ctx.tenant, ctx.actor, c.req.valid('json'), c.var.deps.now());
    const account = await loadBillingAccount(ctx.tx, ctx.tenant, accountContext(c.var.deps));
    return c.json(account, 200);
  });

function accountContext(deps: Parameters<typeof billingOf>[0] & { config: { billingGraceDays: number } }) {
  return { provider: billingOf(deps).kind, graceDays: deps.config.billingGraceDays };
}
