import { createRoute, z } from '@hono/zod-openapi';
import { leadStatuses } from '@switchboard/db';
import { callFunctionIds } from '@switchboard/db/call-functions';
import { requirePermission } from '../http/permissions.ts';
import { createRouter } from '../http/router.ts';
import { notFound, problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { loadRules } from '../rules/service.ts';
import { IdParamSchema, decodeCursor, pageOf, pagingQuery } from '../records/common.ts';
import { exportHeaders, exportLanguage, exportQuery, exportResponse, renderExport } from '../records/export.ts';
import { CallAnswerSchema, LeadSchema, RecordChangeSchema, callAnswers, changeLeadStatus, findLead, leadQuery, leadToJson, leadsExport, recordChangeQuery, recordChangeToJson } from './records.ts';

/** What the client reads of its calls' answers (issue 14): leads, customer records entered, a call's answers. */

const json = <S extends z.ZodType>(schema: S) => ({ content: { 'application/json': { schema } } });

const leadFilters = {
  status: z.enum(leadStatuses).optional(),
  function: z.enum(callFunctionIds).optional(),
  operator: z.uuid().optional().openapi({ description: 'The operator who took the call' }),
};
const { limit: _limit, cursor: _cursor, ...exportPaging } = pagingQuery;

const listLeads = createRoute({
  method: 'get',
  path: '/t/{tenant}/leads',
  tags: ['leads'],
  summary: 'Qualified leads from calls, newest first, filtered, a page at a time (masked for the viewer)',
  request: { params: TenantParamSchema, query: z.object({ ...pagingQuery, ...leadFilters }) },
  responses: { 200: { description: 'A page', ...json(z.object({ items: z.array(LeadSchema), nextCursor: z.string().nullable() })) }, ...problemResponses(400, 401, 403, 404) },
});

const exportLeads = createRoute({
  method: 'get',
  path: '/t/{tenant}/leads.csv',
  tags: ['leads'],
  summary: "Leads as CSV or XLSX in a language (same filters), with only the fields the tenant's rules let leave",
  request: { params: TenantParamSchema, query: z.object({ ...exportPaging, ...leadFilters, ...exportQuery }) },
  responses: { 200: exportResponse, ...problemResponses(400, 401, 403, 404) },
});

const patchLead = createRoute({
  method: 'patch',
  path: '/t/{tenant}/leads/{id}',
  tags: ['leads'],
  summary: "Move a lead along: new, contacted, converted or rejected (the client company's admins)",
  request: { params: IdParamSchema, body: { ...json(z.strictObject({ status: z.enum(leadStatuses) }).openapi('LeadStatusPatch', { example: { status: 'contacted' } })), required: true } },
  responses: { 200: { description: 'Saved', ...json(LeadSchema) }, ...problemResponses(400, 401, 403, 404) },
});

const listRecordChanges = createRoute({
  method: 'get',
  path: '/t/{tenant}/data-entry',
  tags: ['leads'],
  summary: 'Customer records created or changed from calls, newest first, each field before and after (masked for the viewer)',
  request: { params: TenantParamSchema, query: z.object({ ...pagingQuery, action: z.enum(['created', 'updated']).optional() }) },
  responses: { 200: { description: 'A page', ...json(z.object({ items: z.array(RecordChangeSchema), nextCursor: z.string().nullable() })) }, ...problemResponses(400, 401, 403, 404) },
});

const getCallAnswers = createRoute({
  method: 'get',
  path: '/t/{tenant}/calls/{id}/answers',
  tags: ['calls'],
  summary: 'The typed script answers kept with a call, under the script version it was answered with (masked for the viewer)',
  request: { params: IdParamSchema },
  responses: {
    200: {
      description: 'The answers (null: the call kept none)',
      ...json(z.object({ scriptId: z.uuid(), scriptVersion: z.number().int(), completed: z.boolean(), questionnaire: z.boolean(), answers: z.array(CallAnswerSchema) }).nullable()),
    },
    ...problemResponses(401, 403, 404),
  },
});

export const answerRoutes = createRouter()
  .openapi(exportLeads, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.read');
    const now = c.var.deps.now();
    const rules = await loadRules(ctx.tx);
    const { lang, format, ...query } = c.req.valid('query');
    const language = exportLanguage(lang, c.req.header('accept-language'), c.var.user?.language);
    const table = await leadsExport(ctx.tx, ctx.tenant, rules, query, language);
    const rendered = await renderExport(table, { language, format, timeZone: ctx.tenant.timeZone });
    return c.body(rendered.body as Uint8Array<ArrayBuffer>, 200, exportHeaders(rendered, ctx.tenant.slug, 'leads', now));
  })
  .openapi(listLeads, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.read');
    const query = c.req.valid('query');
    const rules = await loadRules(ctx.tx);
    let q = leadQuery(ctx.tx, ctx.tenant, query);
    const cursor = decodeCursor(query.cursor);
    if (cursor) q = q.where((eb) => eb.or([eb('l.createdAt', '<', cursor.at), eb.and([eb('l.createdAt', '=', cursor.at), eb('l.id', '<', cursor.id)])]));
    const rows = await q.orderBy('l.createdAt', 'desc').orderBy('l.id', 'desc').limit(query.limit + 1).execute();
    const page = pageOf(rows, query.limit, (r) => ({ at: r.createdAt, id: r.id }));
    return c.json({ items: page.items.map((r) => leadToJson(r, rules, ctx.access)), nextCursor: page.nextCursor }, 200);
  })
  .openapi(patchLead, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'leads.status');
    const { id } = c.req.valid('param');
    await changeLeadStatus(ctx.tx, ctx.tenant.id, ctx.actor, id, c.req.valid('json').status, c.var.deps.now());
    return c.json(leadToJson((await findLead(ctx.tx, id))!, await loadRules(ctx.tx), ctx.access), 200);
  })
  .openapi(listRecordChanges, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.read');
    const query = c.req.valid('query');
    const rules = await loadRules(ctx.tx);
    let q = recordChangeQuery(ctx.tx, ctx.tenant, query);
    const cursor = decodeCursor(query.cursor);
    if (cursor) q = q.where((eb) => eb.or([eb('r.at', '<', cursor.at), eb.and([eb('r.at', '=', cursor.at), eb('r.id', '<', cursor.id)])]));
    const rows = await q.orderBy('r.at', 'desc').orderBy('r.id', 'desc').limit(query.limit + 1).execute();
    const page = pageOf(rows, query.limit, (r) => ({ at: r.at, id: r.id }));
    return c.json({ items: page.items.map((r) => recordChangeToJson(r, rules, ctx.access)), nextCursor: page.nextCursor }, 200);
  })
  .openapi(getCallAnswers, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'records.read');
    const { id } = c.req.valid('param');
    const call = await ctx.tx.selectFrom('calls').select('id').where('id', '=', id).executeTakeFirst();
    if (!call) throw notFound('No such call.');
    return c.json(await callAnswers(ctx.tx, id, await loadRules(ctx.tx), ctx.access), 200);
  });
