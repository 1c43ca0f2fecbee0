import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Tenant } from '@switchboard/db';
import { readQueueSums, readQueueTotal } from '../api/src/kpis/read.ts';
import { createHarness, seedTenant, uniqueSlug, type Harness } from './support/index.ts';

/** readQueueSums adds the folded quarter hours up by the company's calendar day, function and quarter hour. */
let h: Harness;
let tenant: Tenant;

beforeAll(async () => {
  h = await createHarness();
  ({ tenant } = await seedTenant(h.db, { slug: uniqueSlug('kpi-read'), timeZone: 'Europe/Paris' }));
  await withTenant(h.db, tenant.id, async (tx) => {
    const row = (at: string, fn: string, offered: number, answered: number, maxWait: number) => ({
      tenantId: tenant.id,
      function: fn,
      intervalStart: new Date(at),
      offered,
      answered,
      answeredInTarget: answered,
      answerWaitSeconds: answered * 10,
      maxWaitSeconds: maxWait,
    });
    await tx
      .insertInto('queueIntervals')
      .values([
        // 22:45 UTC on 24 October is 00:45 on the 25th in Paris (summer time); 23:45 UTC on the 25th is 00:45 on the 26th (winter time).
        row('2026-10-24T21:45:00Z', 'information', 3, 2, 40),
        row('2026-10-24T22:45:00Z', 'information', 5, 4, 12),
        row('2026-10-24T22:45:00Z', 'order_taking', 1, 1, 3),
        row('2026-10-25T22:45:00Z', 'information', 2, 2, 8),
        row('2026-10-25T23:45:00Z', 'information', 7, 7, 9),
      ])
      .execute();
  });
});
afterAll(() => h?.close());

describe('reading the interval statistics', () => {
  it("groups by the company's day across a change of the clocks", async () => {
    const days = await withTenant(h.db, tenant.id, (tx) =>
      readQueueSums(tx, { from: new Date('2026-10-24T00:00:00Z'), to: new Date('2026-10-27T00:00:00Z'), timeZone: 'Europe/Paris', groupBy: 'day' }),
    );
    expect(days.map((d) => [d.day, d.sums.offered, d.sums.answered, d.sums.maxWaitSeconds])).toEqual([
      ['2026-10-24', 3, 2, 40],
      ['2026-10-25', 8, 7, 12],
      ['2026-10-26', 7, 7, 9],
    ]);
  });

  it('filters by function, groups by function and quarter hour, and totals the period', async () => {
    await withTenant(h.db, tenant.id, async (tx) => {
      const period = { from: new Date('2026-10-24T22:00:00Z'), to: new Date('2026-10-25T23:00:00Z'), timeZone: 'Europe/Paris' };
      expect((await readQueueSums(tx, { ...period, groupBy: 'function' })).map((r) => [r.function, r.sums.offered])).toEqual([
        ['information', 7],
        ['order_taking', 1],
      ]);
      expect((await readQueueSums(tx, { ...period, groupBy: 'interval', functions: ['information'] })).map((r) => [r.intervalStart, r.sums.offered])).toEqual([
        ['2026-10-24T22:45:00.000Z', 5],
        ['2026-10-25T22:45:00.000Z', 2],
      ]);
      expect((await readQueueTotal(tx, period)).answerWaitSeconds).toBe(70);
      expect((await readQueueTotal(tx, { ...period, direction: 'outbound' })).offered).toBe(0);
    });
  });
});
