import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Tenant } from '@switchboard/db';
import { dispatch } from '@switchboard/api';
import { createClock, createHarness, logIn, openEventStream, seedTenant, type App, type Client, type Clock, type Harness, type TestUser } from './support/index.ts';
import {
  addNumber,
  alwaysOpen,
  incomingCall,
  requireAgreement,
  seedRoutedOperator,
  setCallSettings,
  setHours,
  telephony,
  uniqueNumber,
  type AssignmentOptions,
} from './support/routing.ts';

let h: Harness;
let clock: Clock;
let app: App;

// Tuesday 1 December 2026, 10:00 UTC = 11:00 in Paris.
const start = new Date('2026-12-01T10:00:00Z');

beforeAll(async () => {
  h = await createHarness();
  clock = createClock(start);
  app = h.buildApp({ clock });
});
afterAll(() => h?.close());

const weekdays = [{ start: '09:00', end: '18:00' }];
const officeHours = {
  defaultSchedule: 'Office',
  schedules: [{ name: 'Office', week: { mon: weekdays, tue: weekdays, wed: weekdays, thu: weekdays, fri: weekdays, sat: [], sun: [] } }],
};

async function tenantWithNumber(hours = alwaysOpen, fn = 'order_taking') {
  const { tenant } = await seedTenant(h.db);
  await setHours(h.db, tenant, hours);
  const number = uniqueNumber();
  await addNumber(h.db, tenant, number, fn);
  return { tenant, number };
}

async function operator(assignments: [Tenant, AssignmentOptions][], label?: string): Promise<{ user: TestUser; desk: Client }> {
  const user = await seedRoutedOperator(h.db, assignments, label);
  return { user, desk: await logIn(app, user) };
}

async function available(desk: Client) {
  const res = await desk.put('/api/desk/state', { state: 'available' });
  expect(res.status).toBe(200);
  return res.body;
}

async function call(number: string, caller?: string) {
  const res = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number, caller));
  expect(res.status).toBe(200);
  return res.body as { id: string; outcome: string; forwardTo?: string; tenant: string };
}

const queueRow = (tenant: Tenant, callId: string) =>
  withTenant(h.db, tenant.id, (tx) => tx.selectFrom('callQueue').selectAll().where('callId', '=', callId).executeTakeFirst());
const events = (tenant: Tenant, callId: string) =>
  withTenant(h.db, tenant.id, (tx) => tx.selectFrom('callEvents').select(['kind', 'operatorId', 'detail']).where('callId', '=', callId).orderBy('at').orderBy('id').execute());

/** A tenant whose offers last 10 s, operators made available a second apart (the first idle longest), and one call offered to the first. */
async function offeredToFirst(labels: string[]) {
  const { tenant, number } = await tenantWithNumber();
  await setCallSettings(h.db, tenant, { offerTimeoutSeconds: 10 });
  const operators = [];
  for (const label of labels) {
    if (operators.length) clock.advance(1_000);
    const op = await operator([[tenant, {}]], label);
    await available(op.desk);
    operators.push(op);
  }
  const routed = await call(number);
  await dispatch(h.db, clock.now());
  expect((await queueRow(tenant, routed.id))?.offeredTo).toBe(operators[0]!.user.id);
  return { tenant, number, routed, operators };
}

