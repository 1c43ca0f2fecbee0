import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closePeriodsOnce, recordUsage } from '@switchboard/api';
import { sql } from 'kysely';
import { newId, withTenant, type Tenant } from '@switchboard/db';
import {
  actorFor,
  MINUTE,
  createHarness,
  insertListPrice,
  insertTenantPrice,
  logIn,
  seedClientUser,
  seedOperator,
  seedTenant,
  seedUser,
  setBillingAccount,
  writeUsage,
  type Client,
  type Harness,
} from './support/index.ts';

/**
 * Statements end to end: usage written by recordUsage (rated when written), read back as the live
 * statement of the open period, then frozen when the month ends in the tenant's time zone.
 *
 * One timeline, in order (a file's tests run in order):
 *   2025-03-10 12:00Z  open statements, usage chart, forecast
 *   2025-03-31 21:30Z  Moscow's March has ended (00:30 on 1 April there); Paris's and New York's have not
 *   2025-04-01 00:30Z  Paris's March ends too: closed, invoiced, frozen; late usage lands on April
 *   2025-04-01 04:30Z  New York's March ends: two closing passes at once write it once
 */
let h: Harness;
let paris: Tenant;
let moscow: Tenant;
let newYork: Tenant;
let admin: Client;
let supervisor: Client;
let parisAdmin: Client;
let parisMember: Client;
let operator: Client;
let newYorkAdmin: Client;

let logInAll = async () => {};
const setClock = async (iso: string) => {
  h.clock.advance(new Date(iso).getTime() - h.clock.now().getTime());
  await logInAll();
};
const close = (billing?: Parameters<typeof closePeriodsOnce>[0]['billing']) => closePeriodsOnce({ db: h.db, now: h.clock.now, billing });
const statementOf = (who: Client, tenant: Tenant, month: string) => who.get(`/api/t/${tenant.slug}/statements/${month}`);

beforeAll(async () => {
  h = await createHarness();
  await setClock('2025-03-10T12:00:00Z');
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  const seed = (timeZone: string, name: string) => seedTenant(h.db, { actor: actorFor(provider), now: h.clock.now(), timeZone, name }).then((r) => r.tenant);
  paris = await seed('Europe/Paris', 'Pizza Paris');
  moscow = await seed('Europe/Moscow', 'Telenova Moscow');
  newYork = await seed('America/New_York', 'Bagels New York');

  // The provider's list (EUR), in effect since January.
  const list = { effectiveFrom: '2025-01-01' };
  await insertListPrice(h.db, { ...list, function: 'information', metric: 'handled_minute', rounding: 'per_second', unitAmountMinor: 90 });
  await insertListPrice(h.db, { ...list, function: 'order_taking', metric: 'handled_minute', rounding: 'per_started_minute', unitAmountMinor: 90 });
  await insertListPrice(h.db, { ...list, function: 'order_taking', metric: 'order', unitAmountMinor: 120 });
  await insertListPrice(h.db, { ...list, function: 'complaints', metric: 'complaint', unitAmountMinor: 300 });
  await insertListPrice(h.db, { ...list, function: null, metric: 'platform_fee', unitAmountMinor: 5000 });
  await insertListPrice(h.db, { ...list, function: null, metric: 'seat', unitAmountMinor: 20000 });
  // Paris negotiated its orders at 1.00 instead of the list's 1.20, and signed up for two seats and a 1,000.00 minimum.
  await insertTenantPrice(h.db, paris, { ...list, function: 'order_taking', metric: 'order', unitAmountMinor: 100 });
  await setBillingAccount(h.db, paris, { minimumCommitmentMinor: 100_000, dedicatedSeats: 2 });

  const users = [provider, await seedUser(h.db, { kind: 'supervisor' }), await seedClientUser(h.db, paris, 'client_admin')];
  users.push(await seedClientUser(h.db, paris, 'client_member'), await seedOperator(h.db, [paris]), await seedClientUser(h.db, newYork, 'client_admin'));
  // Sessions lapse after 10 idle days: everyone logs in again whenever the clock jumps.
  logInAll = async () => {
    [admin, supervisor, parisAdmin, parisMember, operator, newYorkAdmin] = (await Promise.all(users.map((u) => logIn(h.app, u)))) as [Client, Client, Client, Client, Client, Client];
  };
  await logInAll();

  // Paris's March so far, as the desk writes it: three calls, an order, a complaint.
  const call = async (fn: string, seconds: number, at: string) => {
    const sourceId = newId();
    await writeUsage(h.db, paris, { function: fn, metric: 'handled_call', quantity: 1, occurredAt: new Date(at), sourceId });
    await writeUsage(h.db, paris, { function: fn, metric: 'talk_seconds', quantity: seconds, occurredAt: new Date(at), sourceId });
  };
  await call('order_taking', 61, '2025-03-03T09:00:00Z');
  await call('information', 61, '2025-03-04T10:00:00Z');
  await call('information', 59, '2025-03-04T11:00:00Z');
  await writeUsage(h.db, paris, { function: 'order_taking', metric: 'order', quantity: 1, occurredAt: new Date('2025-03-03T09:01:00Z') });
  await writeUsage(h.db, paris, { function: 'complaints', metric: 'complaint', quantity: 1, occurredAt: new Date('2025-03-05T15:00:00Z') });
});
afterAll(() => h?.close());

