import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql, type KyselyPlugin } from 'kysely';
import { connect, jsonb, newId, withApp, withTenant, type Database, type Tenant } from '@switchboard/db';
import { createApp, EventHub, publish, type BusEvent, type HubOptions } from '@switchboard/api';
import {
  assignOperator,
  createHarness,
  logIn,
  openEventStream,
  seedClientUser,
  seedOperator,
  seedTenant,
  seedUser,
  testConfig,
  type Client,
  type EventStream,
  type Harness,
  type SseEvent,
  type TestUser,
} from './support/index.ts';

/**
 * GET /api/events end to end: NOTIFY at commit → the process's hub → re-read under the tenant's
 * context → only the streams that tenant's rows say may hear it. A stream's "never received X" is
 * proven by ordering: a tenant's events are sent in the order they were published, and a test waits
 * for the hub to have handled everything (hub.caughtUp()) before it publishes another tenant's marker,
 * so whatever was published before the marker would be sent before it.
 */
let h: Harness;
let a: Tenant;
let b: Tenant;
let operatorOfA: TestUser;
let operatorOfB: TestUser;
let clientOfA: TestUser;
let supervisor: TestUser;
const opened: EventStream[] = [];

/** An app with a hub we can look at, as one API process. */
function processOn(database: Pick<Database, 'db' | 'listen' | 'kind'>, options: HubOptions = {}) {
  const hub = new EventHub({ db: database.db, listen: database.listen, now: h.clock.now }, { wallboardIntervalMs: 0, ...options });
  const app = createApp({ db: database.db, databaseKind: database.kind, config: testConfig(), now: h.clock.now, events: hub });
  return { hub, app };
}

async function stream(app: ReturnType<typeof processOn>['app'], user: TestUser, client?: Client): Promise<EventStream> {
  client ??= await logIn(h.app, user);
  const s = await openEventStream(app, client.token);
  opened.push(s);
  expect(s.status).toBe(200);
  expect(s.contentType).toMatch(/^text\/event-stream/);
  const ready = await s.next();
  expect(ready).toEqual({ event: 'ready', data: { kind: user.kind, heartbeatSeconds: expect.any(Number) } });
  return s;
}

async function committed(tenantId: string | null, event: BusEvent, work?: (tx: any) => Promise<unknown>) {
  const run = async (tx: any) => {
    await work?.(tx);
    await publish(tx, event);
  };
  if (tenantId) await withTenant(h.db, tenantId, run);
  else await withApp(h.db, run);
}

async function seedCall(tenant: Tenant, options: { operatorId?: string | null; status?: 'queued' | 'connected' | 'wrap_up'; offeredTo?: string } = {}) {
  const id = newId();
  const now = h.clock.now();
  await withTenant(h.db, tenant.id, async (tx) => {
    await tx
      .insertInto('calls')
      .values({
        tenantId: tenant.id,
        id,
        externalId: `ext-${id}`,
        function: 'order_taking',
        dialledNumber: '+33100000000',
        callerNumber: '+33612345678',
        status: options.status ?? 'queued',
        operatorId: options.operatorId ?? null,
        offeredAt: now,
        answeredAt: options.status && options.status !== 'queued' ? now : null,
        endedAt: options.status === 'wrap_up' ? now : null,
      })
      .execute();
    if ((options.status ?? 'queued') === 'queued') {
      await tx
        .insertInto('callQueue')
        .values({
          tenantId: tenant.id,
          callId: id,
          function: 'order_taking',
          enqueuedAt: now,
          offeredTo: options.offeredTo ?? null,
          offerExpiresAt: options.offeredTo ? new Date(now.getTime() + 15_000) : null,
        })
        .execute();
    }
  });
  return id;
}

