import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { jsonb, newId, withTenant, type Tenant } from '@switchboard/db';
import { housekeepOnce, type HousekeepingDeps } from '@switchboard/api';
import { createHarness, DAY, HOUR, MINUTE, seedTenant, seedUser, testConfig, type Harness, type TestUser } from './support/index.ts';

/**
 * Issue 11, housekeeping: what is kept only for a while is deleted once that while is over — sessions
 * past their inactivity (10 days) or absolute age (30 days), login-throttle rows whose window
 * (15 minutes) and lock are over, idempotency keys after 24 hours, telephony signatures after twice
 * their 300 s window — in bounded batches, and a pass stops when its deadline aborts it.
 */
let h: Harness;
let user: TestUser;
let tenants: Tenant[];
const now = new Date('2026-12-04T12:00:00Z');
const ago = (ms: number) => new Date(now.getTime() - ms);
const deps = (limits?: HousekeepingDeps['limits']): HousekeepingDeps => ({ db: h.db, config: testConfig(), now: () => now, ...(limits ? { limits } : {}) });

beforeAll(async () => {
  h = await createHarness();
  user = await seedUser(h.db, { kind: 'operator' });
  tenants = [];
  for (let i = 0; i < 3; i++) tenants.push((await seedTenant(h.db)).tenant);
});
afterAll(() => h?.close());
beforeEach(async () => {
  for (const table of ['sessions', 'loginThrottle', 'idempotencyKeys', 'telephonySignatures'] as const) await h.db.deleteFrom(table).execute();
});

let seq = 0;
const session = (createdAt: Date, lastVerifiedAt: Date) => ({ id: `s${++seq}`, userId: user.id, secretHash: new Uint8Array(32), createdAt, lastVerifiedAt });
const idempotencyKey = (tenant: Tenant, createdAt: Date) => ({
  tenantId: tenant.id,
  scope: 'orders',
  key: `k${++seq}`,
  requestHash: 'h',
  responseStatus: 201,
  responseBody: jsonb({ id: 'x' }),
  createdAt,
});
const ids = async (table: 'sessions') => (await h.db.selectFrom(table).select('id').orderBy('id').execute()).map((r) => r.id);

