import { describe, expect, it } from 'vitest';
import { simulatePredictiveHour, simulationRandom, type SimulationFigures } from './pacing-simulation.ts';
import { AbandonWindow, callsToPlace, expectedOverflowShare, minimumAnsweredForPrediction, progressiveCallsToPlace, throttleShareOfCap, type PacingInput } from './pacing.ts';

/** A campaign with trusted figures: a third of dials answered, nothing abandoned yet, the default caps. */
const steady: PacingInput = { freeOperators: 4, operatorsSoonFree: 2, dialsInFlight: 0, answerRate: 0.33, abandonRate: 0, answeredInWindow: 200, capPercent: 3, maxRatio: 3 };
const place = (change: Partial<PacingInput>) => callsToPlace({ ...steady, ...change });

describe('callsToPlace', () => {
  it('places more calls than free operators once it trusts its figures', () => {
    expect(place({})).toBeGreaterThan(steady.freeOperators);
  });

  it('places nothing when no operator is free or soon free, whatever the figures', () => {
    expect(place({ freeOperators: 0, operatorsSoonFree: 0 })).toBe(0);
    expect(place({ freeOperators: 0, operatorsSoonFree: 0, answerRate: 0.01, maxRatio: 10 })).toBe(0);
    expect(place({ freeOperators: 0, operatorsSoonFree: 0, answeredInWindow: 0 })).toBe(0);
  });

  it('dials for operators about to be free, but only predictively', () => {
    expect(place({ freeOperators: 0, operatorsSoonFree: 3 })).toBeGreaterThan(0);
    expect(place({ freeOperators: 0, operatorsSoonFree: 3, answeredInWindow: 5 })).toBe(0);
  });

  it('keeps to ratio 1 (one call per free operator, less those ringing) with too few answered calls measured', () => {
    expect(place({ answeredInWindow: minimumAnsweredForPrediction - 1 })).toBe(4);
    expect(place({ answeredInWindow: minimumAnsweredForPrediction - 1, dialsInFlight: 3 })).toBe(1);
    expect(place({ answeredInWindow: 0, answerRate: 0, abandonRate: 0 })).toBe(4);
    expect(place({ answeredInWindow: 100 })).toBeGreaterThan(4);
  });

  it('goes predictive only once the window can afford one more abandon under the throttle point', () => {
    // 3 % cap, throttle at 2.4 %: 41 answered cannot absorb an abandon (1/41 > 2.4 %), 42 can.
    expect(place({ answeredInWindow: minimumAnsweredForPrediction })).toBe(4);
    expect(place({ answeredInWindow: 41 })).toBe(4);
    expect(place({ answeredInWindow: 42 })).toBeGreaterThan(4);
    // At a 1 % cap it takes 125 answered calls.
    expect(place({ answeredInWindow: 124, capPercent: 1 })).toBe(4);
    expect(place({ answeredInWindow: 125, capPercent: 1 })).toBeGreaterThan(4);
    // One abandon in 60 answered (1.7 %): a second would make 3.3 %, so not yet; in 100 (1 %) it may.
    expect(place({ answeredInWindow: 60, abandonRate: 1 / 60 })).toBe(4);
    expect(place({ answeredInWindow: 100, abandonRate: 1 / 100 })).toBeGreaterThan(4);
  });

  it('throttles to ratio 1 as the measured abandonment nears the cap, and at or over it', () => {
    const cap = steady.capPercent / 100;
    expect(place({ abandonRate: cap * throttleShareOfCap })).toBe(4);
    expect(place({ abandonRate: cap })).toBe(4);
    expect(place({ abandonRate: 0.5 })).toBe(4);
    expect(place({ abandonRate: cap, dialsInFlight: 4 })).toBe(0);
    // A tighter cap makes the same measured rate "near".
    expect(place({ abandonRate: 0.009, capPercent: 1 })).toBe(4);
  });

  it('places fewer calls the closer the measured rate is to the cap', () => {
    const cap = steady.capPercent / 100;
    const byRate = [0, 0.25, 0.5, 0.75, 0.95].map((f) => place({ freeOperators: 10, operatorsSoonFree: 5, abandonRate: f * cap * throttleShareOfCap }));
    for (let i = 1; i < byRate.length; i++) expect(byRate[i]).toBeLessThanOrEqual(byRate[i - 1]!);
    expect(byRate[0]).toBeGreaterThan(byRate.at(-1)!);
  });

  it('never has more dials in flight than maxRatio × the available operators', () => {
    for (const maxRatio of [1.5, 2, 3, 5]) {
      for (const available of [1, 2, 5, 20, 50]) {
        for (const inFlight of [0, 1, 3, 10]) {
          const placed = callsToPlace({ ...steady, freeOperators: available, operatorsSoonFree: 0, dialsInFlight: inFlight, answerRate: 0.02, maxRatio });
          expect(placed + inFlight).toBeLessThanOrEqual(Math.max(inFlight, Math.floor(maxRatio * available)));
        }
      }
    }
    // A nearly hopeless list (2 % answer) would want 50 lines per operator: the bound holds it at 3.
    expect(place({ freeOperators: 10, operatorsSoonFree: 0, answerRate: 0.02 })).toBe(30);
    expect(place({ freeOperators: 10, operatorsSoonFree: 0, answerRate: 0.02, maxRatio: 1 })).toBe(10);
  });

  it('places at least what progressive would, and never a negative count', () => {
    // Everyone answers: one line per free or soon-free operator, no more.
    expect(place({ answerRate: 1, dialsInFlight: 0 })).toBe(6);
    expect(place({ dialsInFlight: 100 })).toBe(0);
    expect(place({ freeOperators: -3, operatorsSoonFree: Number.NaN, dialsInFlight: -1 })).toBe(0);
    expect(place({ answerRate: Number.NaN })).toBe(4);
    expect(place({ maxRatio: Number.POSITIVE_INFINITY, answerRate: 0.02 })).toBe(4);
  });

  it('keeps its promises on thousands of seeded random inputs', () => {
    const random = simulationRandom('pacing-properties');
    const int = (to: number) => Math.floor(random.uniform() * (to + 1));
    for (let i = 0; i < 5000; i++) {
      const input: PacingInput = {
        freeOperators: int(30),
        operatorsSoonFree: int(10),
        dialsInFlight: int(80),
        answerRate: random.uniform(),
        abandonRate: random.uniform() * 0.05,
        answeredInWindow: int(400),
        capPercent: [1, 2, 3, 5][int(3)]!,
        maxRatio: 1 + random.uniform() * 4,
      };
      const placed = callsToPlace(input);
      const available = input.freeOperators + input.operatorsSoonFree;
      const progressive = progressiveCallsToPlace(input.freeOperators, input.dialsInFlight);
      expect(Number.isInteger(placed)).toBe(true);
      expect(placed).toBeGreaterThanOrEqual(progressive);
      if (available === 0) expect(placed).toBe(0);
      if (placed > progressive) {
        expect(input.dialsInFlight + placed).toBeLessThanOrEqual(Math.floor(input.maxRatio * available));
        expect(input.answeredInWindow).toBeGreaterThanOrEqual(minimumAnsweredForPrediction);
        expect(input.abandonRate).toBeLessThan((input.capPercent / 100) * throttleShareOfCap);
      }
    }
  });

  it('places more lines per operator for a list that answers less', () => {
    const low = place({ freeOperators: 10, operatorsSoonFree: 0, answerRate: 0.2 });
    const high = place({ freeOperators: 10, operatorsSoonFree: 0, answerRate: 0.5 });
    expect(low).toBeGreaterThan(high);
    expect(high).toBeGreaterThanOrEqual(10);
  });
});

