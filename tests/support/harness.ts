import type { Kysely } from 'kysely';
import { createTestDatabase, type Database, type DB } from '@switchboard/db';
import { createApp, EventHub, loadConfig, type Config } from '@switchboard/api';

export type App = ReturnType<typeof createApp>;

/** The time every app built by a harness reads (deps.now), moved by hand: no test waits for real time. */
export interface Clock {
  now(): Date;
  advance(ms: number): void;
}

export function createClock(start: Date = new Date()): Clock {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance: (ms) => {
      current += ms;
    },
  };
}

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/**
 * Settings every test app starts from: no slowdown between failed logins, so throttling tests stay
 * fast, and the client address taken from X-Forwarded-For (app.request() has no socket), as behind
 * a load balancer.
 */
export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({ LOGIN_SLOWDOWN_MS: '0', TRUST_PROXY: 'true', ...env });
}

export interface Harness {
  database: Database;
  /** The connecting role: a superuser, which skips RLS. Seeding and inspection only, never what a route uses. */
  db: Kysely<DB>;
  clock: Clock;
  app: App;
  /** Another app on the same database, e.g. with other settings or its own clock. */
  buildApp(options?: { env?: Record<string, string>; clock?: Clock }): App;
  close(): Promise<void>;
}

/** A migrated database of the file's own (PGlite, or PostgreSQL with TEST_DATABASE_URL) and an app on it. */
export async function createHarness(env: Record<string, string> = {}): Promise<Harness> {
  const database = await createTestDatabase();
  const clock = createClock();
  const buildApp = (options: { env?: Record<string, string>; clock?: Clock } = {}) => {
    const now = (options.clock ?? clock).now;
    return createApp({
      db: database.db,
      databaseKind: database.kind,
      config: testConfig({ ...env, ...options.env }),
      now,
      // Its own hub per app, as per process; it LISTENs only once a stream opens.
      events: new EventHub({ db: database.db, listen: database.listen, now }),
    });
  };
  return { database, db: database.db, clock, app: buildApp(), buildApp, close: () => database.close() };
}
