import { Temporal } from '@js-temporal/polyfill';
import { rulesProfile, type RuleId, type RulesProfile, type RulesProfileId } from './profiles.ts';
import { dayName, dayWindow, localTimeLabel, nextOpening, slotsLabel, windowLabel, windowRanges, within, type WeekWindow } from './window.ts';

/**
 * The calling rules judge: pure, no database. The dialer gathers the facts about one dial (facts.ts)
 * and asks, at the moment of dialling, whether the rules profile allows it. A refusal names the rule,
 * says why in one English sentence with the callee's local time (for logs and the proof export; the
 * UI translates by `rule`), and when trying again could succeed.
 */

export interface DialFacts {
  now: Date;
  /** The callee's IANA zone (callee.ts). */
  calleeTimeZone: string;
  /** The callee's French department or territory code where known ('75', '2A', '57', '971', …), for holidays. */
  calleeRegion?: string | null;
  /**
   * When this tenant (the client) called or tried to call this phone, over every campaign and every
   * operator: at least the last 30 days (older ones are ignored), NOT counting the dial being judged.
   * The count of those still within the profile's window is `countedAttempts`.
   */
  attemptTimesLast30Days: readonly Date[];
  /** The most recent time the person refused solicitation (solicitation_refusals.refused_at), or null. */
  lastRefusalAt: Date | null;
  /** On the tenant's own do-not-call list. */
  onDoNotCall: boolean;
  /** On an uploaded opposition list (Bloctel). */
  onOpposition: boolean;
  /** A consent record for the phone, not withdrawn. */
  consent: boolean;
  /** The campaign requires consent. */
  requiresConsent: boolean;
  /** The campaign's own calling hours, in the callee's zone; absent: none of its own. */
  campaignWindow?: WeekWindow;
}

export type Judgement =
  | { ok: true }
  | {
      ok: false;
      rule: RuleId;
      /** One English sentence: the rule, its source, and the callee's local time. */
      detail: string;
      /** The first instant at which every time-based rule allows this dial, or null when waiting cannot help. */
      retryAt: Date | null;
    };

const toInstant = (date: Date) => Temporal.Instant.fromEpochMilliseconds(date.getTime());
const toDate = (instant: Temporal.Instant) => new Date(instant.epochMilliseconds);
const later = (a: Temporal.Instant, b: Temporal.Instant) => (Temporal.Instant.compare(a, b) >= 0 ? a : b);
const cite = (profile: RulesProfile, rule: RuleId) => (profile.sources[rule] ? ` (${profile.sources[rule]})` : '');

/** When an attempt stops counting: the same time on the callee's clock, `days` calendar days later. */
function leaves(attempt: Date, days: number, timeZone: string): Temporal.Instant {
  return toInstant(attempt).toZonedDateTimeISO(timeZone).add({ days }).toInstant();
}

/** The attempts still counted against the frequency limit at `now`, oldest first (when each leaves the count). */
function countedLeaves(profile: RulesProfile, facts: DialFacts): Temporal.Instant[] {
  if (!profile.frequency) return [];
  const now = toInstant(facts.now);
  const { days } = profile.frequency;
  return facts.attemptTimesLast30Days
    .map((t) => leaves(t, days, facts.calleeTimeZone))
    .filter((end) => Temporal.Instant.compare(now, end) < 0)
    .sort(Temporal.Instant.compare);
}

/** How many calls or attempts count against the profile's frequency limit at `facts.now` (0 when it has none). */
export function countedAttempts(profileId: RulesProfileId | RulesProfile, facts: DialFacts): number {
  return countedLeaves(rulesProfile(profileId), facts).length;
}

/** The end of the no-call period after a refusal: midnight (callee's zone) once `days` whole calendar days after the refusal's day have passed. */
function refusalEnds(refusedAt: Date, days: number, timeZone: string): Temporal.Instant {
  const day = toInstant(refusedAt).toZonedDateTimeISO(timeZone).toPlainDate();
  return day.add({ days: days + 1 }).toZonedDateTime({ timeZone }).toInstant();
}

/**
 * Whether the profile allows this dial at `facts.now`. The rules are checked in this order, so a
 * refusal names the most lasting reason: do_not_call, opposition, consent (no waiting helps), then
 * refusal, frequency (they end at a known instant), then holiday, weekday, hours, campaign_hours.
 */
