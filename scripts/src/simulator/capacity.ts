import { arrivalRate, shapeFor, type Line, type TrafficOptions } from './traffic.ts';

/**
 * How much work simulated traffic offers a floor, and what service level a floor of N operators gives
 * it (Erlang C): enough to size the demo floor so that most calls are answered within the target.
 */

/**
 * The busiest moment of a week of traffic: the highest sum of every line's arrival rate (calls per
 * second), scanning in `stepMinutes` steps. Every line is counted as open, so it is an upper bound.
 */
export function busiestArrivalRate(lines: readonly Line[], options: TrafficOptions, from = new Date('2026-01-05T00:00:00Z'), stepMinutes = 10): { perSecond: number; at: Date } {
  let busiest = { perSecond: 0, at: from };
  for (let t = from.getTime(); t < from.getTime() + 7 * 24 * 3_600_000; t += stepMinutes * 60_000) {
    const at = new Date(t);
    const perSecond = lines.reduce((sum, line) => sum + arrivalRate(line, options.shape ?? shapeFor(line.tenant, lines), at, options), 0);
    if (perSecond > busiest.perSecond) busiest = { perSecond, at };
  }
  return busiest;
}

/** Erlang C: the probability that a call waits at all, with `agents` operators and `erlangs` of offered load (1 when overloaded). */
export function probabilityOfWaiting(agents: number, erlangs: number): number {
  if (erlangs <= 0) return 0;
  if (erlangs >= agents) return 1;
  // Erlang B by its stable recurrence, then C from B.
  let b = 1;
  for (let k = 1; k <= agents; k++) b = (erlangs * b) / (k + erlangs * b);
  return (agents * b) / (agents - erlangs * (1 - b));
}

/** The share of calls answered within `seconds` of waiting: 1 − C · e^(−(N − A)·t / handle time). */
export function answeredWithin(seconds: number, agents: number, erlangs: number, handleSeconds: number): number {
  if (erlangs >= agents) return 0;
  return 1 - probabilityOfWaiting(agents, erlangs) * Math.exp((-(agents - erlangs) * seconds) / handleSeconds);
}
