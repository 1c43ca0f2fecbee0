import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { connect, migrateToLatest, type Database } from '@switchboard/db';
import { repoRoot } from './build-web.ts';
import { startNodeFlags } from './node-flags.ts';

/**
 * What the idle and memory benchmarks share: a fresh database (PostgreSQL of DATABASE_URL, a new
 * database on that server dropped afterwards; else embedded PGlite in a folder of its own), one API
 * process started the way `pnpm start` starts (scripts/src/start.ts, simulator off) with the statement
 * counter preloaded (bench-counter.ts), and what /proc says about that process.
 */

export interface BenchDatabase {
  kind: 'postgres' | 'pglite';
  /** Env for the API process. */
  env: Record<string, string>;
  description: string;
  /** PostgreSQL only: the database's name, for pg_stat_database. */
  name: string | null;
  /** PostgreSQL only: a connection to the server (not to the benchmark database) for pg_stat_database. */
  admin: Database | null;
  cleanup: () => Promise<void>;
}

/** Creates the database, migrates it and lets `seed` fill it (with a connection closed before the API starts). */
export async function prepareBenchDatabase(options: { prefix: string; workDir: string; seed: (database: Database) => Promise<void> }): Promise<BenchDatabase> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    const dataDir = join(options.workDir, 'pglite');
    const database = await connect({ dataDir });
    try {
      await migrateToLatest(database.db);
      await options.seed(database);
    } finally {
      await database.close();
    }
    return {
      kind: 'pglite',
      env: { DATA_DIR: dataDir },
      description: `embedded PGlite (${dataDir})`,
      name: null,
      admin: null,
      cleanup: async () => rmSync(dataDir, { recursive: true, force: true }),
    };
  }
  const name = `${options.prefix}_${Date.now().toString(36)}`;
  const admin = await connect({ url: serverUrl, maxConnections: 1 });
  await sql.raw(`create database ${name}`).execute(admin.db);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await connect({ url: url.toString(), maxConnections: 2 });
  try {
    await migrateToLatest(database.db);
    await options.seed(database);
  } finally {
    await database.close();
  }
  return {
    kind: 'postgres',
    env: { DATABASE_URL: url.toString() },
    description: `PostgreSQL, database ${name} (dropped afterwards)`,
    name,
    admin,
    cleanup: async () => {
      await sql.raw(`drop database if exists ${name} with (force)`).execute(admin.db);
      await admin.close();
    },
  };
}

/** Transactions committed in the database so far (PostgreSQL's own count; its statistics lag by up to a second). */
export async function committedTransactions(database: BenchDatabase): Promise<number | null> {
  if (!database.admin || !database.name) return null;
  await sql`select pg_stat_clear_snapshot()`.execute(database.admin.db);
  const { rows } = await sql<{ n: string }>`select xact_commit::text as n from pg_stat_database where datname = ${database.name}`.execute(database.admin.db);
  return rows[0] ? Number(rows[0].n) : null;
}

export { freePort } from './bench-floor.ts';

export interface StatementCounts {
  statements: number;
  transactions: number;
  /** Statements by their first words. */
  bySql: Record<string, number>;
  /** process.memoryUsage() of the API process when read. */
  memory?: NodeJS.MemoryUsage;
}

/** What was counted between two readings, the statements sent most often first. */
export function countsBetween(before: StatementCounts, after: StatementCounts): StatementCounts {
  const bySql: Record<string, number> = {};
  for (const [key, n] of Object.entries(after.bySql)) {
    const delta = n - (before.bySql[key] ?? 0);
    if (delta > 0) bySql[key] = delta;
  }
  return { statements: after.statements - before.statements, transactions: after.transactions - before.transactions, bySql };
}

/** One API process, as `pnpm start` runs it, with what /proc and its statement counter say about it. */
export class ApiProcess {
  readonly child: ChildProcess;
  readonly base: string;
  readonly #logFile: string;
  readonly #countsFile: string;

