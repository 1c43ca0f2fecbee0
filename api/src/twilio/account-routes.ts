import { createRoute, z } from '@hono/zod-openapi';
import { callFunctionIds, voiceLegKinds } from '@switchboard/db';
import { requireUserPermission } from '../http/permissions.ts';
import { createRouter } from '../http/router.ts';
import { notFound, problemResponses } from '../http/problem.ts';
import { currentUser } from '../http/session.ts';
import { actorOf } from '../http/env.ts';
import { typedText } from '../http/validators.ts';
import { PhoneNumberBodySchema } from '../call-handling/definition.ts';
import {
  assignTwilioNumber,
  configureNumberWebhooks,
  connectTwilioAccount,
  disconnectTwilioAccount,
  syncTwilioNumbers,
  twilioAccountState,
  unassignTwilioNumber,
  type TwilioAccountState,
} from './account.ts';
import { issueVoiceToken, loadVoiceLeg, parseVoiceLeg, saveVoiceLeg, twilioConnected } from './voice.ts';

/**
 * The provider's Twilio account (`telephony.manage` to change, `telephony.read` to see) and the operator's
 * own voice settings and access token (`desk.work`). No response ever carries the auth token or the API
 * key's secret.
 */

const TwilioNumberSchema = z
  .object({
    sid: z.string(),
    number: z.string().openapi({ example: '+33142868200' }),
    friendlyName: z.string(),
    webhooksConfiguredAt: z.string().nullable().openapi({ description: "When Switchboard last pointed the number's voice URL and status callback at itself; null: not (or no longer) configured" }),
    syncedAt: z.string(),
    assignment: z
      .object({ tenantId: z.uuid(), tenantName: z.string(), tenantSlug: z.string(), function: z.enum(callFunctionIds) })
      .nullable()
      .openapi({ description: 'The client company and function the number answers for; null: not assigned' }),
  })
  .openapi('TwilioNumber');

const TwilioAccountSchema = z
  .object({
    connected: z.boolean(),
    publicUrlSet: z.boolean().openapi({ description: 'Whether PUBLIC_URL is set: Twilio needs it to reach Switchboard' }),
    voiceUrl: z.string().nullable().openapi({ description: 'The voice URL every assigned number is given' }),
    statusCallbackUrl: z.string().nullable(),
    account: z
      .object({
        accountSid: z.string(),
        apiKeySid: z.string().nullable(),
        twimlAppSid: z.string().nullable(),
        connectedAt: z.string(),
        connectedBy: z.string(),
        updatedAt: z.string(),
      })
      .nullable(),
    numbers: z.array(TwilioNumberSchema),
  })
  .openapi('TwilioAccount');

const ConnectBodySchema = z
  .strictObject({
    accountSid: z
      .string()
      .trim()
      .regex(/^AC[0-9a-fA-F]{32}$/, 'An Account SID is AC followed by 32 hexadecimal characters (Twilio console, Account info).')
      .openapi({ example: 'AC0123456789abcdef0123456789abcdef' }),
    authToken: z
      .string()
      .trim()
      .regex(/^[0-9a-zA-Z]{16,64}$/, 'Paste the auth token from the Twilio console (letters and digits).')
      .openapi({ description: 'Verified against Twilio, stored sealed, never answered back', example: '0123456789abcdef0123456789abcdef' }),
  })
  .openapi('TwilioConnectBody');

const AssignBodySchema = PhoneNumberBodySchema.extend({
  tenantId: z.uuid({ error: 'Choose one of the client companies.' }),
}).openapi('TwilioNumberAssignment', { example: { tenantId: '0192e7a0-0000-7000-8000-000000000001', function: 'order_taking', label: 'Commandes' } });

const SidParamSchema = z.object({
  sid: z
    .string()
    .regex(/^PN[0-9a-fA-F]{32}$/, 'A phone number SID is PN followed by 32 hexadecimal characters.')
    .openapi({ param: { name: 'sid', in: 'path' }, example: 'PN0123456789abcdef0123456789abcdef' }),
});

const accountJson = (state: TwilioAccountState) => ({
  connected: state.connected,
  publicUrlSet: state.publicUrlSet,
  voiceUrl: state.voiceUrl,
  statusCallbackUrl: state.statusCallbackUrl,
  account: state.account
    ? {
        accountSid: state.account.accountSid,
        apiKeySid: state.account.apiKeySid,
        twimlAppSid: state.account.twimlAppSid,
        connectedAt: state.account.connectedAt.toISOString(),
        connectedBy: state.account.connectedBy,
        updatedAt: state.account.updatedAt.toISOString(),
      }
    : null,
  numbers: state.numbers.map((n) => ({
    sid: n.sid,
    number: n.number,
    friendlyName: n.friendlyName,
    webhooksConfiguredAt: n.webhooksConfiguredAt?.toISOString() ?? null,
    syncedAt: n.syncedAt.toISOString(),
    assignment: n.assignment,
  })),
});