/** Paris's March statement lines: the worked examples of docs/billing.md ("Periods and statements"). */
const parisMarchLines = [
  {
    lineNo: 1,
    kind: 'usage',
    function: 'information',
    metric: 'handled_minute',
    description: 'Information & advice — handled minutes (per second)',
    // 61 s at 0.90/min = 91.5 → 92; 59 s = 88.5 → 89: each call rounded half up on its own.
    quantity: 120,
    unit: 'second',
    unitAmountMinor: 90,
    rounding: 'per_second',
    priceSource: 'list',
    amountMinor: 181,
  },
  {
    lineNo: 2,
    kind: 'usage',
    function: 'order_taking',
    metric: 'handled_minute',
    description: 'Order taking — handled minutes (per started minute)',
    // 61 s per started minute = 2 minutes.
    quantity: 2,
    unit: 'minute',
    unitAmountMinor: 90,
    rounding: 'per_started_minute',
    priceSource: 'list',
    amountMinor: 180,
  },
  {
    lineNo: 3,
    kind: 'usage',
    function: 'order_taking',
    metric: 'order',
    description: 'Order taking — orders taken',
    quantity: 1,
    unit: 'order',
    unitAmountMinor: 100,
    rounding: null,
    priceSource: 'tenant',
    amountMinor: 100,
  },
  {
    lineNo: 4,
    kind: 'usage',
    function: 'complaints',
    metric: 'complaint',
    description: 'Complaints & claims — complaints handled',
    quantity: 1,
    unit: 'complaint',
    unitAmountMinor: 300,
    rounding: null,
    priceSource: 'list',
    amountMinor: 300,
  },
  {
    lineNo: 5,
    kind: 'platform_fee',
    function: null,
    metric: 'platform_fee',
    description: 'Platform fee (monthly)',
    quantity: 1,
    unit: 'month',
    unitAmountMinor: 5000,
    rounding: null,
    priceSource: 'list',
    amountMinor: 5000,
  },
  {
    lineNo: 6,
    kind: 'seat',
    function: null,
    metric: 'seat',
    description: 'Dedicated operator seats (2 × €200.00 a month)',
    quantity: 2,
    unit: 'seat',
    unitAmountMinor: 20000,
    rounding: null,
    priceSource: 'list',
    amountMinor: 40000,
  },
  {
    lineNo: 7,
    kind: 'commitment_top_up',
    function: null,
    metric: null,
    description: 'Minimum monthly commitment of €1,000.00 — top-up over usage of €7.61',
    quantity: 1,
    unit: 'month',
    unitAmountMinor: 99239,
    rounding: null,
    priceSource: null,
    amountMinor: 99239,
  },
];

