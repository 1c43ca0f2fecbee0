import twilio from 'twilio';
import { withTenant } from '@switchboard/db';
import { conferenceName, type TwilioCommandContext, type TwilioHandler } from './executor.ts';
import type { CommandKind } from '../telephony/commands.ts';
import { dialTo } from './inbound.ts';
import { phrasesFor } from './phrases.ts';
import { surveyTwiml } from './survey.ts';
import { hookUrl } from './webhook.ts';

/**
 * The Twilio adapter's call control (issue 17, TELEPHONY design "Twilio call audio = a conference"): each
 * command of a call Twilio carries becomes REST requests on the call's conference `sb-<call id>` and its
 * participants labelled `caller`, `operator` and `target`, or on the customer's leg itself. What a handler
 * needs from the database is read in one tenant transaction before any request (never a remote call inside a
 * transaction). Every handler is safe to run twice: what is already so is left so (a participant already
 * there is not added again, one already gone is not an error). A 5xx or an outage throws: the delivery pass
 * retries.
 */

interface CallFacts {
  carrierCallSid: string | null;
  dialled: string;
  locale: string;
}

async function callFacts(ctx: TwilioCommandContext, callId: string): Promise<CallFacts> {
  const row = await withTenant(ctx.db, ctx.tenantId, (tx) =>
    tx
      .selectFrom('calls as c')
      .innerJoin('tenants as t', 't.id', 'c.tenantId')
      .select(['c.carrierCallSid', 'c.dialledNumber', 't.locale'])
      .where('c.id', '=', callId)
      .executeTakeFirst(),
  );
  if (!row) throw new Error(`Call ${callId} is not this tenant's.`);
  return { carrierCallSid: row.carrierCallSid, dialled: row.dialledNumber, locale: row.locale };
}

/** The customer's leg; a call Twilio does not carry (yet) has none, and the command cannot be done. */
function customerLeg(facts: CallFacts, callId: string): string {
  if (!facts.carrierCallSid) throw new Error(`Call ${callId} has no Twilio leg.`);
  return facts.carrierCallSid;
}

const statusOf = (error: unknown) => (error as { status?: number }).status;
/** Twilio's "not found" (the participant or call is gone) and "call is not in progress" (21220: already over). */
const gone = (error: unknown) => statusOf(error) === 404 || (error as { code?: number }).code === 21220;

async function ignoringGone(request: () => Promise<unknown>): Promise<void> {
  try {
    await request();
  } catch (error) {
    if (!gone(error)) throw error;
  }
}

/**
 * The conference's SID (`CF…`): Twilio creates a participant in a conference named by its friendly name, but
 * fetches, updates and removes participants only through the SID. It is kept on the call once known (the
 * conference's status callback, or this lookup by name); before the conference exists the name stands in
 * (and a participant request on it answers 404: nothing to hold or remove yet).
 */
async function conferenceRef(ctx: TwilioCommandContext, callId: string): Promise<string> {
  const stored = await withTenant(ctx.db, ctx.tenantId, (tx) =>
    tx.selectFrom('calls').select('carrierConferenceSid').where('id', '=', callId).executeTakeFirst(),
  );
  if (stored?.carrierConferenceSid) return stored.carrierConferenceSid;
  const [found] = await ctx.client.conferences.list({ friendlyName: conferenceName(callId), limit: 1 });
  if (!found || !/^CF[0-9a-fA-F]{32}$/.test(found.sid)) return conferenceName(callId);
  await withTenant(ctx.db, ctx.tenantId, (tx) =>
    tx.updateTable('calls').set({ carrierConferenceSid: found.sid }).where('id', '=', callId).where('carrierConferenceSid', 'is', null).execute(),
  );
  return found.sid;
}

const participant = async (ctx: TwilioCommandContext, callId: string, label: string) => ctx.client.conferences(await conferenceRef(ctx, callId)).participants(label);

