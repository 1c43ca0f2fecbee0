import type { Kysely } from 'kysely';
import { runStatements, tenantTableStatements } from './helpers.ts';

/**
 * Issue 17, what callers do in a keypad menu (`menu_visits`, tenant): one row per call that entered a
 * number's menu, keyed by the carrier's call id, updated at each step — the keys so far, the node the caller
 * is in, and how it ended: `routed` to a function, `message` (the menu's own goodbye), or still `in_menu`
 * (counted as hung up in the menu once untouched for 5 minutes). No caller data: the company's number, the
 * carrier's id and the menu keys. Purged after 400 days by housekeeping.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `create table menu_visits (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       number text not null check (number ~ '^\\+[1-9][0-9]{6,14}$'),
       carrier_ref text not null check (length(carrier_ref) between 1 and 200),
       keys text not null default '' check (keys ~ '^[0-9*#_]{0,64}$'),
       node text check (length(node) <= 40),
       outcome text not null default 'in_menu' check (outcome in ('in_menu', 'routed', 'message')),
       function text check (length(function) <= 40),
       started_at timestamptz not null,
       updated_at timestamptz not null,
       primary key (tenant_id, id),
       unique (tenant_id, carrier_ref)
     )`,
    `create index menu_visits_number_started on menu_visits (tenant_id, number, started_at)`,
    `create index menu_visits_started on menu_visits (started_at)`,
    ...tenantTableStatements('menu_visits', ['select', 'insert', 'update', 'delete']),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [`drop table menu_visits`]);
}
