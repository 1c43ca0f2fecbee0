import { fork, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { serve } from '@hono/node-server';
import { connect } from '@switchboard/db';
import { createApp, EventHub, loadConfig, startRouting } from '@switchboard/api';
import { benchDefinitions, freePort, pair, percentile, prepareDatabase, startBots, stepSimulator, stopServer, waitForHealth } from './bench-floor.ts';
import { assertNodeVersion } from './node-version.ts';
import { startNodeFlags } from './node-flags.ts';
import { openDatabase } from './open-database.ts';
import { countStatements, type StatementCount } from './statement-counter.ts';
import type { BotMetric, BotOperator } from './simulator/bot-operator.ts';
import { TelephonyClient, type Simulator } from './simulator/index.ts';

assertNodeVersion();

const usage = `pnpm bench:routing [--operators N] [--rates 20,50] [--step SECONDS] [--talk MIN-MAX] [--seed SEED]

Routing under load on one API process and a fresh database (embedded PGlite in a temporary folder, or a
new database on the PostgreSQL server of DATABASE_URL, dropped afterwards: run it once each way for
separate figures). N bot operators listen on /api/events, accept their offers, talk, hang up and wrap
up, while the call simulator offers each rate (calls per second) for one step. The API process counts
every SQL statement it sends (routing passes, live events, requests apart). Prints per rate: calls
offered and routed, offer creation → SSE event read by the bot (p50/p99), the longest wait for an offer
against what the operators' availability imposes, statements per routed call; then a raw-SQL reference
on the same database: a NOTIFY → LISTEN round trip, the floor of the offer → event latency.
Figures only: nothing is asserted.

  --operators    bot operators (default 100)
  --rates        calls per second to offer, in order (default 20,50)
  --step         seconds per rate (default 10)
  --talk         seconds a bot talks before hanging up, drawn in MIN-MAX (default 1-3)
  --seed         the simulator's seed (default 1)`;

// ---- the API process (forked with --serve): the app, routing and the hub, each on a counted Kysely ----

async function serveCounted(): Promise<void> {
  const config = loadConfig();
  const database = await openDatabase(config, 'serve the routing benchmark');
  // As pnpm start does: routing and the hub on small pools of their own (PostgreSQL), requests on the main one.
  const counters = {
    routing: countStatements(database.ownPool(4)),
    events: countStatements(database.ownPool(3)),
    requests: countStatements(database.db),
  };
  // What the process itself spends between two counts: CPU, and how late its event loop runs.
  let cpuFrom = process.cpuUsage();
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  loopDelay.enable();
  const now = () => new Date();
  const events = new EventHub({ db: counters.events.db, requestDb: counters.requests.db, listen: database.listen, now });
  await events.start();
  const app = createApp({ db: counters.requests.db, databaseKind: database.kind, config, now, events });
  const stopRouting = startRouting({ db: counters.routing.db, now });
  const server = serve({ fetch: app.fetch, port: config.port }, () => process.send?.({ ready: true }));
  process.on('message', (message: string) => {
    if (message === 'count') {
      const cpu = process.cpuUsage(cpuFrom);
      cpuFrom = process.cpuUsage();
      const process_: ProcessFigures = { cpuMs: (cpu.user + cpu.system) / 1000, loopDelayP99Ms: loopDelay.percentile(99) / 1e6 };
      loopDelay.reset();
      process.send?.({ routing: counters.routing.reset(), events: counters.events.reset(), requests: counters.requests.reset(), process: process_ });
    }
  });
  process.on('SIGTERM', () => {
    void (async () => {
      await events.stop();
      await stopRouting();
      server.close();
      await database.close();
      process.exit(0);
    })();
  });
}

interface ProcessFigures {
  cpuMs: number;
  loopDelayP99Ms: number;
}
type Counts = Record<'routing' | 'events' | 'requests', StatementCount> & { process: ProcessFigures };

function startCountedServer(port: number, env: Record<string, string>, logFile: string): { child: ChildProcess; counts: () => Promise<Counts> } {
  const serverEnv = { ...process.env, ...env, PORT: String(port), SIMULATOR: 'off' };
  const child = fork(fileURLToPath(import.meta.url), ['--serve'], {
    env: serverEnv,
    // The node flags `pnpm start` gives this database (BENCH_NODE_FLAGS tries others, "" for Node's defaults).
    execArgv: [...(process.env.BENCH_NODE_FLAGS !== undefined ? process.env.BENCH_NODE_FLAGS.split(' ').filter(Boolean) : startNodeFlags(serverEnv)), '--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const log = createWriteStream(logFile);
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const none: StatementCount = { statements: Number.NaN, transactions: Number.NaN };
  // An event loop too busy to answer within a minute (PGlite runs in it) gives no count rather than no figures.
  const counts = () =>
    new Promise<Counts>((resolve) => {
      const timer = setTimeout(() => {
        child.off('message', onMessage);
        resolve({ routing: none, events: none, requests: none, process: { cpuMs: Number.NaN, loopDelayP99Ms: Number.NaN } });
      }, 60_000);
      const onMessage = (message: unknown) => {
        if (message && typeof message === 'object' && 'routing' in message) {
          child.off('message', onMessage);
          clearTimeout(timer);
          resolve(message as Counts);
        }
      };
      child.on('message', onMessage);
      child.send('count');
    });
  return { child, counts };
}

// ---- the run ------------------------------------------------------------------------------------

function parseFlags() {
  try {
    return parseArgs({
      options: {
        serve: { type: 'boolean', default: false },
        operators: { type: 'string', default: '100' },
        rates: { type: 'string', default: '20,50' },
        step: { type: 'string', default: '10' },
        talk: { type: 'string', default: '1-3' },
        seed: { type: 'string', default: '1' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
}

function fail(message: string): never {
  console.error(`${message}\n\n${usage}`);
  process.exit(2);
}

interface Step {
  rate: number;
  startMs: number;
  endMs: number;
  placed: number;
  metrics: BotMetric[];
  counts: Counts;
  /** This process's event-loop delay p99 during the step (the bots and the simulator run here). */
  botsLoopDelayP99Ms: number;
}

/** The longest any call of the step waited for its first offer (still waiting at the step's end: until then), read after the run. */
async function longestWaits(env: Record<string, string>, steps: Step[]): Promise<number[]> {
  const database = await connect({ url: env.DATABASE_URL, dataDir: env.DATA_DIR });
  try {
    const waits: number[] = [];
    for (const step of steps) {
      const row = await sql<{ longest: number | null }>`
        select max(extract(epoch from coalesce(o.at, ${new Date(step.endMs)}) - q.at)) as longest
        from call_events q
        left join lateral (select min(e.at) as at from call_events e where e.tenant_id = q.tenant_id and e.call_id = q.call_id and e.kind = 'offered_to') o on true
        where q.kind = 'queued' and q.at >= ${new Date(step.startMs)} and q.at < ${new Date(step.endMs)}`.execute(database.db);
      waits.push(Number(row.rows[0]?.longest ?? 0));
    }
    return waits;
  } finally {
    await database.close();
  }
}

/** NOTIFY → LISTEN round trips on the same database, one committed notification at a time: the floor of offer → event. */
async function notifyRoundTrips(env: Record<string, string>, count: number): Promise<number[]> {
  const database = await connect({ url: env.DATABASE_URL, dataDir: env.DATA_DIR });
  try {
    const waiting = new Map<string, () => void>();
    const unlisten = await database.listen('bench_routing_reference', (payload) => waiting.get(payload)?.());
    const rounds: number[] = [];
    for (let i = 0; i < count; i++) {
      const id = String(i);
      const heard = new Promise<void>((resolve) => waiting.set(id, resolve));
      const sent = performance.now();
      await database.db.transaction().execute((tx) => sql`select pg_notify('bench_routing_reference', ${id})`.execute(tx));
      await heard;
      rounds.push(performance.now() - sent);
    }
    await unlisten();
    return rounds;
  } finally {
    await database.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseFlags();
  if (values.help) {
    console.log(usage);
    return;
  }
  if (values.serve) return serveCounted();
  const operatorCount = Number(values.operators);
  const rates = values.rates.split(',').map(Number);
  const stepSeconds = Number(values.step);
  const talk = values.talk.split('-').map(Number) as [number, number];
  if (!Number.isInteger(operatorCount) || operatorCount < 1 || operatorCount > 300) fail('--operators must be a whole number from 1 to 300.');
  if (!rates.length || rates.some((r) => !(r > 0))) fail('--rates must be positive numbers separated by commas.');
  if (!(stepSeconds >= 3)) fail('--step must be at least 3 seconds.');
  if (talk.length !== 2 || !(talk[0] >= 0) || !(talk[1] >= talk[0])) fail('--talk must be MIN-MAX seconds, e.g. 1-3.');

  const workDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-routing-'));
  const logFile = join(workDir, 'server.log');
  const { definitions, offerTimeouts, dispositions } = benchDefinitions(operatorCount);
  console.log(`Preparing a fresh database with the demo tenants (open round the clock) and ${operatorCount} bot operators…`);
  const database = await prepareDatabase(workDir, definitions, operatorCount);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const { child, counts } = startCountedServer(port, database.env, logFile);
  const bots: BotOperator[] = [];
  let simulator: Simulator | null = null;
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await simulator?.stop({ hangUp: true, timeoutMs: 3000 }).catch(() => undefined);
    await Promise.allSettled(bots.map((b) => b.stop()));
    await stopServer(child);
  };
  process.once('SIGINT', () => void stop().then(() => database.cleanup()).then(() => process.exit(130)));
  const steps: Step[] = [];
  try {
    await waitForHealth(base, child, logFile);
    console.log(`API process ${child.pid} on ${base}, ${database.description}; server log: ${logFile}`);
    const metrics: BotMetric[] = [];
    bots.push(...(await startBots({ base, count: operatorCount, seed: values.seed, talkSeconds: talk, orderShare: 0, offerTimeouts, dispositions, onMetric: (m) => metrics.push(m) })));
    const lines = await new TelephonyClient(base, loadConfig().telephonySecret).numbers();
    if (!lines.length) throw new Error('The dial plan is empty: the demo tenants have no numbers.');
    console.log(`${operatorCount} bots available; ${lines.length} numbers; ${rates.length} rates × ${stepSeconds} s.`);
    // This process's own event loop (the bots read their events here): a late loop delays what they read.
    const benchLoop = monitorEventLoopDelay({ resolution: 1 });
    benchLoop.enable();
    for (const rate of rates) {
      await counts();
      benchLoop.reset();
      const startMs = Date.now();
      simulator = stepSimulator({ base, secret: loadConfig().telephonySecret, seed: values.seed, rate, lines, log: () => {} });
      simulator.start();
      await new Promise((resolve) => setTimeout(resolve, stepSeconds * 1000));
      const endMs = Date.now();
      const placed = simulator.stats.placed;
      const stepCounts = await counts();
      await simulator.stop({ timeoutMs: 500 });
      const botsLoopDelayP99Ms = benchLoop.percentile(99) / 1e6;
      steps.push({ rate, startMs, endMs, placed, metrics: metrics.filter((m) => m.atMs >= startMs && m.atMs < endMs), counts: stepCounts, botsLoopDelayP99Ms });
      // Let the floor drain before the next rate, so each step starts from free operators.
      await new Promise((resolve) => setTimeout(resolve, (talk[1] + 2) * 1000));
    }
  } finally {
    await stop();
  }
  try {
    const waits = await longestWaits(database.env, steps);
    const reference = await notifyRoundTrips(database.env, 200);
    const capacity = operatorCount / ((talk[0] + talk[1]) / 2 + 0.5);
    console.log(
      `\n${'rate'.padStart(5)} ${'offered/s'.padStart(9)} ${'routed/s'.padStart(8)} ${'offer→event ms p50/p99'.padStart(23)} ${'longest wait s'.padStart(14)} ${'imposed s'.padStart(9)} ${'stmts/offer'.padStart(11)} ${'all stmts/routed'.padStart(16)}`,
    );
    steps.forEach((step, i) => {
      const seconds = (step.endMs - step.startMs) / 1000;
      const offers = step.metrics.filter((m) => m.kind === 'offer');
      const routed = step.metrics.filter((m) => m.kind === 'accepted').length;
      const offeredRate = step.placed / seconds;
      // FIFO with μ calls/s of operators: the last caller of the step waits behind what arrived beyond μ.
      const imposed = Math.max(0, ((offeredRate - capacity) * seconds) / capacity);
      const { routing, events, requests, process: figures } = step.counts;
      const perOffer = offers.length ? (routing.statements + events.statements) / offers.length : null;
      const perRouted = routed ? (routing.statements + events.statements + requests.statements) / routed : null;
      console.log(
        `${String(step.rate).padStart(5)} ${offeredRate.toFixed(2).padStart(9)} ${(routed / seconds).toFixed(2).padStart(8)} ${pair(offers.map((m) => (m.kind === 'offer' ? m.latencyMs : 0))).padStart(23)} ${waits[i]!.toFixed(2).padStart(14)} ${imposed.toFixed(2).padStart(9)} ${(perOffer?.toFixed(1) ?? '—').padStart(11)} ${(perRouted?.toFixed(1) ?? '—').padStart(16)}`,
      );
      const missed = step.metrics.filter((m) => m.kind === 'missed').length;
      const errors = step.metrics.filter((m) => m.kind === 'error');
      const notes = [
        `routing ${routing.statements} statements in ${routing.transactions} transactions, events ${events.statements} in ${events.transactions}, requests ${requests.statements} in ${requests.transactions}`,
        `API process ${((figures.cpuMs / 1000 / seconds) * 100).toFixed(0)} % of a core (${routed ? (figures.cpuMs / routed).toFixed(1) : '—'} ms of CPU per routed call), event-loop delay p99 ${figures.loopDelayP99Ms.toFixed(0)} ms; the bots' process: event-loop delay p99 ${step.botsLoopDelayP99Ms.toFixed(0)} ms`,
        missed ? `${missed} offers missed` : '',
        errors.length ? `${errors.length} errors, first: ${errors[0]!.kind === 'error' ? errors[0]!.message : ''}` : '',
      ].filter(Boolean);
      console.log(`      ${notes.join('\n      ')}`);
    });
    const p50 = percentile(reference, 50)!;
    const p99 = percentile(reference, 99)!;
    console.log(
      [
        '',
        `raw SQL reference, same database: NOTIFY → LISTEN round trip (one committed notification at a time, 200 times) p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms.`,
        'rate: calls/s asked for; offered/s: calls placed (POST /api/telephony/calls); routed/s: offers the bots accepted;',
        "offer→event: from the offer's creation (its expiry minus the offer timeout) to the bot reading it on /api/events;",
        'longest wait: the longest a call placed in the step waited for its first offer (to the end of the step if none);',
        `imposed: the longest wait operators' availability alone forces on a FIFO queue (capacity ${capacity.toFixed(1)} calls/s:`,
        `${operatorCount} bots, each call ${talk[0]}–${talk[1]} s of talk plus about 0.5 s of accepting and wrapping up);`,
        'stmts/offer: statements of routing passes and live events per offer the bots read; all stmts/routed: every',
        'statement of the API process (requests too: arrivals, accepts, hang-ups, wrap-ups) per routed call.',
        `Node ${process.versions.node}, ${database.description}.`,
      ].join('\n'),
    );
  } finally {
    await database.cleanup().catch((error: unknown) => console.error(`Could not drop the benchmark database: ${(error as Error).message}`));
    rmSync(join(workDir, 'pglite'), { recursive: true, force: true });
  }
}

await main().catch((error: unknown) => {
  console.error(`Benchmark failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
if (!process.argv.includes('--serve')) process.exit(0);
