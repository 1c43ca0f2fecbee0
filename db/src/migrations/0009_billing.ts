import type { Kysely } from 'kysely';
import { runStatements, tenantTableStatements } from './helpers.ts';

const FUNCTION = `check (function ~ '^[a-z][a-z0-9_]{0,39}$')`;
const METRIC = `check (metric in ('handled_minute', 'handled_call', 'order', 'complaint', 'completed_survey', 'contact_reached', 'data_entry_record', 'platform_fee', 'seat'))`;
/** A usage price belongs to a function; the monthly platform fee and seats belong to the tenant as a whole. */
const FUNCTION_MATCHES_METRIC = `check ((metric in ('platform_fee', 'seat')) = (function is null))`;
/** Time is billed per started minute or per second; everything else is counted, so has no rounding. */
const ROUNDING = `check ((metric = 'handled_minute') = (rounding is not null) and (rounding is null or rounding in ('per_started_minute', 'per_second')))`;

const priceColumns = `
       function text ${FUNCTION},
       metric text not null ${METRIC},
       currency char(3) not null check (currency ~ '^[A-Z]{3}$'),
       unit_amount_minor bigint not null check (unit_amount_minor >= 0 and unit_amount_minor <= 100000000),
       rounding text,
       effective_from date not null,
       effective_to date,
       created_at timestamptz not null default now(),
       created_by text not null,
       ${FUNCTION_MATCHES_METRIC},
       ${ROUNDING},
       check (effective_to is null or effective_to > effective_from)`;

