import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, withApp, withTenant, type OperatorState, type Tenant } from '@switchboard/db';
import {
  assignOperator,
  createClock,
  createHarness,
  logIn,
  seedClientUser,
  seedOperator,
  seedTenant,
  seedUser,
  type App,
  type Client,
  type Harness,
  type TestUser,
} from './support/index.ts';

/**
 * GET /api/wallboard from seeded calls on a controlled clock: 15:00 UTC on 10 March 2026 is 08:00 in
 * Los Angeles (PDT since 8 March), so a call at 06:30 UTC happened yesterday there.
 */
const NOW = new Date('2026-03-10T15:00:00Z');
const at = (offsetSeconds: number, from = NOW) => new Date(from.getTime() + offsetSeconds * 1000);

let h: Harness;
let app: App;
let la: Tenant;
let other: Tenant;
let busy: TestUser;
let idle: TestUser;
let wrapping: TestUser;
let missed: TestUser;
let supervisor: Client;
let admin: Client;

interface CallSeed {
  function?: string;
  status: 'queued' | 'connected' | 'wrap_up' | 'completed' | 'abandoned';
  offeredAt: Date;
  answeredAfter?: number;
  endedAfter?: number;
  wrapUpEndedAfter?: number;
  operatorId?: string;
}

async function seedCalls(tenant: Tenant, calls: CallSeed[]) {
  await withTenant(h.db, tenant.id, async (tx) => {
    for (const call of calls) {
      const id = newId();
      const after = (s: number | undefined) => (s === undefined ? null : at(s, call.offeredAt));
      await tx
        .insertInto('calls')
        .values({
          tenantId: tenant.id,
          id,
          externalId: `ext-${id}`,
          function: call.function ?? 'order_taking',
          dialledNumber: '+13105550100',
          callerNumber: '+13105550199',
          status: call.status,
          operatorId: call.operatorId ?? null,
          offeredAt: call.offeredAt,
          answeredAt: after(call.answeredAfter),
          endedAt: after(call.endedAfter),
          wrapUpEndedAt: after(call.wrapUpEndedAfter),
        })
        .execute();
      if (call.status === 'queued') {
        await tx
          .insertInto('callQueue')
          .values({ tenantId: tenant.id, callId: id, function: call.function ?? 'order_taking', enqueuedAt: call.offeredAt })
          .execute();
      }
    }
  });
}

async function setPresence(operatorId: string, state: OperatorState, since: Date) {
  await withApp(h.db, (tx) => tx.insertInto('operatorPresence').values({ operatorId, state, since }).execute());
}

beforeAll(async () => {
  h = await createHarness();
  app = h.buildApp({ clock: createClock(NOW) });
  la = (await seedTenant(h.db, { name: 'Aardvark Pizza LA', timeZone: 'America/Los_Angeles' })).tenant;
  other = (await seedTenant(h.db, { name: 'Zebra Bank', timeZone: 'Europe/Berlin' })).tenant;
  await withTenant(h.db, la.id, (tx) =>
    tx.insertInto('callSettings').values({ tenantId: la.id, answerTargetSeconds: 30, updatedBy: 'test' }).execute(),
  );

  busy = await seedOperator(h.db, [la], { displayName: 'Ana Busy' });
  idle = await seedOperator(h.db, [la], { displayName: 'Bo Idle' });
  wrapping = await seedUser(h.db, { kind: 'operator', displayName: 'Cy Wrapping' });
  await assignOperator(h.db, la, wrapping.id, ['information']);
  await setPresence(busy.id, 'on_call', at(-20));
  await setPresence(idle.id, 'available', at(-300));
  await setPresence(wrapping.id, 'wrap_up', at(-10));
  missed = await seedOperator(h.db, [la], { displayName: 'Di Missed' });
  await setPresence(missed.id, 'not_responding', at(-45));

  await seedCalls(la, [
    // answered within the 30 s target, handled in 100 s (talk + wrap-up)
    { status: 'completed', offeredAt: at(-3600), answeredAfter: 10, endedAfter: 70, wrapUpEndedAfter: 110 },
    // answered after the target, handled in 150 s
    { status: 'completed', offeredAt: at(-3000), answeredAfter: 45, endedAfter: 105, wrapUpEndedAfter: 195 },
    // abandoned after the target: counts against the service level
    { status: 'abandoned', offeredAt: at(-2400), endedAfter: 50 },
    // abandoned before the target: left out of the service level
    { status: 'abandoned', offeredAt: at(-2000), endedAfter: 5 },
    // on a call now, answered within the target: handled, not yet in the handle time
    { status: 'connected', offeredAt: at(-40), answeredAfter: 20, operatorId: busy.id },
    // yesterday in Los Angeles (23:30 on 9 March), though today in UTC
    { status: 'completed', offeredAt: new Date('2026-03-10T06:30:00Z'), answeredAfter: 100, endedAfter: 200, wrapUpEndedAfter: 210 },
    // waiting
    { status: 'queued', offeredAt: at(-90) },
    { status: 'queued', offeredAt: at(-30) },
    { status: 'queued', function: 'information', offeredAt: at(-5) },
  ]);
  await seedCalls(other, [
    { status: 'queued', offeredAt: at(-600) },
    { status: 'abandoned', offeredAt: at(-700), endedAfter: 100 },
  ]);

  supervisor = await logIn(app, await seedUser(h.db, { kind: 'supervisor' }));
  admin = await logIn(app, await seedUser(h.db, { kind: 'provider_admin' }));
});

