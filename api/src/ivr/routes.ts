import { createRoute, z } from '@hono/zod-openapi';
import { isUuid, withTenant } from '@switchboard/db';
import { createRouter, issueError } from '../http/router.ts';
import { requirePermission } from '../http/permissions.ts';
import { invalid, notFound, problemResponses, type FieldErrorInput } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { verifyAudioSignature } from './audio-url.ts';
import { menuDefinitionSchema, type MenuDefinition } from './menu.ts';
import { menuStats } from './visits.ts';
import { deleteAudio, deleteMenu, getMenu, listAudio, listMenus, MAX_AUDIO_BYTES, readAudio, saveMenu, setHoldMusic, structuralProblems, uploadAudio } from './service.ts';

const E164 = z.string().regex(/^\+[1-9]\d{4,14}$/, 'Use an E.164 number such as +33142868200.');

const exampleMenu = {
    root: 'main',
    nodes: {
      main: {
        prompt: { kind: 'tts', text: 'For orders press 1, for anything else press 2.' },
        choices: [
          { key: '1', label: 'Orders', target: { kind: 'function', function: 'order_taking' } },
          { key: '2', label: 'Information', target: { kind: 'function', function: 'information' } },
        ],
        noInput: { kind: 'function', function: 'information' },
        repeat: 2,
      },
    },
};
export const MenuDefinitionSchema = menuDefinitionSchema.openapi('IvrMenuDefinition', { example: exampleMenu });

const IvrMenuSchema = z
  .object({
    number: z.string(),
    function: z.string().openapi({ description: "The number's own function: where its calls go without a menu" }),
    label: z.string(),
    enabled: z.boolean(),
    definition: MenuDefinitionSchema.nullable().openapi({ description: 'null: the number has no menu' }),
    updatedAt: z.string().nullable(),
    updatedBy: z.string().nullable(),
  })
  .openapi('IvrMenu');
const IvrMenusSchema = z.object({ menus: z.array(IvrMenuSchema) }).openapi('IvrMenus');
const SaveMenuSchema = z
  .strictObject({ enabled: z.boolean().openapi({ description: 'false: kept, but calls go straight to the number’s function', example: true }), definition: MenuDefinitionSchema })
  .openapi('IvrMenuInput', { example: { enabled: true, definition: exampleMenu } });

const AudioItemSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    mime: z.enum(['audio/mpeg', 'audio/wav']),
    size: z.number().int(),
    createdAt: z.string(),
    createdBy: z.string(),
    usedBy: z.array(z.string()).openapi({ description: 'The numbers whose menus play it (it cannot be deleted meanwhile)' }),
    holdMusic: z.boolean().openapi({ description: "The company's hold music: what queued and held callers hear (at most one upload)" }),
  })
  .openapi('AudioItem');
const AudioListSchema = z.object({ audio: z.array(AudioItemSchema) }).openapi('AudioList');
const AudioUploadSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    content: z
      .base64({ error: 'Send the file base64-encoded.' })
      .max(Math.ceil(MAX_AUDIO_BYTES / 3) * 4, 'The file is larger than 5 MB.')
      .openapi({ description: 'An MP3 or WAV file, base64-encoded (at most 5 MB once decoded; its bytes say what it is, not its name)' }),
  })
  .openapi('AudioUpload', { example: { name: 'Welcome', content: 'SUQzBAAAAAAAAA==' } });

/** The audio uploads' path: one of the few bodies allowed past the usual limit (app.ts). */
export const isAudioUploadPath = (path: string) => /^\/api\/t\/[^/]+\/audio$/.test(path);

const NumberParamSchema = TenantParamSchema.extend({ number: E164.openapi({ param: { name: 'number', in: 'path' }, example: '+33142868200' }) });
const AudioParamSchema = TenantParamSchema.extend({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' }, example: '019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b' }) });

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });
const audioContent = { 'audio/mpeg': { schema: z.string().openapi({ format: 'binary' }) }, 'audio/wav': { schema: z.string().openapi({ format: 'binary' }) } };

