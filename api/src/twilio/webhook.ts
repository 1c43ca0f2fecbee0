import twilio from 'twilio';
import type { Context } from 'hono';
import type { AppEnv } from '../http/env.ts';
import { ProblemError } from '../http/problem.ts';
import type { Config } from '../config.ts';
import { loadTwilioAccount, type TwilioAccount } from './client.ts';

/**
 * Twilio's webhooks (voice, status callbacks, gathers, recordings) arrive under /api/twilio/hooks/ with no
 * session: each is checked with Twilio's own scheme (X-Twilio-Signature, HMAC-SHA1 over the full URL Twilio
 * requested and the sorted form parameters, keyed with the account's auth token) by the official package.
 * The URL is rebuilt from PUBLIC_URL, which is what Twilio was told to call (a proxy in front may rewrite the
 * host and scheme we see). Anything unsigned, signed with another token, or changed in transit: 403, nothing
 * done. Without a connected account or PUBLIC_URL every webhook answers 503.
 */

export const TWILIO_HOOKS = '/api/twilio/hooks';

/** The absolute URL Twilio is given for a hook path (`/voice`, `/status?call=…`). */
export function hookUrl(config: Pick<Config, 'publicUrl'>, path: string): string {
  if (!config.publicUrl) throw new ProblemError(503, 'twilio-not-configured', 'Twilio is not configured', 'Set PUBLIC_URL: Twilio needs an address to call Switchboard at.');
  return new URL(`${TWILIO_HOOKS}${path}`, config.publicUrl).toString();
}

export interface TwilioWebhook {
  params: Record<string, string>;
  account: TwilioAccount;
  /** The URL the signature covers. */
  url: string;
}

/** Reads and verifies a Twilio webhook; throws 503 (not configured) or 403 (bad signature). */
export async function readTwilioWebhook(c: Context<AppEnv>): Promise<TwilioWebhook> {
  const { config, db } = c.var.deps;
  const account = config.publicUrl ? await loadTwilioAccount(db, config.secretsKey) : undefined;
  if (!account) throw new ProblemError(503, 'twilio-not-configured', 'Twilio is not configured', 'No Twilio account is connected, or PUBLIC_URL is not set.');
  const raw = c.req.method === 'POST' ? await c.req.text() : '';
  const params: Record<string, string> = Object.fromEntries(new URLSearchParams(raw));
  const requested = new URL(c.req.url);
  const url = new URL(`${requested.pathname}${requested.search}`, config.publicUrl).toString();
  const signature = c.req.header('x-twilio-signature') ?? '';
  if (!signature || !twilio.validateRequest(account.authToken, signature, url, params)) {
    throw new ProblemError(403, 'twilio-signature-invalid', 'Twilio webhook refused', 'The X-Twilio-Signature header does not match this request.');
  }
  return { params, account, url };
}

/** A TwiML answer. */
export function twiml(c: Context<AppEnv>, response: { toString(): string }) {
  return c.body(response.toString(), 200, { 'content-type': 'text/xml; charset=utf-8' });
}
