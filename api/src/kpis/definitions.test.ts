import { describe, expect, it } from 'vitest';
import { defaultContract, contractFor, type ContractRow } from '../contracts/resolve.ts';
import { emptySums, kpisOf, statusOf, type QueueSums } from './definitions.ts';

const sums = (s: Partial<QueueSums>): QueueSums => ({ ...emptySums(), ...s });

describe('the KPI definitions', () => {
  it('leaves short abandons out of everything and counts later abandons in the service level by the contract', () => {
    // 100 offered: 80 answered (70 within target), 20 abandoned of which 5 short.
    const day = sums({ offered: 100, answered: 80, answeredInTarget: 70, abandoned: 20, abandonedShort: 5, answerWaitSeconds: 800, handled: 80, talkSeconds: 8000, wrapSeconds: 1600, fcrBase: 50, fcrRepeated: 5 });
    const withAbandons = kpisOf(day, { ...defaultContract, serviceLevelPercent: 80 });
    expect(withAbandons.serviceLevel).toEqual({ value: 73.7, target: 80, status: 'missed' }); // 70 / (80 + 15)
    expect(kpisOf(day, { ...defaultContract, serviceLevelPercent: 80, abandonedInDenominator: false }).serviceLevel).toEqual({ value: 87.5, target: 80, status: 'on_target' }); // 70 / 80
    expect(withAbandons.abandonRate.value).toBe(15.8); // 15 / 95
    expect(withAbandons.asa.value).toBe(10);
    expect(withAbandons.aht.value).toBe(120);
    expect(withAbandons.fcr.value).toBe(90);
    expect(withAbandons.fcr.status).toBe('no_target');
  });

  it('reads no data rather than zero when nothing happened', () => {
    const none = kpisOf(emptySums(), { ...defaultContract, serviceLevelPercent: 80 });
    expect(none.serviceLevel).toEqual({ value: null, target: 80, status: 'no_data' });
    expect(none.asa.value).toBeNull();
  });

  it('is at risk within 2 points of a percent target and 10 % of a time target, on the good side only', () => {
    expect(statusOf(81, 80, 'higher', 'percent')).toBe('at_risk');
    expect(statusOf(82, 80, 'higher', 'percent')).toBe('on_target');
    expect(statusOf(79.9, 80, 'higher', 'percent')).toBe('missed');
    expect(statusOf(28, 30, 'lower', 'seconds')).toBe('at_risk');
    expect(statusOf(26, 30, 'lower', 'seconds')).toBe('on_target');
    expect(statusOf(31, 30, 'lower', 'seconds')).toBe('missed');
  });
});

describe('which contract applies', () => {
  const row = (fn: string | null, from: string, sl: number): ContractRow =>
    ({ ...defaultContract, id: `${fn}-${from}`, tenantId: 't', function: fn, effectiveFrom: from, serviceLevelPercent: sl, credits: {}, notes: null, createdAt: new Date(), updatedAt: new Date(), updatedBy: 'x' }) as unknown as ContractRow;
  const rows = [row(null, '2026-01-01', 80), row(null, '2026-06-01', 85), row('complaints', '2026-03-01', 90)];

  it("takes the function's own version first, else the company's latest in force, else no targets", () => {
    expect(contractFor(rows, 'complaints', '2026-04-01').serviceLevelPercent).toBe(90);
    expect(contractFor(rows, 'complaints', '2026-02-01').serviceLevelPercent).toBe(80);
    expect(contractFor(rows, 'order_taking', '2026-06-01').serviceLevelPercent).toBe(85);
    expect(contractFor(rows, 'order_taking', '2026-05-31').serviceLevelPercent).toBe(80);
    expect(contractFor(rows, null, '2025-12-31')).toEqual(defaultContract);
  });
});
