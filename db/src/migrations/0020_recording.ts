import type { Kysely } from 'kysely';
import { runStatements, tenantTableStatements } from './helpers.ts';

/**
 * Issue 11, recordings and suspension. A call carries what the telephony adapter is told about its
 * recording (`off`: not recorded, by the tenant's policy or before the operator answers; `on`;
 * `paused` while the caller gives payment details), and why a call was closed without a queue when it
 * was not the hours (`tenant_suspended`: a suspended company takes no new calls). Every listen to or
 * download of a recording is kept in `recording_access` (who and when), which the client admin reads.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `alter table calls add column recording_state text not null default 'off' check (recording_state in ('off', 'on', 'paused'))`,
    `alter table calls add column closed_reason text check (closed_reason in ('tenant_suspended'))`,
    `create table recording_access (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       call_id uuid not null,
       user_id uuid not null,
       user_label text not null check (length(user_label) <= 300),
       action text not null check (action in ('listen', 'download')),
       at timestamptz not null,
       primary key (tenant_id, id),
       foreign key (tenant_id, call_id) references calls (tenant_id, id)
     )`,
    `create index recording_access_at_idx on recording_access (tenant_id, at desc, id desc)`,
    `create index recording_access_call_idx on recording_access (tenant_id, call_id, at desc)`,
    ...tenantTableStatements('recording_access', ['select', 'insert']),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `drop table recording_access`,
    `alter table calls drop column closed_reason`,
    `alter table calls drop column recording_state`,
  ]);
}
