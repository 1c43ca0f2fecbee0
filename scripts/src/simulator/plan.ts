import { CallerPool, countryOf, defaultCallerPool, type CallerPoolOptions } from './callers.ts';
import type { Random } from './random.ts';
import {
  arrivalRate,
  drawPatienceSeconds,
  drawTalkSeconds,
  nextArrival,
  realisticDurations,
  shapeFor,
  type Durations,
  type Line,
  type Shape,
  type TrafficOptions,
} from './traffic.ts';

/** A call the simulator will place: when, on which line, who calls, how long they hold on and talk. */
export interface PlannedCall {
  seq: number;
  atMs: number;
  line: Line;
  caller: string;
  /** A regular of this tenant (the tenant may know the number), not a first-time caller. */
  regular: boolean;
  patienceSeconds: number;
  talkSeconds: number;
}

export interface PlanOptions extends TrafficOptions {
  durations?: Durations;
  callers?: CallerPoolOptions;
}

interface LineState {
  line: Line;
  shape: Shape;
  random: Random;
  nextAtMs: number;
}

/**
 * The traffic of a dial plan from `startMs` on: an independent Poisson process per line (tenant and
 * function) shaped by the tenant's local time of day, drawn from `random` so the same seed and dial
 * plan give the same calls. Pure: it keeps no clock, callers ask for what is due.
 */
export class ArrivalPlan {
  private readonly states: LineState[];
  private readonly pools = new Map<string, CallerPool>();
  private readonly durations: Durations;
  private seq = 0;

  constructor(
    lines: readonly Line[],
    private readonly options: PlanOptions,
    random: Random,
    startMs: number,
  ) {
    this.durations = options.durations ?? realisticDurations;
    for (const tenant of new Set(lines.map((l) => l.tenant))) {
      const first = lines.find((l) => l.tenant === tenant)!;
      this.pools.set(tenant, new CallerPool(random.fork(`tenant:${tenant}`), countryOf(first.number), options.callers ?? defaultCallerPool));
    }
    this.states = [...lines]
      .sort((a, b) => (a.number < b.number ? -1 : a.number > b.number ? 1 : 0))
      .map((line) => {
        const state: LineState = { line, shape: options.shape ?? shapeFor(line.tenant, lines), random: random.fork(`line:${line.number}`), nextAtMs: startMs };
        state.nextAtMs = this.arrivalAfter(state, startMs);
        return state;
      });
  }

  private arrivalAfter(state: LineState, fromMs: number): number {
    const peak = arrivalRate(state.line, 'flat', new Date(fromMs), this.options);
    return nextArrival(state.random, fromMs, peak, (ms) => arrivalRate(state.line, state.shape, new Date(ms), this.options));
  }

  /** When the next call is due (Infinity when no line has any traffic). */
  peek(): number {
    return Math.min(Number.POSITIVE_INFINITY, ...this.states.map((s) => s.nextAtMs));
  }

  /** Every call due at or before `nowMs`, in time order. */
  due(nowMs: number): PlannedCall[] {
    const calls: PlannedCall[] = [];
    for (;;) {
      let earliest: LineState | undefined;
      for (const state of this.states) if (state.nextAtMs <= nowMs && (!earliest || state.nextAtMs < earliest.nextAtMs)) earliest = state;
      if (!earliest) return calls;
      calls.push(this.draw(earliest));
    }
  }

  private draw(state: LineState): PlannedCall {
    const { random, line } = state;
    const caller = this.pools.get(line.tenant)!.next(random);
    const call: PlannedCall = {
      seq: ++this.seq,
      atMs: state.nextAtMs,
      line,
      caller: caller.number,
      regular: caller.regular,
      patienceSeconds: drawPatienceSeconds(random, this.durations),
      talkSeconds: drawTalkSeconds(random, this.durations, line.function),
    };
    state.nextAtMs = this.arrivalAfter(state, state.nextAtMs);
    return call;
  }
}
