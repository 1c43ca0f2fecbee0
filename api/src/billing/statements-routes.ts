import { requirePermission } from '../http/permissions.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { invoiceStatuses, roundingModes, statementLineKinds } from '@switchboard/db';
import { createRouter } from '../http/router.ts';
import { invalid, notFound, problemResponses, fieldError } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { periodLabel, periodOf } from './rating.ts';
import { listStatements, loadStatement, periodExists, type Statement } from './statements.ts';
import { usageReport } from './usage-report.ts';
import { recordLocalPayment } from './local-payments.ts';

const tags = ['billing'];

/** A billing period as URLs and bodies name it: the month, `YYYY-MM`, in the tenant's time zone. */
export const PeriodSchema = z
  .string()
  .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'Give a month as YYYY-MM, e.g. 2025-03.')
  .openapi({ description: "A calendar month in the tenant's time zone, YYYY-MM", example: '2025-03' });

const toPeriod = (month: string) => `${month}-01`;

const money = (description: string) => z.number().int().openapi({ description: `${description}, in minor units (cents) of the currency` });

const UsageReportSchema = z
  .object({
    period: PeriodSchema,
    timeZone: z.string().openapi({ example: 'Europe/Paris' }),
    currency: z.string().openapi({ example: 'EUR' }),
    days: z
      .array(
        z.object({
          day: z.string().openapi({ example: '2025-03-14' }),
          byFunction: z.record(z.string(), z.number().int()).openapi({ description: 'Amount billed per function that day (minor units); every function with usage in the period is present' }),
        }),
      )
      .openapi({ description: "Every day of the period up to today. Late usage from a closed month is charted on the period's first day." }),
    byFunction: z.array(
      z.object({
        function: z.string().openapi({ example: 'order_taking' }),
        calls: z.number().int(),
        talkSeconds: z.number().int(),
        orders: z.number().int(),
        complaints: z.number().int(),
        amountMinor: money('What the function costs in the period'),
      }),
    ),
  })
  .openapi('UsageReport');

const StatementLineSchema = z
  .object({
    lineNo: z.number().int(),
    kind: z.enum(statementLineKinds),
    function: z.string().nullable(),
    metric: z.string().nullable().openapi({ example: 'handled_minute' }),
    description: z.string().openapi({ example: 'Order taking — handled minutes (per started minute)' }),
    quantity: z.number().int().openapi({ description: 'Billed units: minutes, seconds, calls, orders… (already rounded per call)' }),
    unit: z.enum(['minute', 'second', 'call', 'order', 'complaint', 'survey', 'contact', 'record', 'sale', 'month', 'seat']),
    unitAmountMinor: z.number().int().nullable().openapi({ description: 'Price of one unit in minor units (for seconds: the price of a minute)' }),
    rounding: z.enum(roundingModes).nullable(),
    priceSource: z.enum(['list', 'tenant']).nullable().openapi({ description: "'tenant': a negotiated price" }),
    amountMinor: money('The line amount: the sum of its rated events'),
  })
  .openapi('StatementLine');

const StatementSchema = z
  .object({
    period: PeriodSchema,
    status: z.enum(['open', 'closed']).openapi({ description: 'Open: computed live and growing. Closed: frozen when the month ended.' }),
    currency: z.string(),
    timeZone: z.string(),
    periodStart: z.string(),
    periodEnd: z.string().openapi({ description: 'Exclusive' }),
    lines: z.array(StatementLineSchema),
    usageMinor: money('Total of the usage lines'),
    totalMinor: money('Usage + platform fee + seats + commitment top-up'),
    unpricedEvents: z.number().int().openapi({ description: 'Usage events no price applied to (billed nothing)' }),
    forecast: z
      .object({ usageMinor: z.number().int(), totalMinor: z.number().int() })
      .nullable()
      .openapi({
        description:
          'Open periods only: usage so far projected linearly over the whole period (usage × period length / time elapsed), plus platform fee, seats and the top-up the projected usage leaves',
      }),
    closedAt: z.string().nullable(),
  })
  .openapi('Statement');

const StatementSummarySchema = z
  .object({
    period: PeriodSchema,
    status: z.enum(['open', 'closed']),
    currency: z.string(),
    totalMinor: z.number().int(),
    invoice: z.object({ id: z.uuid(), status: z.enum(invoiceStatuses), number: z.string().nullable() }).nullable(),
  })
  .openapi('StatementSummary');

const InvoiceSchema = z
  .object({
    id: z.uuid(),
    source: z.enum(['local', 'stripe']),
    number: z.string().nullable().openapi({ example: 'PIZZA-NAPOLI-202503' }),
    period: PeriodSchema.nullable(),
    periodStart: z.string().nullable(),
    periodEnd: z.string().nullable(),
    currency: z.string(),
    amountDueMinor: z.number().int(),
    amountPaidMinor: z.number().int(),
    status: z.enum(invoiceStatuses),
    hostedInvoiceUrl: z.string().nullable(),
    invoicePdfUrl: z.string().nullable(),
    issuedAt: z.string().nullable(),
    dueAt: z.string().nullable(),
    paidAt: z.string().nullable(),
  })
  .openapi('Invoice');

const InvoiceParamSchema = TenantParamSchema.extend({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' }, example: '01970f3e-8a4c-7d2e-9b1a-4f6c2d8e0a11' }),
});

const PaymentSchema = z
  .strictObject({
    paidOn: z.iso.date({ message: 'Give the day the payment arrived, as YYYY-MM-DD.' }).optional().openapi({ description: 'Default: now' }),
  })
  .openapi('LocalPayment', { example: { paidOn: '2025-04-12' } });