async function seedCustomer(tenant: Tenant) {
  const id = newId();
  const phone = `+3361${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
  await withTenant(h.db, tenant.id, (tx) => tx.insertInto('customers').values({ tenantId: tenant.id, id, phone }).execute());
  return id;
}

/**
 * A Kysely plugin that holds the answer of every statement `holds` picks (by its text) until release(),
 * its transaction left open as a slow read's would be; `blocked` resolves when the first one is held.
 */
function gate(holds: (text: string) => boolean) {
  let release!: () => void;
  const opened = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const blocked = new Promise<void>((resolve) => (entered = resolve));
  const held = new Set<string>();
  const plugin: KyselyPlugin = {
    transformQuery(args) {
      if (holds(JSON.stringify(args.node))) held.add(args.queryId.queryId);
      return args.node;
    },
    async transformResult(args) {
      if (held.delete(args.queryId.queryId)) {
        entered();
        await opened;
      }
      return args.result;
    },
  };
  return { plugin, blocked, release };
}

const mentions = (events: SseEvent[], tenant: Tenant, ...ids: string[]) =>
  events.filter((e) => {
    const text = JSON.stringify(e.data);
    return text.includes(`"${tenant.slug}"`) || ids.some((id) => text.includes(id));
  });

beforeAll(async () => {
  h = await createHarness();
  a = (await seedTenant(h.db, { name: 'Pizza A' })).tenant;
  b = (await seedTenant(h.db, { name: 'Bank B' })).tenant;
  operatorOfA = await seedOperator(h.db, [a]);
  operatorOfB = await seedOperator(h.db, [b]);
  clientOfA = await seedClientUser(h.db, a);
  supervisor = await seedUser(h.db, { kind: 'supervisor' });
});

afterAll(async () => {
  for (const s of opened) await s.close().catch(() => {});
  await h?.close();
});

describe('delivery', () => {
  it('answers 401 without a session', async () => {
    const s = await openEventStream(h.app, undefined);
    expect(s.status).toBe(401);
  });

  it('delivers an event published in a committed transaction, and never one that was rolled back', async () => {
    const { app } = processOn(h.database);
    const s = await stream(app, clientOfA);
    const rolledBack = await seedCustomer(a);
    const kept = await seedCustomer(a);

    await expect(
      withTenant(h.db, a.id, async (tx) => {
        await publish(tx, { kind: 'record', tenantId: a.id, recordType: 'customer', recordId: rolledBack });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await committed(a.id, { kind: 'record', tenantId: a.id, recordType: 'customer', recordId: kept });

    const seen = await s.until((e) => e.event === 'record');
    expect(seen).toEqual([{ event: 'record', data: { tenant: a.slug, type: 'customer', id: kept } }]);
  });

  it("sends a batch's presences even when the tenant read they ride on finds nothing", async () => {
    const { app } = processOn(h.database);
    const operator = await seedOperator(h.db, [a]);
    const s = await stream(app, operator);
    await withApp(h.db, (tx) => tx.insertInto('operatorPresence').values({ operatorId: operator.id, state: 'offline', since: new Date(), updatedAt: new Date() }).execute());
    // One commit, one batch: a call of a tenant that is not there (its read answers no tenant) and a presence.
    await withTenant(h.db, a.id, async (tx) => {
      await publish(tx, { kind: 'call', tenantId: newId(), callId: newId() });
      await publish(tx, { kind: 'presence', operatorId: operator.id });
    });
    const seen = await s.until((e) => e.event === 'presence');
    expect(seen.at(-1)!.data).toMatchObject({ state: 'offline', breakReason: null });
  });

  it('reaches a hub listening through another connection pool (another API process)', async () => {
    // On PostgreSQL the second process opens its own pool to the same database; PGlite is one
    // process by nature, so there the second hub shares the instance but LISTENs on its own.
    let other: Database | undefined;
    let process2: ReturnType<typeof processOn>;
    if (h.database.kind === 'postgres') {
      const name = (await sql<{ name: string }>`select current_database() as name`.execute(h.db)).rows[0]!.name;
      const url = new URL(process.env.TEST_DATABASE_URL!);
      url.pathname = `/${name}`;
      other = await connect({ url: url.toString(), maxConnections: 2 });
      process2 = processOn(other);
    } else {
      process2 = processOn(h.database);
    }
    try {
      const s = await stream(process2.app, clientOfA);
      const callId = await seedCall(a);
      await committed(a.id, { kind: 'call', tenantId: a.id, callId });
      expect(await s.next()).toEqual({ event: 'call', data: { tenant: a.slug, type: 'call', id: callId } });
      await s.close();
    } finally {
      await process2.hub.stop();
      await other?.close();
    }
  });

  it('sends heartbeats, and ends the stream when the session ends', async () => {
    const { app, hub } = processOn(h.database, { heartbeatMs: 25 });
    const client = await logIn(h.app, clientOfA);
    const s = await stream(app, clientOfA, client);
    expect(await s.nextComment()).toBe('heartbeat');
    expect((await client.post('/api/auth/logout')).status).toBeLessThan(300);
    await expect(s.next()).rejects.toThrow('The event stream ended');
    await vi.waitFor(() => expect(hub.subscriberCount).toBe(0));
  });

  it('checks the sessions of all open streams in one statement, ending only those whose session ended', async () => {
    // What each statement reading the sessions table names: the session ids written into it.
    const reads: string[][] = [];
    const sessionIds: string[] = [];
    const counted = h.db.withPlugin({
      transformQuery({ node }) {
        const text = JSON.stringify(node);
        if (node.kind === 'SelectQueryNode' && text.includes('"sessions"')) reads.push(sessionIds.filter((id) => text.includes(id)));
        return node;
      },
      transformResult: ({ result }) => Promise.resolve(result),
    });
    const { app, hub } = processOn({ ...h.database, db: counted }, { heartbeatMs: 25 });
    const leaving = await seedOperator(h.db, [a]);
    const staying = await seedOperator(h.db, [a]);
    const clients = [await logIn(h.app, leaving), await logIn(h.app, staying), await logIn(h.app, staying)];
    sessionIds.push(...clients.map((client) => client.token!.split('.')[0]!));
    const [gone, kept, second] = [await stream(app, leaving, clients[0]), await stream(app, staying, clients[1]), await stream(app, staying, clients[2])];
    // A heartbeat opens each pass and passes never overlap: once all three had one, every later check covers them all.
    for (const s of [gone, kept, second]) expect(await s.nextComment()).toBe('heartbeat');
    reads.length = 0;
    for (let i = 0; i < 2; i++) for (const s of [gone, kept, second]) expect(await s.nextComment()).toBe('heartbeat');
    expect(reads.length).toBeGreaterThan(0);
    for (const named of reads) expect(named.sort()).toEqual([...sessionIds].sort());

    await withApp(h.db, (tx) => tx.updateTable('users').set({ status: 'disabled' }).where('id', '=', leaving.id).execute());
    await expect(gone.next()).rejects.toThrow('The event stream ended');
    await vi.waitFor(() => expect(hub.subscriberCount).toBe(2));
    // The disabled user's session is deleted, as a request would have deleted it; the others' streams go on.
    expect(await h.db.selectFrom('sessions').select('id').where('userId', '=', leaving.id).execute()).toEqual([]);
    for (let i = 0; i < 2; i++) for (const s of [kept, second]) expect(await s.nextComment()).toBe('heartbeat');
    await kept.close();
    await second.close();
    await vi.waitFor(() => expect(hub.subscriberCount).toBe(0));
  });

  it('ends no stream on a session check that fails, and ends it at the next check that answers', async () => {
    let failing = false;
    const flaky = h.db.withPlugin({
      transformQuery({ node }) {
        if (failing && node.kind === 'SelectQueryNode' && JSON.stringify(node).includes('"sessions"')) throw new Error('connection lost');
        return node;
      },
      transformResult: ({ result }) => Promise.resolve(result),
    });
    const { app, hub } = processOn({ ...h.database, db: flaky }, { heartbeatMs: 25 });
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const client = await logIn(h.app, clientOfA);
      const s = await stream(app, clientOfA, client);
      failing = true;
      expect((await client.post('/api/auth/logout')).status).toBeLessThan(300);
      // Two heartbeats: at least one whole pass whose check failed, and the stream is still open.
      for (let i = 0; i < 3; i++) expect(await s.nextComment()).toBe('heartbeat');
      expect(error).toHaveBeenCalled();
      failing = false;
      await expect(s.next()).rejects.toThrow('The event stream ended');
      await vi.waitFor(() => expect(hub.subscriberCount).toBe(0));
    } finally {
      error.mockRestore();
    }
  });

  it('ends a stream whose session could not be confirmed four checks in a row', async () => {
    let failing = false;
    let failed = 0;
    const flaky = h.db.withPlugin({
      transformQuery({ node }) {
        if (failing && node.kind === 'SelectQueryNode' && JSON.stringify(node).includes('"sessions"')) {
          failed++;
          throw new Error('connection lost');
        }
        return node;
      },
      transformResult: ({ result }) => Promise.resolve(result),
    });
    const { app, hub } = processOn({ ...h.database, db: flaky }, { heartbeatMs: 25 });
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const s = await stream(app, clientOfA);
      failing = true;
      // From now on every check fails: the stream outlives three of them (a blip ends nothing) and ends at the fourth.
      await expect(s.until(() => false)).rejects.toThrow('The event stream ended');
      expect(failed).toBe(4);
      await vi.waitFor(() => expect(hub.subscriberCount).toBe(0));
      expect(error).toHaveBeenCalledTimes(4);
    } finally {
      error.mockRestore();
    }
  });

  it('forgets a stream once its client disconnects', async () => {
    const { app, hub } = processOn(h.database);
    const s = await stream(app, clientOfA);
    expect(hub.subscriberCount).toBe(1);
    await s.close();
    await vi.waitFor(() => expect(hub.subscriberCount).toBe(0));
    // The hub still handles events with nobody listening.
    await committed(a.id, { kind: 'call', tenantId: a.id, callId: await seedCall(a) });
  });

  it('ignores payloads that are not bus events', async () => {
    const { app } = processOn(h.database);
    const s = await stream(app, clientOfA);
    const callId = await seedCall(a);
    await sql`select pg_notify('switchboard_events', 'not json'), pg_notify('switchboard_events', ${JSON.stringify({ kind: 'call', tenantId: 'x', callId })})`.execute(h.db);
    await committed(a.id, { kind: 'call', tenantId: a.id, callId });
    expect(await s.until((e) => e.event === 'call')).toEqual([{ event: 'call', data: { tenant: a.slug, type: 'call', id: callId } }]);
  });
});

describe('operators', () => {
  it('get their offers, their calls and their tenants’ queues, and nothing of a tenant outside their assignments', async () => {
    const { app, hub } = processOn(h.database);
    const s = await stream(app, operatorOfA);
    // The desk's first view: the queues of its tenants, A only.
    const greeting = await s.next();
    expect(greeting.event).toBe('queue');
    expect(greeting.data.tenant).toBe(a.slug);

    // Everything of B, even rows that (wrongly) name this operator: an offer addressed to it,
    // a call it is on, B's queue, another operator's presence.
    const offeredInB = await seedCall(b, { offeredTo: operatorOfA.id });
    const connectedInB = await seedCall(b, { status: 'connected', operatorId: operatorOfA.id });
    await committed(b.id, { kind: 'offer', tenantId: b.id, callId: offeredInB, operatorId: operatorOfA.id });
    await committed(b.id, { kind: 'call', tenantId: b.id, callId: connectedInB });
    await committed(b.id, { kind: 'call', tenantId: b.id, callId: await seedCall(b) });
    await withApp(h.db, (tx) =>
      tx.insertInto('operatorPresence').values({ operatorId: operatorOfB.id, state: 'available' }).execute(),
    );
    await committed(null, { kind: 'presence', operatorId: operatorOfB.id });
    await hub.caughtUp();

    // Then A: an offer to this operator, and its call.
    const offeredInA = await seedCall(a, { offeredTo: operatorOfA.id });
    await committed(a.id, { kind: 'offer', tenantId: a.id, callId: offeredInA, operatorId: operatorOfA.id });
    const seen = await s.until((e) => e.event === 'offer');
    expect(mentions(seen, b, offeredInB, connectedInB)).toEqual([]);
    expect(seen).toEqual([
      {
        event: 'offer',
        data: {
          tenant: a.slug,
          tenantName: 'Pizza A',
          brandColor: a.brandColor,
          callId: offeredInA,
          function: 'order_taking',
          callerNumber: '+33612345678',
          expiresAt: new Date(h.clock.now().getTime() + 15_000).toISOString(),
        },
      },
    ]);
    const queue = await s.next();
    expect(queue.event).toBe('queue');
    expect(queue.data.tenant).toBe(a.slug);
    expect(queue.data.queues).toEqual([
      expect.objectContaining({ function: 'order_taking', waiting: expect.any(Number), longestWaitSeconds: 0 }),
    ]);

    // The offer goes elsewhere: withdrawn.
    await committed(a.id, { kind: 'offer', tenantId: a.id, callId: offeredInA, operatorId: operatorOfA.id }, (tx) =>
      tx.updateTable('callQueue').set({ offeredTo: null, offerExpiresAt: null }).where('callId', '=', offeredInA).execute(),
    );
    expect(await s.next()).toEqual({ event: 'offer', data: { withdrawn: offeredInA } });

    // Its own call, in wrap-up.
    const onCall = await seedCall(a, { status: 'wrap_up', operatorId: operatorOfA.id });
    await committed(a.id, { kind: 'call', tenantId: a.id, callId: onCall });
    const update = (await s.until((e) => e.event === 'call'))!.at(-1)!;
    expect(update.data).toEqual({
      tenant: a.slug,
      tenantName: 'Pizza A',
      brandColor: a.brandColor,
      callId: onCall,
      status: 'wrap_up',
      wrapUpDeadline: new Date(h.clock.now().getTime() + 60_000).toISOString(),
    });

    // Its own presence.
    await committed(null, { kind: 'presence', operatorId: operatorOfA.id }, (tx) =>
      tx.insertInto('operatorPresence').values({ operatorId: operatorOfA.id, state: 'break', breakReason: 'lunch', since: h.clock.now() }).execute(),
    );
    const presence = (await s.until((e) => e.event === 'presence')).at(-1)!;
    expect(presence.data).toEqual({ state: 'break', breakReason: 'lunch', since: h.clock.now().toISOString() });
  });

  it("get one tenant's offer while another tenant's read is slow, and each tenant's in the order published", async () => {
    const operator = await seedOperator(h.db, [a, b]);
    // On PostgreSQL the hub's re-reads of B's events (the statement naming 'offers' and B) wait at a gate
    // once armed. PGlite is one connection: a held read would hold every transaction, so nothing is held there.
    const gated = h.database.kind === 'postgres';
    let armed = false;
    let readsOfB = 0;
    const { plugin, blocked, release } = gate((text) => {
      if (!armed || !text.includes("'offers'") || !text.includes(b.id)) return false;
      readsOfB++;
      return gated;
    });
    const { app, hub } = processOn({ ...h.database, db: h.db.withPlugin(plugin) });
    const offerTo = async (tenant: Tenant) => {
      const callId = await seedCall(tenant, { offeredTo: operator.id });
      await committed(tenant.id, { kind: 'offer', tenantId: tenant.id, callId, operatorId: operator.id });
      return callId;
    };
    const offers = (events: SseEvent[]) => events.filter((e) => e.event === 'offer').map((e) => e.data.callId);
    try {
      const s = await stream(app, operator);
      const greeted = new Set<string>();
      await s.until((e) => e.event === 'queue' && greeted.add(e.data.tenant).size === 2);
      armed = true;
      const firstOfB = await offerTo(b);
      if (gated) await blocked;
      // While B's read runs (held, on PostgreSQL): two more offers in B, then one in A.
      const laterOfB = [await offerTo(b), await offerTo(b)];
      const ofA = await offerTo(a);
      if (gated) {
        // A's read runs on another connection: its offer reaches the desk while B's read still waits.
        expect(offers(await s.until((e) => e.event === 'offer'))).toEqual([ofA]);
        release();
      }
      await hub.caughtUp();
      const seen: SseEvent[] = [];
      while (offers(seen).length < (gated ? 3 : 4)) seen.push(await s.next());
      // B's offers in the order they were published, whatever came between.
      expect(offers(seen).filter((id) => id !== ofA)).toEqual([firstOfB, ...laterOfB]);
      // Held: B's first read, then one for the two offers that arrived while it ran.
      if (gated) expect(readsOfB).toBe(2);
      else expect(readsOfB).toBeGreaterThanOrEqual(1);
    } finally {
      // A failure must not leave B's read holding its connection.
      release();
      await hub.stop();
    }
  });

  it("keep a newer queue snapshot that arrived while their greeting was read (the greeting's older one is not sent)", async () => {
    const tenant = (await seedTenant(h.db)).tenant;
    const operator = await seedOperator(h.db, [tenant]);
    // On PostgreSQL the greeting's read of the tenant's queues waits at a gate; PGlite is one connection
    // (a held read would hold the snapshot's too), so there the greeting is read at once.
    const gated = h.database.kind === 'postgres';
    const { plugin, blocked, release } = gate((text) => gated && text.includes("'queues'") && text.includes(tenant.id));
    const hub = new EventHub({ db: h.db, requestDb: h.db.withPlugin(plugin), listen: h.database.listen, now: h.clock.now }, { wallboardIntervalMs: 0 });
    const queues: number[] = [];
    const desk = {
      userId: operator.id,
      kind: operator.kind,
      address: '192.0.2.7',
      send: (event: string, data: any) => void (event === 'queue' && data.tenant === tenant.slug && queues.push(data.queues.reduce((n: number, q: any) => n + q.waiting, 0))),
      close: () => {},
    };
    try {
      await hub.subscribe(desk);
      const greeting = hub.greet(desk);
      if (gated) await blocked;
      // A call arrives while the greeting is read: the queue loop reads and sends a snapshot with it.
      const callId = await seedCall(tenant);
      await committed(tenant.id, { kind: 'call', tenantId: tenant.id, callId });
      if (gated) await vi.waitFor(() => expect(queues).toEqual([1]));
      release();
      await greeting;
      await hub.caughtUp();
      // What the desk shows last is the newer snapshot, never the greeting's older one.
      expect(queues.at(-1)).toBe(1);
      if (gated) expect(queues).toEqual([1]);
    } finally {
      release();
      await hub.stop();
    }
  });

  it('get their offer through a flood of notifications naming other tenants, the hub reading at most maxReads tenants at once', async () => {
    let running = 0;
    let most = 0;
    const inFlight = new Set<string>();
    const plugin: KyselyPlugin = {
      transformQuery(args) {
        if (JSON.stringify(args.node).includes("'offers'")) {
          inFlight.add(args.queryId.queryId);
          most = Math.max(most, ++running);
        }
        return args.node;
      },
      async transformResult(args) {
        if (inFlight.delete(args.queryId.queryId)) running--;
        return args.result;
      },
    };
    const { app, hub } = processOn({ ...h.database, db: h.db.withPlugin(plugin) }, { maxReads: 2 });
    try {
      const s = await stream(app, operatorOfA);
      await s.until((e) => e.event === 'queue' && e.data.tenant === a.slug);
      // Anyone with a connection may NOTIFY: 40 valid-looking events of tenants that do not exist.
      const flood = Array.from({ length: 40 }, () => JSON.stringify({ kind: 'call', tenantId: newId(), callId: newId() }));
      await withApp(h.db, (tx) => sql`select pg_notify('switchboard_events', e) from jsonb_array_elements_text(${jsonb(flood)}) e`.execute(tx));
      const offered = await seedCall(a, { offeredTo: operatorOfA.id });
      await committed(a.id, { kind: 'offer', tenantId: a.id, callId: offered, operatorId: operatorOfA.id });
      const seen = await s.until((e) => e.event === 'offer');
      expect(seen.at(-1)!.data.callId).toBe(offered);
      await hub.caughtUp();
      expect(most).toBeGreaterThan(0);
      expect(most).toBeLessThanOrEqual(2);
    } finally {
      await hub.stop();
    }
  });

  it('the filter is what stops B: an operator assigned to B gets B’s queue', async () => {
    const { app } = processOn(h.database);
    const s = await stream(app, operatorOfB);
    await s.until((e) => e.event === 'queue' && e.data.tenant === b.slug); // greeting
    await committed(b.id, { kind: 'call', tenantId: b.id, callId: await seedCall(b) });
    const queue = await s.next();
    expect(queue.event).toBe('queue');
    expect(queue.data.tenant).toBe(b.slug);
  });

  it('get one queue snapshot for a burst of changes in a tenant, as new as the last change', async () => {
    // A busy tenant changes its queues many times a second: its desks get at most one snapshot per interval.
    const { app, hub } = processOn(h.database, { queueIntervalMs: 3000 });
    const s = await stream(app, operatorOfB);
    await s.until((e) => e.event === 'queue' && e.data.tenant === b.slug); // greeting
    await withApp(h.db, (tx) =>
      tx.insertInto('operatorPresence').values({ operatorId: operatorOfB.id, state: 'available' }).onConflict((oc) => oc.column('operatorId').doNothing()).execute(),
    );
    const waiting = (e: SseEvent) => e.data.queues.reduce((sum: number, q: { waiting: number }) => sum + q.waiting, 0);
    // The first change in the interval: a snapshot at once.
    await committed(b.id, { kind: 'call', tenantId: b.id, callId: await seedCall(b) });
    const first = (await s.until((e) => e.event === 'queue')).at(-1)!;
    // Five more, each its own commit and notification, each handled by the hub before the next (the
    // tenant's client user hears of the call in the batch that marks its queues for a snapshot); then a
    // marker the hub sends after whatever they caused.
    const portal = await stream(app, await seedClientUser(h.db, b));
    for (let i = 0; i < 5; i++) {
      const callId = await seedCall(b);
      await committed(b.id, { kind: 'call', tenantId: b.id, callId });
      await portal.until((e) => e.event === 'call' && e.data.id === callId);
    }
    await hub.settled();
    await committed(null, { kind: 'presence', operatorId: operatorOfB.id });
    const seen = await s.until((e) => e.event === 'presence');
    const snapshots = seen.filter((e) => e.event === 'queue');
    expect(snapshots).toHaveLength(1);
    expect(waiting(snapshots[0]!)).toBe(waiting(first) + 5);
  });

  it('get a tenant’s first snapshot at once while another tenant of theirs waits out its interval', async () => {
    const operator = await seedOperator(h.db, [a, b]);
    const { app, hub } = processOn(h.database, { queueIntervalMs: 600_000 });
    const s = await stream(app, operator);
    const greeted = new Set<string>();
    while (greeted.size < 2) {
      const e = await s.next();
      if (e.event === 'queue') greeted.add(e.data.tenant);
    }
    // A's first change is read at once; its second waits ten minutes.
    await committed(a.id, { kind: 'call', tenantId: a.id, callId: await seedCall(a) });
    await s.until((e) => e.event === 'queue' && e.data.tenant === a.slug);
    await committed(a.id, { kind: 'call', tenantId: a.id, callId: await seedCall(a) });
    // B changes meanwhile: its snapshot does not wait behind A's (the test would time out).
    await committed(b.id, { kind: 'call', tenantId: b.id, callId: await seedCall(b) });
    const seen = await s.until((e) => e.event === 'queue' && e.data.tenant === b.slug);
    expect(seen.filter((e) => e.event === 'queue' && e.data.tenant === a.slug)).toEqual([]);
    await hub.stop();
  });

  it('get a snapshot whose read failed once after the interval, not at the next change', async () => {
    let armed = false;
    const errors: unknown[] = [];
    // The hub's reads fail once, on the queue snapshot; the greeting reads elsewhere.
    const failingOnce = h.db.withPlugin({
      transformQuery(args) {
        if (armed && JSON.stringify(args.node).includes("'queues'")) {
          armed = false;
          throw new Error('the snapshot read failed');
        }
        return args.node;
      },
      transformResult: async (args) => args.result,
    });
    const hub = new EventHub({ db: failingOnce, requestDb: h.db, listen: h.database.listen, now: h.clock.now }, { queueIntervalMs: 50, wallboardIntervalMs: 0, onError: (e) => errors.push(e) });
    const app = createApp({ db: h.db, databaseKind: h.database.kind, config: testConfig(), now: h.clock.now, events: hub });
    const operator = await seedOperator(h.db, [a]);
    const s = await stream(app, operator);
    await s.until((e) => e.event === 'queue' && e.data.tenant === a.slug); // greeting
    armed = true;
    await committed(a.id, { kind: 'call', tenantId: a.id, callId: await seedCall(a) });
    await s.until((e) => e.event === 'queue' && e.data.tenant === a.slug);
    expect(errors.map((e) => (e as Error).message)).toEqual(['the snapshot read failed']);
    await hub.stop();
  });

  it('stops hearing of a tenant as soon as the assignment is gone', async () => {
    const shared = (await seedTenant(h.db)).tenant;
    const operator = await seedOperator(h.db, [a]);
    await assignOperator(h.db, shared, operator.id);
    const { app, hub } = processOn(h.database);
    const s = await stream(app, operator);
    await s.until((e) => e.event === 'queue' && e.data.tenant === shared.slug);
    await withTenant(h.db, shared.id, (tx) => tx.deleteFrom('operatorAssignments').where('operatorId', '=', operator.id).execute());
    const unassigned = await seedCall(shared, { offeredTo: operator.id });
    await committed(shared.id, { kind: 'offer', tenantId: shared.id, callId: unassigned, operatorId: operator.id });
    await hub.caughtUp();
    await committed(a.id, { kind: 'call', tenantId: a.id, callId: await seedCall(a) });
    const seen = await s.until((e) => e.event === 'queue' && e.data.tenant === a.slug);
    expect(mentions(seen, shared, unassigned)).toEqual([]);
  });
});

describe('client users', () => {
  it('get call and record notices of their own tenant only', async () => {
    const { app, hub } = processOn(h.database);
    const s = await stream(app, clientOfA);
    const callOfB = await seedCall(b);
    const customerOfB = await seedCustomer(b);
    await committed(b.id, { kind: 'call', tenantId: b.id, callId: callOfB });
    await committed(b.id, { kind: 'record', tenantId: b.id, recordType: 'customer', recordId: customerOfB });
    await hub.caughtUp();
    // A record id of B published as if it were A's: the re-read under A finds nothing.
    await committed(a.id, { kind: 'record', tenantId: a.id, recordType: 'customer', recordId: customerOfB });
    const callOfA = await seedCall(a);
    await committed(a.id, { kind: 'call', tenantId: a.id, callId: callOfA });
    const seen = await s.until((e) => e.event === 'call');
    expect(seen).toEqual([{ event: 'call', data: { tenant: a.slug, type: 'call', id: callOfA } }]);
  });

  it('hear of a satisfaction report of their own tenant only, re-read under that tenant (the Satisfaction page refreshes)', async () => {
    const { app } = processOn(h.database);
    const s = await stream(app, clientOfA);
    const reported = async (tenant: Tenant) => {
      const callId = await seedCall(tenant, { status: 'wrap_up' });
      await withTenant(h.db, tenant.id, (tx) =>
        tx
          .insertInto('callSatisfaction')
          .values({ tenantId: tenant.id, callId, function: 'order_taking', operatorId: null, askedSolved: false, score: 4, solved: null, outcome: 'answered', callEndedAt: h.clock.now(), recordedAt: h.clock.now() })
          .execute(),
      );
      return callId;
    };
    const ofB = await reported(b);
    await committed(b.id, { kind: 'record', tenantId: b.id, recordType: 'satisfaction', recordId: ofB });
    // B's call named as if it were A's: the re-read under A finds no such report.
    await committed(a.id, { kind: 'record', tenantId: a.id, recordType: 'satisfaction', recordId: ofB });
    await committed(a.id, { kind: 'record', tenantId: a.id, recordType: 'survey', recordId: ofB });
    const ofA = await reported(a);
    await committed(a.id, { kind: 'record', tenantId: a.id, recordType: 'satisfaction', recordId: ofA });
    const seen = await s.until((e) => e.event === 'record');
    expect(seen).toEqual([{ event: 'record', data: { tenant: a.slug, type: 'satisfaction', id: ofA } }]);
  });

  it('hear nothing once their account is disabled, even before the session check ends the stream', async () => {
    const tenant = (await seedTenant(h.db)).tenant;
    const [disabled, active] = [await seedClientUser(h.db, tenant), await seedClientUser(h.db, tenant)];
    const { hub } = processOn(h.database);
    const heard = new Map<string, string[]>([[disabled.id, []], [active.id, []]]);
    for (const user of [disabled, active]) {
      await hub.subscribe({
        userId: user.id,
        kind: user.kind,
        address: '192.0.2.7',
        send: (event: string, data: unknown) => void heard.get(user.id)!.push(`${event} ${JSON.stringify(data)}`),
        close: () => {},
      });
    }
    await withApp(h.db, (tx) => tx.updateTable('users').set({ status: 'disabled' }).where('id', '=', disabled.id).execute());
    const callId = await seedCall(tenant);
    await committed(tenant.id, { kind: 'call', tenantId: tenant.id, callId });
    await vi.waitFor(() => expect(heard.get(active.id)).toEqual([`call ${JSON.stringify({ tenant: tenant.slug, type: 'call', id: callId })}`]));
    await hub.settled();
    expect(heard.get(disabled.id)).toEqual([]);
    await hub.stop();
  });

  it('outside the tenant’s IP allow-list hear nothing of it', async () => {
    const tenant = (await seedTenant(h.db)).tenant;
    const client = await seedClientUser(h.db, tenant);
    await withTenant(h.db, tenant.id, (tx) =>
      tx
        .insertInto('confidentialityRules')
        .values({
          tenantId: tenant.id,
          classification: jsonb({}),
          operatorVisibility: 'masked',
          recordingPolicy: 'never',
          personalDataRetentionDays: 365,
          recordingRetentionDays: 90,
          ipAllowList: ['192.0.2.0/24'],
          updatedBy: 'test',
        })
        .execute(),
    );
    // Two streams of the same user on one hub, from inside and from outside the list.
    const { hub } = processOn(h.database);
    const heard = { inside: [] as string[], outside: [] as string[] };
    const subscriber = (where: keyof typeof heard, address: string) => ({
      userId: client.id,
      kind: client.kind,
      address,
      send: (event: string, data: unknown) => void heard[where].push(`${event} ${JSON.stringify(data)}`),
      close: () => {},
    });
    await hub.subscribe(subscriber('outside', '203.0.113.9'));
    await hub.subscribe(subscriber('inside', '192.0.2.7'));
    const callId = await seedCall(tenant);
    await committed(tenant.id, { kind: 'call', tenantId: tenant.id, callId });
    await vi.waitFor(() => expect(heard.inside).toEqual([`call ${JSON.stringify({ tenant: tenant.slug, type: 'call', id: callId })}`]));
    expect(heard.outside).toEqual([]);
    await hub.stop();
  });
});

describe('leads', () => {
  /** A lead on a call of the tenant, with a phone the tenant's rules classify as sensitive. */
  async function seedLead(tenant: Tenant, phone: string) {
    const callId = await seedCall(tenant, { status: 'wrap_up' });
    const id = newId();
    await withTenant(h.db, tenant.id, (tx) =>
      tx.insertInto('leads').values({ tenantId: tenant.id, id, callId, function: 'order_taking', fields: jsonb({ name: 'Ada', phone }), createdAt: h.clock.now() }).execute(),
    );
    return { id, callId };
  }
  const sensitivePhone = (tenant: Tenant) =>
    withTenant(h.db, tenant.id, (tx) =>
      tx
        .insertInto('confidentialityRules')
        .values({
          tenantId: tenant.id,
          classification: jsonb({ 'customer.phone': 'sensitive' }),
          operatorVisibility: 'masked',
          recordingPolicy: 'never',
          personalDataRetentionDays: 365,
          recordingRetentionDays: 90,
          updatedBy: 'test',
        })
        .execute(),
    );

  it("reach the tenant's client users as the Leads list shows them (a sensitive phone masked), and never another tenant's", async () => {
    const mine = (await seedTenant(h.db)).tenant;
    const theirs = (await seedTenant(h.db)).tenant;
    await sensitivePhone(mine);
    const [admin, member, stranger] = [await seedClientUser(h.db, mine, 'client_admin'), await seedClientUser(h.db, mine, 'client_member'), await seedClientUser(h.db, theirs)];
    const operator = await seedOperator(h.db, [mine]);
    const { hub } = processOn(h.database);
    const heard = new Map<string, { event: string; data: any }[]>([admin, member, stranger, operator].map((u) => [u.id, []]));
    for (const user of [admin, member, stranger, operator]) {
      await hub.subscribe({ userId: user.id, kind: user.kind, address: '192.0.2.7', send: (event: string, data: unknown) => void heard.get(user.id)!.push({ event, data }), close: () => {} });
    }
    const theirLead = await seedLead(theirs, '+33611112222');
    await committed(theirs.id, { kind: 'lead', tenantId: theirs.id, leadId: theirLead.id });
    // Another tenant's lead id published as if it were this tenant's: the re-read under it finds nothing.
    await committed(mine.id, { kind: 'lead', tenantId: mine.id, leadId: theirLead.id });
    const lead = await seedLead(mine, '+33698765432');
    await committed(mine.id, { kind: 'lead', tenantId: mine.id, leadId: lead.id });
    await vi.waitFor(() => expect(heard.get(admin.id)).toHaveLength(1));
    await vi.waitFor(() => expect(heard.get(member.id)).toHaveLength(1));
    await hub.settled();
    for (const user of [admin, member]) {
      const [message] = heard.get(user.id)!;
      expect(message).toMatchObject({ event: 'lead', data: { tenant: mine.slug, lead: { id: lead.id, callId: lead.callId, status: 'new', fields: { name: 'Ada', phone: '•••• 5432' } } } });
      expect(JSON.stringify(message)).not.toContain('98765432');
    }
    // The other tenant's client user hears of its own lead only (its rules classify nothing: shown as it is).
    expect(heard.get(stranger.id)).toEqual([{ event: 'lead', data: { tenant: theirs.slug, lead: expect.objectContaining({ id: theirLead.id, fields: { name: 'Ada', phone: '+33611112222' } }) } }]);
    expect(heard.get(operator.id)!.filter((m) => m.event === 'lead')).toEqual([]);

    // The client admin moves it along (PATCH /leads/:id): the change reaches them all, as the lead is now.
    const moved = await (await logIn(h.app, admin)).patch(`/api/t/${mine.slug}/leads/${lead.id}`, { status: 'contacted' });
    expect(moved.status, moved.text).toBe(200);
    await vi.waitFor(() => expect(heard.get(member.id)).toHaveLength(2));
    expect(heard.get(member.id)![1]!.data.lead).toMatchObject({ id: lead.id, status: 'contacted', statusChangedBy: expect.any(String), fields: { phone: '•••• 5432' } });
    await hub.settled();
    expect(heard.get(stranger.id)).toHaveLength(1);
    await hub.stop();
  });
});

describe('provider staff', () => {
  it('get wallboard snapshots when calls change', async () => {
    const { app, hub } = processOn(h.database);
    const s = await stream(app, supervisor);
    const callId = await seedCall(a);
    await committed(a.id, { kind: 'call', tenantId: a.id, callId });
    const board = await s.next();
    expect(board.event).toBe('wallboard');
    const row = board.data.tenants.find((t: any) => t.slug === a.slug);
    expect(row.queues.find((q: any) => q.function === 'order_taking').waiting).toBeGreaterThan(0);
    await hub.settled();
  });
});
