import { sha256 } from '@oslojs/crypto/sha2';
import { constantTimeEqual } from '@oslojs/crypto/subtle';
import { encodeBase32LowerCaseNoPadding } from '@oslojs/encoding';
import { sql, type Kysely, type Transaction } from 'kysely';
import { withApp, type DB } from '@switchboard/db';
import type { Config } from '../config.ts';
import type { SessionUser } from '../http/env.ts';

/**
 * Sessions as lucia-auth.com teaches them: the cookie carries `<id>.<secret>`; the database keeps
 * only a SHA-256 hash of the secret, compared in constant time. A session ends after a spell of
 * inactivity (its last use is written at most hourly) and at an absolute age, whichever comes first.
 */
export const SESSION_COOKIE = 'sb_session';
const ACTIVITY_WRITE_INTERVAL_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

function randomString(): string {
  return encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(24)));
}

function hashSecret(secret: string): Uint8Array {
  return sha256(new TextEncoder().encode(secret));
}

export interface CreatedSession {
  id: string;
  token: string;
  expiresAt: Date;
}

export async function createSession(db: Kysely<DB>, config: Config, userId: string, now: Date): Promise<CreatedSession> {
  const id = randomString();
  const secret = randomString();
  await withApp(db, (tx) =>
    tx
      .insertInto('sessions')
      .values({ id, userId, secretHash: hashSecret(secret), createdAt: now, lastVerifiedAt: now })
      .execute(),
  );
  return { id, token: `${id}.${secret}`, expiresAt: sessionExpiry(config, now, now) };
}

export function sessionExpiry(config: Config, createdAt: Date, lastVerifiedAt: Date): Date {
  const inactivity = lastVerifiedAt.getTime() + config.sessionInactivityDays * DAY_MS;
  const absolute = createdAt.getTime() + config.sessionAbsoluteDays * DAY_MS;
  return new Date(Math.min(inactivity, absolute));
}

export interface ValidSession {
  id: string;
  user: SessionUser;
  expiresAt: Date;
  /** True when the expiry moved, so the cookie should be sent again. */
  refreshed: boolean;
}

/** The cookie's `<id>.<secret>`, or null when it cannot be one (never looked up). */
export function parseSessionToken(token: string): { id: string; secret: string } | null {
  const parts = token.split('.');
  if (parts.length !== 2 || !parts[0] || !parts[1] || parts[0].length > 64 || parts[1].length > 64) return null;
  return { id: parts[0], secret: parts[1] };
}

/** What a session check reads: the session and its user, in one row. */
export interface SessionRow {
  id: string;
  secretHash: Uint8Array | Buffer;
  createdAt: Date;
  lastVerifiedAt: Date;
  userId: string;
  email: string;
  displayName: string;
  kind: SessionUser['kind'];
  mustChangePassword: boolean;
  status: 'active' | 'disabled';
  language: SessionUser['language'];
}

export const sessionRowColumns = [
  'sessions.id',
  'sessions.secretHash',
  'sessions.createdAt',
  'sessions.lastVerifiedAt',
  'users.id as userId',
  'users.email',
  'users.displayName',
  'users.kind',
  'users.mustChangePassword',
  'users.status',
  'users.language',
] as const;

export type SessionVerdict =
  | { state: 'valid'; session: ValidSession; /** Write lastVerifiedAt = now (at most hourly). */ touch: boolean }
  | { state: 'unknown' }
  /** Expired, or its user disabled: the row is to be deleted. */
  | { state: 'ended' };

/**
 * Judges a session row read by whoever read it (validateSessionToken, or the tenant request's own
 * first statements): the secret compared in constant time, the expiry, the user's status, and whether
 * this use is due to be written down as activity.
 */
