import { Temporal } from '@js-temporal/polyfill';
import { describe, expect, it } from 'vitest';
import { countedAttempts, judgeDial, nextLawfulInstant, type DialFacts } from './judge.ts';
import { rulesProfileIds, type RuleId, type RulesProfile, type RulesProfileId } from './profiles.ts';
import type { WeekWindow } from './window.ts';

/** A local wall time in a zone, as the instant the dialer would see. */
function at(local: string, zone = 'Europe/Paris'): Date {
  return new Date(Temporal.PlainDateTime.from(local).toZonedDateTime(zone).epochMilliseconds);
}

/** A dial nothing stands against but the clock. */
function facts(now: Date, more: Partial<DialFacts> = {}): DialFacts {
  return {
    now,
    calleeTimeZone: 'Europe/Paris',
    calleeRegion: '75',
    attemptTimesLast30Days: [],
    lastRefusalAt: null,
    onDoNotCall: false,
    onOpposition: false,
    consent: false,
    requiresConsent: false,
    ...more,
  };
}

const ruleOf = (profile: RulesProfileId | RulesProfile, f: DialFacts): RuleId | 'ok' => {
  const j = judgeDial(profile, f);
  return j.ok ? 'ok' : j.rule;
};

describe('hours: 10:00–13:00 and 14:00–20:00 on the callee’s clock (fr)', () => {
  // Monday 7 December 2026, an ordinary working day in Paris.
  it.each([
    ['00:00:00', 'hours'],
    ['09:59:59', 'hours'],
    ['10:00:00', 'ok'],
    ['12:59:00', 'ok'],
    ['12:59:59', 'ok'],
    ['13:00:00', 'hours'],
    ['13:59:59', 'hours'],
    ['14:00:00', 'ok'],
    ['19:59:00', 'ok'],
    ['19:59:59', 'ok'],
    ['20:00:00', 'hours'],
    ['23:59:59', 'hours'],
  ] as const)('Monday %s → %s', (time, expected) => {
    expect(ruleOf('fr', facts(at(`2026-12-07T${time}`)))).toBe(expected);
  });

  it('says which hours and the callee’s local time, and retries when the window opens', () => {
    const j = judgeDial('fr', facts(at('2026-12-07T13:00')));
    expect(j).toEqual({
      ok: false,
      rule: 'hours',
      detail:
        "Outside the lawful calling hours, which are 10:00–13:00 and 14:00–20:00 on Monday in the callee's time zone (Code de la consommation, art. D223-9, décret 2022-1313): the callee's local time is Monday 2026-12-07 13:00 in Europe/Paris (UTC+01:00).",
      retryAt: at('2026-12-07T14:00'),
    });
    expect(judgeDial('fr', facts(at('2026-12-07T20:00')))).toMatchObject({ retryAt: at('2026-12-08T10:00') });
  });

  it.each([
    // Summer: Paris is UTC+2, Guadeloupe UTC−4, so 15:00 in Paris is 09:00 there.
    ['2026-06-16T15:00', 'hours', '09:00'],
    // Winter: Paris is UTC+1, so 15:00 in Paris is 10:00 in Guadeloupe, the opening minute.
    ['2026-12-08T15:00', 'ok', '10:00'],
    ['2026-12-08T14:59', 'hours', '09:59'],
  ] as const)('a callee in Guadeloupe called at %s Paris time → %s (%s there)', (paris, expected, local) => {
    const f = facts(at(paris), { calleeTimeZone: 'America/Guadeloupe', calleeRegion: '971' });
    const j = judgeDial('fr', f);
    expect(j.ok ? 'ok' : j.rule).toBe(expected);
    if (!j.ok) expect(j.detail).toContain(`${local} in America/Guadeloupe (UTC-04:00)`);
  });
});