export function judgeDial(profileId: RulesProfileId | RulesProfile, facts: DialFacts): Judgement {
  const profile = rulesProfile(profileId);
  const zone = facts.calleeTimeZone;
  const region = facts.calleeRegion ?? null;
  const now = toInstant(facts.now);
  const local = () => localTimeLabel(now, zone);
  const never = (rule: RuleId, reason: string): Judgement => ({ ok: false, rule, detail: `${reason}${cite(profile, rule)}; the callee's local time is ${local()}.`, retryAt: null });

  if (facts.onDoNotCall) return never('do_not_call', "The number is on the tenant's own do-not-call list, which applies to every campaign");
  if (profile.opposition && facts.onOpposition) return never('opposition', 'The number is on an opposition list the client uploaded, which forbids prospecting calls');
  if (profile.consent && facts.requiresConsent && !facts.consent) return never('consent', 'The campaign requires the person’s prior consent and no consent that is still valid is recorded for this number');

  // Rules that end at a known instant: a retry is lawful once all of them have ended and the window is open.
  let waitUntil = now;
  let first: { rule: RuleId; reason: string } | null = null;
  if (profile.refusalDays !== null && facts.lastRefusalAt) {
    const ends = refusalEnds(facts.lastRefusalAt, profile.refusalDays, zone);
    if (Temporal.Instant.compare(now, ends) < 0) {
      waitUntil = later(waitUntil, ends);
      first ??= {
        rule: 'refusal',
        reason: `The person refused solicitation on ${localTimeLabel(toInstant(facts.lastRefusalAt), zone)}, and no call is allowed until ${profile.refusalDays} whole days have passed, i.e. before ${localTimeLabel(ends, zone)}`,
      };
    }
  }
  if (profile.frequency) {
    const counted = countedLeaves(profile, facts);
    const { attempts, days } = profile.frequency;
    if (counted.length >= attempts) {
      const frees = counted[counted.length - attempts]!;
      waitUntil = later(waitUntil, frees);
      first ??= {
        rule: 'frequency',
        reason: `This client already called or tried to call this person ${counted.length} times in the last ${days} days, the most allowed being ${attempts}; the next call is allowed from ${localTimeLabel(frees, zone)}`,
      };
    }
  }
  if (first) {
    const retry = nextOpening(profile, zone, region, waitUntil, facts.campaignWindow);
    return { ok: false, rule: first.rule, detail: `${first.reason}${cite(profile, first.rule)}; the callee's local time is ${local()}.`, retryAt: retry ? toDate(retry) : null };
  }

  const date = now.toZonedDateTimeISO(zone).toPlainDate();
  const day = dayWindow(profile, zone, region, date, facts.campaignWindow);
  if (within(day.open, now)) return { ok: true };

  const retry = nextOpening(profile, zone, region, now, facts.campaignWindow);
  const refuse = (rule: RuleId, reason: string): Judgement => ({
    ok: false,
    rule,
    detail: `${reason}${cite(profile, rule)}: the callee's local time is ${local()}.`,
    retryAt: retry ? toDate(retry) : null,
  });
  if (day.holiday) return refuse('holiday', `No call is allowed on a public holiday, and ${date.toString()} is ${day.holiday.name} where the callee is`);
  if (day.closedWeekday && profile.window) return refuse('weekday', `No call is allowed on ${dayName(date)}, calls being allowed ${windowLabel(profile.window)}`);
  if (!within(day.lawful, now) && profile.window) {
    const today = profile.window ? windowRanges(profile.window, date) : [];
    const slots = today.map(([a, b]) => ({ start: clock(a), end: clock(b) }));
    return refuse('hours', `Outside the lawful calling hours, which are ${slotsLabel(slots)} on ${dayName(date)} in the callee's time zone`);
  }
  const campaign = facts.campaignWindow ? windowLabel(facts.campaignWindow) : 'none';
  return refuse('campaign_hours', `Outside the campaign's own calling hours (${campaign}, in the callee's time zone)`);
}

const clock = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/**
 * The first instant at or after `from` at which the profile's hours, weekdays and holidays (and the
 * campaign's own hours, when given, intersected with them) allow a dial to a callee in `zone` and
 * `region`; null when there is none within a year (e.g. a campaign window that never meets the law's).
 * The frequency and refusal rules are not in it: judgeDial's retryAt adds them.
 */
export function nextLawfulInstant(profileId: RulesProfileId | RulesProfile, zone: string, region: string | null | undefined, from: Date, campaignWindow?: WeekWindow): Date | null {
  const found = nextOpening(rulesProfile(profileId), zone, region ?? null, toInstant(from), campaignWindow);
  return found ? toDate(found) : null;
}
