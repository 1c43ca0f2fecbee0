import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandLine } from './command-line.ts';
import { loadConfig } from '@switchboard/api';
import { demoPassword, loadDemo } from '@switchboard/tenants';
import { repoRoot } from './build-web.ts';
import { assertNodeVersion } from './node-version.ts';
import { startNodeFlags } from './node-flags.ts';
import { BotOperator, type BotMetric } from './simulator/bot-operator.ts';
import { floorBotEmails } from './simulator/demo-floor.ts';
import { createRandom, Simulator, TelephonyClient } from './simulator/index.ts';
import { CommandModel, startPushReceiver } from './simulator/push.ts';

assertNodeVersion();

const usage = `pnpm fault:restart [--port 5441] [--rate CALLS_PER_S] [--warmup S] [--outage S] [--grace-ms MS] [--keep]

The resilience proof: creates a private PostgreSQL cluster (pg_createcluster <version> sbfault -p PORT;
needs root and Debian's postgresql-common), starts the API process on it the way \`pnpm start\` does
(SEED_DEMO=true, the real start path), connects the demo floor's bot operators and plays calls, then
  1. restarts the cluster under load (stop -m fast, which ends every session, then start at once),
  2. stops it -m immediate (as a crash would) for --outage seconds and starts it again,
and asserts: the process never exits; /api/health answers 503 (within ~1 s, no driver message) while the
database is down and 200 once it is back; calls are offered again within 10 s of each return, and the
telephony commands (the simulator is a push adapter) are pushed again within 10 s; no call is left stuck
(an offer past its expiry, a queue row without its call) and no command is left undelivered; SIGTERM then stops the process within
its grace period with the database down. Prints the figures, drops the cluster, exits 1 on a failed assertion (2 on bad flags).

  --port      port of the private cluster (default 5441)
  --rate      calls per second offered, all demo numbers together (default 1.5)
  --warmup    seconds of load before the first fault (default 15)
  --outage    seconds the cluster stays stopped in the second fault (default 6)
  --grace-ms  the process's shutdown grace period, SHUTDOWN_GRACE_MS (default 10000)
  --keep      keep the cluster afterwards (debugging)`;

const { values } = commandLine(usage, {
    port: { type: 'string', default: '5441' },
    rate: { type: 'string', default: '1.5' },
    warmup: { type: 'string', default: '15' },
    outage: { type: 'string', default: '6' },
    'grace-ms': { type: 'string', default: '10000' },
    keep: { type: 'boolean', default: false },
});
const clusterPort = Number(values.port);
const rate = Number(values.rate);
const warmupSeconds = Number(values.warmup);
const outageSeconds = Number(values.outage);
const graceMs = Number(values['grace-ms']);
if (!Number.isInteger(clusterPort) || clusterPort < 1024 || clusterPort > 65535) badFlag('--port must be a port number from 1024.');
if (!(rate > 0 && rate <= 20)) badFlag('--rate must be between 0 and 20 calls per second.');
if (!(warmupSeconds >= 5)) badFlag('--warmup must be at least 5 seconds.');
if (!(outageSeconds >= 1 && outageSeconds <= 60)) badFlag('--outage must be 1 to 60 seconds.');
if (!(graceMs >= 1000)) badFlag('--grace-ms must be at least 1000.');
function badFlag(message: string): never {
  console.error(`${message}\n\n${usage}`);
  process.exit(2);
}

const clusterName = 'sbfault';
/** Offers must resume within this of the database's return (the issue's goal). */
const resumeLimitMs = 10_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(2)} s`);

const pgVersion = (() => {
  if (!existsSync('/usr/bin/pg_createcluster')) {
    console.log('fault:restart skipped: pg_createcluster is not installed (Debian postgresql-common), so no private cluster can be made.');
    process.exit(0);
  }
  const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  if (!versions.length) {
    console.log('fault:restart skipped: no PostgreSQL server under /usr/lib/postgresql.');
    process.exit(0);
  }
  return versions[0]!;
})();

const run = (command: string, args: string[]) => execFileSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
/**
 * Asynchronous, so health keeps being sampled while the cluster restarts. The postmaster inherits the
 * command's output: spawned with nothing attached, or the wait would last as long as the server runs.
 */
const cluster = (action: 'start' | 'stop' | 'restart', ...extra: string[]) =>
  new Promise<void>((resolve, reject) => {
    const command = spawn('pg_ctlcluster', [pgVersion, clusterName, action, ...extra], { stdio: 'ignore' });
    command.once('error', reject);
    command.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pg_ctlcluster ${action} exited with ${code}`))));
  });
