import { requirePermission } from '../http/permissions.ts';
import { createRoute } from '@hono/zod-openapi';
import { createRouter } from '../http/router.ts';
import { invalid, problemResponses, fieldError } from '../http/problem.ts';
import { clientAddress } from '../http/client-address.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { RulesSchema, addressAllowed } from './definition.ts';
import { loadRules, replaceRules } from './service.ts';

const get = createRoute({
  method: 'get',
  path: '/t/{tenant}/rules',
  tags: ['rules'],
  summary: "The tenant's confidentiality rules: field classification, masking, exports, greeting, recording, retention, agreement, IP allow-list",
  request: { params: TenantParamSchema },
  responses: {
    200: { description: 'Rules (the defaults when the tenant has set none)', content: { 'application/json': { schema: RulesSchema } } },
    ...problemResponses(401, 404),
  },
});

const replace = createRoute({
  method: 'put',
  path: '/t/{tenant}/rules',
  tags: ['rules'],
  summary: 'Replace the confidentiality rules as a whole (parts left out take their defaults; every problem is listed with its path; nothing is saved unless all is valid)',
  request: { params: TenantParamSchema, body: { content: { 'application/json': { schema: RulesSchema } }, required: true } },
  responses: {
    200: { description: 'Saved', content: { 'application/json': { schema: RulesSchema } } },
    ...problemResponses(400, 401, 403, 404),
  },
});

export const rulesRoutes = createRouter()
  .openapi(get, async (c) => {
    const ctx = tenantContext(c);
    return c.json(await loadRules(ctx.tx), 200);
  })
  .openapi(replace, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'rules.manage');
    const rules = c.req.valid('json');
    // A client user may not save a list that would shut themselves out of the portal at once.
    const address = clientAddress(c);
    if (ctx.access === 'client_admin' && rules.ipAllowList.length && !addressAllowed(address, rules.ipAllowList)) {
      throw invalid([fieldError('ipAllowList', 'rules.own_address', `Your own address (${address}) is not in the list: saving it would lock you out.`, { address })]);
    }
    const { after } = await replaceRules(ctx.tx, ctx.tenant.id, ctx.actor, rules, c.var.deps.now());
    return c.json(after, 200);
  });
