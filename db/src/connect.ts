import { mkdirSync } from 'node:fs';
import { CamelCasePlugin, CompiledQuery, Kysely, PGliteDialect, type DatabaseConnection, type Driver } from 'kysely';
import { PostgresJSDialect } from 'kysely-postgres-js';
import postgres from 'postgres';
import type { DB } from './schema.ts';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  kind: DatabaseKind;
  /** Where the data lives, for messages: a data folder, `memory`, or the server with the password hidden. */
  location: string;
  /**
   * LISTENs on a channel outside any transaction (postgres.js: a dedicated connection, listened again
   * after the server comes back, retried every second until it does; PGlite has one connection).
   * Resolves once listening; the returned function stops. `onRelisten` is called each time the LISTEN
   * is back after a lost connection: notifications sent in between were missed.
   */
  listen(channel: string, onPayload: (payload: string) => void, onRelisten?: () => void): Promise<Unlisten>;
  /**
   * A Kysely on connections of its own, for work that must not wait behind requests for the pool (the
   * routing loop, the event hub). postgres.js: a separate pool of at most `max` connections, with the
   * same options and driver-fault renewal as the main one, ended by close(). PGlite: the one database
   * (it runs one transaction at a time whatever the pool).
   */
  ownPool(max: number): Kysely<DB>;
  close(): Promise<void>;
}

export type Unlisten = () => Promise<void>;

export interface ConnectOptions {
  /** A PostgreSQL URL; when absent, the embedded PGlite database is used. */
  url?: string | undefined;
  /** PGlite data folder; `memory://` keeps it in memory (tests). */
  dataDir?: string | undefined;
  /** Pool size for a real server. */
  maxConnections?: number;
  /** postgres.js only: `debug` sees every statement sent (the API bench counts round trips), `prepare` false sends unnamed statements. */
  driver?: { debug?: (connection: number, query: string, parameters: unknown[]) => void; prepare?: boolean };
}

/**
 * kysely-postgres-js 5.0.0 on top of kysely 0.29's PostgresDriver, with two changes:
 *
 * - Rollback. The PostgresDriver marks a connection whose ROLLBACK failed through a method only its own
 *   `pg` connections have: with postgres.js that throws a TypeError ("connection[PRIVATE_MARK_FOR_DISCARD_METHOD]
 *   is not a function") in place of the real error whenever the server goes away mid-transaction.
 *   postgres.js drops a dead connection by itself, so nothing is marked here.
 * - BEGIN and the transaction's scope go out with its first statement that answers something. Kysely
 *   awaits each statement's answer before it sends the next: BEGIN and the statement that enters the
 *   tenant's scope (`select set_config('role', …)`, context.ts's enterScope and the request's own in
 *   api/src/http/tenant-scope.ts), whose answers nobody reads, cost a network round trip each. Here both
 *   are sent and not awaited; postgres.js pipelines what follows on the same reserved connection (one
 *   write, the answers in order), and the next statement's caller awaits them too, so a BEGIN or a scope
 *   that failed fails the transaction exactly as before — and in a transaction, a statement behind a
 *   failed one is refused by PostgreSQL (the transaction is aborted), so nothing ever runs unscoped.
 *   Every tenant transaction saves two round trips: requests, routing claims and the event hub's
 *   re-reads (pnpm bench:api counts them). A scope outside a transaction this driver began is awaited.
 */
