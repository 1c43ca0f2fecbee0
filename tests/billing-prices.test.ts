import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, withTenant, type Tenant } from '@switchboard/db';
import { lockPriceList, recordUsage } from '@switchboard/api';
import { sql } from 'kysely';
import {
  actorFor,
  createClock,
  createHarness,
  DAY,
  logIn,
  seedClientUser,
  seedOperator,
  seedTenant,
  seedUser,
  type App,
  type Client,
  type Clock,
  type Harness,
} from './support/index.ts';

/**
 * Prices (issue 5): the provider's dated price list, tenants' negotiated prices and billing accounts.
 * The clock is moved by hand: "today" is 2026-03-10 (UTC, and in Paris) until a test moves it.
 */
let h: Harness;
let clock: Clock;
let app: App;
let tenant: Tenant;
let other: Tenant;
let providerAdmin: Client;
let supervisor: Client;
let clientAdmin: Client;
let clientMember: Client;
let operator: Client;
let otherAdmin: Client;

const LIST = '/api/billing/prices';
const tenantPrices = (t: Tenant = tenant) => `/api/t/${t.slug}/billing/prices`;
const account = (t: Tenant = tenant) => `/api/t/${t.slug}/billing/account`;

const order = (amount: number, effectiveFrom: string, extra: Record<string, unknown> = {}) => ({
  function: 'order_taking',
  metric: 'order',
  currency: 'EUR',
  unitAmountMinor: amount,
  effectiveFrom,
  ...extra,
});
const minutes = (amount: number, effectiveFrom: string, rounding = 'per_started_minute') => ({
  function: 'information',
  metric: 'handled_minute',
  currency: 'EUR',
  unitAmountMinor: amount,
  rounding,
  effectiveFrom,
});

const listRows = () => h.db.selectFrom('prices').selectAll().orderBy('effectiveFrom').execute();
const platformAudit = (action: string) => h.db.selectFrom('platformAuditLog').selectAll().where('action', '=', action).execute();
const errorPaths = (body: unknown) => (body as { errors: { path: string }[] }).errors.map((e) => e.path);

/** Writes one usage event of a tenant, as the desk does, and answers its stored rating. */
async function usage(t: Tenant, input: { function: string; metric: 'order' | 'talk_seconds'; quantity: number; at: string }) {
  const sourceId = newId();
  await withTenant(h.db, t.id, (tx) =>
    recordUsage(tx, { function: input.function, metric: input.metric, quantity: input.quantity, sourceType: 'test', sourceId, occurredAt: input.at }),
  );
  const row = await h.db.selectFrom('usageEvents').selectAll().where('tenantId', '=', t.id).where('sourceId', '=', sourceId).executeTakeFirstOrThrow();
  return { id: row.id, amountMinor: Number(row.amountMinor), unitAmountMinor: row.unitAmountMinor === null ? null : Number(row.unitAmountMinor), priceSource: row.priceSource, priceId: row.priceId };
}
const amountOf = async (id: string) =>
  Number((await h.db.selectFrom('usageEvents').select('amountMinor').where('id', '=', id).executeTakeFirstOrThrow()).amountMinor);

beforeAll(async () => {
  h = await createHarness();
  clock = createClock(new Date('2026-03-10T12:00:00Z'));
  app = h.buildApp({ clock });
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { actor: actorFor(provider), currency: 'EUR', timeZone: 'Europe/Paris' }));
  ({ tenant: other } = await seedTenant(h.db, { actor: actorFor(provider), currency: 'EUR', timeZone: 'Europe/Paris' }));
  providerAdmin = await logIn(app, provider);
  supervisor = await logIn(app, await seedUser(h.db, { kind: 'supervisor' }));
  clientAdmin = await logIn(app, await seedClientUser(h.db, tenant, 'client_admin'));
  clientMember = await logIn(app, await seedClientUser(h.db, tenant, 'client_member'));
  operator = await logIn(app, await seedOperator(h.db, [tenant]));
  otherAdmin = await logIn(app, await seedClientUser(h.db, other, 'client_admin'));
});
afterAll(() => h?.close());

