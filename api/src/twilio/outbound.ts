import twilio from 'twilio';
import type { Kysely } from 'kysely';
import { isUuid, outbound, withTenant, type DB } from '@switchboard/db';
import type { Config } from '../config.ts';
import { reportDialProgress, type ProgressAnswer, type ProgressEvent } from '../dialer/progress.ts';
import { ProblemError } from '../http/problem.ts';
import { endCall } from '../routing/lifecycle.ts';
import type { TwilioHandler } from './executor.ts';
import { joinConference, sayLanguage } from './twiml.ts';
import { hookUrl } from './webhook.ts';

/**
 * Outbound calls through Twilio (issue 17, docs/telephony.md "Twilio: outbound, recordings, survey"): the
 * dialer's `originate` command places the call with Twilio's answering-machine detection, the campaign's
 * caller ID and ring timeout; Twilio then tells us how it went on two hooks, which report to the dialer
 * exactly what the HTTP boundary's POST /api/telephony/dials/{id}/progress reports (reportDialProgress):
 *
 * - `/outbound/answer?dial=` (the call's TwiML URL, once someone or something picks up): AnsweredBy says
 *   whether a person (`answered`: an operator is connected → the callee joins the call's conference, its
 *   CallSid kept as `calls.carrier_call_sid`; nobody free → the campaign's abandon message, then hang up)
 *   or a machine (`machine`: hang up, retried by the campaign's rules).
 * - `/outbound/status?dial=` (status callback): ringing, busy, no-answer, failed, canceled → the dial
 *   progress events; `completed` of the connected leg → the call ended by the callee (the `caller`).
 */

const sidPattern = (prefix: string) => new RegExp(`^${prefix}[0-9a-fA-F]{32}$`);
export const callSidPattern = sidPattern('CA');

/** The CallSid of a webhook when it is one (Twilio's form: CA + 32 hex), else undefined. */
export const callSidOf = (params: Record<string, string>) => (callSidPattern.test(params.CallSid ?? '') ? params.CallSid : undefined);

/** Twilio's ring timeout bounds (seconds). */
const ringTimeout = (seconds: number) => Math.min(600, Math.max(5, Math.round(seconds)));

/**
 * Places the dial. Safe to run twice: only an attempt still `originating` (read under the command's tenant:
 * another tenant's dial id finds nothing) is placed; once Twilio reports it ringing, a retried command
 * places nothing. A second leg placed by a retry whose answer was lost is hung up when it answers (below).
 */
export const originate: TwilioHandler<'originate'> = async ({ db, config, client, tenantId, command }) => {
  const { dialId, from, to, ringTimeoutSeconds, detectMachine } = command.payload;
  const attempt = await withTenant(db, tenantId, (tx) => tx.selectFrom('dialAttempts').select(['status', 'adapter']).where('id', '=', dialId).executeTakeFirst());
  if (!attempt || attempt.status !== 'originating' || attempt.adapter !== 'twilio') return;
  await client.calls.create({
    to,
    from,
    url: hookUrl(config, `/outbound/answer?dial=${dialId}`),
    method: 'POST',
    statusCallback: hookUrl(config, `/outbound/status?dial=${dialId}`),
    statusCallbackMethod: 'POST',
    statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    timeout: ringTimeout(ringTimeoutSeconds),
    ...(detectMachine ? { machineDetection: 'Enable' as const } : {}),
  });
};

/** AnsweredBy (answering-machine detection): anything Twilio recognises as a machine or a fax; a person, or unknown, is a person. */
export function isMachine(answeredBy: string | undefined): boolean {
  return !!answeredBy && (answeredBy.startsWith('machine') || answeredBy === 'fax');
}

const hangUp = () => {
  const response = new twilio.twiml.VoiceResponse();
  response.hangup();
  return response.toString();
};

async function report(db: Kysely<DB>, dialId: string, event: ProgressEvent, now: Date, carrierCallSid?: string): Promise<ProgressAnswer | null> {
  if (!isUuid(dialId)) return null;
  try {
    return await reportDialProgress(db, dialId, event, now, carrierCallSid ? { carrierCallSid } : {});
  } catch (error) {
    // A preview the operator has not dialled cannot be answered: nothing to connect.
    if (error instanceof ProblemError && error.status === 409) return null;
    throw error;
  }
}

