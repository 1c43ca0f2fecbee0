import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandLine } from './command-line.ts';
import { sql } from 'kysely';
import type { Database } from '@switchboard/db';
import { hashPassword, loadConfig } from '@switchboard/api';
import { applyDefinitions, loadDemo } from '@switchboard/tenants';
import { assertNodeVersion } from './node-version.ts';
import { ApiProcess, freePort, prepareBenchDatabase } from './bench-process.ts';
import { BotOperator, type BotMetric } from './simulator/bot-operator.ts';
import { createRandom, Simulator, TelephonyClient } from './simulator/index.ts';

assertNodeVersion();

const usage = `pnpm bench:memory [--operators N] [--bots B] [--rate CALLS_PER_S] [--traffic S] [--settle S]

Starts one API process (as \`pnpm start\` does, simulator off) on a fresh database (PostgreSQL of
DATABASE_URL: a new database on that server, dropped afterwards; embedded PGlite without it) holding the
demo tenants, open round the clock, and N operators assigned to all of them, created with their sessions
in SQL. All N connect to live events (GET /api/events); B of them are bots that go available, accept
their offers, talk a second or two, hang up and wrap up while the call simulator plays RATE calls/s for
the traffic window, so every queue change fans out to all N streams. Prints the API process's resident
memory (VmRSS) before the streams, with N streams open, at its peak during the traffic and after it.
Figures only: nothing is asserted.

  --operators  operators connected to live events (default 500)
  --bots       of them, bots taking calls (default 20)
  --rate       calls per second during the traffic (default 2)
  --traffic    seconds of traffic (default 20)
  --settle     seconds to wait before each reading (default 5)`;

const { values, fail } = commandLine(usage, {
    operators: { type: 'string', default: '500' },
    bots: { type: 'string', default: '20' },
    rate: { type: 'string', default: '2' },
    traffic: { type: 'string', default: '20' },
    settle: { type: 'string', default: '5' },
});
const operatorCount = Number(values.operators);
const botCount = Number(values.bots);
const rate = Number(values.rate);
const trafficSeconds = Number(values.traffic);
const settleSeconds = Number(values.settle);
if (!Number.isInteger(operatorCount) || operatorCount < 1 || operatorCount > 5000) fail('--operators must be a whole number from 1 to 5000.');
if (!Number.isInteger(botCount) || botCount < 0 || botCount > operatorCount) fail('--bots must be a whole number from 0 to --operators.');
if (!(rate > 0)) fail('--rate must be a positive number of calls per second.');
if (!(trafficSeconds >= 0) || !(settleSeconds >= 0)) fail('--traffic and --settle must be 0 or more seconds.');

const benchPassword = 'switchboard-bench';
const operatorEmail = (i: number) => `memory-op-${i}@bench.switchboard.test`;
const token = (i: number) => `memorysession${i}.memorysecret${i}`;
/** Per tenant, the wrap-up codes the bots choose from (read from the definitions as they are applied). */
const dispositions = new Map<string, string[]>();
const sleep = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

/** The demo tenants open round the clock (the benchmark measures memory, not the hour it runs at), then the operators in SQL. */
async function seed(database: Database): Promise<void> {
  const demo = structuredClone(loadDemo());
  for (const { definition } of demo.tenants) {
    for (const schedule of definition.hours?.schedules ?? []) {
      for (const day of Object.keys(schedule.week) as (keyof typeof schedule.week)[]) schedule.week[day] = [{ start: '00:00', end: '24:00' }];
    }
    if (definition.hours) definition.hours.overrides = [];
    dispositions.set(definition.tenant.slug, (definition.wrapUpCodes ?? []).filter((c) => c.active !== false).map((c) => c.code));
  }
  const report = await applyDefinitions(database.db, demo);
  if (!report.ok) throw new Error(`Could not apply the demo tenants: ${JSON.stringify(report).slice(0, 500)}`);
  const db = database.db;
  const passwordHash = await hashPassword(benchPassword);
  await sql`
    insert into users (id, email, display_name, kind, password_hash, must_change_password, status, created_at, updated_at)
    select gen_random_uuid(), 'memory-op-' || g || '@bench.switchboard.test', 'Memory operator ' || g, 'operator', ${passwordHash}, false, 'active', now(), now()
    from generate_series(0, ${operatorCount - 1}) g`.execute(db);
  // Every operator serves every function with a number, at every demo tenant, agreement signed.
  await sql`
    insert into operator_assignments (tenant_id, operator_id, skills, created_at, confidentiality_agreement_signed_at, routing)
    select f.tenant_id, u.id, f.skills, now(), now(), '{}'::jsonb
    from (select tenant_id, array_agg(distinct function order by function) as skills from phone_numbers group by tenant_id) f,
         users u
    where u.email like 'memory-op-%'`.execute(db);
  // The sessions a login would create (sessions.ts: the cookie is <id>.<secret>, the row keeps sha256(secret)).
  await sql`
    insert into sessions (id, user_id, secret_hash, created_at, last_verified_at)
    select 'memorysession' || g, u.id, sha256(convert_to('memorysecret' || g, 'UTF8')), now(), now()
    from generate_series(0, ${operatorCount - 1}) g
    join users u on u.email = 'memory-op-' || g || '@bench.switchboard.test'`.execute(db);
}

