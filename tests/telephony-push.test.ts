import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { telephony as telephonyDb, withApp, withTenant, type Tenant } from '@switchboard/db';
import { enqueueCommand } from '../api/src/telephony/commands.ts';
import { deliverOnce, dispatch, housekeepOnce, signTelephonyRequest, startDelivery, type DeliveryDeps } from '@switchboard/api';
import { checkTelephonySignature } from '../api/src/telephony/signature.ts';
import { encryptSecret } from '../api/src/twilio/secrets.ts';
import type { TwilioCommandContext } from '../api/src/twilio/executor.ts';
import { createClock, createHarness, logIn, seedTenant, seedUser, testConfig, type App, type Client, type Clock, type Harness } from './support/index.ts';
import { addNumber, addWrapUpCode, alwaysOpen, incomingCall, seedRoutedOperator, setHours, telephony, TEST_TELEPHONY_SECRET, uniqueNumber } from './support/routing.ts';

/**
 * The push boundary (docs/telephony.md, "Push"): commands written with the actions, delivered after commit
 * in order per call, signed, retried with the same idempotency key, safe across a kill, readable by polling.
 */

let h: Harness;
let clock: Clock;
let app: App;

beforeAll(async () => {
  h = await createHarness();
  clock = createClock(new Date('2026-12-01T10:00:00Z'));
  app = h.buildApp({ clock });
});
afterAll(() => h?.close());
// Each test starts with no command due and no adapter registered: the pass is global.
afterEach(async () => {
  await sql`update telephony_commands set status = 'expired' where status = 'pending'`.execute(h.db);
  await sql`delete from telephony_adapters`.execute(h.db);
  await sql`delete from twilio_accounts`.execute(h.db);
});

const CALLBACK = 'https://adapter.example/switchboard/commands';

interface Pushed {
  url: string;
  headers: Record<string, string>;
  body: any;
}

/** A fetch standing in for the adapter: records every push, answers what `answer` says. */
function fakeAdapter(answer: (push: Pushed, n: number) => number | Error = () => 200) {
  const pushes: Pushed[] = [];
  const fetch = (async (input: URL | string, init?: RequestInit) => {
    const headers = Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]));
    const push = { url: String(input), headers, body: JSON.parse(String(init?.body)) };
    pushes.push(push);
    const outcome = answer(push, pushes.length);
    if (outcome instanceof Error) throw outcome;
    return new Response('ok', { status: outcome });
  }) as typeof globalThis.fetch;
  return { pushes, fetch };
}

const deps = (extra: Partial<DeliveryDeps> = {}): DeliveryDeps => ({ db: h.db, config: testConfig(), now: clock.now, ...extra });

async function register(name = 'test-adapter', callbackUrl = CALLBACK) {
  return telephonyRequest('PUT', '/api/telephony/adapter', { name, callbackUrl });
}

