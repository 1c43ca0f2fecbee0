import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, withTenant, type Tenant } from '@switchboard/db';
import { closeTimedOutCalls, dispatch, foldCallsBatch } from '@switchboard/api';
import { operatorSegments } from '../api/src/kpis/timeline.ts';
import { createClock, createHarness, logIn, seedClientUser, seedTenant, type App, type Client, type Clock, type Harness, type TestUser } from './support/index.ts';
import { addNumber, addWrapUpCode, alwaysOpen, incomingCall, seedRoutedOperator, setHours, telephony, uniqueNumber } from './support/routing.ts';

/**
 * Issue 17, the desk's carrier controls: hold and resume, mute, warm transfer (consult, hand over or come back)
 * and three-way conference, on the operator's own connected call. Each step changes the call, goes on its
 * timeline and writes the command for the call's adapter in the same transaction; the polling status shows it;
 * a hang-up or a system close ends a hold (counted) and a consultation; hold time reaches the KPI fold.
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

const SECOND = 1_000;

async function company(settings: Record<string, unknown> = {}) {
  const { tenant } = await seedTenant(h.db);
  await setHours(h.db, tenant, alwaysOpen);
  const number = uniqueNumber();
  await addNumber(h.db, tenant, number, 'order_taking');
  await addWrapUpCode(h.db, tenant, 'order_taken', clock.now());
  if (Object.keys(settings).length) {
    const admin = await logIn(app, await seedClientUser(h.db, tenant, 'client_admin'));
    expect((await admin.put(`/api/t/${tenant.slug}/call-settings`, settings)).status).toBe(200);
  }
  return { tenant, number };
}

async function operatorOn(tenants: Tenant[]): Promise<{ user: TestUser; desk: Client }> {
  const user = await seedRoutedOperator(
    h.db,
    tenants.map((t) => [t, {}]),
  );
  const desk = await logIn(app, user);
  expect((await desk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
  clock.advance(SECOND);
  return { user, desk };
}

/** A call of the company answered by a new operator of it. */
async function connectedCall(tenant: Tenant, number: string, also: Tenant[] = []) {
  const op = await operatorOn([tenant, ...also]);
  const arrived = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number));
  expect(arrived.body.outcome).toBe('queued');
  const callId = arrived.body.id as string;
  await dispatch(h.db, clock.now());
  expect((await op.desk.post(path(tenant, callId, 'accept'))).status).toBe(200);
  return { ...op, callId };
}

const path = (tenant: Tenant, callId: string, action: string) => `/api/t/${tenant.slug}/desk/calls/${callId}/${action}`;
const callRow = (tenant: Tenant, id: string) => withTenant(h.db, tenant.id, (tx) => tx.selectFrom('calls').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
const kinds = async (tenant: Tenant, id: string) =>
  (await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('callEvents').select('kind').where('callId', '=', id).orderBy('at').orderBy('id').execute())).map((e) => e.kind);
const commands = async (tenant: Tenant, id: string) =>
  withTenant(h.db, tenant.id, (tx) => tx.selectFrom('telephonyCommands').select(['kind', 'adapter', 'payload']).where('callId', '=', id).orderBy('seq').execute());
const carrierCommands = async (tenant: Tenant, id: string) =>
  (await commands(tenant, id)).map((c) => c.kind).filter((k) => ['hold', 'resume', 'mute', 'unmute', 'consult', 'consult_handover', 'consult_cancel', 'conference'].includes(k));
const status = async (id: string) => (await telephony(app, clock, 'GET', `/api/telephony/calls/${id}`)).body;

async function addDirectoryEntry(tenant: Tenant, values: { name: string; phone: string; active?: boolean }) {
  const id = newId();
  await withTenant(h.db, tenant.id, (tx) =>
    tx
      .insertInto('directoryEntries')
      .values({ tenantId: tenant.id, id, name: values.name, phone: values.phone, description: null, reachable: null, active: values.active ?? true, createdAt: clock.now(), updatedAt: clock.now() })
      .execute(),
  );
  return id;
}

async function setInHouse(tenant: Tenant, phone: string | null, email: string | null = null) {
  await withTenant(h.db, tenant.id, (tx) =>
    tx
      .insertInto('delegations')
      .values({ tenantId: tenant.id, function: 'order_taking', delegated: true, inHousePhone: phone, inHouseEmail: email, expectedMonthlyVolume: 0, updatedBy: 'test' })
      .execute(),
  );
}

