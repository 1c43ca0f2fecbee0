import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { Migrator, type Migration } from 'kysely/migration';
import { afterEach, describe, expect, it } from 'vitest';
import { addedOutOfOrder, createTestDatabase, migrateToLatest, migrationNames, migrationOrderProblem, migrations, type Database } from '@switchboard/db';

/**
 * Migrations are append-only with strictly increasing names (Kysely runs them in name order and
 * refuses a database whose history disagrees). The two 0008s are the one known exception, frozen.
 */

const folder = join(import.meta.dirname, '../db/src/migrations');

// Every migration released so far, with the start of its file's sha256: none is ever renamed, removed or edited.
const released: [string, string][] = [
  ['0001_foundation', '1a40d78ea6e15bbf'],
  ['0002_hours', 'e810fabc1bd9f247'],
  ['0003_delegations', 'b117a88b5948779a'],
  ['0004_scripts', '59c2800705161ee4'],
  ['0005_catalog', '051415edabae393b'],
  ['0006_rules', '7bd13576bdfffe62'],
  ['0007_desk', '2d129f0ecba0e87e'],
  ['0008_catalog_search_index', '938ad4bf881bd782'],
  ['0008_routing', '8f16f750f63d369f'],
  ['0009_billing', '656b88695b51f7a8'],
  ['0010_statement_notified', '222d94728a8149d8'],
];

describe('the migration list', () => {
  it('keeps every released migration, unchanged, in its place', () => {
    expect(migrationNames.slice(0, released.length)).toEqual(released.map(([name]) => name));
    for (const [name, hash] of released) {
      const text = readFileSync(join(folder, `${name}.ts`));
      expect(createHash('sha256').update(text).digest('hex').slice(0, 16), `${name}.ts was edited: add a new migration instead`).toBe(hash);
    }
  });

  it('registers every file of the folder, each under its file name', () => {
    const files = readdirSync(folder)
      .filter((f) => /^\d{4}_.*\.ts$/.test(f) && !f.endsWith('.test.ts'))
      .map((f) => f.replace(/\.ts$/, ''));
    expect([...migrationNames].sort()).toEqual(files.sort());
  });

  it('grows with strictly increasing numbers and names, the two 0008s being the one frozen exception', () => {
    expect([...addedOutOfOrder]).toEqual(['0008_catalog_search_index']);
    const number = (name: string) => Number(name.slice(0, 4));
    for (let i = 1; i < migrationNames.length; i++) {
      const [before, name] = [migrationNames[i - 1]!, migrationNames[i]!];
      if (before === '0008_catalog_search_index' && name === '0008_routing') continue;
      expect(number(name), `${name} must take a number after ${before}`).toBeGreaterThan(number(before));
      expect(name > before, `${name} must sort after ${before}`).toBe(true);
    }
  });

  it('names the migration that would run out of order, or that this build lacks', () => {
    const known = [...migrationNames, '0099_later'];
    expect(migrationOrderProblem(known, ['0001_foundation', '0100_newer'])).toMatch(/^Migration 0100_newer was applied .* not part of this build/);
    expect(migrationOrderProblem([...known, '0100_newer'], ['0001_foundation', '0100_newer'])).toMatch(/^Migration 0002_hours sorts before 0100_newer/);
    const routingFirst = migrationNames.filter((n) => n <= '0010_statement_notified' && n !== '0008_catalog_search_index');
    expect(migrationOrderProblem(migrationNames, routingFirst)).toBeNull();
    expect(migrationOrderProblem(migrationNames, [])).toBeNull();
  });
});

describe('migrating a database', () => {
  let database: Database | undefined;
  afterEach(async () => {
    await database?.close();
    database = undefined;
  });

  it('brings a database that ran 0008_routing before 0008_catalog_search_index existed to the latest schema', async () => {
    database = await createTestDatabase({ migrated: false });
    // The database as migrated at commit 382ea72: 0001–0007 and 0008_routing, nothing else.
    const upToRouting = Object.fromEntries(Object.entries(migrations).filter(([name]) => name <= '0008_routing' && name !== '0008_catalog_search_index'));
    const old = new Migrator({ db: database.db, provider: { getMigrations: async (): Promise<Record<string, Migration>> => upToRouting } });
    const first = await old.migrateToLatest();
    expect(first.error).toBeUndefined();
    expect(first.results?.at(-1)?.migrationName).toBe('0008_routing');

    const { applied } = await migrateToLatest(database.db);
    expect(applied[0]).toBe('0008_catalog_search_index');
    expect(applied).toEqual(migrationNames.filter((n) => !(n in upToRouting)).sort());
    const index = await sql<{ name: string }>`select to_regclass('catalog_items_search_idx')::text as name`.execute(database.db);
    expect(index.rows[0]?.name).toBe('catalog_items_search_idx');
    // And it starts again without anything to do.
    expect((await migrateToLatest(database.db)).applied).toEqual([]);
  });

  it('names the next migration when Kysely fails before running any', async () => {
    database = await createTestDatabase({ migrated: false });
    // A lock table of the wrong shape: Kysely fails reading it, before the first migration.
    await sql`create table kysely_migration_lock (wrong integer)`.execute(database.db);
    await expect(migrateToLatest(database.db)).rejects.toThrow(/^Migrations failed before 0001_foundation could run: .+/);
  });

  it('names a migration this database ran and this build lacks, and runs nothing', async () => {
    database = await createTestDatabase({ migrated: false });
    const onlyFirst = { '0001_foundation': migrations['0001_foundation']! };
    expect((await new Migrator({ db: database.db, provider: { getMigrations: async () => onlyFirst } }).migrateToLatest()).error).toBeUndefined();
    await sql`insert into kysely_migration (name, timestamp) values ('0999_from_the_future', ${new Date().toISOString()})`.execute(database.db);
    await expect(migrateToLatest(database.db)).rejects.toThrow(/^Migration 0999_from_the_future was applied to this database but is not part of this build/);
    const tables = await sql<{ name: string | null }>`select to_regclass('hours_schedules')::text as name`.execute(database.db);
    expect(tables.rows[0]?.name).toBeNull();
  });

  it('names the migration that fails', async () => {
    database = await createTestDatabase({ migrated: false });
    // 0001 creates the app role's schema objects; a table in its way makes it fail.
    await sql`create table tenants (id integer)`.execute(database.db);
    await expect(migrateToLatest(database.db)).rejects.toThrow(/^Migration 0001_foundation failed: /);
  });
});
