import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { isUuid, routing, withApp, withTenant } from '@switchboard/db';
import type { AppEnv } from '../http/env.ts';
import { createRouter } from '../http/router.ts';
import { fieldError, invalid, notFound, ProblemError, problemResponses } from '../http/problem.ts';
import { recordCallEvent } from '../routing/call-events.ts';
import { endCall, lockCall } from '../routing/lifecycle.ts';
import { changePresence } from '../routing/presence.ts';
import { requestDispatch } from '../routing/ticker.ts';
import { redactCardNumbers } from '../rules/card-numbers.ts';
import { checkTelephonySignature, SIGNATURE_HEADER, SIGNATURE_WINDOW_SECONDS, TIMESTAMP_HEADER } from './signature.ts';
import { receiveWithMenu } from '../ivr/boundary.ts';
import { commandBridge, overflowAnnouncement } from './enqueue.ts';
import { adapterRecording, keepRecordingRef } from '../recordings/service.ts';
import { suspendedAnnouncement } from '../tenants/suspension.ts';
import { afterHoursActions, callStatuses, closedReasons, recordingStates, satisfactionOutcomes, type CallConsult, type TenantTx } from '@switchboard/db';
import { pendingSurvey, recordSatisfaction } from '../satisfaction/service.ts';
import { satisfactionQuestionIds } from '../satisfaction/survey.ts';
import { loadCallSettings } from '../call-handling/service.ts';
import { pendingDialsFor, progressEvents, reportDialProgress } from '../dialer/progress.ts';

/**
 * The telephony boundary (docs/telephony.md): no session, every request HMAC-signed by the adapter with
 * TELEPHONY_SECRET over "<timestamp>.<METHOD> <path>.<raw body>" (v2); a timestamp outside the window, a
 * bad or retired (v1) signature, or a signature already accepted is refused with 401.
 */
const verified = new WeakSet<Request>();
export function verifySignature(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    // Mounted on more than one router under /telephony/* (push-routes.ts): a request is checked once.
    if (verified.has(c.req.raw)) return next();
    const { config, db, now } = c.var.deps;
    const at = now();
    const body = c.req.method === 'GET' || c.req.method === 'HEAD' ? '' : await c.req.text();
    const check = checkTelephonySignature(
      config.telephonySecret,
      { timestamp: c.req.header(TIMESTAMP_HEADER), signature: c.req.header(SIGNATURE_HEADER) },
      body,
      { method: c.req.method, path: c.req.path },
      at,
    );
    if (!check.ok) {
      const detail = {
        missing: `Sign the request: send ${TIMESTAMP_HEADER} and ${SIGNATURE_HEADER} (docs/telephony.md).`,
        stale: `The timestamp is more than ${SIGNATURE_WINDOW_SECONDS} seconds away from our clock.`,
        invalid: 'The signature does not match the request.',
        retired: `v1 signatures are no longer accepted: they do not cover the method and path. Sign with v2 over "<timestamp>.<METHOD> <path>.<raw body>" (docs/telephony.md).`,
      }[check.reason];
      throw new ProblemError(401, `telephony-signature-${check.reason}`, 'Telephony request refused', detail);
    }
    // Reads change nothing, so a replayed GET gains nothing (and a GET's signature cannot pass for a POST's).
    if (c.req.method === 'GET') {
      verified.add(c.req.raw);
      return next();
    }
    // Signatures past the window are purged by housekeeping (api/src/housekeeping/purge.ts).
    const fresh = await withApp(db, async (tx) => {
      const inserted = await tx
        .insertInto('telephonySignatures')
        .values({ signature: check.signature, seenAt: at })
        .onConflict((oc) => oc.column('signature').doNothing())
        .returning('signature')
        .executeTakeFirst();
      return !!inserted;
    });
    if (!fresh) throw new ProblemError(401, 'replayed', 'Replayed request', 'This signed request was already accepted once.');
    verified.add(c.req.raw);
    await next();
  };
}

const E164 = z.string().regex(/^\+[1-9]\d{6,14}$/, 'Use an E.164 number such as +33142868200.');

