import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandLine } from './command-line.ts';
import { sql } from 'kysely';
import type { Database } from '@switchboard/db';
import { applyDefinitions, loadDemo } from '@switchboard/tenants';
import { assertNodeVersion } from './node-version.ts';
import { ApiProcess, committedTransactions, countsBetween, freePort, prepareBenchDatabase, type BenchDatabase } from './bench-process.ts';

assertNodeVersion();

const usage = `pnpm bench:idle [--tenants N] [--seconds S] [--warm-up S] [--retention-due]

Creates N tenants on a fresh database (a new database on the PostgreSQL server of DATABASE_URL,
dropped afterwards; embedded PGlite in a temporary folder without it): the demo tenants, then N
copies of Pizza Napoli's settings (hours, call handling, rules, delegations, scripts, wrap-up codes,
billing account) in one INSERT … SELECT generate_series per table, in six time zones, created today,
each with today's retention run done (as on any day after its first). Starts one API process as
\`pnpm start\` does (routing, billing close, retention, housekeeping loops and the event hub; no
simulator), lets it settle for the warm-up, then idles for S seconds and prints the process's CPU as a
share of one core (/proc/<pid>/stat), the statements and transactions it sent (counted in the process),
and, on PostgreSQL, the transactions the database committed (pg_stat_database), beside what the same
database commits with no API process at all. Figures only: nothing is asserted.

  --tenants        tenants to create (default 10000; PGlite takes a while beyond a few thousand)
  --seconds        the idle window (default 60: one billing-close pass falls inside it)
  --warm-up        seconds between health and the window (default 15)
  --retention-due  leave today's retention run undone for every tenant: the window then shows the
                   once-a-day burst instead of the idle process`;

const { values, fail } = commandLine(usage, {
  tenants: { type: 'string', default: '10000' },
  seconds: { type: 'string', default: '60' },
  'warm-up': { type: 'string', default: '15' },
  'retention-due': { type: 'boolean', default: false },
});
const tenantCount = Number(values.tenants);
const seconds = Number(values.seconds);
const warmUp = Number(values['warm-up']);
if (!Number.isInteger(tenantCount) || tenantCount < 1 || tenantCount > 100_000) fail('--tenants must be a whole number from 1 to 100000.');
if (!(seconds >= 5)) fail('--seconds must be at least 5.');
if (!(warmUp >= 0)) fail('--warm-up must be 0 or more seconds.');

