import type { Kysely } from 'kysely';
import { runStatements, tenantTableStatements } from './helpers.ts';

/**
 * Issue 11, finding 7: inviting a client user records an invitation in the tenant and creates no
 * account, so inviting answers the same whether or not the address has an account anywhere, and one
 * tenant's invitation never takes an address another tenant will need. The invited person either
 * logs in with the invitation's one-time code (no account yet: the account is made then) or, having an
 * account, accepts it after logging in with their own password. One open invitation per address and
 * tenant; it is deleted once accepted, declined or revoked (the audit log keeps the story). The code
 * is kept as its SHA-256 (100 random bits: no slow hash needed), found by address and hash.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `create table member_invitations (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       email text not null check (email = lower(email) and length(email) between 3 and 254),
       display_name text not null check (length(display_name) between 1 and 120),
       role text not null check (role in ('client_admin', 'client_member')),
       code_hash text not null check (code_hash ~ '^[0-9a-f]{64}$'),
       invited_by uuid references users (id) on delete set null,
       created_at timestamptz not null default now(),
       expires_at timestamptz not null,
       primary key (tenant_id, id),
       unique (tenant_id, email)
     )`,
    `create index member_invitations_email_idx on member_invitations (email, code_hash)`,
    ...tenantTableStatements('member_invitations', ['select', 'insert', 'update', 'delete']),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [`drop table member_invitations`]);
}