const accountResponse = { 200: { description: 'The account (never its secrets) and its numbers', content: { 'application/json': { schema: TwilioAccountSchema } } } };

const getAccount = createRoute({
  method: 'get',
  path: '/carrier/twilio',
  tags: ['telephony'],
  summary: "The provider's Twilio account, its numbers, whom each serves and whether its webhooks point at Switchboard",
  responses: { ...accountResponse, ...problemResponses(401, 403) },
});

const connect = createRoute({
  method: 'put',
  path: '/carrier/twilio',
  tags: ['telephony'],
  summary: 'Connect (or replace) the Twilio account: the credentials are checked with Twilio, an API key and a TwiML app are created for the browser leg',
  request: { body: { content: { 'application/json': { schema: ConnectBodySchema } }, required: true } },
  responses: { ...accountResponse, ...problemResponses(400, 401, 403, 503) },
});

const disconnect = createRoute({
  method: 'delete',
  path: '/carrier/twilio',
  tags: ['telephony'],
  summary: "Disconnect the Twilio account (its API key and TwiML app are removed at Twilio; the companies' numbers stay theirs)",
  responses: { 204: { description: 'Disconnected' }, ...problemResponses(401, 403, 404) },
});

const sync = createRoute({
  method: 'post',
  path: '/carrier/twilio/numbers/sync',
  tags: ['telephony'],
  summary: "Read the account's numbers from Twilio again",
  responses: {
    200: {
      description: 'The numbers added and removed, and the account',
      content: { 'application/json': { schema: z.object({ added: z.array(z.string()), removed: z.array(z.string()), account: TwilioAccountSchema }) } },
    },
    ...problemResponses(401, 403, 503),
  },
});

const assign = createRoute({
  method: 'put',
  path: '/carrier/twilio/numbers/{sid}/assignment',
  tags: ['telephony'],
  summary: 'Assign the number to a client company and function, and point its webhooks at Switchboard (409 when it answers for another company)',
  request: { params: SidParamSchema, body: { content: { 'application/json': { schema: AssignBodySchema } }, required: true } },
  responses: {
    200: {
      description: "Assigned; `webhooks` says whether Twilio took the number's new voice URL (retry with POST …/webhooks)",
      content: { 'application/json': { schema: z.object({ webhooks: z.enum(['configured', 'failed']), account: TwilioAccountSchema }) } },
    },
    ...problemResponses(400, 401, 403, 404, 409, 503),
  },
});

const unassign = createRoute({
  method: 'delete',
  path: '/carrier/twilio/numbers/{sid}/assignment',
  tags: ['telephony'],
  summary: 'Take the number off the company it serves',
  request: { params: SidParamSchema },
  responses: { 204: { description: 'Unassigned' }, ...problemResponses(401, 403, 404) },
});

const webhooks = createRoute({
  method: 'post',
  path: '/carrier/twilio/numbers/{sid}/webhooks',
  tags: ['telephony'],
  summary: "Point the number's voice URL (/voice) and status callback (/status) at Switchboard again",
  request: { params: SidParamSchema },
  responses: { ...accountResponse, ...problemResponses(401, 403, 404, 503) },
});

const VoiceLegSchema = z
  .object({
    leg: z.object({ kind: z.enum(voiceLegKinds), address: z.string() }).nullable().openapi({ description: 'Null: not set (the simulator carries your calls)' }),
    twilioConnected: z.boolean().openapi({ description: 'Whether the provider connected Twilio: the browser leg needs it' }),
  })
  .openapi('VoiceSettings');

const VoiceLegBodySchema = z
  .strictObject({
    kind: z.enum(voiceLegKinds).nullable().openapi({ description: 'browser, phone or sip; null clears it', example: 'phone' }),
    address: typedText(300).nullable().optional().openapi({ description: 'E.164 for a phone, sip:user@host for SIP; ignored for the browser', example: '+33612345678' }),
  })
  .openapi('VoiceLegBody');

const getVoice = createRoute({
  method: 'get',
  path: '/desk/voice',
  tags: ['desk'],
  summary: "How your voice reaches calls: the browser, a phone or a SIP address, and whether Twilio is connected",
  responses: { 200: { description: 'Your voice settings', content: { 'application/json': { schema: VoiceLegSchema } } }, ...problemResponses(401, 403) },
});