const list = createRoute({
  method: 'get',
  path: '/t/{tenant}/ivr-menus',
  tags: ['ivr'],
  summary: "The company's numbers, each with its keypad menu (or none)",
  request: { params: TenantParamSchema },
  responses: { 200: json(IvrMenusSchema, 'Menus'), ...problemResponses(401, 403, 404) },
});
const get = createRoute({
  method: 'get',
  path: '/t/{tenant}/ivr-menus/{number}',
  tags: ['ivr'],
  summary: 'The keypad menu of one of the company’s numbers',
  request: { params: NumberParamSchema },
  responses: { 200: json(IvrMenuSchema, 'Menu'), ...problemResponses(400, 401, 403, 404) },
});
const MenuStatsSchema = z
  .object({
    number: z.string(),
    from: z.string(),
    to: z.string(),
    entered: z.number().int().openapi({ description: 'Calls that heard the menu' }),
    routed: z.number().int().openapi({ description: "Left the menu for a function's queue (or its after-hours action)" }),
    message: z.number().int().openapi({ description: "Heard one of the menu's messages, then the menu hung up" }),
    abandoned: z.number().int().openapi({ description: 'Hung up in the menu (no step for 5 minutes)' }),
    inMenu: z.number().int().openapi({ description: 'In the menu now' }),
    byFunction: z.array(z.object({ function: z.string(), count: z.number().int() })),
    abandonedAt: z.array(z.object({ node: z.string(), count: z.number().int() })).openapi({ description: 'The node callers hung up in, most first' }),
    byDay: z.array(z.object({ day: z.string(), routed: z.number().int(), message: z.number().int(), abandoned: z.number().int() })).openapi({ description: "The company's own days" }),
  })
  .openapi('IvrMenuStats');
const stats = createRoute({
  method: 'get',
  path: '/t/{tenant}/ivr-menus/{number}/stats',
  tags: ['ivr'],
  summary: "What callers did in the number's menu over the last days: reached a service (by function), heard a message, hung up in the menu (where)",
  request: {
    params: NumberParamSchema,
    query: z.object({ days: z.coerce.number().int().min(1).max(90).default(7).openapi({ description: 'How many days back (1–90, default 7)' }) }),
  },
  responses: { 200: json(MenuStatsSchema, 'Figures'), ...problemResponses(400, 401, 403, 404) },
});
const save = createRoute({
  method: 'put',
  path: '/t/{tenant}/ivr-menus/{number}',
  tags: ['ivr'],
  summary: 'Create or replace a number’s keypad menu: every problem listed by path (no dead ends, every node reachable, delegated functions, existing audio); nothing saved unless all is valid',
  request: { params: NumberParamSchema, ...body(SaveMenuSchema) },
  responses: { 200: json(IvrMenuSchema, 'Saved'), ...problemResponses(400, 401, 403, 404) },
});
const remove = createRoute({
  method: 'delete',
  path: '/t/{tenant}/ivr-menus/{number}',
  tags: ['ivr'],
  summary: 'Remove a number’s keypad menu (its calls go straight to the number’s function again)',
  request: { params: NumberParamSchema },
  responses: { 204: { description: 'Removed' }, ...problemResponses(400, 401, 403, 404) },
});
const audioList = createRoute({
  method: 'get',
  path: '/t/{tenant}/audio',
  tags: ['ivr'],
  summary: "The company's uploaded recordings (menu prompts, hold music), newest first",
  request: { params: TenantParamSchema },
  responses: { 200: json(AudioListSchema, 'Recordings'), ...problemResponses(401, 403, 404) },
});
const audioUpload = createRoute({
  method: 'post',
  path: '/t/{tenant}/audio',
  tags: ['ivr'],
  summary: 'Upload a recording (MP3 or WAV by its bytes, at most 5 MB)',
  request: { params: TenantParamSchema, ...body(AudioUploadSchema) },
  responses: { 201: json(AudioItemSchema, 'Uploaded'), ...problemResponses(400, 401, 403, 404) },
});
const audioGet = createRoute({
  method: 'get',
  path: '/t/{tenant}/audio/{id}',
  tags: ['ivr'],
  summary: 'Listen to an uploaded recording',
  request: { params: AudioParamSchema },
  responses: { 200: { description: 'The recording', content: audioContent }, ...problemResponses(400, 401, 403, 404) },
});
const audioDelete = createRoute({
  method: 'delete',
  path: '/t/{tenant}/audio/{id}',
  tags: ['ivr'],
  summary: 'Delete an uploaded recording (refused with 409 while a menu plays it)',
  request: { params: AudioParamSchema },
  responses: { 204: { description: 'Deleted' }, ...problemResponses(400, 401, 403, 404, 409) },
});
const HoldMusicSchema = z
  .strictObject({
    audioId: z.uuid().nullable().openapi({ description: "One of the company's uploads, or null for the carrier's default music" }),
  })
  .openapi('HoldMusic', { example: { audioId: '019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b' } });
