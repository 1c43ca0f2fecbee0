import twilio from 'twilio';
import type { Kysely } from 'kysely';
import { withApp, type DB, type VoiceLegKind } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { ProblemError } from '../http/problem.ts';
import type { Config } from '../config.ts';
import { writePlatformAudit } from '../audit/write.ts';
import { toE164 } from '../call-handling/definition.ts';
import { loadTwilioAccount } from './client.ts';

/**
 * The operator's voice (TELEPHONY-DESIGN.md "Operator leg"): their browser (Twilio's Voice SDK, identity
 * `op-<userId>`), a phone number (E.164) or a SIP address (`sip:user@host`). What the bridge dials is
 * resolved from this when the command is written; here the operator sets it and the browser gets its
 * access token.
 */

export const TOKEN_TTL_SECONDS = 3600;

export const voiceIdentity = (userId: string) => `op-${userId}`;

/** `sip:user@host[:port]`: the user part in RFC 3261's unreserved characters, a DNS host or IPv4, nothing else. */
const SIP_ADDRESS = /^sip:[A-Za-z0-9._~+-]{1,64}@(?=.{1,253}(?::\d{1,5})?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*(?::\d{1,5})?$/;

export function normalizeSipAddress(input: string): string | null {
  const value = input.trim();
  if (!SIP_ADDRESS.test(value)) return null;
  const port = value.match(/:(\d{1,5})$/)?.[1];
  if (port && (Number(port) < 1 || Number(port) > 65535)) return null;
  const at = value.indexOf('@');
  return value.slice(0, at + 1) + value.slice(at + 1).toLowerCase();
}

export interface VoiceLeg {
  kind: VoiceLegKind;
  /** E.164 for a phone, `sip:user@host` for SIP, `client:op-<userId>` for the browser. */
  address: string;
}

export async function loadVoiceLeg(db: Kysely<DB>, userId: string): Promise<VoiceLeg | null> {
  const row = await withApp(db, (tx) => tx.selectFrom('users').select(['voiceLegKind', 'voiceLegAddress']).where('id', '=', userId).executeTakeFirst());
  if (!row?.voiceLegKind) return null;
  if (row.voiceLegKind === 'browser') return { kind: 'browser', address: `client:${voiceIdentity(userId)}` };
  return row.voiceLegAddress ? { kind: row.voiceLegKind, address: row.voiceLegAddress } : null;
}

/** Sets (or clears, with null) the operator's leg; the address is already validated and normalised. */
export async function saveVoiceLeg(db: Kysely<DB>, actor: Actor, leg: { kind: VoiceLegKind; address: string | null } | null): Promise<void> {
  await withApp(db, async (tx) => {
    const before = await tx.selectFrom('users').select(['voiceLegKind', 'voiceLegAddress']).where('id', '=', actor.id).executeTakeFirstOrThrow();
    const kind = leg?.kind ?? null;
    const address = leg && leg.kind !== 'browser' ? leg.address : null;
    if (before.voiceLegKind === kind && before.voiceLegAddress === address) return;
    await tx.updateTable('users').set({ voiceLegKind: kind, voiceLegAddress: address }).where('id', '=', actor.id).execute();
    await writePlatformAudit(tx, actor, {
      action: 'user.voice_leg_changed',
      targetType: 'user',
      targetId: actor.id,
      before: { kind: before.voiceLegKind, address: before.voiceLegAddress },
      after: { kind, address },
    });
  });
}

/** Validates a leg as typed: the address for its kind, normalised; a field error otherwise. */
export function parseVoiceLeg(kind: VoiceLegKind, address: string | null | undefined): { kind: VoiceLegKind; address: string | null } {
  if (kind === 'browser') return { kind, address: null };
  const raw = address ?? '';
  const normalized = kind === 'phone' ? toE164(raw) : normalizeSipAddress(raw);
  if (!normalized) {
    throw new ProblemError(400, 'invalid-input', 'Invalid input', 'The request has invalid fields.', [
      kind === 'phone'
        ? { path: 'address', code: 'phone_number', message: 'Use a valid international number with its country code, such as +33 6 12 34 56 78.' }
        : { path: 'address', code: 'invalid', message: 'Use a SIP address such as sip:marie@pbx.example.com.' },
    ]);
  }
  return { kind, address: normalized };
}

/**
 * A Voice SDK access token for the operator's browser: identity `op-<userId>`, one hour, incoming calls
 * allowed (the bridge dials `client:op-<userId>`) and outgoing ones through the TwiML app. Signed with the
 * API key Switchboard created when the account was connected. 503 when no account is connected.
 */
export async function issueVoiceToken(db: Kysely<DB>, config: Pick<Config, 'secretsKey'>, userId: string, now: Date): Promise<{ token: string; identity: string; expiresAt: Date }> {
  const account = await loadTwilioAccount(db, config.secretsKey);
  if (!account?.apiKeySid || !account.apiKeySecret || !account.twimlAppSid) {
    throw new ProblemError(503, 'twilio-not-configured', 'Twilio is not configured', 'No Twilio account is connected: the browser cannot carry calls yet.');
  }
  const identity = voiceIdentity(userId);
  const token = new twilio.jwt.AccessToken(account.accountSid, account.apiKeySid, account.apiKeySecret, {
    identity,
    ttl: TOKEN_TTL_SECONDS,
  });
  token.addGrant(new twilio.jwt.AccessToken.VoiceGrant({ outgoingApplicationSid: account.twimlAppSid, incomingAllow: true }));
  return { token: token.toJwt(), identity, expiresAt: new Date(now.getTime() + TOKEN_TTL_SECONDS * 1000) };
}

/** Whether Twilio carries calls at all (an account is connected): the desk loads the Voice SDK only then. */
export async function twilioConnected(db: Kysely<DB>): Promise<boolean> {
  return !!(await withApp(db, (tx) => tx.selectFrom('twilioAccounts').select('id').where('id', '=', 'default').executeTakeFirst()));
}
