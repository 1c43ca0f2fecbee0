import { type Kysely, sql } from 'kysely';
import { runStatements, tenantTableStatements } from './helpers.ts';

/**
 * The foundation: the app role and the tenant-context function, the global
 * identity tables (tenants, users, sessions, throttling, provider audit) and the
 * first tenant tables (memberships, operator assignments, audit log).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `create schema if not exists app`,
    // Fails closed: an unset or empty app.tenant_id yields null, and `tenant_id = null` matches no row.
    `create or replace function app.current_tenant_id() returns uuid
       language sql stable parallel safe
       as $$ select nullif(current_setting('app.tenant_id', true), '')::uuid $$`,
    // Roles are cluster-wide, so several databases (and parallel test runs) may race to create it.
    `do $$
     begin
       if not exists (select 1 from pg_roles where rolname = 'switchboard_app') then
         create role switchboard_app nologin nosuperuser nobypassrls nocreatedb nocreaterole noinherit;
       end if;
     exception when duplicate_object or unique_violation then null;
     end $$`,
    `do $$
     begin
       if not (select rolsuper from pg_roles where rolname = current_user) then
         execute format('grant switchboard_app to %I', current_user);
       end if;
     end $$`,
    `grant usage on schema app to switchboard_app`,
    `grant usage on schema public to switchboard_app`,
    `grant execute on function app.current_tenant_id() to switchboard_app`,

    // ---- global tables (no tenant rows) -------------------------------------------------------
    `create table tenants (
       id uuid primary key,
       slug text not null unique check (slug ~ '^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$'),
       name text not null check (length(name) between 1 and 120),
       legal_name text not null check (length(legal_name) between 1 and 200),
       time_zone text not null,
       locale text not null,
       currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
       status text not null default 'active' check (status in ('active', 'suspended')),
       suspended_reason text,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now()
     )`,
    `grant select, insert, update on tenants to switchboard_app`,

    `create table users (
       id uuid primary key,
       email text not null unique check (email = lower(email)),
       display_name text not null check (length(display_name) between 1 and 120),
       kind text not null check (kind in ('provider_admin', 'supervisor', 'operator', 'client_admin', 'client_member')),
       password_hash text not null,
       must_change_password boolean not null default false,
       status text not null default 'active' check (status in ('active', 'disabled')),
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now()
     )`,
    `grant select, insert, update on users to switchboard_app`,

    `create table sessions (
       id text primary key,
       user_id uuid not null references users (id) on delete cascade,
       secret_hash bytea not null,
       created_at timestamptz not null default now(),
       last_verified_at timestamptz not null default now()
     )`,
    `create index sessions_user_id_idx on sessions (user_id)`,
    `grant select, insert, update, delete on sessions to switchboard_app`,

    // Failed-login counters, shared by every API process through the database.
    `create table login_throttle (
       key text primary key,
       failures integer not null default 0,
       window_started_at timestamptz not null default now(),
       locked_until timestamptz
     )`,
    `grant select, insert, update, delete on login_throttle to switchboard_app`,

    // Provider-level actions that belong to no tenant (staff accounts). Append-only for the app.
    `create table platform_audit_log (
       id uuid primary key,
       at timestamptz not null default now(),
       actor_id uuid,
       actor_label text not null,
       action text not null,
       target_type text not null,
       target_id text,
       before jsonb,
       after jsonb
     )`,
    `create index platform_audit_log_at_idx on platform_audit_log (at desc)`,
    `grant select, insert on platform_audit_log to switchboard_app`,

    // ---- tenant tables --------------------------------------------------------------------------
    `create table tenant_members (
       tenant_id uuid not null references tenants (id),
       user_id uuid not null references users (id) on delete cascade,
       role text not null check (role in ('client_admin', 'client_member')),
       created_at timestamptz not null default now(),
       primary key (tenant_id, user_id)
     )`,
    `create index tenant_members_user_idx on tenant_members (user_id)`,
    ...tenantTableStatements('tenant_members', ['select', 'insert', 'update', 'delete']),

    `create table operator_assignments (
       tenant_id uuid not null references tenants (id),
       operator_id uuid not null references users (id) on delete cascade,
       skills text[] not null default '{}',
       created_at timestamptz not null default now(),
       primary key (tenant_id, operator_id)
     )`,
    `create index operator_assignments_operator_idx on operator_assignments (operator_id)`,
    ...tenantTableStatements('operator_assignments', ['select', 'insert', 'update', 'delete']),

    // Append-only: the app role may insert and read, never update or delete.
    `create table audit_log (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       at timestamptz not null default now(),
       actor_id uuid,
       actor_label text not null,
       action text not null,
       target_type text not null,
       target_id text,
       before jsonb,
       after jsonb,
       primary key (tenant_id, id)
     )`,
    `create index audit_log_at_idx on audit_log (tenant_id, at desc, id desc)`,
    ...tenantTableStatements('audit_log', ['select', 'insert']),
  ]);
  await sql`select 1`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('The foundation migration cannot be reverted.');
}