const holdMusic = createRoute({
  method: 'put',
  path: '/t/{tenant}/hold-music',
  tags: ['ivr'],
  summary: "Choose the company's hold music (what queued and held callers hear): one of its uploads, or null for the default; audited",
  request: { params: TenantParamSchema, ...body(HoldMusicSchema) },
  responses: { 200: json(HoldMusicSchema, 'Chosen'), ...problemResponses(400, 401, 403, 404) },
});
const hookAudio = createRoute({
  method: 'get',
  path: '/twilio/hooks/audio/{tenant}/{audioId}',
  tags: ['twilio'],
  summary: "An uploaded recording for Twilio's <Play>: no session, the URL's signature and expiry (audioUrl) are the credential",
  request: {
    params: z.object({
      tenant: z.string().openapi({ param: { name: 'tenant', in: 'path' }, description: 'The tenant id' }),
      audioId: z.string().openapi({ param: { name: 'audioId', in: 'path' } }),
    }),
    query: z.object({
      exp: z.string().optional().openapi({ param: { name: 'exp', in: 'query' }, description: 'Expiry, unix seconds' }),
      sig: z.string().optional().openapi({ param: { name: 'sig', in: 'query' } }),
    }),
  },
  responses: { 200: { description: 'The recording', content: audioContent }, ...problemResponses(404) },
});

/** Shape errors and, over whatever parsed, the structural ones, all at once (like the hours). */
function menuHook(result: { success: boolean; target: string; error?: { issues: z.core.$ZodIssue[] } }) {
  if (result.success) return undefined;
  const errors: FieldErrorInput[] = result.error!.issues.map((issue) => issueError(issue, issue.path.map(String).join('.') || (result.target === 'json' ? '(body)' : `(${result.target})`)));
  throw invalid(errors);
}

const audioHeaders = (mime: string, size: number) => ({ 'content-type': mime, 'content-length': String(size), 'cache-control': 'private, max-age=3600', 'x-content-type-options': 'nosniff' });

export const ivrRoutes = createRouter()
  .openapi(list, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'ivr.read');
    return c.json({ menus: await listMenus(ctx.tx) }, 200);
  })
  .openapi(get, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'ivr.read');
    return c.json(await getMenu(ctx.tx, c.req.valid('param').number), 200);
  }, menuHook)
  .openapi(stats, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'ivr.read');
    const { number } = c.req.valid('param');
    await getMenu(ctx.tx, number);
    return c.json(await menuStats(ctx.tx, number, c.req.valid('query').days, c.var.deps.now()), 200);
  }, menuHook)
  .openapi(
    save,
    async (c) => {
      const ctx = tenantContext(c);
      requirePermission(ctx, 'ivr.manage');
      const input = c.req.valid('json');
      return c.json(await saveMenu(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').number, input as { enabled: boolean; definition: MenuDefinition }, c.var.deps.now()), 200);
    },
    menuHook,
  )
  .openapi(remove, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'ivr.manage');
    await deleteMenu(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').number);
    return c.body(null, 204);
  }, menuHook)
  .openapi(audioList, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'ivr.read');
    return c.json({ audio: await listAudio(ctx.tx) }, 200);
  })
  .openapi(audioUpload, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'ivr.manage');
    const input = c.req.valid('json');
    const item = await uploadAudio(ctx.tx, ctx.tenant.id, ctx.actor, { name: input.name, content: new Uint8Array(Buffer.from(input.content, 'base64')) }, c.var.deps.now());
    return c.json(item, 201);
  })
  .openapi(audioGet, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'ivr.read');
    const audio = await readAudio(ctx.tx, c.req.valid('param').id);
    if (!audio) throw notFound();
    return c.body(audio.content as Uint8Array<ArrayBuffer>, 200, audioHeaders(audio.mime, audio.content.length));
  })
  .openapi(audioDelete, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'ivr.manage');
    await deleteAudio(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').id);
    return c.body(null, 204);
  })
  .openapi(holdMusic, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'ivr.manage');
    return c.json(await setHoldMusic(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('json').audioId), 200);
  })
  .openapi(hookAudio, async (c) => {
    const { config, db, now } = c.var.deps;
    const { tenant, audioId } = c.req.valid('param');
    const { exp, sig } = c.req.valid('query');
    // A bad, expired or foreign signature looks like a missing recording: nothing to learn by probing.
    if (!isUuid(tenant) || !isUuid(audioId) || !verifyAudioSignature(config, tenant, audioId, exp, sig, now())) throw notFound();
    const audio = await withTenant(db, tenant, (tx) => readAudio(tx, audioId));
    if (!audio) throw notFound();
    return c.body(audio.content as Uint8Array<ArrayBuffer>, 200, audioHeaders(audio.mime, audio.content.length));
  });

export { structuralProblems };
