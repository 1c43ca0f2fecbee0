import { NO_INPUT } from '@switchboard/api/ivr';
import { BoundaryError, TelephonyClient, type CallState, type MenuAnswer, type OfferAnswer } from './boundary.ts';
import { callerStep, holdingCaller, type CallerState } from './caller.ts';
import { ArrivalPlan, type PlanOptions, type PlannedCall } from './plan.ts';
import { createRandom } from './random.ts';
import { emptyTrack, observeRecording, recordingRef, type RecordingTrack } from './recorder.ts';
import { answerSurvey } from './survey.ts';
import { OutboundCallees } from './outbound.ts';
import type { Line } from './traffic.ts';
import type { CommandModel } from './push.ts';

export interface SimulatorOptions extends PlanOptions {
  /** The server's base URL, e.g. http://localhost:3000. */
  url: string;
  secret: string;
  seed: number | string;
  /** How often a caller looks at its call while it holds or talks. */
  pollMs?: number;
  /** Calls on the line at once; arrivals beyond it are dropped (counted), so a stuck server cannot pile up work here. */
  maxActiveCalls?: number;
  /** How often the dial plan is read again (numbers come and go in the portal). */
  dialPlanRefreshMs?: number;
  /** A fixed dial plan instead of the server's (tests). */
  lines?: Line[];
  log?: (line: string) => void;
  fetcher?: typeof fetch;
  /** Part of every adapter call id, so two runs never send the same id (the boundary would answer the old call). */
  runId?: string;
  onEvent?: (event: SimulatorEvent) => void;
  now?: () => number;
  /**
   * Back off when the boundary fails (default). A load test turns it off: it keeps offering calls at
   * the rate it was asked for however the server copes (an open-loop load).
   */
  backOff?: boolean;
  /** Also place the dialer's outbound calls and play their callees (outbound.ts). */
  outbound?: boolean;
  /**
   * Push mode (docs/telephony.md, Push): the callers follow the commands Switchboard pushes to this model
   * (push.ts) instead of polling each call's status. The caller of the simulator registers the callback.
   */
  push?: CommandModel;
}

export type Finish = 'not_queued' | 'abandoned' | 'caller_hung_up' | 'operator_ended' | 'failed' | 'stopped';

export type SimulatorEvent =
  | { kind: 'offered'; call: PlannedCall; answer: OfferAnswer; sentAtMs: number; answeredAtMs: number }
  | { kind: 'finished'; call: PlannedCall; id: string | null; how: Finish };

export interface SimulatorStats {
  placed: number;
  queued: number;
  /** Calls the boundary did not queue, by outcome (after hours: callback, forward, message, announcement). */
  notQueued: Record<string, number>;
  answered: number;
  abandoned: number;
  callerHungUp: number;
  operatorEnded: number;
  failed: number;
  dropped: number;
  active: number;
  /** Calls whose recording was reported (with its gaps where the operator paused it). */
  recorded: number;
  /** Satisfaction surveys reported after handled calls (answered or not). */
  surveyed: number;
}

/** Resolves after `ms`, or at once when `signal` aborts; leaves no listener behind (the demo runs for days). */
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

interface ActiveCall {
  id: string | null;
  caller: CallerState | null;
}

/** stop({hangUp}) hung this caller up while a request was out. */
const hungUpMeanwhile = (entry: ActiveCall) => entry.caller?.phase === 'gone';

/**
 * A telephony adapter that plays traffic: it reads the dial plan, places the planned calls through
 * the signed boundary, and plays each caller (holds, gives up, talks, hangs up). It never throws
 * once started: a boundary that fails makes it back off (exponentially, up to 30 s) and log, which is
 * what running inside the server's own process needs.
 */
