import { createHmac } from 'node:crypto';
import twilio from 'twilio';
import type { Kysely } from 'kysely';
import { isUuid, routing, withTenant, type DB, type TenantTx } from '@switchboard/db';
import type { Config } from '../config.ts';
import { menuDefinitionSchema, NO_INPUT, walkMenu, type MenuDefinition, type MenuPrompt } from '../ivr/menu.ts';
import { receiveCall, type IncomingAnswer } from '../telephony/incoming.ts';
import { holdMusicAudio, loadMenuForNumber } from '../ivr/service.ts';
import { recordMenuStep } from '../ivr/visits.ts';
import { audioUrl } from '../ivr/audio-url.ts';
import { endCall } from '../routing/lifecycle.ts';
import { conferenceName } from './executor.ts';
import { phrasesFor } from './phrases.ts';
import { joinConference, type VoiceResponse } from './twiml.ts';
import { hookUrl } from './webhook.ts';

/**
 * The Twilio adapter's inbound side (issue 17, docs/telephony.md "Twilio adapter: how a call flows"): the
 * answers to Twilio's voice webhooks. Each reads what it needs in one tenant transaction (the tenant from
 * the dialled number or from the call id, never from the request alone) and answers TwiML; nothing here
 * calls Twilio's REST API.
 */

/** Twilio's own hold music, when the company has chosen none of its uploads. */
export const DEFAULT_HOLD_MUSIC = 'http://com.twilio.sounds.music.s3.amazonaws.com/MARKOVICHAMP-Borghestral.mp3';