class PostgresJSRestartSafeDialect extends PostgresJSDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    /** Per connection: statements sent whose answers nobody has awaited yet (BEGIN, the scope). */
    const unanswered = new WeakMap<DatabaseConnection, Promise<unknown>[]>();
    /** Connections inside a transaction this driver began (until its COMMIT or ROLLBACK). */
    const inTransaction = new WeakSet<DatabaseConnection>();
    const sendUnawaited = (connection: DatabaseConnection, sent: Promise<unknown>) => {
      // Awaited by the next statement; until then a failure must not be reported as unhandled.
      sent.catch(() => {});
      unanswered.set(connection, [...(unanswered.get(connection) ?? []), sent]);
    };
    /** What a connection has in flight unawaited, awaited once, in order (the first failure is the transaction's). */
    const settle = async (connection: DatabaseConnection) => {
      const sent = unanswered.get(connection);
      if (!sent) return;
      unanswered.delete(connection);
      for (const statement of sent) await statement;
    };
    const isScope = (query: CompiledQuery) => query.sql.startsWith("select set_config('role', ");
    const acquire = driver.acquireConnection.bind(driver);
    driver.acquireConnection = async () => {
      const connection = await acquire();
      const execute = connection.executeQuery.bind(connection);
      connection.executeQuery = async <R>(query: CompiledQuery) => {
        if (inTransaction.has(connection) && isScope(query)) {
          sendUnawaited(connection, execute(query));
          return { rows: [] };
        }
        if (!unanswered.has(connection)) return execute<R>(query);
        // Sent now, behind what is already on its way; answered after it.
        const result = execute<R>(query);
        result.catch(() => {});
        await settle(connection);
        return result;
      };
      // A streamed read (an export's cursor) waits for what is in flight first: rare enough that the round trip does not matter.
      const stream = connection.streamQuery.bind(connection);
      connection.streamQuery = async function* <R>(query: CompiledQuery, chunkSize: number) {
        await settle(connection);
        yield* stream<R>(query, chunkSize);
      };
      return connection;
    };
    const begin = driver.beginTransaction.bind(driver);
    driver.beginTransaction = async (connection, settings) => {
      if (settings.isolationLevel || settings.accessMode) await begin(connection, settings);
      else sendUnawaited(connection, connection.executeQuery(CompiledQuery.raw('begin')));
      inTransaction.add(connection);
    };
    const commit = driver.commitTransaction.bind(driver);
    driver.commitTransaction = async (connection) => {
      inTransaction.delete(connection);
      await commit(connection);
    };
    driver.rollbackTransaction = async (connection) => {
      inTransaction.delete(connection);
      await connection.executeQuery(CompiledQuery.raw('rollback'));
    };
    return driver;
  }
}

const plugins = [new CamelCasePlugin({ maintainNestedObjectKeys: true })];

/**
 * How postgres.js treats a server that goes away (a restart, a failover): a refused or silent server
 * fails a connection attempt after `connect_timeout` rather than the default 30 s, so requests and
 * health checks answer; TCP keep-alive notices a peer that vanished without closing; connections are
 * renewed within the hour. A query already sent on a connection that dies is rejected by the driver;
 * the periodic loops still give each pass a deadline (api/src/periodic.ts) for what no option covers.
 */
export const serverConnectionOptions = {
  connect_timeout: 5,
  idle_timeout: 120,
  max_lifetime: 60 * 60,
  keep_alive: 15,
} as const;

const relistenDelayMs = 1000;

/** Pools to replace when the driver reports a fault in its own connection code (see guardDriverFaults). */
const renewals = new Set<() => void>();
let lastRenewalAt = 0;
let renewalTimer: NodeJS.Timeout | undefined;

/** Replaces every open pool, at most once a second (a fault during an outage comes in bursts). */
function renewPools(): void {
  const wait = lastRenewalAt + 1000 - Date.now();
  if (wait > 0) {
    renewalTimer ??= setTimeout(() => {
      renewalTimer = undefined;
      renewPools();
    }, wait);
    renewalTimer.unref?.();
    return;
  }
  lastRenewalAt = Date.now();
  for (const renew of renewals) renew();
}

/**
 * A postgres.js pool that can be swapped under Kysely. After postgres.js 3.4's reconnect fault (a
 * TypeError from src/connection.js) its connection objects can be left half torn down — every later
 * query on them fails or waits — so the pool is replaced: new work goes to a fresh one, the old one gets
 * 5 s to finish what it runs and is then ended, which also rejects what it would have left hanging.
 * kysely-postgres-js only calls `reserve` and `end` on it.
 */
