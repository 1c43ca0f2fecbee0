import { firstDayOfWeek, weekdayName } from '../../format.ts';

/** The API's weekday keys, Monday first (the same index `weekdayName` counts from). */
export const weekDayKeys = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type WeekDay = (typeof weekDayKeys)[number];

/** The week in the viewer's order: Monday first in French, German and British English, Sunday first where the locale says so. */
export function weekInViewerOrder(): WeekDay[] {
  const first = firstDayOfWeek();
  return weekDayKeys.map((_, i) => weekDayKeys[(first + i) % 7]!);
}

/** "lundi" / "Montag" / "Monday", or "lun." with 'short'. */
export function dayName(day: WeekDay, style: 'long' | 'short' = 'long'): string {
  return weekdayName(weekDayKeys.indexOf(day), style);
}

/** The day after, Sunday into Monday. */
export function nextDay(day: WeekDay): WeekDay {
  return weekDayKeys[(weekDayKeys.indexOf(day) + 1) % 7]!;
}