describe('the open statement (10 March)', () => {
  it('rates each event when written: 61 s per started minute is 2 minutes, per second rounds half up, counts multiply', async () => {
    const events = await h.db
      .selectFrom('usageEvents')
      .select(['function', 'metric', 'quantity', 'billedQuantity', 'amountMinor', 'priceSource', 'billingPeriod'])
      .where('tenantId', '=', paris.id)
      .where('metric', '!=', 'handled_call')
      .orderBy('occurredAt')
      .execute();
    expect(events.map((e) => [e.function, e.metric, Number(e.quantity), Number(e.billedQuantity), Number(e.amountMinor), e.priceSource, e.billingPeriod])).toEqual([
      ['order_taking', 'talk_seconds', 61, 2, 180, 'list', '2025-03-01'],
      ['order_taking', 'order', 1, 1, 100, 'tenant', '2025-03-01'],
      ['information', 'talk_seconds', 61, 61, 92, 'list', '2025-03-01'],
      ['information', 'talk_seconds', 59, 59, 89, 'list', '2025-03-01'],
      ['complaints', 'complaint', 1, 1, 300, 'list', '2025-03-01'],
    ]);
  });

  it('sums them into lines per function, metric and price, then platform fee, seats and the minimum-commitment top-up', async () => {
    const res = await statementOf(parisAdmin, paris, '2025-03');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      period: '2025-03',
      status: 'open',
      currency: 'EUR',
      timeZone: 'Europe/Paris',
      periodStart: '2025-02-28T23:00:00.000Z',
      periodEnd: '2025-03-31T22:00:00.000Z',
      usageMinor: 761,
      // 761 usage + 5,000 fee + 40,000 seats + 99,239 top-up to the 100,000 minimum.
      totalMinor: 145_000,
      // The three calls' handled_call events: no price per call in this list.
      unpricedEvents: 3,
      closedAt: null,
    });
    expect(res.body.lines).toEqual(parisMarchLines);
  });

  it('forecasts the month: usage projected over the whole period from the share elapsed, plus fee, seats and top-up', async () => {
    // Paris: 229 of March's 743 hours have passed (it has 743: summer time starts on the 30th). 761 × 743 / 229 = 2,469.1.
    const parisRes = await statementOf(parisAdmin, paris, '2025-03');
    expect(parisRes.body.forecast).toEqual({ usageMinor: 2469, totalMinor: 145_000 });
    // New York, no commitment: two orders at the list's 1.20 in 223 of 743 hours: 240 × 743 / 223 = 799.6.
    for (const at of ['2025-03-05T15:00:00Z', '2025-03-06T15:00:00Z']) {
      await writeUsage(h.db, newYork, { function: 'order_taking', metric: 'order', quantity: 1, occurredAt: new Date(at) });
    }
    const nyRes = await statementOf(newYorkAdmin, newYork, '2025-03');
    expect(nyRes.body).toMatchObject({ usageMinor: 240, totalMinor: 5240, forecast: { usageMinor: 800, totalMinor: 5800 } });
  });

  it('grows as usage is written: the next order is on the statement at once', async () => {
    const before = await statementOf(newYorkAdmin, newYork, '2025-03');
    await writeUsage(h.db, newYork, { function: 'order_taking', metric: 'order', quantity: 1, occurredAt: new Date('2025-03-10T11:00:00Z') });
    const after = await statementOf(newYorkAdmin, newYork, '2025-03');
    expect(before.body.lines[0]).toMatchObject({ description: 'Order taking — orders taken', quantity: 2, amountMinor: 240, priceSource: 'list' });
    expect(after.body.lines[0]).toMatchObject({ quantity: 3, amountMinor: 360 });
    expect(after.body.totalMinor).toBe(before.body.totalMinor + 120);
  });

  it("charts the month's usage per function and day, up to today, with per-function totals", async () => {
    const res = await parisMember.get(`/api/t/${paris.slug}/usage`);
    expect(res.status).toBe(200);
    expect(res.body.period).toBe('2025-03');
    expect(res.body.timeZone).toBe('Europe/Paris');
    expect(res.body.days.map((d: { day: string }) => d.day)).toEqual(Array.from({ length: 10 }, (_, i) => `2025-03-${String(i + 1).padStart(2, '0')}`));
    const day = (d: string) => res.body.days.find((x: { day: string }) => x.day === d).byFunction;
    expect(day('2025-03-01')).toEqual({ information: 0, order_taking: 0, complaints: 0 });
    expect(day('2025-03-03')).toEqual({ information: 0, order_taking: 280, complaints: 0 });
    expect(day('2025-03-04')).toEqual({ information: 181, order_taking: 0, complaints: 0 });
    expect(day('2025-03-05')).toEqual({ information: 0, order_taking: 0, complaints: 300 });
    expect(res.body.byFunction).toEqual([
      { function: 'information', calls: 2, talkSeconds: 120, orders: 0, complaints: 0, amountMinor: 181 },
      { function: 'order_taking', calls: 1, talkSeconds: 61, orders: 1, complaints: 0, amountMinor: 280 },
      { function: 'complaints', calls: 0, talkSeconds: 0, orders: 0, complaints: 1, amountMinor: 300 },
    ]);
    expect((await parisMember.get(`/api/t/${paris.slug}/usage?period=2025-03`)).body).toEqual(res.body);
  });

  it('lists the open period with no invoice yet', async () => {
    const res = await parisAdmin.get(`/api/t/${paris.slug}/statements`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ statements: [{ period: '2025-03', status: 'open', currency: 'EUR', totalMinor: 145_000, invoice: null }] });
    expect((await parisAdmin.get(`/api/t/${paris.slug}/invoices`)).body).toEqual({ invoices: [] });
  });

  it('shows statements to provider staff and client admins, usage to client members too, neither to operators', async () => {
    for (const who of [admin, supervisor, parisAdmin]) {
      expect((await statementOf(who, paris, '2025-03')).status).toBe(200);
      expect((await who.get(`/api/t/${paris.slug}/statements`)).status).toBe(200);
      expect((await who.get(`/api/t/${paris.slug}/invoices`)).status).toBe(200);
    }
    expect((await parisMember.get(`/api/t/${paris.slug}/usage`)).status).toBe(200);
    for (const path of ['statements', 'statements/2025-03', 'invoices']) expect((await parisMember.get(`/api/t/${paris.slug}/${path}`)).status).toBe(403);
    for (const path of ['usage', 'statements', 'statements/2025-03', 'invoices']) expect((await operator.get(`/api/t/${paris.slug}/${path}`)).status).toBe(403);
    // Another company's admin: the same 404 as a company that does not exist.
    for (const path of ['usage', 'statements', 'statements/2025-03', 'invoices']) {
      const res = await newYorkAdmin.get(`/api/t/${paris.slug}/${path}`);
      expect(res.status).toBe(404);
      expect(res.text).toBe((await newYorkAdmin.get(`/api/t/no-such-company/${path}`)).text);
    }
  });

  it('answers 404 for a month in the future or before the company was onboarded, 400 for a malformed one', async () => {
    for (const month of ['2025-04', '2025-02', '1999-12']) {
      const res = await statementOf(parisAdmin, paris, month);
      expect(res.status, month).toBe(404);
      expect(res.contentType).toContain('application/problem+json');
    }
    expect((await parisAdmin.get(`/api/t/${paris.slug}/usage?period=2025-04`)).status).toBe(404);
    for (const month of ['2025-13', 'march', '2025-3', '2025-03-01']) {
      const res = await statementOf(parisAdmin, paris, month);
      expect(res.status, month).toBe(400);
      expect(res.body.errors).toMatchObject([{ path: 'period', message: 'Give a month as YYYY-MM, e.g. 2025-03.' }]);
    }
    const bad = await parisAdmin.get(`/api/t/${paris.slug}/usage?period=03-2025`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('period');
  });
});

