import { describe, expect, it } from 'vitest';
import { Temporal } from '@js-temporal/polyfill';
import { addMonths, localDay, periodBounds, periodOf, rate, usagePriceMetric } from './rating.ts';

const perMinute = (unitAmountMinor: number) => ({ unitAmountMinor, rounding: 'per_started_minute' as const });
const perSecond = (unitAmountMinor: number) => ({ unitAmountMinor, rounding: 'per_second' as const });
const count = (unitAmountMinor: number) => ({ unitAmountMinor, rounding: null });

// The worked examples of docs/billing.md, "Rounding rules".
describe('rating worked examples', () => {
  it.each([
    // seconds, price per minute, billed minutes, amount
    [61, 90, 2, 180],
    [60, 90, 1, 90],
    [1, 90, 1, 90],
    [0, 90, 0, 0],
    [3599, 95, 60, 5700],
  ])('per started minute: %i s at %i/min bills %i min = %i', (seconds, price, minutes, amount) => {
    expect(rate('handled_minute', seconds, perMinute(price))).toEqual({ billedQuantity: minutes, amountMinor: amount });
  });

  it.each([
    // seconds, price per minute, amount (seconds × price / 60, half up)
    [61, 90, 92], // 91.5 → 92
    [61, 110, 112], // 111.83 → 112
    [30, 1, 1], // 0.5 → 1
    [29, 1, 0], // 0.483 → 0
    [60, 90, 90],
    [125, 6500, 13542], // 13541.67 → 13542
  ])('per second: %i s at %i/min = %i', (seconds, price, amount) => {
    expect(rate('handled_minute', seconds, perSecond(price))).toEqual({ billedQuantity: seconds, amountMinor: amount });
  });

  it('counts bill quantity × price, and no price bills nothing', () => {
    expect(rate('order', 3, count(120))).toEqual({ billedQuantity: 3, amountMinor: 360 });
    expect(rate('complaint', 1, count(450))).toEqual({ billedQuantity: 1, amountMinor: 450 });
    expect(rate('order', 2, null)).toEqual({ billedQuantity: 2, amountMinor: 0 });
    expect(rate('handled_minute', 61, null)).toEqual({ billedQuantity: 2, amountMinor: 0 });
  });

  it('talk time is priced per handled minute', () => {
    expect(usagePriceMetric('talk_seconds')).toBe('handled_minute');
    expect(usagePriceMetric('order')).toBe('order');
  });
});

describe('billing periods follow the tenant time zone', () => {
  it('puts 22:30 UTC on the last day of a month in the next month for Moscow, not for Paris', () => {
    const at = new Date('2026-11-30T22:30:00Z');
    expect(periodOf(at, 'Europe/Moscow')).toBe('2026-12-01');
    expect(localDay(at, 'Europe/Moscow')).toBe('2026-12-01');
    expect(periodOf(at, 'Europe/Paris')).toBe('2026-11-01');
  });

  it('bounds a month at local midnights, daylight saving included', () => {
    expect(periodBounds('2026-10-01', 'Europe/Paris')).toEqual({
      start: new Date('2026-09-30T22:00:00Z'),
      end: new Date('2026-10-31T23:00:00Z'),
    });
    expect(addMonths('2026-12-01', 1)).toBe('2027-01-01');
    expect(addMonths('2026-01-01', -1)).toBe('2025-12-01');
  });

  it('names the local day as Temporal does, at every hour of the years around changes of offset, in zones east and west of the date line', () => {
    const zones = ['Europe/Paris', 'UTC', 'America/Los_Angeles', 'Pacific/Kiritimati', 'Pacific/Apia', 'Asia/Kolkata', 'Australia/Lord_Howe', 'America/St_Johns'];
    const day = (at: number, timeZone: string) => Temporal.Instant.fromEpochMilliseconds(at).toZonedDateTimeISO(timeZone).toPlainDate().toString();
    let compared = 0;
    // 2010–2013 (Samoa skipped 30 December 2011), every 61 minutes; and far instants, each side of year 0.
    for (let at = Date.UTC(2010, 0, 1); at < Date.UTC(2013, 0, 1); at += 61 * 60_000) {
      for (const zone of zones) {
        if (localDay(new Date(at), zone) !== day(at, zone)) expect(localDay(new Date(at), zone)).toBe(day(at, zone));
        compared++;
      }
    }
    for (const at of [Date.UTC(1, 0, 1), Date.UTC(-1, 11, 31, 23), Date.UTC(9999, 11, 31, 23), Date.UTC(1970, 0, 1)]) {
      for (const zone of zones) expect(localDay(new Date(at), zone)).toBe(day(at, zone));
    }
    expect(compared).toBeGreaterThan(200_000);
    // Clocks falling back across midnight (St John's, 7 November 2010: 00:01 became 23:01 the day before):
    // an instant after another in the same local day can belong to the day before.
    for (const [first, then] of [
      [Date.UTC(2010, 10, 7, 4), Date.UTC(2010, 10, 7, 3)],
      [Date.UTC(2010, 10, 7, 2, 30, 30), Date.UTC(2010, 10, 7, 2, 31, 30)],
    ] as const) {
      expect(localDay(new Date(first), 'America/St_Johns')).toBe(day(first, 'America/St_Johns'));
      expect(localDay(new Date(then), 'America/St_Johns')).toBe(day(then, 'America/St_Johns'));
    }
    // The last millisecond of a day and the first of the next, asked in that order (the remembered day
    // must end exactly at local midnight), also where the offset was not whole minutes (Paris in 1905).
    for (const zone of zones) {
      for (const date of ['1905-06-15', '2011-12-29', '2011-12-31', '2026-03-29', '2026-10-25', '2026-12-31']) {
        const midnight = Temporal.PlainDate.from(date).toZonedDateTime({ timeZone: zone }).epochMilliseconds;
        expect(localDay(new Date(midnight - 1), zone)).toBe(day(midnight - 1, zone));
        expect(localDay(new Date(midnight), zone)).toBe(day(midnight, zone));
      }
    }
  });
});