/** A signed request with any method; the query string is not signed (docs/telephony.md). */
async function telephonyRequest(method: string, pathAndQuery: string, json?: unknown) {
  const path = pathAndQuery.split('?')[0]!;
  const body = json === undefined ? '' : JSON.stringify(json);
  const headers = signTelephonyRequest(TEST_TELEPHONY_SECRET, body, clock.now(), { method, path });
  const res = await app.request(pathAndQuery, { method, headers: { ...headers, ...(json === undefined ? {} : { 'content-type': 'application/json' }) }, ...(json === undefined ? {} : { body }) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function scenario() {
  const { tenant } = await seedTenant(h.db);
  await setHours(h.db, tenant, alwaysOpen);
  const number = uniqueNumber();
  await addNumber(h.db, tenant, number, 'order_taking');
  await addWrapUpCode(h.db, tenant, 'order_taken', clock.now());
  const user = await seedRoutedOperator(h.db, [[tenant, {}]]);
  const desk = await logIn(app, user);
  expect((await desk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
  clock.advance(1_000);
  return { tenant, number, user, desk };
}

async function acceptedCall(s: { tenant: Tenant; number: string; desk: Client }, adapter: 'http' | 'twilio' = 'http'): Promise<string> {
  const res = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(s.number));
  expect(res.body.outcome).toBe('queued');
  if (adapter === 'twilio') await sql`update calls set adapter = 'twilio' where id = ${res.body.id}`.execute(h.db);
  await dispatch(h.db, clock.now());
  expect((await s.desk.post(`/api/t/${s.tenant.slug}/desk/calls/${res.body.id}/accept`)).status).toBe(200);
  return res.body.id;
}

const commandsOf = (callId: string) =>
  h.db.selectFrom('telephonyCommands').selectAll().where('callId', '=', callId).orderBy('seq').execute();

describe('commands written with the actions', () => {
  it('accept writes a bridge (the desk leg, the recording), the operator hang-up a hang_up, in order', async () => {
    const s = await scenario();
    const callId = await acceptedCall(s);
    await sql`update users set voice_leg_kind = 'phone', voice_leg_address = '+33611111111' where id = ${s.user.id}`.execute(h.db);
    expect((await s.desk.post(`/api/t/${s.tenant.slug}/desk/calls/${callId}/hangup`)).status).toBe(200);
    const rows = await commandsOf(callId);
    expect(rows.map((r) => r.kind)).toEqual(['bridge', 'hang_up']);
    expect(rows[0]!.payload).toMatchObject({ callId, operatorId: s.user.id, leg: { kind: 'desk', address: null } });
    expect(rows[1]!.payload).toEqual({ callId, survey: null });
    expect(rows.every((r) => r.status === 'pending' && r.adapter === 'http' && r.tenantId === s.tenant.id)).toBe(true);
  });

  it('a failed action writes no command (it is in the action’s transaction)', async () => {
    const s = await scenario();
    const callId = await acceptedCall(s);
    // Accepting again is refused (409): nothing more is written.
    expect((await s.desk.post(`/api/t/${s.tenant.slug}/desk/calls/${callId}/accept`)).status).toBe(409);
    expect((await commandsOf(callId)).map((r) => r.kind)).toEqual(['bridge']);
  });

  it('a browser leg is addressed by its Voice SDK identity', async () => {
    const s = await scenario();
    await sql`update users set voice_leg_kind = 'browser' where id = ${s.user.id}`.execute(h.db);
    const callId = await acceptedCall(s);
    expect((await commandsOf(callId))[0]!.payload).toMatchObject({ leg: { kind: 'browser', address: `client:op-${s.user.id}` } });
  });
});

describe('push delivery', () => {
  it('pushes signed POSTs to the callback, the command id as Idempotency-Key, and marks them delivered', async () => {
    const s = await scenario();
    expect((await register()).status).toBe(200);
    const callId = await acceptedCall(s);
    const adapter = fakeAdapter();
    expect(await deliverOnce(deps({ fetch: adapter.fetch }))).toMatchObject({ delivered: 1, retried: 0 });
    const [push] = adapter.pushes;
    const [row] = await commandsOf(callId);
    expect(push!.url).toBe(CALLBACK);
    expect(push!.headers['idempotency-key']).toBe(row!.id);
    expect(push!.body).toMatchObject({ id: row!.id, kind: 'bridge', tenant: s.tenant.slug, callId, attempt: 1 });
    const raw = JSON.stringify(push!.body);
    const check = checkTelephonySignature(
      TEST_TELEPHONY_SECRET,
      { timestamp: push!.headers['x-switchboard-timestamp'], signature: push!.headers['x-switchboard-signature'] },
      raw,
      { method: 'POST', path: '/switchboard/commands' },
      clock.now(),
    );
    expect(check.ok).toBe(true);
    // Signed over the callback's path: the same body on another path does not verify.
    expect(checkTelephonySignature(TEST_TELEPHONY_SECRET, { timestamp: push!.headers['x-switchboard-timestamp'], signature: push!.headers['x-switchboard-signature'] }, raw, { method: 'POST', path: '/other' }, clock.now()).ok).toBe(false);
    expect((await commandsOf(callId))[0]).toMatchObject({ status: 'delivered', attempts: 1 });
    expect(await deliverOnce(deps({ fetch: adapter.fetch }))).toMatchObject({ delivered: 0 });
    expect(adapter.pushes).toHaveLength(1);
  });

  it('keeps a call’s commands in order: a later one waits while an earlier one is retried, with the same key', async () => {
    const s = await scenario();
    await register();
    const callId = await acceptedCall(s);
    expect((await s.desk.post(`/api/t/${s.tenant.slug}/desk/calls/${callId}/hangup`)).status).toBe(200);
    // The adapter is down for the first two tries.
    const adapter = fakeAdapter((_, n) => (n <= 2 ? 503 : 200));
    expect(await deliverOnce(deps({ fetch: adapter.fetch }))).toMatchObject({ delivered: 0, retried: 1 });
    expect(adapter.pushes.map((p) => p.body.kind)).toEqual(['bridge']);
    const afterFirst = await commandsOf(callId);
    expect(afterFirst[0]).toMatchObject({ status: 'pending', attempts: 1, lastError: 'Error: callback answered 503' });
    // Not due before its backoff.
    expect(await deliverOnce(deps({ fetch: adapter.fetch }))).toMatchObject({ delivered: 0, retried: 0 });
    clock.advance(600);
    expect(await deliverOnce(deps({ fetch: adapter.fetch }))).toMatchObject({ retried: 1 });
    clock.advance(1_100);
    expect(await deliverOnce(deps({ fetch: adapter.fetch }))).toMatchObject({ delivered: 2 });
    expect(adapter.pushes.map((p) => p.body.kind)).toEqual(['bridge', 'bridge', 'bridge', 'hang_up']);
    const keys = adapter.pushes.slice(0, 3).map((p) => p.headers['idempotency-key']);
    expect(new Set(keys).size).toBe(1);
    expect(adapter.pushes.slice(0, 3).map((p) => p.body.attempt)).toEqual([1, 2, 3]);
    expect((await commandsOf(callId)).map((r) => r.status)).toEqual(['delivered', 'delivered']);
  });

  it('a process killed between commit and delivery loses nothing; one killed after claiming sends it again after the lease', async () => {
    const s = await scenario();
    await register();
    // Committed, never sent: "the process died" before any pass ran. A new process's pass sends it.
    const callId = await acceptedCall(s);
    const adapter = fakeAdapter();
    expect(await deliverOnce(deps({ fetch: adapter.fetch }))).toMatchObject({ delivered: 1 });
    // Claimed by a process that died before marking it: leased, so nobody sends it meanwhile...
    expect((await s.desk.post(`/api/t/${s.tenant.slug}/desk/calls/${callId}/hangup`)).status).toBe(200);
    const claimed = await telephonyDb.claimDueCommands(h.db, { now: clock.now(), leaseUntil: new Date(clock.now().getTime() + 30_000), limit: 10, includeHttp: true });
    expect(claimed).toHaveLength(1);
    expect(await deliverOnce(deps({ fetch: adapter.fetch }))).toMatchObject({ delivered: 0 });
    // ...and once the lease is over it goes out, with the key it had.
    clock.advance(30_001);
    expect(await deliverOnce(deps({ fetch: adapter.fetch }))).toMatchObject({ delivered: 1 });
    const hangUp = (await commandsOf(callId))[1]!;
    expect(adapter.pushes[1]!.headers['idempotency-key']).toBe(hangUp.id);
    expect(hangUp).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('gives up on a command not delivered within the limit (failed), and on one nobody took (expired)', async () => {
    const s = await scenario();
    const unregistered = await acceptedCall(s);
    await register();
    const callId = await acceptedCall({ ...s, desk: await operatorDesk(s.tenant) });
    await sql`update telephony_commands set adapter = 'http' where call_id = ${unregistered}`.execute(h.db);
    const down = fakeAdapter(() => new Error('ECONNREFUSED\u0000\n\u001b[31mred'));
    await deliverOnce(deps({ fetch: down.fetch, limits: { giveUpAfterMs: 60_000 } }));
    clock.advance(61_000);
    await deliverOnce(deps({ fetch: down.fetch, limits: { giveUpAfterMs: 60_000 } }));
    const [failed] = await commandsOf(callId);
    expect(failed!.status).toBe('failed');
    // The adapter's error is kept on one line, without control characters.
    expect(failed!.lastError).not.toMatch(/[\u0000-\u001f]/);
    expect((await commandsOf(unregistered))[0]!.status).toMatch(/^(failed|expired)$/);
  });

  it('never gives up on deleting a recording at the carrier: it is retried until Twilio answers', async () => {
    const { tenant } = await seedTenant(h.db);
    const ref = `twilio:RE${'a'.repeat(32)}`;
    const id = await withTenant(h.db, tenant.id, (tx) => enqueueCommand(tx, { tenantId: tenant.id, adapter: 'twilio' }, 'delete_recording', { ref }, clock.now()));
    const failing = async () => {
      throw new Error('Twilio is down');
    };
    for (let i = 0; i < 4; i++) {
      await deliverOnce(deps({ executeTwilio: failing, limits: { giveUpAfterMs: 60_000 } }));
      clock.advance(61_000);
    }
    const row = () => withTenant(h.db, tenant.id, (tx) => tx.selectFrom('telephonyCommands').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
    expect(await row()).toMatchObject({ status: 'pending', kind: 'delete_recording' });
    // Connected again, Twilio answers: it goes.
    await withApp(h.db, (tx) => tx.insertInto('twilioAccounts').values({ accountSid: `AC${'1'.repeat(32)}`, authTokenEnc: encryptSecret(testConfig().secretsKey, 'token'), connectedAt: clock.now(), connectedBy: 'test', updatedAt: clock.now() }).execute());
    const done: string[] = [];
    await deliverOnce(deps({ executeTwilio: async (ctx) => void done.push((ctx.command.payload as { ref: string }).ref) }));
    expect(done).toEqual([ref]);
    expect((await row()).status).toBe('delivered');
  });
});

async function operatorDesk(tenant: Tenant): Promise<Client> {
  const user = await seedRoutedOperator(h.db, [[tenant, {}]]);
  const desk = await logIn(app, user);
  expect((await desk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
  clock.advance(1_000);
  return desk;
}

describe('the Twilio adapter', () => {
  it('hands a twilio call’s command to the executor with the account and client, and retries it when it throws', async () => {
    const s = await scenario();
    await h.db
      .insertInto('twilioAccounts')
      .values({ accountSid: `AC${'1'.repeat(32)}`, authTokenEnc: encryptSecret(testConfig().secretsKey, 'token-1'), connectedAt: clock.now(), connectedBy: 'test', updatedAt: clock.now() })
      .execute();
    const callId = await acceptedCall(s, 'twilio');
    const seen: TwilioCommandContext[] = [];
    let fail = true;
    const executeTwilio = async (ctx: TwilioCommandContext) => {
      seen.push(ctx);
      if (fail) throw new Error('Twilio answered 503');
    };
    // No push adapter registered: twilio commands go anyway (they do not go to the HTTP callback).
    expect(await deliverOnce(deps({ executeTwilio }))).toMatchObject({ delivered: 0, retried: 1 });
    expect(seen[0]).toMatchObject({ tenantId: s.tenant.id, account: { accountSid: `AC${'1'.repeat(32)}`, authToken: 'token-1' }, command: { kind: 'bridge', callId } });
    expect(seen[0]!.client).toBeTruthy();
    fail = false;
    clock.advance(1_000);
    expect(await deliverOnce(deps({ executeTwilio }))).toMatchObject({ delivered: 1 });
    expect(seen.map((c) => c.command.id)).toEqual([seen[0]!.command.id, seen[0]!.command.id]);
  });

  it('without a connected Twilio account, a twilio command waits (retried), nothing thrown out of the pass', async () => {
    const s = await scenario();
    const callId = await acceptedCall(s, 'twilio');
    expect(await deliverOnce(deps({ executeTwilio: async () => {} }))).toMatchObject({ delivered: 0, retried: 1 });
    expect((await commandsOf(callId))[0]!.lastError).toMatch(/twilio_not_configured/);
  });
});

describe('polling', () => {
  it('lists the pending http commands after a sequence number, in order, and an ack delivers one', async () => {
    const s = await scenario();
    const callId = await acceptedCall(s);
    expect((await s.desk.post(`/api/t/${s.tenant.slug}/desk/calls/${callId}/hangup`)).status).toBe(200);
    const rows = await commandsOf(callId);
    const after = String(BigInt(rows[0]!.seq) - 1n);
    const listed = await telephonyRequest('GET', `/api/telephony/commands?after=${after}`);
    expect(listed.status).toBe(200);
    expect(listed.body.commands.map((c: { id: string }) => c.id)).toEqual(rows.map((r) => r.id));
    expect(listed.body.commands[0]).toMatchObject({ kind: 'bridge', tenant: s.tenant.slug, callId, seq: String(rows[0]!.seq) });
    // A pass without a registered adapter leaves them for the poller.
    expect(await deliverOnce(deps({ fetch: fakeAdapter().fetch }))).toMatchObject({ delivered: 0 });
    const ack = await telephonyRequest('POST', `/api/telephony/commands/${rows[0]!.id}/ack`);
    expect(ack.body).toEqual({ id: rows[0]!.id, status: 'delivered' });
    clock.advance(1_000);
    expect((await telephonyRequest('POST', `/api/telephony/commands/${rows[0]!.id}/ack`)).body.status).toBe('delivered');
    const next = await telephonyRequest('GET', `/api/telephony/commands?after=${rows[0]!.seq}`);
    expect(next.body.commands.map((c: { id: string }) => c.id)).toEqual([rows[1]!.id]);
    expect((await telephonyRequest('POST', '/api/telephony/commands/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b/ack')).status).toBe(404);
    expect((await telephonyRequest('POST', '/api/telephony/commands/not-a-uuid/ack')).status).toBe(404);
    expect((await telephonyRequest('GET', '/api/telephony/commands?after=-1')).status).toBe(400);
  });

  it('refuses unsigned requests on the push routes', async () => {
    expect((await app.request('/api/telephony/commands')).status).toBe(401);
    expect((await app.request('/api/telephony/adapter', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'x', callbackUrl: CALLBACK }) })).status).toBe(401);
    expect(await h.db.selectFrom('telephonyAdapters').select('name').execute()).toEqual([]);
  });
});

describe('registration', () => {
  it('registers, moves and removes a callback', async () => {
    expect((await register('sim', 'http://127.0.0.1:4300/commands')).body).toMatchObject({ name: 'sim', callbackUrl: 'http://127.0.0.1:4300/commands' });
    clock.advance(1_000);
    expect((await register('sim', 'https://adapter.example/v2')).status).toBe(200);
    expect(await h.db.selectFrom('telephonyAdapters').select(['name', 'callbackUrl']).execute()).toEqual([{ name: 'sim', callbackUrl: 'https://adapter.example/v2' }]);
    expect((await telephonyRequest('DELETE', '/api/telephony/adapter', { name: 'sim' })).body).toEqual({ removed: true });
    // The same signed request again is a replay; signed anew it answers that nothing was there.
    expect((await telephonyRequest('DELETE', '/api/telephony/adapter', { name: 'sim' })).status).toBe(401);
    clock.advance(1_000);
    expect((await telephonyRequest('DELETE', '/api/telephony/adapter', { name: 'sim' })).body).toEqual({ removed: false });
  });

  it('refuses hostile callback URLs with a 400 naming the field, and registers nothing', async () => {
    const hostile = [
      'javascript:alert(1)',
      'file:///etc/passwd',
      'ftp://adapter.example/x',
      'https://user:pass@adapter.example/x',
      'https://adapter.example/x#frag',
      'https://adapter.example/x\u0000y',
      'https://adapter.example/ x',
      'https://adapter.example/\r\nX-Injected: 1',
      `https://adapter.example/${'a'.repeat(600)}`,
      'not a url',
      '',
    ];
    for (const callbackUrl of hostile) {
      const res = await telephonyRequest('PUT', '/api/telephony/adapter', { name: 'sim', callbackUrl });
      expect(res.status, callbackUrl).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('callbackUrl');
    }
    for (const name of ['Sim', '=cmd', 'a\u0000b', 'x'.repeat(41)]) expect((await telephonyRequest('PUT', '/api/telephony/adapter', { name, callbackUrl: CALLBACK })).status).toBe(400);
    expect(await h.db.selectFrom('telephonyAdapters').select('name').execute()).toEqual([]);
  });
});

describe('hostile adapters', () => {
  let server: Server;
  let base: string;
  const hits: { path: string; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        hits.push({ path: req.url ?? '', body });
        if (req.url === '/redirect') {
          res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' });
          res.end();
        } else if (req.url === '/huge') {
          // 20 MB of NUL bytes and control characters: never read, the status alone counts.
          res.writeHead(200, { 'content-type': 'application/json' });
          const chunk = Buffer.alloc(1 << 20, '\u0000\u001b');
          for (let i = 0; i < 20; i++) res.write(chunk);
          res.end();
        } else if (req.url === '/slow') {
          setTimeout(() => res.end('late'), 3_000);
        } else res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('a redirect is a failure (not followed), a huge body is not read, a slow one times out: all retried', async () => {
    const s = await scenario();
    await register('hostile', `${base}/redirect`);
    const callId = await acceptedCall(s);
    expect(await deliverOnce(deps())).toMatchObject({ retried: 1 });
    expect((await commandsOf(callId))[0]!.lastError).toMatch(/302/);
    expect(hits.filter((hit) => hit.path === '/redirect')).toHaveLength(1);

    await register('hostile', `${base}/slow`);
    clock.advance(1_000);
    expect(await deliverOnce(deps({ limits: { requestTimeoutMs: 200 } }))).toMatchObject({ retried: 1 });

    await register('hostile', `${base}/huge`);
    clock.advance(2_000);
    const started = Date.now();
    expect(await deliverOnce(deps())).toMatchObject({ delivered: 1 });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect((await commandsOf(callId))[0]!.status).toBe('delivered');
  }, 30_000);
});

describe('the loop and the purge', () => {
  it('survives a failing pass: the next one runs', async () => {
    let passes = 0;
    const errors: unknown[] = [];
    const stop = startDelivery({
      ...deps(),
      intervalMs: 20,
      onError: (error) => errors.push(error),
      pass: async () => {
        passes++;
        if (passes === 1) throw new Error('the database restarts');
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await stop(100);
    expect(errors).toHaveLength(1);
    expect(passes).toBeGreaterThan(2);
  });

  it('housekeeping removes finished commands after a day, never pending ones', async () => {
    const s = await scenario();
    await register();
    const callId = await acceptedCall(s);
    await deliverOnce(deps({ fetch: fakeAdapter().fetch }));
    expect((await s.desk.post(`/api/t/${s.tenant.slug}/desk/calls/${callId}/hangup`)).status).toBe(200);
    await sql`delete from telephony_adapters`.execute(h.db);
    clock.advance(25 * 3_600_000);
    const report = await housekeepOnce({ db: h.db, config: testConfig(), now: clock.now });
    expect(report.telephonyCommands).toBeGreaterThanOrEqual(1);
    expect((await commandsOf(callId)).map((r) => r.kind)).toEqual(['hang_up']);
  });

  it('provider staff read the delivery health; others may not', async () => {
    await register();
    const admin = await seedUser(h.db, { kind: 'provider_admin' });
    const res = await (await logIn(app, admin)).get('/api/carrier/deliveries');
    expect(res.status).toBe(200);
    expect(res.body.adapters.map((a: { name: string }) => a.name)).toEqual(['test-adapter']);
    const s = await scenario();
    expect((await s.desk.get('/api/carrier/deliveries')).status).toBe(403);
  });
});