function renewablePool(open: () => postgres.Sql): { sql: postgres.Sql; end: (timeout: number) => Promise<void>; retire: () => void } {
  let current = open();
  const retiring = new Set<Promise<void>>();
  const renew = () => {
    const old = current;
    current = open();
    const ending = old.end({ timeout: 5 }).catch(() => {});
    retiring.add(ending);
    void ending.finally(() => retiring.delete(ending));
  };
  renewals.add(renew);
  const sql = Object.assign(function pooled() {
    throw new Error('Use Kysely: this pool only reserves connections.');
  }, {
    reserve: () => current.reserve(),
    end: (endOptions?: { timeout?: number }) => current.end(endOptions),
  }) as unknown as postgres.Sql;
  return {
    sql,
    retire: () => renewals.delete(renew),
    end: async (timeout) => {
      await Promise.all([current.end({ timeout }), ...retiring]);
    },
  };
}

/**
 * A LISTEN that outlives the server restarting. postgres.js's own `listen` tries again once when its
 * connection closes and gives up for good if the server is still down at that moment, so this keeps a
 * connection of its own and re-issues the LISTEN every second until it is back.
 */
async function supervisedListen(
  url: string,
  channel: string,
  onPayload: (payload: string) => void,
  onRelisten: (() => void) | undefined,
): Promise<Unlisten> {
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  let attempt: Promise<void> | undefined;
  const open = () =>
    postgres(url, {
      ...serverConnectionOptions,
      max: 1,
      idle_timeout: 0,
      max_lifetime: null,
      fetch_types: false,
      onnotice: () => {},
      onclose: () => schedule(0),
      // Not in the option types, but how the driver hands notifications of its connection to listeners.
      ...({ onnotify: (name: string, payload: string) => name === channel && onPayload(payload) } as object),
    });
  let sql = open();
  // After a driver fault its one connection may be half torn down: a fresh client, then LISTEN again.
  const renew = () => {
    const old = sql;
    sql = open();
    void old.end({ timeout: 0 }).catch(() => {});
    schedule(0);
  };
  renewals.add(renew);
  const statement = `listen "${channel.replace(/"/g, '""')}"`;
  const schedule = (delayMs: number) => {
    if (stopped || retry || attempt) return;
    retry = setTimeout(() => {
      retry = undefined;
      attempt = sql
        .unsafe(statement)
        .then(
          () => {
            if (!stopped) onRelisten?.();
          },
          () => {
            attempt = undefined;
            schedule(relistenDelayMs);
          },
        )
        .finally(() => {
          attempt = undefined;
        });
    }, delayMs);
    retry.unref?.();
  };
  try {
    await sql.unsafe(statement);
  } catch (error) {
    stopped = true;
    renewals.delete(renew);
    await sql.end({ timeout: 0 });
    throw error;
  }
  return async () => {
    stopped = true;
    renewals.delete(renew);
    clearTimeout(retry);
    await sql.end({ timeout: 1 });
  };
}

/**
 * The last resort against a driver bug, installed by the server process only: postgres.js 3.4 can
 * throw a TypeError from its own connection code (src/connection.js) while a connection is torn down
 * and re-opened, and can reject a promise nobody holds with the server's "terminating connection" or
 * "starting up" error (57P01, 57P03) during a reconnect (porsager/postgres#1223, open). Only those are
 * logged and survived (the connections are then renewed: see renewablePool); anything else still ends
 * the process as Node would.
 */
export function guardDriverFaults(log: (message: string) => void = (m) => console.error(m)): void {
  // Raised BY the driver's connection code (its top frame), not by a callback of ours it happened to call.
  const fromDriver = (error: unknown) =>
    error instanceof Error &&
    /[\\/]postgres[\\/](cjs[\\/])?src[\\/]connection\.js/.test((error.stack ?? '').split('\n').find((line) => line.trimStart().startsWith('at ')) ?? '');
  const connectionLost = (error: unknown) =>
    error instanceof Error &&
    ['57P01', '57P02', '57P03', 'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT', 'ECONNRESET', 'ECONNREFUSED'].includes(
      String((error as { code?: unknown }).code),
    );
  process.on('uncaughtException', (error) => {
    if (error instanceof TypeError && fromDriver(error)) {
      log(`database driver fault survived (a connection was lost): ${error.message}; connections renewed`);
      renewPools();
      return;
    }
    console.error(error);
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    if (connectionLost(reason) || (reason instanceof TypeError && fromDriver(reason))) {
      log(`database connection lost (${String((reason as { code?: unknown }).code ?? (reason as Error).message)}); reconnecting`);
      return;
    }
    throw reason;
  });
}

