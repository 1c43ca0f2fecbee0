import { describe, expect, it } from 'vitest';
import { loadDemo } from '@switchboard/tenants';
import { answeredWithin, busiestArrivalRate, probabilityOfWaiting } from './capacity.ts';
import { floorBotEmails, floorTalkMs } from './demo-floor.ts';
import { demoCallsPerHourAtPeak, demoNightFloor } from './in-process.ts';
import { ArrivalPlan } from './plan.ts';
import { createRandom } from './random.ts';
import type { Line } from './traffic.ts';

/** Every line of the demo's dial plan, as the simulator reads it. */
function demoLines(): Line[] {
  return loadDemo().tenants.flatMap(({ definition }) =>
    (definition.callHandling?.numbers ?? []).map((n) => ({ number: n.number, tenant: definition.tenant.slug, function: n.function, timeZone: definition.tenant.timeZone })),
  );
}
const demoTraffic = { callsPerHourAtPeak: demoCallsPerHourAtPeak, multiplier: 1, floor: demoNightFloor };

describe('Erlang C', () => {
  it('matches the textbook: 2 agents, 1 erlang → a third of the calls wait; overload → every call waits', () => {
    expect(probabilityOfWaiting(2, 1)).toBeCloseTo(1 / 3, 6);
    expect(probabilityOfWaiting(1, 0.5)).toBeCloseTo(0.5, 6);
    expect(probabilityOfWaiting(2, 2)).toBe(1);
    // 10 agents, 8 erlangs, 180 s calls: 40.9 % wait; 1 − 0.409 · e^(−2 · 20 / 180) ≈ 67.2 % answered within 20 s.
    expect(probabilityOfWaiting(10, 8)).toBeCloseTo(0.409, 3);
    expect(answeredWithin(20, 10, 8, 180)).toBeCloseTo(0.672, 3);
  });
});

describe('the demo floor’s capacity', () => {
  const lines = demoLines();
  const busiest = busiestArrivalRate(lines, demoTraffic);
  const [minTalk, maxTalk] = floorTalkMs;
  // A bot is busy for its talk time, plus a second for accepting, hanging up and wrapping up.
  const handleSeconds = (minTalk + maxTalk) / 2 / 1000 + 1;
  const erlangs = busiest.perSecond * handleSeconds;
  const bots = floorBotEmails().length;

  it('is offered well under what it can take at the busiest hour of the week (every line counted open)', () => {
    expect(lines.length).toBeGreaterThanOrEqual(8);
    expect(busiest.perSecond * 3600).toBeGreaterThan(200);
    expect(erlangs / bots).toBeLessThan(0.6);
  });

  it('answers most calls within the strictest answer target, even at that hour', () => {
    const strictest = Math.min(...loadDemo().tenants.map(({ definition }) => definition.callHandling?.settings?.answerTargetSeconds ?? 20));
    const heldBack = Math.max(...loadDemo().tenants.flatMap(({ definition }) => definition.operators.filter((o) => o.email.startsWith('floor-bot-')).flatMap((o) => Object.values(o.routing ?? {}).map((r) => r.delaySeconds))));
    // The bots see a call after their delay and a routing pass (500 ms); what is left of the target is theirs to queue in.
    const left = strictest - heldBack - 1;
    expect(left).toBeGreaterThan(5);
    expect(answeredWithin(left, bots, erlangs, handleSeconds)).toBeGreaterThan(0.95);
    // The old floor (2 bots talking 40–150 s) could not keep up at all: every call waited, most were abandoned.
    expect(answeredWithin(left, 2, busiest.perSecond * 96, 96)).toBe(0);
  });

  it('agrees with the seeded simulator’s own arrivals around the busiest hour', () => {
    const from = busiest.at.getTime() - 30 * 60_000;
    const plan = new ArrivalPlan(lines, demoTraffic, createRandom(11), from);
    const calls = plan.due(from + 3_600_000);
    // An hour centred on the peak has at most the peak rate's worth of calls, give or take Poisson noise (±4σ).
    const atPeak = busiest.perSecond * 3600;
    expect(calls.length).toBeLessThan(atPeak + 4 * Math.sqrt(atPeak));
    expect(calls.length).toBeGreaterThan(atPeak * 0.6);
  });
});
