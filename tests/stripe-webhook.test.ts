import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '@switchboard/db';
import { createApp, stripeBilling as stripe } from '@switchboard/api';
import {
  createClock,
  createHarness,
  DAY,
  logIn,
  MINUTE,
  seedClientUser,
  seedTenant,
  send,
  snapshotDatabase,
  testConfig,
  type App,
  type Client,
  type Clock,
  type Harness,
} from './support/index.ts';
import { signStripeEvent, startFakeStripe, stripeEvent, type FakeStripe } from './support/fake-stripe.ts';

/** POST /api/billing/stripe/webhook: signatures, one application per event, any order, past due. */
let h: Harness;
let clock: Clock;
let fake: FakeStripe;
let app: App;
let tenant: Tenant;
let customerId: string;
let clientAdmin: Client;

const SECRET = 'whsec_test_switchboard';
const PATH = '/api/billing/stripe/webhook';
const unix = (iso: string) => Date.parse(iso) / 1000;

/** Delivered as Stripe does: no browser headers, the raw JSON and its signature. */
function deliver(event: Record<string, any>, options: { secret?: string; signedAt?: Date; signature?: string | null; body?: string; to?: App } = {}) {
  const signed = signStripeEvent(event, options.secret ?? SECRET, options.signedAt ?? clock.now());
  return send(options.to ?? app, 'POST', PATH, {
    json: options.body ?? signed.payload,
    headers: {
      origin: null,
      'sec-fetch-site': null,
      'content-type': 'application/json; charset=utf-8',
      'stripe-signature': options.signature === undefined ? signed.signature : options.signature,
    },
  });
}

/** An invoice as Stripe holds it now: February's usage, sent on 1 March. */
function putInvoice(id: string, fields: Record<string, any> = {}) {
  return fake.putInvoice({
    id,
    customer: customerId,
    number: `SWB-${id.slice(-4).toUpperCase()}`,
    currency: 'eur',
    amount_due: 12345,
    amount_paid: 0,
    status: 'open',
    hosted_invoice_url: `https://invoice.stripe.com/i/${id}`,
    invoice_pdf: `https://pay.stripe.com/invoice/${id}/pdf`,
    period_start: unix('2026-02-01T01:00:00Z'),
    period_end: unix('2026-03-01T01:00:00Z'),
    due_date: unix('2026-03-15T01:00:00Z'),
    status_transitions: { finalized_at: unix('2026-03-01T02:00:00Z'), paid_at: null, voided_at: null, marked_uncollectible_at: null },
    ...fields,
  });
}
const paid = (at: string) => ({ status: 'paid', amount_paid: 12345, status_transitions: { finalized_at: unix('2026-03-01T02:00:00Z'), paid_at: unix(at) } });

const invoiceRow = (stripeInvoiceId: string) => h.db.selectFrom('invoices').selectAll().where('stripeInvoiceId', '=', stripeInvoiceId).execute();
const account = () => h.db.selectFrom('billingAccounts').selectAll().where('tenantId', '=', tenant.id).executeTakeFirstOrThrow();
const recordedEvent = (id: string) => h.db.selectFrom('stripeEvents').selectAll().where('id', '=', id).executeTakeFirst();

beforeAll(async () => {
  h = await createHarness();
  clock = createClock(new Date('2026-03-02T09:00:00Z'));
  fake = await startFakeStripe({ now: clock.now });
  const billing = stripe.stripeBilling({ db: h.db, now: clock.now, secretKey: 'sk_test_fake', apiUrl: fake.url, webhookSecret: SECRET });
  const config = testConfig({ STRIPE_SECRET_KEY: 'sk_test_fake', STRIPE_WEBHOOK_SECRET: SECRET, STRIPE_API_URL: fake.url });
  app = createApp({ db: h.db, databaseKind: h.database.kind, config, now: clock.now, billing });
  ({ tenant } = await seedTenant(h.db, { currency: 'EUR', timeZone: 'Europe/Paris' }));
  ({ customerId } = await stripe.ensureSubscription(billing, tenant.id));
  // February is closed: Stripe's invoice for it names it.
  await h.db
    .insertInto('statements')
    .values({
      tenantId: tenant.id,
      period: '2026-02-01',
      currency: 'EUR',
      periodStart: new Date('2026-01-31T23:00:00Z'),
      periodEnd: new Date('2026-02-28T23:00:00Z'),
      usageMinor: 12345,
      totalMinor: 12345,
    })
    .execute();
  clientAdmin = await logIn(app, await seedClientUser(h.db, tenant, 'client_admin'));
});
afterAll(async () => {
  await fake?.close();
  await h?.close();
});

