import { sql, type Kysely } from 'kysely';
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
import * as wrapUpDrafts from './migrations/0011_wrap_up_drafts.ts';
import * as directory from './migrations/0012_directory.ts';
import * as notResponding from './migrations/0013_not_responding.ts';
import * as knowledgeSearch from './migrations/0014_knowledge_search.ts';
import * as memberInvitations from './migrations/0015_member_invitations.ts';
import * as housekeeping from './migrations/0016_housekeeping.ts';
import * as redactStoredCardNumbers from './migrations/0017_redact_stored_card_numbers.ts';
import * as recording from './migrations/0020_recording.ts';
import * as retention from './migrations/0021_retention.ts';
import * as privacyRequests from './migrations/0022_privacy_requests.ts';
import * as userLanguage from './migrations/0023_user_language.ts';
import * as callTimeouts from './migrations/0024_call_timeouts.ts';
import * as orderCounters from './migrations/0025_order_counters.ts';
import * as callAnswers from './migrations/0026_call_answers.ts';
import * as callSatisfaction from './migrations/0027_call_satisfaction.ts';
import * as surveyCounts from './migrations/0028_survey_counts.ts';
import * as answerRecordsIntegrity from './migrations/0029_answer_records_integrity.ts';
import * as outbound from './migrations/0030_outbound.ts';
import * as contractsKpisQuality from './migrations/0031_contracts_kpis_quality.ts';
import * as telephony from './migrations/0032_telephony.ts';
import * as twilioRecordingDeletion from './migrations/0036_twilio_recording_deletion.ts';
import * as twilioConferenceSid from './migrations/0037_twilio_conference_sid.ts';
import * as holdMusic from './migrations/0038_hold_music.ts';
import * as menuVisits from './migrations/0039_menu_visits.ts';

export const migrations: Record<string, Migration> = {
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
  '0011_wrap_up_drafts': wrapUpDrafts,
  '0012_directory': directory,
  '0013_not_responding': notResponding,
  '0014_knowledge_search': knowledgeSearch,
  '0015_member_invitations': memberInvitations,
  '0016_housekeeping': housekeeping,
  '0017_redact_stored_card_numbers': redactStoredCardNumbers,
  '0020_recording': recording,
  '0021_retention': retention,
  '0022_privacy_requests': privacyRequests,
  '0023_user_language': userLanguage,
  '0024_call_timeouts': callTimeouts,
  '0025_order_counters': orderCounters,
  '0026_call_answers': callAnswers,
  '0027_call_satisfaction': callSatisfaction,
  '0028_survey_counts': surveyCounts,
  '0029_answer_records_integrity': answerRecordsIntegrity,
  '0030_outbound': outbound,
  '0031_contracts_kpis_quality': contractsKpisQuality,
  '0032_telephony': telephony,
  '0036_twilio_recording_deletion': twilioRecordingDeletion,
  '0037_twilio_conference_sid': twilioConferenceSid,
  '0038_hold_music': holdMusic,
  '0039_menu_visits': menuVisits,
};

class InCodeMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return migrations;
  }
}

/** Every migration's name, in the order they were added (append-only; tests/migrations.test.ts checks it). */
export const migrationNames: readonly string[] = Object.keys(migrations);

/**
 * The one migration added out of name order, frozen: two branches each took 0008 on 2026-11-30, and a
 * database migrated between their commits ran 0008_routing (and perhaps later ones) without it. It may
 * still run after them. Nothing is ever added here: a new migration takes the next number.
 */
export const addedOutOfOrder: ReadonlySet<string> = new Set(['0008_catalog_search_index']);

export interface MigrationReport {
  applied: string[];
}

/** The problem with running this build's migrations on a database that ran `executed`, naming the migration; null when none. */
export function migrationOrderProblem(known: readonly string[], executed: readonly string[]): string | null {
  const unknown = executed.find((name) => !known.includes(name));
  if (unknown) return `Migration ${unknown} was applied to this database but is not part of this build: run a build that has it (an older build cannot open a newer database).`;
  const last = [...executed].sort().at(-1);
  if (last === undefined) return null;
  const early = known.find((name) => !executed.includes(name) && name < last && !addedOutOfOrder.has(name));
  return early
    ? `Migration ${early} sorts before ${last}, which this database already ran: migrations are append-only with strictly increasing names, so give ${early} a number after the last one.`
    : null;
}

async function executedMigrations(db: Kysely<any>): Promise<string[]> {
  const table = await sql<{ found: string | null }>`select to_regclass('kysely_migration')::text as found`.execute(db);
  if (!table.rows[0]?.found) return [];
  const rows = await sql<{ name: string }>`select name from kysely_migration`.execute(db);
  return rows.rows.map((r) => r.name);
}

/** Brings the schema to the latest version; safe to run at every start and from several processes. Every error names a migration. */
export async function migrateToLatest(db: Kysely<any>): Promise<MigrationReport> {
  let pending: string[] = [...migrationNames];
  let executed: string[] = [];
  try {
    executed = await executedMigrations(db);
    pending = migrationNames.filter((name) => !executed.includes(name)).sort();
  } catch (error) {
    throw new Error(`Migrations could not start (next: ${pending[0]}): ${messageOf(error)}`, { cause: error });
  }
  const problem = migrationOrderProblem(migrationNames, executed);
  if (problem) throw new Error(problem);
  // Our own check above is the strict one, with its one frozen exception; Kysely's would refuse that too.
  const migrator = new Migrator({ db, provider: new InCodeMigrations(), allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const where = failed ? `Migration ${failed} failed` : pending.length ? `Migrations failed before ${pending[0]} could run` : `Migrations failed after ${executed.sort().at(-1) ?? 'none'}`;
    throw new Error(`${where}: ${messageOf(error)}`, { cause: error });
  }
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName) };
}

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));
