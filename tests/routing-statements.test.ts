import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withApp, withTenant, type Tenant } from '@switchboard/db';
import { createApp, dispatch, EventHub } from '@switchboard/api';
import { countStatements } from '../scripts/src/statement-counter.ts';
import { claimOffers } from '../api/src/routing/dispatch.ts';
import { createHarness, logIn, openEventStream, seedTenant, testConfig, type EventStream, type Harness } from './support/index.ts';
import { addNumber, alwaysOpen, incomingCall, seedRoutedOperator, setHours, telephony, uniqueNumber } from './support/routing.ts';

/**
 * The statement budget of routing: a pass that offers N waiting calls to M free operators, and the live
 * events that bring each offer to its desk, cost a bounded number of SQL statements per routed call,
 * whatever N and M (set-based: one candidate query per pass, one transaction per tenant for the claims,
 * one re-read per tenant per batch of events), BEGIN and COMMIT counted: 28 statements for these 8 offers
 * (3.5 a call): the pass's 4 reads, per tenant a claim in one statement, a re-read of the tenant's events in
 * one statement and a queue snapshot in one, each in its own transaction. One transaction per call and per
 * event (the first code) cost 309, ~39 a call; a re-read of 7 statements per tenant and a claim of 6
 * (before issue 13's second round) 42, 5.25 a call; a claim of 4 statements (before its fifth) 34, 4.25.
 * Counted, never timed.
 */
let h: Harness;
const streams: EventStream[] = [];
const hubs: EventHub[] = [];

beforeAll(async () => {
  h = await createHarness();
});
afterAll(async () => {
  await Promise.all(hubs.map((hub) => hub.stop()));
  for (const s of streams) await s.close().catch(() => {});
  await h?.close();
});

const STATEMENTS_PER_ROUTED_CALL = 3.5;

/** Tenants open round the clock, each with an order-taking number. */
async function openTenants(count: number): Promise<{ tenant: Tenant; number: string }[]> {
  const tenants = [];
  for (let i = 0; i < count; i++) {
    const { tenant } = await seedTenant(h.db);
    await setHours(h.db, tenant, alwaysOpen);
    const number = uniqueNumber();
    await addNumber(h.db, tenant, number, 'order_taking');
    tenants.push({ tenant, number });
  }
  return tenants;
}