const IncomingCallSchema = z
  .strictObject({
    callId: z.string().trim().min(1).max(200).openapi({ description: "The adapter's own id for the call (idempotency key)" }),
    dialled: E164.openapi({ description: 'The number the caller dialled (one of GET /api/telephony/numbers)' }),
    caller: E164,
    keys: z
      .string()
      .regex(/^[0-9*#_]{0,64}$/, 'Keys 0-9, * and #, and _ for a prompt the caller did not answer (at most 64).')
      .optional()
      .openapi({ description: "The keys the caller pressed so far in the number's keypad menu, in order (`_`: no key after the prompt's repeats); left out: none yet (docs/telephony.md, Keypad menus)" }),
  })
  .openapi('TelephonyIncomingCall', { example: { callId: 'CA8f2b1c0d9e', dialled: '+33142868200', caller: '+33612345678' } });

const IncomingAnswerSchema = z
  .object({
    id: z.uuid(),
    tenant: z.string(),
    function: z.string(),
    outcome: z.enum(['queued', 'forward', 'callback', 'message', 'announcement']),
    forwardTo: z.string().optional(),
    announcement: z.string().optional(),
    record: z.boolean().openapi({ description: "Record the call once the operator's leg is bridged (the client's recording policy); the status's `recording` says when to pause" }),
  })
  .openapi('TelephonyCallRouted');

const PlayablePromptSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('tts'), text: z.string(), language: z.string().openapi({ description: "The company's locale (BCP 47): the speech synthesis's language" }) }),
    z.object({ kind: z.literal('audio'), url: z.string().openapi({ description: 'A signed, expiring URL of the recording (GET, no session)' }) }),
  ])
  .openapi('TelephonyMenuPrompt');

const MenuAnswerSchema = z
  .object({
    outcome: z.enum(['menu', 'hang_up']).openapi({ description: '`menu`: play `prompt` (up to `repeat` times), gather one key, POST again with `keys` + that key (or `_`); `hang_up`: play `prompt`, then hang up (no call is made)' }),
    tenant: z.string(),
    keys: z.string().openapi({ description: 'The keys this answer walked' }),
    node: z.string().nullable(),
    prompt: PlayablePromptSchema,
    choices: z.array(z.object({ key: z.string(), label: z.string() })),
    repeat: z.number().int(),
    invalid: z.boolean().openapi({ description: 'The last key was not offered here: say so, then replay the prompt' }),
  })
  .openapi('TelephonyMenuStep');

const SurveySchema = z
  .object({
    questions: z.array(
      z.object({
        id: z.enum(satisfactionQuestionIds).openapi({ description: 'The field of POST …/satisfaction the digit goes in' }),
        prompt: z.string().openapi({ description: "What to say, in the company's language" }),
        digits: z.array(z.string()).openapi({ description: 'The keys the caller may press' }),
      }),
    ),
    answerBy: z.string().openapi({ description: 'Report before this instant; a later report changes nothing' }),
  })
  .openapi('TelephonySurvey');

const CallStatusSchema = z
  .object({
    id: z.uuid(),
    status: z.enum(callStatuses).openapi({
      description: '`overflowed`: the caller waited past the maximum queue wait and gets `action` (like `after_hours`); `wrap_up`/`completed` with `reason` `no_sign_of_life`: closed because the adapter said nothing for too long — hang up both legs',
    }),
    operatorConnected: z.boolean(),
    action: z
      .enum(afterHoursActions)
      .optional()
      .openapi({ description: 'For a call closed without an operator (`after_hours`, `overflowed`): forward it to `forwardTo`, take a message, take a callback request, or play `announcement` and hang up' }),
    reason: z
      .enum(closedReasons)
      .optional()
      .openapi({ description: 'Why the call was closed other than by the hours or a hang-up: `tenant_suspended`, `max_wait` (overflowed), `no_sign_of_life` (no report or keep-alive from the adapter within the limit)' }),
    forwardTo: z.string().nullable(),
    recording: z
      .enum(recordingStates)
      .openapi({ description: 'The recording command: `on` record the bridged call, `paused` stop recording until it turns `on` again (the caller is giving payment details), `off` do not record' }),
    held: z.boolean().openapi({ description: 'The operator holds the caller (hold music): also through a consultation (desk controls, docs/telephony.md)' }),
    muted: z.boolean().openapi({ description: "The operator's microphone is muted towards the caller" }),
    consult: z
      .object({ kind: z.enum(['consult', 'conference']), target: z.string(), label: z.string() })
      .nullable()
      .openapi({ description: '`consult`: ring `target` for the operator alone while the caller is held; `conference`: caller, operator and `target` together; null: nobody else on the line' }),
    announcement: z.string().optional().openapi({ description: 'What to play before hanging up a call closed without an operator (its company was suspended while it waited, or its overflow action is an announcement)' }),
    survey: SurveySchema.optional().openapi({
      description:
        'A handled call whose company surveys its function: once the operator is gone, ask the caller these questions by keypad, in order, and report the digits to POST …/satisfaction before `answerBy` (docs/telephony.md, Satisfaction). Absent once reported',
    }),
  })
  .openapi('TelephonyCallStatus');