describe('signatures', () => {
  it('refuses a missing, wrong, stale or tampered signature with 400, writing nothing', async () => {
    const event = stripeEvent('invoice.paid', { id: 'in_refused', object: 'invoice', customer: customerId });
    putInvoice('in_refused', paid('2026-03-02T08:00:00Z'));
    const before = await snapshotDatabase(h.db, { except: ['sessions'] });
    const cases = [
      [await deliver(event, { signature: null }), 'stripe-signature-missing'],
      [await deliver(event, { secret: 'whsec_someone_else' }), 'stripe-signature-invalid'],
      [await deliver(event, { signature: 't=1,v1=deadbeef' }), 'stripe-signature-invalid'],
      [await deliver(event, { signedAt: new Date(clock.now().getTime() - 301_000) }), 'stripe-signature-stale'],
      [await deliver(event, { body: JSON.stringify({ ...event, type: 'invoice.voided' }) }), 'stripe-signature-invalid'],
    ] as const;
    for (const [res, slug] of cases) {
      expect(res.status).toBe(400);
      expect(res.contentType).toBe('application/problem+json');
      expect(res.body.type).toMatch(new RegExp(`${slug}$`));
    }
    expect(await snapshotDatabase(h.db, { except: ['sessions'] })).toEqual(before);
    // Within the tolerance, the same event is accepted.
    expect((await deliver(event, { signedAt: new Date(clock.now().getTime() - 299_000) })).status).toBe(200);
  });

  it('answers 503 where Stripe is not configured, and a browser on another site gets the usual 403', async () => {
    const event = stripeEvent('invoice.paid', { id: 'in_refused', object: 'invoice', customer: customerId });
    const res = await deliver(event, { to: h.app });
    expect(res.status).toBe(503);
    expect(res.body.type).toMatch(/stripe-not-configured$/);
    expect(await recordedEvent(event.id)).toBeUndefined();
    const foreign = await send(app, 'POST', PATH, { json: JSON.stringify(event), headers: { origin: 'https://evil.test', 'stripe-signature': 'x' } });
    expect(foreign.status).toBe(403);
  });
});

