import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import { callFunctionIds, withTenant } from '@switchboard/db';
import { addMonths, meterEventName, pricesInEffect } from '../rating.ts';
import type { PriceSpec } from './catalog.ts';
import { ensureCustomer } from './customers.ts';
import { anchorHourUtc, cyclePeriodAt, stripeCycle } from './cycle.ts';
import type { StripeDeps } from './deps.ts';

/** The meter a period's commitment top-up (minimum commitment − usage) is reported to. */
export const COMMITMENT_TOP_UP_EVENT = 'switchboard_commitment_top_up';
/** Stripe's invoices are sent, not charged: the tenant pays them from the hosted page within this many days. */
export const INVOICE_DAYS_UNTIL_DUE = 14;

/** Every meter a subscription bills: one per call function, and the commitment top-up. */
export function meterEventNames(): string[] {
  return [...callFunctionIds.map(meterEventName), COMMITMENT_TOP_UP_EVENT];
}

interface WantedItem {
  spec: PriceSpec;
  /** Licensed items only (platform fee, seats); a metered item's quantity is its meter's usage. */
  quantity?: number;
}

const ENDED = new Set(['canceled', 'incomplete_expired']);

/**
 * The tenant's subscription: a metered price per meter (1 minor unit per unit, in the tenant's
 * currency), the platform fee as a flat monthly price and dedicated seats as a quantity, cycles
 * anchored so that one Stripe cycle bills one of our periods (cycle.ts). Created once — found again
 * in the billing account, or among the customer's subscriptions after a crash — and, with
 * `reconcile`, brought in line with the fee and seats in effect for the next cycle.
 */
