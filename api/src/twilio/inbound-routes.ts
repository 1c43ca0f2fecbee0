import { createRoute, z } from '@hono/zod-openapi';
import { createRouter } from '../http/router.ts';
import type { Context } from 'hono';
import type { AppEnv } from '../http/env.ts';
import { invalid, notFound, problemResponses } from '../http/problem.ts';
import { storableByDatabase, unstorableTextMessage } from '../http/storable-text.ts';
import { requestDispatch } from '../routing/ticker.ts';
import { answerVoice, callerLegEnded, clientTwiml, conferenceEvent, waitTwiml } from './inbound.ts';
import { readTwilioWebhook, twiml } from './webhook.ts';

/**
 * A verified webhook's form parameters. The character guard sees the body percent-encoded, so a NUL byte or
 * a broken character decoded from it is refused here: 400 naming the parameter, nothing read or written.
 */
async function readHook(c: Context<AppEnv>): Promise<Record<string, string>> {
  const { params } = await readTwilioWebhook(c);
  const refused = Object.entries(params).filter(([name, value]) => !storableByDatabase(name) || !storableByDatabase(value));
  if (refused.length) {
    throw invalid(
      refused.map(([name]) => ({ path: storableByDatabase(name) ? name : '(body)', code: 'nul_byte' as const, message: unstorableTextMessage })),
      'Remove the NUL bytes and broken characters from the parameters named.',
    );
  }
  return params;
}

/**
 * Twilio's voice webhooks for inbound calls (docs/telephony.md, "Twilio adapter: how a call flows"), under
 * /api/twilio/hooks: public, each request verified with X-Twilio-Signature before anything is read or
 * written (webhook.ts: 403 otherwise, 503 without a connected account). Bodies are Twilio's form
 * parameters; answers are TwiML.
 */

const form = (description: string, fields: Record<string, string>) => ({
  required: false,
  description,
  content: {
    'application/x-www-form-urlencoded': {
      schema: z.looseObject(Object.fromEntries(Object.entries(fields).map(([name, text]) => [name, z.string().optional().openapi({ description: text })]))),
    },
  },
});

const callParams = {
  CallSid: "Twilio's id of the customer's leg",
  From: "The caller's number",
  To: 'The dialled number',
  CallStatus: 'queued, ringing, in-progress, completed, busy, failed, no-answer, canceled',
};

const twimlResponse = { description: 'TwiML', content: { 'text/xml': { schema: z.string().openapi({ example: '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>' }) } } };
const security = [{ twilioSignature: [] }];
const callQuery = z.object({ call: z.string().max(100).openapi({ description: "Switchboard's call id", example: '0190a8c4-0000-7000-8000-000000000000' }) });

const voice = createRoute({
  method: 'post',
  path: '/twilio/hooks/voice',
  tags: ['twilio'],
  summary: "A number's voice URL: the keypad menu (<Gather>, `keys` so far), then the queue (the call's conference) or the after-hours action",
  security,
  request: {
    query: z.object({ keys: z.string().max(100).optional().openapi({ description: 'Keys pressed so far in the menu (`_`: no input)', example: '1' }) }),
    body: form('A call to one of the numbers', { ...callParams, Digits: 'The key pressed in the <Gather>' }),
  },
  responses: { 200: twimlResponse, ...problemResponses(400, 403, 503) },
});

const wait = createRoute({
  method: 'post',
  path: '/twilio/hooks/wait',
  tags: ['twilio'],
  summary: "The conference's wait URL: the caller's position in the company's language, then hold music",
  security,
  request: { query: callQuery, body: form("The customer's leg waiting in the conference", callParams) },
  responses: { 200: twimlResponse, ...problemResponses(400, 403, 404, 503) },
});

const holdMusic = createRoute({
  method: 'post',
  path: '/twilio/hooks/hold-music',
  tags: ['twilio'],
  summary: 'The hold URL while the operator holds the caller: hold music',
  security,
  request: { query: callQuery, body: form("The customer's leg on hold", callParams) },
  responses: { 200: twimlResponse, ...problemResponses(400, 403, 404, 503) },
});

