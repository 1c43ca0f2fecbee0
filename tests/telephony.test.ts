import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '@switchboard/db';
import { housekeepOnce, signTelephonyRequest } from '@switchboard/api';
import { createClock, createHarness, seedTenant, testConfig, type App, type Clock, type Harness } from './support/index.ts';
import { addNumber, alwaysOpen, incomingCall, setHours, telephony, TEST_TELEPHONY_SECRET, uniqueNumber } from './support/routing.ts';

let h: Harness;
let clock: Clock;
let app: App;
let tenant: Tenant;
let number: string;

beforeAll(async () => {
  h = await createHarness();
  clock = createClock(new Date('2026-12-01T10:00:00Z'));
  app = h.buildApp({ clock });
  ({ tenant } = await seedTenant(h.db));
  await setHours(h.db, tenant, alwaysOpen);
  number = uniqueNumber();
  await addNumber(h.db, tenant, number, 'order_taking');
});
afterAll(() => h?.close());

describe('the signature', () => {
  it('lets a correctly signed request in, without a session', async () => {
    const res = await telephony(app, clock, 'GET', '/api/telephony/numbers');
    expect(res.status).toBe(200);
    expect(res.body.numbers).toContainEqual({ number, tenant: tenant.slug, function: 'order_taking', timeZone: 'Europe/Paris' });
  });

  it('refuses a missing, wrong or foreign-secret signature with 401', async () => {
    const body = JSON.stringify(incomingCall(number));
    const missing = await app.request('/api/telephony/calls', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(missing.status).toBe(401);
    const signed = signTelephonyRequest(TEST_TELEPHONY_SECRET, body, clock.now(), { method: 'POST', path: '/api/telephony/calls' });
    const tampered = await app.request('/api/telephony/calls', {
      method: 'POST',
      headers: { ...signed, 'content-type': 'application/json' },
      body: body.replace('+336', '+337'),
    });
    expect(tampered.status).toBe(401);
    expect(((await tampered.json()) as { type: string }).type).toMatch(/telephony-signature-invalid$/);
    const foreign = signTelephonyRequest('another-secret-that-is-long-enough-to-use', body, clock.now(), { method: 'POST', path: '/api/telephony/calls' });
    expect((await telephony(app, clock, 'POST', '/api/telephony/calls', JSON.parse(body), foreign)).status).toBe(401);
    expect(await h.db.selectFrom('calls').select('id').execute()).toEqual([]);
  });

  it('refuses a timestamp more than 300 s away from our clock, either way', async () => {
    const call = incomingCall(number);
    const body = JSON.stringify(call);
    const old = signTelephonyRequest(TEST_TELEPHONY_SECRET, body, new Date(clock.now().getTime() - 301_000), { method: 'POST', path: '/api/telephony/calls' });
    const future = signTelephonyRequest(TEST_TELEPHONY_SECRET, body, new Date(clock.now().getTime() + 301_000), { method: 'POST', path: '/api/telephony/calls' });
    const stale = await telephony(app, clock, 'POST', '/api/telephony/calls', call, old);
    expect(stale.status).toBe(401);
    expect(stale.body.type).toMatch(/telephony-signature-stale$/);
    expect((await telephony(app, clock, 'POST', '/api/telephony/calls', call, future)).status).toBe(401);
    const justInside = signTelephonyRequest(TEST_TELEPHONY_SECRET, body, new Date(clock.now().getTime() - 299_000), { method: 'POST', path: '/api/telephony/calls' });
    expect((await telephony(app, clock, 'POST', '/api/telephony/calls', call, justInside)).status).toBe(200);
  });

  it('refuses a signed request replayed as is, even within the window', async () => {
    const call = incomingCall(number);
    const headers = signTelephonyRequest(TEST_TELEPHONY_SECRET, JSON.stringify(call), clock.now(), { method: 'POST', path: '/api/telephony/calls' });
    expect((await telephony(app, clock, 'POST', '/api/telephony/calls', call, headers)).status).toBe(200);
    clock.advance(10_000);
    const replay = await telephony(app, clock, 'POST', '/api/telephony/calls', call, headers);
    expect(replay.status).toBe(401);
    expect(replay.body.type).toMatch(/replayed$/);
    // A fresh signature of the same report is no replay: the report itself is idempotent.
    expect((await telephony(app, clock, 'POST', '/api/telephony/calls', call)).status).toBe(200);
  });

  it('v2 also signs the request line: a signature cannot move to another path, and one body may go to two calls in one second', async () => {
    const a = (await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number))).body.id;
    const b = (await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number))).body.id;
    // Recorded calls (a recording is refused for a call that was not: tests/recordings.test.ts).
    await h.db.updateTable('calls').set({ recordingState: 'on' }).where('id', 'in', [a, b]).execute();
    const body = { ref: 'same-body.wav' };
    const forA = signTelephonyRequest(TEST_TELEPHONY_SECRET, JSON.stringify(body), clock.now(), { method: 'POST', path: `/api/telephony/calls/${a}/recording` });
    const moved = await telephony(app, clock, 'POST', `/api/telephony/calls/${b}/recording`, body, forA);
    expect(moved.status).toBe(401);
    expect(moved.body.type).toMatch(/telephony-signature-invalid$/);
    expect((await telephony(app, clock, 'POST', `/api/telephony/calls/${a}/recording`, body, forA)).status).toBe(200);
    expect((await telephony(app, clock, 'POST', `/api/telephony/calls/${b}/recording`, body)).status).toBe(200);
  });

  it('refuses a GET’s signature replayed on a POST with the same (empty) body', async () => {
    const { id } = (await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number))).body;
    const read = signTelephonyRequest(TEST_TELEPHONY_SECRET, '', clock.now(), { method: 'GET', path: `/api/telephony/calls/${id}` });
    expect((await telephony(app, clock, 'GET', `/api/telephony/calls/${id}`, undefined, read)).status).toBe(200);
    const moved = await telephony(app, clock, 'POST', `/api/telephony/calls/${id}/answered`, undefined, read);
    expect(moved.status).toBe(401);
    expect(moved.body.type).toMatch(/telephony-signature-invalid$/);
    const events = await h.db.selectFrom('callEvents').select('kind').where('callId', '=', id).where('kind', '=', 'bridged').execute();
    expect(events).toEqual([]);
  });

  it('refuses the retired v1 scheme (body only, not bound to method or path) with its own 401, even correctly computed', async () => {
    const { id } = (await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number))).body;
    const timestamp = String(Math.floor(clock.now().getTime() / 1000));
    const v1 = (body: string) => ({
      'X-Switchboard-Timestamp': timestamp,
      'X-Switchboard-Signature': `v1=${createHmac('sha256', TEST_TELEPHONY_SECRET).update(`${timestamp}.${body}`).digest('hex')}`,
    });
    // A GET's v1 signature signs "<timestamp>." alone, so on the old scheme it passed for any bodiless POST.
    for (const [method, path] of [['GET', `/api/telephony/calls/${id}`], ['POST', `/api/telephony/calls/${id}/answered`]] as const) {
      const res = await telephony(app, clock, method, path, undefined, v1(''));
      expect(res.status, `${method} ${path}`).toBe(401);
      expect(res.body).toMatchObject({ type: expect.stringMatching(/telephony-signature-retired$/), detail: expect.stringContaining('v2') });
    }
    const ended = await telephony(app, clock, 'POST', `/api/telephony/calls/${id}/ended`, { by: 'caller' }, v1(JSON.stringify({ by: 'caller' })));
    expect(ended.status).toBe(401);
    expect((await h.db.selectFrom('calls').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('queued');
  });

  it('lets a GET be repeated within the window (reads change nothing), still refusing a stale one', async () => {
    const headers = signTelephonyRequest(TEST_TELEPHONY_SECRET, '', clock.now(), { method: 'GET', path: '/api/telephony/numbers' });
    expect((await telephony(app, clock, 'GET', '/api/telephony/numbers', undefined, headers)).status).toBe(200);
    expect((await telephony(app, clock, 'GET', '/api/telephony/numbers', undefined, headers)).status).toBe(200);
    clock.advance(301_000);
    expect((await telephony(app, clock, 'GET', '/api/telephony/numbers', undefined, headers)).status).toBe(401);
  });

  it('forgets accepted signatures once they are outside the window (housekeeping)', async () => {
    clock.advance(11 * 60_000);
    await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number));
    const report = await housekeepOnce({ db: h.db, config: testConfig(), now: clock.now });
    expect(report.telephonySignatures).toBeGreaterThan(0);
    const kept = await h.db.selectFrom('telephonySignatures').select('seenAt').execute();
    expect(kept.every((s) => new Date(s.seenAt).getTime() >= clock.now().getTime() - 600_000)).toBe(true);
  });
});

