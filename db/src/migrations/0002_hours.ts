import type { Kysely } from 'kysely';
import { runStatements, tenantTableStatements } from './helpers.ts';

/**
 * Business hours (issue 3): named weekly schedules, dated overrides, and per call-center function the
 * schedule it follows and what happens after hours. Local times are kept as the tenant wrote them
 * ('HH:MM' in tenants.time_zone); instants are computed from them at query time, so a change of
 * daylight-saving rules never leaves stale rows behind.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const localTime = `'^([01][0-9]|2[0-3]):[0-5][0-9]$'`;
  await runStatements(db, [
    `create table hours_schedules (
       tenant_id uuid not null references tenants (id),
       name text not null check (length(name) between 1 and 60),
       is_default boolean not null default false,
       primary key (tenant_id, name)
     )`,
    // At most one default schedule per tenant: the one functions without their own schedule follow.
    `create unique index hours_schedules_one_default on hours_schedules (tenant_id) where is_default`,
    ...tenantTableStatements('hours_schedules', ['select', 'insert', 'update', 'delete']),

    // An end at or before the start runs past midnight into the next day; '24:00' ends at midnight.
    `create table hours_slots (
       tenant_id uuid not null,
       schedule_name text not null,
       weekday smallint not null check (weekday between 1 and 7),
       starts_at text not null check (starts_at ~ ${localTime}),
       ends_at text not null check (ends_at ~ ${localTime} or ends_at = '24:00'),
       primary key (tenant_id, schedule_name, weekday, starts_at),
       foreign key (tenant_id, schedule_name) references hours_schedules (tenant_id, name) on delete cascade,
       check (starts_at <> ends_at)
     )`,
    ...tenantTableStatements('hours_slots', ['select', 'insert', 'update', 'delete']),

    `create table hours_overrides (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       starts_on date not null,
       ends_on date not null,
       label text not null check (length(label) between 1 and 80),
       closed boolean not null,
       intervals jsonb not null default '[]'::jsonb,
       primary key (tenant_id, id),
       check (ends_on >= starts_on),
       check (jsonb_typeof(intervals) = 'array'),
       check (closed = (jsonb_array_length(intervals) = 0))
     )`,
    `create index hours_overrides_dates_idx on hours_overrides (tenant_id, starts_on)`,
    ...tenantTableStatements('hours_overrides', ['select', 'insert', 'update', 'delete']),

    `create table hours_functions (
       tenant_id uuid not null references tenants (id),
       function_id text not null,
       schedule_name text,
       after_hours_action text not null check (after_hours_action in ('forward', 'callback', 'message', 'announcement')),
       forward_to text,
       announcement text,
       primary key (tenant_id, function_id),
       foreign key (tenant_id, schedule_name) references hours_schedules (tenant_id, name),
       check (forward_to is null or after_hours_action = 'forward'),
       check ((announcement is not null) = (after_hours_action = 'announcement'))
     )`,
    ...tenantTableStatements('hours_functions', ['select', 'insert', 'update', 'delete']),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, ['drop table hours_functions', 'drop table hours_overrides', 'drop table hours_slots', 'drop table hours_schedules']);
}