describe('a pass', () => {
  it('deletes what has passed its period and keeps the rest, table by table', async () => {
    const sessions = [
      session(ago(2 * DAY), ago(11 * DAY)), // unused for 11 days: gone
      session(ago(31 * DAY), ago(HOUR)), // used an hour ago, but 31 days old: gone
      session(ago(29 * DAY), ago(9 * DAY)), // within both: kept
    ];
    await h.db.insertInto('sessions').values(sessions).execute();
    await h.db
      .insertInto('loginThrottle')
      .values([
        { key: 'address:old', failures: 3, windowStartedAt: ago(20 * MINUTE), lockedUntil: null }, // gone
        { key: 'address:old-lock-over', failures: 20, windowStartedAt: ago(40 * MINUTE), lockedUntil: ago(10 * MINUTE) }, // gone
        { key: 'address:still-locked', failures: 20, windowStartedAt: ago(20 * MINUTE), lockedUntil: new Date(now.getTime() + 5 * MINUTE) }, // kept
        { key: 'address:counting', failures: 2, windowStartedAt: ago(5 * MINUTE), lockedUntil: null }, // kept
      ])
      .execute();
    const keys = [idempotencyKey(tenants[0]!, ago(25 * HOUR)), idempotencyKey(tenants[1]!, ago(25 * HOUR)), idempotencyKey(tenants[0]!, ago(23 * HOUR))];
    await h.db.insertInto('idempotencyKeys').values(keys).execute();
    await h.db
      .insertInto('telephonySignatures')
      .values([
        { signature: 'v2=old', seenAt: ago(11 * MINUTE) },
        { signature: 'v2=recent', seenAt: ago(MINUTE) },
      ])
      .execute();

    expect(await housekeepOnce(deps())).toEqual({ sessions: 2, loginThrottle: 2, idempotencyKeys: 2, telephonySignatures: 1, telephonyCommands: 0, menuVisits: 0 });

    expect(await ids('sessions')).toEqual([sessions[2]!.id]);
    const throttle = await h.db.selectFrom('loginThrottle').select('key').orderBy('key').execute();
    expect(throttle.map((r) => r.key)).toEqual(['address:counting', 'address:still-locked']);
    const kept = await h.db.selectFrom('idempotencyKeys').select('key').execute();
    expect(kept.map((r) => r.key)).toEqual([keys[2]!.key]);
    const signatures = await h.db.selectFrom('telephonySignatures').select('signature').execute();
    expect(signatures.map((r) => r.signature)).toEqual(['v2=recent']);

    // Nothing left to do: a second pass (another process's, say) deletes nothing and fails nothing.
    expect(await housekeepOnce(deps())).toEqual({ sessions: 0, loginThrottle: 0, idempotencyKeys: 0, telephonySignatures: 0, telephonyCommands: 0, menuVisits: 0 });
  });

  it('is bounded: at most maxBatches × batchSize rows per table, the rest on later passes', async () => {
    await h.db.insertInto('sessions').values(Array.from({ length: 5 }, () => session(ago(40 * DAY), ago(40 * DAY)))).execute();
    await h.db.insertInto('idempotencyKeys').values(tenants.map((t) => idempotencyKey(t, ago(2 * DAY)))).execute();
    const limits = { batchSize: 2, maxBatches: 2 };
    expect(await housekeepOnce(deps(limits))).toMatchObject({ sessions: 4, idempotencyKeys: 2 });
    expect(await ids('sessions')).toHaveLength(1);
    expect(await h.db.selectFrom('idempotencyKeys').select('key').execute()).toHaveLength(1);
    expect(await housekeepOnce(deps(limits))).toMatchObject({ sessions: 1, idempotencyKeys: 1 });
    expect(await ids('sessions')).toEqual([]);
  });

  it('stops between batches once its deadline has aborted it', async () => {
    await h.db.insertInto('sessions').values([session(ago(40 * DAY), ago(40 * DAY))]).execute();
    expect(await housekeepOnce(deps(), AbortSignal.abort())).toEqual({ sessions: 0, loginThrottle: 0, idempotencyKeys: 0, telephonySignatures: 0, telephonyCommands: 0, menuVisits: 0 });
    expect(await ids('sessions')).toHaveLength(1);
  });

  it('runs side by side with another pass without deleting twice or failing', async () => {
    await h.db.insertInto('sessions').values(Array.from({ length: 6 }, () => session(ago(40 * DAY), ago(40 * DAY)))).execute();
    const limits = { batchSize: 2, maxBatches: 10 };
    const reports = await Promise.all([housekeepOnce(deps(limits)), housekeepOnce(deps(limits))]);
    expect(reports[0]!.sessions + reports[1]!.sessions).toBe(6);
    expect(await ids('sessions')).toEqual([]);
  });

  it('removes a session once it has gone unused past SESSION_INACTIVITY_DAYS, honouring the setting', async () => {
    const fresh = session(ago(HOUR), ago(HOUR));
    await h.db.insertInto('sessions').values([fresh]).execute();
    const later = new Date(now.getTime() + 3 * DAY);
    await housekeepOnce({ ...deps(), now: () => later });
    expect(await ids('sessions')).toEqual([fresh.id]);
    await housekeepOnce({ ...deps(), config: testConfig({ SESSION_INACTIVITY_DAYS: '2' }), now: () => later });
    expect(await ids('sessions')).toEqual([]);
  });
});

describe('keypad-menu visits', () => {
  it('are deleted 400 days after they began, tenant by tenant, and the rest kept', async () => {
    const visit = (tenant: Tenant, startedAt: Date) => ({ tenantId: tenant.id, id: newId(), number: '+33142868201', carrierRef: `CA${++seq}`, keys: '1', node: 'main', outcome: 'in_menu' as const, startedAt, updatedAt: startedAt });
    const old = [visit(tenants[0]!, ago(401 * DAY)), visit(tenants[1]!, ago(401 * DAY))];
    const recent = visit(tenants[0]!, ago(399 * DAY));
    for (const v of [...old, recent]) await withTenant(h.db, v.tenantId, (tx) => tx.insertInto('menuVisits').values(v).execute());
    expect(await housekeepOnce(deps())).toMatchObject({ menuVisits: 2 });
    const left = await h.db.selectFrom('menuVisits').select('id').where('tenantId', 'in', tenants.map((t) => t.id)).execute();
    expect(left.map((r) => r.id)).toEqual([recent.id]);
  });
});
