import type { Kysely } from 'kysely';
import { runStatements } from './helpers.ts';

/**
 * A closed statement is frozen, but the billing provider is told of it after the close commits (a
 * local invoice, Stripe's top-up). If the process dies in between, or the provider fails, the next
 * close pass must tell it again: `provider_notified_at` says it was told. It is the only column of a
 * statement the app may ever update.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `alter table statements add column provider_notified_at timestamptz`,
    `grant update (provider_notified_at) on statements to switchboard_app`,
    `create index statements_unnotified_idx on statements (tenant_id) where provider_notified_at is null`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [`revoke update (provider_notified_at) on statements from switchboard_app`, `alter table statements drop column provider_notified_at`]);
}
