import { isValidPhoneNumber, parsePhoneNumberFromString } from 'libphonenumber-js';
import { describe, expect, it } from 'vitest';
import { callerStep, holdingCaller } from './caller.ts';
import { CallerPool } from './callers.ts';
import { ArrivalPlan, type PlannedCall } from './plan.ts';
import { createRandom } from './random.ts';
import { arrivalRate, localTime, nextArrival, shapeFactor, shapeFor, type Line } from './traffic.ts';

const pizza: Line[] = [
  { number: '+33142000001', tenant: 'pizza-napoli', function: 'order_taking', timeZone: 'Europe/Paris' },
  { number: '+33142000002', tenant: 'pizza-napoli', function: 'information', timeZone: 'Europe/Paris' },
];
const bank: Line[] = [{ number: '+4969000001', tenant: 'banque-horizon', function: 'information', timeZone: 'Europe/Berlin' }];
const lines = [...pizza, ...bank];

const hour = 3600_000;
const drain = (plan: ArrivalPlan, untilMs: number): PlannedCall[] => plan.due(untilMs);

describe('random', () => {
  it('plays the same numbers for the same seed, other numbers for another', () => {
    const draw = (seed: number) => {
      const r = createRandom(seed);
      return [r.uniform(), r.int(1, 6), r.exponential(2), r.logNormal(60, 0.5)];
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('forks a stream that does not depend on what the parent drew before', () => {
    const a = createRandom(7);
    const b = createRandom(7);
    b.uniform();
    b.uniform();
    expect(a.fork('line:+33142000001').uniform()).toBe(b.fork('line:+33142000001').uniform());
    expect(a.fork('x').uniform()).not.toBe(a.fork('y').uniform());
  });

  it('draws exponential gaps with mean 1 / rate and log-normal durations around their median', () => {
    const r = createRandom(1);
    const gaps = Array.from({ length: 20_000 }, () => r.exponential(0.5));
    expect(gaps.reduce((s, g) => s + g, 0) / gaps.length).toBeCloseTo(2, 1);
    const durations = Array.from({ length: 20_001 }, () => r.logNormal(90, 0.6)).sort((x, y) => x - y);
    expect(durations[10_000]).toBeGreaterThan(85);
    expect(durations[10_000]).toBeLessThan(95);
  });
});

describe('time-of-day shape', () => {
  it('reads the hour in the tenant’s zone, summer time included', () => {
    expect(localTime(new Date('2026-07-01T10:30:00Z'), 'Europe/Paris')).toEqual({ weekday: 3, hour: 12.5 });
    expect(localTime(new Date('2026-01-07T10:30:00Z'), 'Europe/Paris')).toEqual({ weekday: 3, hour: 11.5 });
    expect(localTime(new Date('2026-01-07T22:00:00Z'), 'Europe/Moscow').weekday).toBe(4);
  });

  it('makes a pizza chain busy at lunch and dinner and a bank on weekday office hours', () => {
    const paris = (iso: string) => shapeFactor('meals', new Date(iso), 'Europe/Paris');
    // Wednesday 2026-01-07, Paris is UTC+1.
    expect(paris('2026-01-07T11:00:00Z')).toBe(1); // 12:00
    expect(paris('2026-01-07T19:00:00Z')).toBe(1); // 20:00
    expect(paris('2026-01-07T15:00:00Z')).toBeLessThan(0.2); // 16:00
    expect(paris('2026-01-07T02:00:00Z')).toBeLessThan(0.05); // 03:00
    const berlin = (iso: string) => shapeFactor('office', new Date(iso), 'Europe/Berlin');
    expect(berlin('2026-01-07T09:00:00Z')).toBe(1); // Wednesday 10:00
    expect(berlin('2026-01-07T19:00:00Z')).toBeLessThan(0.1); // 20:00
    expect(berlin('2026-01-11T09:00:00Z')).toBeLessThan(0.2); // Sunday 10:00
    expect(shapeFactor('flat', new Date('2026-01-11T03:00:00Z'), 'Europe/Berlin')).toBe(1);
  });

  it('keeps the night at the floor when one is set, and leaves busy hours as they are', () => {
    const line = pizza[0]!;
    const options = { callsPerHourAtPeak: 36, multiplier: 1 };
    const night = new Date('2026-01-07T02:00:00Z'); // 03:00 in Paris
    const noon = new Date('2026-01-07T11:00:00Z');
    expect(arrivalRate(line, 'meals', night, options)).toBeLessThan(0.05 * 36 / 3600);
    expect(arrivalRate(line, 'meals', night, { ...options, floor: 0.3 })).toBeCloseTo((0.3 * 36) / 3600, 10);
    expect(arrivalRate(line, 'meals', noon, { ...options, floor: 0.3 })).toBeCloseTo(36 / 3600, 10);
  });

  it('shapes a tenant that takes orders like a restaurant, any other like an office', () => {
    expect(shapeFor('pizza-napoli', lines)).toBe('meals');
    expect(shapeFor('banque-horizon', lines)).toBe('office');
  });
});

describe('arrivals', () => {
  it('come as a Poisson process at the given rate', () => {
    const r = createRandom(3);
    let t = 0;
    let n = 0;
    while ((t = nextArrival(r, t, 2, () => 2)) < 10_000_000) n++;
    // 2 calls/s over 10 000 s: 20 000 expected, standard deviation ~141.
    expect(n).toBeGreaterThan(19_500);
    expect(n).toBeLessThan(20_500);
  });

  it('never come when the rate is 0', () => {
    expect(nextArrival(createRandom(1), 0, 0, () => 0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('follow the shape of the tenant’s day', () => {
    const start = Date.parse('2026-01-07T00:00:00Z');
    const plan = new ArrivalPlan(pizza.slice(0, 1), { callsPerHourAtPeak: 600, multiplier: 1 }, createRandom(11), start);
    const byLocalHour = new Array<number>(24).fill(0);
    for (const call of drain(plan, start + 24 * hour)) byLocalHour[Math.floor(localTime(new Date(call.atMs), 'Europe/Paris').hour)]!++;
    expect(byLocalHour[12]).toBeGreaterThan(450);
    expect(byLocalHour[20]).toBeGreaterThan(450);
    expect(byLocalHour[3]).toBeLessThan(60);
    expect(byLocalHour[16]).toBeLessThan(150);
  });

  it('scale with the rate multiplier', () => {
    const start = Date.parse('2026-01-07T00:00:00Z');
    const count = (multiplier: number) =>
      drain(new ArrivalPlan(lines, { callsPerHourAtPeak: 60, multiplier, shape: 'flat' }, createRandom(5), start), start + 10 * hour).length;
    expect(count(1)).toBeGreaterThan(1650); // 3 lines × 60/h × 10 h = 1800
    expect(count(1)).toBeLessThan(1950);
    expect(count(4) / count(1)).toBeGreaterThan(3.6);
    expect(count(4) / count(1)).toBeLessThan(4.4);
  });

  it('are the same for the same seed, and a new number leaves the others’ calls as they were', () => {
    const start = Date.parse('2026-07-01T10:00:00Z');
    const options = { callsPerHourAtPeak: 120, multiplier: 1 };
    const one = drain(new ArrivalPlan(lines, options, createRandom(99), start), start + hour);
    const again = drain(new ArrivalPlan(lines, options, createRandom(99), start), start + hour);
    expect(again).toEqual(one);
    expect(one.length).toBeGreaterThan(50);
    const other = drain(new ArrivalPlan(lines, options, createRandom(100), start), start + hour);
    expect(other.map((c) => c.atMs)).not.toEqual(one.map((c) => c.atMs));

    const extra: Line = { number: '+79000000001', tenant: 'telenova', function: 'complaints', timeZone: 'Europe/Moscow' };
    const withExtra = drain(new ArrivalPlan([...lines, extra], options, createRandom(99), start), start + hour);
    const strip = (calls: PlannedCall[]) => calls.filter((c) => c.line.tenant !== 'telenova').map(({ seq: _seq, ...rest }) => rest);
    expect(strip(withExtra)).toEqual(strip(one));
  });

  it('come in time order and carry a patience and a talk time per call', () => {
    const start = Date.parse('2026-07-01T10:00:00Z');
    const calls = drain(new ArrivalPlan(lines, { callsPerHourAtPeak: 300, multiplier: 1 }, createRandom(8), start), start + hour);
    expect(calls.map((c) => c.atMs)).toEqual([...calls.map((c) => c.atMs)].sort((a, b) => a - b));
    for (const call of calls) {
      expect(call.patienceSeconds).toBeGreaterThanOrEqual(1);
      expect(call.talkSeconds).toBeGreaterThanOrEqual(1);
    }
    const medianTalk = (fn: string) => {
      const talks = calls.filter((c) => c.line.function === fn).map((c) => c.talkSeconds).sort((a, b) => a - b);
      return talks[Math.floor(talks.length / 2)]!;
    };
    expect(medianTalk('order_taking')).toBeGreaterThan(120);
    expect(medianTalk('order_taking')).toBeLessThan(180);
  });
});

describe('callers', () => {
  it('are valid mobile numbers of the dialled number’s country', () => {
    const pool = new CallerPool(createRandom(1), 'DE');
    const r = createRandom(2);
    for (let i = 0; i < 50; i++) {
      const { number } = pool.next(r);
      expect(isValidPhoneNumber(number)).toBe(true);
      expect(parsePhoneNumberFromString(number)?.country).toBe('DE');
    }
  });

  it('come back: about the repeat share of calls are from a pool of regulars, the first regulars most often', () => {
    const pool = new CallerPool(createRandom(1), 'FR', { regulars: 20, repeatShare: 0.4 });
    expect(new Set(pool.regulars).size).toBe(20);
    const r = createRandom(3);
    const calls = Array.from({ length: 5000 }, () => pool.next(r));
    const regular = calls.filter((c) => c.regular);
    expect(regular.length / calls.length).toBeGreaterThan(0.37);
    expect(regular.length / calls.length).toBeLessThan(0.43);
    const first = regular.filter((c) => c.number === pool.regulars[0]).length;
    const last = regular.filter((c) => c.number === pool.regulars[19]).length;
    expect(first).toBeGreaterThan(5 * last);
    expect(calls.filter((c) => !c.regular).every((c) => !pool.regulars.includes(c.number))).toBe(true);
  });

  it('are the same regulars for the same seed', () => {
    expect(new CallerPool(createRandom(5), 'FR').regulars).toEqual(new CallerPool(createRandom(5), 'FR').regulars);
  });
});

describe('a caller on the line', () => {
  const queued = { status: 'queued', operatorConnected: false };
  const connected = { status: 'connected', operatorConnected: true };

  it('holds until its patience runs out, then hangs up', () => {
    const start = holdingCaller(0, 60, 120);
    const early = callerStep(start, queued, 59_000);
    expect(early.action).toBe('none');
    expect(early.deadlineMs).toBe(60_000);
    const late = callerStep(early.state, queued, 60_000);
    expect(late.action).toBe('hang_up');
    expect(late.state.phase).toBe('gone');
  });

  it('is bridged when an operator connects, talks for its talk time, then hangs up', () => {
    const answered = callerStep(holdingCaller(0, 60, 120), connected, 30_000);
    expect(answered.action).toBe('answered');
    expect(answered.state.phase).toBe('talking');
    expect(answered.deadlineMs).toBe(150_000);
    // Patience no longer counts once connected.
    expect(callerStep(answered.state, connected, 149_000).action).toBe('none');
    expect(callerStep(answered.state, connected, 150_000).action).toBe('hang_up');
  });

  it('does nothing more once the operator ended the call or it left the queue otherwise', () => {
    const talking = callerStep(holdingCaller(0, 60, 120), connected, 1000).state;
    for (const status of ['wrap_up', 'completed', 'transferred_out', 'abandoned']) {
      const next = callerStep(talking, { status, operatorConnected: false }, 2000);
      expect(next.action).toBe('none');
      expect(next.state.phase).toBe('gone');
      expect(next.deadlineMs).toBe(Number.POSITIVE_INFINITY);
    }
  });

  it('holds again, with its patience renewed, when a transfer puts it back in a queue', () => {
    const talking = callerStep(holdingCaller(0, 60, 120), connected, 1000).state;
    const requeued = callerStep(talking, queued, 50_000);
    expect(requeued.action).toBe('none');
    expect(requeued.state.phase).toBe('holding');
    expect(requeued.deadlineMs).toBe(110_000);
  });
});
