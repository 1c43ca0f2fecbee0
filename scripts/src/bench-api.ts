import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { commandLine } from './command-line.ts';
import { CompiledQuery, sql, type Kysely } from 'kysely';
import { connect, migrateToLatest, withApp, type Database, type DB } from '@switchboard/db';
import { createApp, hashPassword, loadConfig, signTelephonyRequest } from '@switchboard/api';
import { applyDefinitions, loadDemo } from '@switchboard/tenants';
import { repoRoot } from './build-web.ts';
import { assertNodeVersion } from './node-version.ts';

assertNodeVersion();

const usage = `pnpm bench:api [--seconds S] [--concurrency 8,32] [--arrivals 200] [--pglite] [--no-prepare] [--show-sql]

Measures the request path on a fresh database: taking an order (POST /api/t/:tenant/orders) and
reading one (GET …/orders/:id) through the API in this process (app.request: routing, validation,
middleware, the database; no HTTP socket), against the SAME transaction as raw SQL
(scripts/bench/order.sql and get.sql) run here through the same driver, and — on PostgreSQL, when
/usr/lib/postgresql/15/bin/pgbench exists — by pgbench with that same file. Prints orders/s, the
API/raw ratio, p50/p99 per concurrency on one tenant, round trips (statements and COMMIT as
the driver sends them; BEGIN and the scope go with the next statement) per request, and the time for N concurrent call arrivals (POST
/api/telephony/calls), and the CPU this process spends per request (user + system: on PostgreSQL the
Node side only, which another load on the machine does not inflate much; on PGlite the database's
too). Figures only: nothing is asserted.

PostgreSQL: a new database on the server of DATABASE_URL (default the local CI server), dropped
afterwards. --pglite measures embedded PGlite too (one connection: concurrency is a queue there).

  --seconds      seconds per measurement (default 5)
  --concurrency  concurrent clients, comma-separated (default 8,32)
  --arrivals     concurrent call arrivals (default 200)
  --pglite       also measure embedded PGlite (separate figures)
  --no-prepare   postgres.js without named prepared statements (to compare)
  --show-sql     print the statements of one order as the API sends them, then stop

BENCH_PROFILE=get (or order) measures that request once more at the first concurrency under the CPU
profiler and writes bench-api-get.cpuprofile (or -order) instead of the figures.
BENCH_TRACE=1 also prints one order (API and raw) statement by statement, each with the time until the
next was sent (its round trip and whatever ran before the next).`;

const { values, fail } = commandLine(usage, {
    seconds: { type: 'string', default: '5' },
    concurrency: { type: 'string', default: '8,32' },
    arrivals: { type: 'string', default: '200' },
    pglite: { type: 'boolean', default: false },
    'no-prepare': { type: 'boolean', default: false },
    'show-sql': { type: 'boolean', default: false },
});
const seconds = Number(values.seconds);
const concurrencies = values.concurrency.split(',').map(Number);
const arrivals = Number(values.arrivals);
if (!(seconds >= 1 && seconds <= 600)) fail('--seconds must be between 1 and 600.');
if (!concurrencies.length || concurrencies.some((c) => !Number.isInteger(c) || c < 1 || c > 200)) fail('--concurrency must be whole numbers from 1 to 200.');
if (!Number.isInteger(arrivals) || arrivals < 1 || arrivals > 2000) fail('--arrivals must be a whole number from 1 to 2000.');