describe('weekday: Monday to Friday only (fr)', () => {
  it.each([
    ['2026-12-04T11:00', 'Friday', 'ok'],
    ['2026-12-05T11:00', 'Saturday', 'weekday'],
    ['2026-12-06T11:00', 'Sunday', 'weekday'],
    ['2026-12-07T11:00', 'Monday', 'ok'],
  ] as const)('%s (%s) → %s', (local, _day, expected) => {
    expect(ruleOf('fr', facts(at(local)))).toBe(expected);
  });

  it('retries on Monday at 10:00 and names the day', () => {
    const j = judgeDial('fr', facts(at('2026-12-05T11:00')));
    expect(j).toMatchObject({ ok: false, rule: 'weekday', retryAt: at('2026-12-07T10:00') });
    expect(!j.ok && j.detail).toContain('No call is allowed on Saturday, calls being allowed Monday to Friday 10:00–13:00 and 14:00–20:00');
  });
});

describe('holiday: the French calendar where the callee is (fr)', () => {
  const national: [string, string][] = [
    ['2026-01-01', "New Year's Day"],
    ['2026-04-06', 'Easter Monday'],
    ['2026-05-01', 'Labour Day'],
    ['2026-05-08', 'Victory in Europe Day'],
    ['2026-05-14', 'Ascension Day'],
    ['2026-05-25', 'Whit Monday'],
    ['2026-07-14', 'National Day'],
    ['2026-08-15', 'Assumption Day'],
    ['2026-11-01', "All Saints' Day"],
    ['2026-11-11', 'Armistice Day'],
    ['2026-12-25', 'Christmas Day'],
    ['2027-01-01', "New Year's Day"],
    ['2027-03-29', 'Easter Monday'],
    ['2027-05-01', 'Labour Day'],
    ['2027-05-06', 'Ascension Day'],
    ['2027-05-08', 'Victory in Europe Day'],
    ['2027-05-17', 'Whit Monday'],
    ['2027-07-14', 'National Day'],
    ['2027-08-15', 'Assumption Day'],
    ['2027-11-01', "All Saints' Day"],
    ['2027-11-11', 'Armistice Day'],
    ['2027-12-25', 'Christmas Day'],
  ];
  it.each(national)('%s (%s) is refused at 11:00 everywhere in France', (date, name) => {
    for (const [zone, region] of [['Europe/Paris', '75'], ['Europe/Paris', null], ['Europe/Paris', '57'], ['America/Martinique', '972'], ['Indian/Reunion', '974']] as const) {
      const j = judgeDial('fr', facts(at(`${date}T11:00`, zone), { calleeTimeZone: zone, calleeRegion: region }));
      expect(j).toMatchObject({ ok: false, rule: 'holiday' });
      expect(!j.ok && j.detail).toContain(`${date} is ${name} where the callee is`);
    }
  });

  it.each([
    // The working days around the movable feasts stay open.
    ['2026-04-03', '75', 'ok'],
    ['2026-04-07', '75', 'ok'],
    ['2026-05-13', '75', 'ok'],
    ['2026-05-26', '75', 'ok'],
    ['2027-03-26', '75', 'ok'],
    ['2027-03-30', '75', 'ok'],
    ['2027-05-07', '75', 'ok'],
    ['2027-05-18', '75', 'ok'],
  ] as const)('%s in %s → %s', (date, region, expected) => {
    expect(ruleOf('fr', facts(at(`${date}T11:00`), { calleeRegion: region }))).toBe(expected);
  });

  it.each([
    // Good Friday and 26 December, only in Moselle, Bas-Rhin and Haut-Rhin.
    ['2026-04-03', '57', 'holiday'],
    ['2026-04-03', '67', 'holiday'],
    ['2026-04-03', '68', 'holiday'],
    ['2026-04-03', '54', 'ok'],
    ['2026-04-03', '75', 'ok'],
    ['2026-04-03', null, 'ok'],
    ['2027-03-26', '67', 'holiday'],
    ['2027-03-26', '88', 'ok'],
    ['2028-12-26', '68', 'holiday'],
    ['2028-12-26', '75', 'ok'],
    ['2028-12-27', '68', 'ok'],
  ] as const)('Alsace-Moselle: %s in region %s → %s', (date, region, expected) => {
    expect(ruleOf('fr', facts(at(`${date}T11:00`), { calleeRegion: region }))).toBe(expected);
  });

  it.each([
    // The abolition of slavery, each territory on its own day, and nowhere else.
    ['2027-12-20', 'Indian/Reunion', '974', 'holiday'],
    ['2027-12-20', 'Indian/Mayotte', '976', 'ok'],
    ['2027-12-20', 'Europe/Paris', '75', 'ok'],
    ['2027-12-20', 'America/Guadeloupe', '971', 'ok'],
    ['2027-12-21', 'Indian/Reunion', '974', 'ok'],
    ['2026-05-27', 'America/Guadeloupe', '971', 'holiday'],
    ['2026-05-27', 'America/Martinique', '972', 'ok'],
    ['2026-05-27', 'Europe/Paris', '75', 'ok'],
    ['2026-05-22', 'America/Martinique', '972', 'holiday'],
    ['2026-05-22', 'America/Guadeloupe', '971', 'ok'],
    ['2026-06-10', 'America/Cayenne', '973', 'holiday'],
    ['2026-06-10', 'Europe/Paris', '75', 'ok'],
    ['2026-04-27', 'Indian/Mayotte', '976', 'holiday'],
    ['2026-04-27', 'Indian/Reunion', '974', 'ok'],
    ['2026-10-09', 'America/St_Barthelemy', '977', 'holiday'],
    ['2026-10-09', 'America/Guadeloupe', '971', 'ok'],
    ['2026-05-28', 'America/Marigot', '978', 'holiday'],
    ['2026-05-27', 'America/Marigot', '978', 'ok'],
    ['2026-05-28', 'America/Guadeloupe', '971', 'ok'],
  ] as const)('overseas: %s in %s (%s) → %s', (date, zone, region, expected) => {
    expect(ruleOf('fr', facts(at(`${date}T11:00`, zone), { calleeTimeZone: zone, calleeRegion: region }))).toBe(expected);
  });

  it('a holiday is the callee’s date, not the caller’s: Christmas morning in Paris is still 24 December in Guadeloupe', () => {
    // 25 December 11:00 Paris = 06:00 Guadeloupe, outside hours; 24 December 19:00 Guadeloupe = 25 December 00:00 Paris.
    expect(ruleOf('fr', facts(at('2026-12-24T19:00', 'America/Guadeloupe'), { calleeTimeZone: 'America/Guadeloupe', calleeRegion: '971' }))).toBe('ok');
    expect(ruleOf('fr', facts(at('2026-12-24T19:00', 'America/Guadeloupe'), { calleeTimeZone: 'Europe/Paris', calleeRegion: '75' }))).toBe('holiday');
  });

  it('retries after a long weekend on the next working day', () => {
    // Friday 1 May 2026 (Labour Day) → Monday 4 May, 10:00.
    expect(judgeDial('fr', facts(at('2026-05-01T11:00')))).toMatchObject({ rule: 'holiday', retryAt: at('2026-05-04T10:00') });
  });
});

