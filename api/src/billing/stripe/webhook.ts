import { sql } from 'kysely';
import Stripe from 'stripe';
import { billingOutbox, newId, withApp, withTenant, type InvoiceStatus, type TenantTx } from '@switchboard/db';
import { periodOf } from '../rating.ts';
import type { StripeDeps } from './deps.ts';

/** What we keep of an event: its id and type, and what its object names. */
export interface StripeEventInput {
  id: string;
  type: string;
  data: { object: { id?: string; customer?: unknown } };
}

/** Events that mean a payment did not come in: the tenant is past due while the invoice stays open. */
const PAYMENT_MISSED = new Set(['invoice.payment_failed', 'invoice.overdue']);
const INVOICE_STATUSES = new Set<string>(['draft', 'open', 'paid', 'void', 'uncollectible']);

const idOf = (value: unknown): string | null =>
  typeof value === 'string' ? value : typeof value === 'object' && value && typeof (value as { id?: unknown }).id === 'string' ? (value as { id: string }).id : null;
const fromUnix = (seconds: number | null | undefined) => (seconds ? new Date(seconds * 1000) : null);

function isMissing(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeInvalidRequestError && (error.statusCode === 404 || error.code === 'resource_missing');
}

/**
 * Applies one verified webhook event, once: its id is recorded in stripe_events, and an event already
 * processed is a replay that changes nothing. Events arrive in any order, so an invoice or a
 * subscription is re-fetched from Stripe and its current state stored, whatever the event said.
 * An event that failed half-way (Stripe unreachable on the re-fetch) is not marked processed, so
 * Stripe's retry applies it.
 */
export async function processStripeEvent(deps: StripeDeps, event: StripeEventInput): Promise<'processed' | 'replayed'> {
  const seen = await withApp(deps.db, async (tx) => {
    await tx
      .insertInto('stripeEvents')
      .values({ id: event.id, type: event.type, receivedAt: deps.now() })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    return tx.selectFrom('stripeEvents').select('processedAt').where('id', '=', event.id).executeTakeFirstOrThrow();
  });
  if (seen.processedAt) return 'replayed';
  if (event.type.startsWith('invoice.')) await syncInvoice(deps, event);
  else if (event.type.startsWith('customer.subscription.')) await syncSubscription(deps, event);
  await withApp(deps.db, (tx) => tx.updateTable('stripeEvents').set({ processedAt: deps.now() }).where('id', '=', event.id).execute());
  return 'processed';
}

async function syncInvoice(deps: StripeDeps, event: StripeEventInput): Promise<void> {
  const invoiceId = event.data.object.id;
  if (!invoiceId) return; // invoice.upcoming: a preview, no invoice yet
  let invoice: Stripe.Invoice | null = null;
  try {
    invoice = await deps.stripe.invoices.retrieve(invoiceId);
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
  const customerId = idOf(invoice ? invoice.customer : event.data.object.customer);
  const tenantId = customerId ? await billingOutbox.tenantOwningStripeCustomer(deps.db, customerId) : null;
  if (!tenantId) return; // not one of our tenants' customers
  const now = deps.now();
  await withTenant(deps.db, tenantId, async (tx) => {
    if (!invoice) {
      // A draft deleted in Stripe: it will never be paid.
      await tx.updateTable('invoices').set({ status: 'void', updatedAt: now }).where('stripeInvoiceId', '=', invoiceId).where('status', '=', 'draft').execute();
    } else {
      await storeInvoice(tx, tenantId, invoice, now);
      if (PAYMENT_MISSED.has(event.type) && invoice.status === 'open') {
        await tx
          .updateTable('invoices')
          .set({ paymentFailedAt: sql<Date>`coalesce(payment_failed_at, ${now})` })
          .where('stripeInvoiceId', '=', invoice.id)
          .execute();
      }
    }
    await updatePastDue(tx, tenantId, now);
  });
}

async function storeInvoice(tx: TenantTx, tenantId: string, invoice: Stripe.Invoice, now: Date): Promise<void> {
  const tenant = await tx.selectFrom('tenants').select('timeZone').where('id', '=', tenantId).executeTakeFirstOrThrow();
  const periodStart = fromUnix(invoice.period_start);
  // The period the invoice bills usage for, when we have closed it (a cycle starts just after the period does).
  const candidate = periodStart ? periodOf(periodStart, tenant.timeZone) : null;
  const statement = candidate ? await tx.selectFrom('statements').select('period').where('period', '=', candidate).executeTakeFirst() : undefined;
  const status = (INVOICE_STATUSES.has(invoice.status ?? '') ? invoice.status : 'draft') as InvoiceStatus;
  const state = {
    number: invoice.number,
    period: statement?.period ?? null,
    periodStart,
    periodEnd: fromUnix(invoice.period_end),
    currency: invoice.currency.toUpperCase(),
    amountDueMinor: invoice.amount_due,
    amountPaidMinor: invoice.amount_paid,
    status,
    hostedInvoiceUrl: invoice.hosted_invoice_url ?? null,
    invoicePdfUrl: invoice.invoice_pdf ?? null,
    issuedAt: fromUnix(invoice.status_transitions?.finalized_at),
    dueAt: fromUnix(invoice.due_date),
    paidAt: fromUnix(invoice.status_transitions?.paid_at),
    updatedAt: now,
  };
  await tx
    .insertInto('invoices')
    .values({ tenantId, id: newId(), source: 'stripe', stripeInvoiceId: invoice.id, createdAt: now, ...state })
    .onConflict((oc) => oc.columns(['tenantId', 'stripeInvoiceId']).doUpdateSet(state))
    .execute();
}

/**
 * Past due from the first missed payment until no open invoice has one: set once (so the grace
 * period runs from the first miss), cleared when the last such invoice is paid or voided.
 */
async function updatePastDue(tx: TenantTx, tenantId: string, now: Date): Promise<void> {
  const missed = await tx
    .selectFrom('invoices')
    .select('id')
    .where('status', '=', 'open')
    .where('paymentFailedAt', 'is not', null)
    .limit(1)
    .executeTakeFirst();
  if (missed) {
    await tx
      .insertInto('billingAccounts')
      .values({ tenantId, pastDueSince: now, updatedAt: now, updatedBy: 'stripe' })
      .onConflict((oc) => oc.column('tenantId').doUpdateSet({ pastDueSince: sql<Date>`coalesce(billing_accounts.past_due_since, excluded.past_due_since)` }))
      .execute();
  } else {
    await tx.updateTable('billingAccounts').set({ pastDueSince: null, updatedAt: now }).where('pastDueSince', 'is not', null).execute();
  }
}

async function syncSubscription(deps: StripeDeps, event: StripeEventInput): Promise<void> {
  const subscriptionId = event.data.object.id;
  if (!subscriptionId) return;
  const subscription = await deps.stripe.subscriptions.retrieve(subscriptionId);
  const customerId = idOf(subscription.customer);
  const tenantId = customerId ? await billingOutbox.tenantOwningStripeCustomer(deps.db, customerId) : null;
  if (!tenantId) return;
  await withTenant(deps.db, tenantId, (tx) =>
    tx
      .updateTable('billingAccounts')
      .set({ stripeSubscriptionId: subscription.id, subscriptionStatus: subscription.status, updatedAt: deps.now() })
      // Another subscription's news (an old one, cancelled) does not overwrite the tenant's current one.
      .where((eb) => eb.or([eb('stripeSubscriptionId', 'is', null), eb('stripeSubscriptionId', '=', subscription.id)]))
      .execute(),
  );
}
