import { AbandonWindow, callsToPlace, progressiveCallsToPlace } from './pacing.ts';

/**
 * A seeded, discrete-time (1 s steps) hour of an outbound campaign, to see what pacing does: every
 * second operators end calls and wrap-ups, dials placed earlier resolve after their ring time (an
 * answering person is connected to a free operator or abandoned), then the pacing decides how many
 * calls to place. The same seed plays the same callees in either mode (dial number i has its own
 * random stream), so predictive and progressive can be compared on the same people.
 *
 * Pure computation, no clock and no database: the pacing test asserts on it and a benchmark can print it.
 */

/** The seeded draws the simulation and its callees use (the simulator's `Random` has them too). */
export interface SimulationRandom {
  uniform(): number;
  logNormal(median: number, sigma: number): number;
  fork(label: string): SimulationRandom;
}

export interface SimulatedCall {
  outcome: 'person' | 'machine' | 'busy' | 'no_answer' | 'failed';
  /** Seconds from the dial to its resolution (answer, signal or ring timeout). */
  ringSeconds: number;
  /** A person's talk time once connected (0 otherwise). */
  talkSeconds: number;
}

/** How a dialled callee behaves. `scripts/src/simulator/callees.ts`'s `dialCallee` fits, given an hour and a kind. */
export type SimulatedCallees = (random: SimulationRandom, ringTimeoutSeconds: number) => SimulatedCall;

/**
 * A telesales campaign dialled at 18:00 on a weekday: a copy of the simulator's callee model
 * (`scripts/src/simulator/callees.ts`) at that hour, because the api package cannot import the
 * scripts package (scripts depends on api). `scripts/src/simulator/callees.test.ts` checks that the
 * two agree, so the copy cannot drift.
 */
export const eveningTelesalesFigures = {
  rates: { person: 0.34, machine: 0.22, busy: 0.07, failed: 0.04 },
  ring: { person: { median: 9, sigma: 0.45 }, machine: { median: 20, sigma: 0.2 }, busy: { from: 1, to: 4 }, failed: { from: 1, to: 6 } },
  talk: { median: 160, sigma: 0.6, callbackShare: 0.05, refusalShare: 0.12 },
  shortTalk: { refusal: { median: 20, sigma: 0.4 }, callback: { median: 35, sigma: 0.4 } },
} as const;

/** The callees of `eveningTelesalesFigures`, drawn in the same order as the simulator's `dialCallee`. */
export const eveningTelesalesCallees: SimulatedCallees = (random, timeout) => {
  const { rates, ring, talk, shortTalk } = eveningTelesalesFigures;
  const draw = random.uniform();
  const between = (range: { from: number; to: number }) => range.from + random.uniform() * (range.to - range.from);
  const noAnswer: SimulatedCall = { outcome: 'no_answer', ringSeconds: timeout, talkSeconds: 0 };
  if (draw < rates.failed) return { outcome: 'failed', ringSeconds: between(ring.failed), talkSeconds: 0 };
  if (draw < rates.failed + rates.busy) return { outcome: 'busy', ringSeconds: between(ring.busy), talkSeconds: 0 };
  if (draw < rates.failed + rates.busy + rates.machine) {
    const pickup = random.logNormal(ring.machine.median, ring.machine.sigma);
    return pickup > timeout ? noAnswer : { outcome: 'machine', ringSeconds: pickup, talkSeconds: 0 };
  }
  if (draw < rates.failed + rates.busy + rates.machine + rates.person) {
    const pickup = random.logNormal(ring.person.median, ring.person.sigma);
    if (pickup > timeout) return noAnswer;
    const asks = random.uniform();
    const duration = asks < talk.refusalShare ? shortTalk.refusal : asks < talk.refusalShare + talk.callbackShare ? shortTalk.callback : talk;
    return { outcome: 'person', ringSeconds: pickup, talkSeconds: Math.max(5, random.logNormal(duration.median, duration.sigma)) };
  }
  return noAnswer;
};