const serverUrl = process.env.DATABASE_URL ?? 'postgres://switchboard_ci:switchboard_ci@127.0.0.1:5432/postgres';
const pgbench = '/usr/lib/postgresql/15/bin/pgbench';
const slug = 'pizza-napoli';
const adminEmail = `admin@${slug}.test`;
const password = 'switchboard-bench';
const sku = 'DESSERT-TIRAMISU';
const dialled = '+33142868201';
const config = loadConfig({ LOGIN_SLOWDOWN_MS: '0' });
/** A customer of their own per order (a random number), as real orders come: one customer's row lock would serialize them all. */
const randomDigits = () => String(1_000_000 + Math.floor(Math.random() * 9_000_000));
const orderBody = () => JSON.stringify({ customer: { phone: `+3361${randomDigits()}`, name: 'Paul Bench' }, items: [{ sku, quantity: 1 }], paymentMethod: 'cash' });
const headers = { origin: 'http://localhost', 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' };

// ---- the database -------------------------------------------------------------------------------

/**
 * Round trips the driver sends (postgres.js `debug`: every statement and COMMIT; BEGIN and the scope
 * statement go out unawaited with the transaction's next statement (db/src/connect.ts), so they are no
 * round trips of their own).
 */
const trips = { count: 0, trace: null as null | { at: number; query: string }[] };

interface Target {
  kind: 'postgres' | 'pglite';
  database: Database;
  /** PostgreSQL: a second connection to the same database whose driver counts what it sends (postgres.js
   * `debug`, which captures a stack trace per statement: not on the measured connection). */
  counted?: Database;
  url?: string;
  cleanup(): Promise<void>;
}

async function seed(database: Database): Promise<void> {
  await migrateToLatest(database.db);
  const demo = structuredClone(loadDemo());
  for (const { definition } of demo.tenants) {
    for (const schedule of definition.hours?.schedules ?? []) {
      for (const day of Object.keys(schedule.week) as (keyof typeof schedule.week)[]) schedule.week[day] = [{ start: '00:00', end: '24:00' }];
    }
    if (definition.hours) definition.hours.overrides = [];
  }
  const report = await applyDefinitions(database.db, demo);
  if (!report.ok) throw new Error(`Could not apply the demo tenants: ${JSON.stringify(report.tenants.flatMap((t) => t.errors))}`);
  const passwordHash = await hashPassword(password);
  await withApp(database.db, (tx) => tx.updateTable('users').set({ passwordHash, mustChangePassword: false }).where('email', '=', adminEmail).execute());
}

async function postgresTarget(maxConnections: number): Promise<Target> {
  const name = `bench_requests_${Date.now().toString(36)}`;
  const admin = await connect({ url: serverUrl, maxConnections: 1 });
  await sql.raw(`create database ${name}`).execute(admin.db);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const prepare = values['no-prepare'] ? { prepare: false } : {};
  const database = await connect({ url: url.toString(), maxConnections, driver: prepare });
  const counted = await connect({
    url: url.toString(),
    maxConnections: 2,
    driver: {
      debug: (_c: number, query: string) => {
        if (query !== 'begin' && !query.startsWith("select set_config('role', ")) trips.count += 1;
        trips.trace?.push({ at: performance.now(), query });
      },
      ...prepare,
    },
  });
  await seed(database);
  return {
    kind: 'postgres',
    database,
    counted,
    url: url.toString(),
    cleanup: async () => {
      await counted.close();
      await database.close();
      await sql.raw(`drop database if exists ${name} with (force)`).execute(admin.db);
      await admin.close();
    },
  };
}

async function pgliteTarget(): Promise<Target> {
  const database = await connect({ dataDir: 'memory://' });
  await seed(database);
  return { kind: 'pglite', database, cleanup: () => database.close() };
}

// ---- the same transactions as raw SQL -----------------------------------------------------------

/** A pgbench script's statements, each with the `:name` variables (pgbench -D) it uses, in parameter order. */
type Script = { text: string; names: string[] }[];

/** A pgbench script: one statement per `;`-terminated block, `:name` variables made $n parameters. */
function loadScript(file: string): Script {
  const text = readFileSync(join(repoRoot, 'scripts/bench', file), 'utf8')
    .split('\n')
    .filter((line) => !line.trim().startsWith('--') && !line.trim().startsWith('\\'))
    .join('\n');
  return text
    .split(/;\s*\n/)
    .map((s) => s.trim())
    .filter(Boolean)
    .map((statement) => {
      const names: string[] = [];
      const replaced = statement.replace(/(?<![:\w]):([a-z_]+)/g, (_, name: string) => {
        if (!names.includes(name)) names.push(name);
        return `$${names.indexOf(name) + 1}`;
      });
      return { text: replaced, names };
    });
}

/** Runs a script's statements in one transaction, as the API does: through Kysely's driver, no query building. */
async function runScript(db: Kysely<DB>, script: Script, vars: Record<string, string>): Promise<void> {
  await db.transaction().execute(async (tx) => {
    const values: Record<string, string> = { ...vars, n: randomDigits() };
    for (const statement of script) await tx.executeQuery(CompiledQuery.raw(statement.text, statement.names.map((n) => values[n])));
  });
}

// ---- measuring ----------------------------------------------------------------------------------

interface Run {
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU of this process (user + system) per operation, ms: what Node spends on one, whatever else loads the machine. */
  cpuMs: number;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/** `concurrency` loops of `op` for `seconds`; latency per call in ms. */
async function measure(concurrency: number, op: () => Promise<void>): Promise<Run> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  const cpu = process.cpuUsage();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        try {
          await op();
          latencies.push(performance.now() - t);
        } catch (error) {
          errors += 1;
          if (errors === 1) console.error(`  first error: ${(error as Error).message}`);
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  latencies.sort((a, b) => a - b);
  const cpuMs = (used.user + used.system) / 1000 / Math.max(1, latencies.length);
  return { perSecond: latencies.length / elapsed, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), errors, cpuMs };
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '–');
const line = (label: string, run: Run) =>
  `  ${label.padEnd(34)} ${fmt(run.perSecond).padStart(8)}/s   p50 ${fmt(run.p50).padStart(7)} ms   p99 ${fmt(run.p99).padStart(7)} ms   Node CPU ${fmt(run.cpuMs, 2).padStart(5)} ms/op${run.errors ? `   ${run.errors} errors` : ''}`;

function runPgbench(url: string, file: string, concurrency: number, vars: Record<string, string>): number | null {
  if (!existsSync(pgbench)) return null;
  const u = new URL(url);
  const args = ['-n', '-M', values['no-prepare'] ? 'extended' : 'prepared', '-c', String(concurrency), '-j', '2', '-T', String(seconds), '-f', join(repoRoot, 'scripts/bench', file)];
  for (const [k, v] of Object.entries(vars)) args.push('-D', `${k}=${v}`);
  args.push('-h', u.hostname, '-p', u.port || '5432', '-U', decodeURIComponent(u.username), u.pathname.slice(1));
  const result = spawnSync(pgbench, args, { env: { ...process.env, PGPASSWORD: decodeURIComponent(u.password) }, encoding: 'utf8' });
  const tps = /tps = ([\d.]+)/.exec(result.stdout ?? '');
  if (!tps) {
    console.error(`  pgbench: ${(result.stderr || result.stdout || '').trim().split('\n').slice(-3).join(' / ')}`);
    return null;
  }
  return Number(tps[1]);
}

async function bench(target: Target): Promise<void> {
  const { db } = target.database;
  const app = createApp({ db, databaseKind: target.kind, config, now: () => new Date() });
  const login = await app.request('/api/auth/login', { method: 'POST', headers, body: JSON.stringify({ email: adminEmail, password }) });
  const cookie = /sb_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
  if (login.status !== 200 || !cookie) throw new Error(`Logging in answered ${login.status}: ${await login.text()}`);
  const authed = { ...headers, cookie: `sb_session=${cookie}` };
  const postOrderOn = async (through: typeof app) => {
    const res = await through.request(`/api/t/${slug}/orders`, { method: 'POST', headers: authed, body: orderBody() });
    if (res.status !== 201) throw new Error(`POST order answered ${res.status}: ${await res.text()}`);
    return (await res.json()) as { id: string };
  };
  const postOrder = () => postOrderOn(app);
  const first = await postOrder();
  const getOrderOn = async (through: typeof app) => {
    const res = await through.request(`/api/t/${slug}/orders/${first.id}`, { headers: authed });
    if (res.status !== 200) throw new Error(`GET order answered ${res.status}`);
    await res.arrayBuffer();
  };
  const getOrder = () => getOrderOn(app);

  const ids = await withApp(db, async (tx) => {
    const tenant = await tx.selectFrom('tenants').select('id').where('slug', '=', slug).executeTakeFirstOrThrow();
    const user = await tx.selectFrom('users').select('id').where('email', '=', adminEmail).executeTakeFirstOrThrow();
    return { tenantId: tenant.id, userId: user.id };
  });
  const vars: Record<string, string> = {
    slug,
    session_id: cookie.split('.')[0]!,
    tenant_id: ids.tenantId,
    user_id: ids.userId,
    user_label: `Admin <${adminEmail}>`,
    sku,
    order_id: first.id,
    order_event: JSON.stringify({ kind: 'record', tenantId: ids.tenantId, recordType: 'order', recordId: first.id }),
  };
  const orderScript = loadScript('order.sql');
  const getScript = loadScript('get.sql');
  await runScript(db, orderScript, vars);
  await runScript(db, getScript, vars);

  // Round trips per request, counted at the driver (postgres.js only: PGlite has no wire), on the counted connection.
  const countedApp = target.counted ? createApp({ db: target.counted.db, databaseKind: target.kind, config, now: () => new Date() }) : undefined;
  if (target.counted && countedApp) {
    const countedDb = target.counted.db;
    const count = async (op: () => Promise<unknown>) => {
      await op(); // the second one is counted: a new app's first request reads what later ones have at hand
      trips.count = 0;
      await op();
      return trips.count;
    };
    const countedOrder = () => postOrderOn(countedApp);
    const countedRaw = () => runScript(countedDb, orderScript, vars);
    console.log(`  round trips per request (statements + COMMIT, at the driver; BEGIN and the scope ride with the next statement):`);
    if (process.env.BENCH_TRACE) {
      for (const [label, op] of [['API', countedOrder], ['raw', countedRaw]] as const) {
        for (let i = 0; i < 5; i++) await op();
        trips.trace = [];
        const t0 = performance.now();
        await op();
        const end = performance.now();
        console.log(`    ${label}: ${(end - t0).toFixed(1)} ms: ${trips.trace.map((e, i) => `${((trips.trace![i + 1]?.at ?? end) - e.at).toFixed(1)} ${e.query.replace(/\s+/g, ' ').slice(0, 40)}`).join(' | ')}`);
        trips.trace = null;
      }
    }
    console.log(`    POST order ${await count(countedOrder)}, GET order ${await count(() => getOrderOn(countedApp))}; raw SQL: order ${await count(countedRaw)}, get ${await count(() => runScript(countedDb, getScript, vars))}`);
  }

  // BENCH_PROFILE=get|order: a CPU profile of that request at the first concurrency instead of the figures.
  if (process.env.BENCH_PROFILE) {
    const kind = process.env.BENCH_PROFILE === 'order' ? 'order' : 'get';
    const op = kind === 'order' ? async () => void (await postOrder()) : getOrder;
    await measure(concurrencies[0]!, op);
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    const run = await measure(concurrencies[0]!, op);
    const { profile } = await session.post('Profiler.stop');
    session.disconnect();
    const file = `bench-api-${kind}.cpuprofile`;
    writeFileSync(file, JSON.stringify(profile));
    console.log(line(`${kind === 'order' ? 'POST' : 'GET'} order, profiled`, run));
    console.log(`  CPU profile: ${file} (open it in Chrome's DevTools, Performance tab)`);
    return;
  }

  /** One request kind at one concurrency: through the API, as raw SQL, by pgbench; and the ratios. */
  const compare = async (what: string, concurrency: number, api: () => Promise<void>, file: string, script: Script) => {
    const viaApi = await measure(concurrency, api);
    console.log(line(`${what} through the API`, viaApi));
    const raw = await measure(concurrency, () => runScript(db, script, vars));
    console.log(line('the same transaction as raw SQL', raw));
    const tps = target.url ? runPgbench(target.url, file, concurrency, vars) : null;
    if (tps !== null) console.log(`  ${'the same transaction by pgbench'.padEnd(34)} ${fmt(tps).padStart(8)}/s`);
    console.log(`  → ${what}: API at ${fmt((100 * viaApi.perSecond) / raw.perSecond, 0)} % of raw SQL${tps ? `, ${fmt((100 * viaApi.perSecond) / tps, 0)} % of pgbench` : ''}; Node CPU per request ${fmt(viaApi.cpuMs / raw.cpuMs, 1)}× raw SQL's`);
  };
  for (const concurrency of concurrencies) {
    console.log(`  ${concurrency} concurrent clients, one tenant, ${seconds} s each:`);
    await compare('POST order', concurrency, async () => void (await postOrder()), 'order.sql', orderScript);
    await compare('GET order', concurrency, getOrder, 'get.sql', getScript);
  }

  // Call arrivals: N signed POST /api/telephony/calls at once, each a new call for the pizza order line.
  const run = Date.now().toString(36);
  const arriveOn = async (through: typeof app, i: number) => {
    const body = JSON.stringify({ callId: `bench-${run}-${i}`, dialled, caller: `+3361${String(i + 1).padStart(7, '0')}` });
    const signature = signTelephonyRequest(config.telephonySecret, body, new Date(), { method: 'POST', path: '/api/telephony/calls' });
    const t = performance.now();
    const res = await through.request('/api/telephony/calls', { method: 'POST', headers: { 'content-type': 'application/json', ...signature }, body });
    if (res.status !== 200) throw new Error(`arrival answered ${res.status}: ${await res.text()}`);
    return performance.now() - t;
  };
  const arrive = (i: number) => arriveOn(app, i);
  trips.count = 0;
  await arriveOn(countedApp ?? app, -1);
  const perArrival = trips.count;
  const started = performance.now();
  const latencies = (await Promise.all(Array.from({ length: arrivals }, (_, i) => arrive(i)))).sort((a, b) => a - b);
  const total = performance.now() - started;
  console.log(`  ${arrivals} concurrent call arrivals: all answered in ${fmt(total, 0)} ms, p50 ${fmt(quantile(latencies, 0.5), 0)} ms, p99 ${fmt(quantile(latencies, 0.99), 0)} ms${target.kind === 'postgres' ? `; ${perArrival} round trips per arrival` : ''}`);
}

async function showSql(): Promise<void> {
  const target = await postgresTarget(4);
  try {
    const { db } = target.database;
    const app = createApp({ db, databaseKind: 'postgres', config, now: () => new Date() });
    const login = await app.request('/api/auth/login', { method: 'POST', headers, body: JSON.stringify({ email: adminEmail, password }) });
    const cookie = /sb_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
    const authed = { ...headers, cookie: `sb_session=${cookie}` };
    await app.request(`/api/t/${slug}/orders`, { method: 'POST', headers: authed, body: orderBody() });
    const shown = await connect({ url: target.url!, maxConnections: 1, driver: { debug: (_c, query, params) => console.log(`${query.replace(/\s+/g, ' ')};  -- ${JSON.stringify(params)}`) } });
    const app2 = createApp({ db: shown.db, databaseKind: 'postgres', config, now: () => new Date() });
    await app2.request(`/api/t/${slug}/orders`, { method: 'POST', headers: authed, body: orderBody() });
    await shown.close();
  } finally {
    await target.cleanup();
  }
}

async function main(): Promise<void> {
  if (values['show-sql']) return showSql();
  const max = Math.max(...concurrencies);
  console.log(`pnpm bench:api — ${seconds} s per measurement, concurrency ${concurrencies.join(', ')}, ${arrivals} call arrivals; ${new Date().toISOString()}`);
  console.log(`PostgreSQL (${new URL(serverUrl).host}, a fresh database; pool of ${max}; prepared statements ${values['no-prepare'] ? 'off' : 'on'}):`);
  const pg = await postgresTarget(max);
  try {
    await bench(pg);
  } finally {
    await pg.cleanup();
  }
  if (values.pglite) {
    console.log('PGlite (embedded, in memory, one connection):');
    const lite = await pgliteTarget();
    try {
      await bench(lite);
    } finally {
      await lite.cleanup();
    }
  }
}

await main();

