import { frenchHolidays, type HolidayCalendar } from './holidays.ts';
import type { WeekWindow } from './window.ts';

/**
 * The calling rules as data. A profile says which rules bind a campaign's dials and with what limits;
 * the judge (judge.ts) reads nothing else. To add a country, add an entry here: its window per weekday
 * in the callee's zone, its holiday calendar, its limits, and the source to cite in refusals.
 *
 * Two rules are not in the data because they bind every profile: the tenant's own do-not-call list,
 * and the campaign's own calling hours (always intersected with the profile's window).
 */

export const ruleIds = ['do_not_call', 'opposition', 'consent', 'refusal', 'frequency', 'holiday', 'weekday', 'hours', 'campaign_hours'] as const;
export type RuleId = (typeof ruleIds)[number];

export interface RulesProfile {
  /** A short English name, for logs and the proof export. */
  name: string;
  /** Lawful calling hours per weekday in the callee's zone (a day absent or empty: no calls that day); null: no statutory window. */
  window: WeekWindow | null;
  /** Public holidays on which no call is lawful; null: none. */
  holidays: HolidayCalendar | null;
  /** At most `attempts` calls or attempts to one person for one client within `days` rolling days; null: no limit. */
  frequency: { attempts: number; days: number } | null;
  /** No call until this many whole calendar days have passed after the day the person refused; null: no such rule. */
  refusalDays: number | null;
  /** Whether an uploaded opposition list (Bloctel) forbids the call. */
  opposition: boolean;
  /** Whether the campaign's "requires consent" setting is enforced. */
  consent: boolean;
  /** What to cite for each rule, in refusals' details and the docs. */
  sources: Partial<Record<RuleId, string>>;
}

const weekdaysOnly = (slots: { start: string; end: string }[]): WeekWindow => ({ mon: slots, tue: slots, wed: slots, thu: slots, fri: slots, sat: [], sun: [] });

const d2239 = 'Code de la consommation, art. D223-9, décret 2022-1313';

export const rulesProfiles = {
  /**
   * Consumer prospecting in France. Code de la consommation art. L223-1 and following; art. D223-9
   * (décret 2022-1313 du 13 octobre 2022, in force since 1 March 2023): Monday to Friday except the
   * holidays of code du travail art. L3133-1, 10:00–13:00 and 14:00–20:00 in the consumer's time zone;
   * at most four calls or attempts within thirty calendar days by one professional (directly or through
   * whoever calls on its behalf); none for sixty whole calendar days after the consumer refused during
   * a call. Art. L223-1: no call to a number on the opposition list (Bloctel). Loi 2025-594 du 30 juin
   * 2025 (from 11 August 2026): prospecting needs the consumer's prior consent; a campaign requires it
   * with its "requires consent" setting, and the consent records keep source and date.
   */
  fr: {
    name: 'France: consumer prospecting',
    window: weekdaysOnly([
      { start: '10:00', end: '13:00' },
      { start: '14:00', end: '20:00' },
    ]),
    holidays: frenchHolidays,
    frequency: { attempts: 4, days: 30 },
    refusalDays: 60,
    opposition: true,
    consent: true,
    sources: {
      hours: d2239,
      weekday: d2239,
      holiday: `${d2239}; code du travail, art. L3133-1, with L3134-13 in Alsace-Moselle and L3422-2 overseas`,
      frequency: d2239,
      refusal: d2239,
      opposition: 'Code de la consommation, art. L223-1 (Bloctel)',
      consent: 'Code de la consommation, art. L223-1 as amended by loi 2025-594 (prior consent, from 11 August 2026)',
    },
  },
  /**
   * Calls within a current contract (informing subscribers, servicing the contract): the contract
   * relation takes them out of L223-1's opposition list and of the prospecting rules. The tenant's own
   * do-not-call list and the campaign's hours still apply, as in every profile.
   */
  fr_existing_customers: {
    name: 'France: existing customers (current contract)',
    window: null,
    holidays: null,
    frequency: null,
    refusalDays: null,
    opposition: false,
    consent: false,
    sources: {},
  },
  /** No statutory rule: the tenant's do-not-call list and the campaign's own hours only. */
  none: {
    name: 'No statutory rules',
    window: null,
    holidays: null,
    frequency: null,
    refusalDays: null,
    opposition: false,
    consent: false,
    sources: {},
  },
} satisfies Record<string, RulesProfile>;

export type RulesProfileId = keyof typeof rulesProfiles;
export const rulesProfileIds = Object.keys(rulesProfiles) as [RulesProfileId, ...RulesProfileId[]];

export function isRulesProfileId(value: string): value is RulesProfileId {
  return Object.hasOwn(rulesProfiles, value);
}

/** The profile itself, for an id (or a profile passed as is, e.g. a test's own country). */
export function rulesProfile(profile: RulesProfileId | RulesProfile): RulesProfile {
  if (typeof profile !== 'string') return profile;
  const found: RulesProfile | undefined = isRulesProfileId(profile) ? rulesProfiles[profile] : undefined;
  if (!found) throw new Error(`Unknown rules profile ${JSON.stringify(profile)}.`);
  return found;
}