describe('progressiveCallsToPlace', () => {
  it('dials one call per free operator not already waiting on one', () => {
    expect(progressiveCallsToPlace(5, 2)).toBe(3);
    expect(progressiveCallsToPlace(2, 5)).toBe(0);
    expect(progressiveCallsToPlace(0, 0)).toBe(0);
  });
});

describe('expectedOverflowShare', () => {
  const binomial = (n: number, k: number, p: number) => {
    let c = 1;
    for (let i = 0; i < k; i++) c = (c * (n - i)) / (i + 1);
    return c * p ** k * (1 - p) ** (n - k);
  };
  const direct = (n: number, p: number, a: number) => {
    let overflow = 0;
    for (let k = a + 1; k <= n; k++) overflow += (k - a) * binomial(n, k, p);
    return overflow / (n * p);
  };

  it('agrees with the binomial summed directly', () => {
    for (const [n, p, a] of [[5, 0.3, 2], [12, 0.33, 4], [30, 0.2, 6], [8, 0.9, 7], [40, 0.5, 10]] as const) {
      expect(expectedOverflowShare(n, p, a)).toBeCloseTo(direct(n, p, a), 12);
    }
  });

  it('is 0 when every answer would find an operator, and stays a number for thousands of dials', () => {
    expect(expectedOverflowShare(3, 0.9, 3)).toBe(0);
    expect(expectedOverflowShare(10, 0, 1)).toBe(0);
    expect(expectedOverflowShare(4, 1, 1)).toBe(0.75);
    const huge = expectedOverflowShare(3000, 0.3, 900);
    expect(Number.isFinite(huge)).toBe(true);
    // As many operators as the mean answers: the normal approximation, σ·φ(0) ÷ mean, is within 1 %.
    const normal = (Math.sqrt(3000 * 0.3 * 0.7) / Math.sqrt(2 * Math.PI)) / 900;
    expect(Math.abs(huge - normal) / normal).toBeLessThan(0.01);
  });
});