describe('frequency: at most 4 calls or attempts in 30 rolling days, per person per client (fr)', () => {
  const now = at('2026-12-07T11:00');
  const four = [at('2026-11-10T11:00'), at('2026-11-20T15:00'), at('2026-11-27T10:30'), at('2026-12-03T19:00')];

  it.each([
    [0, 'ok'],
    [1, 'ok'],
    [3, 'ok'],
    [4, 'frequency'],
  ] as const)('%i earlier attempts → %s', (n, expected) => {
    expect(ruleOf('fr', facts(now, { attemptTimesLast30Days: four.slice(0, n) }))).toBe(expected);
  });

  it('the fifth is refused until the oldest leaves the 30 days, then allowed', () => {
    const j = judgeDial('fr', facts(now, { attemptTimesLast30Days: four }));
    expect(j).toMatchObject({ ok: false, rule: 'frequency', retryAt: at('2026-12-10T11:00') });
    expect(!j.ok && j.detail).toContain('already called or tried to call this person 4 times in the last 30 days, the most allowed being 4');
    expect(ruleOf('fr', facts(at('2026-12-10T10:59:59'), { attemptTimesLast30Days: four }))).toBe('frequency');
    expect(ruleOf('fr', facts(at('2026-12-10T11:00'), { attemptTimesLast30Days: four }))).toBe('ok');
    expect(countedAttempts('fr', facts(at('2026-12-10T11:00'), { attemptTimesLast30Days: four }))).toBe(3);
  });

  it('ignores attempts older than 30 days (the lead may pass more)', () => {
    const old = [at('2026-11-07T11:00'), at('2026-10-01T11:00')];
    expect(countedAttempts('fr', facts(now, { attemptTimesLast30Days: [...old, ...four.slice(1)] }))).toBe(3);
    expect(ruleOf('fr', facts(now, { attemptTimesLast30Days: [...old, ...four.slice(1)] }))).toBe('ok');
  });

  it('with more than 4 (the limit was lowered, or the lead passed them all), waits until only 3 remain', () => {
    const five = [at('2026-11-09T11:00'), ...four];
    expect(judgeDial('fr', facts(now, { attemptTimesLast30Days: five }))).toMatchObject({ rule: 'frequency', retryAt: at('2026-12-10T11:00') });
  });

  it('moves the retry to the next lawful instant when the oldest leaves outside the hours', () => {
    // The oldest, Friday 13 November 19:30, leaves on Sunday 13 December 19:30 → Monday 14 December 10:00.
    const times = [at('2026-11-13T19:30'), at('2026-11-20T15:00'), at('2026-11-27T10:30'), at('2026-12-03T19:00')];
    expect(judgeDial('fr', facts(now, { attemptTimesLast30Days: times }))).toMatchObject({ rule: 'frequency', retryAt: at('2026-12-14T10:00') });
  });
});