const PeriodParamSchema = TenantParamSchema.extend({
  period: PeriodSchema.openapi({ param: { name: 'period', in: 'path' }, example: '2025-03' }),
});

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } });

const markPaid = createRoute({
  method: 'post',
  path: '/t/{tenant}/invoices/{id}/payment',
  tags,
  summary: 'Record the payment of a local invoice (provider admins; billing without Stripe): it becomes paid. 409 for a Stripe invoice or one not open',
  request: { params: InvoiceParamSchema, body: { content: { 'application/json': { schema: PaymentSchema } }, required: true } },
  responses: { 204: { description: 'Recorded' }, ...problemResponses(400, 401, 403, 404, 409) },
});

const usage = createRoute({
  method: 'get',
  path: '/t/{tenant}/usage',
  tags,
  summary: "A period's usage: the amount per function on each day (chart data) and per-function totals (provider staff, client admins and members)",
  request: { params: TenantParamSchema, query: z.object({ period: PeriodSchema.optional().openapi({ description: 'Default: the current month' }) }) },
  responses: { 200: { description: 'Usage', ...json(UsageReportSchema) }, ...problemResponses(400, 401, 403, 404) },
});

const statements = createRoute({
  method: 'get',
  path: '/t/{tenant}/statements',
  tags,
  summary: 'Every statement, newest first: the open period (computed live) and the closed ones, each with its invoice (provider staff, client admins)',
  request: { params: TenantParamSchema },
  responses: { 200: { description: 'Statements', ...json(z.object({ statements: z.array(StatementSummarySchema) })) }, ...problemResponses(401, 403, 404) },
});

const statement = createRoute({
  method: 'get',
  path: '/t/{tenant}/statements/{period}',
  tags,
  summary: "One period's statement with its lines: frozen once closed, live (with a forecast to month end) while open (provider staff, client admins)",
  request: { params: PeriodParamSchema },
  responses: { 200: { description: 'The statement', ...json(StatementSchema) }, ...problemResponses(400, 401, 403, 404) },
});

const invoices = createRoute({
  method: 'get',
  path: '/t/{tenant}/invoices',
  tags,
  summary: 'Invoices, newest first, with their status and links (provider staff, client admins)',
  request: { params: TenantParamSchema },
  responses: { 200: { description: 'Invoices', ...json(z.object({ invoices: z.array(InvoiceSchema) })) }, ...problemResponses(401, 403, 404) },
});

const iso = (d: Date | null) => d?.toISOString() ?? null;

function statementToJson(s: Statement) {
  return {
    period: periodLabel(s.period),
    status: s.status,
    currency: s.currency,
    timeZone: s.timeZone,
    periodStart: s.periodStart.toISOString(),
    periodEnd: s.periodEnd.toISOString(),
    lines: s.lines.map(({ priceId: _priceId, ...line }) => line),
    usageMinor: s.usageMinor,
    totalMinor: s.totalMinor,
    unpricedEvents: s.unpricedEvents,
    forecast: s.forecast,
    closedAt: iso(s.closedAt),
  };
}

const noStatement = () => notFound('There is no statement for this month: it is in the future, or before the company was onboarded.');

export const statementRoutes = createRouter()
  .openapi(usage, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'billing.usage.read');
    const now = c.var.deps.now();
    const month = c.req.valid('query').period;
    const period = month ? toPeriod(month) : periodOf(now, ctx.tenant.timeZone);
    if (!(await periodExists(ctx.tx, ctx.tenant, period, now))) throw noStatement();
    const report = await usageReport(ctx.tx, ctx.tenant, period, now);
    return c.json({ ...report, period: periodLabel(report.period) }, 200);
  })
  .openapi(statements, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'billing.statements.read');
    const list = await listStatements(ctx.tx, ctx.tenant, c.var.deps.now());
    return c.json({ statements: list.map((s) => ({ ...s, period: periodLabel(s.period) })) }, 200);
  })
  .openapi(statement, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'billing.statements.read');
    const now = c.var.deps.now();
    const period = toPeriod(c.req.valid('param').period);
    if (!(await periodExists(ctx.tx, ctx.tenant, period, now))) throw noStatement();
    return c.json(statementToJson(await loadStatement(ctx.tx, ctx.tenant, period, now)), 200);
  })
  .openapi(markPaid, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'billing.payments.record');
    const { paidOn } = c.req.valid('json');
    const now = c.var.deps.now();
    const paidAt = paidOn ? new Date(`${paidOn}T12:00:00Z`) : now;
    if (paidAt.getTime() > now.getTime() + 86_400_000) throw invalid([fieldError('paidOn', 'payment.future', 'A payment cannot arrive in the future.')]);
    await recordLocalPayment(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').id, paidAt);
    return c.body(null, 204);
  })
  .openapi(invoices, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'billing.statements.read');
    const rows = await ctx.tx
      .selectFrom('invoices')
      .selectAll()
      .orderBy('period', (ob) => ob.desc().nullsLast())
      .orderBy('createdAt', 'desc')
      .execute();
    return c.json(
      {
        invoices: rows.map((r) => ({
          id: r.id,
          source: r.source,
          number: r.number,
          period: r.period ? periodLabel(r.period) : null,
          periodStart: iso(r.periodStart),
          periodEnd: iso(r.periodEnd),
          currency: r.currency,
          amountDueMinor: Number(r.amountDueMinor),
          amountPaidMinor: Number(r.amountPaidMinor),
          status: r.status,
          hostedInvoiceUrl: r.hostedInvoiceUrl,
          invoicePdfUrl: r.invoicePdfUrl,
          issuedAt: iso(r.issuedAt),
          dueAt: iso(r.dueAt),
          paidAt: iso(r.paidAt),
        })),
      },
      200,
    );
  });
