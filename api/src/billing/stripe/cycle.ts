import { Temporal } from '@js-temporal/polyfill';
import { addMonths } from '../rating.ts';

/**
 * Stripe bills a subscription in cycles anchored at one UTC instant per month; our periods are calendar
 * months in the tenant's time zone. To make a Stripe cycle hold exactly one of our periods, the cycle
 * starts on the 1st at a UTC hour after every local midnight of the 1st (whatever the daylight-saving
 * offset), plus an hour, so the period is always closed — and its commitment top-up reported — before
 * Stripe's cycle ends. Each meter event is then timestamped inside the cycle of the period it is billed
 * on (usage_events.billing_period), not at the raw instant, which may lie on the other side of the
 * UTC anchor.
 */

const HOUR_MS = 3_600_000;
/** Stripe refuses meter events timestamped more than five minutes ahead; we keep a minute of margin. */
export const MAX_FUTURE_MS = 4 * 60_000;

/** The UTC hour of the 1st at which the tenant's Stripe cycles start. */
export function anchorHourUtc(timeZone: string, year = new Date().getUTCFullYear()): number {
  let latestMidnightHour = 0;
  for (let month = 1; month <= 12; month++) {
    const midnight = Temporal.PlainDate.from({ year, month, day: 1 }).toZonedDateTime({ timeZone });
    // West of UTC local midnight of the 1st is already the 1st in UTC, this many hours in.
    const hours = -midnight.offsetNanoseconds / 3.6e12;
    latestMidnightHour = Math.max(latestMidnightHour, Math.ceil(hours));
  }
  return Math.min(23, latestMidnightHour + 1);
}

/** The Stripe cycle that bills a period (`YYYY-MM-01`): [start, end) in UTC. */
export function stripeCycle(period: string, anchorHour: number): { start: Date; end: Date } {
  const at = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + anchorHour * HOUR_MS);
  return { start: at(period), end: at(addMonths(period, 1)) };
}

/** The period whose Stripe cycle is running at an instant. */
export function cyclePeriodAt(instant: Date, anchorHour: number): string {
  const shifted = new Date(instant.getTime() - anchorHour * HOUR_MS);
  return `${shifted.toISOString().slice(0, 7)}-01`;
}

/**
 * When a meter event for a period is timestamped: its own instant, moved into the period's Stripe
 * cycle if it lies outside (a call just after local midnight of the 1st, east of UTC, is still the
 * last day in UTC). `sendableAt` is when Stripe will accept it (not more than a few minutes ahead).
 */
export function meterEventTime(occurredAt: Date, period: string, anchorHour: number): { timestamp: Date; sendableAt: Date } {
  const cycle = stripeCycle(period, anchorHour);
  const ms = Math.min(Math.max(occurredAt.getTime(), cycle.start.getTime()), cycle.end.getTime() - 1000);
  const timestamp = new Date(Math.floor(ms / 1000) * 1000);
  return { timestamp, sendableAt: new Date(timestamp.getTime() - MAX_FUTURE_MS) };
}