describe('calls', () => {
  it('answers the same for the same adapter call id, and 404 for a number nobody owns', async () => {
    const call = incomingCall(number);
    const first = await telephony(app, clock, 'POST', '/api/telephony/calls', call);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ id: expect.any(String), tenant: tenant.slug, function: 'order_taking', outcome: 'queued', record: true });
    clock.advance(1000);
    const again = await telephony(app, clock, 'POST', '/api/telephony/calls', call);
    expect(again.body).toEqual(first.body);
    const rows = await h.db.selectFrom('calls').select('id').where('externalId', '=', call.callId).execute();
    expect(rows).toHaveLength(1);
    const queued = await h.db.selectFrom('callQueue').select('callId').where('callId', '=', first.body.id).execute();
    expect(queued).toHaveLength(1);

    const unknown = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall('+33199999999'));
    expect(unknown.status).toBe(404);
  });

  it('reports a call status, refuses a recording of a call nobody answered, and 404 for an unknown call', async () => {
    const { body } = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number));
    const status = await telephony(app, clock, 'GET', `/api/telephony/calls/${body.id}`);
    expect(status.body).toEqual({ id: body.id, status: 'queued', operatorConnected: false, forwardTo: null, recording: 'off', held: false, muted: false, consult: null });
    // Nothing was recorded while the caller held (tests/recordings.test.ts covers a recorded call).
    const recording = await telephony(app, clock, 'POST', `/api/telephony/calls/${body.id}/recording`, { ref: 'rec/1.wav' });
    expect(recording.status).toBe(409);
    const stored = await h.db.selectFrom('calls').select('recordingRef').where('id', '=', body.id).executeTakeFirstOrThrow();
    expect(stored.recordingRef).toBeNull();
    expect((await telephony(app, clock, 'GET', '/api/telephony/calls/0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b')).status).toBe(404);
    expect((await telephony(app, clock, 'GET', '/api/telephony/calls/not-a-uuid')).status).toBe(404);
  });

  it('refuses invalid bodies with problem+json', async () => {
    const res = await telephony(app, clock, 'POST', '/api/telephony/calls', { callId: 'x', dialled: '0142868200', caller: '+33612345678' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toContainEqual(expect.objectContaining({ path: 'dialled', message: expect.any(String) }));
  });
});