export async function ensureSubscription(
  deps: StripeDeps,
  tenantId: string,
  options: { reconcile?: boolean } = {},
): Promise<{ customerId: string; subscriptionId: string }> {
  const customerId = await ensureCustomer(deps, tenantId);
  const now = deps.now();
  const state = await withTenant(deps.db, tenantId, async (tx) => {
    const account = await tx.selectFrom('billingAccounts').select(['stripeSubscriptionId', 'subscriptionStatus', 'dedicatedSeats']).executeTakeFirst();
    // A subscription cancelled in Stripe (the webhook says so) is replaced at once, not at the next daily check.
    const live = account?.stripeSubscriptionId && !ENDED.has(account.subscriptionStatus ?? '');
    if (live && !options.reconcile) return { known: true as const, subscriptionId: account.stripeSubscriptionId! };
    const tenant = await tx.selectFrom('tenants').select(['currency', 'timeZone']).where('id', '=', tenantId).executeTakeFirstOrThrow();
    const anchorHour = anchorHourUtc(tenant.timeZone);
    const running = cyclePeriodAt(now, anchorHour);
    // The flat fee is billed in advance, when the next cycle starts: the price of that period's first day.
    const prices = await pricesInEffect(tx, tenant, addMonths(running, 1));
    const monthly = (metric: 'platform_fee' | 'seat') => prices.find((p) => p.function === null && p.metric === metric)?.price;
    return {
      known: false as const,
      subscriptionId: account?.stripeSubscriptionId ?? null,
      currency: tenant.currency,
      seats: account?.dedicatedSeats ?? 0,
      fee: monthly('platform_fee'),
      seat: monthly('seat'),
      anchorHour,
      cycleStart: stripeCycle(running, anchorHour).start,
    };
  });
  if (state.known) return { customerId, subscriptionId: state.subscriptionId };

  const currency = state.currency.toLowerCase();
  const wanted: WantedItem[] = [];
  for (const eventName of meterEventNames()) {
    wanted.push({
      spec: {
        lookupKey: `${eventName}_${currency}`,
        currency,
        unitAmount: 1,
        productName: `Switchboard ${eventName.replace(/^switchboard_/, '').replaceAll('_', ' ')}`,
        meterId: await deps.catalog.meterId(eventName),
      },
    });
  }
  const fee = state.fee ? Number(state.fee.unitAmountMinor) : 0;
  if (fee > 0) {
    wanted.push({ spec: { lookupKey: `switchboard_platform_fee_${currency}_${fee}`, currency, unitAmount: fee, productName: 'Switchboard platform fee' }, quantity: 1 });
  }
  const seatPrice = state.seat ? Number(state.seat.unitAmountMinor) : 0;
  if (state.seats > 0 && seatPrice > 0) {
    wanted.push({ spec: { lookupKey: `switchboard_seat_${currency}_${seatPrice}`, currency, unitAmount: seatPrice, productName: 'Switchboard dedicated operator seat' }, quantity: state.seats });
  }
  const priceIds = await deps.catalog.priceIds(wanted.map((item) => item.spec));
  const items = wanted.map((item) => ({ price: priceIds.get(item.spec.lookupKey)!, ...(item.quantity !== undefined ? { quantity: item.quantity } : {}) }));

  let subscription = state.subscriptionId ? await deps.stripe.subscriptions.retrieve(state.subscriptionId) : await adoptExisting(deps.stripe, customerId, tenantId);
  // The one a new subscription replaces is part of its idempotency key: else Stripe would answer the ended one again.
  const replacing = subscription && ENDED.has(subscription.status) ? subscription.id : 'none';
  if (replacing !== 'none') subscription = null;
  if (!subscription) {
    const params: Stripe.SubscriptionCreateParams = {
      customer: customerId,
      items,
      collection_method: 'send_invoice',
      days_until_due: INVOICE_DAYS_UNTIL_DUE,
      billing_cycle_anchor_config: { day_of_month: 1, hour: state.anchorHour, minute: 0, second: 0 },
      // From the start of the running cycle, so this period's usage before today is billed too.
      backdate_start_date: Math.floor(state.cycleStart.getTime() / 1000),
      metadata: { tenant_id: tenantId },
    };
    const digest = createHash('sha256').update(JSON.stringify(params)).digest('hex').slice(0, 16);
    subscription = await deps.stripe.subscriptions.create(params, { idempotencyKey: `switchboard-subscription-${tenantId}-${replacing}-${digest}` });
  } else {
    const changes = itemChanges(subscription, items);
    if (changes.length) subscription = await deps.stripe.subscriptions.update(subscription.id, { items: changes, proration_behavior: 'none' });
  }
  const { id, status } = subscription;
  await withTenant(deps.db, tenantId, (tx) =>
    tx
      .insertInto('billingAccounts')
      .values({ tenantId, stripeSubscriptionId: id, subscriptionStatus: status, updatedAt: deps.now(), updatedBy: 'stripe' })
      .onConflict((oc) => oc.column('tenantId').doUpdateSet({ stripeSubscriptionId: id, subscriptionStatus: status, updatedAt: deps.now() }))
      .execute(),
  );
  return { customerId, subscriptionId: id };
}

/** A live subscription we created for this tenant earlier but did not get to store (the process died in between). */
async function adoptExisting(stripe: Stripe, customerId: string, tenantId: string): Promise<Stripe.Subscription | null> {
  for await (const subscription of stripe.subscriptions.list({ customer: customerId, status: 'all', limit: 100 })) {
    if (subscription.metadata?.tenant_id === tenantId && !ENDED.has(subscription.status)) return subscription;
  }
  return null;
}

/** What to add, remove or re-quantify so the subscription's items are the wanted ones. */
function itemChanges(subscription: Stripe.Subscription, wanted: { price: string; quantity?: number }[]): Stripe.SubscriptionUpdateParams.Item[] {
  const changes: Stripe.SubscriptionUpdateParams.Item[] = [];
  const wantedByPrice = new Map(wanted.map((item) => [item.price, item]));
  const present = new Set<string>();
  for (const item of subscription.items.data) {
    const want = wantedByPrice.get(item.price.id);
    present.add(item.price.id);
    if (!want) changes.push({ id: item.id, deleted: true });
    else if (want.quantity !== undefined && want.quantity !== item.quantity) changes.push({ id: item.id, quantity: want.quantity });
  }
  for (const item of wanted) if (!present.has(item.price)) changes.push(item);
  return changes;
}