/** What the listeners were sent; `greeted`: how many have had their first queue snapshot (the greeting after `ready`). */
interface Received {
  events: number;
  bytes: number;
  greeted: number;
  lastGreetedAt: number;
}

/** A desk that only listens: reads the stream to its end and counts what it was sent. */
function listen(base: string, i: number, abort: AbortSignal, received: Received): Promise<void> {
  return new Promise((resolve, reject) => {
    void (async () => {
      try {
        const res = await fetch(`${base}/api/events`, { headers: { cookie: `sb_session=${token(i)}`, accept: 'text/event-stream' }, signal: abort });
        if (res.status !== 200 || !res.body) throw new Error(`operator ${i}: /api/events answered ${res.status}`);
        let ready = false;
        let greeted = false;
        const decoder = new TextDecoder();
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          received.bytes += chunk.byteLength;
          const text = decoder.decode(chunk, { stream: true });
          received.events += text.split('\nevent: ').length - 1 + (text.startsWith('event: ') ? 1 : 0);
          if (!greeted && text.includes('event: queue')) {
            greeted = true;
            received.greeted++;
            received.lastGreetedAt = Date.now();
          }
          if (!ready && text.includes('event: ready')) {
            ready = true;
            resolve();
          }
        }
      } catch (error) {
        if (!abort.aborted) reject(error as Error);
      }
    })();
  });
}

const mb = (value: number | null) => (value === null ? '—' : `${Math.round(value)} MB`);

/** The process's own view (process.memoryUsage, after a collection when BENCH_GC=1): what the JavaScript heap holds. */
async function heapOf(api: ApiProcess): Promise<string> {
  const memory = (await api.counts())?.memory;
  if (!memory) return '';
  const m = (n: number) => Math.round(n / 1024 / 1024);
  return `heap ${m(memory.heapUsed)}/${m(memory.heapTotal)} MB, external ${m(memory.external)} MB, array buffers ${m(memory.arrayBuffers)} MB`;
}

/**
 * BENCH_HEAP_SNAPSHOTS=<folder>: the API process writes a heap snapshot there at each reading (Node's
 * --heapsnapshot-signal; it collects first, so it holds what is live), to compare in Chrome's DevTools.
 */
async function heapSnapshot(api: ApiProcess): Promise<void> {
  const folder = process.env.BENCH_HEAP_SNAPSHOTS;
  if (!folder) return;
  const snapshots = () => readdirSync(folder).filter((f) => f.endsWith('.heapsnapshot'));
  const before = new Set(snapshots());
  api.child.kill('SIGUSR1');
  const deadline = Date.now() + 120_000;
  let file: string | undefined;
  while (!(file = snapshots().find((f) => !before.has(f))) && Date.now() < deadline) await sleep(0.5);
  if (!file) return;
  // Written once its size stops growing.
  let size = -1;
  while (Date.now() < deadline && statSync(join(folder, file)).size !== size) {
    size = statSync(join(folder, file)).size;
    await sleep(1);
  }
  console.log(`  heap snapshot: ${join(folder, file)}`);
}