describe('hold and resume', () => {
  it('holds the caller, times the hold, resumes; refuses a second hold or a resume off hold; the adapter is told', async () => {
    const { tenant, number } = await company();
    const { desk, callId } = await connectedCall(tenant, number);

    const held = await desk.post(path(tenant, callId, 'hold'));
    expect(held.status).toBe(200);
    expect(held.body).toEqual({ callId, held: true, heldSince: clock.now().toISOString(), holdSeconds: 0, muted: false, consult: null });
    expect(await status(callId)).toMatchObject({ status: 'connected', held: true, muted: false, consult: null });
    const again = await desk.post(path(tenant, callId, 'hold'));
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('already_on_hold');
    expect((await desk.get('/api/desk/state')).body.call.carrier).toMatchObject({ held: true, heldSince: clock.now().toISOString() });

    clock.advance(42 * SECOND);
    const resumed = await desk.post(path(tenant, callId, 'resume'));
    expect(resumed.body).toMatchObject({ held: false, heldSince: null, holdSeconds: 42 });
    const off = await desk.post(path(tenant, callId, 'resume'));
    expect(off.status).toBe(409);
    expect(off.body.code).toBe('not_on_hold');

    expect(await callRow(tenant, callId)).toMatchObject({ heldSince: null, holdSeconds: 42 });
    expect(await kinds(tenant, callId)).toEqual(['offered', 'queued', 'offered_to', 'answered', 'held', 'resumed']);
    const written = await commands(tenant, callId);
    expect(written.filter((c) => c.kind === 'hold' || c.kind === 'resume')).toEqual([
      { kind: 'hold', adapter: 'http', payload: { callId } },
      { kind: 'resume', adapter: 'http', payload: { callId } },
    ]);
    expect((await status(callId)).held).toBe(false);
  });

  it('mutes and unmutes the microphone; the status shows it', async () => {
    const { tenant, number } = await company();
    const { desk, callId } = await connectedCall(tenant, number);
    expect((await desk.post(path(tenant, callId, 'unmute'))).body.code).toBe('not_muted');
    expect((await desk.post(path(tenant, callId, 'mute'))).body).toMatchObject({ muted: true });
    expect((await desk.post(path(tenant, callId, 'mute'))).body.code).toBe('already_muted');
    expect((await status(callId)).muted).toBe(true);
    expect((await desk.post(path(tenant, callId, 'unmute'))).body).toMatchObject({ muted: false });
    expect(await carrierCommands(tenant, callId)).toEqual(['mute', 'unmute']);
    expect((await kinds(tenant, callId)).slice(-2)).toEqual(['muted', 'unmuted']);
  });
});

