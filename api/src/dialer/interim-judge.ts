import { Temporal } from '@js-temporal/polyfill';
import type { WeekWindow } from '@switchboard/db';

/**
 * TEMPORARY: replaced at merge by api/src/calling-rules (the profiles as data, holidays, DOM zones). The
 * same signature: what the dialer asks before every dial.
 */
export interface DialFacts {
  now: Date;
  calleeTimeZone: string;
  calleeRegion?: string | null;
  attemptTimesLast30Days: Date[];
  lastRefusalAt: Date | null;
  onDoNotCall: boolean;
  onOpposition: boolean;
  consent: boolean;
  requiresConsent: boolean;
  campaignWindow?: WeekWindow;
}
export type Judgement = { ok: true } | { ok: false; rule: string; detail: string; retryAt: Date | null };

const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export function judgeDial(profileId: string, facts: DialFacts): Judgement {
  if (facts.onDoNotCall) return { ok: false, rule: 'do_not_call', detail: "The number is on the company's do-not-call list.", retryAt: null };
  const local = Temporal.Instant.fromEpochMilliseconds(facts.now.getTime()).toZonedDateTimeISO(facts.calleeTimeZone);
  const minutes = local.hour * 60 + local.minute;
  const day = days[local.dayOfWeek - 1]!;
  const later = new Date(facts.now.getTime() + 15 * 60_000);
  if (facts.campaignWindow) {
    const slots = facts.campaignWindow[day] ?? [];
    const inside = slots.some((s) => toMinutes(s.start) <= minutes && minutes < toMinutes(s.end));
    if (!inside) return { ok: false, rule: 'campaign_hours', detail: `Outside the campaign's calling hours (${local.toPlainTime().toString({ smallestUnit: 'minute' })} for the callee).`, retryAt: later };
  }
  if (profileId !== 'fr') return { ok: true };
  if (local.dayOfWeek > 5) return { ok: false, rule: 'weekday', detail: 'Not on a weekend.', retryAt: later };
  if (!((minutes >= 600 && minutes < 780) || (minutes >= 840 && minutes < 1200))) return { ok: false, rule: 'hours', detail: 'Only 10:00–13:00 and 14:00–20:00.', retryAt: later };
  if (facts.attemptTimesLast30Days.length >= 4) {
    const oldest = Math.min(...facts.attemptTimesLast30Days.map((d) => d.getTime()));
    return { ok: false, rule: 'frequency', detail: 'Already 4 attempts in 30 days.', retryAt: new Date(oldest + 30 * 86_400_000) };
  }
  if (facts.lastRefusalAt && facts.now.getTime() - facts.lastRefusalAt.getTime() < 60 * 86_400_000) {
    return { ok: false, rule: 'refusal', detail: 'Refused less than 60 days ago.', retryAt: new Date(facts.lastRefusalAt.getTime() + 60 * 86_400_000) };
  }
  if (facts.onOpposition) return { ok: false, rule: 'opposition', detail: 'On an opposition list.', retryAt: null };
  if (facts.requiresConsent && !facts.consent) return { ok: false, rule: 'consent', detail: 'No consent on record.', retryAt: null };
  return { ok: true };
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
