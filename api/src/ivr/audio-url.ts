import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Config } from '../config.ts';
import { hookUrl, TWILIO_HOOKS } from '../twilio/webhook.ts';

/**
 * Uploaded prompts reach Twilio's <Play> through a signed, expiring URL (docs/ivr.md): Twilio fetches audio
 * without a session and without signing its GETs, so the URL itself is the credential. It names the tenant
 * and the audio and carries `exp` (unix seconds) and `sig` = HMAC-SHA256 over `tenant/audio/exp` keyed with a
 * key derived from SECRETS_KEY. Valid for AUDIO_URL_TTL_SECONDS: long enough for a call in a menu (Twilio
 * caches by URL), short enough that a leaked URL does not publish a company's recordings for good.
 */
export const AUDIO_URL_TTL_SECONDS = 6 * 3600;

const keyOf = (secretsKey: string) => createHmac('sha256', 'switchboard-audio-url').update(secretsKey).digest();

function signatureOf(secretsKey: string, tenantId: string, audioId: string, exp: number): string {
  return createHmac('sha256', keyOf(secretsKey)).update(`${tenantId}/${audioId}/${exp}`).digest('base64url');
}

function signedHookPath(config: Pick<Config, 'secretsKey'>, tenantId: string, audioId: string, now: Date): string {
  const exp = Math.floor(now.getTime() / 1000) + AUDIO_URL_TTL_SECONDS;
  const sig = signatureOf(config.secretsKey, tenantId, audioId, exp);
  return `/audio/${encodeURIComponent(tenantId)}/${encodeURIComponent(audioId)}?exp=${exp}&sig=${sig}`;
}

/** The absolute URL of `/api/twilio/hooks/audio/<tenant>/<audioId>?exp=&sig=` for Twilio's <Play>. */
export function audioUrl(config: Pick<Config, 'publicUrl' | 'secretsKey'>, tenantId: string, audioId: string, now: Date): string {
  return hookUrl(config, signedHookPath(config, tenantId, audioId, now));
}

/** The same, absolute with PUBLIC_URL set, else the path alone (the HTTP boundary's adapter knows our host). */
export function audioHref(config: Pick<Config, 'publicUrl' | 'secretsKey'>, tenantId: string, audioId: string, now: Date): string {
  return config.publicUrl ? audioUrl(config, tenantId, audioId, now) : `${TWILIO_HOOKS}${signedHookPath(config, tenantId, audioId, now)}`;
}

/** True when `sig` was made by audioUrl for this tenant, audio and expiry, and the expiry is not past. */
export function verifyAudioSignature(
  config: Pick<Config, 'secretsKey'>,
  tenantId: string,
  audioId: string,
  exp: string | undefined,
  sig: string | undefined,
  now: Date,
): boolean {
  // Without SECRETS_KEY (a production start that has not set it) nothing signed can be trusted.
  if (!config.secretsKey || !exp || !sig || !/^[0-9]{1,12}$/.test(exp)) return false;
  const expiry = Number(exp);
  if (expiry * 1000 <= now.getTime()) return false;
  const expected = Buffer.from(signatureOf(config.secretsKey, tenantId, audioId, expiry));
  const given = Buffer.from(sig);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