describe('refusal: no call for 60 days after the person refused (fr)', () => {
  // Refused on Friday 9 October 2026 at 15:00; day 59 is Monday 7 December, day 61 Wednesday 9 December.
  const refused = at('2026-10-09T15:00');
  it.each([
    ['2026-10-09T15:30', 'refusal'],
    ['2026-12-07T15:00', 'refusal'], // 59 days
    ['2026-12-08T15:00', 'refusal'], // 60 days: the 60th whole day is not over
    ['2026-12-08T19:59', 'refusal'],
    ['2026-12-09T10:00', 'ok'], // the first lawful minute once 60 whole days have passed
    ['2026-12-09T15:00', 'ok'], // 61 days
  ] as const)('at %s → %s', (local, expected) => {
    expect(ruleOf('fr', facts(at(local), { lastRefusalAt: refused }))).toBe(expected);
  });

  it('retries at the first lawful instant after the 60 days', () => {
    const j = judgeDial('fr', facts(at('2026-12-07T15:00'), { lastRefusalAt: refused }));
    expect(j).toMatchObject({ ok: false, rule: 'refusal', retryAt: at('2026-12-09T10:00') });
    expect(!j.ok && j.detail).toContain('refused solicitation on Friday 2026-10-09 15:00 in Europe/Paris');
  });

  it('waits for the later of a refusal and the frequency limit', () => {
    const four = [at('2026-11-20T11:00'), at('2026-11-27T11:00'), at('2026-12-01T11:00'), at('2026-12-03T11:00')];
    // The refusal ends on 9 December, but four attempts still count until 20 December (a Sunday) → Monday 21st.
    expect(judgeDial('fr', facts(at('2026-12-07T15:00'), { lastRefusalAt: refused, attemptTimesLast30Days: four }))).toMatchObject({
      rule: 'refusal',
      retryAt: at('2026-12-21T10:00'),
    });
  });
});

describe('do-not-call applies in every profile', () => {
  it.each(rulesProfileIds)('%s', (profile) => {
    const j = judgeDial(profile, facts(at('2026-12-07T11:00'), { onDoNotCall: true, consent: true }));
    expect(j).toMatchObject({ ok: false, rule: 'do_not_call', retryAt: null });
    expect(!j.ok && j.detail).toBe(
      "The number is on the tenant's own do-not-call list, which applies to every campaign; the callee's local time is Monday 2026-12-07 11:00 in Europe/Paris (UTC+01:00).",
    );
    expect(ruleOf(profile, facts(at('2026-12-07T11:00'), { onDoNotCall: false }))).toBe('ok');
  });
});