describe('invoices', () => {
  it('ends in Stripe’s current state whatever order the events come in, because each one re-fetches the invoice', async () => {
    putInvoice('in_feb', paid('2026-03-02T08:30:00Z'));
    // Stripe sends created → finalized → paid; they arrive paid first, and the older events carry older states.
    const paidEvent = stripeEvent('invoice.paid', { id: 'in_feb', object: 'invoice', customer: customerId, status: 'paid' });
    expect(await deliver(paidEvent)).toMatchObject({ status: 200, body: { received: true, replay: false } });
    expect((await deliver(stripeEvent('invoice.finalized', { id: 'in_feb', object: 'invoice', customer: customerId, status: 'open' }))).status).toBe(200);
    expect((await deliver(stripeEvent('invoice.created', { id: 'in_feb', object: 'invoice', customer: customerId, status: 'draft' }))).status).toBe(200);

    const rows = await invoiceRow('in_feb');
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      tenantId: tenant.id,
      source: 'stripe',
      number: 'SWB-_FEB',
      period: '2026-02-01',
      periodStart: new Date('2026-02-01T01:00:00Z'),
      periodEnd: new Date('2026-03-01T01:00:00Z'),
      currency: 'EUR',
      status: 'paid',
      hostedInvoiceUrl: 'https://invoice.stripe.com/i/in_feb',
      invoicePdfUrl: 'https://pay.stripe.com/invoice/in_feb/pdf',
      issuedAt: new Date('2026-03-01T02:00:00Z'),
      dueAt: new Date('2026-03-15T01:00:00Z'),
      paidAt: new Date('2026-03-02T08:30:00Z'),
      paymentFailedAt: null,
    });
    expect(Number(rows[0]!.amountDueMinor)).toBe(12345);
    expect(Number(rows[0]!.amountPaidMinor)).toBe(12345);

    // The tenant's admins see it in their invoice list.
    const list = await clientAdmin.get(`/api/t/${tenant.slug}/invoices`);
    expect(list.status).toBe(200);
    expect(list.body.invoices).toEqual(expect.arrayContaining([
      expect.objectContaining({
        source: 'stripe',
        number: 'SWB-_FEB',
        period: '2026-02',
        status: 'paid',
        amountDueMinor: 12345,
        hostedInvoiceUrl: 'https://invoice.stripe.com/i/in_feb',
        invoicePdfUrl: 'https://pay.stripe.com/invoice/in_feb/pdf',
      }),
    ]));
  });

  it('does nothing for a replayed event: no re-fetch, no change', async () => {
    const event = stripeEvent('invoice.finalized', { id: 'in_replay', object: 'invoice', customer: customerId });
    putInvoice('in_replay');
    expect((await deliver(event)).body).toEqual({ received: true, replay: false });
    const fetches = fake.requestsTo('GET', '/v1/invoices/in_replay').length;
    putInvoice('in_replay', { amount_due: 99999 });
    const before = await snapshotDatabase(h.db, { except: ['sessions'] });
    clock.advance(MINUTE);
    expect(await deliver(event)).toMatchObject({ status: 200, body: { received: true, replay: true } });
    expect(fake.requestsTo('GET', '/v1/invoices/in_replay')).toHaveLength(fetches);
    expect(await snapshotDatabase(h.db, { except: ['sessions'] })).toEqual(before);
    expect(await recordedEvent(event.id)).toMatchObject({ type: 'invoice.finalized', processedAt: expect.any(Date) });
  });

  it('records an unknown event type or another account’s customer, and changes nothing else', async () => {
    const before = await snapshotDatabase(h.db, { except: ['sessions', 'stripe_events'] });
    const unknown = stripeEvent('charge.refunded', { id: 'ch_1', object: 'charge' });
    expect((await deliver(unknown)).status).toBe(200);
    fake.putInvoice({ id: 'in_stranger', customer: 'cus_not_ours', status: 'open' });
    const stranger = stripeEvent('invoice.finalized', { id: 'in_stranger', object: 'invoice', customer: 'cus_not_ours' });
    expect((await deliver(stranger)).status).toBe(200);
    expect(await snapshotDatabase(h.db, { except: ['sessions', 'stripe_events'] })).toEqual(before);
    expect(await recordedEvent(unknown.id)).toMatchObject({ type: 'charge.refunded', processedAt: expect.any(Date) });
    expect(await recordedEvent(stranger.id)).toMatchObject({ processedAt: expect.any(Date) });
  });

  it('answers 503 while Stripe cannot be reached for the re-fetch, and applies the event when Stripe delivers it again', async () => {
    putInvoice('in_outage');
    const event = stripeEvent('invoice.finalized', { id: 'in_outage', object: 'invoice', customer: customerId });
    fake.mode = 'unavailable';
    const res = await deliver(event);
    fake.mode = 'up';
    expect(res.status).toBe(503);
    expect(await invoiceRow('in_outage')).toEqual([]);
    expect(await recordedEvent(event.id)).toMatchObject({ processedAt: null });
    expect(await deliver(event)).toMatchObject({ status: 200, body: { replay: false } });
    expect(await invoiceRow('in_outage')).toEqual([expect.objectContaining({ status: 'open' })]);
  });
});

