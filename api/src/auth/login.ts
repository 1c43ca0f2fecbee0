import type { Kysely } from 'kysely';
import ipaddr from 'ipaddr.js';
import { withApp, type DB } from '@switchboard/db';
import type { Config } from '../config.ts';
import { ProblemError } from '../http/problem.ts';
import { dummyPasswordHash, hashPassword, needsRehash, verifyPassword } from './passwords.ts';
import { createSession, type CreatedSession } from './sessions.ts';
import { clearFailures, lockedUntil, recordFailure } from './throttle.ts';
import { invitationByCode, joinByInvitationCode } from '../members/accept.ts';

const badCredentials = () =>
  new ProblemError(401, 'invalid-credentials', 'Invalid email or password', 'The email or password is not right.');

export function tooManyAttempts(until: Date, now: Date) {
  const seconds = Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000));
  return new ProblemError(
    429,
    'too-many-attempts',
    'Too many failed attempts',
    `Too many failed logins. Try again in ${Math.ceil(seconds / 60)} minute(s).`,
    undefined,
    { 'retry-after': String(seconds) },
    { params: { minutes: Math.ceil(seconds / 60) } },
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The throttle's keys for one login attempt. Failures are never counted per account alone: anyone can
 * type anyone's email, and a per-account lock would let them lock out the provider's admins. A pair
 * (address, email) is locked after a few failures — the guesser at that address, not the account's
 * owner elsewhere — and an address after more failures across any emails (spraying one password over
 * many accounts). The address is the one the trusted proxies report (api/src/http/client-address.ts).
 */
export function loginThrottleKeys(address: string, email: string) {
  const where = throttledNetwork(address);
  return { address: `address:${where}`, pair: `address-email:${where}|${email}` };
}

/**
 * An IPv6 client is counted by its /64: one subscriber is given a whole /64 and can change its
 * address within it at will, so per address it would never reach a limit. IPv4 is counted per address.
 */
function throttledNetwork(address: string): string {
  if (!ipaddr.IPv6.isValid(address)) return address;
  const parsed = ipaddr.IPv6.parse(address);
  if (parsed.isIPv4MappedAddress()) return parsed.toIPv4Address().toString();
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${parsed.toString()}/64`).toString()}/64`;
}

/**
 * Checks credentials and opens a session. An unknown email costs one argon2 verification too and
 * answers the same as a wrong password, and is counted the same, so neither the answer, its delay nor
 * a lock tells whether an account exists. An invitation's one-time code logs in an address that has no
 * account yet, making it (members/accept.ts). Each failure slows down the next answer to that address,
 * then locks the pair or the address for a while (429 with Retry-After).
 */
export async function logIn(
  db: Kysely<DB>,
  config: Config,
  input: { email: string; password: string; address: string },
  now: Date,
): Promise<CreatedSession> {
  const keys = loginThrottleKeys(input.address, input.email);
  const locked = await lockedUntil(db, [keys.pair, keys.address], now);
  if (locked) throw tooManyAttempts(locked, now);

  const user = await withApp(db, (tx) =>
    tx.selectFrom('users').select(['id', 'passwordHash', 'status']).where('email', '=', input.email).executeTakeFirst(),
  );
  const valid = user
    ? await verifyPassword(user.passwordHash, input.password)
    : (await verifyPassword(await dummyPasswordHash(), input.password), false);

  if (!user || !valid || user.status !== 'active') {
    // An invited person's first login: their invitation's one-time code, for an address with no account
    // yet. Looked up on every failure, so the answer's cost says nothing about invitations or accounts.
    const invitation = await invitationByCode(db, input.email, input.password, now);
    const joined = invitation && !user ? await joinByInvitationCode(db, invitation, input.password, now) : null;
    if (joined) {
      await clearFailures(db, keys.pair);
      return createSession(db, config, joined, now);
    }
    const pairFailures = await recordFailure(
      db,
      keys.pair,
      { maxFailures: config.loginMaxFailuresPerAddressAndEmail, lockMinutes: config.loginLockMinutes },
      now,
    );
    const addressFailures = await recordFailure(
      db,
      keys.address,
      { maxFailures: config.loginMaxFailuresPerAddress, lockMinutes: config.loginLockMinutes },
      now,
    );
    const failures = Math.max(pairFailures, addressFailures);
    if (failures > 1) await sleep(Math.min(config.loginSlowdownMs * (failures - 1), 3000));
    throw badCredentials();
  }

  // Only the pair is forgotten: a login to the attacker's own account must not reset the address's count.
  await clearFailures(db, keys.pair);
  if (needsRehash(user.passwordHash)) {
    const passwordHash = await hashPassword(input.password);
    await withApp(db, (tx) => tx.updateTable('users').set({ passwordHash, updatedAt: now }).where('id', '=', user.id).execute());
  }
  return createSession(db, config, user.id, now);
}