const SatisfactionBodySchema = z
  .strictObject({
    satisfaction: z
      .string()
      .regex(/^[1-5]$/, 'Key one digit from 1 to 5.')
      .nullable()
      .optional()
      .openapi({ description: 'The digit the caller keyed for "how satisfied" (1 very dissatisfied … 5 very satisfied); null or left out: none (they hung up)' }),
    solved: z
      .string()
      .regex(/^[12]$/, 'Key 1 (yes) or 2 (no).')
      .nullable()
      .optional()
      .openapi({ description: 'The digit for "was your problem solved?" (1 yes, 2 no), when the survey asked it; null or left out: none' }),
  })
  .openapi('TelephonySatisfaction', { example: { satisfaction: '4', solved: '1' } });

const SatisfactionAnswerSchema = z
  .object({
    recorded: z.boolean().openapi({ description: 'false: the survey was already reported (the first report stands) or its window had closed — nothing changed' }),
    outcome: z.enum(satisfactionOutcomes).nullable().openapi({ description: 'What is kept: `answered`, `partial` (the caller hung up between the questions), `not_answered`; null: nothing (a report after the window)' }),
    score: z.number().int().nullable(),
    solved: z.boolean().nullable(),
  })
  .openapi('TelephonySatisfactionRecorded');

const CallIdParamSchema = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' }) });

const EndedSchema = z
  .strictObject({ by: z.enum(['caller', 'operator']) })
  .openapi('TelephonyCallEnded', { example: { by: 'caller' } });
const RecordingSchema = z
  .strictObject({ ref: z.string().trim().min(1).max(500) })
  .openapi('TelephonyRecording', { example: { ref: 'recordings/2026/11/30/CA8f2b1c0d9e.wav' } });
const TransferFailedSchema = z
  .strictObject({ note: z.string().trim().max(500).optional() })
  .openapi('TelephonyTransferFailed', { example: { note: 'No answer at the in-house line after 30 s' } });

const NumbersSchema = z
  .object({ numbers: z.array(z.object({ number: z.string(), tenant: z.string(), function: z.string(), timeZone: z.string() })) })
  .openapi('TelephonyNumbers');

const signed = { security: [{ telephonySignature: [] }] };
const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