export class Simulator {
  readonly stats: SimulatorStats = { placed: 0, queued: 0, notQueued: {}, answered: 0, abandoned: 0, callerHungUp: 0, operatorEnded: 0, failed: 0, dropped: 0, active: 0, recorded: 0, surveyed: 0 };
  private readonly client: TelephonyClient;
  private readonly now: () => number;
  private readonly log: (line: string) => void;
  private readonly runId: string;
  private readonly abort = new AbortController();
  private readonly active = new Set<ActiveCall>();
  private readonly loops = new Set<Promise<void>>();
  private plan: ArrivalPlan | null = null;
  private planKey = '';
  private dialPlanReadAt = Number.NEGATIVE_INFINITY;
  private failures = 0;
  private backoffUntil = 0;
  private lastErrorLogAt = Number.NEGATIVE_INFINITY;
  private suppressedErrors = 0;
  private mainLoop: Promise<void> | null = null;
  private announcedEmpty = false;
  /** The outbound callees, when `outbound` is on. */
  readonly outbound: OutboundCallees | null;
  private outboundLoop: Promise<void> | null = null;

  constructor(private readonly options: SimulatorOptions) {
    this.client = new TelephonyClient(options.url, options.secret, options.fetcher);
    this.now = options.now ?? Date.now;
    this.log = options.log ?? ((line) => console.log(line));
    this.runId = options.runId ?? Date.now().toString(36);
    this.outbound = options.outbound ? new OutboundCallees(this.client, { seed: options.seed, log: this.log, now: this.now, ...(options.push ? { push: options.push } : {}) }) : null;
  }

  get stopped(): boolean {
    return this.abort.signal.aborted;
  }

  start(): void {
    this.mainLoop ??= this.run().catch((error: unknown) => this.log(`simulator: stopped on an unexpected error: ${(error as Error).stack ?? String(error)}`));
    if (this.outbound) this.outboundLoop ??= this.outbound.run(this.abort.signal).catch((error: unknown) => this.log(`simulator: outbound stopped: ${(error as Error).message}`));
  }

  /** Stops placing calls; with `hangUp`, the callers still on the line hang up first. */
  async stop(options: { hangUp?: boolean; timeoutMs?: number } = {}): Promise<void> {
    if (options.hangUp) {
      const ending = [...this.active].filter((a) => a.id && a.caller && a.caller.phase !== 'gone');
      for (const call of ending) if (call.caller) call.caller = { ...call.caller, phase: 'gone' };
      await Promise.allSettled(ending.map((a) => this.client.ended(a.id!, 'caller')));
    }
    this.abort.abort();
    await Promise.race([Promise.allSettled([this.mainLoop, this.outboundLoop, ...this.loops]), sleep(options.timeoutMs ?? 5000)]);
  }

  private async run(): Promise<void> {
    const signal = this.abort.signal;
    while (!signal.aborted) {
      const now = this.now();
      if (now < this.backoffUntil) {
        // Calls due while the server is failing are not placed later in a burst: they are dropped.
        if (this.plan) this.stats.dropped += this.plan.due(now).length;
        await sleep(Math.min(this.backoffUntil - now, 1000), signal);
        continue;
      }
      if (!this.options.lines && now - this.dialPlanReadAt >= (this.options.dialPlanRefreshMs ?? 60_000)) await this.readDialPlan();
      else if (this.options.lines && !this.plan) this.usePlan(this.options.lines);
      if (this.plan) {
        for (const call of this.plan.due(this.now())) this.place(call);
        const wait = Math.min(this.plan.peek() - this.now(), 250);
        await sleep(wait, signal);
      } else {
        await sleep(1000, signal);
      }
    }
  }

  private async readDialPlan(): Promise<void> {
    try {
      const lines = await this.client.numbers();
      this.dialPlanReadAt = this.now();
      this.succeeded();
      this.usePlan(lines);
    } catch (error) {
      this.failed(error, 'reading the dial plan');
    }
  }

  private usePlan(lines: Line[]): void {
    const key = JSON.stringify([...lines].sort((a, b) => (a.number < b.number ? -1 : 1)));
    if (key === this.planKey) return;
    this.planKey = key;
    if (!lines.length) {
      this.plan = null;
      if (!this.announcedEmpty) this.log('simulator: the dial plan has no numbers yet (a tenant gets them under Call handling); waiting.');
      this.announcedEmpty = true;
      return;
    }
    this.announcedEmpty = false;
    const tenants = new Set(lines.map((l) => l.tenant));
    this.log(`simulator: dial plan of ${lines.length} number(s) for ${tenants.size} tenant(s): ${[...tenants].join(', ')}`);
    this.plan = new ArrivalPlan(lines, this.options, createRandom(this.options.seed), this.now());
  }