describe('in and out of hours', () => {
  it('queues a call in hours and offers it to the available operator', async () => {
    const { tenant, number } = await tenantWithNumber(officeHours);
    const op = await operator([[tenant, {}]]);
    await available(op.desk);
    const routed = await call(number);
    expect(routed).toMatchObject({ outcome: 'queued', tenant: tenant.slug, function: 'order_taking' });
    expect(await queueRow(tenant, routed.id)).toMatchObject({ offeredTo: null, function: 'order_taking' });

    await dispatch(h.db, clock.now());
    expect((await queueRow(tenant, routed.id))?.offeredTo).toBe(op.user.id);
    const state = (await op.desk.get('/api/desk/state')).body;
    expect(state.offer).toMatchObject({ tenant: tenant.slug, callId: routed.id, function: 'order_taking', callerNumber: '+33612345678' });
    expect(new Date(state.offer.expiresAt).getTime()).toBe(clock.now().getTime() + 15_000);
    expect((await events(tenant, routed.id)).map((e) => e.kind)).toEqual(['offered', 'queued', 'offered_to']);
  });

  it('out of hours, records a callback request instead of queueing', async () => {
    const { tenant, number } = await tenantWithNumber({
      ...officeHours,
      functionSchedules: [{ function: 'order_taking', afterHours: { action: 'callback' } }],
    });
    clock.advance(10 * 3_600_000); // 21:00 in Paris
    try {
      const routed = await call(number, '+33698765432');
      expect(routed.outcome).toBe('callback');
      expect(await queueRow(tenant, routed.id)).toBeUndefined();
      const requests = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('callbackRequests').selectAll().execute());
      expect(requests).toEqual([expect.objectContaining({ callId: routed.id, callerNumber: '+33698765432', function: 'order_taking', status: 'pending' })]);
      const stored = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('calls').selectAll().where('id', '=', routed.id).executeTakeFirstOrThrow());
      expect(stored).toMatchObject({ status: 'after_hours', afterHoursAction: 'callback' });
      expect((await events(tenant, routed.id)).map((e) => e.kind)).toEqual(['offered', 'after_hours']);
    } finally {
      clock.advance(-10 * 3_600_000);
    }
  });

  it("out of hours, a forward records the destination: the after-hours forwardTo, else the function's in-house line", async () => {
    const explicit = await tenantWithNumber({
      ...officeHours,
      functionSchedules: [{ function: 'order_taking', afterHours: { action: 'forward', forwardTo: '+33140000001' } }],
    });
    const fromDelegation = await tenantWithNumber({ ...officeHours, functionSchedules: [{ function: 'order_taking', afterHours: { action: 'forward' } }] });
    await withTenant(h.db, fromDelegation.tenant.id, (tx) =>
      tx
        .insertInto('delegations')
        .values({ tenantId: fromDelegation.tenant.id, function: 'order_taking', delegated: true, inHousePhone: '+33140000002', inHouseEmail: null, expectedMonthlyVolume: 0, updatedBy: 'test' })
        .execute(),
    );
    clock.advance(-3 * 3_600_000); // 08:00 in Paris
    try {
      const a = await call(explicit.number);
      expect(a).toMatchObject({ outcome: 'forward', forwardTo: '+33140000001' });
      const b = await call(fromDelegation.number);
      expect(b).toMatchObject({ outcome: 'forward', forwardTo: '+33140000002' });
      const stored = await withTenant(h.db, fromDelegation.tenant.id, (tx) => tx.selectFrom('calls').select(['forwardedTo', 'status']).where('id', '=', b.id).executeTakeFirstOrThrow());
      expect(stored).toEqual({ forwardedTo: '+33140000002', status: 'after_hours' });
      const status = await telephony(app, clock, 'GET', `/api/telephony/calls/${b.id}`);
      expect(status.body).toMatchObject({ status: 'after_hours', forwardTo: '+33140000002', operatorConnected: false });
    } finally {
      clock.advance(3 * 3_600_000);
    }
  });

  it('on a holiday override, the function is closed even within the weekly hours', async () => {
    const { tenant, number } = await tenantWithNumber({
      ...officeHours,
      overrides: [{ from: '2026-12-01', to: '2026-12-01', label: 'Company day', closed: true }],
      functionSchedules: [{ function: 'order_taking', afterHours: { action: 'announcement', announcement: 'Closed today for our company day.' } }],
    });
    const routed = await call(number);
    expect(routed).toMatchObject({ outcome: 'announcement', announcement: 'Closed today for our company day.' });
    expect(await queueRow(tenant, routed.id)).toBeUndefined();
  });
});