  constructor(options: { port: number; env: Record<string, string>; workDir: string }) {
    this.base = `http://127.0.0.1:${options.port}`;
    this.#logFile = join(options.workDir, 'server.log');
    this.#countsFile = join(options.workDir, 'counts.json');
    const env = { ...process.env, ...options.env, PORT: String(options.port), SIMULATOR: 'off', BENCH_COUNTS_FILE: this.#countsFile };
    // The node flags `pnpm start` gives this database (they are part of what is measured); BENCH_NODE_FLAGS
    // tries others ("" for Node's defaults).
    const nodeFlags = process.env.BENCH_NODE_FLAGS !== undefined ? process.env.BENCH_NODE_FLAGS.split(' ').filter(Boolean) : startNodeFlags(env);
    this.child = spawn(
      process.execPath,
      [...nodeFlags, ...(process.env.BENCH_GC === '1' ? ['--expose-gc'] : []), ...(process.env.BENCH_HEAP_SNAPSHOTS ? [`--heapsnapshot-signal=SIGUSR1`, `--diagnostic-dir=${process.env.BENCH_HEAP_SNAPSHOTS}`] : []), '--import', 'tsx', '--import', join(repoRoot, 'scripts/src/bench-counter.ts'), join(repoRoot, 'scripts/src/start.ts'), '--no-simulator'],
      {
        cwd: repoRoot,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const log = createWriteStream(this.#logFile);
    this.child.stdout!.pipe(log);
    this.child.stderr!.pipe(log);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get logFile(): string {
    return this.#logFile;
  }

  async waitForHealth(timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`The API process exited (${this.child.exitCode}):\n${readFileSync(this.#logFile, 'utf8').slice(-3000)}`);
      try {
        if ((await fetch(`${this.base}/api/health`)).ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`The API process did not answer /api/health in time:\n${readFileSync(this.#logFile, 'utf8').slice(-3000)}`);
  }

  /** CPU seconds (user + system) the process has used, from /proc/<pid>/stat; null off Linux. */
  cpuSeconds(): number | null {
    try {
      const stat = readFileSync(`/proc/${this.pid}/stat`, 'utf8');
      // Fields after the command (which may hold spaces) start after its closing parenthesis; utime and stime are fields 14 and 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(fields[11]) + Number(fields[12])) / clockTicks();
    } catch {
      return null;
    }
  }

  /** Resident memory in MB (VmRSS of /proc/<pid>/status); null off Linux. */
  rssMb(): number | null {
    try {
      const kb = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'))?.[1];
      return kb ? Number(kb) / 1024 : null;
    } catch {
      return null;
    }
  }

  /** The process's statement and transaction counts so far (bench-counter.ts). */
  async counts(): Promise<StatementCounts | null> {
    const before = existsSync(this.#countsFile) ? readFileSync(this.#countsFile, 'utf8') : '';
    this.child.kill('SIGUSR2');
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const now = existsSync(this.#countsFile) ? readFileSync(this.#countsFile, 'utf8') : '';
      if (now && now !== before) {
        const { statements, transactions, bySql, memory } = JSON.parse(now) as StatementCounts;
        return { statements, transactions, bySql, ...(memory ? { memory } : {}) };
      }
    }
    return null;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

let ticks: number | null = null;
/** USER_HZ: 100 on every Linux this runs on; read from getconf when it answers. */
function clockTicks(): number {
  if (ticks === null) {
    ticks = 100;
    try {
      const auxv = readFileSync('/proc/self/auxv');
      // AT_CLKTCK (17) in the auxiliary vector: pairs of 64-bit words.
      for (let i = 0; i + 16 <= auxv.length; i += 16) {
        if (auxv.readBigUInt64LE(i) === 17n) ticks = Number(auxv.readBigUInt64LE(i + 8));
      }
    } catch {
      // keep 100
    }
  }
  return ticks;
}
