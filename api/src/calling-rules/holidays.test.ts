import { describe, expect, it } from 'vitest';
import { easterSunday, frenchHolidays } from './holidays.ts';

describe('French public holidays per year', () => {
  it.each([
    [2024, '2024-03-31'],
    [2025, '2025-04-20'],
    [2026, '2026-04-05'],
    [2027, '2027-03-28'],
    [2028, '2028-04-16'],
    [2038, '2038-04-25'],
    [2285, '2285-03-22'],
  ])('Easter Sunday %i is %s', (year, date) => {
    expect(easterSunday(year).toString()).toBe(date);
  });

  it('lists the eleven national days of 2026, with the movable feasts from Easter', () => {
    expect(frenchHolidays(2026, null).map((h) => h.date)).toEqual([
      '2026-01-01',
      '2026-04-06',
      '2026-05-01',
      '2026-05-08',
      '2026-05-14',
      '2026-05-25',
      '2026-07-14',
      '2026-08-15',
      '2026-11-01',
      '2026-11-11',
      '2026-12-25',
    ]);
  });

  it.each([
    ['57', ['2027-03-26', '2027-12-26']],
    ['67', ['2027-03-26', '2027-12-26']],
    ['68', ['2027-03-26', '2027-12-26']],
    ['971', ['2027-05-27']],
    ['972', ['2027-05-22']],
    ['973', ['2027-06-10']],
    ['974', ['2027-12-20']],
    ['975', []],
    ['976', ['2027-04-27']],
    ['977', ['2027-10-09']],
    ['978', ['2027-05-28']],
    ['75', []],
    ['54', []],
    ['2A', []],
  ])('region %s adds %j in 2027', (region, extra) => {
    const national = new Set(frenchHolidays(2027, null).map((h) => h.date));
    expect(frenchHolidays(2027, region).map((h) => h.date).filter((d) => !national.has(d))).toEqual(extra);
  });
});
