import type { Kysely } from 'kysely';
import { runStatements } from './helpers.ts';

/**
 * Routing (issue 4, part A): the presence row says which call an operator is on or wrapping up, and
 * which call is offered to them. Claiming an operator for an offer is then one compare-and-set on a
 * global row (`offer_call_id is null`), so two dispatchers in two processes, working on calls of two
 * tenants, can never offer one operator two calls — and neither needs to read the other tenant's queue.
 * Ids only: what the call is stays in the tenant's tables.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `alter table operator_presence add column call_tenant_id uuid references tenants (id)`,
    `alter table operator_presence add column call_id uuid`,
    `alter table operator_presence add column offer_tenant_id uuid references tenants (id)`,
    `alter table operator_presence add column offer_call_id uuid`,
    `create index operator_presence_available_idx on operator_presence (since) where state = 'available' and offer_call_id is null`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `drop index operator_presence_available_idx`,
    `alter table operator_presence drop column offer_call_id`,
    `alter table operator_presence drop column offer_tenant_id`,
    `alter table operator_presence drop column call_id`,
    `alter table operator_presence drop column call_tenant_id`,
  ]);
}
