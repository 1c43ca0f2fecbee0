import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '@switchboard/db';
import { closePeriodsOnce, housekeepOnce, runRetentionOnce, stripeBilling } from '@switchboard/api';
import { createHarness, MINUTE, seedTenant, testConfig, type Harness } from './support/index.ts';
import { countingTenantTransactions } from './support/counting.ts';

/**
 * Issue 13, idle cost: a periodic pass looks only at the tenants that have work. With many tenants and
 * nothing due, a pass of the billing close, the retention job, housekeeping or the Stripe outbox opens
 * no tenant transaction at all (counted as they are opened, through a plugin on the handle the pass
 * gets); when work comes due, it visits exactly the tenants it is due for, once.
 */
let h: Harness;
const MANY = 12;
const paris: Tenant[] = [];
let newYork: Tenant;

beforeAll(async () => {
  h = await createHarness();
  // Onboarded this month (March 2026, in their zones): nothing to close before April.
  const onboarded = new Date('2026-03-10T09:00:00Z');
  for (let i = 0; i < MANY; i++) paris.push((await seedTenant(h.db, { now: onboarded, timeZone: 'Europe/Paris' })).tenant);
  ({ tenant: newYork } = await seedTenant(h.db, { now: onboarded, timeZone: 'America/New_York' }));
});
afterAll(() => h?.close());

describe('the billing close', () => {
  const pass = async (at: string) => {
    const counting = countingTenantTransactions(h.db);
    const closed = await closePeriodsOnce({ db: counting.db, now: () => new Date(at), onError: (error) => { throw error; } });
    return { closed, visited: [...new Set(counting.tenants)] };
  };

  it('opens no tenant transaction while no month has ended for anyone', async () => {
    expect(await pass('2026-03-16T10:00:00Z')).toEqual({ closed: [], visited: [] });
  });

  it('visits only a tenant whose month has ended unclosed, then nobody again', async () => {
    const { tenant: older } = await seedTenant(h.db, { now: new Date('2026-02-10T09:00:00Z'), timeZone: 'Europe/Paris' });
    expect(await pass('2026-03-16T10:01:00Z')).toEqual({ closed: [{ tenantId: older.id, period: '2026-02-01' }], visited: [older.id] });
    expect(await pass('2026-03-16T10:02:00Z')).toEqual({ closed: [], visited: [] });
    paris.push(older);
  });

  it("closes March for every Paris tenant once it ends in Paris, not New York's still running, and then idles", async () => {
    // 00:30 on April 1st in Paris, 18:30 on March 31st in New York.
    const first = await pass('2026-03-31T22:30:00Z');
    expect(first.visited.sort()).toEqual(paris.map((t) => t.id).sort());
    expect(first.closed.filter((c) => c.period === '2026-03-01')).toHaveLength(paris.length);
    expect(await pass('2026-03-31T22:31:00Z')).toEqual({ closed: [], visited: [] });
    // Past the provider's retry delay too: every statement was told, nothing to retry.
    expect(await pass(new Date(Date.parse('2026-03-31T22:31:00Z') + 6 * MINUTE).toISOString())).toEqual({ closed: [], visited: [] });
    expect((await pass('2026-04-01T04:30:00Z')).visited).toEqual([newYork.id]);
  });
});

describe('the retention job', () => {
  it("runs once per tenant's day, in one transaction when there is nothing to remove, and opens none on the next passes that day", async () => {
    const now = () => new Date('2026-04-02T10:00:00Z');
    const first = countingTenantTransactions(h.db);
    const outcomes = await runRetentionOnce({ db: first.db, now, onError: (error) => { throw error; } });
    const all = [...paris, newYork].map((t) => t.id).sort();
    expect(outcomes.map((o) => o.tenantId).sort()).toEqual(all);
    expect(outcomes.every((o) => o.finished)).toBe(true);
    // One transaction per tenant: the claim, a batch of every step and the finish together.
    expect([...first.tenants].sort()).toEqual(all);
    const again = countingTenantTransactions(h.db);
    expect(await runRetentionOnce({ db: again.db, now: () => new Date('2026-04-02T10:15:00Z') })).toEqual([]);
    expect(again.tenants).toEqual([]);
  });
});

describe('housekeeping and the Stripe outbox', () => {
  it('open no tenant transaction when nothing has expired or is due', async () => {
    const counting = countingTenantTransactions(h.db);
    const now = () => new Date('2026-04-02T10:00:00Z');
    expect(await housekeepOnce({ db: counting.db, config: testConfig(), now })).toEqual({ sessions: 0, loginThrottle: 0, idempotencyKeys: 0, telephonySignatures: 0, telephonyCommands: 0, menuVisits: 0 });
    // No Stripe call either: with nothing due the worker never reaches the SDK (its URL answers nothing).
    const billing = stripeBilling.stripeBilling({ db: counting.db, now, secretKey: 'sk_test_idle', apiUrl: 'http://127.0.0.1:9', webhookSecret: 'whsec_idle' });
    expect(await stripeBilling.runOutboxOnce(billing)).toEqual({ claimed: 0, sent: 0, deferred: 0, failed: 0 });
    expect(counting.tenants).toEqual([]);
  });
});