const receive = createRoute({
  method: 'post',
  path: '/telephony/calls',
  tags: ['telephony'],
  summary: 'An inbound call reached the adapter: route it (queue, or the after-hours action). Idempotent per adapter callId.',
  ...signed,
  request: { body: { content: { 'application/json': { schema: IncomingCallSchema } }, required: true } },
  responses: { 200: json(z.union([IncomingAnswerSchema, MenuAnswerSchema]), 'Where the call goes, or the keypad menu step the caller is at'), ...problemResponses(400, 401, 404) },
});
const status = createRoute({
  method: 'get',
  path: '/telephony/calls/{id}',
  tags: ['telephony'],
  summary: 'Where the call is (the adapter polls this to bridge the caller to the desk)',
  ...signed,
  request: { params: CallIdParamSchema },
  responses: { 200: json(CallStatusSchema, 'Call status'), ...problemResponses(401, 404) },
});
const answered = createRoute({
  method: 'post',
  path: '/telephony/calls/{id}/answered',
  tags: ['telephony'],
  summary: "The adapter bridged the caller to the operator's desk leg (timeline only; idempotent)",
  ...signed,
  request: { params: CallIdParamSchema },
  responses: { 200: json(CallStatusSchema, 'Call status'), ...problemResponses(401, 404) },
});
const ended = createRoute({
  method: 'post',
  path: '/telephony/calls/{id}/ended',
  tags: ['telephony'],
  summary: 'Someone hung up: a waiting call is abandoned, a connected one goes to wrap-up (idempotent)',
  ...signed,
  request: { params: CallIdParamSchema, body: { content: { 'application/json': { schema: EndedSchema } }, required: true } },
  responses: { 200: json(CallStatusSchema, 'Call status'), ...problemResponses(400, 401, 404) },
});
const recording = createRoute({
  method: 'post',
  path: '/telephony/calls/{id}/recording',
  tags: ['telephony'],
  summary: "Where the call's recording is kept (409 for a call that was not to be recorded)",
  ...signed,
  request: { params: CallIdParamSchema, body: { content: { 'application/json': { schema: RecordingSchema } }, required: true } },
  responses: { 200: json(CallStatusSchema, 'Call status'), ...problemResponses(400, 401, 404, 409) },
});
const transferFailed = createRoute({
  method: 'post',
  path: '/telephony/calls/{id}/transfer-failed',
  tags: ['telephony'],
  summary: 'An in-house transfer did not answer: the call comes back to its operator, connected, with the note',
  ...signed,
  request: { params: CallIdParamSchema, body: { content: { 'application/json': { schema: TransferFailedSchema } }, required: true } },
  responses: { 200: json(CallStatusSchema, 'Call status'), ...problemResponses(400, 401, 404, 409) },
});
const alive = createRoute({
  method: 'post',
  path: '/telephony/calls/{id}/alive',
  tags: ['telephony'],
  summary:
    "Keep-alive: the adapter still holds this call. Send one every minute or so while a call is connected: a connected call with no report or keep-alive within the client's limit is closed (`reason: no_sign_of_life`). Answers the call's status, so a call closed meanwhile is hung up",
  ...signed,
  request: { params: CallIdParamSchema },
  responses: { 200: json(CallStatusSchema, 'Call status'), ...problemResponses(401, 404) },
});
const satisfaction = createRoute({
  method: 'post',
  path: '/telephony/calls/{id}/satisfaction',
  tags: ['telephony'],
  summary:
    "The caller's answers to the post-call satisfaction survey (the status's `survey`): the digits keyed, null for a question not answered. Idempotent: the first report stands; one after the survey's `answerBy` changes nothing. 409 for a call that is not surveyed",
  ...signed,
  request: { params: CallIdParamSchema, body: { content: { 'application/json': { schema: SatisfactionBodySchema } }, required: true } },
  responses: { 200: json(SatisfactionAnswerSchema, 'What is kept'), ...problemResponses(400, 401, 404, 409) },
});
const numbers = createRoute({
  method: 'get',
  path: '/telephony/numbers',
  tags: ['telephony'],
  summary: "The dial plan: every number, its tenant and function, and the tenant's time zone",
  ...signed,
  responses: { 200: json(NumbersSchema, 'Dial plan'), ...problemResponses(401) },
});

// ---- Outbound (issue 15): the adapter places the dialer's attempts and reports how they went ----------

const DialSchema = z
  .object({
    id: z.uuid().openapi({ description: 'The attempt: report its progress to POST /api/telephony/dials/{id}/progress' }),
    tenant: z.string(),
    from: E164.openapi({ description: "The caller ID to present (the campaign's, one of the company's numbers)" }),
    to: E164.openapi({ description: 'The number to dial' }),
    ringTimeoutSeconds: z.number().int().openapi({ description: 'Give up (report no_answer) after ringing this long' }),
    detectMachine: z.boolean().openapi({ description: 'Detect answering machines and report `machine` rather than `answered` for them' }),
    campaign: z.string().openapi({ description: "The campaign's id (for the adapter's logs)" }),
    function: z.string().openapi({ description: 'What the call is for (`outbound_info`, `telesales`…; a callback: the inbound function it answers)' }),
  })
  .openapi('TelephonyDial');