const execFileAsync = promisify(execFile);
function dropCluster(): void {
  try {
    run('pg_dropcluster', ['--stop', pgVersion, clusterName]);
  } catch {
    // none to drop
  }
}

/**
 * The run's own look at the database, through psql (one short connection per question): a driver's
 * pooled connection would itself be a subject of the faults it observes. Null while the server is down.
 */
async function ask(query: string): Promise<string[][] | null> {
  try {
    const psql = `/usr/lib/postgresql/${pgVersion}/bin/psql`;
    const { stdout } = await execFileAsync(psql, ['-h', '127.0.0.1', '-p', String(clusterPort), '-U', 'sbfault', '-d', 'switchboard', '-qAt', '-F', '|', '-c', query], { timeout: 5000 });
    return stdout
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.split('|'));
  } catch {
    return null;
  }
}
const offersMade = async () => Number((await ask(`select count(*) from call_events where kind = 'offered'`))?.[0]?.[0] ?? NaN);

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

interface HealthSample {
  atMs: number;
  status: number | 'no answer';
  ms: number;
  body: string;
}

async function health(base: string): Promise<HealthSample> {
  const started = Date.now();
  try {
    const res = await fetch(`${base}/api/health`, { signal: AbortSignal.timeout(5000) });
    return { atMs: started, status: res.status, ms: Date.now() - started, body: await res.text() };
  } catch {
    return { atMs: started, status: 'no answer', ms: Date.now() - started, body: '' };
  }
}

/** Accepting connections again (the moment the database "returns"). */
async function waitForCluster(url: string): Promise<number> {
  for (let i = 0; i < 600; i++) {
    try {
      await execFileAsync(`/usr/lib/postgresql/${pgVersion}/bin/pg_isready`, ['-q', '-h', '127.0.0.1', '-p', String(clusterPort)]);
      return Date.now();
    } catch {
      await sleep(50);
    }
  }
  throw new Error(`The cluster did not come back (${url}).`);
}

interface Fault {
  name: string;
  downAtMs: number;
  startAtMs: number;
  backAtMs: number;
  firstOfferAfterMs: number | null;
  /** The first telephony command pushed to the adapter after the return (the delivery loop resumed). */
  firstDeliveryAfterMs: number | null;
  firstDeskOfferAfterMs: number | null;
  health503: number;
  health503MaxMs: number;
  healthOther: string[];
  healthBackAfterMs: number | null;
  leaked: boolean;
}

const failures: string[] = [];
const check = (ok: boolean, message: string) => {
  if (!ok) failures.push(message);
};

const workDir = mkdtempSync(join(tmpdir(), 'switchboard-fault-'));
const logFile = join(workDir, 'api.log');
let child: ChildProcess | undefined;
let simulator: Simulator | undefined;
let receiver: { url: string; close: () => Promise<void> } | undefined;
const bots: BotOperator[] = [];
let exitedWith: string | null = null;

