import type { Random } from './random.ts';

/** One entry of the dial plan (`GET /api/telephony/numbers`): a number callers dial, and whose it is. */
export interface Line {
  number: string;
  tenant: string;
  function: string;
  timeZone: string;
}

/**
 * How a tenant's traffic rises and falls over its local day. `meals`: a restaurant chain, busy at
 * lunch and dinner; `office`: a bank or a utility, busy on weekday office hours; `flat`: the same
 * all day (benchmarks).
 */
export type Shape = 'meals' | 'office' | 'flat';

// Relative traffic at each local hour (0…23), 1 at the busiest; linear in between. Never quite 0:
// someone always calls, if only to hear that it is closed.
const hourly: Record<Exclude<Shape, 'flat'>, readonly number[]> = {
  //      0     1     2     3     4     5     6     7     8     9    10    11    12    13    14    15    16    17    18    19    20    21    22    23
  meals: [0.08, 0.04, 0.03, 0.03, 0.03, 0.03, 0.04, 0.06, 0.08, 0.1, 0.18, 0.55, 1.0, 0.85, 0.35, 0.15, 0.15, 0.25, 0.55, 0.9, 1.0, 0.7, 0.35, 0.15],
  office: [0.03, 0.03, 0.03, 0.03, 0.03, 0.03, 0.05, 0.15, 0.55, 0.9, 1.0, 0.95, 0.65, 0.6, 0.9, 0.85, 0.7, 0.5, 0.3, 0.15, 0.08, 0.05, 0.04, 0.03],
};
// Office traffic is lower on the weekend; meals are not.
const officeWeekday = [0.15, 1, 1, 1, 1, 1, 0.45]; // Sunday first, as Date#getDay

const formats = new Map<string, Intl.DateTimeFormat>();

/** The local weekday (0 = Sunday) and hour with its fraction, at `at` in `timeZone`. */
export function localTime(at: Date, timeZone: string): { weekday: number; hour: number } {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', weekday: 'short', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formats.set(timeZone, format);
  }
  const parts = format.formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '0';
  const weekday = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(part('weekday'));
  const hour = Number(part('hour')) + Number(part('minute')) / 60 + Number(part('second')) / 3600;
  return { weekday, hour };
}

/** The shape's factor (0 < factor ≤ 1) at `at` in the line's time zone. */
export function shapeFactor(shape: Shape, at: Date, timeZone: string): number {
  if (shape === 'flat') return 1;
  const { weekday, hour } = localTime(at, timeZone);
  const knots = hourly[shape];
  const lower = Math.floor(hour) % 24;
  const upper = (lower + 1) % 24;
  const fraction = hour - Math.floor(hour);
  const factor = knots[lower]! + (knots[upper]! - knots[lower]!) * fraction;
  return shape === 'office' ? factor * officeWeekday[weekday]! : factor;
}

/** A tenant that takes orders is shaped like a restaurant, any other like an office. */
export function shapeFor(tenant: string, lines: readonly Line[]): Exclude<Shape, 'flat'> {
  return lines.some((l) => l.tenant === tenant && l.function === 'order_taking') ? 'meals' : 'office';
}

export interface TrafficOptions {
  /** Calls per hour on one line at its busiest hour, before the multiplier. */
  callsPerHourAtPeak: number;
  /** Scales every line's rate (`--rate`). */
  multiplier: number;
  /** Force one shape on every line; by default each tenant gets shapeFor(). */
  shape?: Shape | undefined;
  /**
   * The lowest share of the peak any hour gets (0–1). The demo keeps some traffic at night, so whoever
   * starts it at 3 a.m. still sees calls arrive; measurements leave it at 0.
   */
  floor?: number | undefined;
}

/** Arrival rate in calls per second on `line` at `at`. */
export function arrivalRate(line: Line, shape: Shape, at: Date, options: TrafficOptions): number {
  const factor = Math.max(options.floor ?? 0, shapeFactor(shape, at, line.timeZone));
  return (options.callsPerHourAtPeak * options.multiplier * factor) / 3600;
}

/**
 * The next arrival after `fromMs` of a Poisson process whose rate varies with time, by thinning:
 * candidates come at the peak rate and each is kept with probability rate(t) / peak. Exact for any
 * shape bounded by the peak, and needs no integral of the rate. Returns Infinity when the peak is 0.
 */
export function nextArrival(random: Random, fromMs: number, peakRate: number, rateAt: (ms: number) => number): number {
  if (!(peakRate > 0)) return Number.POSITIVE_INFINITY;
  let t = fromMs;
  // Bounded so a shape that is almost 0 for a long stretch cannot spin: after that many rejections
  // the candidate is taken (it is hours away by then).
  for (let i = 0; i < 10_000; i++) {
    t += random.exponential(peakRate) * 1000;
    if (random.uniform() * peakRate < rateAt(t)) return t;
  }
  return t;
}

/** How long callers hold on and talk, per function; log-normal, in seconds. */
export interface Durations {
  patience: { median: number; sigma: number };
  talk: Record<string, { median: number; sigma: number }> & { default: { median: number; sigma: number } };
}

export const realisticDurations: Durations = {
  // Half the callers give up within 75 s in the queue; a few hold on for many minutes.
  patience: { median: 75, sigma: 0.7 },
  talk: {
    default: { median: 120, sigma: 0.5 },
    order_taking: { median: 150, sigma: 0.4 },
    information: { median: 100, sigma: 0.6 },
    complaints: { median: 240, sigma: 0.5 },
  },
};

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value));

export function drawPatienceSeconds(random: Random, durations: Durations): number {
  return Math.round(clamp(random.logNormal(durations.patience.median, durations.patience.sigma), 1, 1800));
}

export function drawTalkSeconds(random: Random, durations: Durations, fn: string): number {
  const { median, sigma } = durations.talk[fn] ?? durations.talk.default;
  return Math.round(clamp(random.logNormal(median, sigma), 1, 3600));
}
