import type { Kysely } from 'kysely';
import { runStatements, tenantTableStatements } from './helpers.ts';

/**
 * The operator desk (issue 4): how calls reach a tenant (its numbers, its call-handling settings),
 * the calls themselves with their timeline and the queue they wait in, operator presence, what
 * operators capture (customers, orders, complaints, information requests, callback requests), the
 * usage events billing rates, idempotency keys, and the telephony adapter's seen signatures.
 *
 * Operator presence is global: one person, one state, whichever tenant's call they are on. The queue
 * is a tenant table like any other; only the named routing functions (db/src/routing.ts) read it
 * across tenants, and they read ids.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    // The colour the desk's banner shows while an operator is on this tenant's call.
    `alter table tenants add column brand_color text not null default '#2f6fdf' check (brand_color ~ '^#[0-9a-f]{6}$')`,

    // Per skill (function or specialist skill) the operator serves the tenant with: {"order_taking": {"priority": 1, "delaySeconds": 0}}.
    // Priority 1 is offered first; a delay holds a waiting call back from this operator for that long.
    `alter table operator_assignments add column routing jsonb not null default '{}'`,

    // ---- global ---------------------------------------------------------------------------------
    `create table operator_presence (
       operator_id uuid primary key references users (id) on delete cascade,
       state text not null check (state in ('offline', 'available', 'on_call', 'wrap_up', 'break')),
       break_reason text check (length(break_reason) <= 60),
       since timestamptz not null default now(),
       updated_at timestamptz not null default now()
     )`,
    `grant select, insert, update on operator_presence to switchboard_app`,

    // Every state an operator was in, with its time: occupancy and time reports read this.
    `create table operator_state_log (
       id uuid primary key,
       operator_id uuid not null references users (id) on delete cascade,
       state text not null,
       break_reason text,
       started_at timestamptz not null,
       ended_at timestamptz
     )`,
    `create index operator_state_log_operator_idx on operator_state_log (operator_id, started_at desc)`,
    `grant select, insert, update on operator_state_log to switchboard_app`,

    // Signatures the telephony boundary accepted within the timestamp window: a replay is refused.
    `create table telephony_signatures (
       signature text primary key,
       seen_at timestamptz not null default now()
     )`,
    `create index telephony_signatures_seen_idx on telephony_signatures (seen_at)`,
    `grant select, insert, delete on telephony_signatures to switchboard_app`,

    // ---- tenant ---------------------------------------------------------------------------------
    `create table call_settings (
       tenant_id uuid not null references tenants (id),
       offer_timeout_seconds integer not null default 15 check (offer_timeout_seconds between 5 and 120),
       wrap_up_seconds integer not null default 60 check (wrap_up_seconds between 0 and 900),
       answer_target_seconds integer not null default 20 check (answer_target_seconds between 1 and 600),
       transfer_timeout_seconds integer not null default 30 check (transfer_timeout_seconds between 5 and 300),
       complaint_due_days jsonb not null default '{"low": 10, "medium": 5, "high": 2, "critical": 1}',
       updated_at timestamptz not null default now(),
       updated_by text not null,
       primary key (tenant_id)
     )`,
    ...tenantTableStatements('call_settings', ['select', 'insert', 'update']),

    // The numbers callers dial, each answering for one function. A number belongs to one tenant;
    // that is checked across tenants by db/src/routing.ts when a number is added.
    `create table phone_numbers (
       tenant_id uuid not null references tenants (id),
       number text not null check (number ~ '^\\+[1-9][0-9]{6,14}$'),
       function text not null,
       label text not null default '' check (length(label) <= 120),
       created_at timestamptz not null default now(),
       primary key (tenant_id, number)
     )`,
    `create index phone_numbers_number_idx on phone_numbers (number)`,
    ...tenantTableStatements('phone_numbers', ['select', 'insert', 'update', 'delete']),

    `create table customers (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       phone text not null check (phone ~ '^\\+[1-9][0-9]{6,14}$'),
       name text check (length(name) <= 200),
       email text check (length(email) <= 254),
       address text check (length(address) <= 500),
       birth_date text check (birth_date ~ '^\\d{4}-\\d{2}-\\d{2}$'),
       account_number text check (length(account_number) <= 64),
       card_number text check (length(card_number) <= 32),
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (tenant_id, id),
       unique (tenant_id, phone)
     )`,
    ...tenantTableStatements('customers', ['select', 'insert', 'update']),

    `create table calls (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       external_id text not null check (length(external_id) between 1 and 200),
       direction text not null default 'inbound' check (direction in ('inbound', 'outbound')),
       function text not null,
       dialled_number text not null,
       caller_number text not null,
       status text not null check (status in ('queued', 'connected', 'wrap_up', 'completed', 'abandoned', 'after_hours', 'transferred_out')),
       after_hours_action text check (after_hours_action in ('forward', 'callback', 'message', 'announcement')),
       forwarded_to text,
       required_skill text,
       operator_id uuid references users (id),
       customer_id uuid,
       script_id uuid,
       script_version integer,
       disposition text,
       notes text check (length(notes) <= 4000),
       recording_ref text,
       offered_at timestamptz not null,
       answered_at timestamptz,
       ended_at timestamptz,
       ended_by text check (ended_by in ('caller', 'operator', 'system')),
       wrap_up_ended_at timestamptz,
       primary key (tenant_id, id),
       unique (tenant_id, external_id),
       foreign key (tenant_id, customer_id) references customers (tenant_id, id)
     )`,
    `create index calls_offered_idx on calls (tenant_id, offered_at desc, id desc)`,
    `create index calls_caller_idx on calls (tenant_id, caller_number, offered_at desc)`,
    ...tenantTableStatements('calls', ['select', 'insert', 'update']),

    // The call's timeline: offered, queued, offered_to, declined, offer_expired, answered, transfer_*,
    // ended, wrap_up_done… Append-only.
    `create table call_events (
       tenant_id uuid not null,
       id uuid not null,
       call_id uuid not null,
       at timestamptz not null default now(),
       kind text not null,
       operator_id uuid,
       detail jsonb not null default '{}',
       primary key (tenant_id, id),
       foreign key (tenant_id, call_id) references calls (tenant_id, id)
     )`,
    `create index call_events_call_idx on call_events (tenant_id, call_id, at, id)`,
    ...tenantTableStatements('call_events', ['select', 'insert']),

    // A call waiting for an operator. Routing offers it to one operator at a time (offered_to until
    // offer_expires_at); accepting deletes the row, so of two accepts exactly one finds it.
    `create table call_queue (
       tenant_id uuid not null,
       call_id uuid not null,
       function text not null,
       required_skill text,
       enqueued_at timestamptz not null,
       offered_to uuid references users (id),
       offer_expires_at timestamptz,
       declined_by uuid[] not null default '{}',
       return_to uuid references users (id),
       return_note text,
       primary key (tenant_id, call_id),
       foreign key (tenant_id, call_id) references calls (tenant_id, id)
     )`,
    `create index call_queue_waiting_idx on call_queue (enqueued_at) where offered_to is null`,
    `create index call_queue_offered_idx on call_queue (offered_to) where offered_to is not null`,
    ...tenantTableStatements('call_queue', ['select', 'insert', 'update', 'delete']),

    `create table callback_requests (
       tenant_id uuid not null,
       id uuid not null,
       call_id uuid not null,
       function text not null,
       caller_number text not null,
       status text not null default 'pending' check (status in ('pending', 'done', 'cancelled')),
       requested_at timestamptz not null default now(),
       primary key (tenant_id, id),
       foreign key (tenant_id, call_id) references calls (tenant_id, id)
     )`,
    ...tenantTableStatements('callback_requests', ['select', 'insert', 'update']),

    `create table orders (
       tenant_id uuid not null,
       id uuid not null,
       number integer not null check (number >= 1),
       call_id uuid,
       customer_id uuid,
       status text not null default 'received' check (status in ('received', 'confirmed', 'delivered', 'cancelled')),
       items jsonb not null,
       currency char(3) not null,
       subtotal_minor bigint not null check (subtotal_minor >= 0),
       discount_minor bigint not null default 0 check (discount_minor >= 0),
       total_minor bigint not null check (total_minor >= 0),
       delivery_address text check (length(delivery_address) <= 500),
       delivery_time timestamptz,
       payment_method text not null check (payment_method in ('cash', 'card_on_delivery', 'to_collect', 'invoice')),
       payment_reference text check (length(payment_reference) <= 64),
       notes text check (length(notes) <= 2000),
       created_by uuid,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (tenant_id, id),
       unique (tenant_id, number),
       foreign key (tenant_id, call_id) references calls (tenant_id, id),
       foreign key (tenant_id, customer_id) references customers (tenant_id, id)
     )`,
    `create index orders_created_idx on orders (tenant_id, created_at desc, id desc)`,
    ...tenantTableStatements('orders', ['select', 'insert', 'update']),

    `create table complaints (
       tenant_id uuid not null,
       id uuid not null,
       number integer not null check (number >= 1),
       call_id uuid,
       customer_id uuid,
       category text not null check (length(category) between 1 and 80),
       severity text not null check (severity in ('low', 'medium', 'high', 'critical')),
       description text not null check (length(description) between 1 and 4000),
       desired_resolution text check (length(desired_resolution) <= 2000),
       status text not null default 'open' check (status in ('open', 'in_progress', 'resolved', 'closed')),
       due_at timestamptz not null,
       created_by uuid,
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (tenant_id, id),
       unique (tenant_id, number),
       foreign key (tenant_id, call_id) references calls (tenant_id, id),
       foreign key (tenant_id, customer_id) references customers (tenant_id, id)
     )`,
    `create index complaints_created_idx on complaints (tenant_id, created_at desc, id desc)`,
    ...tenantTableStatements('complaints', ['select', 'insert', 'update']),

    `create table information_requests (
       tenant_id uuid not null,
       id uuid not null,
       call_id uuid,
       customer_id uuid,
       topic text not null check (length(topic) between 1 and 200),
       question text check (length(question) <= 4000),
       answer text check (length(answer) <= 4000),
       follow_up boolean not null default false,
       created_by uuid,
       created_at timestamptz not null default now(),
       primary key (tenant_id, id),
       foreign key (tenant_id, call_id) references calls (tenant_id, id),
       foreign key (tenant_id, customer_id) references customers (tenant_id, id)
     )`,
    ...tenantTableStatements('information_requests', ['select', 'insert']),

    // What billing rates. One row per (metric, source): written in the transaction that did the work,
    // so it is never lost, and the unique key means it is never counted twice. Append-only.
    `create table usage_events (
       tenant_id uuid not null,
       id uuid not null,
       occurred_at timestamptz not null,
       function text not null,
       metric text not null check (metric in ('handled_call', 'talk_seconds', 'order', 'complaint', 'completed_survey', 'contact_reached', 'data_entry_record')),
       quantity bigint not null check (quantity >= 0),
       source_type text not null,
       source_id uuid not null,
       primary key (tenant_id, id),
       unique (tenant_id, metric, source_type, source_id)
     )`,
    `create index usage_events_occurred_idx on usage_events (tenant_id, occurred_at)`,
    ...tenantTableStatements('usage_events', ['select', 'insert']),

    // Idempotency-Key: the first response to (scope, key) is kept and replayed to retries.
    `create table idempotency_keys (
       tenant_id uuid not null,
       scope text not null,
       key text not null check (length(key) between 1 and 200),
       request_hash text not null,
       response_status integer not null,
       response_body jsonb not null,
       created_at timestamptz not null default now(),
       primary key (tenant_id, scope, key)
     )`,
    ...tenantTableStatements('idempotency_keys', ['select', 'insert', 'delete']),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `drop table idempotency_keys`,
    `drop table usage_events`,
    `drop table information_requests`,
    `drop table complaints`,
    `drop table orders`,
    `drop table callback_requests`,
    `drop table call_queue`,
    `drop table call_events`,
    `drop table calls`,
    `drop table customers`,
    `drop table phone_numbers`,
    `drop table call_settings`,
    `drop table telephony_signatures`,
    `drop table operator_state_log`,
    `drop table operator_presence`,
    `alter table operator_assignments drop column routing`,
    `alter table tenants drop column brand_color`,
  ]);
}
