import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KyselyPlugin } from 'kysely';
import { StatementCounter, type Tenant } from '@switchboard/db';
import { createApp, dispatch, EventHub } from '@switchboard/api';
import { actorFor, createHarness, logIn, seedClientUser, seedOperator, seedTenant, seedUser, testConfig, type App, type Client, type Harness } from './support/index.ts';
import { insertCall, seedPizzaCatalog } from './support/records.ts';
import { addNumber, addWrapUpCode, alwaysOpen, incomingCall, seedRoutedOperator, setHours, telephony, uniqueNumber } from './support/routing.ts';

/**
 * The round-trip budget of the hottest requests (issue 13): taking an order and reading one. Counted
 * through a statement-counting plugin on the app's own database handle, not timed, so a change that
 * sends more statements per request fails here whatever the machine.
 */
let h: Harness;
let tenant: Tenant;
let counter: StatementCounter;
let clientAdmin: Client;
let operator: Client;
let callId: string;
let app: App;

beforeAll(async () => {
  h = await createHarness();
  counter = new StatementCounter(true);
  const db = h.db.withPlugin(counter).withPlugin(counterWatch);
  app = createApp({ db, databaseKind: h.database.kind, config: testConfig(), now: h.clock.now, events: new EventHub({ db, listen: h.database.listen, now: h.clock.now }) });
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { actor: actorFor(provider) }));
  clientAdmin = await logIn(app, await seedClientUser(h.db, tenant, 'client_admin'));
  const operatorUser = await seedOperator(h.db, [tenant]);
  operator = await logIn(app, operatorUser);
  callId = await insertCall(h.db, tenant, { status: 'connected', operatorId: operatorUser.id, callerNumber: '+33611223344', answeredAfterSeconds: 5 });
  await seedPizzaCatalog(clientAdmin, tenant);
});
afterAll(() => h.close());

const order = { customer: { phone: '+33 6 11 22 33 44', name: 'Paul' }, items: [{ sku: 'TIRAMISU', quantity: 2 }], paymentMethod: 'cash' };

/** Which statements of the last request touch the tenant's order counter (the number lock: its row lock, held to commit). */
const counterTouched: boolean[] = [];
const counterWatch: KyselyPlugin = {
  transformQuery: (args) => (counterTouched.push(/order_?[cC]ounters/.test(JSON.stringify(args.node))), args.node),
  transformResult: async (args) => args.result,
};

async function counted<T>(request: () => Promise<T>): Promise<{ result: T; statements: number; transactions: number; log: string[]; counterAt: number[] }> {
  counter.reset();
  counterTouched.length = 0;
  const result = await request();
  const counterAt = counterTouched.flatMap((touched, i) => (touched ? [i] : []));
  return { result, statements: counter.statements, transactions: counter.transactions, log: [...counter.log], counterAt };
}