describe('the price list', () => {
  it('starts empty and is read by provider staff only', async () => {
    for (const who of [providerAdmin, supervisor]) {
      const res = await who.get(LIST);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ today: '2026-03-10', prices: [] });
    }
    for (const who of [clientAdmin, clientMember, operator]) expect((await who.get(LIST)).status).toBe(403);
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    ['an unknown currency', order(120, '2026-03-10', { currency: 'XYZ' }), 'currency'],
    ['a lower-case currency', order(120, '2026-03-10', { currency: 'eur' }), 'currency'],
    ['a negative price', order(-1, '2026-03-10'), 'unitAmountMinor'],
    ['a price in fractions of a cent', order(1.5, '2026-03-10'), 'unitAmountMinor'],
    ['a price too large', order(100_000_001, '2026-03-10'), 'unitAmountMinor'],
    ['handled minutes without rounding', { ...minutes(90, '2026-03-10'), rounding: undefined }, 'rounding'],
    ['an order with rounding', order(120, '2026-03-10', { rounding: 'per_second' }), 'rounding'],
    ['a platform fee for a function', { function: 'information', metric: 'platform_fee', currency: 'EUR', unitAmountMinor: 4900, effectiveFrom: '2026-03-10' }, 'function'],
    ['a usage price for no function', order(120, '2026-03-10', { function: null }), 'function'],
    ['an unknown function', order(120, '2026-03-10', { function: 'teleportation' }), 'function'],
    ['a start in the past', order(120, '2026-03-09'), 'effectiveFrom'],
    ['a day that does not exist', order(120, '2026-02-30'), 'effectiveFrom'],
    ['an end before the start', order(120, '2026-03-12', { effectiveTo: '2026-03-12' }), 'effectiveTo'],
  ];
  it.each(invalid)('refuses %s with its path (400 problem+json), saving nothing — not even the valid entry beside it', async (_, bad, field) => {
    const res = await providerAdmin.post(LIST, { prices: [minutes(90, '2026-03-10'), bad] });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(errorPaths(res.body)).toEqual([`prices.1.${field}`]);
    expect(await listRows()).toEqual([]);
  });

  it('lists every problem of a request at once, overlaps between its own entries included', async () => {
    const res = await providerAdmin.post(LIST, {
      prices: [
        order(-5, '2026-03-09'),
        { ...minutes(90, '2026-03-10'), currency: 'XYZ', rounding: undefined },
        order(120, '2026-03-10'),
        order(130, '2026-03-20', { effectiveTo: '2026-04-01' }),
      ],
    });
    expect(res.status).toBe(400);
    expect((res.body as { errors: unknown[] }).errors).toMatchObject([
      { path: 'prices.0.unitAmountMinor', message: 'A price cannot be negative.' },
      { path: 'prices.0.effectiveFrom', message: 'A price starts today (2026-03-10) at the earliest: usage already rated is never re-rated.' },
      { path: 'prices.1.currency', message: 'Use an ISO 4217 currency code such as EUR.' },
      { path: 'prices.1.rounding', message: 'Say how talk time is counted: per_started_minute (61 s = 2 minutes) or per_second.' },
      { path: 'prices.3.effectiveFrom', message: 'Overlaps prices.2 (order_taking order EUR from 2026-03-10 on).' },
    ]);
    expect(await listRows()).toEqual([]);
    expect(await platformAudit('prices.changed')).toEqual([]);
  });

  it('refuses an unknown metric and an unknown field as invalid input', async () => {
    for (const bad of [order(120, '2026-03-10', { metric: 'per_hug' }), order(120, '2026-03-10', { discount: 5 })]) {
      const res = await providerAdmin.post(LIST, { prices: [bad] });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    expect(await listRows()).toEqual([]);
  });

  it('may be changed by provider admins only', async () => {
    for (const who of [supervisor, clientAdmin, clientMember, operator]) {
      expect((await who.post(LIST, { prices: [order(120, '2026-03-10')] })).status).toBe(403);
    }
    expect(await listRows()).toEqual([]);
  });

  it('adds versions from today with one platform audit row; the new versions apply to usage at once', async () => {
    const res = await providerAdmin.post(LIST, {
      prices: [order(120, '2026-03-10'), minutes(90, '2026-03-10'), { function: null, metric: 'platform_fee', currency: 'EUR', unitAmountMinor: 4900, effectiveFrom: '2026-03-10' }],
    });
    expect(res.status).toBe(201);
    const added = (res.body as { prices: Record<string, unknown>[] }).prices;
    expect(added.map((p) => [p.function, p.metric, p.unitAmountMinor, p.rounding, p.effectiveFrom, p.effectiveTo, p.state])).toEqual([
      ['information', 'handled_minute', 90, 'per_started_minute', '2026-03-10', null, 'current'],
      ['order_taking', 'order', 120, null, '2026-03-10', null, 'current'],
      [null, 'platform_fee', 4900, null, '2026-03-10', null, 'current'],
    ]);
    expect(await platformAudit('prices.changed')).toHaveLength(1);
    // 61 s per started minute: 2 minutes at 90.
    expect(await usage(tenant, { function: 'information', metric: 'talk_seconds', quantity: 61, at: '2026-03-10T12:00:00Z' })).toMatchObject({ amountMinor: 180, priceSource: 'list' });
  });

  it('changes a price from a later day: the open-ended version ends there, and usage already written keeps its amount', async () => {
    const before = await usage(tenant, { function: 'order_taking', metric: 'order', quantity: 1, at: '2026-03-10T12:00:00Z' });
    expect(before).toMatchObject({ amountMinor: 120, unitAmountMinor: 120 });

    const res = await providerAdmin.post(LIST, { prices: [order(150, '2026-03-12')] });
    expect(res.status).toBe(201);
    const versions = (await providerAdmin.get(LIST)).body as { prices: Record<string, unknown>[] };
    expect(versions.prices.filter((p) => p.function === 'order_taking').map((p) => [p.unitAmountMinor, p.effectiveFrom, p.effectiveTo, p.state])).toEqual([
      [120, '2026-03-10', '2026-03-12', 'current'],
      [150, '2026-03-12', null, 'future'],
    ]);

    // The day before the change still rates at 120; from the change on, 150. What was written stays.
    const eve = await usage(tenant, { function: 'order_taking', metric: 'order', quantity: 1, at: '2026-03-11T20:00:00Z' });
    clock.advance(2 * DAY);
    const after = await usage(tenant, { function: 'order_taking', metric: 'order', quantity: 1, at: '2026-03-12T12:00:00Z' });
    expect([eve.amountMinor, after.amountMinor]).toEqual([120, 150]);
    expect(after.priceId).not.toBe(before.priceId);
    expect(await amountOf(before.id)).toBe(120);
    expect(await amountOf(eve.id)).toBe(120);
  });

  it('refuses any other overlap with a stored version, naming it', async () => {
    // Today is 2026-03-12: order_taking is [03-10, 03-12) past and [03-12, …) current.
    const sameDay = await providerAdmin.post(LIST, { prices: [order(160, '2026-03-12')] });
    expect(sameDay.status).toBe(400);
    expect((sameDay.body as { errors: unknown[] }).errors).toMatchObject([
      { path: 'prices.0.effectiveFrom', message: 'order_taking order EUR already has a current price from 2026-03-12 on that overlaps this one.' },
    ]);
    const scheduled = await providerAdmin.post(LIST, { prices: [order(170, '2026-04-01', { effectiveTo: '2026-05-01' })] });
    expect(scheduled.status).toBe(201);
    // Starts inside a version that is not open-ended (it now ends on 04-01), and runs into another one.
    const inside = await providerAdmin.post(LIST, { prices: [order(165, '2026-03-20', { effectiveTo: '2026-04-15' })] });
    expect(inside.status).toBe(400);
    expect(errorPaths(inside.body)).toEqual(['prices.0.effectiveFrom', 'prices.0.effectiveFrom']);
    const rows = (await listRows()).filter((r) => r.function === 'order_taking');
    expect(rows.map((r) => [Number(r.unitAmountMinor), r.effectiveFrom, r.effectiveTo])).toEqual([
      [120, '2026-03-10', '2026-03-12'],
      [150, '2026-03-12', '2026-04-01'],
      [170, '2026-04-01', '2026-05-01'],
    ]);
  });

  it('deletes only a version that has not started (409 otherwise), re-opening the version it ended', async () => {
    const rows = (await listRows()).filter((r) => r.function === 'order_taking');
    const [past, current, future] = rows;
    for (const version of [past!, current!]) {
      const res = await providerAdmin.delete(`${LIST}/${version.id}`);
      expect(res.status).toBe(409);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    for (const who of [supervisor, clientAdmin, operator]) expect((await who.delete(`${LIST}/${future!.id}`)).status).toBe(403);
    expect((await providerAdmin.delete(`${LIST}/01970f3e-8a4c-7d2e-9b1a-4f6c2d8e0a11`)).status).toBe(404);
    expect((await providerAdmin.delete(`${LIST}/not-a-uuid`)).status).toBe(404);

    expect((await providerAdmin.delete(`${LIST}/${future!.id}`)).status).toBe(204);
    const left = (await listRows()).filter((r) => r.function === 'order_taking');
    expect(left.map((r) => [Number(r.unitAmountMinor), r.effectiveFrom, r.effectiveTo])).toEqual([
      [120, '2026-03-10', '2026-03-12'],
      [150, '2026-03-12', null],
    ]);
    expect(await platformAudit('prices.deleted')).toHaveLength(1);
  });

  it('lets exactly one of several concurrent overlapping changes win', async () => {
    // The same new price from the same day, sent at once: without the list's lock each would read no
    // version yet and all would be saved.
    const send = () =>
      Promise.all(
        [300, 310, 320].map((amount) =>
          providerAdmin.post(LIST, { prices: [{ function: 'surveys', metric: 'completed_survey', currency: 'EUR', unitAmountMinor: amount, effectiveFrom: '2026-03-20' }] }),
        ),
      );
    let results: Awaited<ReturnType<typeof send>>;
    if (h.database.kind === 'postgres') {
      // Make the race certain: hold the list's lock until all three requests wait for it, then let them go.
      const { pending } = await h.db.transaction().execute(async (tx) => {
        await lockPriceList(tx, { kind: 'list' });
        const pending = send();
        let settled = false;
        // Settled either way; a rejection is the test's, through `await pending` below, not an unhandled one.
        void pending.then(
          () => (settled = true),
          () => (settled = true),
        );
        const waiting = sql<{ n: string }>`select count(*) as n from pg_locks
          where locktype = 'advisory' and not granted and database = (select oid from pg_database where datname = current_database())`;
        while (!settled && Number((await waiting.execute(tx)).rows[0]!.n) < 3) await new Promise((resolve) => setImmediate(resolve));
        return { pending };
      });
      results = await pending;
    } else {
      // PGlite runs one transaction at a time: the requests are serialized by the database itself.
      results = await send();
    }
    expect(results.map((r) => r.status).sort()).toEqual([201, 400, 400]);
    expect((await listRows()).filter((r) => r.function === 'surveys')).toHaveLength(1);
  });
});

describe("a tenant's prices", () => {
  it('are read by the tenant’s client users and provider staff; another tenant’s users get 404, operators 403', async () => {
    for (const who of [providerAdmin, supervisor, clientAdmin, clientMember]) expect((await who.get(tenantPrices())).status).toBe(200);
    expect((await otherAdmin.get(tenantPrices())).status).toBe(404);
    expect((await operator.get(tenantPrices())).status).toBe(403);
  });

  it('are negotiated by provider admins only, in the tenant’s currency', async () => {
    for (const who of [supervisor, clientAdmin, clientMember, operator]) {
      expect((await who.post(tenantPrices(), { prices: [order(95, '2026-03-12')] })).status).toBe(403);
    }
    const rub = await providerAdmin.post(tenantPrices(), { prices: [order(95, '2026-03-12', { currency: 'RUB' }), order(-1, '2026-03-11')] });
    expect(rub.status).toBe(400);
    expect((rub.body as { errors: unknown[] }).errors).toMatchObject([
      { path: 'prices.0.currency', message: 'A negotiated price is in the tenant’s currency, EUR.' },
      { path: 'prices.1.unitAmountMinor', message: 'A price cannot be negative.' },
      { path: 'prices.1.effectiveFrom', message: 'A price starts today (2026-03-12) at the earliest: usage already rated is never re-rated.' },
    ]);
    expect(await h.db.selectFrom('tenantPrices').selectAll().execute()).toEqual([]);
  });

  it('win over the list for the tenant only, and are audited in its own log', async () => {
    const res = await providerAdmin.post(tenantPrices(), { prices: [order(95, '2026-03-12')] });
    expect(res.status).toBe(201);
    // The company delegates order taking, not information: each price says so.
    await h.db.insertInto('delegations').values({ tenantId: tenant.id, function: 'order_taking', delegated: true, expectedMonthlyVolume: 0, updatedBy: 'test' }).execute();
    const page = (await clientMember.get(tenantPrices())).body as {
      currency: string;
      today: string;
      effective: { function: string | null; metric: string; source: string; delegated: boolean; price: { unitAmountMinor: number } }[];
      negotiated: { unitAmountMinor: number; state: string }[];
    };
    expect(page.currency).toBe('EUR');
    expect(page.today).toBe('2026-03-12');
    expect(page.effective.map((e) => [e.function, e.metric, e.price.unitAmountMinor, e.source])).toEqual([
      ['information', 'handled_minute', 90, 'list'],
      ['order_taking', 'order', 95, 'tenant'],
      [null, 'platform_fee', 4900, 'list'],
    ]);
    expect(page.effective.map((e) => [e.function, e.delegated])).toEqual([
      ['information', false],
      ['order_taking', true],
      [null, true],
    ]);
    expect(page.negotiated.map((p) => [p.unitAmountMinor, p.state])).toEqual([[95, 'current']]);
    const others = (await otherAdmin.get(tenantPrices(other))).body as typeof page;
    expect(others.effective.find((e) => e.metric === 'order')).toMatchObject({ source: 'list', price: { unitAmountMinor: 150 } });
    expect(others.negotiated).toEqual([]);

    expect(await usage(tenant, { function: 'order_taking', metric: 'order', quantity: 1, at: '2026-03-12T13:00:00Z' })).toMatchObject({ amountMinor: 95, priceSource: 'tenant' });
    expect(await usage(other, { function: 'order_taking', metric: 'order', quantity: 1, at: '2026-03-12T13:00:00Z' })).toMatchObject({ amountMinor: 150, priceSource: 'list' });
    expect(await h.db.selectFrom('auditLog').select('tenantId').where('action', '=', 'tenant_prices.changed').execute()).toEqual([{ tenantId: tenant.id }]);
    // The portal's delegation estimate uses the function's price for this tenant: the negotiated one.
    const delegations = (await clientMember.get(`/api/t/${tenant.slug}/delegations`)).body as { functions: { function: string; price: unknown }[] };
    expect(delegations.functions.find((f) => f.function === 'order_taking')?.price).toEqual({ metric: 'order', unitPriceMinor: 95, currency: 'EUR' });
    expect(delegations.functions.find((f) => f.function === 'information')?.price).toEqual({ metric: 'handled_minute', unitPriceMinor: 90, currency: 'EUR' });
  });

  it('are deleted only before they start, and never through another tenant', async () => {
    const [current] = await h.db.selectFrom('tenantPrices').selectAll().where('tenantId', '=', tenant.id).execute();
    expect((await providerAdmin.delete(`${tenantPrices()}/${current!.id}`)).status).toBe(409);
    const scheduled = await providerAdmin.post(tenantPrices(), { prices: [order(90, '2026-04-01')] });
    const id = (scheduled.body as { prices: { id: string }[] }).prices[0]!.id;
    expect((await providerAdmin.delete(`${tenantPrices(other)}/${id}`)).status).toBe(404);
    expect((await clientAdmin.delete(`${tenantPrices()}/${id}`)).status).toBe(403);
    expect((await providerAdmin.delete(`${tenantPrices()}/${id}`)).status).toBe(204);
    const left = await h.db.selectFrom('tenantPrices').select(['unitAmountMinor', 'effectiveTo']).where('tenantId', '=', tenant.id).execute();
    expect(left.map((r) => [Number(r.unitAmountMinor), r.effectiveTo])).toEqual([[95, null]]);
  });
});

describe("a tenant's billing account", () => {
  const defaults = {
    currency: 'EUR',
    minimumCommitmentMinor: 0,
    dedicatedSeats: 0,
    provider: 'none',
    pastDueSince: null,
    graceEndsAt: null,
    stripeCustomerId: null,
    subscriptionStatus: null,
  };

  it('reads the defaults until set, for provider staff and the tenant’s client admins only', async () => {
    for (const who of [providerAdmin, supervisor, clientAdmin]) expect((await who.get(account())).body).toEqual(defaults);
    for (const who of [clientMember, operator]) expect((await who.get(account())).status).toBe(403);
    expect((await otherAdmin.get(account())).status).toBe(404);
  });

  it('refuses invalid values with their paths and lets only provider admins set it, audited', async () => {
    const bad = await providerAdmin.put(account(), { minimumCommitmentMinor: -1, dedicatedSeats: 2.5 });
    expect(bad.status).toBe(400);
    expect(errorPaths(bad.body)).toEqual(['minimumCommitmentMinor', 'dedicatedSeats']);
    const more = await providerAdmin.put(account(), { minimumCommitmentMinor: 100, dedicatedSeats: 20_000, plan: 'gold' });
    expect(more.status).toBe(400);
    expect(errorPaths(more.body)).toEqual(expect.arrayContaining(['dedicatedSeats']));
    for (const who of [supervisor, clientAdmin, clientMember, operator]) {
      expect((await who.put(account(), { minimumCommitmentMinor: 150000, dedicatedSeats: 2 })).status).toBe(403);
    }
    expect(await h.db.selectFrom('billingAccounts').selectAll().execute()).toEqual([]);

    const res = await providerAdmin.put(account(), { minimumCommitmentMinor: 150000, dedicatedSeats: 2 });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ...defaults, minimumCommitmentMinor: 150000, dedicatedSeats: 2 });
    expect((await clientAdmin.get(account())).body).toEqual({ ...defaults, minimumCommitmentMinor: 150000, dedicatedSeats: 2 });
    expect((await otherAdmin.get(account(other))).body).toEqual(defaults);
    expect((await providerAdmin.put(account(), { minimumCommitmentMinor: 150000, dedicatedSeats: 2 })).status).toBe(200);
    const audit = await h.db.selectFrom('auditLog').selectAll().where('action', '=', 'billing_account.changed').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ tenantId: tenant.id, before: null, after: { minimumCommitmentMinor: 150000, dedicatedSeats: 2 } });
  });

  it('says when a past-due tenant’s grace period ends (BILLING_GRACE_DAYS)', async () => {
    await withTenant(h.db, tenant.id, (tx) => tx.updateTable('billingAccounts').set({ pastDueSince: new Date('2026-03-01T08:00:00Z') }).execute());
    expect((await clientAdmin.get(account())).body).toMatchObject({ pastDueSince: '2026-03-01T08:00:00.000Z', graceEndsAt: '2026-03-15T08:00:00.000Z' });
    const shortGrace = h.buildApp({ clock, env: { BILLING_GRACE_DAYS: '3' } });
    const admin = await logIn(shortGrace, await seedClientUser(h.db, tenant, 'client_admin'));
    expect((await admin.get(account())).body).toMatchObject({ graceEndsAt: '2026-03-04T08:00:00.000Z' });
  });
});
