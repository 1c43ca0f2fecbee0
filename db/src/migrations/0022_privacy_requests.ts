import type { Kysely } from 'kysely';
import { runStatements, tenantTableStatements } from './helpers.ts';

/**
 * The person's rights (GDPR articles 15 and 17, issue 11): every search, export and erasure a client
 * admin runs for one person is kept — who asked, when, why (the request's date, channel and reference)
 * and how many records of each kind it found or erased — but never the person: their phone number or
 * e-mail is kept only as a salted scrypt digest, enough to recognise the same person asking again,
 * useless to read back.
 *
 * Erasure deletes what no accounting needs (the customer, callback requests, information requests) and
 * strips personal data from what must stay (calls, their timeline, orders, complaints): the app role
 * gets the few privileges that takes. The audit log stays append-only; it never held personal values.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `create table privacy_requests (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       action text not null check (action in ('search', 'export', 'erasure')),
       identifier_kind text not null check (identifier_kind in ('phone', 'email')),
       identifier_salt text not null check (identifier_salt ~ '^[0-9a-f]{32}$'),
       identifier_digest text not null check (identifier_digest ~ '^[0-9a-f]{64}$'),
       received_on date not null,
       channel text not null check (channel in ('email', 'letter', 'phone', 'in_person', 'web_form', 'other')),
       reference text not null check (length(reference) between 3 and 300),
       requested_by uuid,
       requested_by_label text not null,
       at timestamptz not null,
       counts jsonb not null,
       primary key (tenant_id, id)
     )`,
    `create index privacy_requests_at_idx on privacy_requests (tenant_id, at desc, id desc)`,
    // Append-only: a request's record is never changed or removed.
    ...tenantTableStatements('privacy_requests', ['select', 'insert']),
    `grant delete on customers to switchboard_app`,
    `grant delete on callback_requests to switchboard_app`,
    `grant delete on information_requests to switchboard_app`,
    `grant update (detail) on call_events to switchboard_app`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `revoke update (detail) on call_events from switchboard_app`,
    `revoke delete on information_requests from switchboard_app`,
    `revoke delete on callback_requests from switchboard_app`,
    `revoke delete on customers from switchboard_app`,
    `drop table privacy_requests`,
  ]);
}
