import { createRoute, z } from '@hono/zod-openapi';
import { Temporal } from '@js-temporal/polyfill';
import { can, requirePermission, requireUserPermission } from '../http/permissions.ts';
import { createRouter } from '../http/router.ts';
import { problemResponses } from '../http/problem.ts';
import { currentUser } from '../http/session.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { exportHeaders, exportLanguage, exportQuery, exportResponse, renderExport } from '../records/export.ts';
import {
  campaignsReport,
  compareMonth,
  MAX_INTERVAL_DAYS,
  MAX_REPORT_DAYS,
  operatorsReport,
  periodDays,
  periodOf,
  reportsOverview,
  serviceLevelReport,
  volumesReport,
} from './reports.ts';
import { reportExport, reportKinds } from './reports-export.ts';

/** The reports (issue 16): service level, volumes, operators, campaigns, their exports, the Overview's figures and the provider's comparison. */

const json = <S extends z.ZodType>(schema: S) => ({ content: { 'application/json': { schema } } });

const KpiSchema = z
  .object({
    value: z.number().nullable().openapi({ description: 'Percent (one decimal) or seconds, per the KPI; null when there is nothing to measure' }),
    target: z.number().nullable().openapi({ description: "The contract's target; null when the contract sets none" }),
    status: z.enum(['on_target', 'at_risk', 'missed', 'no_target', 'no_data']),
  })
  .openapi('Kpi');

const QueueKpisSchema = z
  .object({ serviceLevel: KpiSchema, asa: KpiSchema, aht: KpiSchema, abandonRate: KpiSchema, fcr: KpiSchema })
  .openapi('QueueKpis', { description: 'docs/kpis.md defines each' });

const VolumesShape = {
  offered: z.number().int(),
  answered: z.number().int(),
  answeredInTarget: z.number().int(),
  abandoned: z.number().int(),
  abandonedShort: z.number().int(),
  overflowed: z.number().int(),
  afterHours: z.number().int(),
  handled: z.number().int(),
  transfers: z.number().int(),
  maxWaitSeconds: z.number().int(),
};

const ContractSummarySchema = z
  .object({
    inForce: z.boolean(),
    effectiveFrom: z.string().nullable(),
    serviceLevelPercent: z.number().nullable(),
    serviceLevelSeconds: z.number().int(),
    shortAbandonSeconds: z.number().int(),
    abandonedInDenominator: z.boolean(),
    maxAbandonPercent: z.number().nullable(),
    asaSeconds: z.number().nullable(),
    ahtSeconds: z.number().nullable(),
    fcrDays: z.number().int(),
    fcrPercent: z.number().nullable(),
    complaintsOnTimePercent: z.number().nullable(),
    qualityMinScore: z.number().nullable(),
    contactRatePercent: z.number().nullable(),
    conversionPercent: z.number().nullable(),
  })
  .openapi('ReportContract');

const ServiceLevelReportSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    timeZone: z.string(),
    by: z.enum(['day', 'interval']),
    contract: ContractSummarySchema,
    total: z.object({ ...VolumesShape, kpis: QueueKpisSchema }),
    rows: z.array(z.object({ at: z.string().openapi({ description: 'The day (YYYY-MM-DD), or the quarter hour’s start (ISO instant)' }), ...VolumesShape, kpis: QueueKpisSchema })),
  })
  .openapi('ServiceLevelReport');

const VolumesReportSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    timeZone: z.string(),
    functions: z.array(z.object({ function: z.string(), ...VolumesShape, talkSeconds: z.number(), holdSeconds: z.number(), wrapSeconds: z.number(), kpis: QueueKpisSchema })),
    days: z.array(z.object({ day: z.string(), function: z.string(), offered: z.number().int(), handled: z.number().int() })),
    outbound: z.array(z.object({ function: z.string(), offered: z.number().int(), answered: z.number().int(), handled: z.number().int() })),
  })
  .openapi('VolumesReport');

const OperatorsReportSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    timeZone: z.string(),
    names: z.enum(['full', 'first_name', 'pseudonym']).openapi({ description: "How operators are named: provider staff see full names; a client user what its contract's client_operator_names allows" }),
    occupancy: z.boolean().openapi({ description: 'Whether the rows carry occupancy and utilisation (provider staff: reports.occupancy)' }),
    qualityMinScore: z.number().nullable(),
    operators: z.array(
      z.object({
        operatorId: z.uuid().nullable(),
        name: z.string(),
        handled: z.number().int(),
        transfers: z.number().int(),
        talkSeconds: z.number(),
        holdSeconds: z.number(),
        wrapSeconds: z.number(),
        aht: z.number().nullable(),
        qualityScore: z.number().nullable(),
        evaluations: z.number().int(),
        complaints: z.number().int().openapi({ description: 'Complaints captured in the period on calls they handled' }),
        occupancy: z.number().nullable().optional(),
        utilisation: z.number().nullable().optional(),
      }),
    ),
  })
  .openapi('OperatorsReport');

const CampaignsReportSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    timeZone: z.string(),
    campaigns: z.array(
      z.object({
        id: z.uuid(),
        name: z.string(),
        function: z.string(),
        status: z.string(),
        dials: z.number().int(),
        reached: z.number().int(),
        successes: z.number().int(),
        abandoned: z.number().int(),
        contactRate: KpiSchema,
        conversion: KpiSchema,
      }),
    ),
    total: z.object({ dials: z.number().int(), reached: z.number().int(), successes: z.number().int(), abandoned: z.number().int(), contactRate: KpiSchema, conversion: KpiSchema }),
  })
  .openapi('CampaignsReport');

const MonthKpisSchema = z
  .object({
    month: z.string(),
    contract: ContractSummarySchema,
    volumes: z.object(VolumesShape),
    kpis: z.object({
      serviceLevel: KpiSchema,
      asa: KpiSchema,
      aht: KpiSchema,
      abandonRate: KpiSchema,
      fcr: KpiSchema,
      complaintsOnTime: KpiSchema,
      quality: KpiSchema,
      contactRate: KpiSchema,
      conversion: KpiSchema,
    }),
    complaintsDue: z.number().int(),
    evaluations: z.number().int(),
    dials: z.number().int(),
  })
  .openapi('MonthKpis');

const ReportsOverviewSchema = z
  .object({
    timeZone: z.string(),
    today: z.string(),
    month: MonthKpisSchema,
    todayVolumes: z.array(z.object({ function: z.string(), offered: z.number().int(), answered: z.number().int(), abandoned: z.number().int(), handled: z.number().int() })),
    trend: z.array(z.object({ day: z.string(), serviceLevel: z.number().nullable(), target: z.number().nullable(), offered: z.number().int() })),
  })
  .openapi('ReportsOverview');

const day = (example: string) =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use a date: YYYY-MM-DD.')
    .refine((v) => {
      try {
        const d = Temporal.PlainDate.from(v, { overflow: 'reject' });
        return d.year >= 2000 && d.year <= 2999;
      } catch {
        return false;
      }
    }, 'Use a date that exists, in years 2000 to 2999.')
    .openapi({ example });

/** A period of the company's calendar, both days included, at most MAX_REPORT_DAYS long. */
const periodShape = {
  from: day('2026-11-01').openapi({ description: "The first day (the company's calendar)" }),
  to: day('2026-11-30').openapi({ description: 'The last day, included' }),
};

type PeriodQuery = { from: string; to: string; by?: 'day' | 'interval' | undefined };
const validDay = (v: string) => {
  try {
    Temporal.PlainDate.from(v, { overflow: 'reject' });
    return /^\d{4}-\d{2}-\d{2}$/.test(v);
  } catch {
    return false;
  }
};
const checkPeriod = (q: PeriodQuery, ctx: z.RefinementCtx) => {
  // Each day's own error is already said; the period is checked between two real days only.
  if (!validDay(q.from) || !validDay(q.to)) return;
  if (q.to < q.from) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'The last day comes before the first.' });
    return;
  }
  const days = periodDays(q.from, q.to);
  const max = q.by === 'interval' ? MAX_INTERVAL_DAYS : MAX_REPORT_DAYS;
  if (days > max) ctx.addIssue({ code: 'too_big', path: ['to'], origin: 'number', maximum: max, inclusive: true, message: `A report covers at most ${max} days${q.by === 'interval' ? ' per quarter hour' : ''}.` });
};

const PeriodQuery = z.object(periodShape).superRefine(checkPeriod);
const byShape = { by: z.enum(['day', 'interval']).default('day').openapi({ description: `A row per day, or per quarter hour (at most ${MAX_INTERVAL_DAYS} days)` }) };
const ServiceLevelQuery = z.object({ ...periodShape, ...byShape }).superRefine(checkPeriod);
const ExportQuery = z
  .object({ ...periodShape, ...byShape, report: z.enum(reportKinds).openapi({ example: 'service_level', description: 'Which report' }), ...exportQuery })
  .superRefine(checkPeriod);

const MonthQuery = z.object({
  month: z
    .string()
    .regex(/^20\d{2}-(0[1-9]|1[0-2])$/, 'Use a month: YYYY-MM.')
    .openapi({ example: '2026-11', description: "The calendar month, on each company's calendar" }),
});

const reportResponses = <R extends z.ZodType>(schema: R) => ({ 200: { description: 'The report', ...json(schema) }, ...problemResponses(400, 401, 403, 404) });

