import type { Kysely } from 'kysely';
import { runStatements, tenantTableStatements } from './helpers.ts';

/**
 * Delegated functions (issue 3). `function_prices` is the provider's price list: global, one row per
 * (function, currency), so it has no tenant_id. It stays deliberately simple — one unit price per
 * function — until the billing issue brings a full price list (tiers, minimums, per-tenant deals).
 * `delegations` is, per tenant and function, whether the provider handles it, where operators send
 * such requests when the tenant keeps it in-house, and the volume the tenant expects each month.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `create table function_prices (
       function text not null check (function ~ '^[a-z][a-z0-9_]{0,39}$'),
       currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
       metric text not null check (metric in ('handled_minute', 'order', 'complaint', 'completed_survey', 'contact_reached', 'data_entry_record')),
       unit_price_minor integer not null check (unit_price_minor >= 0),
       updated_at timestamptz not null default now(),
       updated_by text not null,
       primary key (function, currency)
     )`,
    `grant select, insert, update, delete on function_prices to switchboard_app`,

    `create table delegations (
       tenant_id uuid not null references tenants (id),
       function text not null check (function ~ '^[a-z][a-z0-9_]{0,39}$'),
       delegated boolean not null default false,
       in_house_phone text check (in_house_phone ~ '^\\+[1-9][0-9]{6,14}$'),
       in_house_email text check (length(in_house_email) between 3 and 254),
       expected_monthly_volume integer not null default 0 check (expected_monthly_volume >= 0),
       updated_at timestamptz not null default now(),
       updated_by text not null,
       primary key (tenant_id, function),
       check (in_house_phone is null or in_house_email is null)
     )`,
    ...tenantTableStatements('delegations', ['select', 'insert', 'update']),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, ['drop table delegations', 'drop table function_prices']);
}