describe('past due', () => {
  it('starts at the first failed payment, shows on the account with its grace end, and ends when the invoices are paid', async () => {
    putInvoice('in_fail_a', { amount_due: 5000 });
    putInvoice('in_fail_b', { amount_due: 7000 });
    const failedAt = clock.now();
    expect((await deliver(stripeEvent('invoice.payment_failed', { id: 'in_fail_a', object: 'invoice', customer: customerId }))).status).toBe(200);
    expect((await account()).pastDueSince).toEqual(failedAt);
    expect((await invoiceRow('in_fail_a'))[0]?.paymentFailedAt).toEqual(failedAt);

    const shown = await clientAdmin.get(`/api/t/${tenant.slug}/billing/account`);
    expect(shown.status).toBe(200);
    expect(shown.body).toMatchObject({
      provider: 'stripe',
      pastDueSince: failedAt.toISOString(),
      graceEndsAt: new Date(failedAt.getTime() + 14 * DAY).toISOString(),
      stripeCustomerId: customerId,
    });

    // A second failure (another invoice, later) does not restart the grace period.
    clock.advance(DAY);
    expect((await deliver(stripeEvent('invoice.payment_failed', { id: 'in_fail_b', object: 'invoice', customer: customerId }))).status).toBe(200);
    expect((await account()).pastDueSince).toEqual(failedAt);

    // One of two paid: still past due.
    putInvoice('in_fail_a', { ...paid('2026-03-03T10:00:00Z'), amount_paid: 5000 });
    expect((await deliver(stripeEvent('invoice.paid', { id: 'in_fail_a', object: 'invoice', customer: customerId }))).status).toBe(200);
    expect((await account()).pastDueSince).toEqual(failedAt);
    // Both paid: no longer.
    putInvoice('in_fail_b', { ...paid('2026-03-03T11:00:00Z'), amount_paid: 7000 });
    expect((await deliver(stripeEvent('invoice.paid', { id: 'in_fail_b', object: 'invoice', customer: customerId }))).status).toBe(200);
    expect((await account()).pastDueSince).toBeNull();
    expect((await clientAdmin.get(`/api/t/${tenant.slug}/billing/account`)).body).toMatchObject({ pastDueSince: null, graceEndsAt: null });
  });

  it('ignores a failure that arrives after the invoice was paid', async () => {
    putInvoice('in_late_failure', paid('2026-03-03T12:00:00Z'));
    expect((await deliver(stripeEvent('invoice.paid', { id: 'in_late_failure', object: 'invoice', customer: customerId }))).status).toBe(200);
    expect((await deliver(stripeEvent('invoice.payment_failed', { id: 'in_late_failure', object: 'invoice', customer: customerId, status: 'open' }))).status).toBe(200);
    expect((await account()).pastDueSince).toBeNull();
    expect((await invoiceRow('in_late_failure'))[0]).toMatchObject({ status: 'paid', paymentFailedAt: null });
  });
});

describe('subscriptions', () => {
  it('keeps the subscription status Stripe has now, not the one the event carried', async () => {
    const { stripeSubscriptionId } = await account();
    fake.putSubscription(stripeSubscriptionId!, { status: 'past_due' });
    const event = stripeEvent('customer.subscription.updated', { id: stripeSubscriptionId, object: 'subscription', customer: customerId, status: 'active' });
    expect((await deliver(event)).status).toBe(200);
    expect(await account()).toMatchObject({ stripeSubscriptionId, subscriptionStatus: 'past_due' });
    // Another (old) subscription's news does not replace the tenant's.
    const other = await stripe.createStripeClient({ secretKey: 'sk_test_fake', apiUrl: fake.url }).subscriptions.create({ customer: customerId, items: [] });
    fake.putSubscription(other.id, { status: 'canceled' });
    expect((await deliver(stripeEvent('customer.subscription.deleted', { id: other.id, object: 'subscription', customer: customerId }))).status).toBe(200);
    expect(await account()).toMatchObject({ stripeSubscriptionId, subscriptionStatus: 'past_due' });
  });
});
