import type { Kysely } from 'kysely';
import { runStatements } from './helpers.ts';

/**
 * Issue 11, housekeeping: expired sessions, spent login-throttle rows and idempotency keys past 24 h are
 * deleted on a schedule in bounded batches (api/src/housekeeping/purge.ts). These indexes let each batch
 * find its oldest rows without reading the whole table (telephony_signatures has its seen_at index).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `create index sessions_last_verified_at_idx on sessions (last_verified_at)`,
    `create index sessions_created_at_idx on sessions (created_at)`,
    `create index login_throttle_window_started_at_idx on login_throttle (window_started_at)`,
    `create index idempotency_keys_created_at_idx on idempotency_keys (created_at)`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `drop index idempotency_keys_created_at_idx`,
    `drop index login_throttle_window_started_at_idx`,
    `drop index sessions_created_at_idx`,
    `drop index sessions_last_verified_at_idx`,
  ]);
}
