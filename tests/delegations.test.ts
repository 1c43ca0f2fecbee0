import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '@switchboard/db';
import { actorFor, createHarness, DAY, insertListPrice, insertTenantPrice, logIn, seedClientUser, seedOperator, seedTenant, seedUser, setBillingAccount, type Client, type Harness } from './support/index.ts';

/** Delegated functions: the provider's price list, and per tenant what is delegated, what it requires and what it would cost. */
let h: Harness;
let tenant: Tenant;
let clientAdmin: Client;
let clientMember: Client;
let operator: Client;
let providerAdmin: Client;
let supervisor: Client;

const prices = [
  { function: 'order_taking', metric: 'order', unitPriceMinor: 120, currency: 'EUR' },
  { function: 'order_taking', metric: 'order', unitPriceMinor: 9900, currency: 'RUB' },
  { function: 'information', metric: 'handled_minute', unitPriceMinor: 95, currency: 'EUR' },
];
const script = {
  steps: [
    { id: 'items', type: 'ask', text: 'What would you like?', answer: { type: 'text' }, next: 'save' },
    { id: 'save', type: 'capture', captures: [{ target: 'order.items', from: 'items' }], next: 'done' },
    { id: 'done', type: 'end', text: 'Thank you.', disposition: 'info_given' },
  ],
};
const hours = {
  defaultSchedule: 'Service',
  schedules: [{ name: 'Service', week: { mon: [{ start: '11:00', end: '14:30' }] } }],
};

const url = (fn: string) => `/api/t/${tenant.slug}/delegations/${fn}`;
const rows = () => h.db.selectFrom('delegations').selectAll().where('tenantId', '=', tenant.id).execute();
const audits = () => h.db.selectFrom('auditLog').selectAll().where('tenantId', '=', tenant.id).where('action', '=', 'delegation.changed').execute();

beforeAll(async () => {
  h = await createHarness();
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { actor: actorFor(provider), currency: 'EUR' }));
  clientAdmin = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_admin'));
  clientMember = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_member'));
  operator = await logIn(h.app, await seedOperator(h.db, [tenant]));
  providerAdmin = await logIn(h.app, provider);
  supervisor = await logIn(h.app, await seedUser(h.db, { kind: 'supervisor' }));
});
afterAll(() => h?.close());

describe('price list', () => {
  it('starts empty and is readable by any logged-in user', async () => {
    const res = await clientMember.get('/api/function-prices');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ prices: [] });
  });

  it('refuses negative prices, unknown currencies and functions with their paths, saving nothing', async () => {
    const res = await providerAdmin.put('/api/function-prices', {
      prices: [
        { function: 'order_taking', metric: 'order', unitPriceMinor: -5, currency: 'EUR' },
        { function: 'teleportation', metric: 'order', unitPriceMinor: 5, currency: 'EUR' },
        { function: 'information', metric: 'handled_minute', unitPriceMinor: 5, currency: 'XYZ' },
      ],
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const paths = (res.body as { errors: { path: string }[] }).errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['prices.0.unitPriceMinor', 'prices.1.function', 'prices.2.currency']));
    expect(await h.db.selectFrom('prices').selectAll().execute()).toEqual([]);
  });

  it('refuses a function priced twice per the same metric and currency; another metric of the same function is allowed', async () => {
    const res = await providerAdmin.put('/api/function-prices', {
      prices: [prices[0], prices[0], { ...prices[1], metric: 'handled_minute' }],
    });
    expect(res.status).toBe(400);
    const paths = (res.body as { errors: { path: string }[] }).errors.map((e) => e.path);
    // Billing prices a function per several metrics (minutes and orders): only the repeat is an error.
    expect(paths).toEqual(['prices.1.currency']);
    expect(await h.db.selectFrom('prices').selectAll().execute()).toEqual([]);
  });

  it('may be changed by provider admins only', async () => {
    for (const who of [clientAdmin, supervisor, operator]) {
      expect((await who.put('/api/function-prices', { prices })).status).toBe(403);
    }
    expect(await h.db.selectFrom('prices').selectAll().execute()).toEqual([]);
  });

  it('is replaced as a whole with a platform audit row; the same list again writes nothing', async () => {
    const res = await providerAdmin.put('/api/function-prices', { prices });
    expect(res.status).toBe(200);
    expect((res.body as { prices: unknown[] }).prices).toEqual([prices[2], prices[0], prices[1]]);
    expect((await providerAdmin.put('/api/function-prices', { prices })).status).toBe(200);
    const audit = await h.db.selectFrom('platformAuditLog').selectAll().where('action', '=', 'prices.replaced').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ before: [], after: [prices[2], prices[0], prices[1]] });
    // On the dated list: versions from today, open-ended, talk time per started minute as issue 3 billed.
    const today = h.clock.now().toISOString().slice(0, 10);
    const stored = await h.db.selectFrom('prices').select(['function', 'metric', 'currency', 'unitAmountMinor', 'rounding', 'effectiveFrom', 'effectiveTo']).execute();
    expect(stored).toHaveLength(3);
    for (const row of stored) expect(row).toMatchObject({ effectiveFrom: today, effectiveTo: null });
    expect(stored.find((r) => r.metric === 'handled_minute')).toMatchObject({ rounding: 'per_started_minute' });
  });

  it('sets what is in effect from today: a changed price ends its version today, a price left out ends today, the past stays', async () => {
    const today = h.clock.now().toISOString().slice(0, 10);
    h.clock.advance(DAY);
    const tomorrow = h.clock.now().toISOString().slice(0, 10);
    const res = await providerAdmin.put('/api/function-prices', { prices: [prices[2], { ...prices[0], unitPriceMinor: 130 }] });
    expect(res.status).toBe(200);
    expect((res.body as { prices: unknown[] }).prices).toEqual([prices[2], { ...prices[0], unitPriceMinor: 130 }]);
    const versions = await h.db
      .selectFrom('prices')
      .select(['currency', 'unitAmountMinor', 'effectiveFrom', 'effectiveTo'])
      .where('function', '=', 'order_taking')
      .orderBy('currency')
      .orderBy('effectiveFrom')
      .execute();
    expect(versions.map((v) => ({ ...v, unitAmountMinor: Number(v.unitAmountMinor) }))).toEqual([
      { currency: 'EUR', unitAmountMinor: 120, effectiveFrom: today, effectiveTo: tomorrow },
      { currency: 'EUR', unitAmountMinor: 130, effectiveFrom: tomorrow, effectiveTo: null },
      { currency: 'RUB', unitAmountMinor: 9900, effectiveFrom: today, effectiveTo: tomorrow },
    ]);
    // Back to the first list (a version made today is replaced, not ended), for the estimates below.
    expect((await providerAdmin.put('/api/function-prices', { prices })).status).toBe(200);
    expect((await clientMember.get('/api/function-prices')).body).toEqual({ prices: [prices[2], prices[0], prices[1]] });
  });
});