/** FNV-1a, 32 bits. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** A small seeded source (mulberry32, Box–Muller), enough for a simulation; forks are independent streams. */
export function simulationRandom(seed: number | string): SimulationRandom {
  const seedText = String(seed);
  let state = hash32(seedText);
  const uniform = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
  return {
    uniform,
    logNormal: (median, sigma) => median * Math.exp(sigma * normal()),
    fork: (label) => simulationRandom(`${seedText}/${label}`),
  };
}

export interface SimulationOptions {
  seed: number | string;
  /** 'progressive' places one call per free operator (ratio 1), the reference predictive must beat. */
  mode?: 'predictive' | 'progressive';
  /** Operators working the campaign, all free at the start (20). */
  operators?: number;
  /** Simulated seconds (3600). */
  seconds?: number;
  /** The campaign's abandonment cap, percent (3). */
  capPercent?: number;
  /** The campaign's maximum dial ratio (3). */
  maxRatio?: number;
  /** The campaign's ring timeout (25 s). */
  ringTimeoutSeconds?: number;
  /** Wrap-up after each call, log-normal (median 25 s, sigma 0.3). */
  wrapUp?: { median: number; sigma: number };
  /**
   * The dialer's estimate of the time from a dial to a person's answer: an operator in wrap-up counts
   * as soon free once the expected wrap-up left is under it. By default the window's measured mean
   * (9 s, the callee model's median pickup, until a call has been answered).
   */
  timeToAnswerSeconds?: number;
  /** The rolling window of the measurements (60 minutes). */
  windowMinutes?: number;
  callees?: SimulatedCallees;
}

export interface SimulationFigures {
  mode: 'predictive' | 'progressive';
  operators: number;
  seconds: number;
  callsPlaced: number;
  /** Dials resolved within the simulated time (the rest were still ringing at the end). */
  dialsResolved: number;
  /** Answered by a person: connected + abandoned. */
  answered: number;
  connected: number;
  abandoned: number;
  /** abandoned ÷ answered, percent, over the whole simulated time. */
  abandonPercent: number;
  /** The highest rolling-window abandonment rate the dialer measured once it trusted its figures, percent. */
  peakWindowAbandonPercent: number;
  /** Share of operator time on a call or in its wrap-up (0…1). */
  occupancy: number;
  /** Share of operator time talking to a person (0…1). */
  talkOccupancy: number;
  /** Average handle time (talk + wrap-up) of the calls connected, seconds. */
  averageHandleSeconds: number;
  /** The most dials in flight at once. */
  peakDialsInFlight: number;
}

interface Operator {
  phase: 'free' | 'talking' | 'wrapping';
  /** The second the current phase ends (talking, wrapping). */
  untilSecond: number;
  wrapStartedSecond: number;
  /** The wrap-up drawn for the current call, used when the talk ends. */
  wrapSeconds: number;
}

interface Dial {
  resolvesAtSecond: number;
  call: SimulatedCall;
  wrapSeconds: number;
}