const status = createRoute({
  method: 'post',
  path: '/twilio/hooks/status',
  tags: ['twilio'],
  summary: "A number's status callback: the customer hung up (the call ends as hung up by the caller)",
  security,
  request: { body: form("The customer's leg changed state", callParams) },
  responses: { 200: twimlResponse, ...problemResponses(400, 403, 503) },
});

const conference = createRoute({
  method: 'post',
  path: '/twilio/hooks/conference',
  tags: ['twilio'],
  summary: "The conference's status callback: the operator's leg left a connected call (ended by the operator)",
  security,
  request: {
    query: callQuery,
    body: form('A participant joined or left', {
      StatusCallbackEvent: 'participant-join, participant-leave, conference-end…',
      FriendlyName: 'sb-<call id>',
      ParticipantLabel: 'caller, operator or target',
      CallSid: "The participant's leg",
    }),
  },
  responses: { 200: twimlResponse, ...problemResponses(400, 403, 503) },
});

const client = createRoute({
  method: 'post',
  path: '/twilio/hooks/client',
  tags: ['twilio'],
  summary: "The TwiML app's voice URL (the browser leg's own calls): operators do not dial out, so it says so and hangs up",
  security,
  request: { body: form('A call from the Voice SDK', callParams) },
  responses: { 200: twimlResponse, ...problemResponses(400, 403, 503) },
});

const empty = '<?xml version="1.0" encoding="UTF-8"?><Response/>';

export const twilioInboundRoutes = createRouter();
twilioInboundRoutes.openAPIRegistry.registerComponent('securitySchemes', 'twilioSignature', {
  type: 'apiKey',
  in: 'header',
  name: 'X-Twilio-Signature',
  description: "Twilio's webhook signature: base64 HMAC-SHA1 of the full URL and the sorted form parameters, keyed with the account's auth token",
});

const routes = twilioInboundRoutes
  .openapi(voice, async (c) => {
    const params = await readHook(c);
    const { db, config, now } = c.var.deps;
    const answer = await answerVoice(
      db,
      config,
      { callSid: params.CallSid ?? '', from: params.From ?? '', to: params.To ?? '', keys: c.req.valid('query').keys, digits: params.Digits },
      now(),
    );
    if (answer.queued) requestDispatch();
    return twiml(c, answer.twiml);
  })
  .openapi(wait, async (c) => {
    const params = await readHook(c);
    const { db, config, now } = c.var.deps;
    const body = await waitTwiml(db, config, c.req.valid('query').call, params.CallSid, true, now());
    if (!body) throw notFound('No such call.');
    return twiml(c, body);
  })
  .openapi(holdMusic, async (c) => {
    const params = await readHook(c);
    const { db, config, now } = c.var.deps;
    const body = await waitTwiml(db, config, c.req.valid('query').call, params.CallSid, false, now());
    if (!body) throw notFound('No such call.');
    return twiml(c, body);
  })
  .openapi(status, async (c) => {
    const params = await readHook(c);
    const { db, now } = c.var.deps;
    const ended = await callerLegEnded(db, { callSid: params.CallSid ?? '', to: params.To ?? '', from: params.From ?? '', status: params.CallStatus ?? '' }, now());
    if (ended) requestDispatch();
    return twiml(c, empty);
  })
  .openapi(conference, async (c) => {
    const params = await readHook(c);
    const { db, now } = c.var.deps;
    const ended = await conferenceEvent(
      db,
      { callId: c.req.valid('query').call, event: params.StatusCallbackEvent ?? '', label: params.ParticipantLabel ?? '', friendlyName: params.FriendlyName ?? '', conferenceSid: params.ConferenceSid ?? '' },
      now(),
    );
    if (ended) requestDispatch();
    return twiml(c, empty);
  })
  .openapi(client, async (c) => {
    await readHook(c);
    return twiml(c, clientTwiml());
  });

export { routes as twilioInboundRouter };
