import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { billingOutbox, newId, withTenant, type Tenant } from '@switchboard/db';
import { recordUsage, stripeBilling as stripe } from '@switchboard/api';
import { createClock, createHarness, MINUTE, seedTenant, type Clock, type Harness } from './support/index.ts';
import { startFakeStripe, type FakeStripe } from './support/fake-stripe.ts';

/**
 * The Stripe side of billing against a fake Stripe: one customer per tenant, the subscription, and
 * usage leaving through the outbox exactly once, across an outage, a lost answer and a worker restart.
 */
let h: Harness;
let clock: Clock;
let fake: FakeStripe;
let tenant: Tenant;

const SECOND = 1000;
const METER_EVENTS = '/v1/billing/meter_events';

/** A worker as a freshly started process builds it: its own SDK client, catalog and caches. */
const newWorker = () => stripe.stripeBilling({ db: h.db, now: clock.now, secretKey: 'sk_test_fake', apiUrl: fake.url, webhookSecret: 'whsec_test' });

async function recordOrders(count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    await withTenant(h.db, tenant.id, (tx) =>
      recordUsage(tx, { function: 'order_taking', metric: 'order', quantity: 1, sourceType: 'order', sourceId: newId(), occurredAt: clock.now() }),
    );
  }
  const rows = await h.db.selectFrom('billingOutbox').select('id').where('tenantId', '=', tenant.id).where('sentAt', 'is', null).orderBy('id').execute();
  ids.push(...rows.map((r) => r.id));
  return ids;
}

const outboxRows = (ids: string[]) => h.db.selectFrom('billingOutbox').selectAll().where('id', 'in', ids).orderBy('id').execute();

beforeAll(async () => {
  h = await createHarness();
  // Mid-month, mid-day: every event is timed inside its own Stripe cycle, nothing waits for one to start.
  clock = createClock(new Date('2026-03-16T10:00:00Z'));
  fake = await startFakeStripe({ now: clock.now });
  ({ tenant } = await seedTenant(h.db, { name: 'Pizzeria Napoli', legalName: 'Pizzeria Napoli SARL', currency: 'EUR', timeZone: 'Europe/Paris' }));
  const price = { createdBy: 'test', effectiveFrom: '2000-01-01', currency: 'EUR' };
  await h.db
    .insertInto('prices')
    .values([
      { ...price, id: newId(), function: 'order_taking', metric: 'order', unitAmountMinor: 250, rounding: null },
      { ...price, id: newId(), function: null, metric: 'platform_fee', unitAmountMinor: 4900, rounding: null },
      { ...price, id: newId(), function: null, metric: 'seat', unitAmountMinor: 120000, rounding: null },
    ])
    .execute();
});
afterAll(async () => {
  await fake?.close();
  await h?.close();
});