export function judgeSession(row: SessionRow | undefined, secret: string, config: Config, now: Date, touch = true): SessionVerdict {
  if (!row) return { state: 'unknown' };
  if (!constantTimeEqual(hashSecret(secret), new Uint8Array(row.secretHash))) return { state: 'unknown' };
  const expiresAt = sessionExpiry(config, row.createdAt, row.lastVerifiedAt);
  if (now >= expiresAt || row.status !== 'active') return { state: 'ended' };
  const due = touch && now.getTime() - row.lastVerifiedAt.getTime() >= ACTIVITY_WRITE_INTERVAL_MS;
  return {
    state: 'valid',
    touch: due,
    session: {
      id: row.id,
      expiresAt: due ? sessionExpiry(config, row.createdAt, now) : expiresAt,
      refreshed: due,
      user: {
        id: row.userId,
        email: row.email,
        displayName: row.displayName,
        kind: row.kind,
        mustChangePassword: row.mustChangePassword,
        language: row.language,
      },
    },
  };
}

/** Writes a session's activity (judgeSession said it was due); the database computes nothing here. */
export async function touchSession(tx: Transaction<DB>, id: string, now: Date): Promise<void> {
  await tx.updateTable('sessions').set({ lastVerifiedAt: now }).where('id', '=', id).execute();
}

export async function validateSessionToken(
  db: Kysely<DB>,
  config: Config,
  token: string,
  now: Date,
  /** touch: false checks without counting as activity (an open event stream is not the user at work). */
  options: { touch?: boolean } = {},
): Promise<ValidSession | null> {
  const parsed = parseSessionToken(token);
  if (!parsed) return null;
  return withApp(db, async (tx) => {
    const row = await tx.selectFrom('sessions').innerJoin('users', 'users.id', 'sessions.userId').select(sessionRowColumns).where('sessions.id', '=', parsed.id).executeTakeFirst();
    const verdict = judgeSession(row, parsed.secret, config, now, options.touch !== false);
    if (verdict.state === 'ended') await tx.deleteFrom('sessions').where('id', '=', parsed.id).execute();
    if (verdict.state !== 'valid') return null;
    if (verdict.touch) await touchSession(tx, parsed.id, now);
    return verdict.session;
  });
}

/**
 * Which of these session cookies still name a live session, read in ONE statement whatever their
 * number (the open event streams' periodic check, session-sweep.ts). Each is judged as
 * validateSessionToken judges one with `touch: false`: checking is not activity. A session found ended
 * (expired, its user disabled) is deleted, as validateSessionToken deletes it.
 */
export async function checkSessionTokens(db: Kysely<DB>, config: Config, tokens: readonly string[], now: Date): Promise<Set<string>> {
  const parsed = new Map<string, { id: string; secret: string }>();
  for (const token of tokens) {
    const session = parsed.has(token) ? null : parseSessionToken(token);
    if (session) parsed.set(token, session);
  }
  const valid = new Set<string>();
  if (!parsed.size) return valid;
  // One array parameter, so the statement has one shape (one prepared statement) whatever the number of streams.
  const ids = [...new Set([...parsed.values()].map((p) => p.id))];
  return withApp(db, async (tx) => {
    const rows = await tx.selectFrom('sessions').innerJoin('users', 'users.id', 'sessions.userId').select(sessionRowColumns).where(sql<boolean>`sessions.id = any(${ids}::text[])`).execute();
    const byId = new Map(rows.map((row) => [row.id, row]));
    const ended = new Set<string>();
    for (const [token, { id, secret }] of parsed) {
      const verdict = judgeSession(byId.get(id), secret, config, now, false);
      if (verdict.state === 'valid') valid.add(token);
      else if (verdict.state === 'ended') ended.add(id);
    }
    if (ended.size) await tx.deleteFrom('sessions').where(sql<boolean>`id = any(${[...ended]}::text[])`).execute();
    return valid;
  });
}

export async function invalidateSession(db: Kysely<DB>, sessionId: string): Promise<void> {
  await withApp(db, (tx) => tx.deleteFrom('sessions').where('id', '=', sessionId).execute());
}

export async function invalidateUserSessions(db: Kysely<DB>, userId: string): Promise<void> {
  await withApp(db, (tx) => tx.deleteFrom('sessions').where('userId', '=', userId).execute());
}