/**
 * Billing (issue 5).
 *
 * Prices are dated: a price applies to usage whose day (in the tenant's time zone) falls in
 * [effective_from, effective_to). `prices` is the provider's list (global, no tenant); `tenant_prices`
 * holds a tenant's negotiated prices, which win over the list for the same function and metric.
 *
 * Usage is rated when it is written: the price that applied, the billed quantity, the amount and the
 * billing period are stored on the usage event itself, in the same transaction as the work. A later
 * price change therefore cannot re-rate the past. Closing a period freezes its statement and lines.
 *
 * `billing_outbox` carries what must reach Stripe: written in the tenant's transaction, sent by a
 * worker outside any transaction, marked sent afterwards. `stripe_events` records each webhook event
 * id once (global: an event names its customer, the tenant is found from that).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    // ---- global ---------------------------------------------------------------------------------
    `create table prices (
       id uuid primary key,
       ${priceColumns}
     )`,
    `create index prices_lookup_idx on prices (function, metric, currency, effective_from)`,
    `grant select, insert, update, delete on prices to switchboard_app`,
    // The simple price list of issue 3 becomes the first version of the dated one.
    `insert into prices (id, function, metric, currency, unit_amount_minor, rounding, effective_from, created_at, created_by)
       select gen_random_uuid(), function, metric, currency, unit_price_minor,
              case when metric = 'handled_minute' then 'per_started_minute' end,
              date '2000-01-01', updated_at, updated_by
       from function_prices`,
    `drop table function_prices`,

    `create table stripe_events (
       id text primary key check (length(id) between 1 and 255),
       type text not null,
       received_at timestamptz not null default now(),
       processed_at timestamptz
     )`,
    `grant select, insert, update on stripe_events to switchboard_app`,

    // ---- tenant ---------------------------------------------------------------------------------
    `create table tenant_prices (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       ${priceColumns},
       primary key (tenant_id, id)
     )`,
    `create index tenant_prices_lookup_idx on tenant_prices (tenant_id, function, metric, effective_from)`,
    ...tenantTableStatements('tenant_prices', ['select', 'insert', 'update', 'delete']),

    `create table billing_accounts (
       tenant_id uuid not null references tenants (id),
       minimum_commitment_minor bigint not null default 0 check (minimum_commitment_minor >= 0 and minimum_commitment_minor <= 100000000000),
       dedicated_seats integer not null default 0 check (dedicated_seats between 0 and 10000),
       past_due_since timestamptz,
       stripe_customer_id text,
       stripe_subscription_id text,
       subscription_status text,
       updated_at timestamptz not null default now(),
       updated_by text not null default 'system',
       primary key (tenant_id)
     )`,
    `create index billing_accounts_stripe_customer_idx on billing_accounts (stripe_customer_id)`,
    ...tenantTableStatements('billing_accounts', ['select', 'insert', 'update']),

    // Rating, stored on the event when it is written.
    `alter table usage_events add column price_id uuid`,
    `alter table usage_events add column price_source text check (price_source in ('list', 'tenant'))`,
    `alter table usage_events add column unit_amount_minor bigint`,
    `alter table usage_events add column rounding text`,
    `alter table usage_events add column billed_quantity bigint not null default 0 check (billed_quantity >= 0)`,
    `alter table usage_events add column amount_minor bigint not null default 0 check (amount_minor >= 0)`,
    `alter table usage_events add column currency char(3)`,
    `alter table usage_events add column billing_period date`,
    `update usage_events u set billing_period = date_trunc('month', u.occurred_at at time zone t.time_zone)::date,
                              currency = t.currency
       from tenants t where t.id = u.tenant_id`,
    `alter table usage_events alter column billing_period set not null`,
    `create index usage_events_period_idx on usage_events (tenant_id, billing_period, occurred_at)`,

    // A closed period: its statement and lines never change again.
    `create table statements (
       tenant_id uuid not null references tenants (id),
       period date not null check (extract(day from period) = 1),
       currency char(3) not null,
       period_start timestamptz not null,
       period_end timestamptz not null,
       usage_minor bigint not null,
       total_minor bigint not null,
       closed_at timestamptz not null default now(),
       primary key (tenant_id, period)
     )`,
    ...tenantTableStatements('statements', ['select', 'insert']),

    `create table statement_lines (
       tenant_id uuid not null,
       period date not null,
       line_no integer not null,
       kind text not null check (kind in ('usage', 'platform_fee', 'seat', 'commitment_top_up')),
       function text,
       metric text,
       description text not null,
       quantity bigint not null,
       unit text not null,
       unit_amount_minor bigint,
       rounding text,
       price_id uuid,
       price_source text,
       amount_minor bigint not null,
       primary key (tenant_id, period, line_no),
       foreign key (tenant_id, period) references statements (tenant_id, period)
     )`,
    ...tenantTableStatements('statement_lines', ['select', 'insert']),

    `create table invoices (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       source text not null check (source in ('local', 'stripe')),
       stripe_invoice_id text,
       number text,
       period date,
       period_start timestamptz,
       period_end timestamptz,
       currency char(3) not null,
       amount_due_minor bigint not null default 0,
       amount_paid_minor bigint not null default 0,
       status text not null check (status in ('draft', 'open', 'paid', 'void', 'uncollectible')),
       hosted_invoice_url text,
       invoice_pdf_url text,
       issued_at timestamptz,
       due_at timestamptz,
       paid_at timestamptz,
       payment_failed_at timestamptz,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (tenant_id, id),
       unique (tenant_id, stripe_invoice_id),
       foreign key (tenant_id, period) references statements (tenant_id, period)
     )`,
    `create unique index invoices_local_period_idx on invoices (tenant_id, period) where source = 'local'`,
    ...tenantTableStatements('invoices', ['select', 'insert', 'update']),

    `create table billing_outbox (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       kind text not null check (kind in ('meter_event')),
       event_name text not null,
       value bigint not null check (value >= 0),
       occurred_at timestamptz not null,
       attempts integer not null default 0,
       next_attempt_at timestamptz not null default now(),
       sent_at timestamptz,
       last_error text,
       created_at timestamptz not null default now(),
       primary key (tenant_id, id)
     )`,
    `create index billing_outbox_due_idx on billing_outbox (next_attempt_at) where sent_at is null`,
    ...tenantTableStatements('billing_outbox', ['select', 'insert', 'update']),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    'drop table billing_outbox',
    'drop table invoices',
    'drop table statement_lines',
    'drop table statements',
    'drop index usage_events_period_idx',
    ...['price_id', 'price_source', 'unit_amount_minor', 'rounding', 'billed_quantity', 'amount_minor', 'currency', 'billing_period'].map(
      (c) => `alter table usage_events drop column ${c}`,
    ),
    'drop table billing_accounts',
    'drop table tenant_prices',
    'drop table stripe_events',
    `create table function_prices (
       function text not null, currency char(3) not null, metric text not null, unit_price_minor integer not null,
       updated_at timestamptz not null default now(), updated_by text not null, primary key (function, currency)
     )`,
    `grant select, insert, update, delete on function_prices to switchboard_app`,
    'drop table prices',
  ]);
}
