import { requireUserPermission } from '../http/permissions.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { withTenant } from '@switchboard/db';
import { createRouter } from '../http/router.ts';
import { conflict, problemResponses } from '../http/problem.ts';
import { currentUser } from '../http/session.ts';
import { actorOf } from '../http/env.ts';
import { findActableTenant } from '../http/tenant-scope.ts';
import { clientAddress } from '../http/client-address.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { updateTenant } from '../tenants/service.ts';
import { billingOverview, graceEndsAt } from './overview.ts';

const tags = ['billing'];

const BillingOverviewSchema = z
  .object({
    tenants: z.array(
      z.object({
        tenantId: z.uuid(),
        slug: z.string(),
        name: z.string(),
        currency: z.string(),
        status: z.enum(['active', 'suspended']),
        thisPeriod: z.string().openapi({ description: "The tenant's open period (its current month in its time zone), YYYY-MM", example: '2025-03' }),
        thisMonthMinor: z.number().int().openapi({ description: "The open period's statement total so far, in minor units" }),
        lastMonthMinor: z.number().int().openapi({ description: "The previous month's statement total (frozen once closed), in minor units" }),
        pastDueSince: z.string().nullable(),
        graceEndsAt: z.string().nullable().openapi({ description: 'When the provider may suspend the tenant for non-payment' }),
      }),
    ),
    functions: z.array(
      z.object({
        function: z.string().openapi({ example: 'order_taking' }),
        currency: z.string(),
        thisMonthMinor: z.number().int(),
        lastMonthMinor: z.number().int(),
      }),
    ),
  })
  .openapi('BillingOverview');

const overview = createRoute({
  method: 'get',
  path: '/billing/overview',
  tags,
  summary: 'Revenue per tenant and per function this month and last, and who is past due (provider staff)',
  responses: {
    200: { description: 'Overview', content: { 'application/json': { schema: BillingOverviewSchema } } },
    ...problemResponses(401, 403),
  },
});

const suspend = createRoute({
  method: 'post',
  path: '/billing/tenants/{tenant}/suspend',
  tags,
  summary: 'Suspend a tenant for non-payment: only once it is past due and its grace period is over (provider admins)',
  request: { params: TenantParamSchema },
  responses: {
    200: { description: 'Suspended (audited like any suspension)', content: { 'application/json': { schema: z.object({ status: z.literal('suspended') }) } } },
    ...problemResponses(401, 403, 404, 409),
  },
});

const day = (d: Date) => d.toISOString().slice(0, 10);

export const billingOverviewRoutes = createRouter()
  .openapi(overview, async (c) => {
    const user = currentUser(c);
    requireUserPermission(user, 'revenue.read');
    const { db, now, config } = c.var.deps;
    return c.json(await billingOverview(db, now(), config.billingGraceDays), 200);
  })
  .openapi(suspend, async (c) => {
    const user = currentUser(c);
    const { db, now, config } = c.var.deps;
    // Who may not act for the tenant learns nothing about it (404); who may, but is not a provider admin, is refused.
    const tenant = await findActableTenant(db, c.req.valid('param').tenant, user, clientAddress(c));
    requireUserPermission(user, 'tenants.manage');
    const at = now();
    const account = await withTenant(db, tenant.id, (tx) => tx.selectFrom('billingAccounts').select('pastDueSince').executeTakeFirst());
    if (!account?.pastDueSince) throw conflict('billing.not_past_due', `${tenant.name} is not past due: only a tenant whose payment failed can be suspended for non-payment.`, { tenant: tenant.name });
    const graceEnd = graceEndsAt(account.pastDueSince, config.billingGraceDays);
    if (at < graceEnd) {
      throw conflict(
        'billing.in_grace_period',
        `${tenant.name} has been past due since ${day(account.pastDueSince)}, and its grace period of ${config.billingGraceDays} days runs until ${graceEnd.toISOString()}: it can be suspended after that.`,
        { tenant: tenant.name, since: day(account.pastDueSince), graceDays: config.billingGraceDays, until: graceEnd.toISOString() },
      );
    }
    if (tenant.status !== 'suspended') {
      await updateTenant(db, actorOf(user), tenant, { status: 'suspended', suspendedReason: `Unpaid invoices: past due since ${day(account.pastDueSince)}.` }, at);
    }
    return c.json({ status: 'suspended' as const }, 200);
  });
