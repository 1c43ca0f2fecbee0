import { requireUserPermission } from '../http/permissions.ts';
import { requirePermission } from '../http/permissions.ts';
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { callStatuses, operatorStates, recordingStates } from '@switchboard/db';
import type { AppEnv } from '../http/env.ts';
import { createRouter } from '../http/router.ts';
import { problemResponses } from '../http/problem.ts';
import { currentUser } from '../http/session.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { SkillSchema, requiredText, typedText } from '../http/validators.ts';
import { dispositionCodePattern } from '../scripts/model.ts';
import { ScriptAnswersSchema } from './wrap-up.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { writeAudit } from '../audit/write.ts';
import { requestDispatch } from '../routing/ticker.ts';
import { acceptCall, declineCall, hangUp, transferCall, wrapUp } from './call-actions.ts';
import { loadDeskState, setDeskState } from './state.ts';
import { DeskDialingSchema, deskOutboundRoutes } from './outbound-routes.ts';
import { CarrierStateSchema } from './carrier-schemas.ts';

const DeskStateSchema = z
  .object({
    state: z.enum(operatorStates),
    breakReason: z.string().nullable(),
    since: z.string(),
    missed: z
      .object({ tenant: z.string(), tenantName: z.string(), brandColor: z.string(), callId: z.string(), at: z.string() })
      .nullable()
      .openapi({ description: 'While not responding: the offer that ran out, and when' }),
    offer: z
      .object({
        tenant: z.string(),
        tenantName: z.string(),
        brandColor: z.string(),
        callId: z.string(),
        function: z.string(),
        callerNumber: z.string().nullable().openapi({ description: "Masked as the tenant's rules mask a customer's phone (null: hidden)" }),
        expiresAt: z.string(),
        note: z.string().nullable(),
      })
      .nullable(),
    call: z
      .object({
        tenant: z.string(),
        tenantName: z.string(),
        brandColor: z.string(),
        callId: z.string(),
        status: z.enum(['connected', 'wrap_up']),
        wrapUpDeadline: z.string().nullable(),
        answeredAt: z.string().nullable(),
        endedAt: z.string().nullable(),
        endedBy: z.enum(['caller', 'operator', 'system']).nullable(),
        wrapUpExtensionSeconds: z.number().int().openapi({ description: 'The tenant lets a wrap-up be extended once by this much; 0: not at all' }),
        wrapUpExtended: z.boolean(),
        draft: z.object({ disposition: z.string().nullable(), notes: z.string().nullable(), savedAt: z.string() }).nullable(),
        recording: z.enum(recordingStates).openapi({ description: 'The recording of the call in progress: on, paused (payment details) or off' }),
        recordingPausable: z.boolean().openapi({ description: "The client's rules let the operator pause the recording while payment details are given" }),
        carrier: CarrierStateSchema,
      })
      .nullable(),
    dialing: DeskDialingSchema,
    tenants: z.array(z.object({ slug: z.string(), name: z.string(), brandColor: z.string(), skills: z.array(z.string()) })),
  })
  .openapi('DeskState');

const SetDeskStateSchema = z
  .strictObject({
    state: z.enum(['available', 'break', 'offline']),
    breakReason: requiredText(60, 'Say why, or leave the reason out.').optional(),
  })
  .openapi('SetDeskState', { example: { state: 'break', breakReason: 'Lunch' } });

const CallParamSchema = TenantParamSchema.extend({
  callId: z.string().openapi({ param: { name: 'callId', in: 'path' }, example: '019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b' }),
});

const CallActionResultSchema = z
  .object({ callId: z.string(), status: z.enum(callStatuses), forwardTo: z.string().nullable().optional() })
  .openapi('DeskCallActionResult');

const WrapUpSchema = z
  .strictObject({
    disposition: z.string().trim().regex(dispositionCodePattern, "Choose one of the tenant's wrap-up codes."),
    notes: typedText(4000).optional(),
    scriptAnswers: ScriptAnswersSchema.optional(),
  })
  .openapi('DeskWrapUp', {
    example: { disposition: 'order_taken', notes: 'Customer asked for extra napkins.', scriptAnswers: { pizza: 'margherita', quantity: 2, delivery: true } },
  });

const TransferSchema = z
  .strictObject({
    target: z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('skill'), skill: SkillSchema }),
      z.strictObject({ kind: z.literal('in_house') }),
      z.strictObject({ kind: z.literal('directory'), entryId: z.uuid('Choose one of the client\'s directory entries.') }),
    ]),
    note: typedText(500).optional(),
  })
  .openapi('DeskTransfer', { example: { target: { kind: 'skill', skill: 'mortgages' }, note: 'Wants to renegotiate the rate of a running mortgage.' } });

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

const getState = createRoute({
  method: 'get',
  path: '/desk/state',
  tags: ['desk'],
  summary: "The operator's state, the call offered to them, the call they are on, and the tenants they serve (operators only)",
  responses: { 200: json(DeskStateSchema, 'Desk state'), ...problemResponses(401, 403) },
});
const putState = createRoute({
  method: 'put',
  path: '/desk/state',
  tags: ['desk'],
  summary: 'Become available (also how an operator marked not responding after a missed offer comes back), take a break (with a reason) or go offline; refused while on a call or in wrap-up',
  request: { body: { content: { 'application/json': { schema: SetDeskStateSchema } }, required: true } },
  responses: { 200: json(DeskStateSchema, 'Desk state'), ...problemResponses(400, 401, 403, 409) },
});

