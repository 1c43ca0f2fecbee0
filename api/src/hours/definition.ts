import { z } from '@hono/zod-openapi';
import type { FieldCode, ProblemParams } from '../http/problem-codes.ts';
import { coded, codedPattern, requiredText } from '../http/validators.ts';
import { afterHoursActions, callFunctionIds } from '@switchboard/db';

/**
 * A tenant's hours as one document: what GET /hours answers, PUT /hours replaces, and the `hours`
 * section of a tenant file holds. Times are local to the tenant's own zone (tenants.time_zone).
 * An interval whose end is at or before its start runs past midnight into the next day.
 */

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];

const hhmm = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;

export const IntervalSchema = z
  .strictObject({
    start: z.string().regex(codedPattern(hhmm, 'hours.start_time'), 'Use HH:MM, from 00:00 to 23:59.'),
    end: z.string().refine((v) => hhmm.test(v) || v === '24:00', coded('hours.end_time', 'Use HH:MM, from 00:01 to 24:00.')),
  })
  .refine((i) => i.start !== i.end, { ...coded('hours.same_start_end', 'Start and end must differ (for 24 hours, use 00:00–24:00).'), path: ['end'] })
  .openapi('HoursInterval', { example: { start: '11:00', end: '14:30' } });
export type Interval = z.infer<typeof IntervalSchema>;

const intervals = z.array(IntervalSchema).max(12);

export const WeekSchema = z
  .strictObject(Object.fromEntries(weekdays.map((d) => [d, intervals.default([])])) as Record<Weekday, z.ZodDefault<typeof intervals>>)
  .openapi('HoursWeek');

export const ScheduleNameSchema = requiredText(60, 'Enter a schedule name.');

export const ScheduleSchema = z.strictObject({ name: ScheduleNameSchema, week: WeekSchema }).openapi('HoursSchedule');

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'Use a date as YYYY-MM-DD.')
  .refine((v) => !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v), 'No such date.');

export const OverrideSchema = z
  .strictObject({
    from: isoDate,
    to: isoDate,
    label: requiredText(80, 'Enter a label, e.g. Christmas.'),
    closed: z.boolean(),
    intervals: intervals.default([]),
  })
  .openapi('HoursOverride');

const e164 = /^\+[1-9]\d{6,14}$/;
const email = z.email();

export const AfterHoursSchema = z
  .strictObject({
    action: z.enum(afterHoursActions),
    forwardTo: z
      .string()
      .trim()
      .refine((v) => e164.test(v) || email.safeParse(v).success, 'Use an E.164 number such as +33142868200, or an email address.')
      .optional(),
    announcement: requiredText(1000, 'Enter the announcement text.').optional(),
  })
  .openapi('AfterHours');

export const FunctionScheduleSchema = z
  .strictObject({
    function: z.enum(callFunctionIds),
    /** Left out: the tenant's default schedule. */
    schedule: ScheduleNameSchema.optional(),
    afterHours: AfterHoursSchema,
  })
  .openapi('FunctionSchedule');

export const HoursDefinitionSchema = z
  .strictObject({
    /** The schedule a function without its own follows; left out when there is none. */
    defaultSchedule: ScheduleNameSchema.optional(),
    schedules: z.array(ScheduleSchema).max(20).default([]),
    overrides: z.array(OverrideSchema).max(200).default([]),
    functionSchedules: z.array(FunctionScheduleSchema).max(20).default([]),
  })
  .superRefine((definition, ctx) => {
    for (const issue of hoursIssues(definition)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message, params: { code: issue.code, ...issue.params } });
  })
  .openapi('HoursDefinition', {
    example: {
      defaultSchedule: 'Opening hours',
      schedules: [
        {
          name: 'Opening hours',
          week: {
            mon: [{ start: '09:00', end: '18:00' }],
            tue: [{ start: '09:00', end: '18:00' }],
            wed: [{ start: '09:00', end: '18:00' }],
            thu: [{ start: '09:00', end: '18:00' }],
            fri: [{ start: '09:00', end: '18:00' }],
            sat: [{ start: '10:00', end: '13:00' }],
            sun: [],
          },
        },
      ],
      overrides: [{ from: '2026-12-25', to: '2026-12-25', label: 'Christmas', closed: true, intervals: [] }],
      functionSchedules: [{ function: 'order_taking', afterHours: { action: 'message' } }],
    },
  });

export type HoursDefinition = z.output<typeof HoursDefinitionSchema>;
export type HoursDefinitionInput = z.input<typeof HoursDefinitionSchema>;
export type Schedule = HoursDefinition['schedules'][number];
export type Override = HoursDefinition['overrides'][number];
export type FunctionSchedule = HoursDefinition['functionSchedules'][number];

export const emptyHours = (): HoursDefinition => ({ schedules: [], overrides: [], functionSchedules: [] });

export interface HoursIssue {
  path: (string | number)[];
  code: FieldCode;
  params?: ProblemParams;
  message: string;
}