describe('statements per request', () => {
  it('takes an order (client admin) in one transaction and few statements', async () => {
    const run = await counted(() => clientAdmin.post(`/api/t/${tenant.slug}/orders`, order));
    expect(run.result.status, run.log.join('\n')).toBe(201);
    // The tenant's number lock (its order_counters row) is taken by the last statement only, which numbers,
    // writes, audits and reads back the order: the lock covers it and the commit.
    expect(run.counterAt, run.log.join('\n')).toEqual([run.log.length - 1]);
    expect(run.log.some((s) => s.includes('pg_advisory_xact_lock(')), run.log.join('\n')).toBe(false);
    expect(run.transactions, run.log.join('\n')).toBe(1);
    // Role and tenant; session, tenant, admission and rules; catalog; the customer (upsert, audit, event);
    // the billing lock; the price and last closed period; the usage event with its outbox row; the order:
    // 8 statements, 10 round trips with BEGIN and COMMIT (issue 13's first measure: 33 in 3 transactions).
    expect(run.statements, run.log.join('\n')).toBe(8);
  });

  it('takes an order on a call (operator, with an Idempotency-Key) in one transaction', async () => {
    const take = () => operator.post(`/api/t/${tenant.slug}/orders`, { ...order, callId }, { 'idempotency-key': 'k-1' });
    const run = await counted(take);
    expect(run.result.status, run.log.join('\n')).toBe(201);
    expect(run.transactions, run.log.join('\n')).toBe(1);
    expect(run.statements, run.log.join('\n')).toBeLessThanOrEqual(18);
    expect(run.counterAt, run.log.join('\n')).toEqual([run.log.length - 1]);
    // The key was claimed before the number was taken: the retry answers the same order, and takes no number.
    const replay = await counted(take);
    expect(replay.result.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.result.body.id).toBe(run.result.body.id);
    expect(replay.result.body.number).toBe(run.result.body.number);
    expect(replay.counterAt, replay.log.join('\n')).toEqual([]);
  });

  it('reads one order in one transaction and 3 statements', async () => {
    const created = await clientAdmin.post(`/api/t/${tenant.slug}/orders`, order);
    const run = await counted(() => clientAdmin.get(`/api/t/${tenant.slug}/orders/${created.body.id as string}`));
    expect(run.result.status).toBe(200);
    expect(run.transactions, run.log.join('\n')).toBe(1);
    // Role and tenant; session, tenant, admission and rules; the order.
    expect(run.statements, run.log.join('\n')).toBe(3);
  });

  it('receives a call in two transactions (the signature, the call) and at most 8 statements', async () => {
    await setHours(h.db, tenant, alwaysOpen);
    const number = uniqueNumber();
    await addNumber(h.db, tenant, number, 'order_taking');
    const call = incomingCall(number);
    const run = await counted(() => telephony(app, h.clock, 'POST', '/api/telephony/calls', call));
    expect(run.result.status, run.log.join('\n')).toBe(200);
    expect(run.result.body.outcome).toBe('queued');
    expect(run.transactions, run.log.join('\n')).toBe(2);
    // The signature; role and tenant, the number's tenant and the caller's open calls, the hours (one
    // statement for four tables), the rules, the queue insert with its event (11 before issue 13's fourth round).
    expect(run.statements, run.log.join('\n')).toBeLessThanOrEqual(8);
    // The same report again (signed a second later) answers the same call.
    h.clock.advance(1000);
    const again = await counted(() => telephony(app, h.clock, 'POST', '/api/telephony/calls', call));
    expect(again.result.body.id).toBe(run.result.body.id);
  });

  it('accepts, hangs up and wraps up a call, each in one transaction, at most 12, 17 and 9 statements', async () => {
    // A tenant of its own: no call of the tests above waits in its queue.
    const { tenant: own } = await seedTenant(h.db);
    await setHours(h.db, own, alwaysOpen);
    const number = uniqueNumber();
    await addNumber(h.db, own, number, 'order_taking');
    await addWrapUpCode(h.db, own, 'resolved', h.clock.now());
    const user = await seedRoutedOperator(h.db, [[own, {}]], 'budget');
    const desk = await logIn(app, user);
    expect((await desk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
    const arrival = await telephony(app, h.clock, 'POST', '/api/telephony/calls', incomingCall(number));
    expect((await dispatch(h.db, h.clock.now())).offered).toBe(1);
    const path = `/api/t/${own.slug}/desk/calls/${arrival.body.id as string}`;
    // Each a presence change of one statement (six before issue 13's fourth round: 17, 23 and 16 statements
    // then), each step of the call's timeline one statement with its notification. Issue 17: accept and hang-up
    // also write the adapter's command (bridge: the operator's voice leg read, then the insert; hang_up: the
    // survey read, then the insert), in the same transaction.
    const budgets: [string, () => Promise<{ status: number }>, number][] = [
      ['accept', () => desk.post(`${path}/accept`), 12],
      ['hang up', () => desk.post(`${path}/hangup`), 17],
      ['wrap up', () => desk.post(`${path}/wrap-up`, { disposition: 'resolved', notes: 'Counted.' }), 9],
    ];
    for (const [what, request, budget] of budgets) {
      const run = await counted(request);
      expect(run.result.status, `${what}\n${run.log.join('\n')}`).toBe(200);
      expect(run.transactions, `${what}\n${run.log.join('\n')}`).toBe(1);
      expect(run.statements, `${what}\n${run.log.join('\n')}`).toBeLessThanOrEqual(budget);
    }
  });
});
