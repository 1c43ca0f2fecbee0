import { describe, expect, it } from 'vitest';
import { connect, createTestDatabase, migrateToLatest, type Database } from '@switchboard/db';
import { verifyPassword } from '@switchboard/api';
import { demoLogins, demoPassword, loadDemo } from '@switchboard/tenants';
import { prepareForStart, startModeOf } from '../scripts/src/start-mode.ts';

/**
 * Issue 13: several processes starting together on a new database. One applies the demo, completely
 * (every account with the demo password, every tenant) or none does; no process goes on to serve
 * while the demo accounts are half made, and nothing is made twice.
 */
const quickStart = startModeOf({ SEED_DEMO: 'true' });
const STARTS = 4;

/** The demo as a start saw it the moment its prepareForStart returned. */
async function demoState(database: Database['db']) {
  const users = await database.selectFrom('users').select(['email', 'passwordHash', 'mustChangePassword']).execute();
  const tenants = await database.selectFrom('tenants').select('slug').execute();
  const withPassword: string[] = [];
  for (const user of users) if (!user.mustChangePassword && (await verifyPassword(user.passwordHash, demoPassword))) withPassword.push(user.email);
  return { users: users.map((u) => u.email).sort(), withPassword: withPassword.sort(), tenants: tenants.map((t) => t.slug).sort() };
}

const complete = () => ({
  users: demoLogins.map((l) => l.email).sort(),
  withPassword: demoLogins.map((l) => l.email).sort(),
  tenants: loadDemo().tenants.map((t) => t.definition.tenant.slug).sort(),
});

/** Starts `databases.length` processes at once (each its own pool), each checking the demo the moment it is told it is there. */
async function startTogether(databases: Database['db'][], migrate: boolean) {
  return Promise.all(
    databases.map(async (db) => {
      if (migrate) await migrateToLatest(db);
      const outcome = await prepareForStart(db, quickStart);
      return { outcome, seen: await demoState(db) };
    }),
  );
}

function expectOneCompleteDemo(starts: Awaited<ReturnType<typeof startTogether>>) {
  expect(starts.filter((s) => s.outcome.applied)).toHaveLength(1);
  for (const { outcome, seen } of starts) {
    expect(outcome.present).toBe(true);
    expect(seen).toEqual(complete());
  }
}

describe('starting several processes together on a new database', () => {
  it('applies the demo once and completely when starts interleave on one pool (PGlite: one process per folder)', async () => {
    const database = await createTestDatabase();
    try {
      expectOneCompleteDemo(await startTogether(Array.from({ length: STARTS }, () => database.db), false));
    } finally {
      await database.close();
    }
  }, 120_000);

  // Separate pools racing the migrations too: only a server has them (PGlite allows one process per folder).
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (serverUrl) it('migrates and applies the demo once and completely on PostgreSQL, several processes racing, round after round', async () => {
    for (let round = 0; round < 3; round++) {
      // A new, empty database of its own (dropped on close), and the other processes' pools on it.
      const fresh = await createTestDatabase({ migrated: false });
      const url = new URL(serverUrl!);
      url.pathname = new URL(fresh.location).pathname;
      const others = await Promise.all(Array.from({ length: STARTS - 1 }, () => connect({ url: url.toString(), maxConnections: 3 })));
      try {
        expectOneCompleteDemo(await startTogether([fresh.db, ...others.map((p) => p.db)], true));
      } finally {
        await Promise.all(others.map((p) => p.close()));
        await fresh.close();
      }
    }
  }, 300_000);
});
