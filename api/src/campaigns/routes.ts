import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../http/router.ts';
import { requirePermission } from '../http/permissions.ts';
import { problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { exportHeaders, exportLanguage, exportQuery, exportResponse, renderExport } from '../records/export.ts';
import { loadRules } from '../rules/service.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import {
  CampaignInputSchema,
  CampaignOptionsSchema,
  CampaignPatchSchema,
  CampaignSchema,
  campaignOptions,
  changeCampaignStatus,
  createCampaign,
  getCampaign,
  listCampaigns,
  updateCampaign,
  type CampaignAction,
} from './service.ts';
import {
  appendToList,
  ContactListSchema,
  ImportResultSchema,
  importList,
  ListAppendInputSchema,
  ListImportInputSchema,
  listContactLists,
  listExport,
  listExportLimit,
  ListPreviewInputSchema,
  ListPreviewSchema,
  previewList,
  setListStatus,
} from './lists.ts';

const id = z.uuid().openapi({ param: { name: 'id', in: 'path' }, example: '019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b' });
const listId = z.uuid().openapi({ param: { name: 'listId', in: 'path' }, example: '019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5c' });
const CampaignParamSchema = TenantParamSchema.extend({ id });
const ListParamSchema = TenantParamSchema.extend({ id, listId });

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });
const tags = ['campaigns'];

const list = createRoute({
  method: 'get',
  path: '/t/{tenant}/campaigns',
  tags,
  summary: "The company's outbound campaigns, newest first, with their contacts counted by state",
  request: { params: TenantParamSchema },
  responses: { 200: json(z.object({ campaigns: z.array(CampaignSchema) }), 'Campaigns'), ...problemResponses(401, 403, 404) },
});
const options = createRoute({
  method: 'get',
  path: '/t/{tenant}/campaign-options',
  tags,
  summary: "What a campaign may be made of: the outbound functions (delegated, with a published script), the company's numbers, its active wrap-up codes, the defaults",
  request: { params: TenantParamSchema },
  responses: { 200: json(CampaignOptionsSchema, 'Options'), ...problemResponses(401, 403, 404) },
});
const get = createRoute({
  method: 'get',
  path: '/t/{tenant}/campaigns/{id}',
  tags,
  summary: 'One campaign',
  request: { params: CampaignParamSchema },
  responses: { 200: json(CampaignSchema, 'Campaign'), ...problemResponses(401, 403, 404) },
});
const create = createRoute({
  method: 'post',
  path: '/t/{tenant}/campaigns',
  tags,
  summary: 'Create a campaign (a draft) for a delegated outbound function, presenting one of the company’s numbers',
  request: { params: TenantParamSchema, ...body(CampaignInputSchema) },
  responses: { 201: json(CampaignSchema, 'Created'), ...problemResponses(400, 401, 403, 404) },
});
const update = createRoute({
  method: 'patch',
  path: '/t/{tenant}/campaigns/{id}',
  tags,
  summary: 'Change a campaign (not a finished one); fields left out stay as they are',
  request: { params: CampaignParamSchema, ...body(CampaignPatchSchema) },
  responses: { 200: json(CampaignSchema, 'Changed'), ...problemResponses(400, 401, 403, 404, 409) },
});
const statusRoute = (action: CampaignAction, summary: string) =>
  createRoute({
    method: 'post',
    path: `/t/{tenant}/campaigns/{id}/${action}`,
    tags,
    summary,
    request: { params: CampaignParamSchema },
    responses: { 200: json(CampaignSchema, 'The campaign'), ...problemResponses(401, 403, 404, 409) },
  });
const start = statusRoute('start', 'Start a draft (or paused) campaign: it needs a published script for its function and an active list with contacts');
const pause = statusRoute('pause', 'Pause a running campaign: nothing more is dialled until it resumes');
const resume = statusRoute('resume', 'Resume a paused campaign');
const finish = statusRoute('finish', 'Finish a campaign for good: nothing more is dialled and it no longer changes');

const lists = createRoute({
  method: 'get',
  path: '/t/{tenant}/campaigns/{id}/lists',
  tags,
  summary: "A campaign's contact lists, with their contacts counted by state",
  request: { params: CampaignParamSchema },
  responses: { 200: json(z.object({ lists: z.array(ContactListSchema) }), 'Lists'), ...problemResponses(401, 403, 404) },
});
const preview = createRoute({
  method: 'post',
  path: '/t/{tenant}/campaigns/{id}/lists/preview',
  tags,
  summary: 'Read a file’s header row and first rows, to map its columns; nothing is saved',
  request: { params: CampaignParamSchema, ...body(ListPreviewInputSchema) },
  responses: { 200: json(ListPreviewSchema, 'Header and first rows'), ...problemResponses(400, 401, 403, 404, 413) },
});
const importRoute = createRoute({
  method: 'post',
  path: '/t/{tenant}/campaigns/{id}/lists',
  tags,
  summary:
    'Import a contact list: every row checked; while any row has a problem nothing is saved (unless skipInvalid), and the answer lists the problems and duplicates line by line',
  request: { params: CampaignParamSchema, ...body(ListImportInputSchema) },
  responses: {
    201: json(ImportResultSchema, 'Saved'),
    200: json(ImportResultSchema, 'Checked, nothing saved'),
    ...problemResponses(400, 401, 403, 404, 409, 413),
  },
});
const append = createRoute({
  method: 'post',
  path: '/t/{tenant}/campaigns/{id}/lists/{listId}/rows',
  tags,
  summary: 'Append rows to a list, with the same checks as an import',
  request: { params: ListParamSchema, ...body(ListAppendInputSchema) },
  responses: {
    201: json(ImportResultSchema, 'Saved'),
    200: json(ImportResultSchema, 'Checked, nothing saved'),
    ...problemResponses(400, 401, 403, 404, 409, 413),
  },
});
const listStatusRoute = (action: 'pause' | 'resume', summary: string) =>
  createRoute({
    method: 'post',
    path: `/t/{tenant}/campaigns/{id}/lists/{listId}/${action}`,
    tags,
    summary,
    request: { params: ListParamSchema },
    responses: { 200: json(ContactListSchema, 'The list'), ...problemResponses(401, 403, 404) },
  });
