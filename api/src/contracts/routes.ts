import { createRoute, z } from '@hono/zod-openapi';
import { callFunctionIds, providerStaffKinds } from '@switchboard/db';
import { createRouter } from '../http/router.ts';
import { requirePermission } from '../http/permissions.ts';
import { problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { addMonths, periodOf } from '../billing/rating.ts';
import { PeriodSchema } from '../billing/statements-routes.ts';
import { ContractVersionInputSchema, creditKpiNames } from './definition.ts';
import { companyToday, listContractVersions, removeContractVersion, saveContractVersion, type ContractVersion } from './service.ts';
import { decideCredit, listCredits, reviewCredits, type Credit } from './credits.ts';

const tags = ['contracts'];
const nullablePercent = z.number().nullable();

const ContractVersionSchema = z
  .object({
    id: z.uuid(),
    function: z.enum(callFunctionIds).nullable().openapi({ description: 'null: company-wide' }),
    effectiveFrom: z.string().openapi({ example: '2026-02-01' }),
    status: z.enum(['in_force', 'scheduled', 'past']).openapi({ description: 'in_force: applies today; scheduled: from a later day; past: replaced by a later version' }),
    serviceLevelPercent: nullablePercent,
    serviceLevelSeconds: z.number().int(),
    shortAbandonSeconds: z.number().int(),
    abandonedInDenominator: z.boolean(),
    maxAbandonPercent: nullablePercent,
    asaSeconds: z.number().int().nullable(),
    ahtSeconds: z.number().int().nullable(),
    fcrDays: z.number().int(),
    fcrPercent: nullablePercent,
    complaintsOnTimePercent: nullablePercent,
    qualityMinScore: nullablePercent,
    contactRatePercent: nullablePercent,
    conversionPercent: nullablePercent,
    credits: z.record(z.string(), z.number().int()).openapi({ description: 'Per KPI, in minor units of the currency' }),
    creditsEnabled: z.boolean(),
    clientOperatorNames: z.enum(['full', 'first_name', 'pseudonym']),
    notes: z.string().nullable(),
    updatedAt: z.string(),
    updatedBy: z.string(),
  })
  .openapi('ContractVersion');

const ContractPageSchema = z
  .object({
    today: z.string().openapi({ description: "Today on the company's calendar", example: '2026-12-06' }),
    timeZone: z.string(),
    currency: z.string(),
    creditKpis: z.array(z.enum(creditKpiNames)).openapi({ description: 'The KPIs a missed target may credit' }),
    versions: z.array(ContractVersionSchema).openapi({ description: 'Every version, company-wide first, then per function, newest first' }),
  })
  .openapi('ContractPage');

const CreditSchema = z
  .object({
    id: z.uuid(),
    period: PeriodSchema,
    kpi: z.string().openapi({ example: 'service_level' }),
    function: z.string().nullable().openapi({ description: 'null: measured on the calls of the company-wide contract' }),
    target: z.number(),
    actual: z.number().nullable(),
    amountMinor: z.number().int().openapi({ description: 'In minor units (cents) of the currency' }),
    currency: z.string(),
    status: z.enum(['proposed', 'confirmed', 'waived']),
    decidedAt: z.string().nullable(),
    decidedBy: z.string().nullable(),
    periodClosed: z.boolean().openapi({ description: "The month's statement is frozen: the credit no longer changes" }),
  })
  .openapi('ServiceCredit');

const CreditsSchema = z.object({ credits: z.array(CreditSchema) }).openapi('ServiceCredits');

const ReviewSchema = z
  .strictObject({ period: PeriodSchema.openapi({ example: '2026-12' }) })
  .openapi('CreditReview', { example: { period: '2026-12' } });

const DecisionSchema = z
  .strictObject({ decision: z.enum(['confirmed', 'waived']).openapi({ description: 'confirmed: deducted on the month’s statement; waived: not credited' }) })
  .openapi('CreditDecision', { example: { decision: 'confirmed' } });

const IdParamSchema = TenantParamSchema.extend({
  id: z.uuid().openapi({ param: { name: 'id', in: 'path' }, example: '01970f3e-8a4c-7d2e-9b1a-4f6c2d8e0a11' }),
});

const getContract = createRoute({
  method: 'get',
  path: '/t/{tenant}/contract',
  tags,
  summary: "The company's service contract: every version, company-wide and per function, with the one in force today",
  request: { params: TenantParamSchema },
  responses: { 200: { description: 'The contract', content: { 'application/json': { schema: ContractPageSchema } } }, ...problemResponses(401, 403, 404) },
});

const putVersion = createRoute({
  method: 'put',
  path: '/t/{tenant}/contract/versions',
  tags,
  summary:
    'Save a contract version (company-wide, or a function’s own) in force from a day; the version of the same function and day is replaced. A day already past recomputes the statistics from it',
  request: { params: TenantParamSchema, body: { content: { 'application/json': { schema: ContractVersionInputSchema } }, required: true } },
  responses: { 200: { description: 'Saved: the contract', content: { 'application/json': { schema: ContractPageSchema } } }, ...problemResponses(400, 401, 403, 404) },
});

const deleteVersion = createRoute({
  method: 'delete',
  path: '/t/{tenant}/contract/versions/{id}',
  tags,
  summary: 'Remove a version not yet in force (one that has applied to calls stays: add a later version instead, 409)',
  request: { params: IdParamSchema },
  responses: { 204: { description: 'Removed' }, ...problemResponses(401, 403, 404, 409) },
});

const getCredits = createRoute({
  method: 'get',
  path: '/t/{tenant}/contract/credits',
  tags,
  summary: 'The service credits of the last twelve months (the client sees the proposed and confirmed ones)',
  request: { params: TenantParamSchema },
  responses: { 200: { description: 'Credits, newest month first', content: { 'application/json': { schema: CreditsSchema } } }, ...problemResponses(401, 403, 404) },
});

const postReview = createRoute({
  method: 'post',
  path: '/t/{tenant}/contract/credits/review',
  tags,
  summary: "Propose a month's credits from its figures so far: one per missed target the contract credits; a month already closed answers 409",
  request: { params: TenantParamSchema, body: { content: { 'application/json': { schema: ReviewSchema } }, required: true } },
  responses: { 200: { description: "The month's credits", content: { 'application/json': { schema: CreditsSchema } } }, ...problemResponses(400, 401, 403, 404, 409) },
});

const postDecision = createRoute({
  method: 'post',
  path: '/t/{tenant}/contract/credits/{id}/decision',
  tags,
  summary: 'Confirm (deducted on the month’s statement) or waive a credit, before its month closes (409 after)',
  request: { params: IdParamSchema, body: { content: { 'application/json': { schema: DecisionSchema } }, required: true } },
  responses: { 200: { description: 'The credit', content: { 'application/json': { schema: CreditSchema } } }, ...problemResponses(400, 401, 403, 404, 409) },
});

const versionJson = (v: ContractVersion) => ({
  id: v.id,
  function: v.function as (typeof callFunctionIds)[number] | null,
  effectiveFrom: v.effectiveFrom,
  status: v.status,
  serviceLevelPercent: v.serviceLevelPercent,
  serviceLevelSeconds: v.serviceLevelSeconds,
  shortAbandonSeconds: v.shortAbandonSeconds,
  abandonedInDenominator: v.abandonedInDenominator,
  maxAbandonPercent: v.maxAbandonPercent,
  asaSeconds: v.asaSeconds,
  ahtSeconds: v.ahtSeconds,
  fcrDays: v.fcrDays,
  fcrPercent: v.fcrPercent,
  complaintsOnTimePercent: v.complaintsOnTimePercent,
  qualityMinScore: v.qualityMinScore,
  contactRatePercent: v.contactRatePercent,
  conversionPercent: v.conversionPercent,
  credits: v.credits,
  creditsEnabled: v.creditsEnabled,
  clientOperatorNames: v.clientOperatorNames,
  notes: v.notes,
  updatedAt: v.updatedAt.toISOString(),
  updatedBy: v.updatedBy,
});

const creditJson = (c: Credit) => ({
  id: c.id,
  period: c.period.slice(0, 7),
  kpi: c.kpi,
  function: c.function,
  target: c.target,
  actual: c.actual,
  amountMinor: c.amountMinor,
  currency: c.currency,
  status: c.status,
  decidedAt: c.decidedAt?.toISOString() ?? null,
  decidedBy: c.decidedBy,
  periodClosed: c.periodClosed,
});

type Ctx = ReturnType<typeof tenantContext>;
async function contractPage(ctx: Ctx, now: Date) {
  const today = companyToday(ctx.tenant, now);
  return {
    today,
    timeZone: ctx.tenant.timeZone,
    currency: ctx.tenant.currency,
    creditKpis: [...creditKpiNames],
    versions: (await listContractVersions(ctx.tx, today)).map(versionJson),
  };
}

/** Whether a waived credit is shown: a provider's decision not to credit is the provider's business. */
const seesWaived = (ctx: Ctx) => (providerStaffKinds as readonly string[]).includes(ctx.access);

export const contractRoutes = createRouter()
  .openapi(getContract, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'contracts.read');
    return c.json(await contractPage(ctx, c.var.deps.now()), 200);
  })
  .openapi(putVersion, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'contracts.manage');
    const now = c.var.deps.now();
    await saveContractVersion(ctx.tx, ctx.tenant, ctx.actor, c.req.valid('json'), now);
    return c.json(await contractPage(ctx, now), 200);
  })
  .openapi(deleteVersion, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'contracts.manage');
    await removeContractVersion(ctx.tx, ctx.tenant, ctx.actor, c.req.valid('param').id, c.var.deps.now());
    return c.body(null, 204);
  })
  .openapi(getCredits, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'contracts.read');
    const since = addMonths(periodOf(c.var.deps.now(), ctx.tenant.timeZone), -11);
    return c.json({ credits: (await listCredits(ctx.tx, { since, withWaived: seesWaived(ctx) })).map(creditJson) }, 200);
  })
  .openapi(postReview, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'contracts.manage');
    const credits = await reviewCredits(ctx.tx, ctx.tenant, ctx.actor, `${c.req.valid('json').period}-01`, c.var.deps.now());
    return c.json({ credits: credits.map(creditJson) }, 200);
  })
  .openapi(postDecision, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'contracts.manage');
    const credit = await decideCredit(ctx.tx, ctx.tenant, ctx.actor, c.req.valid('param').id, c.req.valid('json').decision, c.var.deps.now());
    return c.json(creditJson(credit), 200);
  });
