import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Tenant } from '@switchboard/db';
import { dispatch, replaceRules, rules } from '@switchboard/api';
import { createClock, createHarness, logIn, seedClientUser, seedTenant, seedUser, type App, type Client, type Clock, type Harness } from './support/index.ts';
import { addNumber, addWrapUpCode, alwaysOpen, incomingCall, seedRoutedOperator, setHours, telephony, uniqueNumber } from './support/routing.ts';

/**
 * Issue 11, recordings: the tenant's recording policy decides whether the adapter records; the operator
 * on the call pauses it while payment details are given and resumes it (timeline, adapter command);
 * every listen to or download of a recording is logged, and the client admin reads that log.
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

type Policy = 'always' | 'never' | 'paused_for_payment';

async function company(recordingPolicy: Policy) {
  const { tenant } = await seedTenant(h.db);
  await setHours(h.db, tenant, alwaysOpen);
  const number = uniqueNumber();
  await addNumber(h.db, tenant, number, 'order_taking');
  await addWrapUpCode(h.db, tenant, 'order_taken', clock.now());
  await withTenant(h.db, tenant.id, (tx) => replaceRules(tx, tenant.id, null, { ...rules.defaultRules(), recordingPolicy }, clock.now()));
  const op = await seedRoutedOperator(h.db, [[tenant, {}]]);
  const desk = await logIn(app, op);
  expect((await desk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
  clock.advance(1_000);
  return { tenant, number, op, desk };
}

/** A call the operator accepted; the adapter's answer to the incoming call. */
async function connectedCall(c: { tenant: Tenant; number: string; desk: Client }) {
  const routed = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(c.number));
  await dispatch(h.db, clock.now());
  expect((await c.desk.post(`/api/t/${c.tenant.slug}/desk/calls/${routed.body.id}/accept`)).status).toBe(200);
  return { callId: routed.body.id as string, routed: routed.body };
}

const recordingPath = (tenant: Tenant, callId: string, action: 'pause' | 'resume') => `/api/t/${tenant.slug}/desk/calls/${callId}/recording/${action}`;
const adapterStatus = async (callId: string) => (await telephony(app, clock, 'GET', `/api/telephony/calls/${callId}`)).body;

describe("the tenant's recording policy", () => {
  it('never: the adapter is not told to record, no reference is kept, nothing to pause', async () => {
    const c = await company('never');
    const { callId, routed } = await connectedCall(c);
    expect(routed).toMatchObject({ outcome: 'queued', record: false });
    expect(await adapterStatus(callId)).toMatchObject({ status: 'connected', recording: 'off' });
    const ref = await telephony(app, clock, 'POST', `/api/telephony/calls/${callId}/recording`, { ref: 'rec/never.wav' });
    expect(ref.status).toBe(409);
    expect(ref.body.type).toMatch(/not-recorded$/);
    const row = await withTenant(h.db, c.tenant.id, (tx) => tx.selectFrom('calls').select(['recordingRef', 'recordingState']).where('id', '=', callId).executeTakeFirstOrThrow());
    expect(row).toEqual({ recordingRef: null, recordingState: 'off' });
    const pause = await c.desk.post(recordingPath(c.tenant, callId, 'pause'));
    expect(pause.status).toBe(409);
    expect(pause.body.detail).toBe('This client does not record calls.');
    expect((await c.desk.get('/api/desk/state')).body.call).toMatchObject({ recording: 'off', recordingPausable: false });
  });

  it('always: recorded from the answer, and the recording cannot be paused', async () => {
    const c = await company('always');
    const { callId, routed } = await connectedCall(c);
    expect(routed).toMatchObject({ record: true });
    expect(await adapterStatus(callId)).toMatchObject({ recording: 'on' });
    const pause = await c.desk.post(recordingPath(c.tenant, callId, 'pause'));
    expect(pause.status).toBe(409);
    expect(pause.body.type).toMatch(/recording-not-pausable$/);
    expect(await adapterStatus(callId)).toMatchObject({ recording: 'on' });
  });

  it('nothing is recorded while the caller holds: the adapter hears `off` until an operator is connected', async () => {
    const c = await company('always');
    const routed = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(c.number));
    expect(await adapterStatus(routed.body.id)).toMatchObject({ status: 'queued', recording: 'off' });
  });
});

