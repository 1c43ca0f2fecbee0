import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '@switchboard/api';
import { repoRoot } from './build-web.ts';
import { adminEmail, benchDefinitions, benchPassword, freePort, pair, prepareDatabase, rssMb, startBots, stepSimulator, stopServer, waitForHealth } from './bench-floor.ts';
import { assertNodeVersion } from './node-version.ts';
import type { BotMetric, BotOperator } from './simulator/bot-operator.ts';
import { TelephonyClient, type Simulator, type SimulatorEvent } from './simulator/index.ts';

assertNodeVersion();

const usage = `pnpm bench:desk [--operators N] [--rates 1,2,4,8] [--step SECONDS] [--order-share 0..1] [--talk MIN-MAX] [--seed SEED]

Starts one API process on a fresh database (embedded PGlite in a temporary folder, or a new database
created on the PostgreSQL server of DATABASE_URL and dropped afterwards), with the demo tenants open
round the clock and N bot operators serving all their numbers. The bots listen on /api/events, accept
their offers, take an order on some pizza calls, hang up and wrap up, while the call simulator plays
each rate (calls per second, all numbers together) for one step. Prints, per rate, what was offered
and routed, the offer→desk-event and order-creation latencies, and the API process's memory.
Figures only: nothing is asserted.

  --operators    bot operators (default 32)
  --rates        call rates to play, calls/s, in order (default 1,2,4,8)
  --step         seconds per rate (default 25)
  --order-share  share of pizza order-taking calls with an order (default 0.6)
  --talk         seconds a bot talks before hanging up, drawn in MIN-MAX (default 1-3)
  --seed         the simulator's seed (default 1)`;

