import { createRoute, z } from '@hono/zod-openapi';
import { requirePermission, requireUserPermission } from '../http/permissions.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { createRouter } from '../http/router.ts';
import { problemResponses } from '../http/problem.ts';
import { currentUser } from '../http/session.ts';
import { typedText } from '../http/validators.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { writeAudit } from '../audit/write.ts';
import { requestDispatch } from '../routing/ticker.ts';
import { ScriptBodySchema } from '../scripts/model.ts';
import { attemptOutcomes, dialModes, dispositionOutcomes } from '@switchboard/db';
import { dialMyPreview, isLocalDateTime, scheduleMyCallback, skipMyPreview, skipReasons } from './outbound.ts';

const CampaignRefSchema = z.object({ id: z.string(), name: z.string(), mode: z.enum(dialModes), function: z.string() });

export const ContactCardSchema = z
  .object({
    name: z.string().nullable(),
    phone: z.string().nullable().openapi({ description: "Masked as the tenant's rules mask a customer's phone for this viewer (null: hidden)" }),
    email: z.string().nullable(),
    timeZone: z.string(),
    localTime: z.string().openapi({ description: "The callee's wall clock now, in their zone" }),
    fields: z.record(z.string(), z.string()),
    attempts: z.number().int(),
    callback: z.object({ at: z.string(), localAt: z.string(), note: z.string().nullable(), forMe: z.boolean() }).nullable(),
  })
  .openapi('DeskContactCard');

export const AttemptHistorySchema = z.array(
  z.object({
    at: z.string(),
    localAt: z.string().openapi({ description: "When, on the callee's wall clock" }),
    status: z.string(),
    outcome: z.enum(attemptOutcomes).nullable(),
    skipReason: z.string().nullable(),
    disposition: z.string().nullable(),
    dispositionLabel: z.string().nullable(),
  }),
);

export const DeskDialingSchema = z
  .object({
    tenant: z.string(),
    tenantName: z.string(),
    brandColor: z.string(),
    locale: z.string(),
    attemptId: z.string(),
    status: z.enum(['preview', 'originating', 'ringing']),
    mode: z.enum([...dialModes, 'callback']),
    campaign: CampaignRefSchema,
    contact: ContactCardSchema,
    history: AttemptHistorySchema,
    script: z.object({ id: z.string(), version: z.number().int(), body: ScriptBodySchema }).nullable(),
    greeting: z.string(),
  })
  .nullable()
  .openapi({ description: 'While the dialer has reserved the operator: the preview card, or the call being placed for them' });

export const OutboundOfCallSchema = z
  .object({
    campaign: CampaignRefSchema,
    attemptId: z.string(),
    contact: ContactCardSchema,
    history: AttemptHistorySchema,
    dispositions: z.array(z.object({ code: z.string(), label: z.string(), outcome: z.enum(dispositionOutcomes) })),
  })
  .nullable()
  .openapi({ description: "An outbound call's campaign, contact card and the campaign's dispositions (the wrap-up choices); null for an inbound call" });

const AttemptParamSchema = z.object({
  attemptId: z.uuid().openapi({ param: { name: 'attemptId', in: 'path' }, example: '019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b' }),
});
const CallParamSchema = TenantParamSchema.extend({
  callId: z.uuid().openapi({ param: { name: 'callId', in: 'path' }, example: '019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b' }),
});

const DialResultSchema = z
  .object({ status: z.enum(['originating', 'refused']), rule: z.string().optional().openapi({ description: 'The calling rule that refused the dial (hours, refusal, do_not_call…)' }) })
  .openapi('DeskDialResult');

const SkipSchema = z
  .strictObject({
    reason: z.enum(skipReasons),
    note: typedText(200).optional(),
  })
  .openapi('DeskSkipPreview', { example: { reason: 'not_now', note: 'Funeral notice in the fields: not today.' } });

const CallbackSchema = z
  .strictObject({
    at: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/, 'Give a date and time as YYYY-MM-DDTHH:MM.')
      .refine(isLocalDateTime, 'Give a date and time as YYYY-MM-DDTHH:MM.').openapi({ description: "The callee's own wall-clock time, in their zone", example: '2026-12-08T18:30' }),
    forMe: z.boolean(),
    note: typedText(300).optional(),
  })
  .openapi('DeskCallback', { example: { at: '2026-12-08T18:30', forMe: true, note: 'Call after dinner, ask for Jeanne.' } });

const CallbackResultSchema = z
  .object({ contactId: z.string(), at: z.string(), localAt: z.string(), timeZone: z.string() })
  .openapi('DeskCallbackResult');

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

const dial = createRoute({
  method: 'post',
  path: '/desk/dialing/{attemptId}/dial',
  tags: ['desk'],
  summary: 'Dial the contact on your preview card: the calling rules are judged again now; refused, the card closes with the rule named',
  request: { params: AttemptParamSchema },
  responses: { 200: json(DialResultSchema, 'Dialled or refused'), ...problemResponses(401, 403, 404, 409) },
});
const skip = createRoute({
  method: 'post',
  path: '/desk/dialing/{attemptId}/skip',
  tags: ['desk'],
  summary: 'Skip the contact on your preview card, with a reason: it is tried again later by the campaign',
  request: { params: AttemptParamSchema, body: { content: { 'application/json': { schema: SkipSchema } }, required: true } },
  responses: { 204: { description: 'Skipped' }, ...problemResponses(400, 401, 403, 404, 409) },
});
const callback = createRoute({
  method: 'post',
  path: '/t/{tenant}/desk/calls/{callId}/callback',
  tags: ['desk'],
  summary: "On an outbound call: call the person back at a time of their own day (in their zone), within 90 days, by you or by anyone on the campaign",
  request: { params: CallParamSchema, body: { content: { 'application/json': { schema: CallbackSchema } }, required: true } },
  responses: { 200: json(CallbackResultSchema, 'The callback, as an instant and on the callee\'s clock'), ...problemResponses(400, 401, 403, 404) },
});

function dialingOperator(c: Parameters<typeof currentUser>[0]) {
  const user = currentUser(c);
  requireUserPermission(user, 'calls.handle');
  return user;
}

export const deskOutboundRoutes = createRouter()
  .openapi(dial, async (c) => {
    const user = dialingOperator(c);
    const { db, now } = c.var.deps;
    const result = await dialMyPreview(db, user.id, c.req.valid('param').attemptId, now());
    return c.json(result, 200);
  })
  .openapi(skip, async (c) => {
    const user = dialingOperator(c);
    const { db, now } = c.var.deps;
    const { reason, note } = c.req.valid('json');
    await skipMyPreview(db, user.id, c.req.valid('param').attemptId, reason, note, now());
    requestDispatch();
    return c.body(null, 204);
  })
  .openapi(callback, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'calls.handle');
    const { callId } = c.req.valid('param');
    const input = c.req.valid('json');
    const result = await scheduleMyCallback(ctx.tx, ctx.actor.id, callId, input, c.var.deps.now());
    await writeAudit(ctx.tx, ctx.tenant.id, ctx.actor, { action: 'call.callback', targetType: 'call', targetId: callId, after: { at: result.at, forMe: input.forMe } });
    return c.json(result, 200);
  });