describe('choosing the operator', () => {
  it('offers to the operator idle the longest', async () => {
    const { tenant, number } = await tenantWithNumber();
    const first = await operator([[tenant, {}]], 'idle longest');
    const second = await operator([[tenant, {}]], 'idle shorter');
    await available(first.desk);
    clock.advance(5_000);
    await available(second.desk);
    const routed = await call(number);
    await dispatch(h.db, clock.now());
    expect((await queueRow(tenant, routed.id))?.offeredTo).toBe(first.user.id);
    // The next call goes to the other one: the first has an offer pending.
    const next = await call(number);
    await dispatch(h.db, clock.now());
    expect((await queueRow(tenant, next.id))?.offeredTo).toBe(second.user.id);
  });

  it('offers one operator one call, even with two routing passes at once (two API processes)', async () => {
    const { tenant, number } = await tenantWithNumber();
    const only = await operator([[tenant, {}]]);
    await available(only.desk);
    const a = await call(number);
    const b = await call(number);
    const reports = await Promise.all([dispatch(h.db, clock.now()), dispatch(h.db, clock.now()), dispatch(h.db, clock.now())]);
    expect(reports.reduce((n, r) => n + r.offered, 0)).toBe(1);
    const offered = [await queueRow(tenant, a.id), await queueRow(tenant, b.id)].map((r) => r?.offeredTo ?? null);
    expect(offered).toEqual([only.user.id, null]);
  });

  it('offers by priority before idle time, and holds a call back from an operator with a delay', async () => {
    const { tenant, number } = await tenantWithNumber();
    // Offers outlast the 20 s delay: an offer that lapsed would put its operator in "not responding".
    await setCallSettings(h.db, tenant, { offerTimeoutSeconds: 60 });
    const backup = await operator([[tenant, { routing: { order_taking: { priority: 2 } } }]], 'backup');
    const delayed = await operator([[tenant, { routing: { order_taking: { priority: 1, delaySeconds: 20 } } }]], 'delayed');
    const main = await operator([[tenant, { routing: { order_taking: { priority: 1 } } }]], 'main');
    await available(backup.desk); // idle the longest, but priority 2
    clock.advance(1_000);
    await available(delayed.desk);
    clock.advance(1_000);
    await available(main.desk);

    const one = await call(number);
    await dispatch(h.db, clock.now());
    // delayed is priority 1 and idle longer than main, but the call has not waited its 20 s yet.
    expect((await queueRow(tenant, one.id))?.offeredTo).toBe(main.user.id);

    const two = await call(number);
    await dispatch(h.db, clock.now());
    expect((await queueRow(tenant, two.id))?.offeredTo).toBe(backup.user.id);

    const three = await call(number);
    await dispatch(h.db, clock.now());
    expect((await queueRow(tenant, three.id))?.offeredTo).toBeNull();
    clock.advance(19_000);
    await dispatch(h.db, clock.now());
    expect((await queueRow(tenant, three.id))?.offeredTo).toBeNull();
    clock.advance(1_000);
    await dispatch(h.db, clock.now());
    expect((await queueRow(tenant, three.id))?.offeredTo).toBe(delayed.user.id);
  });

  it('serves a call only with an operator who has the function among its skills for that tenant', async () => {
    const { tenant, number } = await tenantWithNumber(alwaysOpen, 'information');
    const orders = await operator([[tenant, { skills: ['order_taking'] }]]);
    const info = await operator([[tenant, { skills: ['information'] }]]);
    await available(orders.desk);
    clock.advance(1_000);
    await available(info.desk);
    const routed = await call(number);
    await dispatch(h.db, clock.now());
    expect((await queueRow(tenant, routed.id))?.offeredTo).toBe(info.user.id);
  });

  it("never offers a tenant's call to an operator without the signed agreement its rules require", async () => {
    const { tenant, number } = await tenantWithNumber();
    await requireAgreement(h.db, tenant, clock.now());
    const unsigned = await operator([[tenant, { agreementSigned: false }]], 'unsigned');
    await available(unsigned.desk);
    const routed = await call(number);
    for (let i = 0; i < 5; i++) {
      await dispatch(h.db, clock.now());
      clock.advance(20_000);
    }
    expect((await queueRow(tenant, routed.id))?.offeredTo).toBeNull();
    expect((await events(tenant, routed.id)).map((e) => e.kind)).not.toContain('offered_to');

    const signed = await operator([[tenant, { agreementSigned: true }]], 'signed');
    await available(signed.desk);
    await dispatch(h.db, clock.now());
    expect((await queueRow(tenant, routed.id))?.offeredTo).toBe(signed.user.id);
  });
});

