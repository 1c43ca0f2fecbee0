import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { sql } from 'kysely';
import { connect, migrateToLatest, withApp, type Database } from '@switchboard/db';
import { hashPassword } from '@switchboard/api';
import { applyDefinitions, loadDemo, type LoadedDefinitions } from '@switchboard/tenants';
import { BotOperator, type BotMetric } from './simulator/bot-operator.ts';
import { createRandom, Simulator, type Line, type SimulatorEvent } from './simulator/index.ts';

/**
 * What the floor benchmarks (bench:desk, bench:routing) share: the demo tenants open round the clock
 * with N bot operators, a fresh database (PGlite in a folder, or a database of its own on the server of
 * DATABASE_URL, dropped afterwards), the API process's health and memory, and percentiles.
 */

export const benchPassword = 'switchboard-bench';
export const adminEmail = 'admin@switchboard.test';
export const botEmail = (i: number) => `bot${String(i + 1).padStart(3, '0')}@bench.switchboard.test`;

/**
 * The demo tenants as the benchmark needs them: open round the clock (it must measure routing, not
 * the hours of the moment it runs), with the bot operators assigned to every function that has a
 * number, with a signed agreement where a tenant demands one.
 */
export function benchDefinitions(operatorCount: number): { definitions: LoadedDefinitions; offerTimeouts: Map<string, number>; dispositions: Map<string, string[]> } {
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

async function seed(database: Database, definitions: LoadedDefinitions, operatorCount: number): Promise<void> {
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

export interface PreparedDatabase {
  env: Record<string, string>;
  description: string;
  cleanup: () => Promise<void>;
}

export async function prepareDatabase(workDir: string, definitions: LoadedDefinitions, operatorCount: number): Promise<PreparedDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const dataDir = join(workDir, 'pglite');
    const database = await connect({ dataDir });
    try {
      await seed(database, definitions, operatorCount);
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
    await seed(database, definitions, operatorCount);
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

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function waitForHealth(base: string, child: ChildProcess, logFile: string): Promise<void> {
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
export function rssMb(pid: number): number | null {
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

export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export function percentile(values: number[], p: number): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}
export const ms = (value: number | null) => (value === null ? '—' : value < 10 ? value.toFixed(1) : String(Math.round(value)));
export const pair = (values: number[]) => `${ms(percentile(values, 50))} / ${ms(percentile(values, 99))}`;

export interface BotFloor {
  base: string;
  count: number;
  seed: string;
  /** Seconds a bot talks before hanging up, drawn in [min, max]. */
  talkSeconds: [number, number];
  orderShare: number;
  offerTimeouts: Map<string, number>;
  dispositions: Map<string, string[]>;
  onMetric: (metric: BotMetric) => void;
}

/** N bot operators logged in, listening on /api/events, available. */
export async function startBots(floor: BotFloor): Promise<BotOperator[]> {
  const bots: BotOperator[] = [];
  const random = createRandom(`${floor.seed}/bots`);
  for (let i = 0; i < floor.count; i++) {
    bots.push(
      new BotOperator({
        base: floor.base,
        email: botEmail(i),
        password: benchPassword,
        random: random.fork(String(i)),
        talkMs: [floor.talkSeconds[0] * 1000, floor.talkSeconds[1] * 1000],
        orderShare: floor.orderShare,
        orderTenant: 'pizza-napoli',
        offerTimeoutSeconds: (tenant) => floor.offerTimeouts.get(tenant) ?? 15,
        disposition: (tenant, fn) => {
          const codes = floor.dispositions.get(tenant) ?? [];
          const preferred = fn === 'order_taking' ? codes.find((c) => c.includes('order')) : undefined;
          return preferred ?? codes[0] ?? 'done';
        },
        onMetric: floor.onMetric,
      }),
    );
  }
  for (const bot of bots) await bot.logIn();
  await Promise.all(bots.map((b) => b.listen()));
  await Promise.all(bots.map((b) => b.becomeAvailable()));
  return bots;
}

/**
 * The simulator playing one benchmark step: flat traffic of `rate` calls/s over every line, callers who
 * hold and talk long (the bots end the calls: the benchmark measures routing), not yet started.
 */
export function stepSimulator(step: { base: string; secret: string; seed: string; rate: number; lines: Line[]; log: (line: string) => void; onEvent?: (event: SimulatorEvent) => void }): Simulator {
  return new Simulator({
    url: step.base,
    secret: step.secret,
    seed: `${step.seed}/${step.rate}`,
    lines: step.lines,
    shape: 'flat',
    multiplier: 1,
    callsPerHourAtPeak: (step.rate * 3600) / step.lines.length,
    durations: { patience: { median: 120, sigma: 0.3 }, talk: { default: { median: 600, sigma: 0.2 } } },
    // Polls cost the server too; every 5 s is enough to see an operator hang up.
    pollMs: 5000,
    maxActiveCalls: 1_000_000,
    backOff: false,
    log: step.log,
    ...(step.onEvent ? { onEvent: step.onEvent } : {}),
  });
}
