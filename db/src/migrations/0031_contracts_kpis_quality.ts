import type { Kysely } from 'kysely';
import { runStatements, tenantTableStatements } from './helpers.ts';

const FUNCTION = `~ '^[a-z][a-z0-9_]{0,39}$'`;

/**
 * Issue 16: contracts, KPIs and quality (docs/kpis.md, docs/quality.md).
 *
 * - `service_contracts`: what the provider promised a client, per company (function null) or per function,
 *   each version in force from a date on the company's calendar; targets left null are not in the contract.
 * - `queue_intervals`, `operator_intervals`: per 15-minute interval (a UTC instant on a quarter hour, so the
 *   same rows serve every time zone, all of whose offsets are whole quarter hours), the sums a report adds
 *   up. A call counts in the quarter hour it was offered, with all its times. They are folded from finished
 *   calls' timelines (`calls.stats_folded_at`) by a periodic pass and can be recomputed from the calls and
 *   their events at any time; the answer-within-target and short-abandon counts use the contract in force
 *   when the call was offered, so a back-dated contract change recomputes from its date.
 * - `operator_state_intervals` (global, like the presence log): seconds per operator, quarter hour, state
 *   and break reason, folded from closed state-log rows.
 * - `service_credits`: a missed target's credit for a month, proposed by the contract, confirmed (or
 *   waived) by a provider admin before the month closes; a confirmed credit is a line on the statement.
 * - Quality: evaluation forms versioned like scripts, evaluations kept with their form version and score,
 *   calibration sessions (several evaluators, blind), samples of calls to evaluate, per-company settings.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `create table service_contracts (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       function text check (function ${FUNCTION}),
       effective_from date not null,
       service_level_percent numeric(5, 2) check (service_level_percent > 0 and service_level_percent <= 100),
       service_level_seconds integer not null default 20 check (service_level_seconds between 1 and 3600),
       short_abandon_seconds integer not null default 5 check (short_abandon_seconds between 0 and 120),
       abandoned_in_denominator boolean not null default true,
       max_abandon_percent numeric(5, 2) check (max_abandon_percent >= 0 and max_abandon_percent <= 100),
       asa_seconds integer check (asa_seconds between 1 and 3600),
       aht_seconds integer check (aht_seconds between 1 and 36000),
       fcr_days integer not null default 7 check (fcr_days between 1 and 90),
       fcr_percent numeric(5, 2) check (fcr_percent > 0 and fcr_percent <= 100),
       complaints_on_time_percent numeric(5, 2) check (complaints_on_time_percent > 0 and complaints_on_time_percent <= 100),
       quality_min_score numeric(5, 2) check (quality_min_score > 0 and quality_min_score <= 100),
       contact_rate_percent numeric(5, 2) check (contact_rate_percent > 0 and contact_rate_percent <= 100),
       conversion_percent numeric(5, 2) check (conversion_percent > 0 and conversion_percent <= 100),
       -- {kpi: amountMinor} in the company's currency: what a missed target credits the client, when credits apply.
       credits jsonb not null default '{}' check (jsonb_typeof(credits) = 'object'),
       credits_enabled boolean not null default false,
       -- How the client sees the provider's operators in its reports: 'full' names, 'first_name', or a stable 'pseudonym'.
       client_operator_names text not null default 'first_name' check (client_operator_names in ('full', 'first_name', 'pseudonym')),
       notes text check (length(notes) <= 2000),
       created_at timestamptz not null,
       updated_at timestamptz not null,
       updated_by text not null,
       primary key (tenant_id, id)
     )`,
    `create unique index service_contracts_version_idx on service_contracts (tenant_id, coalesce(function, ''), effective_from)`,
    ...tenantTableStatements('service_contracts', ['select', 'insert', 'update', 'delete']),

    `create table queue_intervals (
       tenant_id uuid not null references tenants (id),
       function text not null check (function ${FUNCTION}),
       interval_start timestamptz not null check (extract(epoch from interval_start)::bigint % 900 = 0),
       direction text not null default 'inbound' check (direction in ('inbound', 'outbound')),
       offered integer not null default 0,
       answered integer not null default 0,
       answered_in_target integer not null default 0,
       abandoned integer not null default 0,
       abandoned_short integer not null default 0,
       abandoned_in_target integer not null default 0,
       overflowed integer not null default 0,
       after_hours integer not null default 0,
       answer_wait_seconds bigint not null default 0,
       abandon_wait_seconds bigint not null default 0,
       max_wait_seconds integer not null default 0,
       handled integer not null default 0,
       talk_seconds bigint not null default 0,
       hold_seconds bigint not null default 0,
       wrap_seconds bigint not null default 0,
       transfers integer not null default 0,
       fcr_base integer not null default 0,
       fcr_repeated integer not null default 0,
       primary key (tenant_id, function, interval_start)
     )`,
    `create index queue_intervals_time_idx on queue_intervals (tenant_id, interval_start)`,
    ...tenantTableStatements('queue_intervals', ['select', 'insert', 'update', 'delete']),

    `create table operator_intervals (
       tenant_id uuid not null references tenants (id),
       operator_id uuid not null references users (id),
       function text not null check (function ${FUNCTION}),
       interval_start timestamptz not null check (extract(epoch from interval_start)::bigint % 900 = 0),
       handled integer not null default 0,
       talk_seconds bigint not null default 0,
       hold_seconds bigint not null default 0,
       wrap_seconds bigint not null default 0,
       transfers integer not null default 0,
       primary key (tenant_id, operator_id, function, interval_start)
     )`,
    `create index operator_intervals_time_idx on operator_intervals (tenant_id, interval_start)`,
    ...tenantTableStatements('operator_intervals', ['select', 'insert', 'update', 'delete']),

    // Global, like operator_state_log: one person's time, whichever client's call.
    `create table operator_state_intervals (
       operator_id uuid not null references users (id),
       interval_start timestamptz not null check (extract(epoch from interval_start)::bigint % 900 = 0),
       state text not null check (state in ('offline', 'available', 'on_call', 'wrap_up', 'break', 'not_responding', 'dialing')),
       break_reason text not null default '' check (length(break_reason) <= 60),
       seconds integer not null default 0 check (seconds between 0 and 900),
       primary key (operator_id, interval_start, state, break_reason)
     )`,
    `create index operator_state_intervals_time_idx on operator_state_intervals (interval_start)`,
    `grant select, insert, update, delete on operator_state_intervals to switchboard_app`,
    `alter table operator_state_log add column stats_folded_at timestamptz`,
    `create index operator_state_log_unfolded_idx on operator_state_log (ended_at) where ended_at is not null and stats_folded_at is null`,

    // A call is folded into the intervals once it is final; a later call of the same caller about the same function marks it repeated (FCR).
    `alter table calls add column stats_folded_at timestamptz`,
    `alter table calls add column fcr_repeated boolean not null default false`,
    `create index calls_stats_unfolded_idx on calls (tenant_id, offered_at) where stats_folded_at is null`,
    `create index calls_fcr_idx on calls (tenant_id, caller_number, function, offered_at) where answered_at is not null`,

    `create table service_credits (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       period date not null check (extract(day from period) = 1),
       kpi text not null check (kpi ~ '^[a-z][a-z_]{0,39}$'),
       function text check (function ${FUNCTION}),
       contract_id uuid not null,
       target numeric(10, 2) not null,
       actual numeric(10, 2),
       amount_minor bigint not null check (amount_minor >= 0),
       currency char(3) not null,
       status text not null default 'proposed' check (status in ('proposed', 'confirmed', 'waived')),
       decided_at timestamptz,
       decided_by text,
       created_at timestamptz not null,
       primary key (tenant_id, id),
       foreign key (tenant_id, contract_id) references service_contracts (tenant_id, id)
     )`,
    `create unique index service_credits_once_idx on service_credits (tenant_id, period, kpi, coalesce(function, ''))`,
    ...tenantTableStatements('service_credits', ['select', 'insert', 'update', 'delete']),
    `alter table statement_lines drop constraint statement_lines_kind_check`,
    `alter table statement_lines add constraint statement_lines_kind_check check (kind in ('usage', 'platform_fee', 'seat', 'commitment_top_up', 'service_credit'))`,

    `create table quality_forms (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       name text not null check (length(name) between 1 and 120),
       -- Functions whose calls the form evaluates; empty: every function.
       functions text[] not null default '{}',
       archived boolean not null default false,
       created_at timestamptz not null,
       updated_at timestamptz not null,
       updated_by text not null,
       primary key (tenant_id, id)
     )`,
    ...tenantTableStatements('quality_forms', ['select', 'insert', 'update']),
    `create table quality_form_versions (
       tenant_id uuid not null references tenants (id),
       form_id uuid not null,
       version integer not null check (version >= 1),
       -- {sections: [{id, title, questions: [{id, text, kind: yes_no|yes_no_partial|scale, scaleMax?, weight, naAllowed, critical, guidance?}]}]}
       definition jsonb not null check (jsonb_typeof(definition) = 'object'),
       status text not null default 'draft' check (status in ('draft', 'published')),
       published_at timestamptz,
       published_by text,
       created_at timestamptz not null,
       created_by text not null,
       primary key (tenant_id, form_id, version),
       foreign key (tenant_id, form_id) references quality_forms (tenant_id, id)
     )`,
    ...tenantTableStatements('quality_form_versions', ['select', 'insert', 'update']),

    `create table quality_calibrations (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       call_id uuid not null,
       form_id uuid not null,
       form_version integer not null,
       evaluator_ids uuid[] not null,
       status text not null default 'open' check (status in ('open', 'closed')),
       created_at timestamptz not null,
       created_by text not null,
       closed_at timestamptz,
       primary key (tenant_id, id),
       foreign key (tenant_id, call_id) references calls (tenant_id, id),
       foreign key (tenant_id, form_id, form_version) references quality_form_versions (tenant_id, form_id, version)
     )`,
    ...tenantTableStatements('quality_calibrations', ['select', 'insert', 'update']),

    `create table quality_evaluations (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       call_id uuid not null,
       operator_id uuid not null references users (id),
       evaluator_id uuid not null references users (id),
       evaluator_label text not null,
       form_id uuid not null,
       form_version integer not null,
       calibration_id uuid,
       -- {questionId: {answer: 'yes'|'no'|'partial'|'na'|number, comment?}}
       answers jsonb not null default '{}' check (jsonb_typeof(answers) = 'object'),
       comment text check (length(comment) <= 4000),
       status text not null default 'draft' check (status in ('draft', 'submitted')),
       score numeric(5, 2) check (score between 0 and 100),
       critical_failed boolean not null default false,
       submitted_at timestamptz,
       acknowledged_at timestamptz,
       acknowledgement text check (length(acknowledgement) <= 2000),
       created_at timestamptz not null,
       updated_at timestamptz not null,
       primary key (tenant_id, id),
       foreign key (tenant_id, call_id) references calls (tenant_id, id),
       foreign key (tenant_id, form_id, form_version) references quality_form_versions (tenant_id, form_id, version),
       foreign key (tenant_id, calibration_id) references quality_calibrations (tenant_id, id)
     )`,
    `create index quality_evaluations_operator_idx on quality_evaluations (tenant_id, operator_id, submitted_at)`,
    `create index quality_evaluations_call_idx on quality_evaluations (tenant_id, call_id)`,
    // One evaluation per evaluator per calibration; outside calibrations, the reports count an evaluator's latest of a call.
    `create unique index quality_evaluations_calibration_idx on quality_evaluations (tenant_id, calibration_id, evaluator_id) where calibration_id is not null`,
    ...tenantTableStatements('quality_evaluations', ['select', 'insert', 'update', 'delete']),

    `create table quality_samples (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       call_id uuid not null,
       operator_id uuid not null references users (id),
       -- The Monday (company's calendar) of the week the sample is for.
       week date not null,
       reason text not null check (reason in ('random', 'long', 'transfer', 'complaint', 'low_satisfaction')),
       status text not null default 'pending' check (status in ('pending', 'evaluated', 'skipped')),
       evaluation_id uuid,
       created_at timestamptz not null,
       primary key (tenant_id, id),
       foreign key (tenant_id, call_id) references calls (tenant_id, id)
     )`,
    `create unique index quality_samples_call_idx on quality_samples (tenant_id, call_id)`,
    `create index quality_samples_week_idx on quality_samples (tenant_id, week, operator_id)`,
    ...tenantTableStatements('quality_samples', ['select', 'insert', 'update', 'delete']),

    `create table quality_settings (
       tenant_id uuid not null references tenants (id) primary key,
       samples_per_operator_week integer not null default 3 check (samples_per_operator_week between 0 and 50),
       -- Relative weights of what the sample favours: {random, long, transfer, complaint, low_satisfaction}.
       sample_weights jsonb not null default '{"random": 1, "long": 2, "transfer": 2, "complaint": 3, "low_satisfaction": 3}' check (jsonb_typeof(sample_weights) = 'object'),
       -- Client users (of this company) who may evaluate calls, besides the provider's supervisors and admins.
       client_evaluator_ids uuid[] not null default '{}',
       updated_at timestamptz not null,
       updated_by text not null
     )`,
    ...tenantTableStatements('quality_settings', ['select', 'insert', 'update']),

    // Evaluations quote the call: the retention job removes them with the call they evaluate (api/src/retention/plan.ts).
    `grant select, update, delete on quality_evaluations, quality_samples, quality_calibrations to switchboard_retention`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `revoke all on quality_evaluations, quality_samples, quality_calibrations from switchboard_retention`,
    `drop table quality_settings`,
    `drop table quality_samples`,
    `drop table quality_evaluations`,
    `drop table quality_calibrations`,
    `drop table quality_form_versions`,
    `drop table quality_forms`,
    `delete from statement_lines where kind = 'service_credit'`,
    `alter table statement_lines drop constraint statement_lines_kind_check`,
    `alter table statement_lines add constraint statement_lines_kind_check check (kind in ('usage', 'platform_fee', 'seat', 'commitment_top_up'))`,
    `drop table service_credits`,
    `drop index calls_fcr_idx`,
    `drop index calls_stats_unfolded_idx`,
    `alter table calls drop column fcr_repeated`,
    `alter table calls drop column stats_folded_at`,
    `drop index operator_state_log_unfolded_idx`,
    `alter table operator_state_log drop column stats_folded_at`,
    `drop table operator_state_intervals`,
    `drop table operator_intervals`,
    `drop table queue_intervals`,
    `drop table service_contracts`,
  ]);
}
