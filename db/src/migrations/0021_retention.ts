import type { Kysely } from 'kysely';
import { runStatements, tenantTableStatements } from './helpers.ts';

/**
 * Retention (issue 11): a daily job removes, per tenant, the personal data older than the tenant's
 * retention periods (api/src/retention/plan.ts lists every personal column and what happens to it).
 *
 * It runs as a role of its own, `switchboard_retention`: like the app role it has no login, no
 * BYPASSRLS and owns nothing, so every statement is still held to one tenant by row-level security;
 * unlike the app role it may rewrite the columns it anonymises (call timelines and information
 * requests stay append-only for every request handler) and delete customers, and nothing else.
 *
 * `retention_runs` is one row per tenant and local day: the primary key makes a day's run happen
 * once whichever process claims it; `lease_until` and `owner` let another process resume a run whose
 * process died (every step is idempotent); `removed` holds counts per kind, never data.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `do $$
     begin
       if not exists (select 1 from pg_roles where rolname = 'switchboard_retention') then
         create role switchboard_retention nologin nosuperuser nobypassrls nocreatedb nocreaterole noinherit;
       end if;
     exception when duplicate_object or unique_violation then null;
     end $$`,
    `do $$
     begin
       if not (select rolsuper from pg_roles where rolname = current_user) then
         execute format('grant switchboard_retention to %I', current_user);
       end if;
     end $$`,
    `grant usage on schema app to switchboard_retention`,
    `grant usage on schema public to switchboard_retention`,
    `grant execute on function app.current_tenant_id() to switchboard_retention`,

    `create table retention_runs (
       tenant_id uuid not null references tenants (id),
       run_on date not null,
       started_at timestamptz not null,
       finished_at timestamptz,
       lease_until timestamptz not null,
       owner uuid not null,
       attempts integer not null default 1 check (attempts >= 1),
       personal_data_days integer not null check (personal_data_days between 1 and 3650),
       recording_days integer not null check (recording_days between 1 and 3650),
       personal_data_cutoff timestamptz not null,
       recording_cutoff timestamptz not null,
       removed jsonb not null default '{}',
       primary key (tenant_id, run_on)
     )`,
    `create index retention_runs_unfinished_idx on retention_runs (tenant_id, lease_until) where finished_at is null`,
    ...tenantTableStatements('retention_runs', ['select']),
    `grant select, insert, update on retention_runs to switchboard_retention`,

    // What the job reads to decide, and what it rewrites: column by column, nothing more.
    `grant select on tenants, confidentiality_rules to switchboard_retention`,
    `grant select on calls, call_events, callback_requests, customers, orders, complaints, information_requests to switchboard_retention`,
    `grant update (caller_number, customer_id, notes, recording_ref, draft_disposition, draft_notes, draft_script_answers, draft_saved_at) on calls to switchboard_retention`,
    `grant update (detail) on call_events to switchboard_retention`,
    `grant update (caller_number, status) on callback_requests to switchboard_retention`,
    `grant update (delivery_address, payment_reference, notes, customer_id) on orders to switchboard_retention`,
    `grant update (description, desired_resolution, customer_id) on complaints to switchboard_retention`,
    `grant update (question, answer, customer_id) on information_requests to switchboard_retention`,
    `grant delete on customers to switchboard_retention`,
    `grant insert on audit_log to switchboard_retention`,

    // The job finds old rows by date within a tenant (calls, orders and complaints have such indexes already).
    `create index information_requests_created_idx on information_requests (tenant_id, created_at)`,
    `create index call_events_at_idx on call_events (tenant_id, at)`,
    `create index callback_requests_requested_idx on callback_requests (tenant_id, requested_at)`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `drop index call_events_at_idx`,
    `drop index callback_requests_requested_idx`,
    `drop index information_requests_created_idx`,
    `drop table retention_runs`,
    `revoke all on calls, call_events, callback_requests, customers, orders, complaints, information_requests, audit_log, tenants, confidentiality_rules from switchboard_retention`,
  ]);
}