describe('pausing for payment details', () => {
  it('the operator on the call pauses and resumes; the adapter is told, the timeline keeps both', async () => {
    const c = await company('paused_for_payment');
    const { callId } = await connectedCall(c);
    expect((await c.desk.get('/api/desk/state')).body.call).toMatchObject({ recording: 'on', recordingPausable: true });

    clock.advance(20_000);
    const pause = await c.desk.post(recordingPath(c.tenant, callId, 'pause'));
    expect(pause.status).toBe(200);
    expect(pause.body).toEqual({ callId, recording: 'paused' });
    expect(await adapterStatus(callId)).toMatchObject({ status: 'connected', recording: 'paused' });
    expect((await c.desk.get('/api/desk/state')).body.call).toMatchObject({ recording: 'paused' });
    const again = await c.desk.post(recordingPath(c.tenant, callId, 'pause'));
    expect(again.status).toBe(409);
    expect(again.body.type).toMatch(/recording-not-on$/);

    clock.advance(40_000);
    const resume = await c.desk.post(recordingPath(c.tenant, callId, 'resume'));
    expect(resume.body).toEqual({ callId, recording: 'on' });
    expect(await adapterStatus(callId)).toMatchObject({ recording: 'on' });
    expect((await c.desk.post(recordingPath(c.tenant, callId, 'resume'))).status).toBe(409);

    const events = await withTenant(h.db, c.tenant.id, (tx) =>
      tx.selectFrom('callEvents').select(['kind', 'operatorId', 'at']).where('callId', '=', callId).where('kind', 'like', 'recording%').orderBy('at').execute(),
    );
    expect(events.map((e) => [e.kind, e.operatorId])).toEqual([
      ['recording_paused', c.op.id],
      ['recording_resumed', c.op.id],
    ]);
    const audit = await withTenant(h.db, c.tenant.id, (tx) => tx.selectFrom('auditLog').select('action').where('targetId', '=', callId).where('action', 'like', 'call.recording%').execute());
    expect(audit.map((a) => a.action).sort()).toEqual(['call.recording_paused', 'call.recording_resumed']);
  });

  it('only the operator handling the call, only while it is in progress', async () => {
    const c = await company('paused_for_payment');
    const { callId } = await connectedCall(c);
    const colleague = await seedRoutedOperator(h.db, [[c.tenant, {}]]);
    const other = await (await logIn(app, colleague)).post(recordingPath(c.tenant, callId, 'pause'));
    expect(other.status).toBe(409);
    expect(other.body.type).toMatch(/not-your-call$/);
    const clientAdmin = await logIn(app, await seedClientUser(h.db, c.tenant, 'client_admin'));
    expect((await clientAdmin.post(recordingPath(c.tenant, callId, 'pause'))).status).toBe(403);
    const provider = await logIn(app, await seedUser(h.db, { kind: 'provider_admin' }));
    expect((await provider.post(recordingPath(c.tenant, callId, 'pause'))).status).toBe(403);

    expect((await c.desk.post(`/api/t/${c.tenant.slug}/desk/calls/${callId}/hangup`)).status).toBe(200);
    const late = await c.desk.post(recordingPath(c.tenant, callId, 'pause'));
    expect(late.status).toBe(409);
    expect(await adapterStatus(callId)).toMatchObject({ status: 'wrap_up', recording: 'off' });
    const row = await withTenant(h.db, c.tenant.id, (tx) => tx.selectFrom('calls').select('recordingState').where('id', '=', callId).executeTakeFirstOrThrow());
    expect(row.recordingState).toBe('on');
  });

  it('refuses a malformed call id with 400 and an unknown one with 404', async () => {
    const c = await company('paused_for_payment');
    expect((await c.desk.post(`/api/t/${c.tenant.slug}/desk/calls/not-a-call/recording/pause`)).status).toBe(400);
    expect((await c.desk.post(recordingPath(c.tenant, '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', 'pause'))).status).toBe(404);
  });
});

