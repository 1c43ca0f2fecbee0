import { createRoute, z } from '@hono/zod-openapi';
import { requirePermission, requireUserPermission } from '../http/permissions.ts';
import { createRouter } from '../http/router.ts';
import { notFound, problemResponses } from '../http/problem.ts';
import { currentUser } from '../http/session.ts';
import { findTenantBySlug, tenantContext } from '../http/tenant-scope.ts';
import { BrandColorSchema, TenantParamSchema } from '../tenants/schemas.ts';
import { ANY_COMPANY_DELTA_E, SHARED_OPERATORS_DELTA_E, similarBrandColors } from '../tenants/brand-colors.ts';
import { goLiveChecklist, MIN_OPERATORS_PER_FUNCTION } from './service.ts';
import { GoLiveSchema } from './schemas.ts';

const get = createRoute({
  method: 'get',
  path: '/t/{tenant}/go-live',
  tags: ['go-live'],
  summary:
    'The go-live checklist: per function the company delegates or prepares, what is missing to take its calls (script, wrap-up codes, hours, number, operators, agreements, delegation)',
  request: { params: TenantParamSchema },
  responses: {
    200: { description: 'Checklist', content: { 'application/json': { schema: GoLiveSchema } } },
    ...problemResponses(401, 403, 404),
  },
});

const uuidList = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(,[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}){0,49}$/i;

const SimilarColorsQuerySchema = z.object({
  color: BrandColorSchema.openapi({ param: { name: 'color', in: 'query' }, example: '#c0392b' }),
  tenant: z
    .string()
    .max(40)
    .optional()
    .openapi({ param: { name: 'tenant', in: 'query' }, description: "The company being changed: left out of the results, and its operators count as sharing", example: 'pizza-napoli' }),
  operators: z
    .string()
    .regex(uuidList, 'Use up to 50 operator ids separated by commas.')
    .optional()
    .openapi({ param: { name: 'operators', in: 'query' }, description: 'Operators about to be assigned (onboarding), comma-separated ids' }),
});

const SimilarColorsSchema = z
  .object({
    color: z.string(),
    thresholds: z.object({
      sharedOperators: z.number().openapi({ description: 'ΔE00 (CIEDE2000) under which a company sharing an operator is flagged' }),
      anyCompany: z.number().openapi({ description: 'ΔE00 under which any other active company is mentioned' }),
    }),
    similar: z.array(
      z.object({ slug: z.string(), name: z.string(), brandColor: z.string(), distance: z.number(), sharesOperators: z.boolean() }),
    ),
  })
  .openapi('SimilarBrandColors');

const similar = createRoute({
  method: 'get',
  path: '/brand-colors/similar',
  tags: ['tenants'],
  summary: "Other companies whose brand colour operators could mistake for this one (a warning, never a refusal; provider staff)",
  request: { query: SimilarColorsQuerySchema },
  responses: {
    200: { description: 'Similar colours', content: { 'application/json': { schema: SimilarColorsSchema } } },
    ...problemResponses(400, 401, 403, 404),
  },
});

export const goLiveRoutes = createRouter()
  .openapi(get, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'goLive.read');
    const checklist = await goLiveChecklist(ctx.tx);
    return c.json({ ...checklist, minOperatorsPerFunction: MIN_OPERATORS_PER_FUNCTION }, 200);
  })
  .openapi(similar, async (c) => {
    requireUserPermission(currentUser(c), 'tenants.read');
    const { color, tenant: slug, operators } = c.req.valid('query');
    const { db } = c.var.deps;
    const tenant = slug ? await findTenantBySlug(db, slug) : undefined;
    if (slug && !tenant) throw notFound('No company with that slug.');
    const result = await similarBrandColors(db, color, { tenantId: tenant?.id, operatorIds: operators?.toLowerCase().split(',') });
    return c.json({ color, thresholds: { sharedOperators: SHARED_OPERATORS_DELTA_E, anyCompany: ANY_COMPANY_DELTA_E }, similar: result }, 200);
  });