export function minutesOf(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

/** The interval as minutes from the start of its day; the end is past 1440 when it runs into the next day. */
export function span(interval: Interval): [number, number] {
  const start = minutesOf(interval.start);
  const end = minutesOf(interval.end);
  return [start, end <= start ? end + 1440 : end];
}

export const describeInterval = (day: string, i: Interval) => `${day} ${i.start}–${i.end}`;

type Placed = { start: number; end: number; path: (string | number)[]; text: string };

/** Each later interval that overlaps an earlier one is reported at its own path. `cycle`: the pattern repeats every that many minutes. */
function overlaps(placed: Placed[], cycle: number | null): HoursIssue[] {
  const issues: HoursIssue[] = [];
  const shifted = (p: Placed, by: number) => ({ start: p.start + by, end: p.end + by });
  const hit = (a: { start: number; end: number }, b: { start: number; end: number }) => a.start < b.end && b.start < a.end;
  placed.forEach((p, index) => {
    const earlier = placed.slice(0, index).find((q) => hit(p, q) || (cycle !== null && (hit(shifted(p, cycle), q) || hit(shifted(p, -cycle), q))));
    if (earlier) issues.push({ path: p.path, code: 'hours.overlaps', params: { other: earlier.text }, message: `Overlaps ${earlier.text}.` });
  });
  return issues;
}

/**
 * The rules a single field cannot express: intervals that overlap within a week (counting what runs
 * past midnight into the next day, and Sunday night into Monday), overrides whose dates overlap,
 * names that repeat, and references to schedules that do not exist.
 */
export function hoursIssues(definition: HoursDefinition, at: IndexMap = (_, i) => i): HoursIssue[] {
  const issues: HoursIssue[] = [];
  const names = new Map<string, number>();
  definition.schedules.forEach((schedule, s) => {
    const first = names.get(schedule.name);
    if (first !== undefined) {
      issues.push({
        path: ['schedules', at('schedules', s), 'name'],
        code: 'hours.schedule_name_taken',
        params: { name: schedule.name },
        message: `"${schedule.name}" is already the name of schedules[${at('schedules', first)}].`,
      });
    }
    else names.set(schedule.name, s);
    const placed: Placed[] = [];
    weekdays.forEach((day, d) => {
      schedule.week[day].forEach((interval, i) => {
        const [start, end] = span(interval);
        placed.push({ start: d * 1440 + start, end: d * 1440 + end, path: ['schedules', at('schedules', s), 'week', day, i], text: describeInterval(day, interval) });
      });
    });
    issues.push(...overlaps(placed, 7 * 1440));
  });

  if (definition.defaultSchedule !== undefined && !names.has(definition.defaultSchedule)) {
    issues.push({ path: ['defaultSchedule'], code: 'hours.no_such_schedule', params: { name: definition.defaultSchedule }, message: `No schedule is named "${definition.defaultSchedule}".` });
  }

  definition.overrides.forEach((override, index) => {
    const o = at('overrides', index);
    if (override.to < override.from) issues.push({ path: ['overrides', o, 'to'], code: 'dates.end_before_start', message: 'The last day cannot be before the first.' });
    else if (daysBetween(override.from, override.to) > 366) issues.push({ path: ['overrides', o, 'to'], code: 'hours.override_too_long', message: 'An override spans at most a year.' });
    if (override.closed && override.intervals.length) {
      issues.push({ path: ['overrides', o, 'intervals'], code: 'hours.closed_has_intervals', message: 'A closed day has no intervals.' });
    }
    if (!override.closed && !override.intervals.length) {
      issues.push({ path: ['overrides', o, 'intervals'], code: 'hours.intervals_required', message: 'Add the hours of this day, or mark it closed.' });
    }
    const placed = override.intervals.map((interval, i) => {
      const [start, end] = span(interval);
      return { start, end, path: ['overrides', o, 'intervals', i], text: `${interval.start}–${interval.end}` };
    });
    // Over a range of days, each day's late hours run into the next day's early ones.
    issues.push(...overlaps(placed, override.to > override.from ? 1440 : null));
    const clash = definition.overrides.slice(0, index).findIndex((other) => other.from <= override.to && override.from <= other.to);
    if (clash >= 0) {
      const other = definition.overrides[clash]!;
      issues.push({
        path: ['overrides', o, 'from'],
        code: 'hours.override_overlaps',
        params: { label: other.label, from: other.from, to: other.to },
        message: `Overlaps overrides[${at('overrides', clash)}] "${other.label}" (${other.from} to ${other.to}).`,
      });
    }
  });

  const functions = new Map<string, number>();
  definition.functionSchedules.forEach((entry, index) => {
    const f = at('functionSchedules', index);
    const first = functions.get(entry.function);
    if (first !== undefined) {
      issues.push({ path: ['functionSchedules', f, 'function'], code: 'hours.function_repeated', params: { function: entry.function }, message: `${entry.function} is already set at functionSchedules[${first}].` });
    }
    else functions.set(entry.function, f);
    if (entry.schedule !== undefined && !names.has(entry.schedule)) {
      issues.push({ path: ['functionSchedules', f, 'schedule'], code: 'hours.no_such_schedule', params: { name: entry.schedule }, message: `No schedule is named "${entry.schedule}".` });
    }
    const { action, forwardTo, announcement } = entry.afterHours;
    if (forwardTo !== undefined && action !== 'forward') {
      issues.push({ path: ['functionSchedules', f, 'afterHours', 'forwardTo'], code: 'hours.forward_only', message: 'Only a forward has a destination.' });
    }
    if (action === 'announcement' && announcement === undefined) {
      issues.push({ path: ['functionSchedules', f, 'afterHours', 'announcement'], code: 'hours.announcement_required', message: 'Enter the announcement text.' });
    }
    if (announcement !== undefined && action !== 'announcement') {
      issues.push({ path: ['functionSchedules', f, 'afterHours', 'announcement'], code: 'hours.announcement_only', message: 'Only an announcement has a text.' });
    }
  });
  return issues;
}

/** Where an entry of a salvaged document (see salvagedHoursIssues) stood in the document that was sent. */
type IndexMap = (section: 'schedules' | 'overrides' | 'functionSchedules', index: number) => number;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The cross-field problems of a document that did not parse as a whole. Zod skips the document's
 * refinement once any part has the wrong shape (a day that is not a list, an override that is not an
 * object), so those problems would only show after the first fix. Here each entry that parses on its
 * own is kept, where it stood, and the same checks run over them: the person fixing the document
 * sees every problem at once. A schedule whose week is broken still counts by its name, so what
 * refers to it is not reported missing.
 */
export function salvagedHoursIssues(input: unknown): HoursIssue[] {
  if (!isRecord(input)) return [];
  const positions = { schedules: [] as number[], overrides: [] as number[], functionSchedules: [] as number[] };
  const keep = <T>(section: keyof typeof positions, value: unknown, parse: (item: unknown) => T | undefined): T[] => {
    if (!Array.isArray(value)) return [];
    return value.flatMap((item, index) => {
      const parsed = parse(item);
      if (parsed === undefined) return [];
      positions[section].push(index);
      return [parsed];
    });
  };
  const emptyWeek = Object.fromEntries(weekdays.map((d) => [d, []])) as unknown as Schedule['week'];
  const schedules = keep('schedules', input.schedules, (item) => {
    const parsed = ScheduleSchema.safeParse(item);
    if (parsed.success) return parsed.data;
    const name = isRecord(item) ? ScheduleNameSchema.safeParse(item.name) : undefined;
    return name?.success ? { name: name.data, week: emptyWeek } : undefined;
  });
  const overrides = keep('overrides', input.overrides, (item) => {
    const parsed = OverrideSchema.safeParse(item);
    return parsed.success ? parsed.data : undefined;
  });
  const functionSchedules = keep('functionSchedules', input.functionSchedules, (item) => {
    const parsed = FunctionScheduleSchema.safeParse(item);
    return parsed.success ? parsed.data : undefined;
  });
  const defaultSchedule = ScheduleNameSchema.safeParse(input.defaultSchedule);
  const salvaged: HoursDefinition = {
    ...(defaultSchedule.success ? { defaultSchedule: defaultSchedule.data } : {}),
    schedules,
    overrides,
    functionSchedules,
  };
  return hoursIssues(salvaged, (section, index) => positions[section][index] ?? index);
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

const byStart = (a: Interval, b: Interval) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0);
const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The one order hours are stored and exported in: schedules by name, each day's intervals by start,
 * overrides by date, functions in catalog order. Two equal configurations compare equal as JSON.
 */
export function normalizeHours(definition: HoursDefinition): HoursDefinition {
  const order = new Map<string, number>(callFunctionIds.map((id, i) => [id, i]));
  return {
    ...(definition.defaultSchedule !== undefined ? { defaultSchedule: definition.defaultSchedule } : {}),
    schedules: definition.schedules
      .map((s) => ({
        name: s.name,
        week: Object.fromEntries(weekdays.map((d) => [d, [...s.week[d]].sort(byStart).map((i) => ({ start: i.start, end: i.end }))])) as Schedule['week'],
      }))
      .sort((a, b) => byText(a.name, b.name)),
    overrides: definition.overrides
      .map((o) => ({ from: o.from, to: o.to, label: o.label, closed: o.closed, intervals: [...o.intervals].sort(byStart).map((i) => ({ start: i.start, end: i.end })) }))
      .sort((a, b) => byText(a.from, b.from)),
    functionSchedules: definition.functionSchedules
      .map((f) => ({
        function: f.function,
        ...(f.schedule !== undefined ? { schedule: f.schedule } : {}),
        afterHours: {
          action: f.afterHours.action,
          ...(f.afterHours.forwardTo !== undefined ? { forwardTo: f.afterHours.forwardTo } : {}),
          ...(f.afterHours.announcement !== undefined ? { announcement: f.afterHours.announcement } : {}),
        },
      }))
      .sort((a, b) => order.get(a.function)! - order.get(b.function)!),
  };
}