describe('listening to a recording', () => {
  async function recordedCall() {
    const c = await company('always');
    const { callId } = await connectedCall(c);
    await c.desk.post(`/api/t/${c.tenant.slug}/desk/calls/${callId}/hangup`);
    const kept = await telephony(app, clock, 'POST', `/api/telephony/calls/${callId}/recording`, { ref: `s3://recordings/${callId}.wav` });
    expect(kept.status).toBe(200);
    return { ...c, callId };
  }

  it('is logged with who and when, and the client admin reads the log; the reference is never in the call detail or its timeline', async () => {
    const c = await recordedCall();
    const clientAdminUser = await seedClientUser(h.db, c.tenant, 'client_admin');
    const clientAdmin = await logIn(app, clientAdminUser);
    const detail = await clientAdmin.get(`/api/t/${c.tenant.slug}/calls/${c.callId}`);
    expect(detail.body.hasRecording).toBe(true);
    expect(detail.text).not.toContain('s3://recordings');
    expect(detail.body.timeline.map((e: { kind: string }) => e.kind)).toContain('recording');

    clock.advance(60_000);
    const listen = await clientAdmin.get(`/api/t/${c.tenant.slug}/calls/${c.callId}/recording`);
    expect(listen.status).toBe(200);
    expect(listen.body).toEqual({ callId: c.callId, ref: `s3://recordings/${c.callId}.wav`, action: 'listen', at: clock.now().toISOString(), accessId: expect.any(String) });
    expect(listen.headers.get('cache-control')).toBe('no-store');
    const supervisor = await logIn(app, await seedUser(h.db, { kind: 'supervisor', displayName: 'Quality Lead' }));
    clock.advance(1_000);
    expect((await supervisor.get(`/api/t/${c.tenant.slug}/calls/${c.callId}/recording?action=download`)).status).toBe(200);

    const log = await clientAdmin.get(`/api/t/${c.tenant.slug}/recordings/access-log?callId=${c.callId}`);
    expect(log.status).toBe(200);
    expect(log.body.items).toEqual([
      { id: expect.any(String), callId: c.callId, userLabel: expect.stringContaining('Quality Lead'), action: 'download', at: clock.now().toISOString() },
      { id: expect.any(String), callId: c.callId, userLabel: expect.stringContaining(clientAdminUser.email), action: 'listen', at: new Date(clock.now().getTime() - 1_000).toISOString() },
    ]);
    const all = await clientAdmin.get(`/api/t/${c.tenant.slug}/recordings/access-log?limit=1`);
    expect(all.body.items).toHaveLength(1);
    expect(all.body.nextCursor).toEqual(expect.any(String));
  });

  it('is refused to operators and client members, and logs nothing then; a call without a recording is 404', async () => {
    const c = await recordedCall();
    const member = await logIn(app, await seedClientUser(h.db, c.tenant, 'client_member'));
    for (const who of [c.desk, member]) {
      expect((await who.get(`/api/t/${c.tenant.slug}/calls/${c.callId}/recording`)).status).toBe(403);
      expect((await who.get(`/api/t/${c.tenant.slug}/recordings/access-log`)).status).toBe(403);
    }
    const logged = await withTenant(h.db, c.tenant.id, (tx) => tx.selectFrom('recordingAccess').select('id').execute());
    expect(logged).toEqual([]);
    const clientAdmin = await logIn(app, await seedClientUser(h.db, c.tenant, 'client_admin'));
    const unrecorded = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(c.number));
    expect((await clientAdmin.get(`/api/t/${c.tenant.slug}/calls/${unrecorded.body.id}/recording`)).status).toBe(404);
    const bad = await clientAdmin.get(`/api/t/${c.tenant.slug}/calls/${c.callId}/recording?action=${encodeURIComponent('=cmd|x\u0000')}`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toContainEqual(expect.objectContaining({ path: 'action', message: expect.any(String) }));
  });
});
