import postgres from 'postgres';
import { connect, type Database } from './connect.ts';
import { migrateToLatest } from './migrate.ts';

/**
 * A throwaway, migrated database for one test file: in-memory PGlite by default, or a database of
 * its own on the server in TEST_DATABASE_URL, created here and dropped on close. `migrated: false`
 * leaves it empty (migration tests run their own).
 */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<Database> {
  const migrate = options.migrated === false ? async () => {} : (db: Database['db']) => migrateToLatest(db);
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const database = await connect({ dataDir: 'memory://' });
    await migrate(database.db);
    return database;
  }
  const name = `switchboard_test_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await connect({ url: url.toString(), maxConnections: 5 });
  try {
    await migrate(database.db);
  } catch (error) {
    await database.close();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
    throw error;
  }
  return {
    ...database,
    close: async () => {
      await database.close();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