const DialsSchema = z.object({ dials: z.array(DialSchema) }).openapi('TelephonyDials');
const DialProgressSchema = z
  .strictObject({ event: z.enum(progressEvents).openapi({ description: '`ringing`; `answered` by a person; `machine` (an answering machine); `busy`; `no_answer` (rang out); `failed` (the network refused the call)' }) })
  .openapi('TelephonyDialProgress', { example: { event: 'answered' } });
const DialProgressAnswerSchema = z
  .object({
    action: z.enum(['connect', 'abandon', 'hang_up', 'none']).openapi({
      description: '`connect`: an operator is connected — bridge the callee to them and follow the call `callId` like any call (GET /api/telephony/calls/{id}, …/ended); `abandon`: nobody is free — play `message` and hang up; `hang_up`: the attempt is over; `none`: keep going',
    }),
    callId: z.uuid().optional(),
    message: z.string().optional(),
  })
  .openapi('TelephonyDialProgressAnswer');
const DialIdParamSchema = z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b' }) });

const dials = createRoute({
  method: 'get',
  path: '/telephony/dials',
  tags: ['telephony'],
  summary: "The calls to place now (the dialer's attempts waiting for the adapter); poll it like a call's status",
  ...signed,
  responses: { 200: json(DialsSchema, 'Calls to place'), ...problemResponses(401) },
});
const dialProgress = createRoute({
  method: 'post',
  path: '/telephony/dials/{id}/progress',
  tags: ['telephony'],
  summary: 'How a placed call is going: ringing, answered by a person or a machine, busy, no answer, failed (idempotent)',
  ...signed,
  request: { params: DialIdParamSchema, body: { content: { 'application/json': { schema: DialProgressSchema } }, required: true } },
  responses: { 200: json(DialProgressAnswerSchema, 'What to do next'), ...problemResponses(400, 401, 404, 409) },
});

type StatusBody = z.infer<typeof CallStatusSchema>;
type StatusRow = {
  id: string;
  function: string;
  status: StatusBody['status'];
  afterHoursAction: StatusBody['action'] | null;
  forwardedTo: string | null;
  recordingState: StatusBody['recording'];
  closedReason: StatusBody['reason'] | null;
  heldSince: Date | string | null;
  muted: boolean;
  consult: CallConsult | null;
};
const statusColumns = ['id', 'function', 'status', 'afterHoursAction', 'forwardedTo', 'recordingState', 'closedReason', 'heldSince', 'muted', 'consult'] as const;

/** What the adapter is told; an overflowed call's announcement is the one its function's overflow action says. */
async function statusOf(tx: TenantTx, call: StatusRow, now: Date): Promise<StatusBody> {
  const closedWithoutOperator = call.status === 'after_hours' || call.status === 'overflowed';
  let announcement: string | undefined;
  if (call.closedReason === 'tenant_suspended') announcement = suspendedAnnouncement;
  else if (call.status === 'overflowed' && call.afterHoursAction === 'announcement') {
    const { settings } = await loadCallSettings(tx);
    announcement = settings.queueOverflow[call.function as keyof typeof settings.queueOverflow]?.announcement ?? overflowAnnouncement;
  }
  const survey = await pendingSurvey(tx, call.id, call.status, now);
  return {
    id: call.id,
    status: call.status,
    operatorConnected: call.status === 'connected',
    ...(closedWithoutOperator && call.afterHoursAction ? { action: call.afterHoursAction } : {}),
    ...(call.closedReason ? { reason: call.closedReason } : {}),
    forwardTo: call.status === 'transferred_out' || closedWithoutOperator ? call.forwardedTo : null,
    recording: adapterRecording(call),
    held: call.heldSince !== null,
    muted: call.muted,
    consult: call.consult ? { kind: call.consult.kind, target: call.consult.target, label: call.consult.label } : null,
    ...(announcement ? { announcement } : {}),
    ...(survey ? { survey } : {}),
  };
}

