import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Tenant } from '@switchboard/db';
import { dispatch } from '@switchboard/api';
import { createClock, createHarness, logIn, seedTenant, seedUser, type App, type Client, type Clock, type Harness } from './support/index.ts';
import { addNumber, addWrapUpCode, alwaysOpen, incomingCall, seedRoutedOperator, setHours, telephony, uniqueNumber } from './support/routing.ts';

/**
 * Issue 11, finding 9: a suspended company is closed to new calls — a call that arrives gets an
 * announcement, never the queue; the calls waiting when it is suspended are withdrawn from the queue
 * and from the operators' desks — while a call in progress finishes (talk, wrap-up, outcome).
 */
let h: Harness;
let clock: Clock;
let app: App;
let admin: Client;

beforeAll(async () => {
  h = await createHarness();
  clock = createClock(new Date('2026-12-01T10:00:00Z'));
  app = h.buildApp({ clock });
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  admin = await logIn(app, provider);
});
afterAll(() => h?.close());

async function company() {
  const { tenant } = await seedTenant(h.db);
  await setHours(h.db, tenant, alwaysOpen);
  const number = uniqueNumber();
  await addNumber(h.db, tenant, number, 'order_taking');
  await addWrapUpCode(h.db, tenant, 'order_taken', clock.now());
  return { tenant, number };
}

/** An operator shared by the companies, available. */
async function sharedOperator(tenants: Tenant[]) {
  const user = await seedRoutedOperator(h.db, tenants.map((t) => [t, {}]));
  const desk = await logIn(app, user);
  expect((await desk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
  clock.advance(1_000);
  return { user, desk };
}

const suspend = (tenant: Tenant) => admin.patch(`/api/tenants/${tenant.slug}`, { status: 'suspended', suspendedReason: 'Unpaid invoices' });
const deskPath = (tenant: Tenant, callId: string, action: string) => `/api/t/${tenant.slug}/desk/calls/${callId}/${action}`;
const callRow = (tenant: Tenant, callId: string) =>
  withTenant(h.db, tenant.id, (tx) => tx.selectFrom('calls').selectAll().where('id', '=', callId).executeTakeFirstOrThrow());
const queueRows = (tenant: Tenant) => withTenant(h.db, tenant.id, (tx) => tx.selectFrom('callQueue').select('callId').execute());
const timeline = async (tenant: Tenant, callId: string) =>
  withTenant(h.db, tenant.id, (tx) => tx.selectFrom('callEvents').select(['kind', 'detail']).where('callId', '=', callId).orderBy('at').orderBy('id').execute());

describe('a call to a suspended company', () => {
  it('is answered with an announcement, never queued nor offered to the operators it shares with other companies', async () => {
    const { tenant, number } = await company();
    const other = await company();
    const op = await sharedOperator([tenant, other.tenant]);
    expect((await suspend(tenant)).status).toBe(200);

    const res = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: expect.any(String),
      tenant: tenant.slug,
      function: 'order_taking',
      outcome: 'announcement',
      announcement: 'This line is not available at the moment. Please call again later.',
      record: false,
    });
    await dispatch(h.db, clock.now());
    expect(await queueRows(tenant)).toEqual([]);
    expect((await op.desk.get('/api/desk/state')).body.offer).toBeNull();
    expect(await callRow(tenant, res.body.id)).toMatchObject({ status: 'after_hours', afterHoursAction: 'announcement', closedReason: 'tenant_suspended', endedBy: 'system' });
    expect((await timeline(tenant, res.body.id)).map((e) => e.kind)).toEqual(['offered', 'after_hours']);
    const status = await telephony(app, clock, 'GET', `/api/telephony/calls/${res.body.id}`);
    expect(status.body).toMatchObject({ status: 'after_hours', operatorConnected: false, announcement: expect.stringMatching(/not available/) });

    // The shared operator still takes the other company's calls.
    const otherCall = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(other.number));
    expect(otherCall.body.outcome).toBe('queued');
    await dispatch(h.db, clock.now());
    expect((await op.desk.get('/api/desk/state')).body.offer).toMatchObject({ tenant: other.tenant.slug, callId: otherCall.body.id });
  });

  it('is queued again once the company is reactivated', async () => {
    const { tenant, number } = await company();
    await suspend(tenant);
    expect((await admin.patch(`/api/tenants/${tenant.slug}`, { status: 'active' })).status).toBe(200);
    expect((await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number))).body.outcome).toBe('queued');
  });
});