describe("closing a month when it ends in the tenant's time zone", () => {
  it("closes Moscow's March at 21:30 UTC on the 31st (00:30 there), and nobody else's", async () => {
    await setClock('2025-03-31T21:30:00Z');
    expect(await close()).toEqual([{ tenantId: moscow.id, period: '2025-03-01' }]);
    // A month without usage still closes: the platform fee is due.
    const res = await statementOf(admin, moscow, '2025-03');
    expect(res.body).toMatchObject({ status: 'closed', usageMinor: 0, totalMinor: 5000, closedAt: '2025-03-31T21:30:00.000Z', forecast: null });
    expect(res.body.lines.map((l: { kind: string }) => l.kind)).toEqual(['platform_fee']);
    expect((await statementOf(parisAdmin, paris, '2025-03')).body.status).toBe('open');
  });

  it('bills usage at 23:30 UTC on the last day of March on April in Moscow, and on March in New York', async () => {
    const at = new Date('2025-03-31T23:30:00Z');
    await writeUsage(h.db, moscow, { function: 'order_taking', metric: 'order', quantity: 1, occurredAt: at });
    await writeUsage(h.db, newYork, { function: 'order_taking', metric: 'order', quantity: 1, occurredAt: at });
    const periods = await h.db.selectFrom('usageEvents').select(['tenantId', 'billingPeriod']).where('occurredAt', '=', at).execute();
    expect(new Map(periods.map((p) => [p.tenantId, p.billingPeriod]))).toEqual(
      new Map([
        [moscow.id, '2025-04-01'],
        [newYork.id, '2025-03-01'],
      ]),
    );
    const april = await statementOf(admin, moscow, '2025-04');
    expect(april.body).toMatchObject({ status: 'open', usageMinor: 120 });
    expect((await statementOf(admin, moscow, '2025-03')).body.usageMinor).toBe(0);
    expect((await statementOf(newYorkAdmin, newYork, '2025-03')).body.usageMinor).toBe(480);
  });

  let frozen: any;

  it("closes Paris's March once it ends there: the statement is frozen as it stood, and the none provider invoices it", async () => {
    await setClock('2025-04-01T00:30:00Z');
    const open = (await statementOf(parisAdmin, paris, '2025-03')).body;
    // The month is over: the forecast is what it came to.
    expect(open.forecast).toEqual({ usageMinor: 761, totalMinor: 145_000 });
    expect(await close()).toEqual([{ tenantId: paris.id, period: '2025-03-01' }]);
    const res = await statementOf(parisAdmin, paris, '2025-03');
    expect(res.status).toBe(200);
    frozen = res.body;
    expect(frozen).toEqual({ ...open, status: 'closed', forecast: null, closedAt: '2025-04-01T00:30:00.000Z' });
    expect(frozen.lines).toEqual(parisMarchLines);

    const invoices = (await parisAdmin.get(`/api/t/${paris.slug}/invoices`)).body.invoices;
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({
      source: 'local',
      number: `${paris.slug.toUpperCase()}-202503`,
      period: '2025-03',
      periodStart: '2025-02-28T23:00:00.000Z',
      periodEnd: '2025-03-31T22:00:00.000Z',
      currency: 'EUR',
      amountDueMinor: 145_000,
      amountPaidMinor: 0,
      status: 'open',
      issuedAt: '2025-04-01T00:30:00.000Z',
    });
    const list = (await parisAdmin.get(`/api/t/${paris.slug}/statements`)).body.statements;
    expect(list.map((s: { period: string; status: string }) => [s.period, s.status])).toEqual([
      ['2025-04', 'open'],
      ['2025-03', 'closed'],
    ]);
    expect(list[1]).toEqual({ period: '2025-03', status: 'closed', currency: 'EUR', totalMinor: 145_000, invoice: { id: invoices[0].id, status: 'open', number: invoices[0].number } });
  });

  it('stays frozen: a price change, new seats and late usage for March change April, never the closed March', async () => {
    await h.db.updateTable('prices').set({ unitAmountMinor: 7000 }).where('metric', '=', 'platform_fee').execute();
    await setBillingAccount(h.db, paris, { dedicatedSeats: 5 });
    await writeUsage(h.db, paris, { function: 'complaints', metric: 'complaint', quantity: 1, occurredAt: new Date('2025-03-20T10:00:00Z') });

    expect((await statementOf(parisAdmin, paris, '2025-03')).body).toEqual(frozen);
    const april = (await statementOf(parisAdmin, paris, '2025-04')).body;
    expect(april.lines.map((l: { kind: string; description: string; amountMinor: number }) => [l.kind, l.description, l.amountMinor])).toEqual([
      ['usage', 'Complaints & claims — complaints handled', 300],
      ['platform_fee', 'Platform fee (monthly)', 7000],
      ['seat', 'Dedicated operator seats (5 × €200.00 a month)', 100_000],
      ['commitment_top_up', 'Minimum monthly commitment of €1,000.00 — top-up over usage of €3.00', 99_700],
    ]);
    expect(april.totalMinor).toBe(207_000);
    // The late complaint is charted on April's first day.
    const usage = (await parisAdmin.get(`/api/t/${paris.slug}/usage?period=2025-04`)).body;
    expect(usage.days).toEqual([{ day: '2025-04-01', byFunction: { complaints: 300 } }]);
    expect((await parisAdmin.get(`/api/t/${paris.slug}/usage?period=2025-03`)).body.byFunction.find((f: { function: string }) => f.function === 'complaints').amountMinor).toBe(300);
  });

  it('closes nothing twice: another pass writes nothing and invoices nothing', async () => {
    const statementsBefore = await h.db.selectFrom('statements').selectAll().orderBy('tenantId').orderBy('period').execute();
    expect(await close()).toEqual([]);
    expect(await h.db.selectFrom('statements').selectAll().orderBy('tenantId').orderBy('period').execute()).toEqual(statementsBefore);
    const invoices = await h.db.selectFrom('invoices').select(['tenantId', 'period']).orderBy('tenantId').execute();
    expect(invoices.map((i) => [i.tenantId, i.period]).sort()).toEqual(
      [
        [moscow.id, '2025-03-01'],
        [paris.id, '2025-03-01'],
      ].sort(),
    );
  });

  it("writes New York's March once when two processes close at once, and tells the provider once", async () => {
    await setClock('2025-04-01T04:30:00Z');
    const told: [string, string][] = [];
    const recording = { kind: 'none' as const, periodClosed: async (_db: unknown, tenantId: string, period: string) => void told.push([tenantId, period]) };
    const [first, second] = await Promise.all([close(recording), close(recording)]);
    expect([...first, ...second]).toEqual([{ tenantId: newYork.id, period: '2025-03-01' }]);
    expect(told).toEqual([[newYork.id, '2025-03-01']]);
    const statements = await h.db.selectFrom('statements').selectAll().where('tenantId', '=', newYork.id).execute();
    expect(statements).toHaveLength(1);
    // Four orders at 1.20, and the platform fee as the list has it now (changed by hand in the test above).
    expect(Number(statements[0]!.totalMinor)).toBe(7000 + 4 * 120);
    const lines = await h.db.selectFrom('statementLines').select(['lineNo', 'kind', 'amountMinor']).where('tenantId', '=', newYork.id).orderBy('lineNo').execute();
    expect(lines.map((l) => [l.lineNo, l.kind, Number(l.amountMinor)])).toEqual([
      [1, 'usage', 480],
      [2, 'platform_fee', 7000],
    ]);
  });

  it('waits for usage being rated into the month it closes, so the usage is on the frozen statement, never lost', async () => {
    const { tenant: lisbon } = await seedTenant(h.db, { now: h.clock.now(), timeZone: 'Europe/Lisbon', name: 'Lisbon Lines' });
    await writeUsage(h.db, lisbon, { function: 'order_taking', metric: 'order', quantity: 1, occurredAt: new Date('2025-03-19T10:00:00Z') });
    let rated!: () => void;
    let commit!: () => void;
    const ratedNow = new Promise<void>((resolve) => (rated = resolve));
    const mayCommit = new Promise<void>((resolve) => (commit = resolve));
    // A request still in its transaction, having rated an order of 20 March onto March.
    const request = withTenant(h.db, lisbon.id, async (tx) => {
      await recordUsage(tx, { function: 'order_taking', metric: 'order', quantity: 1, sourceType: 'test', sourceId: newId(), occurredAt: new Date('2025-03-20T10:00:00Z') });
      rated();
      await mayCommit;
    });
    await ratedNow;
    const closing = close();
    try {
      if (h.database.kind === 'postgres') {
        // The close must be waiting for the request's rating lock (PGlite runs one transaction at a time anyway).
        const waiting = async () => Number((await sql<{ n: string }>`select count(*) as n from pg_locks where locktype = 'advisory' and not granted`.execute(h.db)).rows[0]!.n);
        let tries = 0;
        while ((await waiting()) === 0) if (++tries > 2000) throw new Error('The close never waited for the rating lock');
      }
    } finally {
      commit();
      await request;
    }
    expect(await closing).toEqual([{ tenantId: lisbon.id, period: '2025-03-01' }]);
    const march = (await statementOf(admin, lisbon, '2025-03')).body;
    expect(march).toMatchObject({ status: 'closed', usageMinor: 240 });
    expect(march.lines[0]).toMatchObject({ description: 'Order taking — orders taken', quantity: 2, amountMinor: 240 });
  });

  it("records the payment of a local invoice (provider admins only, open local invoices only), in the tenant's audit trail", async () => {
    const invoice = await h.db.selectFrom('invoices').selectAll().where('tenantId', '=', paris.id).where('period', '=', '2025-03-01').executeTakeFirstOrThrow();
    const pay = (who: Client, id: string, body: unknown = {}) => who.post(`/api/t/${paris.slug}/invoices/${id}/payment`, body);
    const stored = () => h.db.selectFrom('invoices').select(['status', 'amountPaidMinor', 'paidAt']).where('id', '=', invoice.id).executeTakeFirstOrThrow();
    expect(invoice).toMatchObject({ source: 'local', status: 'open' });

    expect((await pay(parisAdmin, invoice.id)).status).toBe(403);
    expect((await pay(supervisor, invoice.id)).status).toBe(403);
    expect((await pay(newYorkAdmin, invoice.id)).status).toBe(404);
    const future = await pay(admin, invoice.id, { paidOn: '2025-06-01' });
    expect(future.status).toBe(400);
    expect(future.body.errors).toMatchObject([{ path: 'paidOn', message: 'A payment cannot arrive in the future.' }]);
    expect((await pay(admin, invoice.id, { paidOn: 'yesterday' })).status).toBe(400);
    expect(await stored()).toMatchObject({ status: 'open', paidAt: null });

    expect((await pay(admin, invoice.id, { paidOn: '2025-03-31' })).status).toBe(204);
    expect(await stored()).toMatchObject({ status: 'paid', amountPaidMinor: expect.anything(), paidAt: new Date('2025-03-31T12:00:00Z') });
    expect(Number((await stored()).amountPaidMinor)).toBe(Number(invoice.amountDueMinor));
    const listed = (await parisAdmin.get(`/api/t/${paris.slug}/invoices`)).body.invoices.find((i: { id: string }) => i.id === invoice.id);
    expect(listed).toMatchObject({ status: 'paid', amountPaidMinor: Number(invoice.amountDueMinor), paidAt: '2025-03-31T12:00:00.000Z' });
    expect((await pay(admin, invoice.id)).status).toBe(409);
    const audit = await h.db.selectFrom('auditLog').select(['action', 'targetId']).where('tenantId', '=', paris.id).where('action', '=', 'invoice.paid').execute();
    expect(audit).toEqual([{ action: 'invoice.paid', targetId: invoice.id }]);

    // Stripe's invoices are settled by Stripe.
    const stripeInvoice = newId();
    await h.db
      .insertInto('invoices')
      .values({ tenantId: paris.id, id: stripeInvoice, source: 'stripe', stripeInvoiceId: 'in_test_1', currency: 'EUR', amountDueMinor: 100, status: 'open' })
      .execute();
    expect((await pay(admin, stripeInvoice)).status).toBe(409);
    expect((await pay(admin, newId())).status).toBe(404);
  });

  it('tells the provider again later when it failed, until it has heard of the closed month once', async () => {
    const { tenant: oslo } = await seedTenant(h.db, { now: h.clock.now(), timeZone: 'Europe/Oslo', name: 'Oslo Lines' });
    await writeUsage(h.db, oslo, { function: 'order_taking', metric: 'order', quantity: 1, occurredAt: new Date('2025-03-19T10:00:00Z') });
    const told: string[] = [];
    let down = true;
    const flaky = {
      kind: 'none' as const,
      periodClosed: async (_db: unknown, tenantId: string, period: string) => {
        if (tenantId !== oslo.id) return;
        if (down) throw new Error('provider unreachable');
        told.push(period);
      },
    };
    const errors: unknown[] = [];
    const pass = () => closePeriodsOnce({ db: h.db, now: h.clock.now, billing: flaky, onError: (e) => errors.push(e) });
    expect(await pass()).toEqual([{ tenantId: oslo.id, period: '2025-03-01' }]);
    expect(errors).toHaveLength(1);
    const notified = () => h.db.selectFrom('statements').select('providerNotifiedAt').where('tenantId', '=', oslo.id).executeTakeFirstOrThrow();
    expect((await notified()).providerNotifiedAt).toBeNull();
    down = false;
    // A pass right away leaves it to the pass that closed it (which may still be telling the provider).
    await pass();
    expect(told).toEqual([]);
    h.clock.advance(6 * MINUTE);
    await pass();
    expect(told).toEqual(['2025-03-01']);
    expect((await notified()).providerNotifiedAt).not.toBeNull();
    await pass();
    expect(told).toEqual(['2025-03-01']);
  });
});