/** Any report about a call from the adapter is a sign of life: the connected-call limit runs from the last one. */
async function seen(tx: TenantTx, id: string, at: Date): Promise<void> {
  await tx.updateTable('calls').set({ adapterSeenAt: at }).where('id', '=', id).where('endedAt', 'is', null).execute();
}

/** The tenant the call belongs to (a named cross-tenant read); an unknown or malformed id is a 404. */
async function tenantOfCall(db: Parameters<typeof routing.tenantOfCall>[0], id: string): Promise<string> {
  const tenantId = isUuid(id) ? await routing.tenantOfCall(db, id) : undefined;
  if (!tenantId) throw notFound('No such call.');
  return tenantId;
}

export const telephonyRoutes = createRouter();
telephonyRoutes.openAPIRegistry.registerComponent('securitySchemes', 'telephonySignature', {
  type: 'apiKey',
  in: 'header',
  name: SIGNATURE_HEADER,
  description: `v2=<hex HMAC-SHA256(TELEPHONY_SECRET, "<${TIMESTAMP_HEADER}>.<METHOD> <path>.<raw body>")>, with ${TIMESTAMP_HEADER} in unix seconds; v1 (no method and path) is still accepted (docs/telephony.md)`,
});
telephonyRoutes.use('/telephony/*', verifySignature());

