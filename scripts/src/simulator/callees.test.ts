import { describe, expect, it } from 'vitest';
import { eveningTelesalesCallees, eveningTelesalesFigures, simulatePredictiveHour, simulationRandom } from '../../../api/src/dialer/pacing-simulation.ts';
import { calleeRates, dialCallee, dialCalleeAt, ringSeconds, shortTalkSeconds, talkSeconds, type CampaignKind, type DialledCallee } from './callees.ts';
import { createRandom } from './random.ts';

const many = (count: number, seed: number, hour: number, kind: CampaignKind, ringTimeoutSeconds?: number): DialledCallee[] => {
  const random = createRandom(seed);
  return Array.from({ length: count }, () => dialCallee(random, { localHour: hour, kind, ringTimeoutSeconds }));
};
const shareOf = (calls: DialledCallee[], test: (c: DialledCallee) => boolean) => calls.filter(test).length / calls.length;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

describe('callee rates by local time of day', () => {
  it('has people answer more in the evening than in the morning, and machines the other way round', () => {
    expect(calleeRates(18.5).person).toBeGreaterThan(calleeRates(10.5).person + 0.1);
    expect(calleeRates(10.5).machine).toBeGreaterThan(calleeRates(18.5).machine + 0.1);
    expect(calleeRates(12.5).person).toBeGreaterThan(calleeRates(10.5).person); // lunch break
  });

  it('interpolates between hours, wraps around midnight, and never sums past 1', () => {
    expect(calleeRates(18).person).toBeCloseTo(0.34, 10);
    expect(calleeRates(18.5).person).toBeCloseTo(0.35, 10);
    expect(calleeRates(24 + 18)).toEqual(calleeRates(18));
    expect(calleeRates(-6)).toEqual(calleeRates(18));
    for (let hour = 0; hour < 24; hour += 0.25) {
      const r = calleeRates(hour);
      expect(r.person + r.machine + r.busy + r.failed).toBeLessThan(0.9); // some always ring out
      for (const value of Object.values(r)) expect(value).toBeGreaterThan(0);
    }
  });
});