describe('opposition list (Bloctel)', () => {
  it.each([
    ['fr', true, 'opposition'],
    ['fr', false, 'ok'],
    ['fr_existing_customers', true, 'ok'],
    ['none', true, 'ok'],
  ] as const)('%s, on the list %s → %s', (profile, onOpposition, expected) => {
    expect(ruleOf(profile, facts(at('2026-12-07T11:00'), { onOpposition }))).toBe(expected);
  });

  it('never retries', () => {
    expect(judgeDial('fr', facts(at('2026-12-07T11:00'), { onOpposition: true }))).toMatchObject({ retryAt: null });
  });
});

describe('consent, when the campaign requires it', () => {
  it.each([
    ['fr', true, false, 'consent'],
    ['fr', true, true, 'ok'],
    ['fr', false, false, 'ok'],
    ['fr_existing_customers', true, false, 'ok'],
    ['none', true, false, 'ok'],
  ] as const)('%s, required %s, given %s → %s', (profile, requiresConsent, consent, expected) => {
    expect(ruleOf(profile, facts(at('2026-12-07T11:00'), { requiresConsent, consent }))).toBe(expected);
  });

  it('consent to be called does not lift the hours', () => {
    expect(ruleOf('fr', facts(at('2026-12-05T11:00'), { requiresConsent: true, consent: true }))).toBe('weekday');
  });
});

describe('existing customers: the contract relation exempts all but do-not-call and the campaign’s hours', () => {
  const everything: Partial<DialFacts> = {
    attemptTimesLast30Days: Array.from({ length: 9 }, (_, i) => at(`2026-12-0${i + 1}T11:00`)),
    lastRefusalAt: at('2026-12-01T11:00'),
    onOpposition: true,
    requiresConsent: true,
    consent: false,
  };
  it.each([
    ['Saturday night', '2026-12-05T22:00'],
    ['Christmas Day', '2026-12-25T08:00'],
    ['Sunday', '2026-12-06T13:30'],
    ['a weekday at lunch', '2026-12-09T13:30'],
  ] as const)('%s: allowed under fr_existing_customers and none, refused under fr', (_label, local) => {
    const f = facts(at(local), everything);
    expect(ruleOf('fr_existing_customers', f)).toBe('ok');
    expect(ruleOf('none', f)).toBe('ok');
    expect(ruleOf('fr', f)).not.toBe('ok');
  });

  it('keeps the campaign’s own hours', () => {
    const campaignWindow: WeekWindow = { mon: [{ start: '09:00', end: '18:00' }] };
    expect(ruleOf('fr_existing_customers', facts(at('2026-12-07T08:59'), { ...everything, campaignWindow }))).toBe('campaign_hours');
    expect(ruleOf('fr_existing_customers', facts(at('2026-12-07T09:00'), { ...everything, campaignWindow }))).toBe('ok');
    expect(ruleOf('fr_existing_customers', facts(at('2026-12-08T09:00'), { ...everything, campaignWindow }))).toBe('campaign_hours');
    expect(judgeDial('fr_existing_customers', facts(at('2026-12-07T18:00'), { ...everything, campaignWindow }))).toMatchObject({
      rule: 'campaign_hours',
      retryAt: at('2026-12-14T09:00'),
    });
  });
});

describe('campaign hours: intersected with the law’s', () => {
  const campaignWindow: WeekWindow = { mon: [{ start: '09:00', end: '12:00' }], tue: [{ start: '09:00', end: '12:00' }], sat: [{ start: '10:00', end: '12:00' }] };
  it.each([
    ['2026-12-07T09:30', 'hours'], // the campaign would, the law would not
    ['2026-12-07T10:00', 'ok'],
    ['2026-12-07T11:59', 'ok'],
    ['2026-12-07T12:00', 'campaign_hours'], // the law would, the campaign would not
    ['2026-12-07T15:00', 'campaign_hours'],
    ['2026-12-09T11:00', 'campaign_hours'], // Wednesday: no campaign hours
    ['2026-12-05T11:00', 'weekday'], // Saturday: the campaign's hours do not lift the law's
  ] as const)('fr at %s → %s', (local, expected) => {
    expect(ruleOf('fr', facts(at(local), { campaignWindow }))).toBe(expected);
  });

  it('retries at the next instant both allow', () => {
    expect(judgeDial('fr', facts(at('2026-12-07T12:00'), { campaignWindow }))).toMatchObject({ retryAt: at('2026-12-08T10:00') });
    expect(judgeDial('fr', facts(at('2026-12-08T12:00'), { campaignWindow }))).toMatchObject({ retryAt: at('2026-12-14T10:00') });
    expect(judgeDial('fr', facts(at('2026-12-08T12:00'), { campaignWindow: {} }))).toMatchObject({ rule: 'campaign_hours', retryAt: null });
  });

  it('runs a slot past midnight into the next day (none)', () => {
    const nights: WeekWindow = { fri: [{ start: '22:00', end: '02:00' }] };
    expect(ruleOf('none', facts(at('2026-12-04T21:59'), { campaignWindow: nights }))).toBe('campaign_hours');
    expect(ruleOf('none', facts(at('2026-12-04T22:00'), { campaignWindow: nights }))).toBe('ok');
    expect(ruleOf('none', facts(at('2026-12-05T01:59'), { campaignWindow: nights }))).toBe('ok');
    expect(ruleOf('none', facts(at('2026-12-05T02:00'), { campaignWindow: nights }))).toBe('campaign_hours');
  });
});

