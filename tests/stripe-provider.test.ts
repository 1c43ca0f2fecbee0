import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '@switchboard/db';
import { billingOf, localInvoiceNumber, stripeBilling as stripe } from '@switchboard/api';
import { createClock, createHarness, DAY, seedTenant, type Clock, type Harness } from './support/index.ts';
import { startFakeStripe, type FakeStripe } from './support/fake-stripe.ts';

/** What each billing provider does when a period closes: `none` invoices locally, Stripe reports the commitment top-up. */
let h: Harness;
let clock: Clock;
let fake: FakeStripe;

/** February, closed: its frozen statement (usage 30.00, top-up 120.00 to a 150.00 commitment). */
async function closeFebruary(tenant: Tenant, topUpMinor: number) {
  await h.db
    .insertInto('statements')
    .values({
      tenantId: tenant.id,
      period: '2026-02-01',
      currency: 'EUR',
      periodStart: new Date('2026-01-31T23:00:00Z'),
      periodEnd: new Date('2026-02-28T23:00:00Z'),
      usageMinor: 3000,
      totalMinor: 3000 + topUpMinor,
    })
    .execute();
  const line = { tenantId: tenant.id, period: '2026-02-01', function: 'order_taking', metric: 'order', unit: 'order', rounding: null, priceId: null, priceSource: 'list' as const };
  await h.db
    .insertInto('statementLines')
    .values([
      { ...line, lineNo: 1, kind: 'usage', description: 'Order taking — orders', quantity: 12, unitAmountMinor: 250, amountMinor: 3000 },
      ...(topUpMinor
        ? [{ ...line, lineNo: 2, kind: 'commitment_top_up' as const, function: null, metric: null, unit: 'month', priceSource: null, description: 'Minimum commitment top-up', quantity: 1, unitAmountMinor: topUpMinor, amountMinor: topUpMinor }]
        : []),
    ])
    .execute();
}

beforeAll(async () => {
  h = await createHarness();
  clock = createClock(new Date('2026-03-01T08:00:00Z'));
  fake = await startFakeStripe({ now: clock.now });
});
afterAll(async () => {
  await fake?.close();
  await h?.close();
});

describe('no payment provider', () => {
  it('is what an app gets when none is configured', () => {
    expect(billingOf({ now: clock.now }).kind).toBe('none');
  });

  it('invoices a closed statement locally, once, for its total, due in 14 days', async () => {
    const { tenant } = await seedTenant(h.db, { slug: `pizza-${Date.now().toString(36)}`, currency: 'EUR', timeZone: 'Europe/Paris' });
    await closeFebruary(tenant, 12000);
    const none = billingOf({ now: clock.now });
    await none.periodClosed(h.db, tenant.id, '2026-02-01');
    clock.advance(DAY);
    await none.periodClosed(h.db, tenant.id, '2026-02-01');

    const invoices = await h.db.selectFrom('invoices').selectAll().where('tenantId', '=', tenant.id).execute();
    expect(invoices).toHaveLength(1);
    expect(invoices[0]).toMatchObject({
      source: 'local',
      stripeInvoiceId: null,
      number: `${tenant.slug.toUpperCase()}-202602`,
      period: '2026-02-01',
      periodStart: new Date('2026-01-31T23:00:00Z'),
      periodEnd: new Date('2026-02-28T23:00:00Z'),
      currency: 'EUR',
      status: 'open',
      issuedAt: new Date('2026-03-01T08:00:00Z'),
      dueAt: new Date('2026-03-15T08:00:00Z'),
      paidAt: null,
    });
    expect(Number(invoices[0]!.amountDueMinor)).toBe(15000);
    expect(Number(invoices[0]!.amountPaidMinor)).toBe(0);
    expect(localInvoiceNumber('pizza-napoli', '2026-11-01')).toBe('PIZZA-NAPOLI-202611');
  });

  it('refuses to invoice a period that is not closed, writing nothing', async () => {
    const { tenant } = await seedTenant(h.db);
    await expect(billingOf({ now: clock.now }).periodClosed(h.db, tenant.id, '2026-02-01')).rejects.toThrow(/No closed statement/);
    expect(await h.db.selectFrom('invoices').select('id').where('tenantId', '=', tenant.id).execute()).toEqual([]);
  });
});

describe('Stripe', () => {
  const billing = () => stripe.stripeBilling({ db: h.db, now: clock.now, secretKey: 'sk_test_fake', apiUrl: fake.url });

  it('queues the commitment top-up once and reports it inside the closed period’s Stripe cycle; Stripe makes the invoice', async () => {
    const { tenant } = await seedTenant(h.db, { currency: 'EUR', timeZone: 'Europe/Paris' });
    await closeFebruary(tenant, 12000);
    await billing().periodClosed(h.db, tenant.id, '2026-02-01');
    await billing().periodClosed(h.db, tenant.id, '2026-02-01');
    const rows = await h.db.selectFrom('billingOutbox').selectAll().where('tenantId', '=', tenant.id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: stripe.topUpOutboxId(tenant.id, '2026-02-01'), kind: 'meter_event', eventName: 'switchboard_commitment_top_up', sentAt: null });
    expect(Number(rows[0]!.value)).toBe(12000);
    // No local invoice: Stripe's comes back through the webhook.
    expect(await h.db.selectFrom('invoices').select('id').where('tenantId', '=', tenant.id).execute()).toEqual([]);

    expect(await stripe.runOutboxOnce(billing())).toMatchObject({ sent: 1 });
    const event = fake.meterEvents.get(rows[0]!.id);
    expect(event).toMatchObject({ event_name: 'switchboard_commitment_top_up', payload: { value: '12000' } });
    // February's last local second (22:59:59 UTC), inside February's cycle (until 1 March 01:00 UTC).
    expect(event?.timestamp).toBe(Date.parse('2026-02-28T22:59:59Z') / 1000);
  });

  it('queues nothing when usage met the commitment', async () => {
    const { tenant } = await seedTenant(h.db, { currency: 'EUR' });
    await closeFebruary(tenant, 0);
    await billing().periodClosed(h.db, tenant.id, '2026-02-01');
    expect(await h.db.selectFrom('billingOutbox').select('id').where('tenantId', '=', tenant.id).execute()).toEqual([]);
  });
});