describe('dialCallee', () => {
  it('replays the same callees for the same seed', () => {
    expect(many(50, 7, 18, 'telesales')).toEqual(many(50, 7, 18, 'telesales'));
    expect(many(50, 7, 18, 'telesales')).not.toEqual(many(50, 8, 18, 'telesales'));
  });

  it('draws outcomes at the hour’s rates (a slow pickup past the ring timeout is a no answer)', () => {
    for (const hour of [10.5, 18]) {
      const calls = many(20_000, 1, hour, 'surveys', 60); // a long timeout, so no pickup is cut
      const rates = calleeRates(hour);
      expect(shareOf(calls, (c) => c.outcome === 'person')).toBeCloseTo(rates.person, 1);
      expect(shareOf(calls, (c) => c.outcome === 'machine')).toBeCloseTo(rates.machine, 1);
      expect(shareOf(calls, (c) => c.outcome === 'busy')).toBeCloseTo(rates.busy, 1);
      expect(shareOf(calls, (c) => c.outcome === 'failed')).toBeCloseTo(rates.failed, 1);
    }
  });

  it('rings before a person answers for a median 9 s, a machine 20 s, and until the timeout for no answer', () => {
    const calls = many(20_000, 2, 18, 'telesales', 25);
    const ring = (outcome: DialledCallee['outcome']) => calls.filter((c) => c.outcome === outcome).map((c) => c.ringSeconds);
    expect(median(ring('person'))).toBeGreaterThan(8);
    expect(median(ring('person'))).toBeLessThan(10);
    expect(median(ring('machine'))).toBeGreaterThan(18);
    expect(median(ring('machine'))).toBeLessThan(21); // the slowest machines ran past 25 s: no answers
    expect(new Set(ring('no_answer'))).toEqual(new Set([25]));
    for (const c of calls) expect(c.ringSeconds).toBeLessThanOrEqual(25);
    expect(Math.max(...ring('busy'))).toBeLessThanOrEqual(ringSeconds.busy.to);
    // A short timeout turns machines (and slow people) into no answers.
    const short = many(20_000, 2, 18, 'telesales', 15);
    expect(shareOf(short, (c) => c.outcome === 'machine')).toBeLessThan(0.02);
    expect(shareOf(short, (c) => c.outcome === 'no_answer')).toBeGreaterThan(shareOf(calls, (c) => c.outcome === 'no_answer') + 0.15);
  });

  it('has people talk shortest for information and longest for surveys, and only people talk', () => {
    const talk = (kind: CampaignKind) => median(many(20_000, 3, 18, kind).filter((c) => c.outcome === 'person' && c.request === 'none').map((c) => c.talkSeconds));
    const info = talk('outbound_info');
    const sales = talk('telesales');
    expect(info).toBeGreaterThan(talkSeconds.outbound_info.median * 0.9);
    expect(info).toBeLessThan(talkSeconds.outbound_info.median * 1.1);
    expect(sales).toBeGreaterThan(talkSeconds.telesales.median * 0.9);
    expect(sales).toBeLessThan(talkSeconds.telesales.median * 1.1);
    expect(info).toBeLessThan(talk('lead_qualification'));
    expect(talk('lead_qualification')).toBeLessThan(sales);
    expect(sales).toBeLessThan(talk('surveys'));
    for (const c of many(2000, 3, 18, 'telesales')) {
      if (c.outcome !== 'person') expect(c).toMatchObject({ talkSeconds: 0, request: 'none' });
      else expect(c.talkSeconds).toBeGreaterThanOrEqual(5);
    }
  });

  it('has a small share of people ask for a callback or refuse, briefly', () => {
    const people = many(30_000, 4, 18, 'telesales').filter((c) => c.outcome === 'person');
    expect(shareOf(people, (c) => c.request === 'refusal')).toBeCloseTo(talkSeconds.telesales.refusalShare, 1);
    expect(shareOf(people, (c) => c.request === 'callback')).toBeCloseTo(talkSeconds.telesales.callbackShare, 1);
    expect(median(people.filter((c) => c.request === 'refusal').map((c) => c.talkSeconds))).toBeLessThan(shortTalkSeconds.refusal.median * 1.15);
    const informed = many(30_000, 4, 18, 'outbound_info').filter((c) => c.outcome === 'person');
    expect(shareOf(informed, (c) => c.request === 'refusal')).toBeLessThan(0.05);
  });

  it('reads the hour in the callee’s zone', () => {
    // 17:00 UTC on a January Wednesday: 18:00 in Paris, 13:00 in Martinique.
    const at = new Date('2026-01-07T17:00:00Z');
    const paris = dialCalleeAt(createRandom(5), at, 'Europe/Paris', 'telesales');
    expect(paris).toEqual(dialCallee(createRandom(5), { localHour: 18, kind: 'telesales' }));
    const martinique = dialCalleeAt(createRandom(5), at, 'America/Martinique', 'telesales');
    expect(martinique).toEqual(dialCallee(createRandom(5), { localHour: 13, kind: 'telesales' }));
  });
});

describe('the pacing simulation’s copy of these figures (api cannot import scripts)', () => {
  it('has the rates, ring times and talk times of a telesales campaign at 18:00', () => {
    expect(eveningTelesalesFigures.rates).toEqual(calleeRates(18));
    expect(eveningTelesalesFigures.ring).toEqual(ringSeconds);
    expect(eveningTelesalesFigures.talk).toEqual(talkSeconds.telesales);
    expect(eveningTelesalesFigures.shortTalk).toEqual(shortTalkSeconds);
  });

  it('draws the same callees from the same seed', () => {
    for (let seed = 0; seed < 500; seed++) {
      const { request: _request, ...model } = dialCallee(simulationRandom(seed), { localHour: 18, kind: 'telesales', ringTimeoutSeconds: 25 });
      expect(eveningTelesalesCallees(simulationRandom(seed), 25)).toEqual(model);
    }
  });

  it('keeps a predictive hour under the cap with the model itself, morning and evening, for every kind', () => {
    for (const [localHour, kind] of [[10.5, 'outbound_info'], [10.5, 'telesales'], [18.5, 'surveys'], [19, 'lead_qualification']] as const) {
      for (const seed of [1, 2, 3]) {
        const callees = (random: Parameters<typeof dialCallee>[0], ringTimeoutSeconds: number) => dialCallee(random, { localHour, kind, ringTimeoutSeconds });
        const predictive = simulatePredictiveHour({ seed, callees });
        const progressive = simulatePredictiveHour({ seed, callees, mode: 'progressive' });
        expect(predictive.abandonPercent).toBeLessThan(3);
        expect(predictive.occupancy).toBeGreaterThan(progressive.occupancy);
      }
    }
  });
});