/** The TwiML for the answered callee: join the call, the abandon message, or hang up. */
export async function answerOutbound(db: Kysely<DB>, config: Pick<Config, 'publicUrl'>, dialId: string, params: Record<string, string>, now: Date): Promise<{ twiml: string; answer: ProgressAnswer | null }> {
  const callSid = callSidOf(params);
  const answer = await report(db, dialId, isMachine(params.AnsweredBy) ? 'machine' : 'answered', now, callSid);
  if (!answer) return { twiml: hangUp(), answer };
  const tenantId = (await outbound.tenantOfAttempt(db, dialId))!;
  if (answer.action === 'connect') {
    const call = await withTenant(db, tenantId, (tx) => tx.selectFrom('calls').select(['carrierCallSid', 'endedAt']).where('id', '=', answer.callId).executeTakeFirstOrThrow());
    // Another leg of the same dial (a retried originate) already holds the call, or the call is over.
    if (call.endedAt || (call.carrierCallSid && call.carrierCallSid !== callSid)) return { twiml: hangUp(), answer };
    return { twiml: joinConference(new twilio.twiml.VoiceResponse(), config, answer.callId).toString(), answer };
  }
  if (answer.action === 'abandon') {
    const locale = await withTenant(db, tenantId, (tx) => tx.selectFrom('tenants').select('locale').where('id', '=', tenantId).executeTakeFirst());
    const response = new twilio.twiml.VoiceResponse();
    response.say({ language: sayLanguage(locale?.locale) }, answer.message);
    response.hangup();
    return { twiml: response.toString(), answer };
  }
  return { twiml: hangUp(), answer };
}

/** Twilio's CallStatus → the dial progress event (undefined: nothing to report: queued, initiated, in-progress, completed). */
const progressOf: Record<string, ProgressEvent | undefined> = {
  ringing: 'ringing',
  busy: 'busy',
  'no-answer': 'no_answer',
  failed: 'failed',
  // Cancelled before it was answered (by us, or Twilio gave up): the network did not put it through.
  canceled: 'failed',
};

export type OutboundStatusResult = 'reported' | 'ended' | 'ignored';

/**
 * A status callback of a placed dial. `completed`: when the dial became a call and this leg is the one it
 * holds, the callee hung up (ended by `caller`; a call the operator already ended is left as it is); when
 * the dial never reached a person (the answer hook never ran), it failed.
 */
export async function outboundStatus(db: Kysely<DB>, dialId: string, params: Record<string, string>, now: Date): Promise<OutboundStatusResult> {
  if (!isUuid(dialId)) return 'ignored';
  const status = params.CallStatus ?? '';
  const event = Object.hasOwn(progressOf, status) ? progressOf[status] : undefined;
  if (event) return (await report(db, dialId, event, now)) ? 'reported' : 'ignored';
  if (status !== 'completed') return 'ignored';
  const tenantId = await outbound.tenantOfAttempt(db, dialId);
  if (!tenantId) return 'ignored';
  const callSid = callSidOf(params);
  const outcome = await withTenant(db, tenantId, async (tx) => {
    const attempt = await tx.selectFrom('dialAttempts').select(['status', 'callId']).where('id', '=', dialId).executeTakeFirst();
    if (!attempt) return 'ignored' as const;
    if (attempt.callId) {
      const call = await tx.selectFrom('calls').select(['carrierCallSid']).where('id', '=', attempt.callId).executeTakeFirst();
      if (!call || !callSid || call.carrierCallSid !== callSid) return 'ignored' as const;
      await endCall(tx, attempt.callId, 'caller', now);
      return 'ended' as const;
    }
    return attempt.status === 'originating' || attempt.status === 'ringing' ? ('unanswered' as const) : ('ignored' as const);
  });
  if (outcome === 'unanswered') return (await report(db, dialId, 'failed', now)) ? 'reported' : 'ignored';
  return outcome;
}
