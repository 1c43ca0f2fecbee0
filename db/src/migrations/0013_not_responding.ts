import type { Kysely } from 'kysely';
import { runStatements } from './helpers.ts';

/**
 * Issue 10: an offer that runs out unanswered puts its operator in `not_responding` — not offered any
 * call until they say they are back — instead of leaving them available to be offered it again. The
 * state log keeps which call was missed (ids only, like the presence row), so a supervisor's report can
 * tell a missed call from a break.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `alter table operator_presence drop constraint operator_presence_state_check`,
    `alter table operator_presence add constraint operator_presence_state_check
       check (state in ('offline', 'available', 'on_call', 'wrap_up', 'break', 'not_responding'))`,
    `alter table operator_state_log add column call_tenant_id uuid references tenants (id)`,
    `alter table operator_state_log add column call_id uuid`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `update operator_presence set state = 'offline' where state = 'not_responding'`,
    `alter table operator_state_log drop column call_id`,
    `alter table operator_state_log drop column call_tenant_id`,
    `alter table operator_presence drop constraint operator_presence_state_check`,
    `alter table operator_presence add constraint operator_presence_state_check
       check (state in ('offline', 'available', 'on_call', 'wrap_up', 'break'))`,
  ]);
}
