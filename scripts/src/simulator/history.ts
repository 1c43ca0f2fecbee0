import type { Kysely } from 'kysely';
import {
  acceptCall,
  closeTimedOutCalls,
  dispatch,
  endCall,
  hangUp,
  ProblemError,
  receiveCall,
  recordSatisfaction,
  setDeskState,
  transferCall,
  wrapUp,
} from '@switchboard/api';
import type { ScriptBody } from '@switchboard/api/scripts';
import { withApp, withTenant, type DB } from '@switchboard/db';
import { loadDemo } from '@switchboard/tenants';
import { floorBotEmails } from './demo-floor.ts';
import { ArrivalPlan, type PlannedCall } from './plan.ts';
import { createRandom, type Random } from './random.ts';
import { answerScript } from './script-answers.ts';
import type { Line } from './traffic.ts';

/**
 * The demo's past days (issue 16): on a new demo database, before the live floor starts, the last few days
 * of inbound calls of the three clients are played THROUGH THE LIVE CODE PATHS with a virtual clock — the
 * telephony's receiveCall, the routing pass (dispatch), the desk's accept, transfer and wrap-up, the caller's
 * hang-up and abandon (endCall, as the adapter reports them), queue overflow (closeTimedOutCalls), the
 * satisfaction survey's keypad answers, the desk's state changes (setDeskState: available, break, offline) —
 * each called with the virtual `now`. So the calls, their timelines, the operators' state log, the usage
 * and the records are exactly what live calls leave, and the reports have days to show.
 *
 * The traffic is the simulator's (plan.ts: a Poisson arrival process per line shaped by the tenant's local
 * time of day, regular callers who call again — first-contact resolution — and callers' patience), at a
 * modest rate, answered by a few floor bots: time only moves forward, one event after the other, so every
 * state change is logged in order. Events at the same instant are handled in the order they were planned.
 * It ends with every call final and the bots offline, before the live floor starts.
 */

export interface HistoryOptions {
  /** First instant played. */
  from: Date;
  /** No call arrives at or after this; calls in progress then are finished (a few minutes past it at most). */
  to: Date;
  seed?: string;
  /** Calls per hour per line at the busiest hour of its tenant's day (plan.ts). */
  callsPerHourAtPeak?: number;
  /** How many floor bots answer (the first ones of tenants/demo/provider.yaml). */
  bots?: number;
  /** Share of answered calls transferred to one of the client's own lines (its directory). */
  transferShare?: number;
  log?: (line: string) => void;
  /** Aborted: stops between two events (the server is stopping). */
  signal?: AbortSignal;
}

export interface HistoryReport {
  arrived: number;
  queued: number;
  answered: number;
  abandoned: number;
  transferred: number;
  surveyed: number;
  /** The virtual instant the last event was played at (the bots went offline then). */
  endedAt: Date;
}

export const historyDefaults = { days: 3, callsPerHourAtPeak: 2, bots: 4, transferShare: 0.05 };

interface Tenant {
  id: string;
  slug: string;
  name: string;
  status: string;
  maxWaitSeconds: number;
  wrapUpSeconds: number;
  dispositions: string[];
  directory: { id: string; name: string }[];
}

interface LiveCall {
  id: string;
  tenant: Tenant;
  fn: string;
  plan: PlannedCall;
  answered: boolean;
  done: boolean;
}

type Handler = (at: Date) => Promise<void>;