describe('warm transfer and conference', () => {
  it('consults a directory entry with the caller on hold, comes back, conferences, ends the conference', async () => {
    const { tenant, number } = await company();
    const entryId = await addDirectoryEntry(tenant, { name: 'Head office', phone: '+33140000001' });
    const { desk, callId } = await connectedCall(tenant, number);

    const consulting = await desk.post(path(tenant, callId, 'consult'), { target: { kind: 'directory', entryId } });
    expect(consulting.status).toBe(200);
    expect(consulting.body).toMatchObject({ held: true, consult: { kind: 'consult', label: 'Head office', startedAt: clock.now().toISOString() } });
    expect(await status(callId)).toMatchObject({ held: true, consult: { kind: 'consult', target: '+33140000001', label: 'Head office' } });
    // One thing at a time: no second consult, no hold, no resume, no transfer while consulting.
    for (const [action, body] of [
      ['consult', { target: { kind: 'directory', entryId } }],
      ['hold', undefined],
      ['resume', undefined],
      ['transfer', { target: { kind: 'in_house' } }],
    ] as const) {
      const refused = await desk.post(path(tenant, callId, action), body);
      expect(refused.status, action).toBe(409);
      expect(refused.body.code, action).toBe('consult_in_progress');
    }

    clock.advance(20 * SECOND);
    const back = await desk.post(path(tenant, callId, 'consult/cancel'));
    expect(back.body).toMatchObject({ held: false, consult: null, holdSeconds: 20 });
    expect((await desk.post(path(tenant, callId, 'consult/cancel'))).body.code).toBe('no_consult');
    expect((await desk.post(path(tenant, callId, 'conference'))).body.code).toBe('no_consult');
    expect((await desk.post(path(tenant, callId, 'consult/handover'))).body.code).toBe('no_consult');

    await desk.post(path(tenant, callId, 'consult'), { target: { kind: 'directory', entryId } });
    clock.advance(10 * SECOND);
    const conf = await desk.post(path(tenant, callId, 'conference'));
    expect(conf.body).toMatchObject({ held: false, holdSeconds: 30, consult: { kind: 'conference', label: 'Head office' } });
    expect((await desk.post(path(tenant, callId, 'conference'))).body.code).toBe('already_in_conference');
    expect((await status(callId)).consult).toEqual({ kind: 'conference', target: '+33140000001', label: 'Head office' });
    expect((await desk.post(path(tenant, callId, 'consult/cancel'))).body).toMatchObject({ consult: null, held: false, holdSeconds: 30 });

    expect((await kinds(tenant, callId)).slice(4)).toEqual(['consult_started', 'consult_cancelled', 'consult_started', 'conference_started', 'conference_ended']);
    const written = await commands(tenant, callId);
    expect(written.filter((c) => ['consult', 'consult_cancel', 'conference'].includes(c.kind))).toEqual([
      { kind: 'consult', adapter: 'http', payload: { callId, target: '+33140000001', label: 'Head office' } },
      { kind: 'consult_cancel', adapter: 'http', payload: { callId } },
      { kind: 'consult', adapter: 'http', payload: { callId, target: '+33140000001', label: 'Head office' } },
      { kind: 'conference', adapter: 'http', payload: { callId, target: '+33140000001', label: 'Head office' } },
      { kind: 'consult_cancel', adapter: 'http', payload: { callId } },
    ]);
  });

  it("hands over to the function's in-house phone: transferred out like an in-house transfer, the operator to wrap-up", async () => {
    const { tenant, number } = await company();
    const { desk, callId } = await connectedCall(tenant, number);
    // No in-house line, or only an email: nothing to ring, nothing changed.
    const none = await desk.post(path(tenant, callId, 'consult'), { target: { kind: 'in_house' } });
    expect(none.status).toBe(400);
    expect(none.body.errors[0].path).toBe('target.kind');
    await setInHouse(tenant, null, 'complaints@example.test');
    expect((await desk.post(path(tenant, callId, 'consult'), { target: { kind: 'in_house' } })).status).toBe(400);
    expect(await carrierCommands(tenant, callId)).toEqual([]);
    await withTenant(h.db, tenant.id, (tx) => tx.updateTable('delegations').set({ inHousePhone: '+33140000009', inHouseEmail: null }).execute());

    await desk.post(path(tenant, callId, 'hold'));
    clock.advance(5 * SECOND);
    const consulting = await desk.post(path(tenant, callId, 'consult'), { target: { kind: 'in_house' } });
    expect(consulting.body).toMatchObject({ held: true, holdSeconds: 0, consult: { kind: 'consult', label: 'in_house' } });
    clock.advance(15 * SECOND);
    const over = await desk.post(path(tenant, callId, 'consult/handover'));
    expect(over.body).toEqual({ callId, status: 'transferred_out', forwardTo: '+33140000009' });
    expect(await callRow(tenant, callId)).toMatchObject({ status: 'transferred_out', forwardedTo: '+33140000009', heldSince: null, holdSeconds: 20, consult: null });
    expect((await desk.get('/api/desk/state')).body.state).toBe('wrap_up');
    expect(await status(callId)).toMatchObject({ status: 'transferred_out', forwardTo: '+33140000009', held: false, consult: null });
    expect((await kinds(tenant, callId)).slice(4)).toEqual(['held', 'consult_started', 'consult_handed_over', 'transferred_out']);
    expect(await carrierCommands(tenant, callId)).toEqual(['hold', 'consult', 'consult_handover']);
    // Nothing more to do on a call handed over.
    expect((await desk.post(path(tenant, callId, 'hold'))).body.code).toBe('not_your_call');
    // The operator wraps up; the line ends later.
    expect((await desk.post(path(tenant, callId, 'wrap-up'), { disposition: 'order_taken' })).status).toBe(200);
  });

  it('refuses hostile or foreign targets with a 400 naming the field, and changes nothing', async () => {
    const { tenant, number } = await company();
    const other = await company();
    const foreign = await addDirectoryEntry(other.tenant, { name: 'Elsewhere', phone: '+33140000002' });
    const inactive = await addDirectoryEntry(tenant, { name: 'Closed desk', phone: '+33140000003', active: false });
    const { desk, callId } = await connectedCall(tenant, number);
    const cases: [unknown, string][] = [
      [{ target: { kind: 'directory', entryId: foreign } }, 'target.entryId'],
      [{ target: { kind: 'directory', entryId: inactive } }, 'target.entryId'],
      [{ target: { kind: 'directory', entryId: 'x\u0000y' } }, 'target.entryId'],
      [{ target: { kind: 'directory', entryId: "'; drop table calls; --" } }, 'target.entryId'],
      [{ target: { kind: 'directory', entryId: '=cmd|"/c calc"!A1' } }, 'target.entryId'],
      [{ target: { kind: 'directory', entryId: '4111 1111 1111 1111' } }, 'target.entryId'],
      [{ target: { kind: 'phone', number: '+33140000004' } }, 'target.kind'],
      [{ target: { kind: 'in_house', address: '+33140000004' } }, 'target'],
      [{ target: { kind: 'directory', entryId: 'a'.repeat(100_000) } }, 'target.entryId'],
    ];
    for (const [body, field] of cases) {
      const res = await desk.post(path(tenant, callId, 'consult'), body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path).join(' '), JSON.stringify(body).slice(0, 80)).toContain(field);
    }
    expect(await callRow(tenant, callId)).toMatchObject({ consult: null, heldSince: null });
    expect(await carrierCommands(tenant, callId)).toEqual([]);
  });
});

