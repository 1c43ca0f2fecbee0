import { enqueueCommand } from '../telephony/commands.ts';
import type { Kysely } from 'kysely';
import { isUuid, routing, withTenant, type DB } from '@switchboard/db';
import type { Config } from '../config.ts';
import { ProblemError } from '../http/problem.ts';
import { keepRecordingRef } from '../recordings/service.ts';
import { loadTwilioAccount, type TwilioClient } from './client.ts';
import type { TwilioHandler } from './executor.ts';
import { hookUrl } from './webhook.ts';

/**
 * Call recordings kept by Twilio (issue 17, docs/telephony.md "Twilio: outbound, recordings, survey"). A
 * recording is started on the customer's leg at bridge (dual channel), paused and resumed by the
 * `recording` command (the operator pauses it while the caller reads out card details), and its reference
 * is kept on the call as `twilio:RE…` when Twilio says it is ready (the `/recording` hook). It is never
 * handed out as a Twilio link: Switchboard streams it to a user who may listen (recordings.listen), each
 * listen logged. Retention and erasure that remove a `twilio:` reference enqueue `delete_recording`.
 */

export const TWILIO_REF_PREFIX = 'twilio:';
const recordingSidPattern = /^RE[0-9a-fA-F]{32}$/;

/** The RecordingSid of a `twilio:RE…` reference, or undefined for any other reference. */
export function twilioRecordingSid(ref: string | null | undefined): string | undefined {
  if (!ref?.startsWith(TWILIO_REF_PREFIX)) return undefined;
  const sid = ref.slice(TWILIO_REF_PREFIX.length);
  return recordingSidPattern.test(sid) ? sid : undefined;
}

const isNotFound = (error: unknown) => typeof error === 'object' && error !== null && (error as { status?: unknown }).status === 404;

/** Starts the dual-channel recording of a call's customer leg; Twilio reports it on `/recording?call=`. */
export async function startRecording(client: TwilioClient, config: Pick<Config, 'publicUrl'>, carrierCallSid: string, callId: string): Promise<void> {
  await client.calls(carrierCallSid).recordings.create({
    recordingChannels: 'dual',
    recordingStatusCallback: hookUrl(config, `/recording?call=${callId}`),
    recordingStatusCallbackMethod: 'POST',
    recordingStatusCallbackEvent: ['completed'],
  });
}

/**
 * The recording's state changed (on, paused for payment details, off): the call's current recording is
 * updated (`Twilio.CURRENT`). Turned on with none running (it never started), one is started. Safe twice:
 * setting a state it already has changes nothing at Twilio.
 */
export const recording: TwilioHandler<'recording'> = async ({ db, config, client, tenantId, command }) => {
  const { callId, state } = command.payload;
  const call = await withTenant(db, tenantId, (tx) => tx.selectFrom('calls').select(['carrierCallSid']).where('id', '=', callId).executeTakeFirst());
  if (!call?.carrierCallSid) return;
  const status = state === 'on' ? 'in-progress' : state === 'paused' ? 'paused' : 'stopped';
  try {
    await client.calls(call.carrierCallSid).recordings('Twilio.CURRENT').update({ status, ...(state === 'paused' ? { pauseBehavior: 'skip' } : {}) });
  } catch (error) {
    if (!isNotFound(error)) throw error;
    if (state === 'on') await startRecording(client, config, call.carrierCallSid, callId);
  }
};

/** Retention or erasure removed a `twilio:` reference: the recording is deleted at Twilio (already gone: done). */
export const deleteRecording: TwilioHandler<'delete_recording'> = async ({ client, command }) => {
  const sid = twilioRecordingSid(command.payload.ref);
  if (!sid) return;
  try {
    await client.recordings(sid).remove();
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
};

export type RecordingCallbackResult = 'kept' | 'deleted' | 'ignored';

/**
 * Twilio's recording status callback: a completed recording of the call's customer leg is kept as
 * `twilio:RE…` through keepRecordingRef, the same rule as the HTTP boundary's; a recording the call may not
 * have (refused `not-recorded`: the client's rules say never, or no operator answered) gets a
 * `delete_recording` command, so no recording the policy forbids is left anywhere.
 */
export async function recordingCallback(
  db: Kysely<DB>,
  callId: string,
  params: Record<string, string>,
  now: Date,
): Promise<RecordingCallbackResult> {
  const sid = params.RecordingSid ?? '';
  if (!recordingSidPattern.test(sid) || params.RecordingStatus !== 'completed' || !isUuid(callId)) return 'ignored';
  const tenantId = await routing.tenantOfCall(db, callId);
  if (!tenantId) return 'ignored';
  const outcome = await withTenant(db, tenantId, async (tx) => {
    const call = await tx.selectFrom('calls').select(['carrierCallSid']).where('id', '=', callId).executeTakeFirstOrThrow();
    // Only a recording of this call's customer leg (the leg it was started on) belongs to it.
    if (!call.carrierCallSid || params.CallSid !== call.carrierCallSid) return 'ignored' as const;
    try {
      await keepRecordingRef(tx, callId, `${TWILIO_REF_PREFIX}${sid}`, now);
      return 'kept' as const;
    } catch (error) {
      if (error instanceof ProblemError && error.slug === 'not-recorded') return 'refused' as const;
      throw error;
    }
  });
  if (outcome !== 'refused') return outcome;
  // Deleted at Twilio by the push boundary (retried until Twilio answers), not inline: a webhook that fails
  // on Twilio's side would leave the recording there, and the client's error would be logged with it.
  await withTenant(db, tenantId, (tx) => enqueueCommand(tx, { tenantId, adapter: 'twilio', callId }, 'delete_recording', { ref: `${TWILIO_REF_PREFIX}${sid}` }, now));
  return 'deleted';
}

/**
 * The recording's audio (MP3) from Twilio, for Switchboard to stream to the listener. Lazy: nothing is
 * asked of Twilio until the response body is read — after the request's tenant transaction has committed
 * (the listen is logged in it), so no remote call is made inside a tenant transaction. An error from
 * Twilio ends the stream with an error.
 */
export function twilioRecordingStream(db: Kysely<DB>, config: Pick<Config, 'secretsKey' | 'twilioApiUrl'>, sid: string): ReadableStream<Uint8Array> {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (!reader) {
          const account = await loadTwilioAccount(db, config.secretsKey);
          if (!account) return controller.error(new Error('No Twilio account is connected.'));
          const url = new URL(`/2010-04-01/Accounts/${account.accountSid}/Recordings/${sid}.mp3`, config.twilioApiUrl ?? 'https://api.twilio.com');
          const response = await fetch(url, { headers: { authorization: `Basic ${Buffer.from(`${account.accountSid}:${account.authToken}`).toString('base64')}` } });
          if (!response.ok || !response.body) return controller.error(new Error(`Twilio answered ${response.status} for the recording.`));
          reader = response.body.getReader();
        }
        const { done, value } = await reader.read();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      cancel: (reason) => reader?.cancel(reason),
    },
    { highWaterMark: 0 },
  );
}
