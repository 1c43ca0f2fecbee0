import twilio from 'twilio';
import { createRoute, z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../http/env.ts';
import { createRouter } from '../http/router.ts';
import { problemResponses } from '../http/problem.ts';
import { requestDispatch } from '../routing/ticker.ts';
import { satisfactionQuestionIds } from '../satisfaction/survey.ts';
import { twilioClient } from './client.ts';
import { answerOutbound, outboundStatus } from './outbound.ts';
import { recordingCallback } from './recordings.ts';
import { surveyStep } from './survey.ts';
import { readTwilioWebhook, twiml, type TwilioWebhook } from './webhook.ts';

/**
 * Twilio's webhooks for outbound calls, recordings and the survey (issue 17), under /api/twilio/hooks: no
 * session, each verified with X-Twilio-Signature before anything is read or validated (webhook.ts: 403 and
 * nothing changed when it does not match, 503 without a connected account). Form bodies, as Twilio posts
 * them; the ids in the query were put there by Switchboard and are covered by the signature.
 */

const verified = new WeakMap<Request, TwilioWebhook>();

/** Verifies the signature on the raw body first (the form validator parses the body after it). */
function verifyTwilio(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    verified.set(c.req.raw, await readTwilioWebhook(c));
    await next();
  };
}

const param = z.string().max(200).optional();
const form = (name: string, fields: Record<string, z.ZodOptional<z.ZodString>>) =>
  z.looseObject({ CallSid: param.openapi({ description: "Twilio's id of the call leg (CA…)" }), AccountSid: param, ...fields }).openapi(name);

const AnswerFormSchema = form('TwilioOutboundAnswer', {
  AnsweredBy: param.openapi({ description: 'Answering-machine detection: `human`, `machine_start`, `machine_end_*`, `fax`, `unknown`' }),
  CallStatus: param,
});
const StatusFormSchema = form('TwilioOutboundStatus', {
  CallStatus: param.openapi({ description: '`ringing`, `busy`, `no-answer`, `failed`, `canceled`, `completed` (others are ignored)' }),
});
const RecordingFormSchema = form('TwilioRecordingStatus', {
  RecordingSid: param.openapi({ description: 'RE…' }),
  RecordingStatus: param.openapi({ description: 'Only `completed` is kept' }),
});
const SurveyFormSchema = form('TwilioSurveyAnswer', { Digits: param.openapi({ description: 'The key pressed (empty: none)' }) });

const exampleId = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const dialQuery = z.object({ dial: z.uuid().openapi({ description: 'The dial attempt (put there by originate)', example: exampleId }) });
const callQuery = z.object({ call: z.uuid().openapi({ description: 'The call', example: exampleId }) });
const surveyQuery = z.object({
  call: z.uuid().openapi({ example: exampleId }),
  q: z.enum(satisfactionQuestionIds).openapi({ description: 'The question this answer is for', example: 'satisfaction' }),
  satisfaction: z.string().regex(/^[1-5]$/).optional().openapi({ description: 'The earlier answer to "how satisfied", if any', example: '4' }),
  solved: z.string().regex(/^[12]$/).optional().openapi({ example: '1' }),
});

const hook = <Q extends z.ZodObject, F extends z.ZodType>(path: string, summary: string, query: Q, body: F) =>
  createRoute({
    method: 'post',
    path: `/twilio/hooks${path}`,
    tags: ['twilio'],
    summary,
    security: [{ twilioSignature: [] }],
    middleware: [verifyTwilio()] as const,
    request: { query, body: { content: { 'application/x-www-form-urlencoded': { schema: body } }, required: true } },
    responses: { 200: { description: 'TwiML', content: { 'text/xml': { schema: z.string() } } }, ...problemResponses(400, 403, 503) },
  });

const answer = hook('/outbound/answer', "An outbound call was picked up: join the call (a person, an operator connected), the campaign's abandon message, or hang up (a machine)", dialQuery, AnswerFormSchema);
const status = hook('/outbound/status', "An outbound call's progress: ringing, busy, no answer, failed, cancelled; completed ends the connected call (by the callee)", dialQuery, StatusFormSchema);
const recordingStatus = hook('/recording', "A call's recording is ready: kept as twilio:RE… (deleted at Twilio when the call may not be recorded)", callQuery, RecordingFormSchema);
const survey = hook('/survey', 'One keypad answer to the satisfaction survey: the next question, or the answers recorded and hang up', surveyQuery, SurveyFormSchema);

const empty = () => new twilio.twiml.VoiceResponse();

export const twilioOutboundHookRoutes = createRouter();
twilioOutboundHookRoutes.openAPIRegistry.registerComponent('securitySchemes', 'twilioSignature', {
  type: 'apiKey',
  in: 'header',
  name: 'X-Twilio-Signature',
  description: "Twilio's request signature: base64 HMAC-SHA1 of the full URL and the sorted form parameters, keyed with the account's auth token",
});

const routes = twilioOutboundHookRoutes
  .openapi(answer, async (c) => {
    const { db, config, now } = c.var.deps;
    const { params } = verified.get(c.req.raw)!;
    const result = await answerOutbound(db, config, c.req.valid('query').dial, params, now());
    if (result.answer && result.answer.action !== 'connect') requestDispatch();
    return twiml(c, result.twiml) as never;
  })
  .openapi(status, async (c) => {
    const { db, now } = c.var.deps;
    const { params } = verified.get(c.req.raw)!;
    const result = await outboundStatus(db, c.req.valid('query').dial, params, now());
    if (result !== 'ignored') requestDispatch();
    return twiml(c, empty()) as never;
  })
  .openapi(recordingStatus, async (c) => {
    const { db, now } = c.var.deps;
    const { params } = verified.get(c.req.raw)!;
    await recordingCallback(db, c.req.valid('query').call, params, now());
    return twiml(c, empty()) as never;
  })
  .openapi(survey, async (c) => {
    const { db, config, now } = c.var.deps;
    const { params } = verified.get(c.req.raw)!;
    const { call, q, satisfaction, solved } = c.req.valid('query');
    const step = await surveyStep(db, config, call, q, { ...(satisfaction ? { satisfaction } : {}), ...(solved ? { solved } : {}) }, params.Digits, now(), params.CallSid);
    return twiml(c, step.twiml) as never;
  });

export { routes as twilioOutboundHooks };