const routes = telephonyRoutes
  .openapi(receive, async (c) => {
    const { db, now } = c.var.deps;
    const result = await receiveWithMenu(db, c.var.deps.config, c.req.valid('json'), now());
    if (!result) throw notFound('No tenant answers this number.');
    if ('menu' in result) return c.json(result.menu, 200);
    if (result.queued) requestDispatch();
    return c.json(result.answer, 200);
  })
  .openapi(status, async (c) => {
    const { db, now } = c.var.deps;
    const { id } = c.req.valid('param');
    const tenantId = await tenantOfCall(db, id);
    const body = await withTenant(db, tenantId, async (tx) => statusOf(tx, await tx.selectFrom('calls').select(statusColumns).where('id', '=', id).executeTakeFirstOrThrow(), now()));
    return c.json(body, 200);
  })
  .openapi(answered, async (c) => {
    const { db, now } = c.var.deps;
    const { id } = c.req.valid('param');
    const tenantId = await tenantOfCall(db, id);
    const body = await withTenant(db, tenantId, async (tx) => {
      const call = (await lockCall(tx, id))!;
      const bridged = await tx.selectFrom('callEvents').select('id').where('callId', '=', id).where('kind', '=', 'bridged').executeTakeFirst();
      if (!bridged && call.status === 'connected') await recordCallEvent(tx, { tenantId, id }, 'bridged', now(), { operatorId: call.operatorId });
      await seen(tx, id, now());
      return statusOf(tx, call, now());
    });
    return c.json(body, 200);
  })
  .openapi(ended, async (c) => {
    const { db, now } = c.var.deps;
    const { id } = c.req.valid('param');
    const { by } = c.req.valid('json');
    const tenantId = await tenantOfCall(db, id);
    const body = await withTenant(db, tenantId, async (tx) => {
      const at = now();
      return statusOf(tx, (await endCall(tx, id, by, at))!, at);
    });
    requestDispatch();
    return c.json(body, 200);
  })
  .openapi(recording, async (c) => {
    const { db, now } = c.var.deps;
    const { id } = c.req.valid('param');
    const { ref } = c.req.valid('json');
    const tenantId = await tenantOfCall(db, id);
    const body = await withTenant(db, tenantId, async (tx) => {
      const call = await keepRecordingRef(tx, id, ref, now());
      await seen(tx, id, now());
      return statusOf(tx, call, now());
    });
    return c.json(body, 200);
  })
  .openapi(transferFailed, async (c) => {
    const { db, now } = c.var.deps;
    const { id } = c.req.valid('param');
    const note = c.req.valid('json').note ? redactCardNumbers(c.req.valid('json').note!) : null;
    const tenantId = await tenantOfCall(db, id);
    const body = await withTenant(db, tenantId, async (tx) => {
      const call = (await lockCall(tx, id))!;
      if (call.status !== 'transferred_out' || call.endedAt) {
        throw new ProblemError(409, 'not-transferred', 'Not transferred', 'Only a call transferred in-house and still on the line can come back.');
      }
      const at = now();
      const updated = await tx.updateTable('calls').set({ status: 'connected' }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      if (call.operatorId) {
        const presence = await tx
          .selectFrom('operatorPresence')
          .select(['state', 'callId', 'offerCallId'])
          .where('operatorId', '=', call.operatorId)
          .forUpdate()
          .executeTakeFirst();
        const free = (presence?.state === 'wrap_up' && presence.callId === id) || (presence?.state === 'available' && !presence.offerCallId);
        if (free) await changePresence(tx, call.operatorId, { state: 'on_call', call: { tenantId, id } }, at);
      }
      await recordCallEvent(tx, { tenantId, id }, 'transfer_returned', at, { operatorId: call.operatorId, detail: { note, from: call.forwardedTo } });
      // Back to its operator: bridge them again (the recording as it was when the call left).
      if (call.operatorId) await commandBridge(tx, call, call.operatorId, updated.recordingState, at);
      await seen(tx, id, at);
      return statusOf(tx, updated, at);
    });
    return c.json(body, 200);
  })
  .openapi(alive, async (c) => {
    const { db, now } = c.var.deps;
    const { id } = c.req.valid('param');
    const tenantId = await tenantOfCall(db, id);
    const body = await withTenant(db, tenantId, async (tx) => {
      await seen(tx, id, now());
      return statusOf(tx, await tx.selectFrom('calls').select(statusColumns).where('id', '=', id).executeTakeFirstOrThrow(), now());
    });
    return c.json(body, 200);
  })
  .openapi(satisfaction, async (c) => {
    const { db, now } = c.var.deps;
    const { id } = c.req.valid('param');
    const digits = c.req.valid('json');
    const tenantId = await tenantOfCall(db, id);
    const outcome = await withTenant(db, tenantId, (tx) => recordSatisfaction(tx, id, digits, now()));
    if (outcome.kind === 'not_surveyed') {
      throw new ProblemError(409, 'not-surveyed', 'Not surveyed', 'This call is not surveyed: it was not handled by an operator, or its function has no satisfaction survey.');
    }
    if (outcome.kind === 'solved_not_asked') throw invalid([fieldError('solved', 'satisfaction.solved_not_asked', 'This survey does not ask whether the problem was solved.')]);
    const result = outcome.result;
    return c.json({ recorded: outcome.kind === 'recorded', outcome: result?.outcome ?? null, score: result?.score ?? null, solved: result?.solved ?? null }, 200);
  })
  .openapi(dials, async (c) => {
    const { db } = c.var.deps;
    return c.json({ dials: await pendingDialsFor(db) }, 200);
  })
  .openapi(dialProgress, async (c) => {
    const { db, now } = c.var.deps;
    const { id } = c.req.valid('param');
    const answer = isUuid(id) ? await reportDialProgress(db, id, c.req.valid('json').event, now()) : null;
    if (!answer) throw notFound('No such dial.');
    if (answer.action === 'hang_up' || answer.action === 'abandon') requestDispatch();
    return c.json(answer, 200);
  })
  .openapi(numbers, async (c) => {
    const { db } = c.var.deps;
    const plan = await routing.dialPlan(db);
    const tenantIds = [...new Set(plan.map((p) => p.tenantId))];
    const tenants = tenantIds.length
      ? await withApp(db, (tx) => tx.selectFrom('tenants').select(['id', 'slug', 'timeZone', 'status']).where('id', 'in', tenantIds).execute())
      : [];
    const byId = new Map(tenants.map((t) => [t.id, t]));
    return c.json(
      {
        numbers: plan.flatMap((p) => {
          const tenant = byId.get(p.tenantId);
          return tenant && tenant.status === 'active' ? [{ number: p.number, tenant: tenant.slug, function: p.function, timeZone: tenant.timeZone }] : [];
        }),
      },
      200,
    );
  });

export { routes as telephonyRouter };