describe('offers that are not taken, and callers who hang up', () => {
  it('moves an offer not accepted in time to the next operator', async () => {
    const { tenant, routed, operators } = await offeredToFirst(['first', 'second']);
    const [first, second] = [operators[0]!, operators[1]!];
    clock.advance(9_999);
    await dispatch(h.db, clock.now());
    expect((await queueRow(tenant, routed.id))?.offeredTo).toBe(first.user.id);
    clock.advance(1);
    const report = await dispatch(h.db, clock.now());
    expect(report).toMatchObject({ expired: 1, offered: 1 });
    const row = await queueRow(tenant, routed.id);
    expect(row).toMatchObject({ offeredTo: second.user.id, declinedBy: [first.user.id] });
    expect((await first.desk.get('/api/desk/state')).body.offer).toBeNull();
    expect((await second.desk.get('/api/desk/state')).body.offer).toMatchObject({ callId: routed.id });
    expect((await events(tenant, routed.id)).map((e) => e.kind)).toEqual(['offered', 'queued', 'offered_to', 'offer_expired', 'offered_to']);
    // A late accept by the first operator is refused.
    const late = await first.desk.post(`/api/t/${tenant.slug}/desk/calls/${routed.id}/accept`);
    expect(late.status).toBe(409);
    expect(late.body.type).toMatch(/offer-taken$/);
  });

  it('removes a call from the queue when the caller hangs up, withdrawing its offer', async () => {
    const { tenant, number } = await tenantWithNumber();
    const op = await operator([[tenant, {}]]);
    await available(op.desk);
    const waiting = await call(number);
    await dispatch(h.db, clock.now());
    expect((await queueRow(tenant, waiting.id))?.offeredTo).toBe(op.user.id);
    clock.advance(4_000);
    const ended = await telephony(app, clock, 'POST', `/api/telephony/calls/${waiting.id}/ended`, { by: 'caller' });
    expect(ended.body).toMatchObject({ status: 'abandoned', operatorConnected: false });
    expect(await queueRow(tenant, waiting.id)).toBeUndefined();
    expect((await op.desk.get('/api/desk/state')).body).toMatchObject({ state: 'available', offer: null });
    expect((await events(tenant, waiting.id)).at(-1)).toMatchObject({ kind: 'abandoned', detail: { by: 'caller', waitedSeconds: 4 } });
    // The operator is free for the next call at once.
    const next = await call(number);
    await dispatch(h.db, clock.now());
    expect((await queueRow(tenant, next.id))?.offeredTo).toBe(op.user.id);
  });
});

describe('presence', () => {
  it('keeps every state change with its time, and refuses desk routes to anyone but operators', async () => {
    const { tenant } = await tenantWithNumber();
    const op = await operator([[tenant, {}]]);
    const t0 = clock.now();
    const initial = (await op.desk.get('/api/desk/state')).body;
    expect(initial).toMatchObject({ state: 'offline', offer: null, call: null, tenants: [{ slug: tenant.slug, skills: ['order_taking'] }] });
    await available(op.desk);
    clock.advance(60_000);
    const onBreak = await op.desk.put('/api/desk/state', { state: 'break', breakReason: 'Coffee' });
    expect(onBreak.body).toMatchObject({ state: 'break', breakReason: 'Coffee', since: new Date(t0.getTime() + 60_000).toISOString() });
    clock.advance(300_000);
    await available(op.desk);
    await available(op.desk); // no change, no row
    clock.advance(30_000);
    await op.desk.put('/api/desk/state', { state: 'offline' });
    const log = await h.db
      .selectFrom('operatorStateLog')
      .select(['state', 'breakReason', 'startedAt', 'endedAt'])
      .where('operatorId', '=', op.user.id)
      .orderBy('startedAt')
      .execute();
    const at = (ms: number) => new Date(t0.getTime() + ms);
    expect(log).toEqual([
      { state: 'available', breakReason: null, startedAt: at(0), endedAt: at(60_000) },
      { state: 'break', breakReason: 'Coffee', startedAt: at(60_000), endedAt: at(360_000) },
      { state: 'available', breakReason: null, startedAt: at(360_000), endedAt: at(390_000) },
      { state: 'offline', breakReason: null, startedAt: at(390_000), endedAt: null },
    ]);

    const admin = await logIn(app, await (await import('./support/index.ts')).seedUser(h.db, { kind: 'provider_admin' }));
    expect((await admin.get('/api/desk/state')).status).toBe(403);
    expect((await admin.put('/api/desk/state', { state: 'available' })).status).toBe(403);
    const invalid = await op.desk.put('/api/desk/state', { state: 'on_call' });
    expect(invalid.status).toBe(400);
  });
});