/** Run one simulated hour (or `seconds`) of a campaign and return its figures. */
export function simulatePredictiveHour(options: SimulationOptions): SimulationFigures {
  const mode = options.mode ?? 'predictive';
  const operatorCount = options.operators ?? 20;
  const seconds = options.seconds ?? 3600;
  const capPercent = options.capPercent ?? 3;
  const maxRatio = options.maxRatio ?? 3;
  const timeout = options.ringTimeoutSeconds ?? 25;
  const wrapUp = options.wrapUp ?? { median: 25, sigma: 0.3 };
  const expectedWrap = wrapUp.median * Math.exp((wrapUp.sigma * wrapUp.sigma) / 2);
  const callees = options.callees ?? eveningTelesalesCallees;
  const random = simulationRandom(options.seed);
  const window = new AbandonWindow((options.windowMinutes ?? 60) * 60_000);

  const operators: Operator[] = Array.from({ length: operatorCount }, () => ({ phase: 'free', untilSecond: 0, wrapStartedSecond: 0, wrapSeconds: 0 }));
  let inFlight: Dial[] = [];
  let placed = 0;
  let resolved = 0;
  let connected = 0;
  let abandoned = 0;
  let busySeconds = 0;
  let talkSeconds = 0;
  let handleTotal = 0;
  let peakWindow = 0;
  let peakInFlight = 0;

  for (let second = 0; second < seconds; second++) {
    // 1. Operators end their calls (into wrap-up) and their wrap-ups (free again).
    for (const operator of operators) {
      if (operator.phase === 'talking' && operator.untilSecond <= second) {
        operator.phase = 'wrapping';
        operator.wrapStartedSecond = second;
        operator.untilSecond = second + Math.max(1, Math.round(operator.wrapSeconds));
      }
      if (operator.phase === 'wrapping' && operator.untilSecond <= second) operator.phase = 'free';
    }
    // 2. Dials resolve: a person is connected to a free operator, or abandoned.
    const stillRinging: Dial[] = [];
    for (const dial of inFlight) {
      if (dial.resolvesAtSecond > second) {
        stillRinging.push(dial);
        continue;
      }
      resolved++;
      if (dial.call.outcome !== 'person') {
        window.record(second * 1000, 'not_answered');
        continue;
      }
      const operator = operators.find((o) => o.phase === 'free');
      if (!operator) {
        abandoned++;
        window.record(second * 1000, 'abandoned', dial.call.ringSeconds);
        continue;
      }
      connected++;
      window.record(second * 1000, 'connected', dial.call.ringSeconds);
      operator.phase = 'talking';
      operator.untilSecond = second + Math.max(1, Math.round(dial.call.talkSeconds));
      operator.wrapSeconds = dial.wrapSeconds;
      handleTotal += Math.max(1, Math.round(dial.call.talkSeconds)) + Math.max(1, Math.round(dial.wrapSeconds));
    }
    inFlight = stillRinging;
    // 3. Pacing.
    const measured = window.measure(second * 1000);
    const timeToAnswer = options.timeToAnswerSeconds ?? measured.averageSecondsToAnswer ?? 9;
    const free = operators.filter((o) => o.phase === 'free').length;
    const soonFree = operators.filter((o) => o.phase === 'wrapping' && expectedWrap - (second - o.wrapStartedSecond) <= timeToAnswer).length;
    if (measured.answeredInWindow >= 30) peakWindow = Math.max(peakWindow, measured.abandonRate);
    const toPlace =
      mode === 'progressive'
        ? progressiveCallsToPlace(free, inFlight.length)
        : callsToPlace({ freeOperators: free, operatorsSoonFree: soonFree, dialsInFlight: inFlight.length, answerRate: measured.answerRate, abandonRate: measured.abandonRate, answeredInWindow: measured.answeredInWindow, capPercent, maxRatio });
    for (let i = 0; i < toPlace; i++) {
      const dialRandom = random.fork(`dial:${placed}`);
      const call = callees(dialRandom, timeout);
      const wrapSeconds = dialRandom.logNormal(wrapUp.median, wrapUp.sigma);
      inFlight.push({ resolvesAtSecond: second + Math.max(1, Math.ceil(call.ringSeconds)), call, wrapSeconds });
      placed++;
    }
    peakInFlight = Math.max(peakInFlight, inFlight.length);
    // 4. This second's occupancy.
    for (const operator of operators) {
      if (operator.phase !== 'free') busySeconds++;
      if (operator.phase === 'talking') talkSeconds++;
    }
  }

  const answered = connected + abandoned;
  const operatorSeconds = operatorCount * seconds;
  return {
    mode,
    operators: operatorCount,
    seconds,
    callsPlaced: placed,
    dialsResolved: resolved,
    answered,
    connected,
    abandoned,
    abandonPercent: answered === 0 ? 0 : (100 * abandoned) / answered,
    peakWindowAbandonPercent: 100 * peakWindow,
    occupancy: operatorSeconds === 0 ? 0 : busySeconds / operatorSeconds,
    talkOccupancy: operatorSeconds === 0 ? 0 : talkSeconds / operatorSeconds,
    averageHandleSeconds: connected === 0 ? 0 : handleTotal / connected,
    peakDialsInFlight: peakInFlight,
  };
}
