import type { Kysely } from 'kysely';
import { runStatements, tenantTableStatements } from './helpers.ts';

/**
 * Confidentiality rules (issue 3): one row per tenant holding how its customers', orders' and
 * complaints' fields are classified and shown, what leaves in exports, the greeting, recording and
 * retention policies, whether operators need a signed agreement, and the portal's IP allow-list.
 * A tenant without a row is governed by the defaults (api/src/rules/definition.ts).
 * The allow-list is text[] checked by a cast to cidr[], since drivers read cidr[] back differently.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `create table confidentiality_rules (
       tenant_id uuid not null references tenants (id),
       classification jsonb not null,
       operator_visibility text not null check (operator_visibility in ('masked', 'last_four', 'hidden')),
       export_fields text[] not null default '{}',
       white_label boolean not null default false,
       greeting_text text check (length(greeting_text) <= 300),
       recording_policy text not null check (recording_policy in ('always', 'never', 'paused_for_payment')),
       personal_data_retention_days integer not null check (personal_data_retention_days between 1 and 3650),
       recording_retention_days integer not null check (recording_retention_days between 1 and 3650),
       requires_confidentiality_agreement boolean not null default false,
       ip_allow_list text[] not null default '{}' check (cardinality(ip_allow_list::cidr[]) <= 100),
       updated_at timestamptz not null default now(),
       updated_by text not null,
       primary key (tenant_id)
     )`,
    ...tenantTableStatements('confidentiality_rules', ['select', 'insert', 'update']),

    // When the operator's signed confidentiality agreement for this tenant was put on file (null: none).
    `alter table operator_assignments add column confidentiality_agreement_signed_at timestamptz`,
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    `alter table operator_assignments drop column confidentiality_agreement_signed_at`,
    `drop table confidentiality_rules`,
  ]);
}
