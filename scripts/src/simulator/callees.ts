import type { Random } from './random.ts';
import { localTime } from './traffic.ts';

/**
 * The people an outbound campaign dials, as the simulator plays them: for a dial at a given local time
 * of day, whether a person answers, an answering machine does, the line is busy, nobody answers or the
 * call fails; how long it rings first; how long a person talks; and whether they ask to be called back
 * or refuse any further call.
 *
 * The figures are those of a French consumer (B2C) list, mostly mobiles, on a weekday. They are
 * plausible rather than measured: they sit inside the ranges outbound providers and dialer vendors
 * publish (a person reached on 20–35 % of dials, voicemail on a quarter to a third, a few percent
 * busy and invalid numbers), and they move with the day the way everyone who has run a campaign
 * knows: people at work let it go to voicemail, people at home after 18:00 pick up.
 */

/** The campaign's outbound function, as in the campaigns table: it sets how long people talk. */
export type CampaignKind = 'outbound_info' | 'surveys' | 'telesales' | 'lead_qualification';

export type CalleeOutcome = 'person' | 'machine' | 'busy' | 'no_answer' | 'failed';

/** What the callee asks for at the end of a conversation with a person. */
export type CalleeRequest = 'none' | 'callback' | 'refusal';

/** The share of dials ending each way (before the ring timeout cuts slow pickups); no answer is the rest. */
export interface CalleeRates {
  person: number;
  machine: number;
  busy: number;
  failed: number;
}

// Per local hour (0…23), linear in between. Why these:
// - person: 20–22 % in the morning (at work, in meetings), a bump at lunch (12–14h), the best of the
//   day at 18–20h (home, phone at hand) at 34–36 %; at night hardly anyone (and the law forbids it).
// - machine: the mirror image: a third of dials in working hours go to voicemail (mobiles forward to
//   it when declined or unanswered, office landlines have one), a fifth in the evening.
// - busy: 5–7 %, a little more when people are on the phone at lunch and in the evening.
// - failed: 4 % all day: numbers no longer assigned, phones off with no voicemail, network refusals —
//   the list's quality, not the time of day.
//      0     1     2     3     4     5     6     7     8     9    10    11    12    13    14    15    16    17    18    19    20    21    22    23
const personByHour = [0.05, 0.03, 0.03, 0.03, 0.03, 0.04, 0.08, 0.14, 0.18, 0.2, 0.21, 0.22, 0.27, 0.28, 0.22, 0.22, 0.24, 0.28, 0.34, 0.36, 0.32, 0.26, 0.16, 0.08];
const machineByHour = [0.4, 0.42, 0.42, 0.42, 0.42, 0.4, 0.36, 0.32, 0.33, 0.34, 0.35, 0.34, 0.28, 0.27, 0.34, 0.34, 0.32, 0.28, 0.22, 0.2, 0.22, 0.26, 0.32, 0.38];
const busyByHour = [0.01, 0.01, 0.01, 0.01, 0.01, 0.01, 0.02, 0.03, 0.04, 0.05, 0.05, 0.05, 0.06, 0.06, 0.05, 0.05, 0.05, 0.06, 0.07, 0.07, 0.06, 0.05, 0.03, 0.02];
const failedShare = 0.04;

/** The rates at a local hour of the day (fractional: 18.5 is 18:30). */
export function calleeRates(localHour: number): CalleeRates {
  const hour = ((localHour % 24) + 24) % 24;
  const lower = Math.floor(hour);
  const upper = (lower + 1) % 24;
  const fraction = hour - lower;
  const at = (knots: readonly number[]) => knots[lower]! + (knots[upper]! - knots[lower]!) * fraction;
  return { person: at(personByHour), machine: at(machineByHour), busy: at(busyByHour), failed: failedShare };
}

/**
 * Seconds of ringing before the callee acts. Log-normal (median, sigma of the logarithm).
 * - A person picks up after a median 9 s: France rings 1.5 s on, 3.5 s off, and people answer on the
 *   second or third ring; a few take much longer (phone in a bag), and past the ring timeout they are
 *   a no answer.
 * - A mobile's voicemail takes the call after a median 20 s (the operators' default forwarding delay
 *   is 15–25 s); with a short ring timeout many machines become no answers, as in real dialling.
 * - Busy is signalled within 1–4 s, a failure within 1–6 s (an error response or an announcement).
 */
export const ringSeconds = {
  person: { median: 9, sigma: 0.45 },
  machine: { median: 20, sigma: 0.2 },
  busy: { from: 1, to: 4 },
  failed: { from: 1, to: 6 },
} as const;

