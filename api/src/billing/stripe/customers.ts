import { sql } from 'kysely';
import { withTenant } from '@switchboard/db';
import { languageOf } from '@switchboard/db/languages';
import type { StripeDeps } from './deps.ts';

/** The idempotency key of a tenant's customer creation: a retry (or a second process) gets the same customer. */
export const customerIdempotencyKey = (tenantId: string) => `switchboard-customer-${tenantId}`;

/**
 * The tenant's Stripe customer, created on first need: one per tenant, named after its legal name,
 * with the tenant id in its metadata (how someone in the Stripe dashboard finds us again) and the
 * tenant's language as its preferred locale, so the invoices and e-mails Stripe sends reach the client
 * in its language (English when the product does not speak the tenant's locale). Stripe is
 * called outside any transaction; the id is stored afterwards, keeping whichever id got there first.
 */
export async function ensureCustomer(deps: StripeDeps, tenantId: string): Promise<string> {
  const known = await withTenant(deps.db, tenantId, async (tx) => {
    const tenant = await tx.selectFrom('tenants').select(['slug', 'name', 'legalName', 'locale']).where('id', '=', tenantId).executeTakeFirstOrThrow();
    const account = await tx.selectFrom('billingAccounts').select('stripeCustomerId').executeTakeFirst();
    return { tenant, customerId: account?.stripeCustomerId ?? null };
  });
  if (known.customerId) return known.customerId;
  const customer = await deps.stripe.customers.create(
    {
      name: known.tenant.legalName,
      description: known.tenant.name,
      metadata: { tenant_id: tenantId, tenant_slug: known.tenant.slug },
      preferred_locales: [languageOf(known.tenant.locale) ?? 'en'],
    },
    { idempotencyKey: customerIdempotencyKey(tenantId) },
  );
  return withTenant(deps.db, tenantId, async (tx) => {
    const row = await tx
      .insertInto('billingAccounts')
      .values({ tenantId, stripeCustomerId: customer.id, updatedAt: deps.now(), updatedBy: 'stripe' })
      .onConflict((oc) =>
        oc.column('tenantId').doUpdateSet({
          stripeCustomerId: sql<string>`coalesce(billing_accounts.stripe_customer_id, excluded.stripe_customer_id)`,
          updatedAt: deps.now(),
        }),
      )
      .returning('stripeCustomerId')
      .executeTakeFirstOrThrow();
    return row.stripeCustomerId!;
  });
}
