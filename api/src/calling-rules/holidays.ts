import { Temporal } from '@js-temporal/polyfill';

/**
 * Public holidays as a calendar function: a rules profile names one (`holidays` in profiles.ts), and
 * the judge asks it for the callee's year and region. A region is the French department or overseas
 * territory code ('75', '2A', '57', '971', …; see callee.ts), or null when unknown (national days only).
 */

export interface Holiday {
  /** The day, YYYY-MM-DD, in the callee's own calendar. */
  date: string;
  /** Its English name, for the refusal's detail. */
  name: string;
}

export type HolidayCalendar = (year: number, region: string | null) => readonly Holiday[];

/** Easter Sunday of a Gregorian year (the anonymous Gregorian algorithm, Meeus/Jones/Butcher). */
export function easterSunday(year: number): Temporal.PlainDate {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return Temporal.PlainDate.from({ year, month, day });
}

const day = (year: number, month: number, dayOfMonth: number) => Temporal.PlainDate.from({ year, month, day: dayOfMonth }).toString();

/** The departments of Alsace-Moselle (Moselle, Bas-Rhin, Haut-Rhin), under local law. */
export const alsaceMoselle = ['57', '67', '68'] as const;

/**
 * The day each overseas department or collectivity commemorates the abolition of slavery, a public
 * holiday there: code du travail art. L3422-2 (loi 83-550 du 30 juin 1983) and décret 83-1003 du
 * 23 novembre 1983 as amended by décret 2012-553 (adds Saint-Barthélemy, 9 October); Saint-Martin's
 * day has been 28 May since 2018 (the collectivity's deliberation of 5 November 2015, the prefecture's
 * notices of 2018 and 2019). Mayotte's 27 April is in its own code du travail (art. L222-1 of the
 * code applicable à Mayotte). Martinique 22 May, Guadeloupe 27 May, Guyane 10 June, La Réunion
 * 20 December. Saint-Pierre-et-Miquelon (975) has no such day.
 */
export const abolitionOfSlavery: Readonly<Record<string, { month: number; day: number; place: string }>> = {
  '971': { month: 5, day: 27, place: 'Guadeloupe' },
  '972': { month: 5, day: 22, place: 'Martinique' },
  '973': { month: 6, day: 10, place: 'Guyane' },
  '974': { month: 12, day: 20, place: 'La Réunion' },
  '976': { month: 4, day: 27, place: 'Mayotte' },
  '977': { month: 10, day: 9, place: 'Saint-Barthélemy' },
  '978': { month: 5, day: 28, place: 'Saint-Martin' },
};

/**
 * France's public holidays for a year, where the callee is.
 * - National (code du travail art. L3133-1, the list D223-9 refers to): 1 January, Easter Monday,
 *   1 May, 8 May, Ascension (Easter + 39 days), Whit Monday (Easter + 50), 14 July, 15 August,
 *   1 November, 11 November, 25 December.
 * - Alsace-Moselle (art. L3134-13): Good Friday and 26 December. The law makes Good Friday a holiday
 *   only in communes with a Protestant church or a mixed church; we cannot know the commune, so we
 *   keep it for the whole of the three departments (a call refused one day too many, never one too few).
 * - Overseas: the abolition of slavery, above.
 * These regional days are not named by D223-9 (which cites L3133-1 only); the issue asks that the
 * calendar be the callee's own, overseas included, so we keep them: the stricter reading.
 */
export function frenchHolidays(year: number, region: string | null): readonly Holiday[] {
  const key = `${year}|${region ?? ''}`;
  const cached = cache.get(key);
  if (cached) return cached;
  const easter = easterSunday(year);
  const list: Holiday[] = [
    { date: day(year, 1, 1), name: "New Year's Day" },
    { date: easter.add({ days: 1 }).toString(), name: 'Easter Monday' },
    { date: day(year, 5, 1), name: 'Labour Day' },
    { date: day(year, 5, 8), name: 'Victory in Europe Day' },
    { date: easter.add({ days: 39 }).toString(), name: 'Ascension Day' },
    { date: easter.add({ days: 50 }).toString(), name: 'Whit Monday' },
    { date: day(year, 7, 14), name: 'National Day' },
    { date: day(year, 8, 15), name: 'Assumption Day' },
    { date: day(year, 11, 1), name: "All Saints' Day" },
    { date: day(year, 11, 11), name: 'Armistice Day' },
    { date: day(year, 12, 25), name: 'Christmas Day' },
  ];
  if (region && (alsaceMoselle as readonly string[]).includes(region)) {
    list.push({ date: easter.subtract({ days: 2 }).toString(), name: 'Good Friday (Alsace-Moselle)' });
    list.push({ date: day(year, 12, 26), name: "St Stephen's Day (Alsace-Moselle)" });
  }
  const abolition = region ? abolitionOfSlavery[region] : undefined;
  if (abolition) list.push({ date: day(year, abolition.month, abolition.day), name: `Abolition of Slavery Day (${abolition.place})` });
  list.sort((a, b) => a.date.localeCompare(b.date));
  if (cache.size > 2000) cache.clear();
  cache.set(key, list);
  return list;
}

const cache = new Map<string, readonly Holiday[]>();

/** The holiday on `date` (YYYY-MM-DD) in that calendar, if any. */
export function holidayOn(calendar: HolidayCalendar, date: Temporal.PlainDate, region: string | null): Holiday | null {
  return calendar(date.year, region).find((h) => h.date === date.toString()) ?? null;
}