describe('the Stripe customer', () => {
  it('is created once per tenant, even by two callers at once, with one idempotency key and the tenant id in its metadata', async () => {
    const billing = newWorker();
    const [first, second] = await Promise.all([stripe.ensureCustomer(billing, tenant.id), stripe.ensureCustomer(billing, tenant.id)]);
    expect(second).toBe(first);
    expect([...fake.customers.values()].filter((c) => c.metadata.tenant_id === tenant.id)).toHaveLength(1);
    const creates = fake.requestsTo('POST', '/v1/customers');
    expect(new Set(creates.map((r) => r.idempotencyKey))).toEqual(new Set([stripe.customerIdempotencyKey(tenant.id)]));
    expect(creates[0]?.params).toMatchObject({ name: 'Pizzeria Napoli SARL', metadata: { tenant_id: tenant.id, tenant_slug: tenant.slug } });

    const account = await h.db.selectFrom('billingAccounts').selectAll().where('tenantId', '=', tenant.id).executeTakeFirstOrThrow();
    expect(account.stripeCustomerId).toBe(first);
    // Known now: no more calls to Stripe, from this process or another.
    expect(await stripe.ensureCustomer(newWorker(), tenant.id)).toBe(first);
    expect(fake.requestsTo('POST', '/v1/customers')).toHaveLength(creates.length);
  });
  it("tells Stripe the tenant's language, so its invoices and e-mails reach the client in it", async () => {
    // The seeded tenant writes in French (fr-FR); a German one and one in a language the product does not speak.
    expect(fake.customers.get(await stripe.ensureCustomer(newWorker(), tenant.id))?.preferred_locales).toEqual(['fr']);
    const { tenant: german } = await seedTenant(h.db, { name: 'Banque Horizon', locale: 'de-AT', currency: 'EUR', timeZone: 'Europe/Berlin' });
    expect(fake.customers.get(await stripe.ensureCustomer(newWorker(), german.id))?.preferred_locales).toEqual(['de']);
    const { tenant: italian } = await seedTenant(h.db, { name: 'Pasta Roma', locale: 'it-IT', currency: 'EUR', timeZone: 'Europe/Rome' });
    expect(fake.customers.get(await stripe.ensureCustomer(newWorker(), italian.id))?.preferred_locales).toEqual(['en']);
  });
});

describe('the subscription', () => {
  it('bills every meter at 1 minor unit, the platform fee flat, and is found again rather than created twice', async () => {
    const { customerId, subscriptionId } = await stripe.ensureSubscription(newWorker(), tenant.id);
    const subscription = fake.subscriptions.get(subscriptionId)!;
    expect(subscription).toMatchObject({ customer: customerId, collection_method: 'send_invoice', metadata: { tenant_id: tenant.id } });
    // Paris: the cycle starts at 01:00 UTC on the 1st, after local midnight in winter and summer alike.
    expect(subscription.billing_cycle_anchor_config).toEqual({ day_of_month: '1', hour: '1', minute: '0', second: '0' });
    expect(subscription.start_date).toBe(Date.parse('2026-03-01T01:00:00Z') / 1000);

    const meters = [...fake.meters.values()].map((m) => m.event_name).sort();
    expect(meters).toEqual(stripe.meterEventNames().sort());
    expect(meters).toContain('switchboard_order_taking');
    expect(meters).toContain('switchboard_commitment_top_up');
    const items = subscription.items.data as { price: { lookup_key: string; unit_amount: number; currency: string; recurring: { usage_type: string } }; quantity?: number }[];
    const metered = items.filter((i) => i.price.recurring.usage_type === 'metered');
    expect(metered).toHaveLength(meters.length);
    expect(metered.every((i) => i.price.unit_amount === 1 && i.price.currency === 'eur' && i.quantity === undefined)).toBe(true);
    expect(items.filter((i) => i.price.recurring.usage_type === 'licensed').map((i) => [i.price.lookup_key, i.price.unit_amount, i.quantity])).toEqual([
      ['switchboard_platform_fee_eur_4900', 4900, 1],
    ]);
    expect(await h.db.selectFrom('billingAccounts').select(['stripeSubscriptionId', 'subscriptionStatus']).where('tenantId', '=', tenant.id).executeTakeFirst()).toEqual({
      stripeSubscriptionId: subscriptionId,
      subscriptionStatus: 'active',
    });

    // Another process: meters and prices found by event name and lookup key, the subscription in the account.
    const again = await stripe.ensureSubscription(newWorker(), tenant.id, { reconcile: true });
    expect(again.subscriptionId).toBe(subscriptionId);
    expect(fake.subscriptions.size).toBe(1);
    expect(fake.requestsTo('POST', '/v1/billing/meters')).toHaveLength(meters.length);
    expect(fake.requestsTo('POST', '/v1/prices')).toHaveLength(meters.length + 1);
    expect(fake.requestsTo('POST', `/v1/subscriptions/${subscriptionId}`)).toHaveLength(0);
  });

  it('adds dedicated seats as a quantity when the account gets some', async () => {
    await h.db.updateTable('billingAccounts').set({ dedicatedSeats: 3 }).where('tenantId', '=', tenant.id).execute();
    const { subscriptionId } = await stripe.ensureSubscription(newWorker(), tenant.id, { reconcile: true });
    const seat = fake.subscriptions.get(subscriptionId)!.items.data.find((i: any) => i.price.lookup_key === 'switchboard_seat_eur_120000');
    expect(seat?.quantity).toBe(3);
    expect(fake.requestsTo('POST', `/v1/subscriptions/${subscriptionId}`).at(-1)?.params).toMatchObject({ proration_behavior: 'none' });
    await h.db.updateTable('billingAccounts').set({ dedicatedSeats: 0 }).where('tenantId', '=', tenant.id).execute();
  });

  it('replaces a subscription cancelled in Stripe', async () => {
    const { stripeSubscriptionId: old } = await h.db.selectFrom('billingAccounts').select('stripeSubscriptionId').where('tenantId', '=', tenant.id).executeTakeFirstOrThrow();
    fake.putSubscription(old!, { status: 'canceled' });
    // As the webhook records it.
    await h.db.updateTable('billingAccounts').set({ subscriptionStatus: 'canceled' }).where('tenantId', '=', tenant.id).execute();
    const { subscriptionId } = await stripe.ensureSubscription(newWorker(), tenant.id);
    expect(subscriptionId).not.toBe(old);
    expect(fake.subscriptions.get(subscriptionId)?.status).toBe('active');
    expect(await h.db.selectFrom('billingAccounts').select(['stripeSubscriptionId', 'subscriptionStatus']).where('tenantId', '=', tenant.id).executeTakeFirst()).toEqual({
      stripeSubscriptionId: subscriptionId,
      subscriptionStatus: 'active',
    });
  });
});