const pauseList = listStatusRoute('pause', "Pause a list: its contacts are not dialled until it resumes");
const resumeList = listStatusRoute('resume', 'Resume a paused list');
const exportList = createRoute({
  method: 'get',
  path: '/t/{tenant}/campaigns/{id}/lists/{listId}/export',
  tags,
  summary: "Download a list's contacts with their state, attempts, last outcome, disposition and callback (CSV or XLSX)",
  request: { params: ListParamSchema, query: z.object(exportQuery) },
  responses: { 200: exportResponse, ...problemResponses(400, 401, 403, 404) },
});

export const campaignRoutes = createRouter()
  .openapi(list, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'campaigns.read');
    return c.json({ campaigns: await listCampaigns(ctx.tx) }, 200);
  })
  .openapi(options, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'campaigns.read');
    return c.json(await campaignOptions(ctx.tx, ctx.tenant), 200);
  })
  .openapi(get, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'campaigns.read');
    return c.json(await getCampaign(ctx.tx, c.req.valid('param').id), 200);
  })
  .openapi(create, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'campaigns.manage');
    return c.json(await createCampaign(ctx.tx, ctx.tenant, ctx.actor, c.req.valid('json'), c.var.deps.now()), 201);
  })
  .openapi(update, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'campaigns.manage');
    return c.json(await updateCampaign(ctx.tx, ctx.tenant, ctx.actor, c.req.valid('param').id, c.req.valid('json'), c.var.deps.now()), 200);
  })
  .openapi(start, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'campaigns.manage');
    return c.json(await changeCampaignStatus(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').id, 'start', c.var.deps.now()), 200);
  })
  .openapi(pause, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'campaigns.manage');
    return c.json(await changeCampaignStatus(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').id, 'pause', c.var.deps.now()), 200);
  })
  .openapi(resume, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'campaigns.manage');
    return c.json(await changeCampaignStatus(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').id, 'resume', c.var.deps.now()), 200);
  })
  .openapi(finish, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'campaigns.manage');
    return c.json(await changeCampaignStatus(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').id, 'finish', c.var.deps.now()), 200);
  })
  .openapi(lists, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'campaigns.read');
    return c.json({ lists: await listContactLists(ctx.tx, c.req.valid('param').id) }, 200);
  })
  .openapi(preview, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'campaigns.manage');
    return c.json(await previewList(ctx.tx, c.req.valid('param').id, c.req.valid('json')), 200);
  })
  .openapi(importRoute, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'campaigns.manage');
    const result = await importList(ctx.tx, { tenant: ctx.tenant, actor: ctx.actor, now: c.var.deps.now() }, c.req.valid('param').id, c.req.valid('json'));
    return result.saved ? c.json(result, 201) : c.json(result, 200);
  })
  .openapi(append, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'campaigns.manage');
    const { id: campaignId, listId: target } = c.req.valid('param');
    const result = await appendToList(ctx.tx, { tenant: ctx.tenant, actor: ctx.actor, now: c.var.deps.now() }, campaignId, target, c.req.valid('json'));
    return result.saved ? c.json(result, 201) : c.json(result, 200);
  })
  .openapi(pauseList, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'campaigns.manage');
    const p = c.req.valid('param');
    return c.json(await setListStatus(ctx.tx, ctx.tenant.id, ctx.actor, p.id, p.listId, 'paused'), 200);
  })
  .openapi(resumeList, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'campaigns.manage');
    const p = c.req.valid('param');
    return c.json(await setListStatus(ctx.tx, ctx.tenant.id, ctx.actor, p.id, p.listId, 'active'), 200);
  })
  .openapi(exportList, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'campaigns.export');
    const p = c.req.valid('param');
    const { lang, format } = c.req.valid('query');
    const language = exportLanguage(lang, c.req.header('accept-language'), c.var.user?.language);
    const limit = listExportLimit(format);
    const table = await listExport(ctx.tx, await loadRules(ctx.tx), p.id, p.listId, limit);
    const rendered = await renderExport(table, { language, format, timeZone: ctx.tenant.timeZone });
    return c.body(rendered.body as Uint8Array<ArrayBuffer>, 200, { ...exportHeaders(rendered, ctx.tenant.slug, 'contacts', c.var.deps.now()), 'x-export-row-limit': String(limit) });
  });