const TEMPLATE = 'pizza-napoli';
const ZONES = ['Europe/Paris', 'Europe/Berlin', 'Europe/Moscow', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney'];
/** A tenant's own settings, in an order that satisfies their foreign keys. Numbers, people and history are not copied. */
const SETTINGS_TABLES = [
  'call_settings',
  'confidentiality_rules',
  'hours_schedules',
  'hours_slots',
  'hours_overrides',
  'hours_functions',
  'wrap_up_codes',
  'scripts',
  'script_versions',
  'delegations',
  'billing_accounts',
  'tenant_prices',
  'directory_entries',
];

/** The demo, then N copies of the template tenant's settings, each table in one statement. */
async function seed(database: Database): Promise<void> {
  const demo = loadDemo();
  const report = await applyDefinitions(database.db, demo);
  if (!report.ok) throw new Error(`Could not apply the demo tenants: ${JSON.stringify(report).slice(0, 500)}`);
  const db = database.db;
  const template = (await sql<{ id: string }>`select id from tenants where slug = ${TEMPLATE}`.execute(db)).rows[0]?.id;
  if (!template) throw new Error(`The demo has no ${TEMPLATE}.`);
  await sql`
    insert into tenants (id, slug, name, legal_name, time_zone, locale, currency, status, brand_color, created_at, updated_at)
    select gen_random_uuid(), 'idle-' || g, 'Idle ' || g, 'Idle ' || g || ' SARL',
           (${ZONES}::text[])[1 + g % ${ZONES.length}], t.locale, t.currency, 'active', t.brand_color, now(), now()
    from tenants t, generate_series(1, ${tenantCount}) g
    where t.id = ${template}`.execute(db);
  for (const table of SETTINGS_TABLES) {
    const columns = (
      await sql<{ name: string }>`
        select column_name as name from information_schema.columns
        where table_schema = 'public' and table_name = ${table} and column_name <> 'tenant_id' and is_generated = 'NEVER'
        order by ordinal_position`.execute(db)
    ).rows.map((r) => sql.ref(r.name));
    if (!columns.length) continue;
    const list = sql.join(columns);
    await sql`
      insert into ${sql.table(table)} (tenant_id, ${list})
      select n.id, ${sql.join(columns.map((c) => sql`s.${c}`))}
      from ${sql.table(table)} s, tenants n
      where s.tenant_id = ${template} and n.slug like 'idle-%'`.execute(db);
  }
  if (!values['retention-due']) {
    // Every day after a tenant's first, its run for the day is done: the idle process has none to start.
    await sql`
      insert into retention_runs (tenant_id, run_on, started_at, finished_at, lease_until, owner, personal_data_days,
                                  recording_days, personal_data_cutoff, recording_cutoff, removed)
      select t.id, (now() at time zone t.time_zone)::date, now(), now(), now(), gen_random_uuid(), 365, 90, now(), now(), '{}'::jsonb
      from tenants t
      on conflict do nothing`.execute(db);
  }
  await sql`analyze`.execute(db);
}

interface Window {
  seconds: number;
  cpuSeconds: number | null;
  statements: number | null;
  transactions: number | null;
  committed: number | null;
  bySql: Record<string, number>;
}

async function measure(api: ApiProcess | null, database: BenchDatabase, windowSeconds: number): Promise<Window> {
  const cpu0 = api?.cpuSeconds() ?? null;
  const counts0 = api ? await api.counts() : null;
  const committed0 = await committedTransactions(database);
  const start = Date.now();
  await new Promise((resolve) => setTimeout(resolve, windowSeconds * 1000));
  const elapsed = (Date.now() - start) / 1000;
  const cpu1 = api?.cpuSeconds() ?? null;
  const counts1 = api ? await api.counts() : null;
  // pg_stat_database lags the commits by up to a second: let it catch up before the last reading.
  if (database.kind === 'postgres') await new Promise((resolve) => setTimeout(resolve, 1100));
  const committed1 = await committedTransactions(database);
  const counted = counts0 && counts1 ? countsBetween(counts0, counts1) : null;
  return {
    seconds: elapsed,
    cpuSeconds: cpu0 !== null && cpu1 !== null ? cpu1 - cpu0 : null,
    statements: counted?.statements ?? null,
    transactions: counted?.transactions ?? null,
    committed: committed0 !== null && committed1 !== null ? committed1 - committed0 : null,
    bySql: counted?.bySql ?? {},
  };
}

const perSecond = (n: number | null, s: number) => (n === null ? '—' : (n / s).toFixed(2));

async function main(): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'switchboard-bench-idle-'));
  console.log(`Preparing a fresh database with ${tenantCount} tenants…`);
  const seedStart = Date.now();
  const database = await prepareBenchDatabase({ prefix: 'bench_idle', workDir, seed });
  console.log(`Seeded in ${((Date.now() - seedStart) / 1000).toFixed(1)} s: ${database.description}.`);
  let api: ApiProcess | null = null;
  const cleanUp = async () => {
    await api?.stop();
    await database.cleanup().catch((error: unknown) => console.error(`Could not drop the benchmark database: ${(error as Error).message}`));
  };
  process.once('SIGINT', () => void cleanUp().then(() => process.exit(130)));
  try {
    // What the database commits by itself (autovacuum, statistics): the floor under any process.
    const alone = database.kind === 'postgres' ? await measure(null, database, 5) : null;
    api = new ApiProcess({ port: await freePort(), env: database.env, workDir });
    const started = Date.now();
    await api.waitForHealth();
    console.log(`API process ${api.pid} healthy after ${((Date.now() - started) / 1000).toFixed(1)} s; server log: ${api.logFile}`);
    if (warmUp) await new Promise((resolve) => setTimeout(resolve, warmUp * 1000));
    const idle = await measure(api, database, seconds);

    const cpuShare = idle.cpuSeconds === null ? '—' : `${((idle.cpuSeconds / idle.seconds) * 100).toFixed(2)} %`;
    console.log(`\nIdle for ${idle.seconds.toFixed(0)} s with ${tenantCount} tenants (+ the demo's), after ${warmUp} s of warm-up:`);
    console.log(`  CPU of the API process        ${cpuShare} of one core (${idle.cpuSeconds?.toFixed(2) ?? '—'} s)`);
    console.log(`  statements sent               ${idle.statements ?? '—'} (${perSecond(idle.statements, idle.seconds)}/s)`);
    console.log(`  transactions opened           ${idle.transactions ?? '—'} (${perSecond(idle.transactions, idle.seconds)}/s; statements outside one commit on their own)`);
    if (alone) {
      console.log(`  commits in the database       ${perSecond(idle.committed, idle.seconds)}/s (pg_stat_database xact_commit)`);
      console.log(`  … with no API process         ${perSecond(alone.committed, alone.seconds)}/s (the same database, 5 s before the process started)`);
    }
    const top = Object.entries(idle.bySql).sort((a, b) => b[1] - a[1]).slice(0, 8);
    if (top.length) {
      console.log('  statements sent most often:');
      for (const [text, n] of top) console.log(`    ${String(n).padStart(6)}  ${text}`);
    }
    console.log(`\nNode ${process.versions.node}, ${database.description}; the API process is scripts/src/start.ts (simulator off).`);
  } finally {
    // The server's log stays, for a look at what the process said.
    await cleanUp();
  }
}

await main().catch((error: unknown) => {
  console.error(`Benchmark failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
process.exit(0);