describe('the outbox', () => {
  it('keeps every row while Stripe is down, retrying later and later, then sends each exactly once', async () => {
    const ids = await recordOrders(3);
    expect(ids).toHaveLength(3);
    expect((await outboxRows(ids)).map((r) => [r.eventName, Number(r.value)])).toEqual(Array(3).fill(['switchboard_order_taking', 250]));

    fake.mode = 'unavailable';
    const worker = newWorker();
    expect(await stripe.runOutboxOnce(worker)).toMatchObject({ claimed: 3, sent: 0, failed: 3 });
    for (const row of await outboxRows(ids)) {
      expect(row).toMatchObject({ attempts: 1, sentAt: null, lastError: expect.stringContaining('503') });
      expect(row.nextAttemptAt).toEqual(new Date(clock.now().getTime() + 5 * SECOND));
    }
    // Not due yet: the backoff holds.
    expect(await stripe.runOutboxOnce(worker)).toMatchObject({ claimed: 0 });

    clock.advance(5 * SECOND);
    fake.mode = 'reset';
    expect(await stripe.runOutboxOnce(worker)).toMatchObject({ claimed: 3, failed: 3 });
    for (const row of await outboxRows(ids)) {
      expect(row).toMatchObject({ attempts: 2, sentAt: null });
      expect(row.nextAttemptAt).toEqual(new Date(clock.now().getTime() + 10 * SECOND));
    }
    expect(fake.meterEvents.size).toBe(0);

    // Stripe is back; this process died meanwhile and a new one takes over.
    fake.mode = 'up';
    clock.advance(10 * SECOND);
    expect(await stripe.runOutboxOnce(newWorker())).toMatchObject({ claimed: 3, sent: 3, failed: 0 });
    const customerId = (await h.db.selectFrom('billingAccounts').select('stripeCustomerId').where('tenantId', '=', tenant.id).executeTakeFirstOrThrow()).stripeCustomerId;
    for (const id of ids) {
      expect(fake.meterEvents.get(id)).toMatchObject({
        event_name: 'switchboard_order_taking',
        payload: { stripe_customer_id: customerId, value: '250' },
        timestamp: Math.floor(Date.parse('2026-03-16T10:00:00Z') / 1000),
      });
    }
    for (const row of await outboxRows(ids)) expect(row).toMatchObject({ sentAt: clock.now(), lastError: null });
    expect(await stripe.runOutboxOnce(newWorker())).toMatchObject({ claimed: 0 });
  });

  it('sends a row whose answer was lost again, and Stripe keeps one event', async () => {
    const [id] = await recordOrders(1);
    fake.mode = 'lose-response';
    fake.modePath = METER_EVENTS;
    expect(await stripe.runOutboxOnce(newWorker())).toMatchObject({ claimed: 1, failed: 1 });
    // Stripe has it; we do not know.
    expect(fake.meterEvents.has(id!)).toBe(true);
    expect((await outboxRows([id!]))[0]).toMatchObject({ sentAt: null, attempts: 1 });

    fake.mode = 'up';
    fake.modePath = null;
    clock.advance(5 * SECOND);
    expect(await stripe.runOutboxOnce(newWorker())).toMatchObject({ claimed: 1, sent: 1 });
    const sends = fake.requestsTo('POST', METER_EVENTS).filter((r) => r.params.identifier === id);
    expect(sends.length).toBeGreaterThan(1);
    expect(new Set(sends.map((r) => r.idempotencyKey)).size).toBe(1);
    expect([...fake.meterEvents.keys()].filter((k) => k === id)).toHaveLength(1);
    expect((await outboxRows([id!]))[0]?.sentAt).toEqual(clock.now());
  });

  it('survives a worker dying between sending and marking: the lease runs out and the resend is a no-op', async () => {
    const [id] = await recordOrders(1);
    // The dying worker leased the row and sent its event (from another code path: no idempotency key), then died.
    const leased = await billingOutbox.claimDueOutboxRows(h.db, { now: clock.now(), leaseUntil: new Date(clock.now().getTime() + MINUTE), limit: 10 });
    expect(leased).toEqual([{ tenantId: tenant.id, id }]);
    const customerId = (await h.db.selectFrom('billingAccounts').select('stripeCustomerId').where('tenantId', '=', tenant.id).executeTakeFirstOrThrow()).stripeCustomerId!;
    await newWorker().stripe.billing.meterEvents.create({ event_name: 'switchboard_order_taking', identifier: id, payload: { stripe_customer_id: customerId, value: '250' } });

    // While the lease holds, no other worker takes the row.
    expect(await stripe.runOutboxOnce(newWorker())).toMatchObject({ claimed: 0 });
    clock.advance(MINUTE);
    expect(await stripe.runOutboxOnce(newWorker())).toMatchObject({ claimed: 1, sent: 1, failed: 0 });
    expect(fake.requestsTo('POST', METER_EVENTS).filter((r) => r.params.identifier === id)).toHaveLength(2);
    expect([...fake.meterEvents.keys()].filter((k) => k === id)).toHaveLength(1);
    expect((await outboxRows([id!]))[0]).toMatchObject({ sentAt: clock.now(), lastError: null });
  });

  it('leases rows so that two workers running at once never both send one', async () => {
    const ids = await recordOrders(4);
    const before = fake.requestsTo('POST', METER_EVENTS).length;
    const [a, b] = await Promise.all([stripe.runOutboxOnce(newWorker()), stripe.runOutboxOnce(newWorker())]);
    expect(a.sent + b.sent).toBe(4);
    expect(a.claimed + b.claimed).toBe(4);
    expect(fake.requestsTo('POST', METER_EVENTS).length - before).toBe(4);
    for (const id of ids) expect(fake.meterEvents.has(id)).toBe(true);
  });

  it('backs off exponentially up to ten minutes', () => {
    expect([1, 2, 3, 4, 7, 8, 20].map(stripe.retryDelayMs)).toEqual([5_000, 10_000, 20_000, 40_000, 320_000, 600_000, 600_000]);
  });
});
