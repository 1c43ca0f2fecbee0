import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, InvalidTenantIdError, withApp, withTenant, type DB, type Tenant } from '@switchboard/db';
import {
  countRows,
  createHarness,
  insertListPrice,
  logIn,
  seedClientUser,
  seedBillingRecords,
  seedOperator,
  seedTenant,
  seedUser,
  tenantTables,
  writeThroughDocumentedRoutes,
  type Harness,
  type TenantTable,
} from './support/index.ts';
import { seedCallRecords } from './support/routing.ts';
import { seedOutboundRecords } from './support/outbound.ts';
import { seedKpiRecords } from './support/kpis.ts';
import { seedIvrRecords } from './support/ivr.ts';
import { runRetentionOnce } from '@switchboard/api';

/**
 * DESIGN.md tenancy rules 2 and 3 at the transaction level: a missing tenant context fails closed,
 * and SET LOCAL ends with its transaction, so a pooled connection never carries a tenant onward.
 */
let h: Harness;
let a: Tenant;
let tables: TenantTable[];

beforeAll(async () => {
  h = await createHarness();
  ({ tenant: a } = await seedTenant(h.db));
  const { tenant: b } = await seedTenant(h.db);
  for (const tenant of [a, b]) {
    await seedClientUser(h.db, tenant);
    await seedOperator(h.db, [tenant]);
  }
  const admin = await logIn(h.app, await seedUser(h.db, { kind: 'provider_admin' }));
  await writeThroughDocumentedRoutes(h.app, admin, [a, b]);
  // Calls arrive through the telephony boundary, not a tenant route: their records are seeded.
  for (const tenant of [a, b]) await seedCallRecords(h.db, tenant);
  // Outbound (issue 15): campaigns, contacts, attempts and refusals come from the dialer, not a tenant route.
  for (const tenant of [a, b]) await seedOutboundRecords(h.db, tenant);
  // Contracts, interval statistics, credits and quality (issue 16).
  for (const tenant of [a, b]) await seedKpiRecords(h.db, tenant);
  // Keypad menus and their recordings (issue 17).
  for (const tenant of [a, b]) await seedIvrRecords(h.db, tenant);
  // Billing rows in both: negotiated price, account, a billed order (with its outbox row), last month closed and invoiced.
  await insertListPrice(h.db, { function: 'order_taking', metric: 'order', unitAmountMinor: 120 });
  await seedBillingRecords(h.db, [a, b]);
  // A retention run in both (retention_runs): nothing is old enough to remove, but each run is recorded.
  await runRetentionOnce({ db: h.db, now: h.clock.now });
  tables = await tenantTables(h.db);
});

afterAll(() => h?.close());

async function visibleTenantRows(tx: Kysely<DB>): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of tables) counts[table.label] = await countRows(tx, table);
  return counts;
}

const none = () => Object.fromEntries(tables.map((t) => [t.label, 0]));

describe('an unset tenant fails closed', () => {
  it('has rows to hide: the connecting role sees them in every tenant table', async () => {
    for (const [table, count] of Object.entries(await visibleTenantRows(h.db))) expect(count, table).toBeGreaterThan(0);
  });

  it('refuses to open withTenant for something that is not a uuid', async () => {
    for (const bad of ['', 'pizza-napoli', `${a.id}' or true --`, '00000000-0000-0000-0000-00000000000z']) {
      await expect(withTenant(h.db, bad, async () => 'opened')).rejects.toBeInstanceOf(InvalidTenantIdError);
    }
  });

  it('sees no tenant row as the app role when app.tenant_id was never set in the transaction', async () => {
    const seen = await h.db.transaction().execute(async (tx) => {
      await sql`set local role switchboard_app`.execute(tx);
      return visibleTenantRows(tx);
    });
    expect(seen).toEqual(none());
  });

  it('sees no tenant row with app.tenant_id set to the empty string (withApp)', async () => {
    expect(await withApp(h.db, (tx) => visibleTenantRows(tx))).toEqual(none());
  });

  it('sees no tenant row for a well-formed tenant id that matches no tenant', async () => {
    expect(await withTenant(h.db, randomUUID(), (tx) => visibleTenantRows(tx))).toEqual(none());
  });
});

