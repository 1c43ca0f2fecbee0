import type { Kysely } from 'kysely';
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
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Checks credentials and opens a session. An unknown email costs one argon2 verification too and
 * answers the same as a wrong password. An invitation's one-time code logs in an address that has no
 * account yet, making it (members/accept.ts). Failures per email and per address slow down each next
 * answer, then lock the key for a while (429).
 */
export async function logIn(
  db: Kysely<DB>,
  config: Config,
  input: { email: string; password: string; address: string },
  now: Date,
): Promise<CreatedSession> {
  const emailKey = `email:${input.email}`;
  const addressKey = `address:${input.address}`;
  const locked = await lockedUntil(db, [emailKey, addressKey], now);
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
      await clearFailures(db, emailKey);
      return createSession(db, config, joined, now);
    }
    const emailFailures = await recordFailure(
      db,
      emailKey,
      { maxFailures: config.loginMaxFailuresPerEmail, lockMinutes: config.loginLockMinutes },
      now,
    );
    const addressFailures = await recordFailure(
      db,
      addressKey,
      { maxFailures: config.loginMaxFailuresPerAddress, lockMinutes: config.loginLockMinutes },
      now,
    );
    const failures = Math.max(emailFailures, addressFailures);
    if (failures > 1) await sleep(Math.min(config.loginSlowdownMs * (failures - 1), 3000));
    throw badCredentials();
  }

  await clearFailures(db, emailKey);
  if (needsRehash(user.passwordHash)) {
    const passwordHash = await hashPassword(input.password);
    await withApp(db, (tx) => tx.updateTable('users').set({ passwordHash, updatedAt: now }).where('id', '=', user.id).execute());
  }
  return createSession(db, config, user.id, now);
}
