import type { Kysely } from 'kysely';
import { runStatements } from './helpers.ts';

/**
 * An expired wrap-up keeps what the operator chose and typed (issue 10): the desk saves it on the call
 * as a draft while wrapping up, and when the tenant's wrap-up time runs out the call closes with the
 * draft kept for the operator to complete later. The tenant may let an operator extend a wrap-up once
 * (`wrap_up_extension_seconds`, 0 = not allowed); the operator's presence counts the extension taken,
 * so the deadline (since + wrap-up time + extension) stays one expression the routing pass can read.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `alter table calls add column draft_disposition text check (length(draft_disposition) <= 60)`,
    `alter table calls add column draft_notes text check (length(draft_notes) <= 4000)`,
    `alter table calls add column draft_script_answers jsonb`,
    `alter table calls add column draft_saved_at timestamptz`,
    // "My recent calls": an operator's own calls in each tenant they serve, newest first.
    `create index calls_operator_recent_idx on calls (tenant_id, operator_id, offered_at desc) where operator_id is not null`,
    `alter table call_settings add column wrap_up_extension_seconds integer not null default 0 check (wrap_up_extension_seconds between 0 and 600)`,
    `alter table operator_presence add column wrap_up_extended_seconds integer not null default 0 check (wrap_up_extended_seconds >= 0)`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `alter table operator_presence drop column wrap_up_extended_seconds`,
    `alter table call_settings drop column wrap_up_extension_seconds`,
    `drop index calls_operator_recent_idx`,
    `alter table calls drop column draft_saved_at`,
    `alter table calls drop column draft_script_answers`,
    `alter table calls drop column draft_notes`,
    `alter table calls drop column draft_disposition`,
  ]);
}