async function main(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-memory-'));
  console.log(`Preparing a fresh database with the demo tenants and ${operatorCount} operators…`);
  const database = await prepareBenchDatabase({ prefix: 'bench_idle_memory', workDir, seed });
  const api = new ApiProcess({ port: await freePort(), env: database.env, workDir });
  const abort = new AbortController();
  const bots: BotOperator[] = [];
  let simulator: Simulator | null = null;
  const cleanUp = async () => {
    await simulator?.stop({ hangUp: true, timeoutMs: 3000 }).catch(() => undefined);
    await Promise.allSettled(bots.map((b) => b.stop()));
    abort.abort();
    await api.stop();
    await database.cleanup().catch((error: unknown) => console.error(`Could not drop the benchmark database: ${(error as Error).message}`));
  };
  process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));
  try {
    await api.waitForHealth();
    console.log(`API process ${api.pid} on ${api.base}, ${database.description}; server log: ${api.logFile}`);
    await sleep(settleSeconds);
    const before = api.rssMb();
    const beforeHeap = await heapOf(api);
    await heapSnapshot(api);

    const received: Received = { events: 0, bytes: 0, greeted: 0, lastGreetedAt: 0 };
    const metrics: BotMetric[] = [];
    const random = createRandom('memory/bots');
    const config = loadConfig();
    for (let i = 0; i < botCount; i++) {
      bots.push(
        new BotOperator({
          base: api.base,
          email: operatorEmail(i),
          password: benchPassword,
          random: random.fork(String(i)),
          talkMs: [1000, 2000],
          orderShare: 0,
          orderTenant: 'pizza-napoli',
          offerTimeoutSeconds: () => 15,
          disposition: (tenant) => dispositions.get(tenant)?.[0] ?? 'done',
          onMetric: (metric) => metrics.push(metric),
        }),
      );
    }
    const connectStart = Date.now();
    for (const bot of bots) await bot.logIn();
    const listeners: Promise<void>[] = [];
    for (let i = botCount; i < operatorCount; i++) listeners.push(listen(api.base, i, abort.signal, received));
    await Promise.all([...listeners, ...bots.map((b) => b.listen())]);
    console.log(`${operatorCount} streams open in ${((Date.now() - connectStart) / 1000).toFixed(1)} s (${botCount} of them bots).`);
    // Each operator's greeting (its queues, read after `ready`) comes next: the reading waits for it (at most 2 minutes).
    const greetingDeadline = Date.now() + 120_000;
    while (received.greeted < operatorCount - botCount && Date.now() < greetingDeadline) await sleep(0.1);
    console.log(`${received.greeted} of the ${operatorCount - botCount} listeners greeted with their queues, the last ${((received.lastGreetedAt - connectStart) / 1000).toFixed(1)} s after the first stream opened.`);
    await sleep(settleSeconds);
    const withStreams = api.rssMb();
    const withStreamsHeap = await heapOf(api);
    await heapSnapshot(api);

    let peak = withStreams ?? 0;
    if (botCount && trafficSeconds) {
      await Promise.all(bots.map((b) => b.becomeAvailable()));
      const lines = await new TelephonyClient(api.base, config.telephonySecret).numbers();
      simulator = new Simulator({
        url: api.base,
        secret: config.telephonySecret,
        seed: 'memory',
        lines,
        shape: 'flat',
        multiplier: 1,
        callsPerHourAtPeak: (rate * 3600) / lines.length,
        durations: { patience: { median: 120, sigma: 0.3 }, talk: { default: { median: 600, sigma: 0.2 } } },
        pollMs: 5000,
        maxActiveCalls: 1_000_000,
        backOff: false,
        log: () => {},
      });
      simulator.start();
      const end = Date.now() + trafficSeconds * 1000;
      while (Date.now() < end) {
        await sleep(1);
        peak = Math.max(peak, api.rssMb() ?? 0);
      }
      await simulator.stop({ hangUp: true, timeoutMs: 3000 });
      simulator = null;
    }
    await sleep(settleSeconds);
    const after = api.rssMb();
    const afterHeap = await heapOf(api);
    const accepted = metrics.filter((m) => m.kind === 'accepted').length;
    const handled = metrics.filter((m) => m.kind === 'handled').length;
    const errors = metrics.filter((m): m is Extract<BotMetric, { kind: 'error' }> => m.kind === 'error');

    console.log(`\nResident memory (VmRSS) of the API process, ${database.kind === 'postgres' ? 'PostgreSQL' : 'PGlite'}:`);
    console.log(`  before any stream             ${mb(before)}  ${beforeHeap}`);
    console.log(`  with ${String(operatorCount).padEnd(4)} streams open        ${mb(withStreams)}  (${before !== null && withStreams !== null ? `${(((withStreams - before) * 1024) / operatorCount).toFixed(0)} kB a stream` : '—'})  ${withStreamsHeap}`);
    console.log(`  peak during ${trafficSeconds} s of traffic    ${mb(peak)}  (${rate} calls/s offered; ${accepted} calls accepted, ${handled} handled by ${botCount} bots)`);
    console.log(`  ${settleSeconds} s after the traffic         ${mb(after)}  ${afterHeap}`);
    console.log(`  the ${operatorCount - botCount} listeners received ${received.events} events (${(received.bytes / 1024).toFixed(0)} kB)`);
    if (errors.length) console.log(`  ${errors.length} bot errors, first: ${errors[0]!.message}`);
    console.log(`\nNode ${process.versions.node}, ${database.description}; the API process is scripts/src/start.ts (simulator off).`);
  } finally {
    await cleanUp();
  }
}

await main().catch((error: unknown) => {
  console.error(`Benchmark failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
process.exit(0);