describe('suspending a company with calls waiting', () => {
  it('withdraws them from the queue and from the desk they were offered to, closed with the reason', async () => {
    const { tenant, number } = await company();
    const op = await sharedOperator([tenant]);
    const offered = (await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number))).body.id as string;
    await dispatch(h.db, clock.now());
    const waiting = (await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number))).body.id as string;
    expect((await op.desk.get('/api/desk/state')).body.offer).toMatchObject({ callId: offered });
    expect(await queueRows(tenant)).toHaveLength(2);

    clock.advance(5_000);
    expect((await suspend(tenant)).status).toBe(200);

    expect(await queueRows(tenant)).toEqual([]);
    expect((await op.desk.get('/api/desk/state')).body).toMatchObject({ state: 'available', offer: null });
    for (const id of [offered, waiting]) {
      expect(await callRow(tenant, id)).toMatchObject({ status: 'after_hours', afterHoursAction: 'announcement', closedReason: 'tenant_suspended', endedBy: 'system' });
      const status = await telephony(app, clock, 'GET', `/api/telephony/calls/${id}`);
      expect(status.body).toMatchObject({ status: 'after_hours', operatorConnected: false, announcement: expect.any(String) });
    }
    const events = await timeline(tenant, offered);
    expect(events.slice(-2)).toEqual([
      { kind: 'offer_withdrawn', detail: { reason: 'tenant_suspended' } },
      { kind: 'after_hours', detail: { action: 'announcement', reason: 'tenant_suspended', waitedSeconds: 5 } },
    ]);
    // The operator's late accept finds nothing to take, and nothing is offered again.
    expect((await op.desk.post(deskPath(tenant, offered, 'accept'))).status).not.toBe(200);
    await dispatch(h.db, clock.now());
    expect((await op.desk.get('/api/desk/state')).body.offer).toBeNull();
    const audit = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('auditLog').select('after').where('action', '=', 'tenant.suspended').executeTakeFirstOrThrow());
    expect(audit.after).toMatchObject({ status: 'suspended', withdrawnCalls: 2 });
  });
});

describe('a call in progress when its company is suspended', () => {
  it('finishes: the operator talks, hangs up, saves a draft, wraps up and is available again; capturing new records stays refused', async () => {
    const { tenant, number } = await company();
    const op = await sharedOperator([tenant]);
    const callId = (await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number))).body.id as string;
    await dispatch(h.db, clock.now());
    expect((await op.desk.post(deskPath(tenant, callId, 'accept'))).status).toBe(200);
    clock.advance(30_000);

    expect((await suspend(tenant)).status).toBe(200);
    expect(await callRow(tenant, callId)).toMatchObject({ status: 'connected', operatorId: op.user.id });
    expect((await telephony(app, clock, 'GET', `/api/telephony/calls/${callId}`)).body).toMatchObject({ status: 'connected', operatorConnected: true });
    const order = await op.desk.post(`/api/t/${tenant.slug}/orders`, { callId, items: [] });
    expect(order.status).toBe(403);

    clock.advance(30_000);
    const hangup = await op.desk.post(deskPath(tenant, callId, 'hangup'));
    expect(hangup.status).toBe(200);
    expect(hangup.body).toEqual({ callId, status: 'wrap_up' });
    expect((await op.desk.put(deskPath(tenant, callId, 'wrap-up/draft'), { disposition: 'order_taken', notes: 'Asked about the bill' })).status).toBe(200);
    const wrap = await op.desk.post(deskPath(tenant, callId, 'wrap-up'), { disposition: 'order_taken', notes: 'Asked about the bill' });
    expect(wrap.status).toBe(200);
    expect(await callRow(tenant, callId)).toMatchObject({ status: 'completed', disposition: 'order_taken' });
    expect((await op.desk.get('/api/desk/state')).body).toMatchObject({ state: 'available', call: null });
  });

  it('lets the operator complete the outcome of a call whose wrap-up ran out while the company was suspended', async () => {
    const { tenant, number } = await company();
    const op = await sharedOperator([tenant]);
    const callId = (await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number))).body.id as string;
    await dispatch(h.db, clock.now());
    await op.desk.post(deskPath(tenant, callId, 'accept'));
    await op.desk.post(deskPath(tenant, callId, 'hangup'));
    await suspend(tenant);
    clock.advance(10 * 60_000);
    await dispatch(h.db, clock.now());
    expect(await callRow(tenant, callId)).toMatchObject({ status: 'completed', disposition: null });
    const done = await op.desk.post(`/api/t/${tenant.slug}/calls/${callId}/outcome`, { disposition: 'order_taken' });
    expect(done.status).toBe(200);
    expect(await callRow(tenant, callId)).toMatchObject({ disposition: 'order_taken' });
  });
});