describe('AbandonWindow', () => {
  it('measures the answer rate over every dial and the abandonment rate over answered calls', () => {
    const window = new AbandonWindow();
    for (let i = 0; i < 60; i++) window.record(i * 1000, 'not_answered');
    for (let i = 0; i < 38; i++) window.record(60_000 + i * 1000, 'connected');
    window.record(99_000, 'abandoned');
    window.record(99_500, 'abandoned');
    expect(window.measure(100_000)).toEqual({ answerRate: 0.4, abandonRate: 0.05, answeredInWindow: 40, dialsInWindow: 100, abandonedInWindow: 2, averageSecondsToAnswer: null });
  });

  it('measures the mean time to answer over the answered calls recorded with it', () => {
    const window = new AbandonWindow(60_000);
    window.record(0, 'connected', 20);
    window.record(1000, 'not_answered', 25); // not an answer: ignored
    window.record(2000, 'abandoned', 6);
    window.record(3000, 'connected'); // no time given: ignored
    window.record(4000, 'connected', Number.NaN);
    expect(window.measure(5000).averageSecondsToAnswer).toBe(13);
    expect(window.measure(60_500).averageSecondsToAnswer).toBe(6);
    expect(window.measure(62_500).averageSecondsToAnswer).toBeNull();
  });

  it('forgets what is older than the window', () => {
    const window = new AbandonWindow(60 * 60_000);
    window.record(0, 'abandoned');
    window.record(10 * 60_000, 'connected');
    expect(window.measure(30 * 60_000).abandonRate).toBe(0.5);
    expect(window.measure(65 * 60_000)).toMatchObject({ abandonRate: 0, answeredInWindow: 1, dialsInWindow: 1 });
    expect(window.measure(75 * 60_000)).toMatchObject({ answerRate: 0, abandonRate: 0, answeredInWindow: 0, dialsInWindow: 0 });
  });

  it('keeps at most maxEntries outcomes, the oldest forgotten first, and stays right after compacting', () => {
    const window = new AbandonWindow(24 * 3600_000, 100);
    for (let i = 0; i < 5000; i++) window.record(i, i % 10 === 0 ? 'abandoned' : 'connected');
    expect(window.measure(5000)).toMatchObject({ dialsInWindow: 100, answeredInWindow: 100, abandonedInWindow: 10 });
    window.record(5001, 'connected'); // pushes out 4900, abandoned
    expect(window.measure(5001)).toMatchObject({ dialsInWindow: 100, abandonedInWindow: 9 });
  });
});

describe('a simulated hour of a predictive campaign (20 operators, handle ~3 min, seeded)', () => {
  const seeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  const show = (f: SimulationFigures) =>
    `${f.mode.padEnd(11)} abandon ${f.abandonPercent.toFixed(2)} % (window peak ${f.peakWindowAbandonPercent.toFixed(2)} %), occupancy ${(100 * f.occupancy).toFixed(1)} %, placed ${f.callsPlaced}, answered ${f.answered}, AHT ${f.averageHandleSeconds.toFixed(0)} s`;

  it('is the same hour for the same seed', () => {
    expect(simulatePredictiveHour({ seed: 42 })).toEqual(simulatePredictiveHour({ seed: 42 }));
    expect(simulatePredictiveHour({ seed: 42 })).not.toEqual(simulatePredictiveHour({ seed: 43 }));
  });

  for (const capPercent of [3, 1]) {
    it(`keeps the hour's abandonment under a ${capPercent} % cap and occupies operators more than progressive dialling`, () => {
      const lines: string[] = [];
      for (const seed of seeds) {
        const predictive = simulatePredictiveHour({ seed, capPercent });
        const progressive = simulatePredictiveHour({ seed, capPercent, mode: 'progressive' });
        lines.push(`cap ${capPercent} %, seed ${seed}: ${show(predictive)} | ${show(progressive)}`);
        // Enough answered calls that the rate means something, handle times as intended.
        expect(predictive.answered).toBeGreaterThan(250);
        expect(predictive.averageHandleSeconds).toBeGreaterThan(150);
        expect(predictive.averageHandleSeconds).toBeLessThan(240);
        expect(predictive.abandonPercent).toBeLessThan(capPercent);
        expect(progressive.abandoned).toBe(0);
        expect(predictive.callsPlaced).toBeGreaterThan(progressive.callsPlaced);
        // A 3 % cap buys several points of occupancy; a 1 % cap, with 20 operators, only a little.
        expect(predictive.occupancy).toBeGreaterThan(progressive.occupancy + (capPercent === 3 ? 0.03 : 0));
      }
      console.log(lines.join('\n'));
    });
  }

  it('spends more of the operators’ time on calls at a 3 % cap than at a 1 % cap, on average over the seeds', () => {
    const mean = (cap: number) => seeds.reduce((sum, seed) => sum + simulatePredictiveHour({ seed, capPercent: cap }).occupancy, 0) / seeds.length;
    expect(mean(3)).toBeGreaterThan(mean(1));
  });
});
