import type { CallState, DialAnswer, DialEvent, DialOrder } from './boundary.ts';
import { dialCalleeAt, type CampaignKind, type DialledCallee } from './callees.ts';
import { createRandom } from './random.ts';
import type { CommandModel } from './push.ts';

/**
 * The simulator's outbound side (docs/telephony.md, Outbound): it polls the calls the dialer wants
 * placed, and plays each callee with the callee model (callees.ts) at the callee's local time: it
 * reports `ringing`, then after the ring time `answered` (a person), `machine`, `busy`, `no_answer` or
 * `failed`. Answered and connected, the callee talks for its talk time and hangs up unless the operator
 * ends the call first; answered and abandoned (nobody free), it hears the campaign's message and the
 * line drops. Every draw is seeded per attempt, so a seed replays a run.
 */

/** The part of the boundary the callees use (TelephonyClient has it; tests give a fake). */
export interface OutboundBoundary {
  dials(): Promise<DialOrder[]>;
  dialProgress(id: string, event: DialEvent): Promise<DialAnswer>;
  status(callId: string): Promise<Pick<CallState, 'status' | 'operatorConnected'>>;
  answered(callId: string): Promise<void>;
  ended(callId: string, by: 'caller' | 'operator'): Promise<unknown>;
}

export interface OutboundOptions {
  seed: number | string;
  /** How often the dials are polled (1 s). */
  pollMs?: number;
  /** How often a connected call's status is looked at (1 s). */
  statusPollMs?: number;
  /** Milliseconds per simulated second (1000; tests shrink it). */
  msPerSecond?: number;
  /** Callees on the line at once; dials beyond wait for the next poll. */
  maxActive?: number;
  now?: () => number;
  log?: (line: string) => void;
  /** Push mode: dials come as `originate` commands and a connected call's end as a command; nothing is polled. */
  push?: CommandModel;
}

export interface OutboundStats {
  dials: number;
  person: number;
  machine: number;
  busy: number;
  noAnswer: number;
  failed: number;
  connected: number;
  abandoned: number;
  calleeHungUp: number;
  operatorEnded: number;
  errors: number;
}

export type DialFinish = 'no_person' | 'abandoned' | 'callee_hung_up' | 'operator_ended' | 'hung_up' | 'stopped';

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, Math.max(0, ms));
    signal?.addEventListener('abort', onAbort, { once: true });
  });

/** The callee's zone from their number (the dial does not say it): France and its overseas departments, Russia's regions; UTC otherwise. */
export function zoneOfNumber(e164: string): string {
  const prefixes: [string, string][] = [
    ['+262269', 'Indian/Mayotte'],
    ['+262639', 'Indian/Mayotte'],
    ['+262', 'Indian/Reunion'],
    ['+590', 'America/Guadeloupe'],
    ['+594', 'America/Cayenne'],
    ['+596', 'America/Martinique'],
    ['+508', 'America/Miquelon'],
    ['+687', 'Pacific/Noumea'],
    ['+689', 'Pacific/Tahiti'],
    ['+33', 'Europe/Paris'],
    // Russia spans eleven zones: the regions' codes the demo's lists use (tenants/src/campaigns.ts).
    ['+74012', 'Europe/Kaliningrad'],
    ['+7912', 'Asia/Yekaterinburg'],
    ['+7913', 'Asia/Novosibirsk'],
    ['+7914', 'Asia/Vladivostok'],
    ['+74132', 'Asia/Magadan'],
    ['+74152', 'Asia/Kamchatka'],
    ['+7', 'Europe/Moscow'],
    ['+49', 'Europe/Berlin'],
    ['+44', 'Europe/London'],
  ];
  return prefixes.find(([prefix]) => e164.startsWith(prefix))?.[1] ?? 'UTC';
}

const kinds = new Set<string>(['outbound_info', 'surveys', 'telesales', 'lead_qualification']);

/** What the adapter reports after the ring time. Without answering-machine detection a machine is "answered": an operator hears the voicemail. */
export function reportFor(callee: DialledCallee, detectMachine: boolean): DialEvent {
  switch (callee.outcome) {
    case 'person':
      return 'answered';
    case 'machine':
      return detectMachine ? 'machine' : 'answered';
    default:
      return callee.outcome;
  }
}