describe('nextLawfulInstant across daylight-saving changes (Europe/Paris)', () => {
  it.each([
    // Friday evening before the last Sunday of March 2026 (29 March, 02:00 CET → 03:00 CEST): Monday 10:00 CEST.
    ['2026-03-27T19:00:00Z', '2026-03-30T08:00:00Z'],
    ['2026-03-28T12:00:00Z', '2026-03-30T08:00:00Z'],
    ['2026-03-29T01:30:00Z', '2026-03-30T08:00:00Z'],
    // Friday evening before the last Sunday of October 2026 (25 October, 03:00 CEST → 02:00 CET): Monday 10:00 CET.
    ['2026-10-23T18:00:00Z', '2026-10-26T09:00:00Z'],
    ['2026-10-25T00:30:00Z', '2026-10-26T09:00:00Z'],
    ['2026-10-25T01:30:00Z', '2026-10-26T09:00:00Z'],
    // 2027: 28 March and 31 October.
    ['2027-03-26T19:00:00Z', '2027-03-30T08:00:00Z'], // Monday 29 March 2027 is Easter Monday
    ['2027-10-29T18:30:00Z', '2027-11-02T09:00:00Z'], // Monday 1 November 2027 is All Saints' Day
  ] as const)('from %s → %s', (from, expected) => {
    expect(nextLawfulInstant('fr', 'Europe/Paris', '75', new Date(from))?.toISOString()).toBe(new Date(expected).toISOString());
  });

  it('answers `from` itself inside the window, the afternoon at lunch, and null when the campaign never meets the law', () => {
    expect(nextLawfulInstant('fr', 'Europe/Paris', null, at('2026-12-07T11:17:23'))).toEqual(at('2026-12-07T11:17:23'));
    expect(nextLawfulInstant('fr', 'Europe/Paris', null, at('2026-12-07T13:00'))).toEqual(at('2026-12-07T14:00'));
    expect(nextLawfulInstant('fr', 'Europe/Paris', null, at('2026-12-07T11:00'), { sat: [{ start: '10:00', end: '12:00' }] })).toBeNull();
  });

  it('opens a campaign slot starting in the skipped hour when the clock jumps, and a repeated time at its first occurrence', () => {
    const early: WeekWindow = { sun: [{ start: '02:30', end: '04:00' }] };
    expect(nextLawfulInstant('none', 'Europe/Paris', null, new Date('2026-03-28T23:00:00Z'), early)?.toISOString()).toBe('2026-03-29T01:00:00.000Z');
    expect(nextLawfulInstant('none', 'Europe/Paris', null, new Date('2026-10-24T22:00:00Z'), early)?.toISOString()).toBe('2026-10-25T00:30:00.000Z');
    expect(ruleOf('none', facts(new Date('2026-03-29T01:30:00Z'), { campaignWindow: early }))).toBe('ok');
    expect(ruleOf('none', facts(new Date('2026-03-29T00:59:59Z'), { campaignWindow: early }))).toBe('campaign_hours');
  });

  it('reads the window in the callee’s zone: Saturday in Nouméa while it is still Friday in Paris', () => {
    // Friday 4 December 2026 23:00 Paris = Saturday 09:00 in Nouméa (UTC+11).
    expect(ruleOf('fr', facts(at('2026-12-04T23:00'), { calleeTimeZone: 'Pacific/Noumea', calleeRegion: '988' }))).toBe('weekday');
    expect(nextLawfulInstant('fr', 'Pacific/Noumea', '988', at('2026-12-04T23:00'))).toEqual(at('2026-12-07T10:00', 'Pacific/Noumea'));
  });
});