async function hasParticipant(ctx: TwilioCommandContext, callId: string, label: string): Promise<boolean> {
  try {
    await (await participant(ctx, callId, label)).fetch();
    return true;
  } catch (error) {
    if (gone(error)) return false;
    throw error;
  }
}

/** Adds a leg to the conference under `label`, unless one is already there (a retried command). */
async function addParticipant(ctx: TwilioCommandContext, callId: string, label: string, to: string, from: string): Promise<void> {
  if (await hasParticipant(ctx, callId, label)) return;
  await ctx.client.conferences(conferenceName(callId)).participants.create({
    label,
    to,
    from,
    beep: 'false',
    startConferenceOnEnter: true,
    endConferenceOnExit: false,
    earlyMedia: false,
  });
}

const holdCaller = (ctx: TwilioCommandContext, callId: string, holdPath: string) =>
  ignoringGone(async () => (await participant(ctx, callId, 'caller')).update({ hold: true, holdUrl: hookUrl(ctx.config, `${holdPath}?call=${callId}`), holdMethod: 'POST' }));
const unholdCaller = (ctx: TwilioCommandContext, callId: string) => ignoringGone(async () => (await participant(ctx, callId, 'caller')).update({ hold: false }));
const removeParticipant = (ctx: TwilioCommandContext, callId: string, label: string) => ignoringGone(async () => (await participant(ctx, callId, label)).remove());

/** The dual-channel recording of the customer's leg (caller and operator on separate channels), once. */
async function startRecording(ctx: TwilioCommandContext, callId: string, leg: string, state: 'on' | 'paused'): Promise<void> {
  const existing = await ctx.client.calls(leg).recordings.list();
  if (!existing.some((r) => r.status === 'in-progress' || r.status === 'paused')) {
    await ctx.client.calls(leg).recordings.create({
      recordingChannels: 'dual',
      recordingStatusCallback: hookUrl(ctx.config, `/recording?call=${callId}`),
      recordingStatusCallbackMethod: 'POST',
      recordingStatusCallbackEvent: ['completed'],
    });
  }
  if (state === 'paused') await ctx.client.calls(leg).recordings('Twilio.CURRENT').update({ status: 'paused' });
}

type Ctx<K extends CommandKind> = TwilioCommandContext<K>;

/** An operator took the call: their leg joins the conference (the caller off hold), and the recording starts. */
export const bridge: TwilioHandler<'bridge'> = async (ctx: Ctx<'bridge'>) => {
  const { callId, leg, record } = ctx.command.payload;
  const facts = await callFacts(ctx, callId);
  const customer = customerLeg(facts, callId);
  // 'desk': the operator has no carrier leg (the simulator's desks); nothing to ring.
  if (leg.kind !== 'desk' && leg.address) await addParticipant(ctx, callId, 'operator', leg.address, facts.dialled);
  await unholdCaller(ctx, callId);
  if (record !== 'off') await startRecording(ctx, callId, customer, record);
};

/** Back to the queue (a transfer to a skill): the caller hears the wait music and position, the operator leaves. */
export const requeue: TwilioHandler<'requeue'> = async (ctx: Ctx<'requeue'>) => {
  const { callId } = ctx.command.payload;
  await holdCaller(ctx, callId, '/wait');
  await removeParticipant(ctx, callId, 'operator');
};