const serviceLevelRoute = createRoute({
  method: 'get',
  path: '/t/{tenant}/reports/service-level',
  tags: ['reports'],
  summary: 'Service level, ASA, AHT, abandonment and FCR per day or per quarter hour against the contract’s targets, with their volumes',
  request: { params: TenantParamSchema, query: ServiceLevelQuery },
  responses: reportResponses(ServiceLevelReportSchema),
});
const volumesRoute = createRoute({
  method: 'get',
  path: '/t/{tenant}/reports/volumes',
  tags: ['reports'],
  summary: 'Calls per function over the period (inbound and outbound), per day for the chart, each function against its own contract',
  request: { params: TenantParamSchema, query: PeriodQuery },
  responses: reportResponses(VolumesReportSchema),
});
const operatorsRoute = createRoute({
  method: 'get',
  path: '/t/{tenant}/reports/operators',
  tags: ['reports'],
  summary: 'Per operator: calls handled, AHT, quality score, complaints on their calls; occupancy and utilisation for provider staff only. Names as the contract lets the client see them',
  request: { params: TenantParamSchema, query: PeriodQuery },
  responses: reportResponses(OperatorsReportSchema),
});
const campaignsRoute = createRoute({
  method: 'get',
  path: '/t/{tenant}/reports/campaigns',
  tags: ['reports'],
  summary: 'Per outbound campaign: dials, people reached, successes, contact rate and conversion against the contract',
  request: { params: TenantParamSchema, query: PeriodQuery },
  responses: reportResponses(CampaignsReportSchema),
});

const overviewRoute = createRoute({
  method: 'get',
  path: '/t/{tenant}/reports/overview',
  tags: ['reports'],
  summary: "The client's home: this month against the contract (each KPI on target, at risk or missed), today's volumes, and the last 30 days' service level",
  request: { params: TenantParamSchema },
  responses: { 200: { description: 'The overview', ...json(ReportsOverviewSchema) }, ...problemResponses(401, 403, 404) },
});

const exportRoute = createRoute({
  method: 'get',
  path: '/t/{tenant}/reports/export',
  tags: ['reports'],
  summary: "One report's table as CSV or XLSX, with the page's period (and, for the service level, rows per day or per quarter hour)",
  request: { params: TenantParamSchema, query: ExportQuery },
  responses: { 200: exportResponse, ...problemResponses(400, 401, 403, 404) },
});

const compareRoute = createRoute({
  method: 'get',
  path: '/reports/compare',
  tags: ['reports'],
  summary: "Every client company's month side by side against its own contract (provider staff)",
  request: { query: MonthQuery },
  responses: { 200: { description: 'One row per company', ...json(z.object({ month: z.string(), companies: z.array(z.object({ tenant: z.object({ slug: z.string(), name: z.string(), brandColor: z.string(), status: z.string() }), month: MonthKpisSchema })) })) }, ...problemResponses(400, 401, 403) },
});

export const reportRoutes = createRouter()
  .openapi(serviceLevelRoute, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'reports.read');
    const q = c.req.valid('query');
    return c.json(await serviceLevelReport(ctx.tx, ctx.tenant, periodOf(q.from, q.to, ctx.tenant.timeZone), q.by, c.var.deps.now()), 200);
  })
  .openapi(volumesRoute, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'reports.read');
    const q = c.req.valid('query');
    return c.json(await volumesReport(ctx.tx, ctx.tenant, periodOf(q.from, q.to, ctx.tenant.timeZone), c.var.deps.now()), 200);
  })
  .openapi(operatorsRoute, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'reports.read');
    const q = c.req.valid('query');
    const viewer = { access: ctx.access, occupancy: can(ctx.access, 'reports.occupancy') };
    return c.json(await operatorsReport(ctx.tx, ctx.tenant, periodOf(q.from, q.to, ctx.tenant.timeZone), viewer, c.var.deps.now()), 200);
  })
  .openapi(campaignsRoute, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'reports.read');
    const q = c.req.valid('query');
    return c.json(await campaignsReport(ctx.tx, ctx.tenant, periodOf(q.from, q.to, ctx.tenant.timeZone), c.var.deps.now()), 200);
  })
  .openapi(overviewRoute, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'reports.read');
    return c.json(await reportsOverview(ctx.tx, ctx.tenant, c.var.deps.now()), 200);
  })
  .openapi(exportRoute, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'reports.read');
    const { lang, format, report, ...q } = c.req.valid('query');
    const language = exportLanguage(lang, c.req.header('accept-language'), c.var.user?.language);
    const viewer = { access: ctx.access, occupancy: can(ctx.access, 'reports.occupancy') };
    const table = await reportExport(ctx.tx, ctx.tenant, report, periodOf(q.from, q.to, ctx.tenant.timeZone), q.by, viewer, language, c.var.deps.now());
    const rendered = await renderExport(table, { language, format, timeZone: ctx.tenant.timeZone });
    return c.body(rendered.body as Uint8Array<ArrayBuffer>, 200, exportHeaders(rendered, ctx.tenant.slug, `report-${report.replace('_', '-')}`, c.var.deps.now()));
  })
  .openapi(compareRoute, async (c) => {
    requireUserPermission(currentUser(c), 'reports.compare');
    const { month } = c.req.valid('query');
    return c.json({ month, companies: await compareMonth(c.var.deps.db, month, c.var.deps.now()) }, 200);
  });
