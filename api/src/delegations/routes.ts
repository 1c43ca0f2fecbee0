import { can, requirePermission, requireUserPermission } from '../http/permissions.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { callFunctionIds, priceMetrics, roundingModes, withApp } from '@switchboard/db';
import { createRouter } from '../http/router.ts';
import { problemResponses } from '../http/problem.ts';
import { currentUser } from '../http/session.ts';
import { actorOf } from '../http/env.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { utcDay } from '../billing/prices.ts';
import { FunctionPriceSchema, loadPrices, PriceListSchema, replacePrices } from './prices.ts';
import { estimateDelegations, EstimateQuerySchema, EstimateSchema } from './estimate.ts';
import { DelegationInputSchema, listDelegations, setDelegation, type Delegation } from './service.ts';

const PriceListResponseSchema = z.object({ prices: z.array(FunctionPriceSchema) }).openapi('PriceListResponse');

const DelegationSchema = z
  .object({
    function: z.enum(callFunctionIds),
    label: z.string(),
    direction: z.enum(['inbound', 'outbound']),
    delegated: z.boolean(),
    inHouse: z.string().nullable().openapi({ description: 'E.164 phone number or email; null when none' }),
    expectedMonthlyVolume: z.number().int(),
    price: z.object({ metric: z.enum(priceMetrics), unitPriceMinor: z.number().int(), currency: z.string() }).nullable(),
    prices: z
      .array(
        z.object({
          metric: z.enum(priceMetrics),
          unitPriceMinor: z.number().int(),
          currency: z.string(),
          rounding: z.enum(roundingModes).nullable(),
          source: z.enum(['list', 'tenant']).openapi({ description: 'tenant: negotiated for this company; list: the provider’s list price' }),
        }),
      )
      .openapi({ description: 'Every per-unit price of the function in effect today, the main one (`price`) first' }),
    checks: z.object({ hasPublishedScript: z.boolean(), hoursCoverFunction: z.boolean() }),
    monthlyEstimateMinor: z.number().int().nullable(),
    updatedAt: z.string().nullable(),
    updatedBy: z.string().nullable(),
  })
  .openapi('Delegation');

const DelegationsSchema = z
  .object({
    currency: z.string(),
    monthlyEstimateMinor: z.number().int().openapi({ description: 'The sum of the delegated functions’ estimates, in minor units of `currency`' }),
    functions: z.array(DelegationSchema),
  })
  .openapi('Delegations');

const FunctionParamSchema = TenantParamSchema.extend({
  function: z.enum(callFunctionIds).openapi({ param: { name: 'function', in: 'path' }, example: 'complaints' }),
});

const getPrices = createRoute({
  method: 'get',
  path: '/function-prices',
  tags: ['delegations'],
  summary: "Deprecated: use GET /api/billing/prices. The list prices in effect today, a unit price per function, metric and currency",
  deprecated: true,
  responses: {
    200: { description: 'Price list', content: { 'application/json': { schema: PriceListResponseSchema } } },
    ...problemResponses(401),
  },
});

const putPrices = createRoute({
  method: 'put',
  path: '/function-prices',
  tags: ['delegations'],
  summary: 'Deprecated: use POST /api/billing/prices. Set the list prices in effect from today (provider admins)',
  description:
    'A changed price gets a new version from today and the version it replaces ends today; a price left out ends today. Scheduled versions and monthly fees are left alone. Every problem is listed with its path; nothing is saved unless all is valid.',
  deprecated: true,
  request: { body: { content: { 'application/json': { schema: PriceListSchema } }, required: true } },
  responses: {
    200: { description: 'Saved', content: { 'application/json': { schema: PriceListResponseSchema } } },
    ...problemResponses(400, 401, 403),
  },
});

const list = createRoute({
  method: 'get',
  path: '/t/{tenant}/delegations',
  tags: ['delegations'],
  summary: 'Every function: delegated or kept in-house, its price in the tenant currency, its requirements and the monthly estimate',
  request: { params: TenantParamSchema },
  responses: {
    200: { description: 'Delegations', content: { 'application/json': { schema: DelegationsSchema } } },
    ...problemResponses(401, 404),
  },
});

const estimate = createRoute({
  method: 'get',
  path: '/t/{tenant}/delegations/estimate',
  tags: ['delegations'],
  summary: 'What a month would cost: every metric each function is priced by × the expected volumes, at the prices rating uses today, plus the monthly fee, seats and commitment top-up',
  request: { params: TenantParamSchema, query: EstimateQuerySchema },
  responses: {
    200: { description: 'Estimate', content: { 'application/json': { schema: EstimateSchema } } },
    ...problemResponses(400, 401, 404),
  },
});

const put = createRoute({
  method: 'put',
  path: '/t/{tenant}/delegations/{function}',
  tags: ['delegations'],
  summary: 'Delegate a function or keep it in-house (unmet requirements are listed with their paths; nothing is saved)',
  request: { params: FunctionParamSchema, body: { content: { 'application/json': { schema: DelegationInputSchema } }, required: true } },
  responses: {
    200: { description: 'Saved', content: { 'application/json': { schema: DelegationSchema } } },
    ...problemResponses(400, 401, 403, 404),
  },
});

const wire = (d: Delegation) => ({ ...d, updatedAt: d.updatedAt ? new Date(d.updatedAt).toISOString() : null });

export const delegationRoutes = createRouter()
  .openapi(getPrices, async (c) => {
    const prices = await withApp(c.var.deps.db, (tx) => loadPrices(tx, utcDay(c.var.deps.now())));
    return c.json({ prices }, 200);
  })
  .openapi(putPrices, async (c) => {
    const user = currentUser(c);
    requireUserPermission(user, 'prices.manage');
    const body = c.req.valid('json');
    const { prices } = await withApp(c.var.deps.db, (tx) => replacePrices(tx, actorOf(user), body, c.var.deps.now()));
    return c.json({ prices }, 200);
  })
  .openapi(list, async (c) => {
    const ctx = tenantContext(c);
    const result = await listDelegations(ctx.tx, ctx.tenant, c.var.deps.now());
    // Prices (negotiated ones included) only for those who may read the company's prices: not operators.
    const seesPrices = can(ctx.access, 'billing.prices.read');
    const functions = result.functions.map((d) => wire(seesPrices ? d : { ...d, price: null, prices: [], monthlyEstimateMinor: null }));
    return c.json({ ...result, ...(seesPrices ? {} : { monthlyEstimateMinor: 0 }), functions }, 200);
  })
  .openapi(estimate, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'billing.prices.read');
    const estimate = await estimateDelegations(ctx.tx, ctx.tenant, c.req.valid('query'), c.var.deps.now());
    if (can(ctx.access, 'billing.account.read')) return c.json(estimate, 200);
    // The account's terms (minimum commitment, dedicated seats) are for those who may read the billing account.
    const monthly = estimate.monthly.filter((line) => line.metric !== 'seat');
    const monthlyMinor = monthly.reduce((sum, line) => sum + line.amountMinor, 0);
    return c.json({ ...estimate, monthly, monthlyMinor, minimumCommitmentMinor: 0, topUpMinor: 0, totalMinor: estimate.usageMinor + monthlyMinor }, 200);
  })
  .openapi(put, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'delegations.manage');
    const { function: fn } = c.req.valid('param');
    const { delegation } = await setDelegation(ctx.tx, ctx.tenant, ctx.actor, fn, c.req.valid('json'), c.var.deps.now());
    return c.json(wire(delegation), 200);
  });
