import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { judgeDial, nextLawfulInstant, type DialFacts } from '../api/src/calling-rules/judge.ts';
import type { WeekWindow } from '../api/src/calling-rules/window.ts';

/**
 * The property behind "a call the rules forbid can never be dialled, and none is held back longer than
 * needed": for any starting instant, callee zone, region and campaign window, nextLawfulInstant's
 * answer is judged lawful, and every instant sampled between the start and it is not.
 * (fast-check is a dependency of tests/, so this property lives here; the tables are beside the code.)
 */

const places = [
  ['Europe/Paris', '75'],
  ['Europe/Paris', '57'],
  ['Europe/Paris', null],
  ['America/Guadeloupe', '971'],
  ['America/Martinique', '972'],
  ['America/Cayenne', '973'],
  ['Indian/Reunion', '974'],
  ['Indian/Mayotte', '976'],
  ['America/Miquelon', '975'],
  ['Pacific/Noumea', '988'],
  ['America/New_York', null],
] as const;

const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const time = fc.integer({ min: 0, max: 95 }).map((q) => `${String(Math.floor(q / 4)).padStart(2, '0')}:${String((q % 4) * 15).padStart(2, '0')}`);
const slot = fc.tuple(time, time).filter(([a, b]) => a !== b).map(([start, end]) => ({ start, end }));
const campaignWindow: fc.Arbitrary<WeekWindow | undefined> = fc.option(
  fc.record(Object.fromEntries(days.map((d) => [d, fc.array(slot, { maxLength: 2 })])) as Record<(typeof days)[number], fc.Arbitrary<{ start: string; end: string }[]>>, {
    requiredKeys: [],
  }),
  { nil: undefined },
);

// From 2026 to the end of 2028, over daylight-saving changes, holidays and weekends.
const instant = fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2028-12-31T00:00:00Z') }).map((ms) => new Date(ms));

function facts(now: Date, zone: string, region: string | null, window: WeekWindow | undefined): DialFacts {
  return {
    now,
    calleeTimeZone: zone,
    calleeRegion: region,
    attemptTimesLast30Days: [],
    lastRefusalAt: null,
    onDoNotCall: false,
    onOpposition: false,
    consent: false,
    requiresConsent: false,
    ...(window ? { campaignWindow: window } : {}),
  };
}

describe('nextLawfulInstant', () => {
  for (const profile of ['fr', 'none'] as const) {
    it(`${profile}: its answer is lawful and nothing sampled before it is`, () => {
      fc.assert(
        fc.property(instant, fc.constantFrom(...places), campaignWindow, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 12, maxLength: 12 }), (from, [zone, region], window, samples) => {
          const next = nextLawfulInstant(profile, zone, region, from, window);
          if (next === null) {
            // Nothing within a year: the campaign's window never meets the law's, so nothing in the next week is lawful either.
            for (let m = 0; m < 7 * 24 * 60; m += 61) expect(judgeDial(profile, facts(new Date(from.getTime() + m * 60_000), zone, region, window)).ok).toBe(false);
            return;
          }
          expect(next.getTime()).toBeGreaterThanOrEqual(from.getTime());
          expect(judgeDial(profile, facts(next, zone, region, window))).toEqual({ ok: true });
          const span = next.getTime() - from.getTime();
          if (span === 0) return;
          expect(judgeDial(profile, facts(new Date(next.getTime() - 1), zone, region, window)).ok).toBe(false);
          for (const s of samples) {
            const between = new Date(from.getTime() + Math.min(Math.floor(s * span), span - 1));
            const judged = judgeDial(profile, facts(between, zone, region, window));
            expect(judged.ok).toBe(false);
            // A refusal for the window says when to try again: exactly that answer.
            if (!judged.ok) expect(judged.retryAt?.getTime()).toBe(next.getTime());
          }
          // And minute by minute over the first hours.
          for (let m = 1; m < Math.min(span / 60_000, 90); m++) expect(judgeDial(profile, facts(new Date(from.getTime() + m * 60_000), zone, region, window)).ok).toBe(false);
        }),
        { numRuns: 200, seed: 15 },
      );
    });
  }
});