  private place(call: PlannedCall): void {
    if (this.active.size >= (this.options.maxActiveCalls ?? 500)) {
      this.stats.dropped++;
      return;
    }
    const entry: ActiveCall = { id: null, caller: null };
    this.active.add(entry);
    this.stats.active = this.active.size;
    const loop = this.playCaller(call, entry)
      .catch((error: unknown) => {
        this.stats.failed++;
        this.failed(error, `call ${call.seq}`);
        this.emit({ kind: 'finished', call, id: entry.id, how: 'failed' });
      })
      .finally(() => {
        this.active.delete(entry);
        this.stats.active = this.active.size;
        this.loops.delete(loop);
      });
    this.loops.add(loop);
  }

  /**
   * Offers the call; on a number with a keypad menu the caller keys through it (the walk is stateless: each
   * POST carries every key so far). Which key: one of the node's choices, picked from the call's sequence
   * number so a plan replays the same; after a few menus (a caller going round in circles) they stay silent.
   */
  private async throughMenu(call: PlannedCall): Promise<OfferAnswer | (MenuAnswer & { outcome: 'hang_up' })> {
    const callId = `sim-${this.runId}-${call.seq}`;
    let keys = '';
    for (let depth = 0; ; depth++) {
      const answer = await this.client.offerWithKeys(callId, call.line.number, call.caller, keys);
      if (answer.outcome !== 'menu') return answer as OfferAnswer | (MenuAnswer & { outcome: 'hang_up' });
      if (depth >= 20) throw new Error(`call ${call.seq}: the menu of ${call.line.number} never let the caller out`);
      const choices = answer.choices;
      keys = answer.keys + (depth >= 6 || !choices.length ? NO_INPUT : choices[Math.floor(call.seq / 2 ** depth) % choices.length]!.key);
    }
  }

  private async playCaller(call: PlannedCall, entry: ActiveCall): Promise<void> {
    const signal = this.abort.signal;
    this.stats.placed++;
    const sentAtMs = this.now();
    const answer = await this.throughMenu(call);
    this.succeeded();
    if (answer.outcome === 'hang_up') {
      // The menu's message played, then the call ended: no call was made.
      this.stats.notQueued.menu_message = (this.stats.notQueued.menu_message ?? 0) + 1;
      this.emit({ kind: 'finished', call, id: null, how: 'not_queued' });
      return;
    }
    entry.id = answer.id;
    this.emit({ kind: 'offered', call, answer, sentAtMs, answeredAtMs: this.now() });
    if (answer.outcome !== 'queued') {
      this.stats.notQueued[answer.outcome] = (this.stats.notQueued[answer.outcome] ?? 0) + 1;
      this.emit({ kind: 'finished', call, id: answer.id, how: 'not_queued' });
      return;
    }
    this.stats.queued++;
    entry.caller = holdingCaller(this.now(), call.patienceSeconds, call.talkSeconds);
    // The recording honours the command each status carries; none at all when the client never records.
    let track: RecordingTrack | null = answer.record ? emptyTrack() : null;
    let deadline = entry.caller.sinceMs + entry.caller.patienceMs;
    let errors = 0;
    const pollMs = this.options.pollMs ?? 1000;
    const push = this.options.push;
    let version = -1;
    try {
      for (;;) {
        // Push mode: woken by a command for this call, or at the caller's own deadline; no status is read.
        if (push) await push.wait(answer.id, version, deadline - this.now(), signal);
        else await sleep(Math.min(pollMs, deadline - this.now()), signal);
        if (signal.aborted || entry.caller.phase === 'gone') {
          this.emit({ kind: 'finished', call, id: answer.id, how: 'stopped' });
          return;
        }
        let observed;
        try {
          if (push) {
            const model = push.state(answer.id);
            version = model.version;
            observed = model.state;
          } else observed = await this.client.status(answer.id);
          errors = 0;
          this.succeeded();
        } catch (error) {
          if (!(error instanceof BoundaryError) || !error.transient || ++errors > 30) throw error;
          this.failed(error, `call ${call.seq}`);
          await sleep(Math.max(0, this.backoffUntil - this.now()), signal);
          continue;
        }
        if (hungUpMeanwhile(entry)) continue;
        if (track) track = observeRecording(track, observed.recording, this.now());
        const step = callerStep(entry.caller, observed, this.now());
        entry.caller = step.state;
        deadline = step.deadlineMs;
        if (step.action === 'answered') {
          this.stats.answered++;
          await this.client.answered(answer.id);
        } else if (step.action === 'hang_up') {
          const holding = observed.status === 'queued';
          // The caller is gone: no survey is asked of them (only a call the operator ended is surveyed).
          await this.client.ended(answer.id, 'caller');
          await this.keepRecording(answer.id, track);
          if (holding) this.stats.abandoned++;
          else this.stats.callerHungUp++;
          this.emit({ kind: 'finished', call, id: answer.id, how: holding ? 'abandoned' : 'caller_hung_up' });
          return;
        } else if (step.state.phase === 'gone') {
          await this.keepRecording(answer.id, track);
          if (observed.survey) await this.reportSurvey(call, answer.id, observed.survey.questions);
          this.stats.operatorEnded++;
          this.emit({ kind: 'finished', call, id: answer.id, how: 'operator_ended' });
          return;
        }
      }
    } finally {
      push?.forget(answer.id);
    }
  }