describe('who may act', () => {
  it("only the operator connected to the call: another operator's call is 409, another tenant's 404, a client 403, a call not in progress 409", async () => {
    const { tenant, number } = await company();
    const other = await company();
    const { desk, callId } = await connectedCall(tenant, number, [other.tenant]);
    const colleague = await operatorOn([tenant]);
    const client = await logIn(app, await seedClientUser(h.db, tenant, 'client_admin'));
    for (const action of ['hold', 'resume', 'mute', 'unmute', 'consult/cancel', 'conference', 'consult/handover']) {
      expect((await colleague.desk.post(path(tenant, callId, action))).body.code, action).toBe('not_your_call');
      expect((await desk.post(path(other.tenant, callId, action))).status, action).toBe(404);
      expect((await client.post(path(tenant, callId, action))).status, action).toBe(403);
      expect((await desk.post(path(tenant, newId(), action))).status, action).toBe(404);
    }
    expect((await colleague.desk.post(path(tenant, callId, 'consult'), { target: { kind: 'in_house' } })).body.code).toBe('not_your_call');
    expect((await desk.post(path(other.tenant, callId, 'consult'), { target: { kind: 'in_house' } })).status).toBe(404);
    expect(await carrierCommands(tenant, callId)).toEqual([]);

    // A queued call (not yet answered) is nobody's to hold.
    const waiting = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number));
    expect((await desk.post(path(tenant, waiting.body.id, 'hold'))).body.code).toBe('not_your_call');
    // After the hang-up, the call is in wrap-up: nothing to hold.
    await desk.post(path(tenant, callId, 'hangup'));
    expect((await desk.post(path(tenant, callId, 'hold'))).body.code).toBe('not_your_call');
  });
});

describe('the line ends', () => {
  it('a hang-up while held ends the hold, counts its seconds and clears the consultation and the mute', async () => {
    const { tenant, number } = await company();
    const entryId = await addDirectoryEntry(tenant, { name: 'Billing', phone: '+33140000005' });
    const { desk, callId } = await connectedCall(tenant, number);
    await desk.post(path(tenant, callId, 'mute'));
    await desk.post(path(tenant, callId, 'consult'), { target: { kind: 'directory', entryId } });
    clock.advance(25 * SECOND);
    const ended = await telephony(app, clock, 'POST', `/api/telephony/calls/${callId}/ended`, { by: 'caller' });
    expect(ended.body).toMatchObject({ status: 'wrap_up', held: false, muted: false, consult: null });
    expect(await callRow(tenant, callId)).toMatchObject({ status: 'wrap_up', heldSince: null, holdSeconds: 25, consult: null, muted: false });
    expect((await desk.get('/api/desk/state')).body.call.carrier).toMatchObject({ held: false, holdSeconds: 25, consult: null });
  });

  it('a system close for silence counts the hold up to the last sign of life', async () => {
    const { tenant, number } = await company({ connectedSilenceMinutes: 5 });
    const { desk, callId } = await connectedCall(tenant, number);
    clock.advance(10 * SECOND);
    await desk.post(path(tenant, callId, 'hold'));
    clock.advance(60 * SECOND);
    expect((await telephony(app, clock, 'POST', `/api/telephony/calls/${callId}/alive`)).body).toMatchObject({ held: true });
    clock.advance(5 * 60 * SECOND);
    expect((await closeTimedOutCalls(h.db, clock.now())).silenced).toBe(1);
    expect(await callRow(tenant, callId)).toMatchObject({ status: 'wrap_up', closedReason: 'no_sign_of_life', heldSince: null, holdSeconds: 60 });
  });
});

