import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a request's timestamp may stray from our clock; signatures seen within it are kept to refuse replays. */
export const SIGNATURE_WINDOW_SECONDS = 300;
export const TIMESTAMP_HEADER = 'X-Switchboard-Timestamp';
export const SIGNATURE_HEADER = 'X-Switchboard-Signature';

/** The request a v2 signature also covers: the method and the path (no query string), e.g. POST /api/telephony/calls/…/ended. */
export interface SignedTarget {
  method: string;
  path: string;
}

/**
 * What is signed. v1 (the original scheme): "<timestamp>.<raw body>". v2 adds the request line,
 * "<timestamp>.<METHOD> <path>.<raw body>", so the same body sent to two calls in the same second
 * (`{"by":"caller"}`) gives two signatures rather than one the replay check refuses, and a signature
 * cannot be moved to another call's path.
 */
function signedText(timestamp: string, body: string, target?: SignedTarget): string {
  return target ? `${timestamp}.${target.method.toUpperCase()} ${target.path}.${body}` : `${timestamp}.${body}`;
}

function hmacHex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

/**
 * The headers a telephony adapter sends with a request: the unix time and `v1=<hex HMAC-SHA256(secret,
 * "<timestamp>.<raw body>")>`, or with `target` `v2=<hex HMAC-SHA256(secret, "<timestamp>.<METHOD> <path>.<raw body>")>`
 * (preferred). GET requests sign an empty body. The simulator and the tests use this too.
 */
export function signTelephonyRequest(secret: string, body: string, now: Date = new Date(), target?: SignedTarget): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const version = target ? 'v2' : 'v1';
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: `${version}=${hmacHex(secret, signedText(timestamp, body, target))}` };
}

export type SignatureCheck = { ok: true; signature: string } | { ok: false; reason: 'missing' | 'stale' | 'invalid' };

/** Checks the headers against the raw body and the request line; the caller then refuses a signature it has already accepted. */
export function checkTelephonySignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  target: SignedTarget,
  now: Date,
): SignatureCheck {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature) return { ok: false, reason: 'missing' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: 'invalid' };
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > SIGNATURE_WINDOW_SECONDS) return { ok: false, reason: 'stale' };
  const match = /^(v1|v2)=([0-9a-f]{64})$/.exec(signature.trim());
  if (!match) return { ok: false, reason: 'invalid' };
  const [, version, given] = match as unknown as [string, 'v1' | 'v2', string];
  const expected = Buffer.from(hmacHex(secret, signedText(timestamp, body, version === 'v2' ? target : undefined)), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(given, 'hex'))) return { ok: false, reason: 'invalid' };
  return { ok: true, signature: `${version}=${given}` };
}
