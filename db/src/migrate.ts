import type { Kysely } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import * as foundation from './migrations/0001_foundation.ts';
import * as hours from './migrations/0002_hours.ts';
import * as delegations from './migrations/0003_delegations.ts';
import * as catalog from './migrations/0005_catalog.ts';
import * as scripts from './migrations/0004_scripts.ts';
import * as rules from './migrations/0006_rules.ts';
import * as desk from './migrations/0007_desk.ts';
import * as catalogSearchIndex from './migrations/0008_catalog_search_index.ts';
import * as routing from './migrations/0008_routing.ts';
import * as billing from './migrations/0009_billing.ts';
import * as statementNotified from './migrations/0010_statement_notified.ts';
import * as notResponding from './migrations/0013_not_responding.ts';

const migrations: Record<string, Migration> = {
  '0001_foundation': foundation,
  '0002_hours': hours,
  '0003_delegations': delegations,
  '0004_scripts': scripts,
  '0005_catalog': catalog,
  '0006_rules': rules,
  '0007_desk': desk,
  '0008_catalog_search_index': catalogSearchIndex,
  '0008_routing': routing,
  '0009_billing': billing,
  '0010_statement_notified': statementNotified,
  '0013_not_responding': notResponding,
};

class InCodeMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

export interface MigrationReport {
  applied: string[];
}

/** Brings the schema to the latest version; safe to run at every start and from several processes. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationReport> {
  const migrator = new Migrator({ db, provider: new InCodeMigrations() });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${message}`, { cause: error });
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}
