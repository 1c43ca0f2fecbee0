import { describe, expect, it } from 'vitest';
import { anchorHourUtc, cyclePeriodAt, meterEventTime, stripeCycle } from './cycle.ts';

describe('Stripe cycles against our periods', () => {
  it('anchors after every local midnight of the 1st, daylight saving included, plus an hour', () => {
    expect(anchorHourUtc('UTC', 2026)).toBe(1);
    expect(anchorHourUtc('Europe/Paris', 2026)).toBe(1); // midnight is 23:00 or 22:00 UTC the day before
    expect(anchorHourUtc('Europe/Moscow', 2026)).toBe(1);
    expect(anchorHourUtc('America/New_York', 2026)).toBe(6); // midnight is 05:00 (winter) or 04:00 UTC
    expect(anchorHourUtc('America/St_Johns', 2026)).toBe(5); // 03:30 at the latest
    expect(anchorHourUtc('Pacific/Pago_Pago', 2026)).toBe(12);
  });

  it('bills a period in the cycle that starts on its 1st at the anchor hour, UTC', () => {
    expect(stripeCycle('2026-02-01', 6)).toEqual({ start: new Date('2026-02-01T06:00:00Z'), end: new Date('2026-03-01T06:00:00Z') });
    expect(cyclePeriodAt(new Date('2026-03-01T05:59:59Z'), 6)).toBe('2026-02-01');
    expect(cyclePeriodAt(new Date('2026-03-01T06:00:00Z'), 6)).toBe('2026-03-01');
  });

  it('timestamps an event inside its period’s cycle, and says when Stripe will take one from the future', () => {
    // 00:30 on 1 March in Moscow is 21:30 UTC on 28 February: billed on March, so timed at March's cycle start.
    const early = meterEventTime(new Date('2026-02-28T21:30:00Z'), '2026-03-01', 1);
    expect(early.timestamp).toEqual(new Date('2026-03-01T01:00:00Z'));
    expect(early.sendableAt).toEqual(new Date('2026-03-01T00:56:00Z'));
    // 22:00 on 31 January in New York is 03:00 UTC on 1 February: still inside January's cycle (anchored at 06:00).
    expect(meterEventTime(new Date('2026-02-01T03:00:00Z'), '2026-01-01', 6).timestamp).toEqual(new Date('2026-02-01T03:00:00Z'));
    // Late usage from a closed January billed on February: timed at February's cycle start.
    expect(meterEventTime(new Date('2026-01-20T12:00:00Z'), '2026-02-01', 1).timestamp).toEqual(new Date('2026-02-01T01:00:00Z'));
    // Inside the cycle: its own instant, to the second.
    expect(meterEventTime(new Date('2026-01-15T10:20:30.456Z'), '2026-01-01', 1).timestamp).toEqual(new Date('2026-01-15T10:20:30Z'));
  });
});