describe('SET LOCAL does not leak across transactions', () => {
  // One connection, so the next transaction surely runs on the connection the tenant's one used.
  let single: { db: Kysely<DB>; close(): Promise<void> };

  beforeAll(async () => {
    if (h.database.kind === 'pglite') {
      single = { db: h.db, close: async () => {} }; // PGlite has exactly one connection
    } else {
      const { rows } = await sql<{ name: string }>`select current_database() as name`.execute(h.db);
      const url = new URL(process.env.TEST_DATABASE_URL!);
      url.pathname = `/${rows[0]!.name}`;
      const database = await connect({ url: url.toString(), maxConnections: 1 });
      single = { db: database.db, close: () => database.close() };
    }
  });

  afterAll(() => single?.close());

  const context = (tx: Kysely<DB>) =>
    sql<{ tenant: string | null; role: string; pid: number }>`
      select current_setting('app.tenant_id', true) as tenant, current_user as role, pg_backend_pid() as pid`
      .execute(tx)
      .then((r) => r.rows[0]!);

  it("leaves no tenant and no role behind after tenant A's transaction", async () => {
    const outside = await context(single.db);
    const inside = await withTenant(single.db, a.id, async (tx) => ({ ...(await context(tx)), seen: await visibleTenantRows(tx) }));
    expect(inside.tenant).toBe(a.id);
    expect(inside.role).toBe('switchboard_app');
    expect(Object.values(inside.seen).some((n) => n > 0)).toBe(true);

    const next = await withApp(single.db, async (tx) => ({ ...(await context(tx)), seen: await visibleTenantRows(tx) }));
    expect(next.pid).toBe(inside.pid);
    expect(next.tenant ?? '').toBe('');
    expect(next.seen).toEqual(none());

    // Even a transaction that switches role without setting any tenant finds A's id gone.
    const bare = await single.db.transaction().execute(async (tx) => {
      await sql`set local role switchboard_app`.execute(tx);
      return { ...(await context(tx)), seen: await visibleTenantRows(tx) };
    });
    expect(bare.pid).toBe(inside.pid);
    expect(bare.tenant ?? '').toBe('');
    expect(bare.seen).toEqual(none());

    const after = await context(single.db);
    expect(after.pid).toBe(inside.pid);
    expect(after.role).toBe(outside.role);
    expect(after.role).not.toBe('switchboard_app');
    expect(after.tenant ?? '').toBe('');
  });

  it('leaves nothing behind when the tenant transaction fails either', async () => {
    await expect(
      withTenant(single.db, a.id, async () => {
        throw new Error('handler failed');
      }),
    ).rejects.toThrow('handler failed');
    const next = await single.db.transaction().execute(async (tx) => {
      await sql`set local role switchboard_app`.execute(tx);
      return { ...(await context(tx)), seen: await visibleTenantRows(tx) };
    });
    expect(next.tenant ?? '').toBe('');
    expect(next.seen).toEqual(none());
  });

  it('runs nothing after a scope that failed, though the scope is not awaited on PostgreSQL (db/src/connect.ts)', async () => {
    // The scope statement goes out unawaited with what follows; its failure must fail the transaction and
    // the statement behind it must never answer as the connecting role (which sees every tenant's rows).
    let answered: unknown;
    await expect(
      single.db.transaction().execute(async (tx) => {
        await sql`select set_config('role', 'no_such_role_for_this_test', true), set_config('app.tenant_id', ${a.id}, true)`.execute(tx);
        answered = await tx.selectFrom('calls').select('id').execute();
      }),
    ).rejects.toThrow(/no_such_role_for_this_test/);
    expect(answered).toBeUndefined();
    // The connection is clean for the next transaction.
    const next = await single.db.transaction().execute(async (tx) => {
      await sql`set local role switchboard_app`.execute(tx);
      return { ...(await context(tx)), seen: await visibleTenantRows(tx) };
    });
    expect(next.tenant ?? '').toBe('');
    expect(next.seen).toEqual(none());
  });

  it('answers each statement of a scoped transaction in order, the scope in force', async () => {
    const seen = await withTenant(single.db, a.id, async (tx) => [
      (await sql<{ role: string }>`select current_user as role`.execute(tx)).rows[0]!.role,
      (await sql<{ tenant: string }>`select current_setting('app.tenant_id') as tenant`.execute(tx)).rows[0]!.tenant,
    ]);
    expect(seen).toEqual(['switchboard_app', a.id]);
  });
});