afterAll(() => h?.close());

describe('GET /api/wallboard', () => {
  it('computes each tenant’s queues and today’s figures from its calls, today on its own clock', async () => {
    const res = await supervisor.get('/api/wallboard');
    expect(res.status).toBe(200);
    expect(res.body.at).toBe(NOW.toISOString());
    const board = res.body.tenants.find((t: any) => t.slug === la.slug);
    expect(board).toMatchObject({
      name: 'Aardvark Pizza LA',
      brandColor: la.brandColor,
      timeZone: 'America/Los_Angeles',
      answerTargetSeconds: 30,
      todayStartsAt: '2026-03-10T07:00:00.000Z',
    });
    expect(board.queues.find((q: any) => q.function === 'order_taking')).toEqual({
      function: 'order_taking',
      waiting: 2,
      longestWaitSeconds: 90,
      oldestEnqueuedAt: at(-90).toISOString(),
      operators: { available: 1, onCall: 1, wrapUp: 0, notResponding: 1 },
      handledToday: 3,
      abandonedToday: 2,
      answeredWithinTargetToday: 2,
      serviceLevelBaseToday: 4,
      // 2 answered within 30 s, over 3 answered + 1 abandoned after 30 s
      serviceLevelToday: 50,
      averageHandleSeconds: 125,
      operatorsAble: 3,
      understaffed: false,
    });
    expect(board.queues.find((q: any) => q.function === 'information')).toEqual({
      function: 'information',
      waiting: 1,
      longestWaitSeconds: 5,
      oldestEnqueuedAt: at(-5).toISOString(),
      operators: { available: 0, onCall: 0, wrapUp: 1, notResponding: 0 },
      handledToday: 0,
      abandonedToday: 0,
      answeredWithinTargetToday: 0,
      serviceLevelBaseToday: 0,
      serviceLevelToday: null,
      averageHandleSeconds: null,
      // one operator, but the function is not delegated: nothing to flag
      operatorsAble: 1,
      understaffed: false,
    });

    const zebra = res.body.tenants.find((t: any) => t.slug === other.slug);
    expect(zebra.answerTargetSeconds).toBe(20);
    expect(zebra.queues).toEqual([
      expect.objectContaining({ function: 'order_taking', waiting: 1, longestWaitSeconds: 600, abandonedToday: 1, serviceLevelToday: 0 }),
    ]);
  });

  it('lists every operator with state, since and the tenant of the call they are on', async () => {
    const res = await admin.get('/api/wallboard');
    expect(res.status).toBe(200);
    const rows = Object.fromEntries(res.body.operators.map((o: any) => [o.name, o]));
    expect(rows['Ana Busy']).toEqual({
      id: busy.id,
      name: 'Ana Busy',
      state: 'on_call',
      breakReason: null,
      since: at(-20).toISOString(),
      tenant: { slug: la.slug, name: 'Aardvark Pizza LA', brandColor: la.brandColor },
    });
    expect(rows['Bo Idle']).toMatchObject({ state: 'available', tenant: null });
    expect(rows['Cy Wrapping']).toMatchObject({ state: 'wrap_up' });
    expect(rows['Di Missed']).toMatchObject({ state: 'not_responding', since: at(-45).toISOString(), tenant: null });
  });

  it('counts “today” from the tenant’s midnight as the clock moves', async () => {
    // 07:30 UTC on 11 March: 00:30 in Los Angeles, a new day with nothing handled yet.
    const nextDay = await logIn(h.buildApp({ clock: createClock(new Date('2026-03-11T07:30:00Z')) }), await seedUser(h.db, { kind: 'supervisor' }));
    const res = await nextDay.get('/api/wallboard');
    const board = res.body.tenants.find((t: any) => t.slug === la.slug);
    expect(board.todayStartsAt).toBe('2026-03-11T07:00:00.000Z');
    expect(board.queues.find((q: any) => q.function === 'order_taking')).toMatchObject({
      handledToday: 0,
      abandonedToday: 0,
      serviceLevelToday: null,
      waiting: 2,
    });
  });

  it('is for provider admins and supervisors only', async () => {
    const operator = await logIn(app, busy);
    const client = await logIn(app, await seedClientUser(h.db, la));
    for (const who of [operator, client]) {
      const res = await who.get('/api/wallboard');
      expect(res.status).toBe(403);
      expect(res.contentType).toBe('application/problem+json');
    }
    expect((await app.request('/api/wallboard')).status).toBe(401);
  });
});