describe('missed offers: not responding until the operator comes back', () => {
  const stateOf = async (desk: Client) => (await desk.get('/api/desk/state')).body;
  const stateLog = (operatorId: string) =>
    h.db.selectFrom('operatorStateLog').select(['state', 'callTenantId', 'callId', 'startedAt']).where('operatorId', '=', operatorId).orderBy('startedAt').orderBy('id').execute();

  it('marks the operator not responding and offers the call to the next operator in the same pass', async () => {
    const { tenant, routed, operators } = await offeredToFirst(['misses it', 'next']);
    const [first, second] = [operators[0]!, operators[1]!];
    const stream = await openEventStream(app, first.desk.token);
    expect((await stream.next()).event).toBe('ready');
    clock.advance(10_000);
    const missedAt = clock.now();
    expect(await dispatch(h.db, clock.now())).toMatchObject({ expired: 1, offered: 1 });
    // The desk hears it at once: its own presence event is what shows the banner.
    const heard = (await stream.until((e) => e.event === 'presence')).at(-1)!;
    expect(heard.data).toEqual({ state: 'not_responding', breakReason: null, since: missedAt.toISOString() });
    await stream.close();
    expect((await queueRow(tenant, routed.id))?.offeredTo).toBe(second.user.id);
    expect(await stateOf(first.desk)).toMatchObject({
      state: 'not_responding',
      since: missedAt.toISOString(),
      offer: null,
      call: null,
      missed: { tenant: tenant.slug, tenantName: tenant.name, callId: routed.id, at: missedAt.toISOString() },
    });
    expect(await stateLog(first.user.id)).toMatchObject([
      { state: 'available', callId: null },
      { state: 'not_responding', callTenantId: tenant.id, callId: routed.id, startedAt: missedAt },
    ]);
    expect((await events(tenant, routed.id)).find((e) => e.kind === 'offer_expired')).toMatchObject({
      operatorId: first.user.id,
      detail: { notResponding: true },
    });

    // The second lets it lapse too: nobody is left to offer it to, and neither is offered it again.
    clock.advance(10_000);
    expect(await dispatch(h.db, clock.now())).toMatchObject({ expired: 1, offered: 0 });
    expect((await stateOf(second.desk)).state).toBe('not_responding');
    for (let i = 0; i < 3; i++) {
      clock.advance(20_000);
      expect(await dispatch(h.db, clock.now())).toMatchObject({ offered: 0 });
    }
    expect((await queueRow(tenant, routed.id))?.offeredTo).toBeNull();
    expect((await events(tenant, routed.id)).filter((e) => e.kind === 'offered_to')).toHaveLength(2);
  });

  it('never offers the missed call (nor any other) to a lone operator who let it lapse, until they come back', async () => {
    const { tenant, number, routed: missed, operators } = await offeredToFirst(['alone']);
    const lone = operators[0]!;
    clock.advance(10_000);
    expect(await dispatch(h.db, clock.now())).toMatchObject({ expired: 1, offered: 0 });
    const another = await call(number);
    clock.advance(20_000);
    expect(await dispatch(h.db, clock.now())).toMatchObject({ expired: 0, offered: 0 });
    expect((await queueRow(tenant, missed.id))?.offeredTo).toBeNull();
    expect((await queueRow(tenant, another.id))?.offeredTo).toBeNull();

    // "I'm back": PUT available, and the oldest waiting call is offered again.
    const back = await available(lone.desk);
    expect(back).toMatchObject({ state: 'available', missed: null, since: clock.now().toISOString() });
    await dispatch(h.db, clock.now());
    expect((await queueRow(tenant, missed.id))?.offeredTo).toBe(lone.user.id);
    expect((await stateLog(lone.user.id)).map((r) => r.state)).toEqual(['available', 'not_responding', 'available']);
    expect((await lone.desk.post(`/api/t/${tenant.slug}/desk/calls/${missed.id}/accept`)).status).toBe(200);
  });

  it('a decline is not a missed offer: the operator who let it pass stays available', async () => {
    const { tenant, number } = await tenantWithNumber();
    const op = await operator([[tenant, {}]], 'decliner');
    await available(op.desk);
    const routed = await call(number);
    await dispatch(h.db, clock.now());
    expect((await op.desk.post(`/api/t/${tenant.slug}/desk/calls/${routed.id}/decline`)).status).toBe(204);
    expect((await stateOf(op.desk)).state).toBe('available');
  });

  it('an operator offered back their own transfer while in wrap-up stays in wrap-up when that offer lapses', async () => {
    const { tenant, number } = await tenantWithNumber();
    await setCallSettings(h.db, tenant, { offerTimeoutSeconds: 10, transferTimeoutSeconds: 30 });
    const op = await operator([[tenant, { skills: ['order_taking'] }]], 'transferrer');
    await available(op.desk);
    const routed = await call(number);
    await dispatch(h.db, clock.now());
    expect((await op.desk.post(`/api/t/${tenant.slug}/desk/calls/${routed.id}/accept`)).status).toBe(200);
    const moved = await op.desk.post(`/api/t/${tenant.slug}/desk/calls/${routed.id}/transfer`, { target: { kind: 'skill', skill: 'mortgages' } });
    expect(moved.status).toBe(200);
    clock.advance(30_000);
    expect(await dispatch(h.db, clock.now())).toMatchObject({ returned: 1 });
    expect((await queueRow(tenant, routed.id))?.offeredTo).toBe(op.user.id);
    clock.advance(10_000);
    expect(await dispatch(h.db, clock.now())).toMatchObject({ expired: 1 });
    expect((await stateOf(op.desk)).state).toBe('wrap_up');
  });

  it('of an accept and the expiry of the same offer, exactly one wins, without deadlock', async () => {
    const seen = new Set<string>();
    for (let round = 0; round < 6; round++) {
      // A tenant per round: an operator of an earlier round never serves this round's call.
      const { tenant, routed, operators } = await offeredToFirst([`racer ${round}`]);
      const op = operators[0]!;
      clock.advance(10_000);
      const [accepted, report] = await Promise.race([
        Promise.all([op.desk.post(`/api/t/${tenant.slug}/desk/calls/${routed.id}/accept`), dispatch(h.db, clock.now())]),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('accept and expiry deadlocked')), 10_000)),
      ]);
      const state = await stateOf(op.desk);
      const kinds = (await events(tenant, routed.id)).map((e) => e.kind);
      if (accepted.status === 200) {
        seen.add('accepted');
        expect(state).toMatchObject({ state: 'on_call', call: { callId: routed.id } });
        expect(await queueRow(tenant, routed.id)).toBeUndefined();
        expect(kinds).not.toContain('offer_expired');
      } else {
        seen.add('expired');
        expect(accepted.status).toBe(409);
        expect(report.expired).toBeGreaterThanOrEqual(1);
        expect(state).toMatchObject({ state: 'not_responding', offer: null, call: null });
        expect(kinds).not.toContain('answered');
      }
      expect(kinds.filter((k) => k === 'answered' || k === 'offer_expired')).toHaveLength(1);
    }
    expect(seen.size).toBeGreaterThanOrEqual(1);
  });
});
