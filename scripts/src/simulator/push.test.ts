import { describe, expect, it } from 'vitest';
import { signTelephonyRequest } from '@switchboard/api/telephony-signature';
import { CommandModel, startPushReceiver, type PushedCommand } from './push.ts';

const SECRET = 'switchboard-dev-telephony-secret';
const callId = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
let n = 0;
const command = (kind: string, payload: Record<string, unknown>, id = `0193a1b2-c3d4-7e5f-8a9b-${String(++n).padStart(12, '0')}`): PushedCommand => ({
  id,
  seq: String(n),
  kind,
  tenant: 'pizza',
  callId,
  dialId: null,
  payload,
});

describe('the simulator as a push adapter', () => {
  it('follows a call through its commands, once per idempotency key, and records hold, mute and consult', async () => {
    const model = new CommandModel();
    expect(model.state(callId).state.status).toBe('queued');
    const waiting = model.wait(callId, 0, 5_000);
    const bridge = command('bridge', { callId, record: 'on' });
    expect(model.apply(bridge)).toBe(true);
    await waiting;
    expect(model.state(callId).state).toMatchObject({ status: 'connected', operatorConnected: true, recording: 'on' });
    expect(model.apply(bridge)).toBe(false);
    expect(model.duplicates).toBe(1);
    model.apply(command('hold', { callId }));
    model.apply(command('mute', { callId }));
    expect(model.state(callId)).toMatchObject({ held: true, muted: true });
    model.apply(command('recording', { callId, state: 'paused' }));
    expect(model.state(callId).state.recording).toBe('paused');
    model.apply(command('hang_up', { callId, survey: { questions: [], answerBy: '2026-12-01T10:10:00Z' } }));
    expect(model.state(callId).state).toMatchObject({ status: 'wrap_up', operatorConnected: false, survey: { questions: [] } });
  });

  it('hands originate commands to the dialer side', () => {
    const model = new CommandModel();
    const orders: string[] = [];
    model.onOriginate = (order) => orders.push(`${order.id} ${order.to}`);
    model.apply({ ...command('originate', { dialId: callId, from: '+33142868200', to: '+33612345678', ringTimeoutSeconds: 25, detectMachine: true, campaign: 'c' }), callId: null, dialId: callId });
    expect(orders).toEqual([`${callId} +33612345678`]);
  });

  it('its callback takes signed pushes only', async () => {
    const model = new CommandModel();
    const receiver = await startPushReceiver({ secret: SECRET, model });
    try {
      const path = new URL(receiver.url).pathname;
      const push = command('bridge', { callId, record: 'off' });
      const body = JSON.stringify(push);
      const post = (headers: Record<string, string>, text = body) => fetch(receiver.url, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': push.id, ...headers }, body: text });
      expect((await post({})).status).toBe(401);
      expect((await post(signTelephonyRequest('another-secret-that-is-long-enough-to-use', body, new Date(), { method: 'POST', path }))).status).toBe(401);
      expect((await post(signTelephonyRequest(SECRET, body, new Date(), { method: 'POST', path: '/elsewhere' }))).status).toBe(401);
      expect(model.state(callId).state.status).toBe('queued');
      expect((await post(signTelephonyRequest(SECRET, body, new Date(), { method: 'POST', path }))).status).toBe(200);
      expect(model.state(callId).state.status).toBe('connected');
      const garbage = '\u0000=cmd|calc';
      expect((await post(signTelephonyRequest(SECRET, garbage, new Date(), { method: 'POST', path }), garbage)).status).toBe(400);
    } finally {
      await receiver.close();
    }
  });
});