try {
  dropCluster();
  run('pg_createcluster', [pgVersion, clusterName, '-p', String(clusterPort), '--', '--auth=trust']);
  await cluster('start');
  const user = 'sbfault';
  run('su', ['postgres', '-c', `psql -p ${clusterPort} -qAtc "create role ${user} login superuser password '${user}'" -c "create database switchboard owner ${user}"`]);
  const url = `postgres://${user}:${user}@127.0.0.1:${clusterPort}/switchboard`;
  console.log(`Private cluster ${pgVersion}/${clusterName} on port ${clusterPort}; the API log is ${logFile}.`);

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const startEnv = { ...process.env, DATABASE_URL: url, SEED_DEMO: 'true', PORT: String(port), SIMULATOR: 'off', SHUTDOWN_GRACE_MS: String(graceMs), NODE_ENV: '' };
  // As `pnpm start` runs it: its node flags (scripts/src/node-flags.ts) and start.ts under tsx.
  child = spawn(process.execPath, [...startNodeFlags(startEnv), '--import', 'tsx', join(repoRoot, 'scripts/src/start.ts'), '--no-simulator'], {
    cwd: repoRoot,
    env: startEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(logFile);
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  child.once('exit', (code, signal) => (exitedWith = `${code ?? signal}`));
  const startedAt = Date.now();
  for (;;) {
    if (exitedWith !== null) throw new Error(`The API process exited while starting (${exitedWith}):\n${readFileSync(logFile, 'utf8').slice(-3000)}`);
    if ((await health(base)).status === 200) break;
    if (Date.now() - startedAt > 240_000) throw new Error('The API process was not healthy within 4 minutes.');
    await sleep(250);
  }
  console.log(`API process healthy in ${seconds(Date.now() - startedAt)} (new database: migrations and demo applied).`);

  // The demo floor's bots, talking briefly, so operators are free when the database returns.
  const metrics: BotMetric[] = [];
  const wrapUpCodes = new Map(loadDemo().tenants.map(({ definition }) => [definition.tenant.slug, (definition.wrapUpCodes ?? []).find((c) => c.active !== false)?.code ?? 'done']));
  const random = createRandom('fault-restart');
  for (const [i, email] of floorBotEmails().entries()) {
    bots.push(
      new BotOperator({
        base,
        email,
        password: demoPassword,
        random: random.fork(String(i)),
        talkMs: [1000, 3000],
        orderShare: 0.3,
        orderTenant: 'pizza-napoli',
        offerTimeoutSeconds: () => 15,
        disposition: (tenant) => wrapUpCodes.get(tenant) ?? 'done',
        onMetric: (metric) => metrics.push(metric),
      }),
    );
  }
  for (const bot of bots) await bot.logIn();
  await Promise.all(bots.map((b) => b.listen()));
  await Promise.all(bots.map((b) => b.becomeAvailable()));
  const telephonyClient = new TelephonyClient(base, loadConfig().telephonySecret);
  const lines = await telephonyClient.numbers();
  // A push adapter, as the demo runs: the API process's delivery loop is under the faults too.
  const push = new CommandModel();
  receiver = await startPushReceiver({ secret: loadConfig().telephonySecret, model: push });
  await telephonyClient.register('fault-run', receiver.url);
  simulator = new Simulator({
    url: base,
    secret: loadConfig().telephonySecret,
    seed: 'fault-restart',
    lines,
    shape: 'flat',
    multiplier: 1,
    callsPerHourAtPeak: (rate * 3600) / lines.length,
    durations: { patience: { median: 90, sigma: 0.3 }, talk: { default: { median: 600, sigma: 0.2 } } },
    pollMs: 3000,
    push,
    maxActiveCalls: 2000,
    backOff: false,
    log: () => {},
  });
  simulator.start();
  console.log(`${bots.length} bot operators available; ${rate} calls/s on ${lines.length} numbers; ${warmupSeconds} s of load before the first fault.`);

  // Health is sampled all along, four times a second.
  const samples: HealthSample[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      samples.push(await health(base));
      await sleep(250);
    }
  })();

  await sleep(warmupSeconds * 1000);
  const offeredBefore = await offersMade();
  console.log(`Before the faults: ${offeredBefore} offers made.`);

  const faults: Fault[] = [];
  /** `downAtMs`: the server has stopped; `startAtMs`: it is being started; `backAtMs`: it accepts connections. */
  const observe = async (name: string, downAtMs: number, startAtMs: number, backAtMs: number): Promise<Fault> => {
    // Offers after the return: the database's own record, and the first offer a bot's desk received.
    let firstOfferAfterMs: number | null = null;
    while (Date.now() - backAtMs < resumeLimitMs + 10_000) {
      const at = (await ask(`select extract(epoch from min(at)) * 1000 from call_events where kind = 'offered' and at > to_timestamp(${backAtMs / 1000})`))?.[0]?.[0];
      if (at) {
        firstOfferAfterMs = Math.round(Number(at) - backAtMs);
        break;
      }
      await sleep(200);
    }
    let firstDeliveryAfterMs: number | null = null;
    while (Date.now() - backAtMs < resumeLimitMs + 10_000) {
      const at = (await ask(`select extract(epoch from min(delivered_at)) * 1000 from telephony_commands where delivered_at > to_timestamp(${backAtMs / 1000})`))?.[0]?.[0];
      if (at) {
        firstDeliveryAfterMs = Math.round(Number(at) - backAtMs);
        break;
      }
      await sleep(200);
    }
    await sleep(3000);
    const desk = metrics.find((m) => m.kind === 'offer' && m.atMs > backAtMs);
    // Health asked while the server was surely down (stopped, not yet being started).
    const during = samples.filter((s) => s.atMs >= downAtMs + 300 && s.atMs + s.ms <= startAtMs);
    const health503 = during.filter((s) => s.status === 503);
    const healthBack = samples.find((s) => s.atMs > backAtMs && s.status === 200);
    return {
      name,
      downAtMs,
      startAtMs,
      backAtMs,
      firstOfferAfterMs,
      firstDeliveryAfterMs,
      firstDeskOfferAfterMs: desk ? desk.atMs - backAtMs : null,
      health503: health503.length,
      health503MaxMs: Math.max(0, ...health503.map((s) => s.ms)),
      healthOther: during.filter((s) => s.status !== 503).map((s) => String(s.status)),
      healthBackAfterMs: healthBack ? healthBack.atMs + healthBack.ms - backAtMs : null,
      leaked: health503.some((s) => /ECONN|terminating|shutting down|57P0|5441|sbfault|127\.0\.0\.1/i.test(s.body)),
    };
  };
  const fault = async (name: string, downSeconds: number, mode: 'fast' | 'immediate') => {
    await cluster('stop', '-m', mode);
    const downAt = Date.now();
    await sleep(downSeconds * 1000);
    const startAt = Date.now();
    await cluster('start');
    const backAt = await waitForCluster(url);
    faults.push(await observe(name, downAt, startAt, backAt));
  };

  // 1. A restart under load: stopped (fast: sessions terminated), started again at once.
  await fault('restart (fast)', 0, 'fast');
  await sleep(5000);
  // 2. A crash-like stop (immediate), away for several seconds.
  await fault(`down ${outageSeconds} s`, outageSeconds, 'immediate');

  // Let the load run on, then stop the calls and look for anything stuck.
  await sleep(5000);
  await simulator.stop({ timeoutMs: 1000 });
  await sleep(3000);
  const stuck = (
    (await ask(`
      select 'offer past its expiry', count(*) from call_queue where offer_expires_at < now() - interval '5 seconds'
      union all
      select 'queued call without its queue row', count(*) from calls c where c.status = 'queued' and not exists (select 1 from call_queue q where q.tenant_id = c.tenant_id and q.call_id = c.id)
      union all
      select 'queue row of a call no longer queued', count(*) from call_queue q join calls c on c.tenant_id = q.tenant_id and c.id = q.call_id where c.status <> 'queued'
      union all
      select 'call waiting 20 s unoffered while a bot is available', count(*) from call_queue q
        where q.offered_to is null and q.enqueued_at < now() - interval '20 seconds'
          and exists (select 1 from operator_presence p where p.state = 'available')
      union all
      select 'telephony command undelivered 30 s after it was written', count(*) from telephony_commands
        where status = 'pending' and created_at < now() - interval '30 seconds'
          -- pushed just before a fault but not yet marked: its lease runs out, then it is pushed again (same key)
          and (claimed_until is null or claimed_until < now())
      union all
      select 'telephony command given up', count(*) from telephony_commands where status in ('failed', 'expired')`)) ?? [['the stuck-call check could not run', '1']]
  ).map(([what, n]) => ({ what: what!, n: Number(n) }));
  const offeredAfter = await offersMade();
  const commands = Object.fromEntries((await ask(`select status, count(*) from telephony_commands group by status`)) ?? []);
  sampling = false;
  await sampler;

  // The bots stop before the process does, so their errors are the faults' alone (not refused connections after SIGTERM).
  await Promise.allSettled(bots.map((b) => b.stop()));

  // SIGTERM with the database down: the stop must not wait on it past the grace period.
  await cluster('stop', '-m', 'immediate');
  await sleep(1000);
  const exited = new Promise<void>((resolve) => (exitedWith !== null ? resolve() : child!.once('exit', () => resolve())));
  const exitedBeforeStop = exitedWith;
  const stopStarted = Date.now();
  child.kill('SIGTERM');
  const stopDeadline = sleep(graceMs + 5000).then(() => 'late' as const);
  const stopOutcome = await Promise.race([exited.then(() => 'exited' as const), stopDeadline]);
  const stopMs = Date.now() - stopStarted;

  console.log('\nfault                 down→back   first offer after return   on a desk   first push after return   health 503s (slowest)   health 200 after return   driver text');
  for (const f of faults) {
    console.log(
      `${f.name.padEnd(20)} ${seconds(f.backAtMs - f.downAtMs).padStart(9)}   ${seconds(f.firstOfferAfterMs).padStart(24)}   ${seconds(f.firstDeskOfferAfterMs).padStart(9)}   ${seconds(f.firstDeliveryAfterMs).padStart(23)}   ${`${f.health503} (${f.health503MaxMs} ms)`.padStart(21)}   ${seconds(f.healthBackAfterMs).padStart(23)}   ${f.leaked ? 'LEAKED' : 'none'}`,
    );
    check(f.firstOfferAfterMs !== null && f.firstOfferAfterMs <= resumeLimitMs, `${f.name}: calls were not offered again within ${resumeLimitMs / 1000} s of the return (${seconds(f.firstOfferAfterMs)}).`);
    check(f.firstDeliveryAfterMs !== null && f.firstDeliveryAfterMs <= resumeLimitMs, `${f.name}: no telephony command was pushed within ${resumeLimitMs / 1000} s of the return (${seconds(f.firstDeliveryAfterMs)}).`);
    check(f.startAtMs - f.downAtMs < 1500 || f.health503 > 0, `${f.name}: /api/health never answered 503 while the database was down.`);
    check(f.health503MaxMs <= 1500, `${f.name}: a 503 took ${f.health503MaxMs} ms (should be about 1 s at most).`);
    check(f.healthOther.length === 0, `${f.name}: /api/health answered ${f.healthOther.join(', ')} while the database was down.`);
    check(f.healthBackAfterMs !== null, `${f.name}: /api/health did not answer 200 after the return.`);
    check(!f.leaked, `${f.name}: a 503 body names the driver's error.`);
  }
  console.log(`\nOffers: ${offeredBefore} before the faults, ${offeredAfter} at the end; calls placed ${simulator.stats.placed}, queued ${simulator.stats.queued}, answered ${simulator.stats.answered}.`);
  const lastBack = faults.at(-1)?.backAtMs ?? 0;
  const since = metrics.filter((m) => m.atMs > lastBack);
  console.log(
    `Bots: ${metrics.filter((m) => m.kind === 'handled').length} calls handled, ${metrics.filter((m) => m.kind === 'error').length} errors (requests refused while the database was down); after the last return: ${since.filter((m) => m.kind === 'offer').length} offers on desks, ${since.filter((m) => m.kind === 'accepted').length} accepted, ${since.filter((m) => m.kind === 'handled').length} handled.`,
  );
  for (const message of [...new Set(metrics.flatMap((m) => (m.kind === 'error' ? [m.message.slice(0, 140)] : [])))].slice(0, 6)) console.log(`  bot error: ${message}`);
  console.log(`Telephony commands pushed to the simulator: ${Object.entries(commands).map(([status, n]) => `${n} ${status}`).join(', ') || 'none'}; the simulator applied ${Object.values(push.counts).reduce((a, b) => a + b, 0)} (${push.duplicates} duplicates ignored).`);
  check(Number(commands.delivered ?? 0) > 0, 'No telephony command was delivered to the push adapter.');
  for (const s of stuck) {
    console.log(`Stuck: ${s.what}: ${s.n}`);
    check(s.n === 0, `${s.n} ${s.what}.`);
  }
  check(exitedBeforeStop === null, `The API process exited during the faults (${exitedBeforeStop}).`);
  console.log(`Shutdown (SIGTERM, database down): ${stopOutcome === 'exited' ? `${seconds(stopMs)}, exit ${exitedWith}` : 'still running'} (grace ${seconds(graceMs)}).`);
  check(stopOutcome === 'exited' && stopMs <= graceMs + 1000, `SIGTERM did not stop the process within its grace period (${seconds(stopMs)}).`);
  check(exitedWith === '0', `The process exited with ${exitedWith} on SIGTERM.`);
  const logText = readFileSync(logFile, 'utf8');
  const survived = logText.match(/database driver fault survived/g)?.length ?? 0;
  console.log(`Driver faults survived by the guard: ${survived}.`);
} catch (error) {
  failures.push((error as Error).message);
} finally {
  await simulator?.stop({ timeoutMs: 500 }).catch(() => {});
  await receiver?.close().catch(() => {});
  await Promise.allSettled(bots.map((b) => b.stop()));
  if (child && exitedWith === null) child.kill('SIGKILL');
  if (!values.keep) dropCluster();
}

if (failures.length) {
  console.log(`\nFAILED (${failures.length}):`);
  for (const f of failures) console.log(`  - ${f}`);
  console.log(`API log: ${logFile}`);
  process.exit(1);
}
rmSync(workDir, { recursive: true, force: true });
console.log('\nAll resilience assertions held.');
process.exit(0);