/** Keys a caller may have pressed so far: menu keys and `_` (no input), at most this many. */
const MAX_KEYS = 40;
const keysPattern = /^[0-9*#_]*$/;
const E164 = /^\+[1-9]\d{4,14}$/;
/** Twilio's call ids: CA and 32 hex digits. */
const CALL_SID = /^CA[0-9a-fA-F]{32}$/;

type HookConfig = Pick<Config, 'publicUrl' | 'secretsKey'>;

const newResponse = (): VoiceResponse => new twilio.twiml.VoiceResponse();

/** A <Say> or a <Play> of a menu prompt, into a response or a <Gather>. */
function playPrompt(into: { say: VoiceResponse['say']; play: VoiceResponse['play'] }, config: HookConfig, tenantId: string, prompt: MenuPrompt, language: string, loop: number, now: Date): void {
  if (prompt.kind === 'tts') into.say({ language: language as 'en-GB', loop }, prompt.text);
  else into.play({ loop }, audioUrl(config, tenantId, prompt.audioId, now));
}

/** The keys of a `?keys=` query plus the digit a <Gather> reports; null when they are not keys at all. */
export function keysOf(query: string | undefined, digits: string | undefined): string | null {
  const keys = `${query ?? ''}${digits ?? ''}`;
  return keys.length <= MAX_KEYS && keysPattern.test(keys) ? keys : null;
}

function isDialable(address: string): boolean {
  return /^\+[1-9]\d{4,14}$/.test(address) || /^sip:[^\s<>"]{1,290}$/.test(address);
}

/** <Dial> to an E.164 number or a SIP address, showing the company's number. */
export function dialTo(response: VoiceResponse, address: string, callerId: string | undefined): void {
  const dial = response.dial(callerId && /^\+[1-9]\d{4,14}$/.test(callerId) ? { callerId } : {});
  if (address.startsWith('sip:')) dial.sip(address);
  else dial.number(address);
}

/** The voicemail: the caller's message is recorded by Twilio and reported to the recording hook. */
function leaveMessage(response: VoiceResponse, config: HookConfig, callId: string, locale: string): void {
  const { language, say } = phrasesFor(locale);
  response.say({ language }, say.leaveMessage);
  response.record({ maxLength: 120, playBeep: true, recordingStatusCallback: hookUrl(config, `/recording?call=${callId}`), recordingStatusCallbackMethod: 'POST' });
  response.hangup();
}

/** The TwiML for what receiveCall answered: the queue (the conference), or the after-hours action. */
export function answerTwiml(config: HookConfig, answer: IncomingAnswer, dialled: string, locale: string): string {
  const response = newResponse();
  const { language, say } = phrasesFor(locale);
  switch (answer.outcome) {
    case 'queued':
      joinConference(response, config, answer.id);
      break;
    case 'forward':
      if (answer.forwardTo && isDialable(answer.forwardTo)) dialTo(response, answer.forwardTo, dialled);
      else leaveMessage(response, config, answer.id, locale);
      break;
    case 'callback':
      response.say({ language }, say.callback);
      response.hangup();
      break;
    case 'message':
      leaveMessage(response, config, answer.id, locale);
      break;
    case 'announcement':
      response.say({ language }, answer.announcement ?? say.notInService);
      response.hangup();
      break;
  }
  return response.toString();
}

export interface VoiceParams {
  callSid: string;
  from: string;
  to: string;
  keys: string | undefined;
  digits: string | undefined;
}

const notInService = () => {
  const response = newResponse();
  const { language, say } = phrasesFor(null);
  response.say({ language }, say.notInService);
  response.hangup();
  return response.toString();
};

/**
 * POST /voice: a customer dialled one of the company's numbers. With a keypad menu on the number, each
 * request walks it from the root with the keys so far (`?keys=`, plus the <Gather>'s Digits): still in the
 * menu → its prompt in a <Gather> (a key → back here with it; silence → back here with `_`); out of it →
 * receiveCall with the function chosen (idempotent on the CallSid), then the queue or the after-hours TwiML.
 */
export async function answerVoice(db: Kysely<DB>, config: HookConfig, input: VoiceParams, now: Date): Promise<{ twiml: string; queued: boolean }> {
  const owner = E164.test(input.to) ? await routing.tenantForNumber(db, input.to) : undefined;
  const keys = keysOf(input.keys, input.digits);
  if (!owner || !CALL_SID.test(input.callSid) || keys === null) return { twiml: notInService(), queued: false };
  const { menu, step, locale } = await withTenant(db, owner.tenantId, async (tx) => {
    const tenant = await tx.selectFrom('tenants').select(['locale']).where('id', '=', owner.tenantId).executeTakeFirstOrThrow();
    const menu = await loadMenuForNumber(tx, input.to);
    if (!menu) return { menu, step: null, locale: tenant.locale };
    // Where the caller got to is kept for the menu's figures (a hang-up in the menu shows there).
    const step = walkMenu(menu, keys);
    await recordMenuStep(tx, { number: input.to, carrierRef: input.callSid }, step, now);
    return { menu, step, locale: tenant.locale };
  });
  let chosen: { function: string; keys: string; afterHours: boolean } | undefined;
  if (menu && step) {
    const { language, say } = phrasesFor(locale);
    if (step.kind === 'menu') {
      const node = menu.nodes[step.node]!;
      const response = newResponse();
      if (step.invalid) response.say({ language }, say.notAChoice);
      const gather = response.gather({ numDigits: 1, timeout: 6, action: hookUrl(config, `/voice?keys=${encodeURIComponent(step.keys)}`), method: 'POST', actionOnEmptyResult: false });
      playPrompt(gather as unknown as VoiceResponse, config, owner.tenantId, step.prompt, language, node.repeat, now);
      response.redirect({ method: 'POST' }, hookUrl(config, `/voice?keys=${encodeURIComponent(step.keys + NO_INPUT)}`));
      return { twiml: response.toString(), queued: false };
    }
    if (step.kind === 'message') {
      const response = newResponse();
      playPrompt(response, config, owner.tenantId, step.prompt, language, 1, now);
      response.hangup();
      return { twiml: response.toString(), queued: false };
    }
    chosen = { function: step.function, keys: step.keys, afterHours: step.kind === 'after_hours' };
  }
  // A withheld or odd caller id (Twilio sends `anonymous`, a `client:` identity…) is kept as `anonymous`, never as given.
  const caller = E164.test(input.from) ? input.from : 'anonymous';
  const result = await receiveCall(db, { callId: input.callSid, dialled: input.to, caller, adapter: 'twilio', ...(chosen ? { function: chosen.function, menu: { keys: chosen.keys, afterHours: chosen.afterHours } } : {}) }, now, owner);
  if (!result) return { twiml: notInService(), queued: false };
  return { twiml: answerTwiml(config, result.answer, input.to, locale), queued: result.queued };
}

/** The call a hook's `?call=` names, in its own tenant; undefined for a malformed or unknown id. */
async function tenantOf(db: Kysely<DB>, callId: string | undefined): Promise<string | undefined> {
  return callId && isUuid(callId) ? routing.tenantOfCall(db, callId) : undefined;
}

/** The company's chosen hold music (the phone menus page), through a signed, expiring URL; else the default. */
async function holdMusicUrl(tx: TenantTx, config: HookConfig, tenantId: string, now: Date): Promise<string> {
  const audioId = await holdMusicAudio(tx);
  return audioId ? audioUrl(config, tenantId, audioId, now) : DEFAULT_HOLD_MUSIC;
}

/**
 * POST /wait?call= (the conference's wait URL, requested again each time it finishes): the caller's
 * position among the calls waiting for the same skill, in the company's language, then one track of hold
 * music (the company's, or Twilio's). A CallSid that is not the call's own leg gets silence: a hook's ids
 * never reach another call.
 */
export async function waitTwiml(db: Kysely<DB>, config: HookConfig, callId: string | undefined, callSid: string | undefined, withPosition: boolean, now: Date): Promise<string | null> {
  const tenantId = await tenantOf(db, callId);
  if (!tenantId) return null;
  return withTenant(db, tenantId, async (tx) => {
    const call = await tx
      .selectFrom('calls as c')
      .innerJoin('tenants as t', 't.id', 'c.tenantId')
      .leftJoin('callQueue as q', 'q.callId', 'c.id')
      .select(['c.id', 'c.carrierCallSid', 't.locale', 'q.function', 'q.requiredSkill', 'q.enqueuedAt'])
      .where('c.id', '=', callId!)
      .executeTakeFirst();
    if (!call || !call.carrierCallSid || call.carrierCallSid !== callSid) return null;
    const response = newResponse();
    const { language, say } = phrasesFor(call.locale);
    if (withPosition && call.enqueuedAt) {
      const mine = { at: call.enqueuedAt, id: call.id };
      let ahead = tx
        .selectFrom('callQueue')
        .select((eb) => eb.fn.countAll<string>().as('n'))
        .where('function', '=', call.function!)
        .where((eb) => eb.or([eb('enqueuedAt', '<', mine.at), eb.and([eb('enqueuedAt', '=', mine.at), eb('callId', '<', mine.id)])]));
      ahead = call.requiredSkill === null ? ahead.where('requiredSkill', 'is', null) : ahead.where('requiredSkill', '=', call.requiredSkill);
      const { n } = await ahead.executeTakeFirstOrThrow();
      response.say({ language }, say.position(Number(n) + 1));
    } else if (withPosition) {
      response.say({ language }, say.pleaseHold);
    }
    response.play({}, await holdMusicUrl(tx, config, tenantId, now));
    return response.toString();
  });
}

const FINAL_STATUSES = new Set(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

/**
 * POST /status (the number's status callback): the customer's leg is over. The call is found in the
 * dialled number's tenant by its CallSid, and ends as `POST /api/telephony/calls/{id}/ended` with `by:
 * caller` ends it (a waiting call abandoned, a connected one to wrap-up; an ended one stays as it is).
 */
export async function callerLegEnded(db: Kysely<DB>, input: { callSid: string; to: string; from: string; status: string }, now: Date): Promise<boolean> {
  if (!FINAL_STATUSES.has(input.status) || !CALL_SID.test(input.callSid)) return false;
  const candidates = [input.to, input.from].filter((n) => /^\+[1-9]\d{4,14}$/.test(n));
  for (const number of candidates) {
    const owner = await routing.tenantForNumber(db, number);
    if (!owner) continue;
    const ended = await withTenant(db, owner.tenantId, async (tx) => {
      const call = await tx.selectFrom('calls').select(['id']).where('carrierCallSid', '=', input.callSid).where('adapter', '=', 'twilio').executeTakeFirst();
      if (!call) return false;
      await endCall(tx, call.id, 'caller', now);
      return true;
    });
    if (ended) return true;
  }
  return false;
}

/**
 * POST /conference?call= (the conference's status callback): the operator's leg left while the call was
 * still connected (they put their phone down, the browser tab closed) → the call ends as hung up by the
 * operator. A leave the adapter caused (a requeue, a handover) finds the call no longer connected.
 */
export async function conferenceEvent(
  db: Kysely<DB>,
  input: { callId: string | undefined; event: string; label: string; friendlyName: string; conferenceSid?: string },
  now: Date,
): Promise<boolean> {
  const tenantId = await tenantOf(db, input.callId);
  if (!tenantId || input.friendlyName !== conferenceName(input.callId!)) return false;
  const sid = input.conferenceSid && /^CF[0-9a-fA-F]{32}$/.test(input.conferenceSid) ? input.conferenceSid : null;
  const leaving = input.event === 'participant-leave' && input.label === 'operator';
  if (!sid && !leaving) return false;
  return withTenant(db, tenantId, async (tx) => {
    // The conference's SID: Twilio updates and removes participants only through it (call-control.ts).
    if (sid) await tx.updateTable('calls').set({ carrierConferenceSid: sid }).where('id', '=', input.callId!).where('adapter', '=', 'twilio').where('carrierConferenceSid', 'is', null).execute();
    if (!leaving) return false;
    const call = await tx.selectFrom('calls').select(['id', 'status', 'adapter']).where('id', '=', input.callId!).forUpdate().executeTakeFirst();
    if (!call || call.adapter !== 'twilio' || call.status !== 'connected') return false;
    await endCall(tx, call.id, 'operator', now);
    return true;
  });
}

/** POST /client (the TwiML app's voice URL): operators do not dial out from the browser. */
export function clientTwiml(): string {
  const response = newResponse();
  const { language, say } = phrasesFor(null);
  response.say({ language }, say.noDialling);
  response.hangup();
  return response.toString();
}
