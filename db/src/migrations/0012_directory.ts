import type { Kysely } from 'kysely';
import { runStatements, tenantTableStatements } from './helpers.ts';

/**
 * The tenant's directory (issue 10): the client's own lines an operator may transfer a call to —
 * the fraud desk its script names, a branch, a back office — each a name and an E.164 number, with a
 * note for operators and when it is reachable. One name per tenant (whatever its case), so a script's
 * transfer step can name the entry.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `create table directory_entries (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       name text not null check (length(name) between 1 and 120),
       phone text not null check (phone ~ '^\\+[1-9][0-9]{6,14}$'),
       description text check (length(description) <= 500),
       reachable text check (length(reachable) <= 120),
       active boolean not null default true,
       sort_order integer not null default 0 check (sort_order between 0 and 100000),
       created_at timestamptz not null default now(),
       updated_at timestamptz not null default now(),
       primary key (tenant_id, id)
     )`,
    `create unique index directory_entries_name_key on directory_entries (tenant_id, lower(name))`,
    ...tenantTableStatements('directory_entries', ['select', 'insert', 'update', 'delete']),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [`drop table directory_entries`]);
}