const callAction = (path: 'accept' | 'hangup', summary: string) =>
  createRoute({
    method: 'post',
    path: `/t/{tenant}/desk/calls/{callId}/${path}`,
    tags: ['desk'],
    summary,
    request: { params: CallParamSchema },
    responses: { 200: json(CallActionResultSchema, 'The call'), ...problemResponses(400, 401, 403, 404, 409) },
  });

const accept = callAction('accept', 'Accept the call offered to you; 409 offer-taken when it is not (or no longer) yours');
const decline = createRoute({
  method: 'post',
  path: '/t/{tenant}/desk/calls/{callId}/decline',
  tags: ['desk'],
  summary: 'Let the offer pass: it goes to the next operator',
  request: { params: CallParamSchema },
  responses: { 204: { description: 'Declined' }, ...problemResponses(401, 403, 404, 409) },
});
const hangup = callAction('hangup', 'End the call you are connected to: you go to wrap-up');
const wrapUpRoute = createRoute({
  method: 'post',
  path: '/t/{tenant}/desk/calls/{callId}/wrap-up',
  tags: ['desk'],
  summary: "Finish wrap-up with one of the tenant's wrap-up codes and notes; you are available again",
  request: { params: CallParamSchema, body: { content: { 'application/json': { schema: WrapUpSchema } }, required: true } },
  responses: { 200: json(CallActionResultSchema, 'The call'), ...problemResponses(400, 401, 403, 404, 409) },
});
const transfer = createRoute({
  method: 'post',
  path: '/t/{tenant}/desk/calls/{callId}/transfer',
  tags: ['desk'],
  summary:
    "Transfer to operators with a skill (it comes back after the tenant's transfer timeout), to the function's in-house destination, or to an active entry of the tenant's directory (by id): both forward the call out",
  request: { params: CallParamSchema, body: { content: { 'application/json': { schema: TransferSchema } }, required: true } },
  responses: { 200: json(CallActionResultSchema, 'The call'), ...problemResponses(400, 401, 403, 404, 409) },
});

function operatorOnly(c: Context<AppEnv>) {
  const user = currentUser(c);
  requireUserPermission(user, 'desk.work');
  return user;
}

/** Tenant call actions: operators only, on the operator's own offers and calls. */
export function deskActor(c: Context<AppEnv>) {
  const ctx = tenantContext(c);
  requirePermission(ctx, 'calls.handle');
  return ctx;
}

export const deskRoutes = createRouter()
  .openapi(getState, async (c) => {
    const user = operatorOnly(c);
    const { db, now } = c.var.deps;
    return c.json(await loadDeskState(db, user.id, now()), 200);
  })
  .openapi(putState, async (c) => {
    const user = operatorOnly(c);
    const { db, now } = c.var.deps;
    await setDeskState(db, user.id, c.req.valid('json'), now());
    requestDispatch();
    return c.json(await loadDeskState(db, user.id, now()), 200);
  })
  .openapi(accept, async (c) => {
    const ctx = deskActor(c);
    const { callId } = c.req.valid('param');
    const result = await acceptCall(ctx.tx, ctx.actor.id, callId, c.var.deps.now(), ctx.tenant);
    await writeAudit(ctx.tx, ctx.tenant.id, ctx.actor, { action: 'call.accept', targetType: 'call', targetId: callId });
    return c.json(result, 200);
  })
  .openapi(decline, async (c) => {
    const ctx = deskActor(c);
    const { callId } = c.req.valid('param');
    await declineCall(ctx.tx, ctx.actor.id, callId, c.var.deps.now());
    await writeAudit(ctx.tx, ctx.tenant.id, ctx.actor, { action: 'call.decline', targetType: 'call', targetId: callId });
    requestDispatch();
    return c.body(null, 204);
  })
  .openapi(hangup, async (c) => {
    const ctx = deskActor(c);
    const { callId } = c.req.valid('param');
    const result = await hangUp(ctx.tx, ctx.actor.id, callId, c.var.deps.now());
    await writeAudit(ctx.tx, ctx.tenant.id, ctx.actor, { action: 'call.hangup', targetType: 'call', targetId: callId });
    return c.json(result, 200);
  })
  .openapi(wrapUpRoute, async (c) => {
    const ctx = deskActor(c);
    const { callId } = c.req.valid('param');
    const input = c.req.valid('json');
    const result = await wrapUp(ctx.tx, ctx.actor.id, callId, input, c.var.deps.now());
    await writeAudit(ctx.tx, ctx.tenant.id, ctx.actor, { action: 'call.wrap_up', targetType: 'call', targetId: callId, after: { disposition: input.disposition } });
    requestDispatch();
    return c.json(result, 200);
  })
  .openapi(transfer, async (c) => {
    const ctx = deskActor(c);
    const { callId } = c.req.valid('param');
    const { target, note } = c.req.valid('json');
    const result = await transferCall(ctx.tx, ctx.actor.id, callId, target, note, c.var.deps.now());
    await writeAudit(ctx.tx, ctx.tenant.id, ctx.actor, { action: 'call.transfer', targetType: 'call', targetId: callId, after: { target } });
    requestDispatch();
    return c.json(result, 200);
  })
  .route('/', deskOutboundRoutes);
