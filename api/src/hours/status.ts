import { Temporal } from '@js-temporal/polyfill';
import type { AfterHoursAction, CallFunctionId } from '@switchboard/db';
import { minutesOf, weekdays, type FunctionSchedule, type HoursDefinition, type Interval, type Override, type Weekday } from './definition.ts';

/**
 * Open or closed, and until when: pure, so call routing can ask it for any (hours, function, instant)
 * without a database. Local times become instants through the tenant's IANA zone (Temporal), with one
 * rule for the days the clock changes: a local time stands for the first instant the clock shows it or
 * a later time. So a slot starting in the hour skipped in spring opens when the clock jumps (03:00),
 * and a time that occurs twice in autumn is its first occurrence.
 */

export interface TenantHours {
  timeZone: string;
  definition: HoursDefinition;
}

/** What decides the answer at the instant asked about. */
export type InForce =
  | { kind: 'weekly'; schedule: string; day: Weekday; date: string; start: string; end: string }
  | { kind: 'override'; label: string; from: string; to: string; closed: boolean; date: string; start?: string; end?: string };

export interface HoursChange {
  /** The instant, ISO 8601 in UTC. */
  at: string;
  /** The same instant on the tenant's clock, e.g. 2026-03-29T03:00+02:00. */
  local: string;
  /** True when the change opens, false when it closes. */
  opens: boolean;
}

export interface HoursStatus {
  function: CallFunctionId | null;
  at: string;
  local: string;
  timeZone: string;
  open: boolean;
  /** The schedule followed (the function's own or the tenant's default), or null when there is none. */
  schedule: string | null;
  /** The interval the instant falls in, or the override that closes the day; null when simply outside the hours. */
  inForce: InForce | null;
  /** The next opening or closing within a year, or null when none (always open, or never). */
  nextChange: HoursChange | null;
  afterHours: { action: AfterHoursAction; forwardTo: string | null; announcement: string | null } | null;
}

interface Opening {
  start: Temporal.Instant;
  end: Temporal.Instant;
  source: InForce;
}

const searchDays = 370;

/** The first instant at which the zone's clock shows `time` (or later) on `date`. */
export function localToInstant(date: Temporal.PlainDate, time: string, timeZone: string): Temporal.Instant {
  const [hour, minute] = [Number(time.slice(0, 2)), Number(time.slice(3, 5))];
  const wall = hour === 24 ? date.add({ days: 1 }).toPlainDateTime({ hour: 0 }) : date.toPlainDateTime({ hour, minute });
  const zoned = wall.toZonedDateTime(timeZone, { disambiguation: 'compatible' });
  if (Temporal.PlainDateTime.compare(zoned.toPlainDateTime(), wall) === 0) return zoned.toInstant();
  // In a gap: the clock reached the time when it jumped, the transition right after the earlier reading.
  const jump = wall.toZonedDateTime(timeZone, { disambiguation: 'earlier' }).getTimeZoneTransition('next');
  return (jump ?? zoned).toInstant();
}

function localLabel(instant: Temporal.Instant, timeZone: string): string {
  const zoned = instant.toZonedDateTimeISO(timeZone);
  return `${zoned.toPlainDateTime().toString({ smallestUnit: 'minute' })}${zoned.offset}`;
}

function overrideOn(overrides: Override[], date: string): Override | undefined {
  return overrides.find((o) => o.from <= date && date <= o.to);
}

function openingsOf(date: Temporal.PlainDate, intervals: Interval[], timeZone: string, source: (i: Interval) => InForce): Opening[] {
  return intervals.map((interval) => {
    const overnight = minutesOf(interval.end) <= minutesOf(interval.start);
    return {
      start: localToInstant(date, interval.start, timeZone),
      end: localToInstant(overnight ? date.add({ days: 1 }) : date, interval.end, timeZone),
      source: source(interval),
    };
  });
}

/** The day's own openings (an override replaces the weekly slots; the previous day's late hours still run into it). */
function dayOpenings(hours: TenantHours, schedule: HoursDefinition['schedules'][number], date: Temporal.PlainDate): { openings: Opening[]; closure?: InForce } {
  const iso = date.toString();
  const override = overrideOn(hours.definition.overrides, iso);
  if (override) {
    const base = { kind: 'override' as const, label: override.label, from: override.from, to: override.to, closed: override.closed, date: iso };
    return {
      openings: openingsOf(date, override.intervals, hours.timeZone, (i) => ({ ...base, start: i.start, end: i.end })),
      ...(override.closed ? { closure: base } : {}),
    };
  }
  const day = weekdays[date.dayOfWeek - 1]!;
  return {
    openings: openingsOf(date, schedule.week[day], hours.timeZone, (i) => ({ kind: 'weekly', schedule: schedule.name, day, date: iso, start: i.start, end: i.end })),
  };
}

