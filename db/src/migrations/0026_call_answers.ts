import type { Kysely } from 'kysely';
import { runStatements, tenantTableStatements } from './helpers.ts';

/**
 * Answers as records (issue 14): what an operator captured with a script is kept with the call, typed,
 * under the script version it was asked with — so a later version never reinterprets old answers — and
 * becomes the client's data: a questionnaire's answers (grouped per script and version for results), a
 * qualified lead the client works through (new → contacted → converted / rejected), and the changes a
 * call made to a customer record, field by field.
 *
 * Each row is one per call (a primary key or a unique key on the call): a retried wrap-up writes nothing
 * twice. Values are stored after card-number redaction; masking per viewer happens on every read.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `create table call_answer_sets (
       tenant_id uuid not null references tenants (id),
       call_id uuid not null,
       script_id uuid not null,
       script_version integer not null,
       function text not null,
       completed boolean not null,
       is_survey boolean not null,
       answered_at timestamptz not null,
       primary key (tenant_id, call_id),
       foreign key (tenant_id, call_id) references calls (tenant_id, id),
       foreign key (tenant_id, script_id, script_version) references script_versions (tenant_id, script_id, version)
     )`,
    `create index call_answer_sets_script_idx on call_answer_sets (tenant_id, script_id, script_version, answered_at)`,
    ...tenantTableStatements('call_answer_sets', ['select', 'insert', 'delete']),
    `create table call_answers (
       tenant_id uuid not null,
       call_id uuid not null,
       step_id text not null check (step_id ~ '^[a-z][a-z0-9_]{0,39}$'),
       answer_type text not null,
       targets text[] not null default '{}',
       value jsonb not null,
       primary key (tenant_id, call_id, step_id),
       foreign key (tenant_id, call_id) references call_answer_sets (tenant_id, call_id) on delete cascade
     )`,
    ...tenantTableStatements('call_answers', ['select', 'insert', 'update', 'delete']),
    `create table leads (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       call_id uuid not null,
       function text not null,
       fields jsonb not null,
       status text not null default 'new' check (status in ('new', 'contacted', 'converted', 'rejected')),
       status_changed_at timestamptz,
       status_changed_by_label text,
       created_at timestamptz not null,
       primary key (tenant_id, id),
       unique (tenant_id, call_id),
       foreign key (tenant_id, call_id) references calls (tenant_id, id)
     )`,
    `create index leads_created_idx on leads (tenant_id, created_at desc, id desc)`,
    ...tenantTableStatements('leads', ['select', 'insert', 'update', 'delete']),
    `create table customer_record_changes (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       call_id uuid not null,
       customer_id uuid not null,
       action text not null check (action in ('created', 'updated')),
       changes jsonb not null,
       at timestamptz not null,
       primary key (tenant_id, id),
       unique (tenant_id, call_id, customer_id),
       foreign key (tenant_id, call_id) references calls (tenant_id, id),
       foreign key (tenant_id, customer_id) references customers (tenant_id, id) on delete cascade
     )`,
    `create index customer_record_changes_at_idx on customer_record_changes (tenant_id, at desc, id desc)`,
    ...tenantTableStatements('customer_record_changes', ['select', 'insert', 'update', 'delete']),
    // The retention job deletes answers, leads and record changes past the personal-data period (retention/plan.ts).
    `grant select on call_answer_sets to switchboard_retention`,
    `grant select, delete on call_answers, leads, customer_record_changes to switchboard_retention`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [`drop table customer_record_changes`, `drop table leads`, `drop table call_answers`, `drop table call_answer_sets`]);
}
