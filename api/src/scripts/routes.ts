import { requirePermission } from '../http/permissions.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { callFunctionIds } from '@switchboard/db';
import { languageOf } from '@switchboard/db/languages';
import { createRouter } from '../http/router.ts';
import { problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { DispositionCodeSchema, ScriptBodySchema, type ScriptBodyInput } from './model.ts';
import { scriptProblemCodes } from './validate.ts';
import { requiredText } from '../http/validators.ts';
import {
  checkScript,
  createWrapUpCode,
  listTemplates,
  deleteWrapUpCode,
  diffVersions,
  getDraft,
  getVersion,
  listScripts,
  listVersions,
  listWrapUpCodes,
  publishScript,
  saveDraft,
  updateWrapUpCode,
  type Draft,
  type VersionSummary,
} from './service.ts';


/** A small complete script, valid for a new tenant once it has the wrap-up code `info_given`. */
export const exampleScript: ScriptBodyInput = {
  steps: [
    { id: 'greet', type: 'say', text: '{{tenant.greeting}} Today we are open {{hours.today}}.', next: 'question' },
    { id: 'question', type: 'ask', text: 'How can I help you?', answer: { type: 'text', required: true }, next: 'done' },
    { id: 'done', type: 'end', text: 'Thank you for calling {{tenant.name}}.', disposition: 'info_given' },
  ],
};

const ScriptBody = ScriptBodySchema.openapi('ScriptBody', {
  description: 'A call script: the first step is where the call starts (see api/src/scripts/model.ts).',
  example: exampleScript,
});
const ProblemListSchema = z.array(
  z.object({
    path: z.string(),
    message: z.string().openapi({ description: 'The problem in English, for API clients' }),
    code: z.enum(scriptProblemCodes).openapi({ description: 'The problem as a stable code (the portal translates it); the values its sentence names are in `params`' }),
    params: z
      .object({
        id: z.string(),
        variable: z.string(),
        value: z.string(),
        field: z.string(),
        actual: z.string(),
        entry: z.string(),
        code: z.string(),
        n: z.number().int(),
        choices: z.array(z.string()),
        expected: z.array(z.string()),
      })
      .partial()
      .openapi({ description: 'Step names (id), a step position (n), a variable, a choice value and the choices offered, a capture field, answer types (expected, actual), a directory entry, a wrap-up code' }),
  }),
);

const TemplateSchema = z
  .object({
    function: z.enum(callFunctionIds),
    name: z.string(),
    description: z.string(),
    wrapUpCodes: z.array(
      z.object({
        code: z.string(),
        label: z.string(),
        exists: z.boolean().openapi({ description: 'The company has this code already' }),
        active: z.boolean().openapi({ description: 'The company has it and it is not retired' }),
      }),
    ),
    body: ScriptBody,
  })
  .openapi('ScriptTemplate');

const FunctionParamSchema = TenantParamSchema.extend({
  function: z.enum(callFunctionIds).openapi({ param: { name: 'function', in: 'path' }, example: 'information' }),
});
const VersionParamSchema = FunctionParamSchema.extend({
  version: z.coerce.number().int().min(1).max(1_000_000).openapi({ param: { name: 'version', in: 'path' }, example: 1 }),
});
const DiffQuerySchema = z.object({
  from: z.coerce.number().int().min(1).max(1_000_000).openapi({ param: { name: 'from', in: 'query' }, example: 1 }),
  to: z.coerce.number().int().min(1).max(1_000_000).openapi({ param: { name: 'to', in: 'query' }, example: 2 }),
});

const VersionSummarySchema = z.object({ version: z.number().int(), publishedAt: z.string(), publishedBy: z.string() }).openapi('ScriptVersionSummary');
const ScriptSummarySchema = z
  .object({
    function: z.enum(callFunctionIds),
    label: z.string(),
    exists: z.boolean(),
    latestVersion: VersionSummarySchema.nullable(),
    unpublishedChanges: z.boolean(),
    draftUpdatedAt: z.string().nullable(),
    draftSteps: z.number().int(),
  })
  .openapi('ScriptSummary');
const DraftSchema = z
  .object({
    function: z.enum(callFunctionIds),
    body: ScriptBody,
    exists: z.boolean(),
    updatedAt: z.string().nullable(),
    updatedBy: z.string().nullable(),
    latestVersion: z.number().int().nullable(),
    problems: ProblemListSchema.openapi({ description: 'What publishing would refuse today; empty when the draft is ready' }),
  })
  .openapi('ScriptDraft');
const VersionSchema = VersionSummarySchema.extend({ function: z.enum(callFunctionIds), body: ScriptBody }).openapi('ScriptVersion');
const StepRefSchema = z.object({ id: z.string(), index: z.number().int(), step: z.record(z.string(), z.unknown()) });
const DiffSchema = z
  .object({
    from: z.number().int(),
    to: z.number().int(),
    added: z.array(StepRefSchema),
    removed: z.array(StepRefSchema),
    changed: z.array(
      z.object({
        id: z.string(),
        fromIndex: z.number().int(),
        toIndex: z.number().int(),
        fields: z.array(z.object({ field: z.string(), before: z.unknown(), after: z.unknown() })),
      }),
    ),
    moved: z.array(z.object({ id: z.string(), fromIndex: z.number().int(), toIndex: z.number().int() })),
    unchanged: z.number().int(),
  })
  .openapi('ScriptDiff');

const WrapUpCodeSchema = z
  .object({ code: z.string(), label: z.string(), active: z.boolean(), createdAt: z.string(), updatedAt: z.string() })
  .openapi('WrapUpCode');
const LabelSchema = requiredText(120, 'Enter the words operators see.');
const CreateCodeSchema = z
  .object({ code: DispositionCodeSchema, label: LabelSchema, active: z.boolean().default(true) })
  .openapi('CreateWrapUpCodeBody', { example: { code: 'info_given', label: 'Information given', active: true } });
const UpdateCodeSchema = z
  .object({ label: LabelSchema.optional(), active: z.boolean().optional() })
  .openapi('UpdateWrapUpCodeBody', { example: { label: 'Information given', active: false } });
const CodeParamSchema = TenantParamSchema.extend({
  code: z.string().max(40).openapi({ param: { name: 'code', in: 'path' }, example: 'info_given' }),
});

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const versionJson = (v: VersionSummary) => ({ ...v, publishedAt: v.publishedAt.toISOString() });
const draftJson = (d: Draft) => ({ ...d, updatedAt: iso(d.updatedAt) });
const codeJson = (c: { code: string; label: string; active: boolean; createdAt: Date; updatedAt: Date }) => ({
  ...c,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});

const list = createRoute({
  method: 'get',
  path: '/t/{tenant}/scripts',
  tags: ['scripts'],
  summary: 'Every call-center function with its script: latest published version and whether the draft has unpublished changes',
  request: { params: TenantParamSchema },
  responses: {
    200: { description: 'Scripts', content: { 'application/json': { schema: z.object({ scripts: z.array(ScriptSummarySchema) }) } } },
    ...problemResponses(401, 404),
  },
});

const getDraftRoute = createRoute({
  method: 'get',
  path: '/t/{tenant}/scripts/{function}/draft',
  tags: ['scripts'],
  summary: "A function's script draft (empty if none yet), with the problems publishing would report",
  request: { params: FunctionParamSchema },
  responses: {
    200: { description: 'Draft', content: { 'application/json': { schema: DraftSchema } } },
    ...problemResponses(400, 401, 404),
  },
});

const putDraft = createRoute({
  method: 'put',
  path: '/t/{tenant}/scripts/{function}/draft',
  tags: ['scripts'],
  summary: 'Save the draft (only its shape is checked: a draft may be unfinished)',
  request: { params: FunctionParamSchema, body: { content: { 'application/json': { schema: ScriptBody } }, required: true } },
  responses: {
    200: { description: 'Saved', content: { 'application/json': { schema: DraftSchema } } },
    ...problemResponses(400, 401, 403, 404),
  },
});

const templatesRoute = createRoute({
  method: 'get',
  path: '/t/{tenant}/scripts/templates',
  tags: ['scripts'],
  summary: 'A first script per function, with the wrap-up codes it ends with and which of them the company has (script editors)',
  request: { params: TenantParamSchema },
  responses: {
    200: { description: 'Templates', content: { 'application/json': { schema: z.object({ templates: z.array(TemplateSchema) }) } } },
    ...problemResponses(401, 403, 404),
  },
});

const validateRoute = createRoute({
  method: 'post',
  path: '/t/{tenant}/scripts/{function}/validate',
  tags: ['scripts'],
  summary: "Check a script as publishing would, without saving anything: the editor's live check (script editors)",
  request: { params: FunctionParamSchema, body: { content: { 'application/json': { schema: ScriptBody } }, required: true } },
  responses: {
    200: {
      description: 'The problems publishing would report; empty when the script is ready',
      content: { 'application/json': { schema: z.object({ problems: ProblemListSchema }) } },
    },
    ...problemResponses(400, 401, 403, 404),
  },
});

const publish = createRoute({
  method: 'post',
  path: '/t/{tenant}/scripts/{function}/publish',
  tags: ['scripts'],
  summary: 'Publish the draft as the next version, after checking the whole script (400 lists every problem with its path)',
  request: { params: FunctionParamSchema },
  responses: {
    201: { description: 'Published', content: { 'application/json': { schema: VersionSchema } } },
    ...problemResponses(400, 401, 403, 404, 409),
  },
});

const versions = createRoute({
  method: 'get',
  path: '/t/{tenant}/scripts/{function}/versions',
  tags: ['scripts'],
  summary: 'Published versions, newest first',
  request: { params: FunctionParamSchema },
  responses: {
    200: { description: 'Versions', content: { 'application/json': { schema: z.object({ versions: z.array(VersionSummarySchema) }) } } },
    ...problemResponses(400, 401, 404),
  },
});

const version = createRoute({
  method: 'get',
  path: '/t/{tenant}/scripts/{function}/versions/{version}',
  tags: ['scripts'],
  summary: 'One published version',
  request: { params: VersionParamSchema },
  responses: {
    200: { description: 'Version', content: { 'application/json': { schema: VersionSchema } } },
    ...problemResponses(400, 401, 404),
  },
});

const diff = createRoute({
  method: 'get',
  path: '/t/{tenant}/scripts/{function}/diff',
  tags: ['scripts'],
  summary: 'What changed between two versions, step by step',
  request: { params: FunctionParamSchema, query: DiffQuerySchema },
  responses: {
    200: { description: 'Differences', content: { 'application/json': { schema: DiffSchema } } },
    ...problemResponses(400, 401, 404),
  },
});

const listCodes = createRoute({
  method: 'get',
  path: '/t/{tenant}/wrap-up-codes',
  tags: ['scripts'],
  summary: "The tenant's wrap-up codes (the dispositions calls end with)",
  request: { params: TenantParamSchema },
  responses: {
    200: { description: 'Wrap-up codes', content: { 'application/json': { schema: z.object({ codes: z.array(WrapUpCodeSchema) }) } } },
    ...problemResponses(401, 404),
  },
});

const createCode = createRoute({
  method: 'post',
  path: '/t/{tenant}/wrap-up-codes',
  tags: ['scripts'],
  summary: 'Add a wrap-up code',
  request: { params: TenantParamSchema, body: { content: { 'application/json': { schema: CreateCodeSchema } }, required: true } },
  responses: {
    201: { description: 'Added', content: { 'application/json': { schema: WrapUpCodeSchema } } },
    ...problemResponses(400, 401, 403, 404, 409),
  },
});

const updateCode = createRoute({
  method: 'patch',
  path: '/t/{tenant}/wrap-up-codes/{code}',
  tags: ['scripts'],
  summary: 'Rename a wrap-up code, or retire it (active: false) / bring it back',
  request: { params: CodeParamSchema, body: { content: { 'application/json': { schema: UpdateCodeSchema } }, required: true } },
  responses: {
    200: { description: 'Updated', content: { 'application/json': { schema: WrapUpCodeSchema } } },
    ...problemResponses(400, 401, 403, 404),
  },
});

const deleteCode = createRoute({
  method: 'delete',
  path: '/t/{tenant}/wrap-up-codes/{code}',
  tags: ['scripts'],
  summary: 'Remove a wrap-up code that no published script uses (409 otherwise: retire it instead)',
  request: { params: CodeParamSchema },
  responses: { 204: { description: 'Removed' }, ...problemResponses(401, 403, 404, 409) },
});

export const scriptRoutes = createRouter()
  .openapi(list, async (c) => {
    const ctx = tenantContext(c);
    const scripts = await listScripts(ctx.tx);
    return c.json(
      { scripts: scripts.map((s) => ({ ...s, latestVersion: s.latestVersion && versionJson(s.latestVersion), draftUpdatedAt: iso(s.draftUpdatedAt) })) },
      200,
    );
  })
  .openapi(getDraftRoute, async (c) => {
    const ctx = tenantContext(c);
    return c.json(draftJson(await getDraft(ctx.tx, c.req.valid('param').function)), 200);
  })
  .openapi(putDraft, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'scripts.manage');
    const draft = await saveDraft(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').function, c.req.valid('json'), c.var.deps.now());
    return c.json(draftJson(draft), 200);
  })
  .openapi(templatesRoute, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'scripts.manage');
    return c.json({ templates: await listTemplates(ctx.tx, languageOf(ctx.tenant.locale)) }, 200);
  })
  .openapi(validateRoute, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'scripts.manage');
    return c.json({ problems: await checkScript(ctx.tx, c.req.valid('param').function, c.req.valid('json')) }, 200);
  })
  .openapi(publish, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'scripts.manage');
    const published = await publishScript(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').function, c.var.deps.now());
    return c.json({ ...versionJson(published), function: published.function, body: published.body }, 201);
  })
  .openapi(versions, async (c) => {
    const ctx = tenantContext(c);
    const rows = await listVersions(ctx.tx, c.req.valid('param').function);
    return c.json({ versions: rows.map(versionJson) }, 200);
  })
  .openapi(version, async (c) => {
    const ctx = tenantContext(c);
    const params = c.req.valid('param');
    const found = await getVersion(ctx.tx, params.function, params.version);
    return c.json({ ...versionJson(found), function: found.function, body: found.body }, 200);
  })
  .openapi(diff, async (c) => {
    const ctx = tenantContext(c);
    const { from, to } = c.req.valid('query');
    const changes = await diffVersions(ctx.tx, c.req.valid('param').function, from, to);
    return c.json({ from, to, ...changes }, 200);
  })
  .openapi(listCodes, async (c) => {
    const ctx = tenantContext(c);
    return c.json({ codes: (await listWrapUpCodes(ctx.tx)).map(codeJson) }, 200);
  })
  .openapi(createCode, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'scripts.manage');
    const row = await createWrapUpCode(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('json'), c.var.deps.now());
    return c.json(codeJson(row), 201);
  })
  .openapi(updateCode, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'scripts.manage');
    const row = await updateWrapUpCode(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').code, c.req.valid('json'), c.var.deps.now());
    return c.json(codeJson(row), 200);
  })
  .openapi(deleteCode, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'scripts.manage');
    await deleteWrapUpCode(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').code);
    return c.body(null, 204);
  });
