import { mkdirSync } from 'node:fs';
import { CamelCasePlugin, Kysely, PGliteDialect } from 'kysely';
import { PostgresJSDialect } from 'kysely-postgres-js';
import postgres from 'postgres';
import { PGlite } from '@electric-sql/pglite';
import { fuzzystrmatch } from '@electric-sql/pglite/contrib/fuzzystrmatch';
import { unaccent } from '@electric-sql/pglite/contrib/unaccent';
import type { DB } from './schema.ts';
import { acquireDataDirLock, type DataDirLock } from './data-dir-lock.ts';

export type DatabaseKind = 'pglite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  kind: DatabaseKind;
  /** Where the data lives, for messages: a data folder, `memory`, or the server with the password hidden. */
  location: string;
  /**
   * LISTENs on a channel outside any transaction (postgres.js keeps a dedicated connection for it and
   * re-listens after a reconnect; PGlite has one connection). Resolves once listening; the returned
   * function stops.
   */
  listen(channel: string, onPayload: (payload: string) => void): Promise<Unlisten>;
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

const plugins = [new CamelCasePlugin({ maintainNestedObjectKeys: true })];

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
    const client = postgres(options.url, {
      max: options.maxConnections ?? 10,
      onnotice: () => {},
      ...options.driver,
      // Keep bytea and timestamptz as Buffer and Date; numeric bigint counts come back as strings.
      // A date column is a calendar day, not an instant: read it as its 'YYYY-MM-DD' text.
      types: { calendarDay: { to: 1082, from: [1082], serialize: (day: string) => day, parse: (day: string) => day } },
    });
    const db = new Kysely<DB>({ dialect: new PostgresJSDialect({ postgres: client }), plugins });
    const listen = async (channel: string, onPayload: (payload: string) => void): Promise<Unlisten> => {
      const { unlisten } = await client.listen(channel, onPayload);
      return unlisten;
    };
    return { db, kind: 'postgres', location: hideUrlPassword(options.url), listen, close: () => db.destroy() };
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
