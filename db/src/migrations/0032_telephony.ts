import type { Kysely } from 'kysely';
import { runStatements, tenantTableStatements } from './helpers.ts';

/**
 * Issue 17: real telephony (docs/telephony.md).
 *
 * - `telephony_commands` (tenant): the push boundary's outbox. What Switchboard tells the call's adapter to do
 *   (bridge an operator, forward, hold, mute, record, originate, hang up…) is written in the transaction of
 *   the action that caused it, so nothing acknowledged is lost under kill -9, and delivered after commit by a
 *   periodic pass, in order per call (`seq`), with retries and the command's id as the idempotency key.
 * - `telephony_adapters` (global): the push adapters registered by signed request (callback URL).
 * - `calls.adapter`, `dial_attempts.adapter`: who carries the call ('http': the signed HTTP boundary, push or
 *   polling; 'twilio': the built-in Twilio adapter).
 * - `calls.held_since`, `hold_seconds`, `muted`, `consult`: the desk's carrier controls (hold, mute, warm
 *   transfer and three-way conference).
 * - `twilio_accounts`, `twilio_numbers` (global): the provider's connected Twilio account (secrets encrypted
 *   with SECRETS_KEY) and its numbers; a number is assigned to a company by its `phone_numbers` row.
 * - `ivr_menus` (tenant): a keypad menu per number; `tenant_audio` (tenant): uploaded prompts and hold music.
 * - `users.voice_leg_kind`, `voice_leg_address`: how an operator's voice reaches a call (browser, phone, SIP).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `alter table calls add column adapter text not null default 'http' check (adapter in ('http', 'twilio'))`,
    // The carrier's id for the customer's leg (Twilio's CallSid): an inbound call's external id, an outbound call's once answered.
    `alter table calls add column carrier_call_sid text check (length(carrier_call_sid) <= 64)`,
    `alter table calls add column held_since timestamptz`,
    `alter table calls add column hold_seconds integer not null default 0 check (hold_seconds >= 0)`,
    `alter table calls add column muted boolean not null default false`,
    // {kind: 'consult' | 'conference', target: E.164 or sip:, label, startedAt, by}: a third party on the line.
    `alter table calls add column consult jsonb check (consult is null or jsonb_typeof(consult) = 'object')`,
    `alter table dial_attempts add column adapter text not null default 'http' check (adapter in ('http', 'twilio'))`,

    `create table telephony_commands (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       seq bigint generated always as identity,
       adapter text not null check (adapter in ('http', 'twilio')),
       call_id uuid,
       dial_id uuid,
       kind text not null check (kind ~ '^[a-z][a-z_]{0,39}$'),
       payload jsonb not null check (jsonb_typeof(payload) = 'object'),
       status text not null default 'pending' check (status in ('pending', 'delivered', 'failed', 'expired')),
       attempts integer not null default 0,
       next_attempt_at timestamptz not null,
       claimed_until timestamptz,
       last_error text check (length(last_error) <= 1000),
       created_at timestamptz not null,
       delivered_at timestamptz,
       primary key (tenant_id, id)
     )`,
    `create index telephony_commands_due_idx on telephony_commands (next_attempt_at) where status = 'pending'`,
    `create index telephony_commands_call_idx on telephony_commands (tenant_id, call_id, seq) where status = 'pending'`,
    `create index telephony_commands_seq_idx on telephony_commands (seq)`,
    ...tenantTableStatements('telephony_commands', ['select', 'insert', 'update', 'delete']),
    // Commands carry numbers (a forward's target, an outbound callee): the retention job removes old ones.
    `grant select, delete on telephony_commands to switchboard_retention`,

    `create table telephony_adapters (
       name text primary key check (name ~ '^[a-z][a-z0-9_-]{0,39}$'),
       callback_url text not null check (length(callback_url) <= 500),
       registered_at timestamptz not null,
       last_delivery_at timestamptz,
       last_error text check (length(last_error) <= 1000)
     )`,
    `grant select, insert, update, delete on telephony_adapters to switchboard_app`,

    `create table twilio_accounts (
       id text primary key default 'default' check (id = 'default'),
       account_sid text not null check (account_sid ~ '^AC[0-9a-fA-F]{32}$'),
       auth_token_enc text not null,
       api_key_sid text check (api_key_sid ~ '^SK[0-9a-fA-F]{32}$'),
       api_key_secret_enc text,
       twiml_app_sid text check (twiml_app_sid ~ '^AP[0-9a-fA-F]{32}$'),
       connected_at timestamptz not null,
       connected_by text not null,
       updated_at timestamptz not null
     )`,
    `grant select, insert, update, delete on twilio_accounts to switchboard_app`,
    `create table twilio_numbers (
       sid text primary key check (sid ~ '^PN[0-9a-fA-F]{32}$'),
       number text not null unique check (number ~ '^\\+[1-9][0-9]{4,14}$'),
       friendly_name text not null default '' check (length(friendly_name) <= 200),
       webhooks_configured_at timestamptz,
       synced_at timestamptz not null
     )`,
    `grant select, insert, update, delete on twilio_numbers to switchboard_app`,

    `create table tenant_audio (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       name text not null check (length(name) between 1 and 200),
       mime text not null check (mime in ('audio/mpeg', 'audio/wav')),
       size integer not null check (size between 1 and 5242880),
       content bytea not null,
       created_at timestamptz not null,
       created_by text not null,
       primary key (tenant_id, id)
     )`,
    ...tenantTableStatements('tenant_audio', ['select', 'insert', 'delete']),

    `create table ivr_menus (
       tenant_id uuid not null references tenants (id),
       number text not null check (number ~ '^\\+[1-9][0-9]{4,14}$'),
       definition jsonb not null check (jsonb_typeof(definition) = 'object'),
       enabled boolean not null default true,
       updated_at timestamptz not null,
       updated_by text not null,
       primary key (tenant_id, number)
     )`,
    ...tenantTableStatements('ivr_menus', ['select', 'insert', 'update', 'delete']),

    `alter table users add column voice_leg_kind text check (voice_leg_kind in ('browser', 'phone', 'sip'))`,
    `alter table users add column voice_leg_address text check (length(voice_leg_address) <= 300)`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `alter table users drop column voice_leg_address`,
    `alter table users drop column voice_leg_kind`,
    `drop table ivr_menus`,
    `drop table tenant_audio`,
    `drop table twilio_numbers`,
    `drop table twilio_accounts`,
    `drop table telephony_adapters`,
    `revoke all on telephony_commands from switchboard_retention`,
    `drop table telephony_commands`,
    `alter table dial_attempts drop column adapter`,
    `alter table calls drop column consult`,
    `alter table calls drop column muted`,
    `alter table calls drop column hold_seconds`,
    `alter table calls drop column held_since`,
    `alter table calls drop column carrier_call_sid`,
    `alter table calls drop column adapter`,
  ]);
}