  /** Reports where the call's recording is kept, if anything was recorded; a refusal only costs the recording. */
  private async keepRecording(id: string, track: RecordingTrack | null): Promise<void> {
    const ref = track && recordingRef(id, track, this.now());
    if (!ref) return;
    try {
      await this.client.recording(id, ref);
      this.stats.recorded++;
    } catch (error) {
      this.failed(error, `recording of call ${id}`);
    }
  }

  /** Plays the satisfaction survey to the caller the operator left on the line (seeded per call); a refusal only costs the survey. */
  private async reportSurvey(call: PlannedCall, id: string, questions: NonNullable<CallState['survey']>['questions']): Promise<void> {
    const digits = answerSurvey(createRandom(this.options.seed).fork(`survey/${call.seq}`), questions);
    try {
      await this.client.satisfaction(id, digits);
      this.stats.surveyed++;
    } catch (error) {
      this.failed(error, `survey of call ${id}`);
    }
  }

  private emit(event: SimulatorEvent): void {
    try {
      this.options.onEvent?.(event);
    } catch (error) {
      this.log(`simulator: an event listener failed: ${(error as Error).message}`);
    }
  }

  private succeeded(): void {
    this.failures = 0;
  }

  private failed(error: unknown, doing: string): void {
    const transient = !(error instanceof BoundaryError) || error.transient;
    if (transient && this.options.backOff !== false) {
      this.failures++;
      this.backoffUntil = this.now() + Math.min(30_000, 500 * 2 ** Math.min(this.failures, 10));
    }
    if (error instanceof BoundaryError && error.status === 404 && doing.startsWith('call')) this.dialPlanReadAt = Number.NEGATIVE_INFINITY;
    // At most one line every 10 s: a server that is down should not flood the log it shares.
    const now = this.now();
    if (now - this.lastErrorLogAt < 10_000) {
      this.suppressedErrors++;
      return;
    }
    const more = this.suppressedErrors ? ` (${this.suppressedErrors} more since the last report)` : '';
    this.lastErrorLogAt = now;
    this.suppressedErrors = 0;
    const backoff = transient && this.options.backOff !== false ? `; backing off ${Math.round((this.backoffUntil - now) / 1000)} s` : '';
    this.log(`simulator: ${doing} failed: ${(error as Error).message}${more}${backoff}`);
  }
}
