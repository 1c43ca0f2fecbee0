import type { Kysely } from 'kysely';
import { runStatements } from './helpers.ts';

/**
 * Issue 13: calls never stay queued or connected forever. A tenant sets how long a caller may wait in
 * the queue (`max_queue_wait_seconds`) and, per function, what happens then (`queue_overflow`: the
 * after-hours actions, {function: {action, forwardTo?, announcement?}}; a function left out takes a
 * message). Such a call ends `overflowed`, closed for `max_wait`. A connected call the telephony adapter
 * has said nothing about (no report, no keep-alive: `adapter_seen_at`, else since it was answered) for
 * `connected_silence_minutes` is closed for `no_sign_of_life`. The partial indexes serve the periodic
 * pass that looks for both across tenants (api/src/routing/timeouts.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `alter table call_settings add column max_queue_wait_seconds integer not null default 300 check (max_queue_wait_seconds between 30 and 3600)`,
    `alter table call_settings add column queue_overflow jsonb not null default '{}' check (jsonb_typeof(queue_overflow) = 'object')`,
    `alter table call_settings add column connected_silence_minutes integer not null default 240 check (connected_silence_minutes between 5 and 1440)`,
    `alter table calls drop constraint calls_status_check`,
    `alter table calls add constraint calls_status_check
       check (status in ('queued', 'connected', 'wrap_up', 'completed', 'abandoned', 'after_hours', 'transferred_out', 'overflowed'))`,
    `alter table calls drop constraint calls_closed_reason_check`,
    `alter table calls add constraint calls_closed_reason_check check (closed_reason in ('tenant_suspended', 'max_wait', 'no_sign_of_life'))`,
    `alter table calls add column adapter_seen_at timestamptz`,
    `create index calls_live_seen_idx on calls ((coalesce(adapter_seen_at, answered_at, offered_at))) where ended_at is null and status in ('connected', 'transferred_out')`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `drop index calls_live_seen_idx`,
    `alter table calls drop column adapter_seen_at`,
    `update calls set closed_reason = null where closed_reason in ('max_wait', 'no_sign_of_life')`,
    `alter table calls drop constraint calls_closed_reason_check`,
    `alter table calls add constraint calls_closed_reason_check check (closed_reason in ('tenant_suspended'))`,
    `update calls set status = 'abandoned' where status = 'overflowed'`,
    `alter table calls drop constraint calls_status_check`,
    `alter table calls add constraint calls_status_check
       check (status in ('queued', 'connected', 'wrap_up', 'completed', 'abandoned', 'after_hours', 'transferred_out'))`,
    `alter table call_settings drop column connected_silence_minutes`,
    `alter table call_settings drop column queue_overflow`,
    `alter table call_settings drop column max_queue_wait_seconds`,
  ]);
}