function parseFlags() {
  try {
    return parseArgs({
      options: {
        operators: { type: 'string', default: '32' },
        rates: { type: 'string', default: '1,2,4,8' },
        step: { type: 'string', default: '25' },
        'order-share': { type: 'string', default: '0.6' },
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
const { values } = parseFlags();
if (values.help) {
  console.log(usage);
  process.exit(0);
}
function fail(message: string): never {
  console.error(`${message}\n\n${usage}`);
  process.exit(2);
}
const operatorCount = Number(values.operators);
const rates = values.rates.split(',').map(Number);
const stepSeconds = Number(values.step);
const orderShare = Number(values['order-share']);
const talk = values.talk.split('-').map(Number) as [number, number];
if (!Number.isInteger(operatorCount) || operatorCount < 1 || operatorCount > 200) fail('--operators must be a whole number from 1 to 200.');
if (!rates.length || rates.some((r) => !(r > 0))) fail('--rates must be positive numbers separated by commas.');
if (!(stepSeconds >= 5)) fail('--step must be at least 5 seconds.');
if (!(orderShare >= 0 && orderShare <= 1)) fail('--order-share must be between 0 and 1.');
if (talk.length !== 2 || !(talk[0] >= 0) || !(talk[1] >= talk[0])) fail('--talk must be MIN-MAX seconds, e.g. 1-3.');

const config = loadConfig();
const secret = config.telephonySecret;

// ---- the API process ----------------------------------------------------------------------------

function startServer(port: number, env: Record<string, string>, logFile: string): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts/src/start.ts'), '--no-simulator'], {
    cwd: repoRoot,
    // TELEPHONY_SECRET, if set, reaches it as it reached us: both sign with the same secret.
    env: { ...process.env, ...env, PORT: String(port), SIMULATOR: 'off' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile);
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  return child;
}

// ---- figures ------------------------------------------------------------------------------------

interface StepFigures {
  rate: number;
  seconds: number;
  offeredPerSecond: number;
  routedPerSecond: number;
  offersPerSecond: number;
  offerLatency: number[];
  orderLatency: number[];
  ordersFailed: number;
  incomingLatency: number[];
  handled: number;
  offersLost: number;
  offersMissed: number;
  errors: string[];
  rssEnd: number | null;
  rssMax: number | null;
  waitingAtEnd: number | null;
}

function printHeader(): void {
  console.log(
    `\n${'rate'.padStart(5)} ${'offered/s'.padStart(9)} ${'routed/s'.padStart(8)} ${'offer→event ms p50/p99'.padStart(23)} ${'order ms p50/p99'.padStart(17)} ${'orders'.padStart(7)} ${'call-in ms p50/p99'.padStart(19)} ${'waiting'.padStart(7)} ${'RSS MB end/max'.padStart(15)}`,
  );
}

function printStep(f: StepFigures): void {
  const rss = `${f.rssEnd === null ? '—' : Math.round(f.rssEnd)} / ${f.rssMax === null ? '—' : Math.round(f.rssMax)}`;
  const orders = `${f.orderLatency.length - f.ordersFailed}${f.ordersFailed ? `+${f.ordersFailed}✗` : ''}`;
  console.log(
    `${String(f.rate).padStart(5)} ${f.offeredPerSecond.toFixed(2).padStart(9)} ${f.routedPerSecond.toFixed(2).padStart(8)} ${pair(f.offerLatency).padStart(23)} ${pair(f.orderLatency).padStart(17)} ${orders.padStart(7)} ${pair(f.incomingLatency).padStart(19)} ${String(f.waitingAtEnd ?? '—').padStart(7)} ${rss.padStart(15)}`,
  );
}

// ---- the run ------------------------------------------------------------------------------------

async function logInAdmin(base: string): Promise<string> {
  const res = await fetch(`${base}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: adminEmail, password: benchPassword }) });
  const cookie = res.headers.getSetCookie().find((line) => line.startsWith('sb_session='));
  if (res.status !== 200 || !cookie) throw new Error(`The provider admin could not log in: ${res.status}`);
  return cookie.split(';')[0]!;
}

/** Calls waiting in every queue, from the wallboard (null when it cannot tell). */
async function waitingCalls(base: string, cookie: string): Promise<number | null> {
  try {
    const res = await fetch(`${base}/api/wallboard`, { headers: { cookie } });
    if (!res.ok) return null;
    let total = 0;
    let found = false;
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(walk);
      else if (node && typeof node === 'object') {
        for (const [key, value] of Object.entries(node)) {
          if (key === 'waiting' && typeof value === 'number') {
            total += value;
            found = true;
          } else walk(value);
        }
      }
    };
    walk(await res.json());
    return found ? total : null;
  } catch {
    return null;
  }
}

async function main(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-'));
  const logFile = join(workDir, 'server.log');
  const { definitions, offerTimeouts, dispositions } = benchDefinitions(operatorCount);
  console.log(`Preparing a fresh database with the demo tenants (open round the clock) and ${operatorCount} bot operators…`);
  const database = await prepareDatabase(workDir, definitions, operatorCount);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = startServer(port, database.env, logFile);
  const bots: BotOperator[] = [];
  let simulator: Simulator | null = null;
  const cleanUp = async () => {
    await simulator?.stop({ hangUp: true, timeoutMs: 3000 }).catch(() => undefined);
    await Promise.allSettled(bots.map((b) => b.stop()));
    await stopServer(child);
    await database.cleanup().catch((error: unknown) => console.error(`Could not drop the benchmark database: ${(error as Error).message}`));
    // The server's log stays, for a look at what it said under load.
    rmSync(join(workDir, 'pglite'), { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));
  try {
    await waitForHealth(base, child, logFile);
    console.log(`API process ${child.pid} on ${base}, ${database.description}; server log: ${logFile}`);

    const metrics: BotMetric[] = [];
    bots.push(...(await startBots({ base, count: operatorCount, seed: values.seed, talkSeconds: talk, orderShare, offerTimeouts, dispositions, onMetric: (m) => metrics.push(m) })));
    const adminCookie = await logInAdmin(base);

    const lines = await new TelephonyClient(base, secret).numbers();
    if (!lines.length) throw new Error('The dial plan is empty: the demo tenants have no numbers (tenants/demo, callHandling.numbers).');
    const tenants = [...new Set(lines.map((l) => l.tenant))];
    console.log(`${operatorCount} bots available; dial plan: ${lines.length} numbers of ${tenants.join(', ')}; ${rates.length} rates × ${stepSeconds} s.`);
    printHeader();

    const figures: StepFigures[] = [];
    for (const rate of rates) {
      const events: SimulatorEvent[] = [];
      const stepStart = Date.now();
      const logged: string[] = [];
      simulator = stepSimulator({ base, secret, seed: values.seed, rate, lines, log: (line) => logged.push(line), onEvent: (event) => events.push(event) });
      simulator.start();
      const rss: number[] = [];
      while (Date.now() - stepStart < stepSeconds * 1000) {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        const now = rssMb(child.pid!);
        if (now !== null) rss.push(now);
      }
      const stepEnd = Date.now();
      const placed = simulator.stats.placed;
      const waitingAtEnd = await waitingCalls(base, adminCookie);
      await simulator.stop({ timeoutMs: 500 });
      const seconds = (stepEnd - stepStart) / 1000;
      const inStep = metrics.filter((m) => m.atMs >= stepStart && m.atMs < stepEnd);
      const offered = events.filter((e): e is Extract<SimulatorEvent, { kind: 'offered' }> => e.kind === 'offered' && e.sentAtMs < stepEnd);
      const orders = inStep.filter((m): m is Extract<BotMetric, { kind: 'order' }> => m.kind === 'order');
      const step: StepFigures = {
        rate,
        seconds,
        offeredPerSecond: placed / seconds,
        routedPerSecond: inStep.filter((m) => m.kind === 'accepted').length / seconds,
        offersPerSecond: inStep.filter((m) => m.kind === 'offer').length / seconds,
        offerLatency: inStep.flatMap((m) => (m.kind === 'offer' ? [m.latencyMs] : [])),
        orderLatency: orders.map((o) => o.latencyMs),
        ordersFailed: orders.filter((o) => !o.ok).length,
        incomingLatency: offered.map((e) => e.answeredAtMs - e.sentAtMs),
        handled: inStep.filter((m) => m.kind === 'handled').length,
        offersLost: inStep.filter((m) => m.kind === 'offer-lost').length,
        offersMissed: inStep.filter((m) => m.kind === 'missed').length,
        errors: [...inStep.flatMap((m) => (m.kind === 'error' ? [m.message] : [])), ...logged.filter((line) => line.includes('failed'))],
        rssEnd: rss.at(-1) ?? null,
        rssMax: rss.length ? Math.max(...rss) : null,
        waitingAtEnd,
      };
      figures.push(step);
      printStep(step);
      const notQueued = Object.entries(simulator.stats.notQueued);
      const notes = [
        step.offersLost ? `${step.offersLost} offers lost (409)` : '',
        step.offersMissed ? `${step.offersMissed} offers missed (bot marked not responding, came back)` : '',
        notQueued.length ? `not queued: ${notQueued.map(([k, v]) => `${k} ${v}`).join(', ')}` : '',
        step.errors.length ? `${step.errors.length} errors, first: ${step.errors[0]}` : '',
      ].filter(Boolean);
      if (notes.length) console.log(`      ${notes.join('; ')}`);
    }

    console.log(
      [
        '',
        'rate: calls/s the simulator was asked for; offered/s: calls it placed through POST /api/telephony/calls;',
        'routed/s: offers the bots accepted (calls connected to an operator); offer→event: from the offer (its expiry',
        "minus the tenant's offer timeout) to the bot reading it on /api/events; order: POST /api/t/pizza-napoli/orders",
        'round trip; call-in: POST /api/telephony/calls round trip; waiting: calls in the queues at the end of the step',
        `(wallboard); RSS: the API process (pid ${child.pid}), at the end of the step and the most seen during it.`,
        `Node ${process.versions.node}, ${database.description}, ${operatorCount} bots talking ${talk[0]}–${talk[1]} s, orders on ${Math.round(orderShare * 100)} % of pizza order calls.`,
        `The bots alone could handle about ${(operatorCount / ((talk[0] + talk[1]) / 2 + 0.5)).toFixed(1)} calls/s (each call: its talk time and about 0.5 s of accepting, hanging up and wrapping up).`,
      ].join('\n'),
    );
  } finally {
    await cleanUp();
  }
}

await main().catch((error: unknown) => {
  console.error(`Benchmark failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
process.exit(0);
