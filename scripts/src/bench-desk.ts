import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { connect, migrateToLatest, withApp, type Database } from '@switchboard/db';
import { hashPassword, loadConfig } from '@switchboard/api';
import { applyDefinitions, loadDemo, type LoadedDefinitions } from '@switchboard/tenants';
import { repoRoot } from './build-web.ts';
import { assertNodeVersion } from './node-version.ts';
import { BotOperator, type BotMetric } from './simulator/bot-operator.ts';
import { createRandom, Simulator, TelephonyClient, type SimulatorEvent } from './simulator/index.ts';

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

const benchPassword = 'switchboard-bench';
const adminEmail = 'admin@switchboard.test';
const botEmail = (i: number) => `bot${String(i + 1).padStart(3, '0')}@bench.switchboard.test`;
const config = loadConfig();
const secret = config.telephonySecret;

// ---- the database -------------------------------------------------------------------------------

/**
 * The demo tenants as the benchmark needs them: open round the clock (it must measure routing, not
 * the hours of the moment it runs), with the bot operators assigned to every function that has a
 * number, with a signed agreement where a tenant demands one.
 */
function benchDefinitions(): { definitions: LoadedDefinitions; offerTimeouts: Map<string, number>; dispositions: Map<string, string[]> } {
  const demo = structuredClone(loadDemo());
  const offerTimeouts = new Map<string, number>();
  const dispositions = new Map<string, string[]>();
  const bots = Array.from({ length: operatorCount }, (_, i) => botEmail(i));
  demo.provider?.definition.staff.push(...bots.map((email, i) => ({ email, displayName: `Bot ${i + 1}`, kind: 'operator' as const })));
  for (const { definition } of demo.tenants) {
    const slug = definition.tenant.slug;
    if (definition.hours) {
      for (const schedule of definition.hours.schedules) {
        for (const day of Object.keys(schedule.week) as (keyof typeof schedule.week)[]) schedule.week[day] = [{ start: '00:00', end: '24:00' }];
      }
      definition.hours.overrides = [];
    }
    const functions = [...new Set((definition.callHandling?.numbers ?? []).map((n) => n.function))].sort();
    if (functions.length) {
      for (const email of bots) definition.operators.push({ email, skills: functions, agreementSignedAt: '2026-01-01T00:00:00.000Z' });
    }
    offerTimeouts.set(slug, definition.callHandling?.settings?.offerTimeoutSeconds ?? 15);
    dispositions.set(slug, (definition.wrapUpCodes ?? []).filter((c) => c.active !== false).map((c) => c.code));
  }
  return { definitions: { ...demo, errors: [] }, offerTimeouts, dispositions };
}

async function seed(database: Database, definitions: LoadedDefinitions): Promise<void> {
  await migrateToLatest(database.db);
  const report = await applyDefinitions(database.db, definitions);
  if (!report.ok) {
    const reasons = [...(report.provider?.errors ?? []), ...report.tenants.flatMap((t) => t.errors.map((e) => `${t.slug}: ${e}`))];
    throw new Error(`Could not apply the benchmark tenants: ${reasons.join('; ')}`);
  }
  const passwordHash = await hashPassword(benchPassword);
  const emails = [adminEmail, ...Array.from({ length: operatorCount }, (_, i) => botEmail(i))];
  await withApp(database.db, (tx) => tx.updateTable('users').set({ passwordHash, mustChangePassword: false }).where('email', 'in', emails).execute());
}

interface PreparedDatabase {
  env: Record<string, string>;
  description: string;
  cleanup: () => Promise<void>;
}

async function prepareDatabase(workDir: string, definitions: LoadedDefinitions): Promise<PreparedDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const dataDir = join(workDir, 'pglite');
    const database = await connect({ dataDir });
    try {
      await seed(database, definitions);
    } finally {
      await database.close();
    }
    return { env: { DATA_DIR: dataDir }, description: `embedded PGlite (${dataDir})`, cleanup: async () => {} };
  }
  // A database of its own on that server, so the benchmark never touches the data in DATABASE_URL.
  const name = `switchboard_bench_${Date.now().toString(36)}`;
  const admin = await connect({ url: serverUrl, maxConnections: 1 });
  await sql.raw(`create database ${name}`).execute(admin.db);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await connect({ url: url.toString(), maxConnections: 2 });
  try {
    await seed(database, definitions);
  } finally {
    await database.close();
  }
  return {
    env: { DATABASE_URL: url.toString() },
    description: `PostgreSQL, database ${name} (dropped afterwards)`,
    cleanup: async () => {
      await sql.raw(`drop database if exists ${name} with (force)`).execute(admin.db);
      await admin.close();
    },
  };
}

// ---- the API process ----------------------------------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

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

async function waitForHealth(base: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`The API process exited (${child.exitCode}):\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    try {
      const res = await fetch(`${base}/api/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`The API process did not answer /api/health within 3 minutes:\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
}

/** Resident memory of a process in MB (Linux /proc; `ps` elsewhere). */
function rssMb(pid: number): number | null {
  try {
    if (existsSync(`/proc/${pid}/status`)) {
      const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      return kb ? Number(kb) / 1024 : null;
    }
  } catch {
    // gone
  }
  return null;
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

// ---- figures ------------------------------------------------------------------------------------

function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
const ms = (value: number | null) => (value === null ? '—' : value < 10 ? value.toFixed(1) : String(Math.round(value)));
const pair = (values: number[]) => `${ms(percentile(values, 50))} / ${ms(percentile(values, 99))}`;

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
  const { definitions, offerTimeouts, dispositions } = benchDefinitions();
  console.log(`Preparing a fresh database with the demo tenants (open round the clock) and ${operatorCount} bot operators…`);
  const database = await prepareDatabase(workDir, definitions);
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
    const random = createRandom(`${values.seed}/bots`);
    for (let i = 0; i < operatorCount; i++) {
      bots.push(
        new BotOperator({
          base,
          email: botEmail(i),
          password: benchPassword,
          random: random.fork(String(i)),
          talkMs: [talk[0] * 1000, talk[1] * 1000],
          orderShare,
          orderTenant: 'pizza-napoli',
          offerTimeoutSeconds: (tenant) => offerTimeouts.get(tenant) ?? 15,
          disposition: (tenant, fn) => {
            const codes = dispositions.get(tenant) ?? [];
            const preferred = fn === 'order_taking' ? codes.find((c) => c.includes('order')) : undefined;
            return preferred ?? codes[0] ?? 'done';
          },
          onMetric: (metric) => metrics.push(metric),
        }),
      );
    }
    for (const bot of bots) await bot.logIn();
    await Promise.all(bots.map((b) => b.listen()));
    await Promise.all(bots.map((b) => b.becomeAvailable()));
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
      simulator = new Simulator({
        url: base,
        secret,
        seed: `${values.seed}/${rate}`,
        lines,
        shape: 'flat',
        multiplier: 1,
        callsPerHourAtPeak: (rate * 3600) / lines.length,
        // Callers hold long and talk long: the bots end the calls, the benchmark measures routing.
        durations: { patience: { median: 120, sigma: 0.3 }, talk: { default: { median: 600, sigma: 0.2 } } },
        // Polls cost the server too; every 5 s is enough to see an operator hang up.
        pollMs: 5000,
        maxActiveCalls: 1_000_000,
        backOff: false,
        log: (line) => logged.push(line),
        onEvent: (event) => events.push(event),
      });
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
