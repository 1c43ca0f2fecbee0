import type { Kysely } from 'kysely';
import { runStatements, tenantTableStatements } from './helpers.ts';

/**
 * Issue 13: a tenant's last order number as a row of its own. Taking an order increments it inside the
 * statement that inserts the order (api/src/orders/service.ts), so the tenant's number lock — this
 * row's lock, held until commit — covers one statement and the commit: the row lock waits and then
 * reads the number the previous holder committed, which a separate advisory lock needed a statement of
 * its own for. Numbers stay unique and gapless per tenant (a rolled-back order gives its number back).
 * Backfilled from the orders there are.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `create table order_counters (
       tenant_id uuid not null references tenants (id),
       last_number integer not null check (last_number >= 1),
       primary key (tenant_id)
     )`,
    ...tenantTableStatements('order_counters', ['select', 'insert', 'update']),
    `insert into order_counters (tenant_id, last_number) select tenant_id, max(number) from orders group by tenant_id`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [`drop table order_counters`]);
}