export function hideUrlPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable url)';
  }
}

/**
 * Opens the database: postgres.js when a URL is given, otherwise embedded PGlite. PGlite allows
 * one process per data folder, so a folder on disk is locked for as long as it is open.
 */
export async function connect(options: ConnectOptions = {}): Promise<Database> {
  if (options.url) {
    const url = options.url;
    const open = (max: number) => () =>
      postgres(url, {
        max,
        ...serverConnectionOptions,
        onnotice: () => {},
        ...options.driver,
        // Keep bytea and timestamptz as Buffer and Date; numeric bigint counts come back as strings.
        // A date column is a calendar day, not an instant: read it as its 'YYYY-MM-DD' text.
        types: { calendarDay: { to: 1082, from: [1082], serialize: (day: string) => day, parse: (day: string) => day } },
      });
    const pools: ReturnType<typeof renewablePool>[] = [];
    const kysely = (max: number) => {
      const pool = renewablePool(open(max));
      pools.push(pool);
      return new Kysely<DB>({ dialect: new PostgresJSRestartSafeDialect({ postgres: pool.sql }), plugins });
    };
    const db = kysely(options.maxConnections ?? 10);
    const others: Kysely<DB>[] = [];
    const ownPool = (max: number) => {
      const own = kysely(max);
      others.push(own);
      return own;
    };
    const listen = (channel: string, onPayload: (payload: string) => void, onRelisten?: () => void) =>
      supervisedListen(url, channel, onPayload, onRelisten);
    // A query stuck on a dead connection must not hold a close: give running queries 2 s, then end them.
    const close = async () => {
      for (const pool of pools) pool.retire();
      await Promise.all(pools.map((pool) => pool.end(2)));
      await Promise.all([db, ...others].map((k) => k.destroy()));
    };
    return { db, kind: 'postgres', location: hideUrlPassword(options.url), listen, ownPool, close };
  }

  const dataDir = options.dataDir ?? '.data/pglite';
  const inMemory = dataDir.startsWith('memory://');
  let lock: DataDirLock | undefined;
  if (!inMemory) {
    mkdirSync(dataDir, { recursive: true });
    lock = acquireDataDirLock(dataDir);
  }
  try {
    // A date column is a calendar day, not an instant: read it as its 'YYYY-MM-DD' text, as postgres.js does above.
    // Loaded only here: a start on PostgreSQL does not pay for the embedded database's modules.
    const [{ PGlite }, { fuzzystrmatch }, { unaccent }] = await Promise.all([
      import('@electric-sql/pglite'),
      import('@electric-sql/pglite/contrib/fuzzystrmatch'),
      import('@electric-sql/pglite/contrib/unaccent'),
    ]);
    const pglite = await PGlite.create(inMemory ? undefined : dataDir, {
      parsers: { 1082: (day: string) => day },
      // The contrib extensions the knowledge search uses (migration 0014); PGlite loads them only when named.
      extensions: { unaccent, fuzzystrmatch },
    });
    const db = new Kysely<DB>({ dialect: new PGliteDialect({ pglite }), plugins });
    return {
      db,
      kind: 'pglite',
      location: inMemory ? 'memory' : dataDir,
      // PGlite's own queue keeps LISTEN out of Kysely's transactions (they hold PGlite's exclusive lock).
      listen: async (channel, onPayload) => {
        const unlisten = await pglite.listen(channel, onPayload);
        return async () => {
          if (!pglite.closed) await unlisten();
        };
      },
      ownPool: () => db,
      close: async () => {
        await db.destroy();
        lock?.release();
      },
    };
  } catch (error) {
    lock?.release();
    throw error;
  }
}
