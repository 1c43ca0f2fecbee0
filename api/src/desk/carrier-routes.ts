import { createRoute, z } from '@hono/zod-openapi';
import { callStatuses } from '@switchboard/db';
import { createRouter } from '../http/router.ts';
import { problemResponses } from '../http/problem.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import { writeAudit } from '../audit/write.ts';
import { deskActor } from './routes.ts';
import { CarrierStateSchema } from './carrier-schemas.ts';
import { cancelConsult, handOver, holdCall, resumeCall, setMuted, startConference, startConsult, type CarrierState } from './carrier-controls.ts';

/**
 * The desk's carrier controls (docs/telephony.md "Desk controls"): thin routes over carrier-controls.ts, each on
 * the operator's own connected call (`calls.handle`), audited like every desk action.
 */

const CallParamSchema = TenantParamSchema.extend({
  callId: z.string().openapi({ param: { name: 'callId', in: 'path' }, example: '019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b' }),
});


const ConsultSchema = z
  .strictObject({
    target: z.discriminatedUnion('kind', [
      z.strictObject({ kind: z.literal('in_house') }),
      z.strictObject({ kind: z.literal('directory'), entryId: z.uuid("Choose one of the client's directory entries.") }),
    ]),
  })
  .openapi('DeskConsult', { example: { target: { kind: 'directory', entryId: '019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b' } } });

const HandOverResultSchema = z
  .object({ callId: z.string(), status: z.enum(callStatuses), forwardTo: z.string().nullable() })
  .openapi('DeskHandOverResult');

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });

type Step = 'hold' | 'resume' | 'mute' | 'unmute' | 'consult/cancel' | 'conference';
const step = (path: Step, summary: string) =>
  createRoute({
    method: 'post',
    path: `/t/{tenant}/desk/calls/{callId}/${path}`,
    tags: ['desk'],
    summary,
    request: { params: CallParamSchema },
    responses: { 200: json(CarrierStateSchema, "The call's hold, mute and consultation"), ...problemResponses(401, 403, 404, 409) },
  });

const hold = step('hold', 'Put the caller on hold (hold music), timed until resumed; 409 already_on_hold, consult_in_progress');
const resume = step('resume', 'Take the caller off hold; the seconds on hold are added to the call; 409 not_on_hold, consult_in_progress');
const mute = step('mute', 'Mute your microphone towards the caller; 409 already_muted');
const unmute = step('unmute', 'Unmute your microphone; 409 not_muted');
const cancel = step('consult/cancel', 'Come back to the caller: the consulted party (or the conference’s third party) leaves; 409 no_consult');
const conference = step('conference', 'Three-way conference: the consulted party stays and the caller comes off hold; 409 no_consult, already_in_conference');
const consult = createRoute({
  method: 'post',
  path: '/t/{tenant}/desk/calls/{callId}/consult',
  tags: ['desk'],
  summary:
    "Warm transfer, step 1: the caller goes on hold and the target rings for you alone — the function's in-house phone or an active entry of the tenant's directory (by id); 409 consult_in_progress",
  request: { params: CallParamSchema, body: { content: { 'application/json': { schema: ConsultSchema } }, required: true } },
  responses: { 200: json(CarrierStateSchema, "The call's hold, mute and consultation"), ...problemResponses(400, 401, 403, 404, 409) },
});
const handover = createRoute({
  method: 'post',
  path: '/t/{tenant}/desk/calls/{callId}/consult/handover',
  tags: ['desk'],
  summary: 'Warm transfer, step 2: you leave, the caller and the consulted party talk; the call is transferred out (like an in-house transfer) and you go to wrap-up; 409 no_consult',
  request: { params: CallParamSchema },
  responses: { 200: json(HandOverResultSchema, 'The call'), ...problemResponses(401, 403, 404, 409) },
});

const audited = async (c: Parameters<typeof deskActor>[0], action: string, run: (ctx: ReturnType<typeof deskActor>, callId: string, now: Date) => Promise<CarrierState>) => {
  const ctx = deskActor(c);
  const { callId } = c.req.param() as { callId: string };
  const state = await run(ctx, callId, c.var.deps.now());
  await writeAudit(ctx.tx, ctx.tenant.id, ctx.actor, { action, targetType: 'call', targetId: callId });
  return state;
};

export const deskCarrierRoutes = createRouter()
  .openapi(hold, async (c) => c.json(await audited(c, 'call.hold', (ctx, id, now) => holdCall(ctx.tx, ctx.actor.id, id, now)), 200))
  .openapi(resume, async (c) => c.json(await audited(c, 'call.resume', (ctx, id, now) => resumeCall(ctx.tx, ctx.actor.id, id, now)), 200))
  .openapi(mute, async (c) => c.json(await audited(c, 'call.mute', (ctx, id, now) => setMuted(ctx.tx, ctx.actor.id, id, true, now)), 200))
  .openapi(unmute, async (c) => c.json(await audited(c, 'call.unmute', (ctx, id, now) => setMuted(ctx.tx, ctx.actor.id, id, false, now)), 200))
  .openapi(consult, async (c) => {
    const { target } = c.req.valid('json');
    return c.json(await audited(c, 'call.consult', (ctx, id, now) => startConsult(ctx.tx, ctx.actor.id, id, target, now)), 200);
  })
  .openapi(cancel, async (c) => c.json(await audited(c, 'call.consult_cancel', (ctx, id, now) => cancelConsult(ctx.tx, ctx.actor.id, id, now)), 200))
  .openapi(conference, async (c) => c.json(await audited(c, 'call.conference', (ctx, id, now) => startConference(ctx.tx, ctx.actor.id, id, now)), 200))
  .openapi(handover, async (c) => {
    const ctx = deskActor(c);
    const { callId } = c.req.valid('param');
    const result = await handOver(ctx.tx, ctx.actor.id, callId, c.var.deps.now());
    await writeAudit(ctx.tx, ctx.tenant.id, ctx.actor, { action: 'call.consult_handover', targetType: 'call', targetId: callId });
    return c.json(result, 200);
  });