describe('a country added as data', () => {
  const elsewhere: RulesProfile = {
    name: 'Test country',
    window: { mon: [{ start: '08:00', end: '21:00' }], tue: [{ start: '08:00', end: '21:00' }], sat: [{ start: '10:00', end: '16:00' }] },
    holidays: (year) => [{ date: `${year}-12-08`, name: 'Test Day' }],
    frequency: { attempts: 2, days: 7 },
    refusalDays: 10,
    opposition: true,
    consent: false,
    sources: { hours: 'Test Act s. 1' },
  };
  it.each([
    ['2026-12-07T08:00', [], 'ok'],
    ['2026-12-07T07:59', [], 'hours'],
    ['2026-12-08T12:00', [], 'holiday'],
    ['2026-12-05T15:59', [], 'ok'],
    ['2026-12-09T12:00', [], 'weekday'],
    ['2026-12-07T12:00', ['2026-12-01T12:00', '2026-12-03T12:00'], 'frequency'],
    ['2026-12-07T12:00', ['2026-11-30T12:00', '2026-12-03T12:00'], 'ok'],
  ] as const)('%s with attempts %j → %s', (local, attempts, expected) => {
    expect(ruleOf(elsewhere, facts(at(local), { attemptTimesLast30Days: attempts.map((a) => at(a)) }))).toBe(expected);
  });

  it('cites its own source', () => {
    const j = judgeDial(elsewhere, facts(at('2026-12-07T07:59')));
    expect(!j.ok && j.detail).toContain('08:00–21:00 on Monday in the callee\'s time zone (Test Act s. 1)');
  });

  it('refuses an unknown profile id loudly', () => {
    expect(() => judgeDial('xx' as RulesProfileId, facts(at('2026-12-07T11:00')))).toThrow(/Unknown rules profile/);
  });
});

describe('every refusal explains itself in one sentence with the callee’s local time', () => {
  const monday = at('2026-12-07T11:00');
  it.each<[RuleId, DialFacts, string]>([
    ['do_not_call', facts(monday, { onDoNotCall: true }), "tenant's own do-not-call list"],
    ['opposition', facts(monday, { onOpposition: true }), '(Code de la consommation, art. L223-1 (Bloctel))'],
    ['consent', facts(monday, { requiresConsent: true }), 'requires the person’s prior consent'],
    ['refusal', facts(monday, { lastRefusalAt: at('2026-12-01T11:00') }), 'no call is allowed until 60 whole days have passed'],
    ['frequency', facts(monday, { attemptTimesLast30Days: [1, 2, 3, 4].map((d) => at(`2026-12-0${d}T11:00`)) }), 'the most allowed being 4'],
    ['holiday', facts(at('2026-12-25T11:00')), '2026-12-25 is Christmas Day where the callee is'],
    ['weekday', facts(at('2026-12-06T11:00')), 'No call is allowed on Sunday'],
    ['hours', facts(at('2026-12-07T13:30')), 'Outside the lawful calling hours'],
    ['campaign_hours', facts(monday, { campaignWindow: { tue: [{ start: '10:00', end: '12:00' }] } }), "Outside the campaign's own calling hours (Tuesday 10:00–12:00, in the callee's time zone)"],
  ])('%s', (rule, f, says) => {
    const j = judgeDial('fr', f);
    expect(j.ok).toBe(false);
    if (j.ok) return;
    expect(j.rule).toBe(rule);
    expect(j.detail).toContain(says);
    expect(j.detail).toMatch(/the callee's local time is (Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday) \d{4}-\d{2}-\d{2} \d{2}:\d{2} in Europe\/Paris \(UTC\+01:00\)\.$/);
  });
});
