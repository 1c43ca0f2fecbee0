import { createRoute, z } from '@hono/zod-openapi';
import { recordingStates } from '@switchboard/db';
import { requirePermission } from '../http/permissions.ts';
import { createRouter } from '../http/router.ts';
import type { TenantContext } from '../http/env.ts';
import { notFound, problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { writeAudit } from '../audit/write.ts';
import { decodeCursor, pageOf } from '../records/common.ts';
import { deskActor } from '../desk/routes.ts';
import { twilioRecordingSid, twilioRecordingStream } from '../twilio/recordings.ts';
import { accessRecording, setRecordingPaused, streamAccess } from './service.ts';

/**
 * Pausing and resuming a call's recording at the desk (the operator on the call), listening to or
 * downloading a recording (logged, who and when) and reading that log (issue 11).
 */

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const uuidParam = (name: string) => z.uuid().openapi({ param: { name, in: 'path' }, example: '019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b' });

const DeskCallParamSchema = TenantParamSchema.extend({ callId: uuidParam('callId') });
const CallParamSchema = TenantParamSchema.extend({ id: uuidParam('id') });

const RecordingStateSchema = z
  .object({ callId: z.string(), recording: z.enum(recordingStates).openapi({ description: 'What the telephony adapter is told: on, paused or off' }) })
  .openapi('CallRecordingState');

const pauseOrResume = (action: 'pause' | 'resume') =>
  createRoute({
    method: 'post',
    path: `/t/{tenant}/desk/calls/{callId}/recording/${action}`,
    tags: ['desk'],
    summary:
      action === 'pause'
        ? 'Pause the recording of the call you are connected to while the caller gives payment details (409 unless the client lets recordings pause and it is on)'
        : 'Resume the recording you paused (409 unless it is paused)',
    request: { params: DeskCallParamSchema },
    responses: { 200: json(RecordingStateSchema, 'The recording'), ...problemResponses(400, 401, 403, 404, 409) },
  });

const RecordingRefSchema = z
  .object({
    callId: z.string(),
    ref: z.string().openapi({ description: 'Where the telephony adapter keeps the recording (a URL or an object key)' }),
    action: z.enum(['listen', 'download']),
    at: z.string(),
    accessId: z.uuid().openapi({ description: 'The log entry of this access: `…/recording/audio?access=` streams under it (within 15 minutes) instead of logging another listen' }),
  })
  .openapi('RecordingReference');

const access = createRoute({
  method: 'get',
  path: '/t/{tenant}/calls/{id}/recording',
  tags: ['calls'],
  summary: "The call's recording reference, to listen to or download it; every request is logged with who and when (404 when the call has none)",
  request: {
    params: CallParamSchema,
    query: z.object({ action: z.enum(['listen', 'download']).default('listen').openapi({ description: 'What the reference is taken for (kept in the log)' }) }),
  },
  responses: { 200: json(RecordingRefSchema, 'The reference'), ...problemResponses(400, 401, 403, 404) },
});

const audio = createRoute({
  method: 'get',
  path: '/t/{tenant}/calls/{id}/recording/audio',
  tags: ['calls'],
  summary:
    "Listen to the call's recording kept by Twilio (a `twilio:` reference), streamed through Switchboard — never a Twilio link; logged like every access, once per listen (404 when the call has no such recording)",
  request: {
    params: CallParamSchema,
    query: z.object({
      access: z.uuid().optional().openapi({ description: "The `accessId` the reference route returned to this user for this call, within 15 minutes: the stream is that access (a download is sent as an attachment). Otherwise the stream is logged as a new listen" }),
    }),
  },
  responses: {
    200: { description: 'The recording (MP3)', content: { 'audio/mpeg': { schema: z.string().openapi({ format: 'binary' }) } } },
    ...problemResponses(400, 401, 403, 404),
  },
});

const AccessEntrySchema = z
  .object({ id: z.uuid(), callId: z.uuid(), userLabel: z.string(), action: z.enum(['listen', 'download']), at: z.string() })
  .openapi('RecordingAccessEntry');

const accessLog = createRoute({
  method: 'get',
  path: '/t/{tenant}/recordings/access-log',
  tags: ['calls'],
  summary: "Who listened to or downloaded the company's call recordings, and when, newest first (optionally one call's)",
  request: {
    params: TenantParamSchema,
    query: z.object({
      callId: z.uuid().optional(),
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: z.string().max(200).optional().openapi({ description: 'nextCursor of the previous page' }),
    }),
  },
  responses: { 200: json(z.object({ items: z.array(AccessEntrySchema), nextCursor: z.string().nullable() }), 'A page'), ...problemResponses(400, 401, 403, 404) },
});

/** The operator on the call pauses or resumes its recording; audited like every desk action. */
async function changeRecording(ctx: TenantContext, callId: string, paused: boolean, now: Date) {
  const result = await setRecordingPaused(ctx.tx, ctx.actor.id, callId, paused, now);
  await writeAudit(ctx.tx, ctx.tenant.id, ctx.actor, { action: paused ? 'call.recording_paused' : 'call.recording_resumed', targetType: 'call', targetId: callId });
  return result;
}

export const recordingRoutes = createRouter()
  .openapi(pauseOrResume('pause'), async (c) => c.json(await changeRecording(deskActor(c), c.req.valid('param').callId, true, c.var.deps.now()), 200))
  .openapi(pauseOrResume('resume'), async (c) => c.json(await changeRecording(deskActor(c), c.req.valid('param').callId, false, c.var.deps.now()), 200))
  .openapi(access, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'recordings.listen');
    const result = await accessRecording(ctx.tx, ctx.actor, c.req.valid('param').id, c.req.valid('query').action, c.var.deps.now());
    c.header('cache-control', 'no-store');
    return c.json(result, 200);
  })
  .openapi(audio, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'recordings.listen');
    const { id } = c.req.valid('param');
    const call = await ctx.tx.selectFrom('calls').select('recordingRef').where('id', '=', id).executeTakeFirst();
    const sid = twilioRecordingSid(call?.recordingRef);
    if (!sid) throw notFound('This call has no recording kept by Twilio.');
    const action = await streamAccess(ctx.tx, ctx.actor, id, c.req.valid('query').access, c.var.deps.now());
    // Twilio is asked once the body is read: after this request's transaction (and its log entry) committed.
    const { db, config } = c.var.deps;
    const disposition = action === 'download' ? `attachment; filename="call-${id}.mp3"` : 'inline';
    return c.body(twilioRecordingStream(db, config, sid), 200, { 'content-type': 'audio/mpeg', 'cache-control': 'no-store', 'content-disposition': disposition }) as never;
  })
  .openapi(accessLog, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'recordings.accessLog.read');
    const query = c.req.valid('query');
    let q = ctx.tx.selectFrom('recordingAccess').select(['id', 'callId', 'userLabel', 'action', 'at']);
    if (query.callId) q = q.where('callId', '=', query.callId);
    const cursor = decodeCursor(query.cursor);
    if (cursor) q = q.where((eb) => eb.or([eb('at', '<', cursor.at), eb.and([eb('at', '=', cursor.at), eb('id', '<', cursor.id)])]));
    const rows = await q.orderBy('at', 'desc').orderBy('id', 'desc').limit(query.limit + 1).execute();
    const page = pageOf(rows, query.limit, (r) => ({ at: r.at, id: r.id }));
    return c.json({ items: page.items.map((r) => ({ ...r, at: r.at.toISOString() })), nextCursor: page.nextCursor }, 200);
  });