/** Whether the weekly slots leave no minute of the week closed (a 24/7 line), so plain days need no reading. */
function coversWholeWeek(schedule: HoursDefinition['schedules'][number]): boolean {
  const week = 7 * 1440;
  const covered = new Uint8Array(week);
  weekdays.forEach((day, d) => {
    for (const interval of schedule.week[day]) {
      const start = minutesOf(interval.start);
      let end = minutesOf(interval.end);
      if (end <= start) end += 1440;
      for (let m = d * 1440 + start; m < d * 1440 + end; m++) covered[m % week] = 1;
    }
  });
  return covered.every((m) => m === 1);
}

export function functionEntry(definition: HoursDefinition, fn: CallFunctionId | null): FunctionSchedule | undefined {
  return fn ? definition.functionSchedules.find((f) => f.function === fn) : undefined;
}

/** Whether `fn` (or, with null, the tenant's default schedule) is open at `at`, and the next change. */
export function hoursStatus(hours: TenantHours, fn: CallFunctionId | null, at: Date | Temporal.Instant): HoursStatus {
  const instant = at instanceof Date ? Temporal.Instant.fromEpochMilliseconds(at.getTime()) : at;
  const { definition, timeZone } = hours;
  const entry = functionEntry(definition, fn);
  const scheduleName = entry?.schedule ?? definition.defaultSchedule ?? null;
  const schedule = definition.schedules.find((s) => s.name === scheduleName);
  const base = {
    function: fn,
    at: instant.toString(),
    local: localLabel(instant, timeZone),
    timeZone,
    afterHours: entry
      ? { action: entry.afterHours.action, forwardTo: entry.afterHours.forwardTo ?? null, announcement: entry.afterHours.announcement ?? null }
      : null,
  };
  if (!schedule) return { ...base, open: false, schedule: null, inForce: null, nextChange: null };

  const today = instant.toZonedDateTimeISO(timeZone).toPlainDate();
  const todays = dayOpenings(hours, schedule, today);
  const openings: Opening[] = [...dayOpenings(hours, schedule, today.subtract({ days: 1 })).openings, ...todays.openings];
  const covers = (o: Opening) => Temporal.Instant.compare(o.start, instant) <= 0 && Temporal.Instant.compare(instant, o.end) < 0;
  const current = openings.find(covers);
  const open = current !== undefined;

  // Walk forward day by day: while open, extend through every opening that touches or overlaps the
  // current stretch (24/7 and overnight slots chain); while closed, find the first opening after now.
  let edge = current?.end ?? null;
  let next: Temporal.Instant | null = null;
  const pending = openings.filter((o) => !covers(o));
  const continuous = open && !overrideOn(definition.overrides, today.toString()) && coversWholeWeek(schedule);
  for (let offset = 1; offset <= searchDays && next === null; offset++) {
    if (continuous) {
      // Every plain day is open all day: skip to the day before the next override (or the end of the search).
      const date = today.add({ days: offset });
      const upcoming = hours.definition.overrides.filter((o) => o.to >= date.toString()).map((o) => o.from).sort()[0];
      const target = upcoming ? Temporal.PlainDate.from(upcoming).subtract({ days: 1 }) : today.add({ days: searchDays });
      const skip = Math.min(searchDays, today.until(target).days);
      if (skip > offset) {
        offset = skip;
        edge = localToInstant(target, '00:00', timeZone);
      }
    }
    pending.push(...dayOpenings(hours, schedule, today.add({ days: offset })).openings);
    pending.sort((a, b) => Temporal.Instant.compare(a.start, b.start));
    // Days not yet read open at or after this instant, so whatever starts before it is settled.
    const horizon = localToInstant(today.add({ days: offset + 1 }), '00:00', timeZone);
    while (pending.length && Temporal.Instant.compare(pending[0]!.start, horizon) < 0) {
      const o = pending.shift()!;
      if (Temporal.Instant.compare(o.end, instant) <= 0) continue;
      if (open) {
        if (Temporal.Instant.compare(o.start, edge!) <= 0) {
          if (Temporal.Instant.compare(o.end, edge!) > 0) edge = o.end;
        } else {
          next = edge;
          break;
        }
      } else if (Temporal.Instant.compare(o.start, instant) > 0) {
        next = o.start;
        break;
      }
    }
    if (open && next === null && Temporal.Instant.compare(edge!, horizon) < 0) next = edge;
  }

  return {
    ...base,
    open,
    schedule: schedule.name,
    inForce: current?.source ?? todays.closure ?? null,
    nextChange: next ? { at: next.toString(), local: localLabel(next, timeZone), opens: !open } : null,
  };
}
