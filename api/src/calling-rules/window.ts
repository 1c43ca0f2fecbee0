import { Temporal } from '@js-temporal/polyfill';
import { weekdays, type Weekday } from '../hours/definition.ts';
import { localToInstant } from '../hours/status.ts';
import { holidayOn, type Holiday } from './holidays.ts';
import type { RulesProfile } from './profiles.ts';

/**
 * Calling windows: a profile's statutory hours and a campaign's own hours, both in the CALLEE's zone,
 * intersected day by day. Local times become instants the way the tenant's hours do (hours/status.ts,
 * localToInstant): a time inside the hour skipped in spring stands for the jump (03:00 in Paris), a
 * time repeated in autumn for its first occurrence. A slot whose end is at or before its start runs
 * past midnight into the next day; '24:00' ends at midnight.
 */

export interface TimeSlot {
  start: string;
  end: string;
}

/** Slots per weekday (mon … sun), in the callee's zone; a day absent or empty has no calling hours. */
export type WeekWindow = Partial<Record<Weekday, readonly TimeSlot[]>>;

/** Minutes from a day's midnight, [start, end) with 0 ≤ start < end ≤ 1440, sorted and disjoint. */
type Ranges = Array<[number, number]>;

const wholeDay: Ranges = [[0, 1440]];

