/**
 * Predictive pacing: how many calls the dialer places now for a campaign, from what it has measured.
 *
 * A predictive dialer places more calls than it has free operators because most dials do not reach a
 * person (no answer, machine, busy). The price is that sometimes more people answer than there are
 * operators: those calls are abandoned (the callee hears the campaign's message). The campaign caps
 * the share of answered calls that were abandoned (3 % by default, over a rolling window), so pacing
 * places the most calls whose expected abandonment stays well under the cap, and falls back to one
 * call per free operator (progressive) when it cannot trust its figures or the measured rate nears
 * the cap.
 *
 * Pure: no clock, no database. The dialer loop gathers the input (operators' states, attempts in
 * flight, an `AbandonWindow`'s measurements) and calls `callsToPlace` for each campaign, each pass.
 */

export interface PacingInput {
  /** Operators working the campaign who are free now (idle, not reserved for another attempt). */
  freeOperators: number;
  /**
   * Operators expected to be free by the time a call placed now is answered: in wrap-up, with less
   * than the expected time to answer (`AbandonWindow`'s `averageSecondsToAnswer`) left of the expected
   * wrap-up. Not operators in a long conversation: talk times are too spread to say when one ends.
   * They are counted as available for predictive pacing only, never for progressive.
   */
  operatorsSoonFree: number;
  /** Predictive dials placed and not yet resolved (originating or ringing), which may still be answered. */
  dialsInFlight: number;
  /** People answering ÷ dials resolved, measured over the window (0…1). */
  answerRate: number;
  /** Abandoned ÷ answered by a person, over the rolling window (0…1). */
  abandonRate: number;
  /**
   * How many calls a person answered in the window: the size of the sample the two rates come
   * from. Under `minimumAnsweredForPrediction` the rates are not trusted and pacing stays at ratio 1.
   */
  answeredInWindow: number;
  /** The campaign's cap on the abandonment rate, in percent (3 by default). */
  capPercent: number;
  /** The campaign's cap on dials in flight per available operator (3 by default). */
  maxRatio: number;
}

/** Fewer answered calls than this in the window: the answer rate is noise, dial one call per free operator. */
export const minimumAnsweredForPrediction = 30;

/**
 * When the measured abandonment rate reaches this share of the cap, pacing drops to ratio 1: a rate
 * measured over a window moves slowly, so it must stop over-dialling before the cap, not at it.
 */
export const throttleShareOfCap = 0.8;

/**
 * With nothing abandoned yet, each pass may accept an expected overflow of this share of the cap; the
 * share shrinks linearly to 0 as the measured rate climbs to `throttleShareOfCap` of the cap. Half the
 * cap leaves room for what the model does not see (a soon-free operator who is not, answers that
 * bunch together); the seeded simulated hours in pacing.test.ts keep the hour well under the cap with it.
 */
export const targetShareOfCap = 0.5;

const count = (value: number) => (Number.isFinite(value) && value > 0 ? Math.floor(value) : 0);
const share = (value: number) => (Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0);

/** Progressive: one call per free operator, less the calls already ringing for them. */
export function progressiveCallsToPlace(freeOperators: number, dialsInFlight: number): number {
  return Math.max(0, count(freeOperators) - count(dialsInFlight));
}

/**
 * The expected number of answered calls that find no operator, ÷ the expected number answered, when
 * `dials` calls are in flight, each answered with probability `answerRate`, and `operators` can take
 * them: E[max(0, X − operators)] / E[X] for X ~ Binomial(dials, answerRate). 0 when nobody answers.
 */
export function expectedOverflowShare(dials: number, answerRate: number, operators: number): number {
  const n = count(dials);
  const p = share(answerRate);
  const a = count(operators);
  if (n === 0 || p === 0 || n <= a) return 0;
  if (p === 1) return (n - a) / n;
  // The binomial's terms in log space, so a thousand dials do not underflow (1 − p)^n to 0.
  const logP = Math.log(p);
  const logQ = Math.log(1 - p);
  let logTerm = n * logQ; // log P(X = 0)
  let below = 0; // Σ_{k ≤ a} (a − k)·P(X = k): E[max(0, X − a)] = E[X] − a + E[max(0, a − X)]
  for (let k = 0; k <= a; k++) {
    below += (a - k) * Math.exp(logTerm);
    logTerm += Math.log((n - k) / (k + 1)) + logP - logQ;
  }
  const mean = n * p;
  const overflow = Math.max(0, mean - a + below);
  return overflow / mean;
}

/**
 * How many calls to place now. Never negative, never more than `maxRatio` × the available operators
 * less the dials in flight, 0 when no operator is free or soon free, and at least what progressive
 * would place for the free operators.
 *
 * - Ratio 1 (progressive) while the window holds fewer than `minimumAnsweredForPrediction` answered
 *   calls, while the answer rate is unknown, once the measured abandonment rate reaches
 *   `throttleShareOfCap` of the cap, and while one more abandon would take the window past that
 *   point (a small window cannot afford any: 1 in 40 is already 2.5 %).
 * - Otherwise the most dials in flight whose expected overflow (answered calls beyond the free and
 *   soon-free operators, binomial in the answer rate) stays under a target share of the cap, the
 *   target shrinking as the measured rate climbs: the closer to the cap, the more cautious.
 */
