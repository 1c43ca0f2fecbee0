import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { connect, createTestDatabase, type Database } from '@switchboard/db';
import { createApp, EventHub, PassTimeoutError, startPeriodic, startRouting, type Subscriber } from '@switchboard/api';
import { testConfig } from './support/harness.ts';
import { send } from './support/http.ts';

// What can be proven without restarting a server; `pnpm fault:restart` restarts a private cluster under load.

const until = async (condition: () => boolean, what: string) => {
  for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
  if (!condition()) throw new Error(`never happened: ${what}`);
};
const never = () => new Promise<never>(() => {});

function appOn(database: Database) {
  const now = () => new Date();
  return createApp({ db: database.db, databaseKind: database.kind, config: testConfig(), now, events: new EventHub({ db: database.db, listen: database.listen, now }) });
}

/** A port that accepts connections and never answers: a database host that hangs. */
async function blackHole(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

async function closedPort(): Promise<number> {
  const hole = await blackHole();
  await hole.close();
  return hole.port;
}

describe('health while the database is away', () => {
  it('answers 503 naming no driver detail when nothing listens on the database port', async () => {
    const port = await closedPort();
    const database = await connect({ url: `postgres://nobody:secret@127.0.0.1:${port}/switchboard`, maxConnections: 1 });
    try {
      const res = await send(appOn(database), 'GET', '/api/health');
      expect(res.status).toBe(503);
      const body = res.body as { status: string; database: { ok: boolean; error?: string } };
      expect(body.status).toBe('degraded');
      expect(body.database).toMatchObject({ ok: false, error: 'The database cannot be reached.' });
      expect(res.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|nobody|secret|switchboard\b|\d{4,5}/);
    } finally {
      await database.close();
    }
  });

  it('answers 503 after its deadline when the database host hangs, instead of waiting for the driver', async () => {
    const hole = await blackHole();
    const database = await connect({ url: `postgres://nobody:secret@127.0.0.1:${hole.port}/switchboard`, maxConnections: 1 });
    try {
      const res = await send(appOn(database), 'GET', '/api/health');
      expect(res.status).toBe(503);
      expect((res.body as { database: { error?: string } }).database.error).toBe('The database did not answer in time.');
      expect(res.headers.get('cache-control')).toBe('no-store');
    } finally {
      await hole.close();
      await database.close().catch(() => {});
    }
  });

  it('answers other requests 503 database_unavailable with Retry-After, not 500, and no driver detail', async () => {
    const port = await closedPort();
    const database = await connect({ url: `postgres://nobody:secret@127.0.0.1:${port}/switchboard`, maxConnections: 1 });
    try {
      const app = appOn(database);
      const login = await send(app, 'POST', '/api/auth/login', { json: { email: 'someone@example.com', password: 'whatever-it-is' } });
      expect(login.status).toBe(503);
      expect(login.body).toMatchObject({ code: 'database_unavailable', status: 503 });
      expect(login.headers.get('retry-after')).toBe('2');
      expect(login.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|nobody|secret/);
      const tenantRoute = await send(app, 'GET', '/api/t/acme/orders', { token: 'abc.def' });
      expect(tenantRoute.status).toBe(503);
    } finally {
      await database.close();
    }
  });

  it('answers 200 when the database answers', async () => {
    const database = await createTestDatabase({ migrated: false });
    try {
      const res = await send(appOn(database), 'GET', '/api/health');
      expect(res.status).toBe(200);
      expect((res.body as { database: { ok: boolean } }).database.ok).toBe(true);
    } finally {
      await database.close();
    }
  });
});

describe('the routing loop', () => {
  it('gives up a pass that hangs, reports it, clears it and resumes by itself', async () => {
    let passes = 0;
    let finished = 0;
    const errors: unknown[] = [];
    const stop = startRouting({
      db: undefined as never,
      now: () => new Date(),
      intervalMs: 5,
      passTimeoutMs: 40,
      onError: (error) => errors.push(error),
      // The first passes wait for ever, as on a connection that died; then the database is back.
      dispatch: async () => {
        passes++;
        if (passes <= 2) return never();
        finished++;
      },
    });
    await until(() => finished >= 3, 'passes after the hung ones');
    await stop();
    expect(errors.length).toBe(2);
    expect(errors.every((e) => e instanceof PassTimeoutError)).toBe(true);
  });

  it('reports a failing database once, and runs again once it answers', async () => {
    let failing = true;
    let ok = 0;
    const errors: unknown[] = [];
    const stop = startRouting({
      db: undefined as never,
      now: () => new Date(),
      intervalMs: 5,
      onError: (error) => errors.push(error),
      dispatch: async () => {
        if (failing) throw Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
        ok++;
      },
    });
    await until(() => errors.length >= 3, 'failed passes');
    failing = false;
    await until(() => ok >= 2, 'passes once the database answers');
    await stop();
  });

  it('stops within its grace period while a pass hangs', async () => {
    let started = false;
    const stop = startRouting({
      db: undefined as never,
      now: () => new Date(),
      intervalMs: 5,
      passTimeoutMs: 60_000,
      onError: () => {},
      dispatch: async () => {
        started = true;
        return never();
      },
    });
    await until(() => started, 'a pass');
    // Resolves (the test would time out otherwise) although the pass never ends.
    await stop(20);
  });
});

describe('periodic loops', () => {
  it('stop aborts a running pass and waits for it at most the grace it is given', async () => {
    let signal: AbortSignal | undefined;
    const errors: unknown[] = [];
    const stop = startPeriodic({
      name: 'stuck loop',
      intervalMs: 1000,
      firstPassAfterMs: 0,
      timeoutMs: 60_000,
      onError: (error) => errors.push(error),
      pass: (s) => {
        signal = s;
        return never();
      },
    });
    await until(() => signal !== undefined, 'a pass');
    await stop(20);
    expect(signal?.aborted).toBe(true);
    // Abandoned because the loop stopped: not reported as a failure.
    expect(errors).toEqual([]);
  });
});

describe('the event hub after its LISTEN comes back', () => {
  it('sends every stream `ready` again, so pages refetch what they missed', async () => {
    let relisten: (() => void) | undefined;
    const hub = new EventHub({
      db: undefined as never,
      now: () => new Date(),
      listen: async (_channel, _onPayload, onRelisten) => {
        relisten = onRelisten;
        return async () => {};
      },
    });
    const sent: string[] = [];
    const client: Subscriber = { userId: 'u1', kind: 'client_admin', address: '127.0.0.1', send: (event) => sent.push(event), close: () => {} };
    await hub.subscribe(client);
    expect(relisten).toBeTypeOf('function');
    relisten!();
    await hub.settled();
    expect(sent).toEqual(['ready']);
    await hub.stop();
  });

  it('forgets a LISTEN that failed, so the next stream tries again', async () => {
    let attempts = 0;
    const hub = new EventHub({
      db: undefined as never,
      now: () => new Date(),
      listen: async () => {
        attempts++;
        if (attempts === 1) throw new Error('connect ECONNREFUSED');
        return async () => {};
      },
    });
    const client: Subscriber = { userId: 'u1', kind: 'client_admin', address: '127.0.0.1', send: () => {}, close: () => {} };
    await expect(hub.subscribe(client)).rejects.toThrow('ECONNREFUSED');
    await hub.subscribe(client);
    expect(attempts).toBe(2);
    await hub.stop();
  });
});

describe('LISTEN on the database', () => {
  let database: Database;
  beforeAll(async () => {
    database = await createTestDatabase({ migrated: false });
  });
  afterAll(async () => {
    await database.close();
  });

  it('hears notifications again after its connection is killed, and says it is back (PostgreSQL); PGlite has one connection', async () => {
    const heard: string[] = [];
    let relistened = 0;
    const unlisten = await database.listen('resilience_test', (payload) => heard.push(payload), () => relistened++);
    try {
      await sql`select pg_notify('resilience_test', 'before')`.execute(database.db);
      await until(() => heard.includes('before'), 'the first notification');
      if (database.kind === 'postgres') {
        // What a server restart does to the listening connection.
        await sql`select pg_terminate_backend(pid) from pg_stat_activity where query like 'listen "resilience_test"%' and pid <> pg_backend_pid()`.execute(database.db);
        await until(() => relistened === 1, 'the LISTEN back');
        await sql`select pg_notify('resilience_test', 'after')`.execute(database.db);
        await until(() => heard.includes('after'), 'a notification after the reconnect');
      } else {
        expect(relistened).toBe(0);
      }
    } finally {
      await unlisten();
    }
  });
});
