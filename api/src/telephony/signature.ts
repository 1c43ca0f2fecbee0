import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a request's timestamp may stray from our clock; signatures seen within it are kept to refuse replays. */
export const SIGNATURE_WINDOW_SECONDS = 300;
export const TIMESTAMP_HEADER = 'X-Switchboard-Timestamp';
export const SIGNATURE_HEADER = 'X-Switchboard-Signature';

/** The request a signature also covers: the method and the path (no query string), e.g. POST /api/telephony/calls/…/ended. */
export interface SignedTarget {
  method: string;
  path: string;
}

/**
 * What is signed (v2): "<timestamp>.<METHOD> <path>.<raw body>", so a signature cannot be moved to
 * another method or path — a GET's signature sent on a POST, one call's report sent for another — and
 * the same body sent to two calls in the same second gives two signatures. The original v1 signed
 * "<timestamp>.<raw body>" alone and is retired: it is refused with its own problem type.
 */
function signedText(timestamp: string, body: string, target: SignedTarget): string {
  return `${timestamp}.${target.method.toUpperCase()} ${target.path}.${body}`;
}

function hmacHex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

/**
 * The headers a telephony adapter sends with a request: the unix time and
 * `v2=<hex HMAC-SHA256(secret, "<timestamp>.<METHOD> <path>.<raw body>")>`. GET requests sign an
 * empty body. The simulator and the tests use this too.
 */
export function signTelephonyRequest(secret: string, body: string, now: Date, target: SignedTarget): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: `v2=${hmacHex(secret, signedText(timestamp, body, target))}` };
}

export type SignatureCheck = { ok: true; signature: string } | { ok: false; reason: 'missing' | 'stale' | 'invalid' | 'retired' };

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
  // Told apart from a bad signature so an adapter still on v1 learns why, without its HMAC being checked.
  if (/^v1=/i.test(signature.trim())) return { ok: false, reason: 'retired' };
  const match = /^v2=([0-9a-f]{64})$/.exec(signature.trim());
  if (!match) return { ok: false, reason: 'invalid' };
  const given = match[1]!;
  const expected = Buffer.from(hmacHex(secret, signedText(timestamp, body, target)), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(given, 'hex'))) return { ok: false, reason: 'invalid' };
  return { ok: true, signature: `v2=${given}` };
}