export function callsToPlace(input: PacingInput): number {
  const free = count(input.freeOperators);
  const soonFree = count(input.operatorsSoonFree);
  const inFlight = count(input.dialsInFlight);
  const available = free + soonFree;
  if (available === 0) return 0;
  const progressive = progressiveCallsToPlace(free, inFlight);

  const cap = share(input.capPercent / 100);
  const answerRate = share(input.answerRate);
  const abandonRate = share(input.abandonRate);
  const maxRatio = Number.isFinite(input.maxRatio) ? Math.max(1, input.maxRatio) : 1;
  const trusted = count(input.answeredInWindow) >= minimumAnsweredForPrediction && answerRate > 0;
  const throttleAt = cap * throttleShareOfCap;
  if (!trusted || cap === 0 || abandonRate >= throttleAt || maxRatio === 1) return progressive;
  // One more abandon must still leave the window under the throttle point: a window of 40 answers
  // cannot afford a single abandon at a 3 % cap (2.5 % is past 2.4 %), one of 125 can at 1 %.
  const answered = count(input.answeredInWindow);
  const abandoned = abandonRate * answered;
  if (abandoned + 1 > throttleAt * answered + 1e-9) return progressive;

  const target = cap * targetShareOfCap * (1 - abandonRate / throttleAt);
  const acceptable = (lines: number) => expectedOverflowShare(lines, answerRate, available) <= target;
  const most = Math.floor(maxRatio * available + 1e-9);
  if (inFlight >= most) return progressive;
  // The most lines (in flight + new) that are acceptable: the overflow share grows with the lines,
  // so a binary search over [inFlight, most]. inFlight itself counts as acceptable: placing nothing
  // adds nothing, whatever is already ringing.
  let low = inFlight;
  let high = most;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (acceptable(middle)) low = middle;
    else high = middle - 1;
  }
  return Math.max(progressive, low - inFlight);
}

/** What a resolved dial counts as, for the measurements. */
export type DialResult = 'connected' | 'abandoned' | 'not_answered';

export interface PacingMeasurements {
  answerRate: number;
  abandonRate: number;
  answeredInWindow: number;
  /** Dials resolved in the window (answered by a person or not). */
  dialsInWindow: number;
  abandonedInWindow: number;
  /**
   * The mean seconds from the dial to a person's answer, over the answered calls recorded with it
   * (null when none was): how far ahead an operator counts as soon free.
   */
  averageSecondsToAnswer: number | null;
}

/**
 * The rolling window the rates are measured over: each resolved dial with its time, the outcomes
 * older than `windowMs` forgotten (60 minutes by default), and at most `maxEntries` kept (the oldest
 * forgotten first) so a very busy campaign does not grow it without bound.
 *
 * - connected: a person answered and an operator took the call;
 * - abandoned: a person answered and no operator was free (counts in both rates);
 * - not_answered: machine, busy, no answer, failed (counts in the answer rate only).
 *
 * Times are milliseconds since the epoch (or any monotonic clock, as long as it is the same one);
 * outcomes are expected in time order, as the dialer resolves them. An answered call may bring the
 * seconds it rang before the person answered, for the mean time to answer.
 */
export class AbandonWindow {
  private times: number[] = [];
  private results: DialResult[] = [];
  private secondsToAnswer: number[] = [];
  private head = 0;
  private dials = 0;
  private answered = 0;
  private abandoned = 0;
  private timedAnswers = 0;
  private answerSecondsTotal = 0;

  constructor(
    readonly windowMs = 60 * 60_000,
    readonly maxEntries = 50_000,
  ) {}

  record(atMs: number, result: DialResult, secondsToAnswer?: number): void {
    const seconds = result !== 'not_answered' && secondsToAnswer !== undefined && Number.isFinite(secondsToAnswer) && secondsToAnswer >= 0 ? secondsToAnswer : Number.NaN;
    this.times.push(atMs);
    this.results.push(result);
    this.secondsToAnswer.push(seconds);
    this.add(result, seconds, 1);
    while (this.dials > this.maxEntries) this.dropOldest();
    this.compact();
  }

  /** The measurements at `nowMs`, forgetting what is older than the window. */
  measure(nowMs: number): PacingMeasurements {
    const oldest = nowMs - this.windowMs;
    while (this.head < this.times.length && this.times[this.head]! <= oldest) this.dropOldest();
    this.compact();
    return {
      answerRate: this.dials === 0 ? 0 : this.answered / this.dials,
      abandonRate: this.answered === 0 ? 0 : this.abandoned / this.answered,
      answeredInWindow: this.answered,
      dialsInWindow: this.dials,
      abandonedInWindow: this.abandoned,
      averageSecondsToAnswer: this.timedAnswers === 0 ? null : this.answerSecondsTotal / this.timedAnswers,
    };
  }

  private add(result: DialResult, secondsToAnswer: number, sign: 1 | -1): void {
    this.dials += sign;
    if (!Number.isNaN(secondsToAnswer)) {
      this.timedAnswers += sign;
      this.answerSecondsTotal += sign * secondsToAnswer;
      if (this.timedAnswers === 0) this.answerSecondsTotal = 0; // no rounding left over from removals
    }
    if (result !== 'not_answered') this.answered += sign;
    if (result === 'abandoned') this.abandoned += sign;
  }

  private dropOldest(): void {
    this.add(this.results[this.head]!, this.secondsToAnswer[this.head]!, -1);
    this.head++;
  }

  /** Drop the forgotten prefix now and then, so the arrays do not grow with every call ever placed. */
  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.results = this.results.slice(this.head);
      this.secondsToAnswer = this.secondsToAnswer.slice(this.head);
      this.head = 0;
    }
  }
}
