import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { callStatuses } from '@switchboard/db';
import type { AppEnv } from '../http/env.ts';
import { can, requirePermission, requireUserPermission } from '../http/permissions.ts';
import { createRouter } from '../http/router.ts';
import { problemResponses } from '../http/problem.ts';
import { currentUser } from '../http/session.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { typedText } from '../http/validators.ts';
import { dispositionCodePattern } from '../scripts/model.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { writeAudit } from '../audit/write.ts';
import { maskPhone } from '../contacts/service.ts';
import { loadRules } from '../rules/service.ts';
import { listMyRecentCalls } from './recent-calls.ts';
import { deskActor } from './routes.ts';
import { completeOutcome, extendWrapUp, loadOutcome, needsCompleting, saveWrapUpDraft, ScriptAnswersSchema } from './wrap-up.ts';

/**
 * Wrap-up drafts, the one extension, the operator's recent calls and completing the outcome of a call
 * whose wrap-up ran out (issue 10). The verbs are in wrap-up.ts and recent-calls.ts.
 */

const CallParamSchema = TenantParamSchema.extend({
  callId: z.uuid().openapi({ param: { name: 'callId', in: 'path' }, example: '019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b' }),
});

const DispositionCode = z.string().trim().regex(dispositionCodePattern, "Choose one of the tenant's wrap-up codes.");

const WrapUpDraftSchema = z
  .strictObject({
    disposition: DispositionCode.nullable().optional(),
    notes: typedText(4000).optional(),
    scriptAnswers: ScriptAnswersSchema.optional(),
  })
  .openapi('DeskWrapUpDraft', { example: { disposition: 'order_taken', notes: 'Wants the delivery after 8 pm.' } });

const CompleteOutcomeSchema = z
  .strictObject({ disposition: DispositionCode, notes: typedText(4000).optional() })
  .openapi('CompleteCallOutcome', { example: { disposition: 'order_taken', notes: 'Wants the delivery after 8 pm.' } });

const DraftSchema = z.object({ disposition: z.string().nullable(), notes: z.string().nullable(), savedAt: z.string() });

const RecentCallSchema = z
  .object({
    tenant: z.string(),
    tenantName: z.string(),
    brandColor: z.string(),
    callId: z.string(),
    function: z.string(),
    callerNumber: z.string().nullable(),
    answeredAt: z.string(),
    endedAt: z.string().nullable(),
    talkSeconds: z.number().int().nullable(),
    status: z.enum(['completed', 'transferred_out']),
    disposition: z.string().nullable(),
    dispositionLabel: z.string().nullable(),
    notes: z.string().nullable(),
    needsCompleting: z.boolean(),
    draft: DraftSchema.extend({ dispositionLabel: z.string().nullable() }).nullable(),
  })
  .openapi('DeskRecentCall');

const CallOutcomeSchema = z
  .object({
    callId: z.string(),
    function: z.string(),
    callerNumber: z.string().nullable(),
    status: z.enum(callStatuses),
    answeredAt: z.string().nullable(),
    endedAt: z.string().nullable(),
    endedBy: z.enum(['caller', 'operator', 'system']).nullable(),
    disposition: z.string().nullable(),
    notes: z.string().nullable(),
    needsCompleting: z.boolean(),
    draft: DraftSchema.nullable(),
    codes: z.array(z.object({ code: z.string(), label: z.string() })),
  })
  .openapi('CallOutcome');

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const body = <T extends z.ZodType>(schema: T) => ({ body: { content: { 'application/json': { schema } }, required: true } });