const putVoice = createRoute({
  method: 'put',
  path: '/desk/voice',
  tags: ['desk'],
  summary: 'Set how your voice reaches calls',
  request: { body: { content: { 'application/json': { schema: VoiceLegBodySchema } }, required: true } },
  responses: { 200: { description: 'Saved', content: { 'application/json': { schema: VoiceLegSchema } } }, ...problemResponses(400, 401, 403) },
});

const token = createRoute({
  method: 'post',
  path: '/desk/voice/token',
  tags: ['desk'],
  summary: "An access token for Twilio's Voice SDK in your browser (identity op-<your id>, one hour)",
  responses: {
    200: {
      description: 'The token',
      content: { 'application/json': { schema: z.object({ token: z.string(), identity: z.string(), expiresAt: z.string() }).openapi('VoiceToken') } },
    },
    ...problemResponses(401, 403, 503),
  },
});

export const twilioAccountRoutes = createRouter()
  .openapi(getAccount, async (c) => {
    requireUserPermission(currentUser(c), 'telephony.read');
    const { db, config } = c.var.deps;
    return c.json(accountJson(await twilioAccountState(db, config)), 200);
  })
  .openapi(connect, async (c) => {
    const user = currentUser(c);
    requireUserPermission(user, 'telephony.manage');
    const { db, config, now } = c.var.deps;
    await connectTwilioAccount(db, config, actorOf(user), c.req.valid('json'), now());
    return c.json(accountJson(await twilioAccountState(db, config)), 200);
  })
  .openapi(disconnect, async (c) => {
    const user = currentUser(c);
    requireUserPermission(user, 'telephony.manage');
    const { db, config } = c.var.deps;
    if (!(await disconnectTwilioAccount(db, config, actorOf(user)))) throw notFound('No Twilio account is connected.');
    return c.body(null, 204);
  })
  .openapi(sync, async (c) => {
    const user = currentUser(c);
    requireUserPermission(user, 'telephony.manage');
    const { db, config, now } = c.var.deps;
    const { added, removed } = await syncTwilioNumbers(db, config, actorOf(user), now());
    return c.json({ added, removed, account: accountJson(await twilioAccountState(db, config)) }, 200);
  })
  .openapi(assign, async (c) => {
    const user = currentUser(c);
    requireUserPermission(user, 'telephony.manage');
    const { db, config, now } = c.var.deps;
    const { tenantId, ...entry } = c.req.valid('json');
    const { webhooks } = await assignTwilioNumber(db, config, actorOf(user), c.req.valid('param').sid, { tenantId, ...entry }, now());
    return c.json({ webhooks, account: accountJson(await twilioAccountState(db, config)) }, 200);
  })
  .openapi(unassign, async (c) => {
    const user = currentUser(c);
    requireUserPermission(user, 'telephony.manage');
    if (!(await unassignTwilioNumber(c.var.deps.db, actorOf(user), c.req.valid('param').sid))) throw notFound('This number serves no client company.');
    return c.body(null, 204);
  })
  .openapi(webhooks, async (c) => {
    const user = currentUser(c);
    requireUserPermission(user, 'telephony.manage');
    const { db, config, now } = c.var.deps;
    await configureNumberWebhooks(db, config, actorOf(user), c.req.valid('param').sid, now());
    return c.json(accountJson(await twilioAccountState(db, config)), 200);
  })
  .openapi(getVoice, async (c) => {
    const user = currentUser(c);
    requireUserPermission(user, 'desk.work');
    const { db } = c.var.deps;
    return c.json({ leg: await loadVoiceLeg(db, user.id), twilioConnected: await twilioConnected(db) }, 200);
  })
  .openapi(putVoice, async (c) => {
    const user = currentUser(c);
    requireUserPermission(user, 'desk.work');
    const { db } = c.var.deps;
    const body = c.req.valid('json');
    await saveVoiceLeg(db, actorOf(user), body.kind === null ? null : parseVoiceLeg(body.kind, body.address));
    return c.json({ leg: await loadVoiceLeg(db, user.id), twilioConnected: await twilioConnected(db) }, 200);
  })
  .openapi(token, async (c) => {
    const user = currentUser(c);
    requireUserPermission(user, 'desk.work');
    const { db, config, now } = c.var.deps;
    const issued = await issueVoiceToken(db, config, user.id, now());
    return c.json({ token: issued.token, identity: issued.identity, expiresAt: issued.expiresAt.toISOString() }, 200);
  });
