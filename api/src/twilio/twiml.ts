import twilio from 'twilio';
import type { Config } from '../config.ts';
import { hookUrl } from './webhook.ts';

/** The Twilio conference a call's audio is (executor.ts re-exports it; defined here so TwiML does not import the executor's handlers). */
export const conferenceName = (callId: string) => `sb-${callId}`;

export type VoiceResponse = InstanceType<typeof twilio.twiml.VoiceResponse>;

/** Twilio's text-to-speech language for a company locale (`fr-FR`, `de-DE`…); English otherwise. */
export function sayLanguage(locale: string | null | undefined): 'fr-FR' | 'de-DE' | 'en-GB' | 'ru-RU' {
  const lang = (locale ?? '').slice(0, 2).toLowerCase();
  return lang === 'fr' ? 'fr-FR' : lang === 'de' ? 'de-DE' : lang === 'ru' ? 'ru-RU' : 'en-GB';
}

/**
 * The customer's leg joins the call's conference (`sb-<call id>`), labelled `caller`: it waits there (the
 * wait URL plays the hold music and the position) until the operator's leg joins (command `bridge`), and
 * the conference ends when the customer leaves. Shared by inbound calls and answered outbound calls.
 */
export function joinConference(response: VoiceResponse, config: Pick<Config, 'publicUrl'>, callId: string): VoiceResponse {
  const dial = response.dial();
  dial.conference(
    {
      participantLabel: 'caller',
      startConferenceOnEnter: false,
      endConferenceOnExit: true,
      beep: 'false',
      waitUrl: hookUrl(config, `/wait?call=${callId}`),
      waitMethod: 'POST',
      statusCallback: hookUrl(config, `/conference?call=${callId}`),
      statusCallbackEvent: ['join', 'leave', 'end'],
      statusCallbackMethod: 'POST',
    },
    conferenceName(callId),
  );
  return response;
}