/**
 * A person's conversation with the operator, in seconds, log-normal by campaign kind, and the share of
 * people who ask to be called back or refuse (short conversations of their own).
 * - outbound_info: informing a subscriber (a change of contract, an appointment): a median minute.
 * - surveys: ten questions or so, a median 4 minutes, fairly regular.
 * - telesales: a pitch, objections, sometimes an order: a median 2 min 40 s, widely spread (mean ~3 min).
 * - lead_qualification: a few questions to qualify: a median 2 minutes.
 * Refusals ("do not call me again") are a few percent for information and around one in eight in
 * telesales; "call me back later" is common for surveys and sales, where the call takes time.
 */
export const talkSeconds: Record<CampaignKind, { median: number; sigma: number; callbackShare: number; refusalShare: number }> = {
  outbound_info: { median: 55, sigma: 0.5, callbackShare: 0.02, refusalShare: 0.03 },
  surveys: { median: 240, sigma: 0.4, callbackShare: 0.06, refusalShare: 0.08 },
  telesales: { median: 160, sigma: 0.6, callbackShare: 0.05, refusalShare: 0.12 },
  lead_qualification: { median: 120, sigma: 0.5, callbackShare: 0.05, refusalShare: 0.08 },
};

/** A refusal is said quickly (median 20 s); asking for a callback and agreeing on a time, a little longer (35 s). */
export const shortTalkSeconds = { refusal: { median: 20, sigma: 0.4 }, callback: { median: 35, sigma: 0.4 } } as const;

/** The campaigns table's default ring timeout. */
export const defaultRingTimeoutSeconds = 25;

export interface DialledCallee {
  outcome: CalleeOutcome;
  /** Seconds from the dial to the answer, the busy or failure signal, or the ring timeout (no answer). */
  ringSeconds: number;
  /** Seconds a person talks once connected; 0 for any other outcome. */
  talkSeconds: number;
  /** For a person: whether they ask for a callback or refuse further calls. */
  request: CalleeRequest;
}

export interface DialOptions {
  /** The callee's local time of day, in hours (18.5 is 18:30). */
  localHour: number;
  kind: CampaignKind;
  ringTimeoutSeconds?: number;
}

/** Only the draws the model uses, so any seeded source with them will do (the pacing simulation's too). */
export type CalleeDraws = Pick<Random, 'uniform' | 'logNormal'>;

/** One dial: how the callee answers it. Every number is drawn from `random`, so a seed replays it. */
export function dialCallee(random: CalleeDraws, options: DialOptions): DialledCallee {
  const timeout = options.ringTimeoutSeconds ?? defaultRingTimeoutSeconds;
  const rates = calleeRates(options.localHour);
  const draw = random.uniform();
  const between = (range: { from: number; to: number }) => range.from + random.uniform() * (range.to - range.from);
  const noAnswer: DialledCallee = { outcome: 'no_answer', ringSeconds: timeout, talkSeconds: 0, request: 'none' };
  if (draw < rates.failed) return { outcome: 'failed', ringSeconds: between(ringSeconds.failed), talkSeconds: 0, request: 'none' };
  if (draw < rates.failed + rates.busy) return { outcome: 'busy', ringSeconds: between(ringSeconds.busy), talkSeconds: 0, request: 'none' };
  if (draw < rates.failed + rates.busy + rates.machine) {
    const pickup = random.logNormal(ringSeconds.machine.median, ringSeconds.machine.sigma);
    return pickup > timeout ? noAnswer : { outcome: 'machine', ringSeconds: pickup, talkSeconds: 0, request: 'none' };
  }
  if (draw < rates.failed + rates.busy + rates.machine + rates.person) {
    const pickup = random.logNormal(ringSeconds.person.median, ringSeconds.person.sigma);
    if (pickup > timeout) return noAnswer;
    const talk = talkSeconds[options.kind];
    const asks = random.uniform();
    const request: CalleeRequest = asks < talk.refusalShare ? 'refusal' : asks < talk.refusalShare + talk.callbackShare ? 'callback' : 'none';
    const duration = request === 'none' ? talk : shortTalkSeconds[request];
    return { outcome: 'person', ringSeconds: pickup, talkSeconds: Math.max(5, random.logNormal(duration.median, duration.sigma)), request };
  }
  return noAnswer;
}

/** A dial at `at` to a callee in `timeZone` (IANA): the same, at the callee's local time of day. */
export function dialCalleeAt(random: CalleeDraws, at: Date, timeZone: string, kind: CampaignKind, ringTimeoutSeconds?: number): DialledCallee {
  const { hour } = localTime(at, timeZone);
  return dialCallee(random, { localHour: hour, kind, ringTimeoutSeconds });
}
