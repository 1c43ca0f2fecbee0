import type { Kysely } from 'kysely';
import { runStatements, tenantTableStatements } from './helpers.ts';

/**
 * Call scripts: the tenant's wrap-up codes (the dispositions a call can end with), one script per
 * (tenant, function) holding the draft being edited, and its published versions — numbered per
 * script and immutable: the app role may insert and read them, never update or delete, so a call
 * that records which version it ran can always show exactly that version.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `create table wrap_up_codes (
       tenant_id uuid not null references tenants (id),
       code text not null check (code ~ '^[a-z0-9][a-z0-9_]{0,39}$'),
       label text not null check (length(label) between 1 and 120),
       active boolean not null default true,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (tenant_id, code)
     )`,
    ...tenantTableStatements('wrap_up_codes', ['select', 'insert', 'update', 'delete']),

    `create table scripts (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       function text not null check (function ~ '^[a-z][a-z0-9_]{0,39}$'),
       draft jsonb not null,
       draft_updated_at timestamptz not null default now(),
       draft_updated_by text not null,
       created_at timestamptz not null default now(),
       primary key (tenant_id, id),
       unique (tenant_id, function)
     )`,
    ...tenantTableStatements('scripts', ['select', 'insert', 'update']),

    `create table script_versions (
       tenant_id uuid not null,
       script_id uuid not null,
       version integer not null check (version >= 1),
       body jsonb not null,
       published_at timestamptz not null default now(),
       published_by uuid,
       published_by_label text not null,
       primary key (tenant_id, script_id, version),
       foreign key (tenant_id, script_id) references scripts (tenant_id, id)
     )`,
    ...tenantTableStatements('script_versions', ['select', 'insert']),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [`drop table script_versions`, `drop table scripts`, `drop table wrap_up_codes`]);
}