describe('delegations', () => {
  it('lists every function, none delegated, with its price in the tenant currency and unmet checks', async () => {
    const res = await clientMember.get(`/api/t/${tenant.slug}/delegations`);
    expect(res.status).toBe(200);
    const body = res.body as { currency: string; monthlyEstimateMinor: number; functions: Record<string, unknown>[] };
    expect(body.currency).toBe('EUR');
    expect(body.monthlyEstimateMinor).toBe(0);
    expect(body.functions).toHaveLength(8);
    expect(body.functions.find((f) => f.function === 'order_taking')).toMatchObject({
      delegated: false,
      direction: 'inbound',
      price: { metric: 'order', unitPriceMinor: 120, currency: 'EUR' },
      checks: { hasPublishedScript: false, hoursCoverFunction: false },
      monthlyEstimateMinor: 0,
    });
    expect(body.functions.find((f) => f.function === 'surveys')).toMatchObject({ price: null, monthlyEstimateMinor: null });
  });

  it('refuses to delegate without a published script and hours, listing each requirement, saving nothing', async () => {
    const res = await clientAdmin.put(url('order_taking'), { delegated: true, expectedMonthlyVolume: 300 });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((res.body as { errors: unknown[] }).errors).toMatchObject([
      { path: 'delegated', message: 'Publish an order taking script first.' },
      { path: 'delegated', message: 'Set hours for order taking first.' },
    ]);
    expect(await rows()).toEqual([]);
    expect(await audits()).toEqual([]);
  });

  it('is read-only for client members and operators', async () => {
    for (const who of [clientMember, operator]) {
      const res = await who.put(url('complaints'), { delegated: false, inHouse: 'claims@example.com' });
      expect(res.status).toBe(403);
    }
    expect(await rows()).toEqual([]);
  });

  it('requires and validates an in-house destination for an inbound function kept in-house', async () => {
    const missing = await clientAdmin.put(url('complaints'), { delegated: false });
    expect(missing.status).toBe(400);
    expect((missing.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['inHouse']);
    for (const bad of ['01 42 86 82 00', '+33 1', 'not-an-email@', '+999123456789']) {
      const res = await clientAdmin.put(url('complaints'), { delegated: false, inHouse: bad });
      expect(res.status, bad).toBe(400);
      expect((res.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['inHouse']);
    }
    expect(await rows()).toEqual([]);

    const phone = await clientAdmin.put(url('complaints'), { delegated: false, inHouse: '+33 1 42 86 82 00' });
    expect(phone.status).toBe(200);
    expect(phone.body).toMatchObject({ function: 'complaints', delegated: false, inHouse: '+33142868200' });
    const email = await clientAdmin.put(url('data_entry'), { delegated: false, inHouse: 'Back-Office@Example.com' });
    expect(email.body).toMatchObject({ inHouse: 'back-office@example.com' });
    // An outbound function needs no destination: nobody calls in for it.
    expect((await clientAdmin.put(url('surveys'), { delegated: false, expectedMonthlyVolume: 10 })).status).toBe(200);
  });

  it('delegates once a script is published and hours cover the function, audited with before and after', async () => {
    expect((await clientAdmin.post(`/api/t/${tenant.slug}/wrap-up-codes`, { code: 'info_given', label: 'Information given' })).status).toBe(201);
    expect((await clientAdmin.put(`/api/t/${tenant.slug}/scripts/order_taking/draft`, script)).status).toBe(200);
    expect((await clientAdmin.post(`/api/t/${tenant.slug}/scripts/order_taking/publish`)).status).toBe(201);

    const halfway = await clientAdmin.put(url('order_taking'), { delegated: true, expectedMonthlyVolume: 300 });
    expect((halfway.body as { errors: unknown[] }).errors).toMatchObject([{ path: 'delegated', message: 'Set hours for order taking first.' }]);

    expect((await clientAdmin.put(`/api/t/${tenant.slug}/hours`, hours)).status).toBe(200);
    const res = await clientAdmin.put(url('order_taking'), { delegated: true, expectedMonthlyVolume: 300 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      delegated: true,
      expectedMonthlyVolume: 300,
      checks: { hasPublishedScript: true, hoursCoverFunction: true },
      monthlyEstimateMinor: 36_000,
    });
    const audit = (await audits()).find((a) => a.targetId === 'order_taking');
    expect(audit).toMatchObject({
      before: { delegated: false, inHouse: null, expectedMonthlyVolume: 0 },
      after: { delegated: true, inHouse: null, expectedMonthlyVolume: 300 },
    });
    const count = (await audits()).length;
    expect((await providerAdmin.put(url('order_taking'), { delegated: true, expectedMonthlyVolume: 300 })).status).toBe(200);
    expect(await audits()).toHaveLength(count);
  });

  it('estimates the month from the delegated functions only: volume × unit price', async () => {
    // information follows the default schedule too; it has a price but no script, so it stays in-house.
    expect((await clientAdmin.put(url('information'), { delegated: false, inHouse: 'info@example.com', expectedMonthlyVolume: 1000 })).status).toBe(200);
    const res = await clientMember.get(`/api/t/${tenant.slug}/delegations`);
    const body = res.body as { monthlyEstimateMinor: number; functions: { function: string; monthlyEstimateMinor: number | null; checks: unknown }[] };
    expect(body.functions.find((f) => f.function === 'information')).toMatchObject({
      monthlyEstimateMinor: 95_000,
      checks: { hasPublishedScript: false, hoursCoverFunction: true },
    });
    expect(body.monthlyEstimateMinor).toBe(36_000);
  });

  it('refuses a negative volume and an unknown function', async () => {
    const res = await clientAdmin.put(url('order_taking'), { delegated: true, expectedMonthlyVolume: -1 });
    expect(res.status).toBe(400);
    expect((res.body as { errors: { path: string }[] }).errors.map((e) => e.path)).toEqual(['expectedMonthlyVolume']);
    expect((await clientAdmin.put(url('teleportation'), { delegated: false })).status).toBe(400);
  });
});

describe('the monthly estimate', () => {
  const estimate = (who: Client, query = '') => who.get(`/api/t/${tenant.slug}/delegations/estimate${query}`);
  type Estimate = {
    currency: string;
    functions: { function: string; delegated: boolean; lines: { metric: string; quantity: number; unitAmountMinor: number; source: string; amountMinor: number }[]; subtotalMinor: number }[];
    monthly: { metric: string; quantity: number; amountMinor: number }[];
    usageMinor: number;
    monthlyMinor: number;
    topUpMinor: number;
    totalMinor: number;
  };

  beforeAll(async () => {
    // Order taking is now charged per handled minute (to the second) and per order, at a negotiated order price.
    await insertListPrice(h.db, { function: 'order_taking', metric: 'handled_minute', unitAmountMinor: 75, rounding: 'per_second' });
    await insertTenantPrice(h.db, tenant, { function: 'order_taking', metric: 'order', unitAmountMinor: 95 });
    await insertListPrice(h.db, { function: null, metric: 'platform_fee', unitAmountMinor: 4900 });
    await insertListPrice(h.db, { function: null, metric: 'seat', unitAmountMinor: 320_000 });
    await setBillingAccount(h.db, tenant, { dedicatedSeats: 2, minimumCommitmentMinor: 200_000 });
  });

  it('lists every price of a function, main one first, negotiated over the list', async () => {
    const body = (await clientMember.get(`/api/t/${tenant.slug}/delegations`)).body as { functions: { function: string; prices: unknown[] }[] };
    expect(body.functions.find((f) => f.function === 'order_taking')!.prices).toEqual([
      { metric: 'handled_minute', unitPriceMinor: 75, currency: 'EUR', rounding: 'per_second', source: 'list' },
      { metric: 'order', unitPriceMinor: 95, currency: 'EUR', rounding: null, source: 'tenant' },
    ]);
  });

  it('counts every metric a function is charged for, the platform fee, seats and the commitment top-up', async () => {
    const res = await estimate(clientAdmin, '?volumes=order_taking.handled_minute:900,order_taking.order:300,information.handled_minute:1000');
    expect(res.status).toBe(200);
    const body = res.body as Estimate;
    const orders = body.functions.find((f) => f.function === 'order_taking')!;
    expect(orders).toMatchObject({ delegated: true, subtotalMinor: 67_500 + 28_500 });
    expect(orders.lines).toEqual([
      { metric: 'handled_minute', quantity: 900, unitAmountMinor: 75, rounding: 'per_second', source: 'list', amountMinor: 67_500 },
      { metric: 'order', quantity: 300, unitAmountMinor: 95, rounding: null, source: 'tenant', amountMinor: 28_500 },
    ]);
    // Information is kept in-house: priced, but not in the total.
    expect(body.functions.find((f) => f.function === 'information')).toMatchObject({ delegated: false, subtotalMinor: 95_000 });
    expect(body.functions.find((f) => f.function === 'surveys')).toMatchObject({ lines: [], subtotalMinor: 0 });
    expect(body.monthly).toEqual([
      { metric: 'platform_fee', quantity: 1, unitAmountMinor: 4900, rounding: null, source: 'list', amountMinor: 4900 },
      { metric: 'seat', quantity: 2, unitAmountMinor: 320_000, rounding: null, source: 'list', amountMinor: 640_000 },
    ]);
    expect(body).toMatchObject({ currency: 'EUR', usageMinor: 96_000, monthlyMinor: 644_900, topUpMinor: 104_000, totalMinor: 96_000 + 644_900 + 104_000 });
  });

  it('counts the saved volume in the main metric when none is given, and the functions the client is about to delegate', async () => {
    const saved = (await estimate(clientAdmin)).body as Estimate;
    expect(saved.functions.find((f) => f.function === 'order_taking')!.lines.map((l) => [l.metric, l.quantity])).toEqual([['handled_minute', 300], ['order', 0]]);
    const both = (await estimate(clientAdmin, '?delegated=order_taking,information&volumes=order_taking.order:10')).body as Estimate;
    expect(both.usageMinor).toBe(300 * 75 + 10 * 95 + 95_000);
    const none = (await estimate(clientAdmin, '?delegated=')).body as Estimate;
    expect(none).toMatchObject({ usageMinor: 0, topUpMinor: 200_000 });
  });

  it("shows prices only to those who may read them, and the account's terms only to those who may read the account", async () => {
    // Operators read neither the company's (negotiated) prices nor an estimate.
    expect((await estimate(operator)).status).toBe(403);
    const listed = (await operator.get(`/api/t/${tenant.slug}/delegations`)).body as { functions: { function: string; prices: unknown[]; price: unknown }[] };
    expect(listed.functions.find((f) => f.function === 'order_taking')).toMatchObject({ prices: [], price: null });
    // A client member sees the prices, not the minimum commitment or the dedicated seats.
    const member = (await estimate(clientMember, '?volumes=order_taking.order:300')).body as Estimate & { minimumCommitmentMinor: number };
    expect(member.monthly.map((l) => l.metric)).toEqual(['platform_fee']);
    expect(member).toMatchObject({ minimumCommitmentMinor: 0, topUpMinor: 0, monthlyMinor: 4900, totalMinor: member.usageMinor + 4900 });
  });

  it('refuses malformed, unknown, repeated, hostile and huge volumes with 400 naming the field', async () => {
    for (const query of [
      'volumes=order_taking.order:-1',
      'volumes=order_taking.order:12.5',
      'volumes=order_taking.teleports:1',
      'volumes=teleportation.order:1',
      'volumes=order_taking.order:1,order_taking.order:2',
      'volumes=order_taking.order:1000000000',
      'volumes=order_taking.order:1%00',
      'volumes=%3D1%2B1',
      `volumes=${'a'.repeat(5000)}`,
      'delegated=teleportation',
      'delegated=order_taking%00',
    ]) {
      const res = await estimate(clientMember, `?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.headers.get('content-type'), query).toContain('application/problem+json');
      const field = query.split('=')[0]!;
      expect((res.body as { errors: { path: string }[] }).errors.map((e) => e.path), query).toEqual(expect.arrayContaining([field]));
    }
  });
});