/** A queue of events by virtual time; equal times keep the order they were scheduled in. */
class Agenda {
  private items: { at: number; seq: number; run: Handler }[] = [];
  private seq = 0;
  schedule(atMs: number, run: Handler): void {
    const item = { at: atMs, seq: this.seq++, run };
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const other = this.items[mid]!;
      if (other.at < item.at || (other.at === item.at && other.seq < item.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.items.splice(lo, 0, item);
  }
  peek(): number {
    return this.items[0]?.at ?? Number.POSITIVE_INFINITY;
  }
  next() {
    return this.items.shift();
  }
}

const preferredCodes: Record<string, string[]> = {
  order_taking: ['order_taken', 'order_taken', 'order_taken', 'no_order'],
  information: ['info_given'],
  complaints: ['complaint_recorded'],
  telesales: ['sale_made', 'not_interested', 'callback_requested'],
  surveys: ['survey_completed', 'survey_refused'],
  outbound_info: ['subscriber_informed'],
};

function dispositionFor(tenant: Tenant, fn: string, random: Random): string {
  const wanted = (preferredCodes[fn] ?? []).filter((c) => tenant.dispositions.includes(c));
  if (wanted.length) return wanted[random.int(0, wanted.length - 1)]!;
  return tenant.dispositions[0] ?? 'done';
}

/** Mostly satisfied callers, a few unhappy ones: the keypad digits of the post-call survey. */
function satisfactionDigits(random: Random): { satisfaction: string; solved: string } {
  const draw = random.uniform();
  const score = draw < 0.45 ? 5 : draw < 0.75 ? 4 : draw < 0.88 ? 3 : draw < 0.95 ? 2 : 1;
  return { satisfaction: String(score), solved: random.uniform() < (score >= 4 ? 0.92 : 0.45) ? '1' : '2' };
}

export async function generateDemoHistory(db: Kysely<DB>, options: HistoryOptions): Promise<HistoryReport> {
  const log = options.log ?? (() => {});
  const random = createRandom(options.seed ?? 'demo-history');
  const demo = loadDemo();
  const report: HistoryReport = { arrived: 0, queued: 0, answered: 0, abandoned: 0, transferred: 0, surveyed: 0, endedAt: options.from };

  // The clients, their lines and what the desk offers (codes, directory), as the database has them.
  const rows = await withApp(db, (tx) => tx.selectFrom('tenants').select(['id', 'slug', 'name', 'status', 'timeZone']).execute());
  const tenants = new Map<string, Tenant>();
  const lines: Line[] = [];
  for (const { definition } of demo.tenants) {
    const row = rows.find((r) => r.slug === definition.tenant.slug);
    if (!row) continue;
    const directory = await withTenant(db, row.id, (tx) => tx.selectFrom('directoryEntries').select(['id', 'name']).where('active', '=', true).orderBy('sortOrder').execute());
    tenants.set(row.slug, {
      id: row.id,
      slug: row.slug,
      name: row.name,
      status: row.status,
      maxWaitSeconds: definition.callHandling?.settings?.maxQueueWaitSeconds ?? 300,
      wrapUpSeconds: definition.callHandling?.settings?.wrapUpSeconds ?? 60,
      dispositions: (definition.wrapUpCodes ?? []).filter((c) => c.active !== false).map((c) => c.code),
      directory,
    });
    for (const n of definition.callHandling?.numbers ?? []) lines.push({ number: n.number, tenant: row.slug, function: n.function, timeZone: row.timeZone });
  }

  const emails = floorBotEmails().slice(0, options.bots ?? historyDefaults.bots);
  const users = await withApp(db, (tx) => tx.selectFrom('users').select(['id', 'email']).where('email', 'in', emails.length ? emails : ['-']).execute());
  const bots = emails.flatMap((email) => users.filter((u) => u.email === email).map((u) => u.id));
  if (!bots.length || !lines.length) return report;

  const agenda = new Agenda();
  const fromMs = options.from.getTime();
  const toMs = options.to.getTime();
  const plan = new ArrivalPlan(lines, { callsPerHourAtPeak: options.callsPerHourAtPeak ?? historyDefaults.callsPerHourAtPeak, multiplier: 1 }, random.fork('plan'), fromMs);
  const transferShare = options.transferShare ?? historyDefaults.transferShare;
  const scriptCache = new Map<string, ScriptBody | null>();
  const accepting = new Set<string>();
  const lastBreak = new Map<string, number>(bots.map((b, i) => [b, fromMs - i * 45 * 60_000]));
  let dispatchAt = Number.NEGATIVE_INFINITY;

  // What the pass would find: calls waiting and bots free. A pass with nothing to match is skipped (it would
  // change nothing: no offers expire, wrap-ups end within their time, transfers go to the client's lines).
  const waiting = new Set<string>();
  const free = new Set<string>();

  /** One routing pass at `at` (at most one per instant), then each bot offered a call accepts it a moment later. */
  const routingPass = (atMs: number) => {
    if (atMs === dispatchAt) return;
    dispatchAt = atMs;
    agenda.schedule(atMs, async (at) => {
      if (!waiting.size || !free.size) return;
      await dispatch(db, at);
      const offers = await withApp(db, (tx) =>
        tx.selectFrom('operatorPresence').select(['operatorId', 'offerTenantId', 'offerCallId']).where('operatorId', 'in', bots).where('offerCallId', 'is not', null).execute(),
      );
      for (const offer of offers) {
        const call = calls.get(offer.offerCallId!);
        if (!call || accepting.has(call.id)) continue;
        accepting.add(call.id);
        free.delete(offer.operatorId);
        agenda.schedule(at.getTime() + random.int(1000, 3500), (when) => accept(offer.operatorId, call, when));
      }
    });
  };

  const calls = new Map<string, LiveCall>();
  const inTenant = <T>(call: LiveCall, fn: Parameters<typeof withTenant<T>>[2]) => withTenant(db, call.tenant.id, fn);

  const arrive = async (planned: PlannedCall, at: Date) => {
    report.arrived++;
    const tenant = tenants.get(planned.line.tenant)!;
    const received = await receiveCall(db, { callId: `demo-history-${planned.seq}`, dialled: planned.line.number, caller: planned.caller }, at);
    if (!received?.queued) return;
    report.queued++;
    const call: LiveCall = { id: received.answer.id, tenant, fn: planned.line.function, plan: planned, answered: false, done: false };
    calls.set(call.id, call);
    waiting.add(call.id);
    const atMs = at.getTime();
    // Routing once the bots' delay (5 s, tenants/demo) has passed: nobody else is at a desk in the past.
    routingPass(atMs + 5_500);
    // The caller hangs up when their patience runs out; the queue overflows past the tenant's maximum wait.
    agenda.schedule(atMs + planned.patienceSeconds * 1000, async (when) => {
      if (call.answered || call.done) return;
      const ended = await inTenant(call, (tx) => endCall(tx, call.id, 'caller', when));
      if (ended?.status === 'abandoned') {
        call.done = true;
        waiting.delete(call.id);
        report.abandoned++;
      }
    });
    agenda.schedule(atMs + (tenant.maxWaitSeconds + 1) * 1000, async (when) => {
      if (call.answered || call.done) return;
      await closeTimedOutCalls(db, when);
      const status = await inTenant(call, (tx) => tx.selectFrom('calls').select('status').where('id', '=', call.id).executeTakeFirstOrThrow());
      if (status.status !== 'queued') {
        call.done = true;
        waiting.delete(call.id);
      }
    });
  };

  const scriptOf = async (call: LiveCall): Promise<ScriptBody | null> => {
    const ref = await inTenant(call, (tx) => tx.selectFrom('calls').select(['scriptId', 'scriptVersion']).where('id', '=', call.id).executeTakeFirstOrThrow());
    if (!ref.scriptId || ref.scriptVersion === null) return null;
    const key = `${ref.scriptId}/${ref.scriptVersion}`;
    if (!scriptCache.has(key)) {
      const version = await inTenant(call, (tx) =>
        tx.selectFrom('scriptVersions').select('body').where('scriptId', '=', ref.scriptId!).where('version', '=', ref.scriptVersion!).executeTakeFirst(),
      );
      scriptCache.set(key, (version?.body as ScriptBody | undefined) ?? null);
    }
    return scriptCache.get(key) ?? null;
  };

  const accept = async (bot: string, call: LiveCall, at: Date) => {
    accepting.delete(call.id);
    try {
      await inTenant(call, (tx) => acceptCall(tx, bot, call.id, at, call.tenant));
    } catch (error) {
      // The caller hung up meanwhile: the offer was withdrawn, the bot is free again.
      if (!(error instanceof ProblemError)) throw error;
      free.add(bot);
      return routingPass(at.getTime());
    }
    call.answered = true;
    waiting.delete(call.id);
    report.answered++;
    const script = await scriptOf(call);
    const answers = script ? answerScript(script, random, { callerNumber: call.plan.caller, now: at }) : undefined;
    const talkMs = call.plan.talkSeconds * 1000;
    const transferTo = call.tenant.directory.length && random.uniform() < transferShare ? call.tenant.directory[random.int(0, call.tenant.directory.length - 1)]! : null;
    agenda.schedule(at.getTime() + talkMs, async (when) => {
      if (transferTo) {
        // To one of the client's own lines: the call leaves the floor, the adapter reports its end later.
        await inTenant(call, (tx) => transferCall(tx, bot, call.id, { kind: 'directory', entryId: transferTo.id }, `Caller asked for ${transferTo.name}.`, when));
        report.transferred++;
        agenda.schedule(when.getTime() + random.int(30, 240) * 1000, async (end) => {
          await inTenant(call, (tx) => endCall(tx, call.id, 'caller', end));
        });
      } else {
        // The bot hangs up, as the floor's bots do (a caller hangs up first now and then); the surveyed
        // functions' callers hear the survey after an operator's hang-up only.
        if (random.uniform() < 0.85) await inTenant(call, (tx) => hangUp(tx, bot, call.id, when));
        else await inTenant(call, (tx) => endCall(tx, call.id, 'caller', when));
        // The post-call survey, for the functions that have one: the caller keys a score a few seconds later.
        agenda.schedule(when.getTime() + random.int(8, 20) * 1000, async (keyed) => {
          const outcome = await inTenant(call, (tx) => recordSatisfaction(tx, call.id, satisfactionDigits(random), keyed));
          if (outcome.kind === 'recorded') report.surveyed++;
        });
      }
      // Wrapped up within the tenant's wrap-up time, as the floor bots do (past it, the routing pass would close it).
      const wrapSeconds = random.int(3, Math.max(3, Math.min(40, call.tenant.wrapUpSeconds - 5)));
      agenda.schedule(when.getTime() + wrapSeconds * 1000, (wrapAt) => finish(bot, call, answers, wrapAt));
    });
  };

  const finish = async (bot: string, call: LiveCall, answers: Record<string, unknown> | undefined, at: Date) => {
    const input = { disposition: dispositionFor(call.tenant, call.fn, random), notes: 'Demo history.' };
    try {
      await inTenant(call, (tx) => wrapUp(tx, bot, call.id, { ...input, ...(answers && Object.keys(answers).length ? { scriptAnswers: answers as never } : {}) }, at));
    } catch (error) {
      // Answers the server does not take (a question the walk could not answer): wrapped up without them.
      if (!(error instanceof ProblemError) || error.status !== 400) throw error;
      await inTenant(call, (tx) => wrapUp(tx, bot, call.id, input, at));
    }
    call.done = true;
    const atMs = at.getTime();
    // A short break every few hours, as people take them (occupancy reports show them).
    if (atMs - lastBreak.get(bot)! > 3 * 3600_000 && random.uniform() < 0.3) {
      lastBreak.set(bot, atMs);
      await setDeskState(db, bot, { state: 'break', breakReason: 'Pause' }, at);
      agenda.schedule(atMs + random.int(10, 20) * 60_000, async (back) => {
        await setDeskState(db, bot, { state: 'available' }, back);
        free.add(bot);
        routingPass(back.getTime());
      });
      return;
    }
    free.add(bot);
    routingPass(atMs);
  };

  for (const bot of bots) {
    await setDeskState(db, bot, { state: 'available' }, options.from);
    free.add(bot);
  }
  let last = fromMs;
  let played = 0;
  for (;;) {
    const arrivalMs = plan.peek();
    const eventMs = agenda.peek();
    if (arrivalMs < toMs && arrivalMs <= eventMs) {
      for (const planned of plan.due(arrivalMs)) agenda.schedule(planned.atMs, (at) => arrive(planned, at));
      continue;
    }
    const event = agenda.next();
    if (!event) break;
    options.signal?.throwIfAborted();
    last = event.at;
    await event.run(new Date(event.at));
    if (++played % 2000 === 0) log(`demo history: ${new Date(event.at).toISOString()}, ${report.arrived} calls`);
  }
  const end = new Date(Math.max(last, toMs - 1) + 1000);
  for (const bot of bots) await setDeskState(db, bot, { state: 'offline' }, end);
  report.endedAt = end;
  return report;
}

/** The days before today: from `days` days before the earliest start of today among the demo's time zones, to that start (minus a margin). */
export function historyWindow(now: Date, timeZones: readonly string[], days = historyDefaults.days): { from: Date; to: Date } {
  const startsOfToday = timeZones.map((zone) => startOfLocalDay(now, zone));
  const to = new Date(Math.min(...startsOfToday) - 30 * 60_000);
  return { from: new Date(to.getTime() - days * 86_400_000), to };
}

function startOfLocalDay(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(at);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return at.getTime() - ((part('hour') * 60 + part('minute')) * 60 + part('second')) * 1000 - at.getUTCMilliseconds();
}

/** DEMO_HISTORY_DAYS: how many past days a new demo database gets (default 3, 0 none, at most 14). */
export function demoHistoryDays(env: NodeJS.ProcessEnv = process.env): number {
  const raw = (env.DEMO_HISTORY_DAYS ?? '').trim();
  if (raw === '') return historyDefaults.days;
  const days = Number(raw);
  return Number.isInteger(days) && days >= 0 ? Math.min(days, 14) : historyDefaults.days;
}

/** The demo's past days, on a new demo database, ending before today in every client's zone. Null when there is no demo. */
export async function playDemoHistory(db: Kysely<DB>, days: number, signal?: AbortSignal): Promise<HistoryReport | null> {
  const zones = loadDemo().tenants.map((t) => t.definition.tenant.timeZone);
  if (!zones.length || days <= 0) return null;
  return generateDemoHistory(db, { ...historyWindow(new Date(), zones, days), seed: 'demo-history', ...(signal ? { signal } : {}) });
}

export function describeHistory(report: HistoryReport): string {
  return `${report.arrived} calls (${report.answered} answered, ${report.abandoned} abandoned, ${report.transferred} transferred, ${report.surveyed} surveys)`;
}