describe('hold in the KPIs', () => {
  it("a folded call gives its operator the hold time apart from the talk, and the queue the same", async () => {
    const { tenant, number } = await company();
    const { user, desk, callId } = await connectedCall(tenant, number);
    clock.advance(30 * SECOND);
    await desk.post(path(tenant, callId, 'hold'));
    clock.advance(45 * SECOND);
    await desk.post(path(tenant, callId, 'resume'));
    clock.advance(15 * SECOND);
    await desk.post(path(tenant, callId, 'hangup'));
    clock.advance(10 * SECOND);
    expect((await desk.post(path(tenant, callId, 'wrap-up'), { disposition: 'order_taken' })).status).toBe(200);
    await withTenant(h.db, tenant.id, (tx) => foldCallsBatch(tx, tenant.id, clock.now()));
    const sums = await withTenant(h.db, tenant.id, async (tx) => ({
      operator: await tx.selectFrom('operatorIntervals').select(['handled', 'talkSeconds', 'holdSeconds', 'wrapSeconds']).where('operatorId', '=', user.id).executeTakeFirstOrThrow(),
      queue: await tx.selectFrom('queueIntervals').select(['talkSeconds', 'holdSeconds', 'wrapSeconds']).executeTakeFirstOrThrow(),
    }));
    expect({ ...sums.operator, talkSeconds: Number(sums.operator.talkSeconds), holdSeconds: Number(sums.operator.holdSeconds), wrapSeconds: Number(sums.operator.wrapSeconds) }).toEqual({
      handled: 1,
      talkSeconds: 45,
      holdSeconds: 45,
      wrapSeconds: 10,
    });
    expect([Number(sums.queue.talkSeconds), Number(sums.queue.holdSeconds), Number(sums.queue.wrapSeconds)]).toEqual([45, 45, 10]);
  });

  const at = (s: number) => new Date(Date.UTC(2026, 11, 1, 10, 0, s));
  const call = { id: 'c', function: 'order_taking', direction: 'inbound' as const, status: 'completed', callerNumber: '+33600000000', offeredAt: at(0), answeredAt: at(10), endedAt: at(200), wrapUpEndedAt: at(230), operatorId: 'op', fcrRepeated: false };
  const ev = (s: number, kind: string, operatorId: string | null = 'op') => ({ at: at(s), kind, operatorId });

  it('takes hold (a hold, a consultation) out of the talk: talk + hold is the connected time, AHT unchanged in total', () => {
    const parts = operatorSegments(call, [
      ev(0, 'offered', null),
      ev(10, 'answered'),
      ev(30, 'held'),
      ev(60, 'resumed'),
      ev(100, 'consult_started'),
      ev(120, 'conference_started'),
      ev(150, 'conference_ended'),
      ev(200, 'ended', null),
      ev(230, 'wrap_up_done'),
    ]);
    expect(parts.get('op')).toEqual({ handled: 1, talkSeconds: 140, holdSeconds: 50, wrapSeconds: 30, transfers: 0 });
  });

  it('a hold still running at the end, or a consultation handed over, counts up to the end of the talk', () => {
    const parts = operatorSegments({ ...call, status: 'transferred_out' }, [
      ev(10, 'answered'),
      ev(50, 'held'),
      ev(70, 'consult_started'),
      ev(90, 'consult_handed_over'),
      ev(90, 'transferred_out'),
      ev(120, 'wrap_up_done'),
    ]);
    expect(parts.get('op')).toEqual({ handled: 1, talkSeconds: 40, holdSeconds: 40, wrapSeconds: 30, transfers: 1 });
  });
});
