import { sql, type Kysely } from 'kysely';
import { withApp, type DB } from '@switchboard/db';

/**
 * Failure counting per key (a client address, an address and email pair, a session's password
 * change: see loginThrottleKeys in login.ts), kept in the database so every API process shares it.
 * Failures inside one window add up; at the limit the key is locked for a while. Rows whose window
 * and lock are over are purged by housekeeping (api/src/housekeeping/purge.ts).
 */
export interface ThrottleLimits {
  maxFailures: number;
  lockMinutes: number;
}

export async function lockedUntil(db: Kysely<DB>, keys: string[], now: Date): Promise<Date | null> {
  const rows = await withApp(db, (tx) =>
    tx.selectFrom('loginThrottle').select('lockedUntil').where('key', 'in', keys).where('lockedUntil', '>', now).execute(),
  );
  const times = rows.map((r) => r.lockedUntil?.getTime() ?? 0);
  return times.length ? new Date(Math.max(...times)) : null;
}

/** Counts one failure and returns how many the key has in its current window. */
export async function recordFailure(db: Kysely<DB>, key: string, limits: ThrottleLimits, now: Date): Promise<number> {
  const windowStart = new Date(now.getTime() - limits.lockMinutes * 60_000);
  const lockUntil = new Date(now.getTime() + limits.lockMinutes * 60_000);
  const row = await withApp(db, (tx) =>
    sql<{ failures: number }>`
      insert into login_throttle as t (key, failures, window_started_at, locked_until)
      values (${key}, 1, ${now}, case when 1 >= ${limits.maxFailures}::int then ${lockUntil}::timestamptz end)
      on conflict (key) do update set
        failures = case when t.window_started_at < ${windowStart}::timestamptz then 1 else t.failures + 1 end,
        window_started_at = case when t.window_started_at < ${windowStart}::timestamptz then ${now}::timestamptz else t.window_started_at end,
        locked_until = case
          when (case when t.window_started_at < ${windowStart}::timestamptz then 1 else t.failures + 1 end) >= ${limits.maxFailures}::int
          then ${lockUntil}::timestamptz else t.locked_until end
      returning failures`.execute(tx),
  );
  return row.rows[0]?.failures ?? 1;
}

export async function clearFailures(db: Kysely<DB>, key: string): Promise<void> {
  await withApp(db, (tx) => tx.deleteFrom('loginThrottle').where('key', '=', key).execute());
}
