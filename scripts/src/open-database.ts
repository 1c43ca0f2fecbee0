import { assertAppRoleIsSafe, connect, DataDirBusyError, migrateToLatest, type Database } from '@switchboard/db';
import type { Config } from '@switchboard/api';

/** Opens the configured database, brings it to the latest schema, and checks the app role is safe. */
export async function openDatabase(config: Config, purpose: string): Promise<Database> {
  let database: Database;
  try {
    database = await connect({ url: config.databaseUrl, dataDir: config.dataDir });
  } catch (error) {
    if (error instanceof DataDirBusyError) {
      console.error(`Cannot ${purpose}: ${error.message}`);
      process.exit(2);
    }
    throw error;
  }
  const { applied } = await migrateToLatest(database.db);
  // stderr: commands such as tenants:export write their result to stdout.
  if (applied.length) console.error(`Migrated ${database.location}: ${applied.join(', ')}`);
  await assertAppRoleIsSafe(database.db);
  return database;
}