describe('a set-based routing pass', () => {
  it(`offers N calls to M operators, desks told, in at most ${STATEMENTS_PER_ROUTED_CALL} statements per routed call`, async () => {
    const tenants = await openTenants(2);
    const operators = 8;
    const calls = 12;
    const desks = [];
    for (let i = 0; i < operators; i++) {
      const user = await seedRoutedOperator(h.db, tenants.map(({ tenant }) => [tenant, {}]), `op-${i}`);
      const desk = await logIn(h.app, user);
      expect((await desk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
      desks.push({ user, desk });
      h.clock.advance(1_000);
    }
    for (let i = 0; i < calls; i++) {
      const res = await telephony(h.app, h.clock, 'POST', '/api/telephony/calls', incomingCall(tenants[i % 2]!.number));
      expect(res.body.outcome).toBe('queued');
    }

    // One API process whose every statement is counted, its desks listening.
    const counted = countStatements(h.db);
    const hub = new EventHub({ db: counted.db, listen: h.database.listen, now: h.clock.now });
    hubs.push(hub);
    const app = createApp({ db: counted.db, databaseKind: h.database.kind, config: testConfig(), now: h.clock.now, events: hub });
    for (const { desk } of desks) {
      const s = await openEventStream(app, desk.token);
      streams.push(s);
      await s.until((e) => e.event === 'queue' && e.data.tenant === tenants[1]!.tenant.slug);
    }
    await hub.settled();
    counted.reset();

    const report = await dispatch(counted.db, h.clock.now());
    expect(report.offered).toBe(operators);
    const offered = await Promise.all(streams.map(async (s) => (await s.until((e) => e.event === 'offer')).at(-1)!.data.callId as string));
    expect(new Set(offered).size).toBe(operators);
    await hub.settled();

    const { statements } = counted.reset();
    expect(statements / report.offered).toBeLessThanOrEqual(STATEMENTS_PER_ROUTED_CALL);
    // A second pass with every operator holding an offer offers nothing, for a few statements.
    expect((await dispatch(counted.db, h.clock.now())).offered).toBe(0);
    expect(counted.reset().statements).toBeLessThanOrEqual(4);
  });

  it("re-reads a desk request's events with its operator's presence in one transaction", async () => {
    const [{ tenant, number }] = (await openTenants(1)) as [{ tenant: Tenant; number: string }];
    const user = await seedRoutedOperator(h.db, [[tenant, {}]], 'presence-rides');
    const desk = await logIn(h.app, user);
    expect((await desk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
    const counted = countStatements(h.db);
    const hub = new EventHub({ db: counted.db, listen: h.database.listen, now: h.clock.now });
    hubs.push(hub);
    const app = createApp({ db: h.db, databaseKind: h.database.kind, config: testConfig(), now: h.clock.now, events: hub });
    const stream = await openEventStream(app, desk.token);
    streams.push(stream);
    const call = await telephony(h.app, h.clock, 'POST', '/api/telephony/calls', incomingCall(number));
    expect((await dispatch(h.db, h.clock.now())).offered).toBe(1);
    await stream.until((e) => e.event === 'offer');
    await hub.settled();
    counted.reset();

    // The accept commits the call's event and the operator's presence together: one batch, one re-read
    // of the tenant that carries the presence too (it was a transaction of its own), then the queue snapshot.
    expect((await desk.post(`/api/t/${tenant.slug}/desk/calls/${call.body.id as string}/accept`)).status).toBe(200);
    await stream.until((e) => e.event === 'presence' && e.data.state === 'on_call');
    await hub.settled();
    expect(counted.reset().transactions).toBe(2);
  });

  it('run by three processes at once, offers no call twice and no operator two calls, and every operator one', async () => {
    const tenants = await openTenants(3);
    const operatorIds: string[] = [];
    for (let i = 0; i < 9; i++) {
      // Each operator serves two of the three tenants, so the passes compete for them across tenants.
      const user = await seedRoutedOperator(h.db, [tenants[i % 3]!, tenants[(i + 1) % 3]!].map(({ tenant }) => [tenant, {}]), `race-${i}`);
      const desk = await logIn(h.app, user);
      expect((await desk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
      operatorIds.push(user.id);
    }
    for (let i = 0; i < 15; i++) {
      expect((await telephony(h.app, h.clock, 'POST', '/api/telephony/calls', incomingCall(tenants[i % 3]!.number))).body.outcome).toBe('queued');
    }
    const reports = await Promise.all([0, 1, 2].map(() => dispatch(h.db, h.clock.now())));
    expect(reports.reduce((n, r) => n + r.offered, 0)).toBe(9);

    const offers = (
      await Promise.all(
        tenants.map(({ tenant }) =>
          withTenant(h.db, tenant.id, (tx) => tx.selectFrom('callQueue').select(['callId', 'offeredTo']).where('offeredTo', 'is not', null).execute()),
        ),
      )
    ).flat();
    expect(offers).toHaveLength(9);
    expect(new Set(offers.map((o) => o.offeredTo)).size).toBe(9);
    const presence = await withApp(h.db, (tx) => tx.selectFrom('operatorPresence').select(['operatorId', 'offerCallId']).where('operatorId', 'in', operatorIds).execute());
    // Each operator's presence names the very call its queue row offers it.
    expect(new Map(presence.map((p) => [p.operatorId, p.offerCallId]))).toEqual(new Map(offers.map((o) => [o.offeredTo!, o.callId])));
  });

  it('makes no offer to an operator whose assignment went, or whose account was disabled, after the candidates were read', async () => {
    const [{ tenant, number }] = await openTenants(1) as [{ tenant: Tenant; number: string }];
    const unassigned = await seedRoutedOperator(h.db, [[tenant, {}]], 'unassigned-meanwhile');
    const disabled = await seedRoutedOperator(h.db, [[tenant, {}]], 'disabled-meanwhile');
    for (const user of [unassigned, disabled]) expect((await (await logIn(h.app, user)).put('/api/desk/state', { state: 'available' })).status).toBe(200);
    const callIds: string[] = [];
    for (let i = 0; i < 2; i++) callIds.push((await telephony(h.app, h.clock, 'POST', '/api/telephony/calls', incomingCall(number))).body.id as string);
    // What the candidate read saw is gone by the time the tenant's claim runs.
    await withTenant(h.db, tenant.id, (tx) => tx.deleteFrom('operatorAssignments').where('operatorId', '=', unassigned.id).execute());
    await withApp(h.db, (tx) => tx.updateTable('users').set({ status: 'disabled' }).where('id', '=', disabled.id).execute());
    const plans = [
      { tenantId: tenant.id, callId: callIds[0]!, operatorId: unassigned.id, priority: 1, restart: false },
      { tenantId: tenant.id, callId: callIds[1]!, operatorId: disabled.id, priority: 1, restart: false },
    ];
    expect(await withTenant(h.db, tenant.id, (tx) => claimOffers(tx, plans, h.clock.now()))).toBe(0);
    const presence = await withApp(h.db, (tx) => tx.selectFrom('operatorPresence').select('offerCallId').where('operatorId', 'in', [unassigned.id, disabled.id]).execute());
    expect(presence.map((p) => p.offerCallId)).toEqual([null, null]);
  });
});

describe('the live events of an offer', () => {
  it("reach the operator's desk before the tenant's queue snapshot is read", async () => {
    const [{ tenant, number }] = (await openTenants(1)) as [{ tenant: Tenant; number: string }];
    const user = await seedRoutedOperator(h.db, [[tenant, {}]], 'snapshot-later');
    const desk = await logIn(h.app, user);
    expect((await desk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
    // A hub whose queue snapshots (the one read grouping call_queue) wait at a gate once it is armed.
    let armed = false;
    let held = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const snapshots = new Set<unknown>();
    const gated = h.db.withPlugin({
      transformQuery(args) {
        const text = JSON.stringify(args.node);
        if (armed && /call_?[qQ]ueue/.test(text) && /group ?by/i.test(text)) snapshots.add(args.queryId);
        return args.node;
      },
      async transformResult(args) {
        if (snapshots.has(args.queryId)) {
          held++;
          await gate;
        }
        return args.result;
      },
    });
    const hub = new EventHub({ db: gated, listen: h.database.listen, now: h.clock.now });
    hubs.push(hub);
    const app = createApp({ db: h.db, databaseKind: h.database.kind, config: testConfig(), now: h.clock.now, events: hub });
    const s = await openEventStream(app, desk.token);
    streams.push(s);
    await s.until((e) => e.event === 'queue' && e.data.tenant === tenant.slug);
    const call = await telephony(h.app, h.clock, 'POST', '/api/telephony/calls', incomingCall(number));
    await hub.settled();
    armed = true;

    expect((await dispatch(h.db, h.clock.now())).offered).toBe(1);
    // Read while the snapshot the offer's events asked for is still held: the offer did not wait for it.
    const offer = (await s.until((e) => e.event === 'offer')).at(-1)!;
    expect(offer.data.callId).toBe(call.body.id);
    release();
    const queue = (await s.until((e) => e.event === 'queue')).at(-1)!;
    expect(queue.data).toMatchObject({ tenant: tenant.slug, queues: [{ function: 'order_taking', waiting: 1 }] });
    await hub.settled();
    expect(held).toBeGreaterThanOrEqual(1);
  });
});