/** Out of Switchboard's hands: the customer's leg leaves the conference for a forward, a message, a callback or an announcement. */
export const redirect: TwilioHandler<'redirect'> = async (ctx: Ctx<'redirect'>) => {
  const { callId, action, forwardTo, announcement } = ctx.command.payload;
  const facts = await callFacts(ctx, callId);
  const leg = customerLeg(facts, callId);
  const response = new twilio.twiml.VoiceResponse();
  const { language, say } = phrasesFor(facts.locale);
  const dialable = forwardTo && (/^\+[1-9]\d{4,14}$/.test(forwardTo) || /^sip:[^\s<>"]{1,290}$/.test(forwardTo));
  if (action === 'forward' && dialable) {
    response.say({ language }, say.transferring);
    dialTo(response, forwardTo, facts.dialled);
  } else if (action === 'callback') {
    response.say({ language }, say.callback);
    response.hangup();
  } else if (action === 'announcement') {
    response.say({ language }, announcement ?? say.notInService);
    response.hangup();
  } else {
    // 'message', or a forward to nowhere dialable (an email): the caller leaves a voicemail.
    response.say({ language }, say.leaveMessage);
    response.record({ maxLength: 120, playBeep: true, recordingStatusCallback: hookUrl(ctx.config, `/recording?call=${callId}`), recordingStatusCallbackMethod: 'POST' });
    response.hangup();
  }
  await ignoringGone(() => ctx.client.calls(leg).update({ twiml: response.toString() }));
};

export const hold: TwilioHandler<'hold'> = async (ctx: Ctx<'hold'>) => holdCaller(ctx, ctx.command.payload.callId, '/hold-music');
export const resume: TwilioHandler<'resume'> = async (ctx: Ctx<'resume'>) => unholdCaller(ctx, ctx.command.payload.callId);
export const mute: TwilioHandler<'mute'> = async (ctx: Ctx<'mute'>) =>
  ignoringGone(async () => (await participant(ctx, ctx.command.payload.callId, 'operator')).update({ muted: true }));
export const unmute: TwilioHandler<'unmute'> = async (ctx: Ctx<'unmute'>) =>
  ignoringGone(async () => (await participant(ctx, ctx.command.payload.callId, 'operator')).update({ muted: false }));

/** Warm transfer: the caller on hold, the target rung into the conference to talk with the operator alone. */
export const consult: TwilioHandler<'consult'> = async (ctx: Ctx<'consult'>) => {
  const { callId, target } = ctx.command.payload;
  const facts = await callFacts(ctx, callId);
  await holdCaller(ctx, callId, '/hold-music');
  await addParticipant(ctx, callId, 'target', target, facts.dialled);
};

/** The operator hands over: they leave, the caller comes off hold with the target. */
export const consultHandover: TwilioHandler<'consult_handover'> = async (ctx: Ctx<'consult_handover'>) => {
  const { callId } = ctx.command.payload;
  await removeParticipant(ctx, callId, 'operator');
  await unholdCaller(ctx, callId);
};

/** The consult is abandoned: the target leaves, the caller comes back off hold. */
export const consultCancel: TwilioHandler<'consult_cancel'> = async (ctx: Ctx<'consult_cancel'>) => {
  const { callId } = ctx.command.payload;
  await removeParticipant(ctx, callId, 'target');
  await unholdCaller(ctx, callId);
};

/** Three-way: the target joins (or stays, after a consult), the caller off hold. */
export const conference: TwilioHandler<'conference'> = async (ctx: Ctx<'conference'>) => {
  const { callId, target } = ctx.command.payload;
  const facts = await callFacts(ctx, callId);
  await addParticipant(ctx, callId, 'target', target, facts.dialled);
  await unholdCaller(ctx, callId);
};

/**
 * The operator hung up: the customer's leg ends — or, with a survey, leaves the conference for the survey's
 * <Gather>s (the conference ends with it, so the operator's leg is dropped too).
 */
export const hangUp: TwilioHandler<'hang_up'> = async (ctx: Ctx<'hang_up'>) => {
  const { callId, survey } = ctx.command.payload;
  const facts = await callFacts(ctx, callId);
  const leg = customerLeg(facts, callId);
  if (survey) {
    const body = surveyTwiml(ctx.config, callId, survey, facts.locale);
    await ignoringGone(() => ctx.client.calls(leg).update({ twiml: body }));
  } else {
    await ignoringGone(() => ctx.client.calls(leg).update({ status: 'completed' }));
  }
};
