import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { connect } from '@switchboard/db';
import { repoRoot } from './build-web.ts';
import { assertNodeVersion } from './node-version.ts';
import { startNodeFlags } from './node-flags.ts';

assertNodeVersion();

const usage = `pnpm bench:start [--runs N]

How long \`pnpm start\` takes to answer /api/health with 200: once on a fresh database (migrations and the
demo applied) and --runs times on that same, existing database. On the PostgreSQL server of DATABASE_URL
(a database created for the run and dropped afterwards), else on embedded PGlite in a temporary folder.
The web app is built first if web/dist is missing (that build is a fresh clone's one-off and is reported
apart). The start's own phases come from its "Ready in" line. Figures only: nothing is asserted.

  --runs   starts on the existing database (default 3)`;

function parseFlags() {
  try {
    return parseArgs({ options: { runs: { type: 'string', default: '3' }, help: { type: 'boolean', short: 'h', default: false } } });
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
const runs = Number(values.runs);
if (!Number.isInteger(runs) || runs < 1 || runs > 20) {
  console.error(`--runs must be a whole number from 1 to 20.\n\n${usage}`);
  process.exit(2);
}

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

interface StartFigure {
  healthyMs: number;
  phases: string;
  stopMs: number;
}

/** Spawns the real start (as `pnpm start` does: tsx scripts/src/start.ts), times it to healthy, then stops it. */
async function timeStart(env: Record<string, string>): Promise<StartFigure> {
  const port = await freePort();
  const started = performance.now();
  const startEnv = { ...process.env, ...env, PORT: String(port), SIMULATOR: 'off', SEED_DEMO: 'true', NODE_ENV: '' };
  // As `pnpm start` runs it: its node flags (scripts/src/node-flags.ts) and start.ts under tsx.
  const child = spawn(process.execPath, [...startNodeFlags(startEnv), '--import', 'tsx', join(repoRoot, 'scripts/src/start.ts'), '--no-simulator'], {
    cwd: repoRoot,
    env: startEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  let healthyMs: number | null = null;
  while (!exited && performance.now() - started < 300_000) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/api/health`);
      if (res.status === 200) {
        healthyMs = performance.now() - started;
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const stopStarted = performance.now();
  child.kill('SIGTERM');
  await exit;
  const stopMs = performance.now() - stopStarted;
  if (healthyMs === null) throw new Error(`The start did not become healthy:\n${output.slice(-3000)}`);
  return { healthyMs, phases: /Ready in .*/.exec(output)?.[0] ?? '', stopMs };
}

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const serverUrl = process.env.DATABASE_URL;
let env: Record<string, string>;
let cleanup: () => Promise<void>;
let where: string;
if (serverUrl) {
  const name = `bench_start_${Date.now().toString(36)}`;
  const admin = await connect({ url: serverUrl, maxConnections: 1 });
  await sql.raw(`create database ${name}`).execute(admin.db);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  env = { DATABASE_URL: url.toString() };
  where = `PostgreSQL, database ${name} (dropped afterwards)`;
  cleanup = async () => {
    await sql.raw(`drop database if exists ${name} with (force)`).execute(admin.db);
    await admin.close();
  };
} else {
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-bench-start-'));
  env = { DATA_DIR: join(dir, 'pglite') };
  where = `embedded PGlite (${dir})`;
  cleanup = async () => rmSync(dir, { recursive: true, force: true });
}

try {
  console.log(`pnpm start to healthy on ${where}; web app built beforehand if missing.`);
  const webStarted = performance.now();
  const { ensureWebBuilt } = await import('./build-web.ts');
  ensureWebBuilt();
  const webMs = performance.now() - webStarted;
  if (webMs > 1000) console.log(`Web app build (a fresh clone's first start only): ${s(webMs)}`);
  console.log(`\n${'start'.padEnd(22)} ${'to healthy'.padStart(10)} ${'stop'.padStart(8)}  phases`);
  const fresh = await timeStart(env);
  console.log(`${'fresh database'.padEnd(22)} ${s(fresh.healthyMs).padStart(10)} ${s(fresh.stopMs).padStart(8)}  ${fresh.phases}`);
  const existing: number[] = [];
  for (let i = 0; i < runs; i++) {
    const figure = await timeStart(env);
    existing.push(figure.healthyMs);
    console.log(`${`existing database #${i + 1}`.padEnd(22)} ${s(figure.healthyMs).padStart(10)} ${s(figure.stopMs).padStart(8)}  ${figure.phases}`);
  }
  const sorted = [...existing].sort((a, b) => a - b);
  console.log(`\nExisting database: median ${s(sorted[Math.floor(sorted.length / 2)]!)}, worst ${s(sorted.at(-1)!)} (goal: 10 s); fresh: ${s(fresh.healthyMs)}.`);
} finally {
  await cleanup();
}