export class OutboundCallees {
  readonly stats: OutboundStats = { dials: 0, person: 0, machine: 0, busy: 0, noAnswer: 0, failed: 0, connected: 0, abandoned: 0, calleeHungUp: 0, operatorEnded: 0, errors: 0 };
  private readonly playing = new Map<string, Promise<DialFinish>>();
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private lastErrorLogAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly boundary: OutboundBoundary,
    private readonly options: OutboundOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? ((line) => console.log(line));
  }

  /** Calls on the line now. */
  get active(): number {
    return this.playing.size;
  }

  /** Polls until `signal` aborts; never throws (a failing boundary is logged sparingly and retried). */
  async run(signal: AbortSignal): Promise<void> {
    const push = this.options.push;
    if (push) {
      push.onOriginate = (order) => this.startDial(order, signal);
      await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
      push.onOriginate = null;
    }
    while (!signal.aborted) {
      await this.pollOnce(signal);
      await sleep(this.options.pollMs ?? 1000, signal);
    }
    await Promise.allSettled([...this.playing.values()]);
  }

  /** One look at the dials: each new one starts playing (a dial already in play is not played twice). */
  async pollOnce(signal?: AbortSignal): Promise<DialOrder[]> {
    let dials: DialOrder[];
    try {
      dials = await this.boundary.dials();
    } catch (error) {
      this.failed(error, 'reading the dials');
      return [];
    }
    return dials.filter((dial) => this.startDial(dial, signal));
  }

  /** Starts playing a dial unless it is in play already or the line is full; answers whether it started. */
  startDial(dial: DialOrder, signal?: AbortSignal): boolean {
    if (this.playing.has(dial.id) || this.playing.size >= (this.options.maxActive ?? 300)) return false;
    const play = this.play(dial, signal)
      .catch((error: unknown) => {
        this.failed(error, `dial ${dial.id}`);
        return 'stopped' as const;
      })
      .finally(() => this.playing.delete(dial.id));
    this.playing.set(dial.id, play);
    return true;
  }

  /** Waits for every callee on the line (tests). */
  async settled(): Promise<void> {
    while (this.playing.size) await Promise.allSettled([...this.playing.values()]);
  }

  /** One callee, from the first ring to the end of the line. */
  async play(dial: DialOrder, signal?: AbortSignal): Promise<DialFinish> {
    const scale = this.options.msPerSecond ?? 1000;
    this.stats.dials++;
    const random = createRandom(this.options.seed).fork(`dial/${dial.id}`);
    const kind: CampaignKind = dial.function && kinds.has(dial.function) ? (dial.function as CampaignKind) : 'telesales';
    const callee = dialCalleeAt(random, new Date(this.now()), zoneOfNumber(dial.to), kind, dial.ringTimeoutSeconds);
    const first = await this.boundary.dialProgress(dial.id, 'ringing');
    if (first.action === 'hang_up') return 'hung_up';
    await sleep(callee.ringSeconds * scale, signal);
    if (signal?.aborted) return 'stopped';
    const event = reportFor(callee, dial.detectMachine);
    if (event === 'answered') this.stats.person++;
    else if (event === 'machine') this.stats.machine++;
    else if (event === 'busy') this.stats.busy++;
    else if (event === 'no_answer') this.stats.noAnswer++;
    else this.stats.failed++;
    const answer = await this.boundary.dialProgress(dial.id, event);
    if (answer.action === 'abandon') {
      // The campaign's message is played, then the line drops: nothing more to report.
      this.stats.abandoned++;
      return 'abandoned';
    }
    if (answer.action !== 'connect') return 'no_person';
    this.stats.connected++;
    await this.boundary.answered(answer.callId);
    // A voicemail reached without detection "talks" for its greeting; a person for their talk time.
    const talkMs = (callee.outcome === 'person' ? callee.talkSeconds : 20) * scale;
    const pollMs = this.options.statusPollMs ?? 1000;
    const push = this.options.push;
    let left = talkMs;
    for (;;) {
      const wait = Math.min(pollMs, left);
      const from = this.now();
      // Push mode: woken by the call's next command (the operator hung up), or when the callee is done talking.
      if (push) await push.wait(answer.callId, push.state(answer.callId).version, left, signal);
      else await sleep(wait, signal);
      left -= push ? this.now() - from : wait;
      if (signal?.aborted) return 'stopped';
      const state = push ? push.state(answer.callId).state : await this.boundary.status(answer.callId);
      // Pushed: the bridge may still be on its way (the model says queued until it comes); only an end counts.
      const over = push ? state.status !== 'queued' && state.status !== 'connected' : !(state.status === 'connected' && state.operatorConnected);
      if (over) {
        push?.forget(answer.callId);
        this.stats.operatorEnded++;
        return 'operator_ended';
      }
      if (left <= 0) {
        push?.forget(answer.callId);
        await this.boundary.ended(answer.callId, 'caller');
        this.stats.calleeHungUp++;
        return 'callee_hung_up';
      }
    }
  }

  private failed(error: unknown, doing: string): void {
    this.stats.errors++;
    const now = this.now();
    if (now - this.lastErrorLogAt < 10_000) return;
    this.lastErrorLogAt = now;
    this.log(`simulator: outbound: ${doing} failed: ${(error as Error).message}`);
  }
}

/** One line of counts, for the console. */
export function describeOutbound(stats: OutboundStats): string {
  return (
    `outbound: dials ${stats.dials} (person ${stats.person}, machine ${stats.machine}, busy ${stats.busy}, no answer ${stats.noAnswer}, failed ${stats.failed}), ` +
    `connected ${stats.connected}, abandoned ${stats.abandoned}, callee hung up ${stats.calleeHungUp}, operator ended ${stats.operatorEnded}${stats.errors ? `, errors ${stats.errors}` : ''}`
  );
}