const saveDraft = createRoute({
  method: 'put',
  path: '/t/{tenant}/desk/calls/{callId}/wrap-up/draft',
  tags: ['desk'],
  summary: 'Save the outcome and notes typed so far on your call: kept if the wrap-up time runs out (409 once the wrap-up is over)',
  request: { params: CallParamSchema, ...body(WrapUpDraftSchema) },
  responses: { 200: json(z.object({ callId: z.string(), savedAt: z.string() }), 'Saved'), ...problemResponses(400, 401, 403, 404, 409) },
});
const extend = createRoute({
  method: 'post',
  path: '/t/{tenant}/desk/calls/{callId}/wrap-up/extend',
  tags: ['desk'],
  summary: "Extend your wrap-up once by the tenant's extension time (409 when not allowed, already extended or over)",
  request: { params: CallParamSchema },
  responses: { 200: json(z.object({ callId: z.string(), wrapUpDeadline: z.string() }), 'The new deadline'), ...problemResponses(401, 403, 404, 409) },
});
const recentCalls = createRoute({
  method: 'get',
  path: '/desk/recent-calls',
  tags: ['desk'],
  summary: 'Your own calls of the last 7 days, across the clients you serve, newest first; those whose outcome needs completing are marked',
  responses: { 200: json(z.object({ calls: z.array(RecentCallSchema), needsCompleting: z.number().int() }), 'Recent calls'), ...problemResponses(401, 403, 409) },
});
const getOutcome = createRoute({
  method: 'get',
  path: '/t/{tenant}/calls/{callId}/outcome',
  tags: ['calls'],
  summary: "A call's outcome, its draft and the wrap-up codes to complete it with (the operator who handled it, or a provider admin)",
  request: { params: CallParamSchema },
  responses: { 200: json(CallOutcomeSchema, 'The outcome'), ...problemResponses(401, 403, 404) },
});
const completeRoute = createRoute({
  method: 'post',
  path: '/t/{tenant}/calls/{callId}/outcome',
  tags: ['calls'],
  summary: 'Complete the outcome of a call whose wrap-up ran out (the operator who handled it, or a provider admin; 409 when it has one)',
  request: { params: CallParamSchema, ...body(CompleteOutcomeSchema) },
  responses: { 200: json(z.object({ callId: z.string(), disposition: z.string(), notes: z.string().nullable() }), 'Completed'), ...problemResponses(400, 401, 403, 404, 409) },
});

/** Completing an outcome: a user who may complete their own or anyone's (which call is theirs is the verb's check). */
function outcomeActor(c: Context<AppEnv>) {
  const ctx = tenantContext(c);
  if (!can(ctx.access, 'calls.outcome.completeAny')) requirePermission(ctx, 'calls.outcome.completeOwn');
  return ctx;
}

const iso = (value: Date | string | null) => (value ? new Date(value).toISOString() : null);

export const wrapUpRoutes = createRouter()
  .openapi(saveDraft, async (c) => {
    const ctx = deskActor(c);
    const { callId } = c.req.valid('param');
    return c.json(await saveWrapUpDraft(ctx.tx, ctx.actor.id, callId, c.req.valid('json'), c.var.deps.now()), 200);
  })
  .openapi(extend, async (c) => {
    const ctx = deskActor(c);
    const { callId } = c.req.valid('param');
    const result = await extendWrapUp(ctx.tx, ctx.actor.id, callId, c.var.deps.now());
    await writeAudit(ctx.tx, ctx.tenant.id, ctx.actor, { action: 'call.wrap_up_extended', targetType: 'call', targetId: callId, after: { wrapUpDeadline: result.wrapUpDeadline } });
    return c.json(result, 200);
  })
  .openapi(recentCalls, async (c) => {
    const user = currentUser(c);
    requireUserPermission(user, 'desk.work');
    const { db, now } = c.var.deps;
    return c.json(await listMyRecentCalls(db, user.id, now()), 200);
  })
  .openapi(getOutcome, async (c) => {
    const ctx = outcomeActor(c);
    const { callId } = c.req.valid('param');
    const { call, codes } = await loadOutcome(ctx, callId, c.var.deps.now());
    const rules = await loadRules(ctx.tx);
    return c.json(
      {
        callId: call.id,
        function: call.function,
        callerNumber: maskPhone(call.callerNumber, rules, ctx.access),
        status: call.status,
        answeredAt: iso(call.answeredAt),
        endedAt: iso(call.endedAt),
        endedBy: call.endedBy,
        disposition: call.disposition,
        notes: call.notes,
        needsCompleting: needsCompleting(call),
        draft: call.draftSavedAt ? { disposition: call.draftDisposition, notes: call.draftNotes, savedAt: iso(call.draftSavedAt)! } : null,
        codes,
      },
      200,
    );
  })
  .openapi(completeRoute, async (c) => {
    const ctx = outcomeActor(c);
    const { callId } = c.req.valid('param');
    const input = c.req.valid('json');
    const result = await completeOutcome(ctx, callId, input, c.var.deps.now());
    await writeAudit(ctx.tx, ctx.tenant.id, ctx.actor, { action: 'call.outcome_completed', targetType: 'call', targetId: callId, after: { disposition: input.disposition } });
    return c.json(result, 200);
  });
