import type { Kysely } from 'kysely';
import { runStatements, tenantTableStatements } from './helpers.ts';

const E164 = `~ '^\\+[1-9][0-9]{6,14}$'`;
const METRICS = `'handled_minute', 'handled_call', 'order', 'complaint', 'completed_survey', 'contact_reached', 'data_entry_record'`;

/**
 * Issue 15: outbound campaigns (docs/outbound.md).
 *
 * A campaign dials the contacts of its lists for one outbound function, under a calling-rules profile
 * (France by default) judged at the moment of every dial. Each dial is an attempt: created by the dialer
 * (or by the operator's click in preview), handed to the telephony adapter (`originating`), reported back
 * (ringing, answered by a person or a machine, busy, no answer, failed) and, when a person answers and an
 * operator is connected, a `calls` row (direction `outbound`) that the desk, the wrap-up, recordings and
 * billing handle like any call. Refused dials are logged with their rule; the tenant's do-not-call list,
 * opposition (Bloctel) lists, refusals (60 days) and consents are the facts the rules read.
 *
 * An operator reserved for an attempt (looking at a preview card, or waiting for their progressive call
 * to be answered) is `dialing` on the global presence row: the inbound claim only ever takes `available`
 * operators, so a reserved operator is never offered an inbound call meanwhile.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `create table campaigns (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       name text not null check (length(name) between 1 and 120),
       -- An outbound function; a \`callbacks\` campaign (the company's callback requests) has the inbound function they were made on.
       function text not null check (function ~ '^[a-z][a-z0-9_]{0,39}$'),
       kind text not null default 'campaign' check (kind in ('campaign', 'callbacks')),
       script_id uuid,
       caller_id text not null check (caller_id ${E164}),
       mode text not null check (mode in ('preview', 'progressive', 'predictive')),
       status text not null default 'draft' check (status in ('draft', 'running', 'paused', 'finished')),
       starts_on date,
       ends_on date check (ends_on is null or starts_on is null or ends_on >= starts_on),
       calling_hours jsonb not null check (jsonb_typeof(calling_hours) = 'object'),
       retry_rules jsonb not null check (jsonb_typeof(retry_rules) = 'object'),
       dispositions jsonb not null check (jsonb_typeof(dispositions) = 'array'),
       rules_profile text not null default 'fr' check (rules_profile ~ '^[a-z][a-z0-9_]{0,39}$'),
       requires_consent boolean not null default false,
       abandon_cap_percent numeric(4, 2) not null default 3 check (abandon_cap_percent > 0 and abandon_cap_percent <= 10),
       abandon_message text not null check (length(abandon_message) between 1 and 1000),
       ring_timeout_seconds integer not null default 25 check (ring_timeout_seconds between 10 and 60),
       max_dial_ratio numeric(4, 2) not null default 3 check (max_dial_ratio >= 1 and max_dial_ratio <= 5),
       created_at timestamptz not null,
       updated_at timestamptz not null,
       updated_by text not null,
       primary key (tenant_id, id),
       foreign key (tenant_id, script_id) references scripts (tenant_id, id)
     )`,
    `create index campaigns_running_idx on campaigns (tenant_id) where status = 'running'`,
    `create unique index campaigns_callbacks_idx on campaigns (tenant_id, function) where kind = 'callbacks'`,
    ...tenantTableStatements('campaigns', ['select', 'insert', 'update']),

    `create table contact_lists (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       campaign_id uuid not null,
       name text not null check (length(name) between 1 and 200),
       status text not null default 'active' check (status in ('active', 'paused')),
       row_count integer not null default 0 check (row_count >= 0),
       created_at timestamptz not null,
       created_by text not null,
       primary key (tenant_id, id),
       foreign key (tenant_id, campaign_id) references campaigns (tenant_id, id)
     )`,
    `create index contact_lists_campaign_idx on contact_lists (tenant_id, campaign_id)`,
    ...tenantTableStatements('contact_lists', ['select', 'insert', 'update']),

    `create table campaign_contacts (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       campaign_id uuid not null,
       list_id uuid not null,
       line_number integer not null check (line_number >= 1),
       phone text not null check (phone ${E164}),
       name text check (length(name) <= 200),
       email text check (length(email) <= 254),
       time_zone text not null check (length(time_zone) <= 64),
       region text check (length(region) <= 8),
       postcode text check (length(postcode) <= 16),
       fields jsonb not null default '{}' check (jsonb_typeof(fields) = 'object' and length(fields::text) <= 8000),
       customer_id uuid,
       state text not null default 'pending' check (state in ('pending', 'dialing', 'done', 'excluded')),
       attempts integer not null default 0 check (attempts >= 0),
       next_attempt_at timestamptz not null,
       last_outcome text,
       last_attempt_at timestamptz,
       disposition text check (length(disposition) <= 64),
       callback_at timestamptz,
       callback_operator_id uuid references users (id),
       callback_note text check (length(callback_note) <= 500),
       -- An inbound callback request this contact answers (a \`callbacks\` campaign): done once the caller is reached.
       callback_request_id uuid,
       created_at timestamptz not null,
       updated_at timestamptz not null,
       primary key (tenant_id, id),
       unique (tenant_id, campaign_id, phone),
       foreign key (tenant_id, list_id) references contact_lists (tenant_id, id)
     )`,
    // The dialer's pick: a campaign's pending contacts due now, callbacks first.
    `create index campaign_contacts_due_idx on campaign_contacts (tenant_id, campaign_id, next_attempt_at, line_number) where state = 'pending' and callback_at is null`,
    `create index campaign_contacts_callbacks_idx on campaign_contacts (tenant_id, campaign_id, callback_at) where state = 'pending' and callback_at is not null`,
    `create index campaign_contacts_list_idx on campaign_contacts (tenant_id, list_id, line_number)`,
    `create index campaign_contacts_phone_idx on campaign_contacts (tenant_id, phone)`,
    ...tenantTableStatements('campaign_contacts', ['select', 'insert', 'update', 'delete']),

    `create table dial_attempts (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       campaign_id uuid not null,
       contact_id uuid not null,
       phone text not null check (phone ${E164}),
       caller_id text not null check (caller_id ${E164}),
       callee_time_zone text not null,
       mode text not null check (mode in ('preview', 'progressive', 'predictive', 'callback')),
       operator_id uuid references users (id),
       status text not null check (status in ('preview', 'originating', 'ringing', 'connected', 'ended')),
       outcome text check (outcome in ('answered', 'machine', 'busy', 'no_answer', 'failed', 'abandoned', 'skipped', 'cancelled')),
       skip_reason text check (length(skip_reason) <= 200),
       call_id uuid,
       created_at timestamptz not null,
       dialled_at timestamptz,
       answered_at timestamptz,
       ended_at timestamptz,
       primary key (tenant_id, id),
       foreign key (tenant_id, campaign_id) references campaigns (tenant_id, id),
       foreign key (tenant_id, contact_id) references campaign_contacts (tenant_id, id),
       foreign key (tenant_id, call_id) references calls (tenant_id, id),
       check ((status = 'ended') = (outcome is not null))
     )`,
    // The 4-in-30-days count: every dial of a phone on behalf of the tenant, whichever campaign.
    `create index dial_attempts_phone_idx on dial_attempts (tenant_id, phone, dialled_at) where dialled_at is not null`,
    `create index dial_attempts_campaign_idx on dial_attempts (tenant_id, campaign_id, created_at)`,
    `create index dial_attempts_contact_idx on dial_attempts (tenant_id, contact_id, created_at)`,
    `create index dial_attempts_open_idx on dial_attempts (status, created_at) where status in ('preview', 'originating', 'ringing')`,
    `create unique index dial_attempts_call_idx on dial_attempts (tenant_id, call_id) where call_id is not null`,
    ...tenantTableStatements('dial_attempts', ['select', 'insert', 'update', 'delete']),

    `create table dial_refusals (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       campaign_id uuid not null,
       contact_id uuid,
       phone text not null check (phone ${E164}),
       at timestamptz not null,
       rule text not null check (length(rule) <= 40),
       detail text not null check (length(detail) <= 500),
       primary key (tenant_id, id),
       foreign key (tenant_id, campaign_id) references campaigns (tenant_id, id)
     )`,
    `create index dial_refusals_campaign_idx on dial_refusals (tenant_id, campaign_id, at)`,
    `create index dial_refusals_phone_idx on dial_refusals (tenant_id, phone, at)`,
    ...tenantTableStatements('dial_refusals', ['select', 'insert', 'delete']),

    `create table do_not_call (
       tenant_id uuid not null references tenants (id),
       phone text not null check (phone ${E164}),
       source text not null check (source in ('desk', 'portal', 'import')),
       note text check (length(note) <= 500),
       added_at timestamptz not null,
       added_by text not null,
       primary key (tenant_id, phone)
     )`,
    ...tenantTableStatements('do_not_call', ['select', 'insert', 'delete']),

    `create table solicitation_refusals (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       phone text not null check (phone ${E164}),
       campaign_id uuid,
       refused_at timestamptz not null,
       primary key (tenant_id, id),
       foreign key (tenant_id, campaign_id) references campaigns (tenant_id, id)
     )`,
    `create index solicitation_refusals_phone_idx on solicitation_refusals (tenant_id, phone, refused_at)`,
    ...tenantTableStatements('solicitation_refusals', ['select', 'insert', 'delete']),

    `create table opposition_lists (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       source text not null check (source in ('bloctel', 'other')),
       name text not null check (length(name) between 1 and 200),
       checked_on date not null,
       row_count integer not null default 0 check (row_count >= 0),
       uploaded_at timestamptz not null,
       uploaded_by text not null,
       primary key (tenant_id, id)
     )`,
    ...tenantTableStatements('opposition_lists', ['select', 'insert', 'update', 'delete']),
    `create table opposition_numbers (
       tenant_id uuid not null references tenants (id),
       list_id uuid not null,
       phone text not null check (phone ${E164}),
       primary key (tenant_id, phone, list_id),
       foreign key (tenant_id, list_id) references opposition_lists (tenant_id, id) on delete cascade
     )`,
    ...tenantTableStatements('opposition_numbers', ['select', 'insert', 'delete']),

    `create table consents (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       phone text not null check (phone ${E164}),
       source text not null check (length(source) between 1 and 200),
       given_at timestamptz not null,
       withdrawn_at timestamptz check (withdrawn_at is null or withdrawn_at >= given_at),
       recorded_at timestamptz not null,
       recorded_by text not null,
       primary key (tenant_id, id)
     )`,
    `create index consents_phone_idx on consents (tenant_id, phone)`,
    ...tenantTableStatements('consents', ['select', 'insert', 'update', 'delete']),

    // An operator reserved for an outbound attempt (docs/outbound.md).
    `alter table operator_presence drop constraint operator_presence_state_check`,
    `alter table operator_presence add constraint operator_presence_state_check
       check (state in ('offline', 'available', 'on_call', 'wrap_up', 'break', 'not_responding', 'dialing'))`,
    `alter table operator_presence add column dial_tenant_id uuid references tenants (id)`,
    `alter table operator_presence add column dial_attempt_id uuid`,
    `alter table operator_presence add constraint operator_presence_dialing_check check ((dial_attempt_id is null) = (dial_tenant_id is null))`,

    // The retention job (0021) removes contacts, dials and refusals past the company's period (api/src/retention/plan.ts).
    `grant select, delete on campaign_contacts, dial_attempts, dial_refusals to switchboard_retention`,

    // A sale is billed as its own unit when the price list names it (issue 15, usage).
    `alter table usage_events drop constraint usage_events_metric_check`,
    `alter table usage_events add constraint usage_events_metric_check check (metric in ('handled_call', 'talk_seconds', 'order', 'complaint', 'completed_survey', 'contact_reached', 'data_entry_record', 'sale'))`,
    `alter table prices drop constraint prices_metric_check`,
    `alter table prices add constraint prices_metric_check check (metric in (${METRICS}, 'platform_fee', 'seat', 'sale'))`,
    `alter table tenant_prices drop constraint tenant_prices_metric_check`,
    `alter table tenant_prices add constraint tenant_prices_metric_check check (metric in (${METRICS}, 'platform_fee', 'seat', 'sale'))`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `alter table tenant_prices drop constraint tenant_prices_metric_check`,
    `alter table tenant_prices add constraint tenant_prices_metric_check check (metric in (${METRICS}, 'platform_fee', 'seat'))`,
    `alter table prices drop constraint prices_metric_check`,
    `alter table prices add constraint prices_metric_check check (metric in (${METRICS}, 'platform_fee', 'seat'))`,
    `alter table usage_events drop constraint usage_events_metric_check`,
    `alter table usage_events add constraint usage_events_metric_check check (metric in ('handled_call', 'talk_seconds', 'order', 'complaint', 'completed_survey', 'contact_reached', 'data_entry_record'))`,
    `update operator_presence set state = 'offline', dial_tenant_id = null, dial_attempt_id = null where state = 'dialing'`,
    `alter table operator_presence drop constraint operator_presence_dialing_check`,
    `alter table operator_presence drop column dial_attempt_id`,
    `alter table operator_presence drop column dial_tenant_id`,
    `alter table operator_presence drop constraint operator_presence_state_check`,
    `alter table operator_presence add constraint operator_presence_state_check
       check (state in ('offline', 'available', 'on_call', 'wrap_up', 'break', 'not_responding'))`,
    `revoke all on campaign_contacts, dial_attempts, dial_refusals from switchboard_retention`,
    `drop table consents`,
    `drop table opposition_numbers`,
    `drop table opposition_lists`,
    `drop table solicitation_refusals`,
    `drop table do_not_call`,
    `drop table dial_refusals`,
    `drop table dial_attempts`,
    `drop table campaign_contacts`,
    `drop table contact_lists`,
    `drop table campaigns`,
  ]);
}