function minutes(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

function normalise(ranges: Ranges): Ranges {
  const sorted = ranges.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
  const out: Ranges = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}

/** The window's minutes on a date: the day's own slots, plus the previous day's slots running past midnight. */
export function windowRanges(window: WeekWindow, date: Temporal.PlainDate): Ranges {
  const today = weekdays[date.dayOfWeek - 1]!;
  const yesterday = weekdays[(date.dayOfWeek + 5) % 7]!;
  const ranges: Ranges = [];
  for (const slot of window[today] ?? []) {
    const [start, end] = [minutes(slot.start), minutes(slot.end)];
    ranges.push(end > start ? [start, end] : [start, 1440]);
  }
  for (const slot of window[yesterday] ?? []) {
    const [start, end] = [minutes(slot.start), minutes(slot.end)];
    if (end <= start && end > 0) ranges.push([0, end]);
  }
  return normalise(ranges);
}

function intersect(a: Ranges, b: Ranges): Ranges {
  const out: Ranges = [];
  for (const [a0, a1] of a) for (const [b0, b1] of b) if (Math.max(a0, b0) < Math.min(a1, b1)) out.push([Math.max(a0, b0), Math.min(a1, b1)]);
  return normalise(out);
}

const hhmm = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

export interface Stretch {
  start: Temporal.Instant;
  end: Temporal.Instant;
}

function stretches(date: Temporal.PlainDate, ranges: Ranges, timeZone: string): Stretch[] {
  return ranges
    .map(([a, b]) => ({ start: localToInstant(date, hhmm(a), timeZone), end: localToInstant(date, hhmm(b), timeZone) }))
    .filter((s) => Temporal.Instant.compare(s.start, s.end) < 0);
}

/** What the rules allow on one local date of the callee. */
export interface DayWindow {
  date: Temporal.PlainDate;
  holiday: Holiday | null;
  /** The profile has a window and none of it falls on this weekday. */
  closedWeekday: boolean;
  /** The profile's own hours that day (the whole day when it has no window), as instants. */
  lawful: Stretch[];
  /** Where a dial is allowed: the profile's hours intersected with the campaign's, as instants. */
  open: Stretch[];
}

/** Day windows already worked out, per profile: converting local times to instants is the judge's dearest step. */
const dayCache = new WeakMap<RulesProfile, Map<string, DayWindow>>();
const dayCacheSize = 5_000;

export function dayWindow(profile: RulesProfile, timeZone: string, region: string | null, date: Temporal.PlainDate, campaignWindow?: WeekWindow): DayWindow {
  let days = dayCache.get(profile);
  if (!days) dayCache.set(profile, (days = new Map()));
  const key = `${timeZone}|${region ?? ''}|${date.toString()}|${campaignWindow ? JSON.stringify(campaignWindow) : ''}`;
  const cached = days.get(key);
  if (cached) return cached;
  if (days.size >= dayCacheSize) days.clear();
  const day = computeDayWindow(profile, timeZone, region, date, campaignWindow);
  days.set(key, day);
  return day;
}

function computeDayWindow(profile: RulesProfile, timeZone: string, region: string | null, date: Temporal.PlainDate, campaignWindow?: WeekWindow): DayWindow {
  const holiday = profile.holidays ? holidayOn(profile.holidays, date, region) : null;
  const law = profile.window ? windowRanges(profile.window, date) : wholeDay;
  const closedWeekday = profile.window !== null && law.length === 0;
  const lawRanges = holiday ? [] : law;
  const openRanges = campaignWindow ? intersect(lawRanges, windowRanges(campaignWindow, date)) : lawRanges;
  const lawful = stretches(date, lawRanges, timeZone);
  return { date, holiday, closedWeekday, lawful, open: openRanges === lawRanges ? lawful : stretches(date, openRanges, timeZone) };
}

export const within = (stretchesOfDay: Stretch[], at: Temporal.Instant) =>
  stretchesOfDay.some((s) => Temporal.Instant.compare(s.start, at) <= 0 && Temporal.Instant.compare(at, s.end) < 0);

/** How far ahead the next lawful instant is looked for: over a year, so every yearly calendar is seen. */
export const searchDays = 400;

/** The first instant at or after `from` at which the profile's window, its holidays and the campaign's window allow a dial; null within searchDays. */
export function nextOpening(profile: RulesProfile, timeZone: string, region: string | null, from: Temporal.Instant, campaignWindow?: WeekWindow): Temporal.Instant | null {
  const first = from.toZonedDateTimeISO(timeZone).toPlainDate();
  for (let offset = 0; offset <= searchDays; offset++) {
    for (const s of dayWindow(profile, timeZone, region, first.add({ days: offset }), campaignWindow).open) {
      if (Temporal.Instant.compare(s.end, from) > 0) return Temporal.Instant.compare(s.start, from) > 0 ? s.start : from;
    }
  }
  return null;
}

/** Slots as text, e.g. "10:00–13:00 and 14:00–20:00". */
export function slotsLabel(slots: readonly TimeSlot[]): string {
  const parts = slots.map((s) => `${s.start}–${s.end}`);
  return parts.length <= 1 ? (parts[0] ?? 'no hours') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`;
}

const dayNames: Record<Weekday, string> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };

export const dayName = (date: Temporal.PlainDate) => dayNames[weekdays[date.dayOfWeek - 1]!];

/** A window as text, grouping days with the same slots: "Monday to Friday 10:00–13:00 and 14:00–20:00". */
export function windowLabel(window: WeekWindow): string {
  const groups: { from: Weekday; to: Weekday; slots: string }[] = [];
  for (const day of weekdays) {
    const slots = window[day] ?? [];
    if (slots.length === 0) continue;
    const text = slotsLabel(slots);
    const last = groups[groups.length - 1];
    if (last && last.slots === text && weekdays.indexOf(last.to) === weekdays.indexOf(day) - 1) last.to = day;
    else groups.push({ from: day, to: day, slots: text });
  }
  if (groups.length === 0) return 'no day at all';
  return groups.map((g) => `${g.from === g.to ? dayNames[g.from] : `${dayNames[g.from]} to ${dayNames[g.to]}`} ${g.slots}`).join('; ');
}

/** An instant on the callee's clock: "Monday 2026-04-06 11:00 in Europe/Paris (UTC+02:00)". */
export function localTimeLabel(at: Date | Temporal.Instant, timeZone: string): string {
  const instant = at instanceof Date ? Temporal.Instant.fromEpochMilliseconds(at.getTime()) : at;
  const zoned = instant.toZonedDateTimeISO(timeZone);
  const time = zoned.toPlainTime().toString({ smallestUnit: 'minute' });
  return `${dayName(zoned.toPlainDate())} ${zoned.toPlainDate().toString()} ${time} in ${timeZone} (UTC${zoned.offset})`;
}
