import type { Kysely } from 'kysely';
import { newId, withApp, withTenant, type BillingMetric, type DB, type RoundingMode, type Tenant, type UsageMetric } from '@switchboard/db';
import { closePeriodsOnce, recordUsage } from '@switchboard/api';

/**
 * Billing fixtures: prices written straight into the list (global) or a tenant's negotiated prices,
 * a tenant's billing account, and usage written the way the desk writes it (recordUsage, which rates
 * each event). The price routes are tested on their own; these suites need prices to exist.
 */

export interface PriceFixture {
  function: string | null;
  metric: BillingMetric;
  currency?: string;
  unitAmountMinor: number;
  rounding?: RoundingMode | null;
  effectiveFrom?: string;
  effectiveTo?: string | null;
}

const priceRow = (p: PriceFixture) => ({
  id: newId(),
  function: p.function,
  metric: p.metric,
  currency: p.currency ?? 'EUR',
  unitAmountMinor: p.unitAmountMinor,
  rounding: p.rounding ?? (p.metric === 'handled_minute' ? 'per_started_minute' : null),
  effectiveFrom: p.effectiveFrom ?? '2000-01-01',
  effectiveTo: p.effectiveTo ?? null,
  createdBy: 'test',
});

/** A version of the provider's list price; answers its id. */
export async function insertListPrice(db: Kysely<DB>, price: PriceFixture): Promise<string> {
  const row = priceRow(price);
  await withApp(db, (tx) => tx.insertInto('prices').values(row).execute());
  return row.id;
}

/** A negotiated price of one tenant (in the tenant's currency unless told); answers its id. */
export async function insertTenantPrice(db: Kysely<DB>, tenant: Tenant, price: PriceFixture): Promise<string> {
  const row = { ...priceRow({ currency: tenant.currency, ...price }), tenantId: tenant.id };
  await withTenant(db, tenant.id, (tx) => tx.insertInto('tenantPrices').values(row).execute());
  return row.id;
}

export async function setBillingAccount(
  db: Kysely<DB>,
  tenant: Tenant,
  terms: { minimumCommitmentMinor?: number; dedicatedSeats?: number; pastDueSince?: Date | null },
): Promise<void> {
  await withTenant(db, tenant.id, (tx) =>
    tx
      .insertInto('billingAccounts')
      .values({ tenantId: tenant.id, updatedBy: 'test', ...terms })
      .onConflict((oc) => oc.column('tenantId').doUpdateSet({ ...terms, updatedBy: 'test' }))
      .execute(),
  );
}

/** One usage event written by recordUsage, as the desk writes it (rated at its day's price); sourceId: a uuid, e.g. the call's. */
export async function writeUsage(
  db: Kysely<DB>,
  tenant: Tenant,
  usage: { function: string; metric: UsageMetric; quantity: number; occurredAt: Date; sourceId?: string },
): Promise<void> {
  await withTenant(db, tenant.id, (tx) =>
    recordUsage(tx, { ...usage, sourceType: 'test', sourceId: usage.sourceId ?? newId() }),
  );
}

/**
 * Rows in every billing table of a tenant, for suites that need all tenant tables filled (isolation):
 * a negotiated price, a billing account, a billed order last month (with its outbox row), and that
 * month closed — statement, lines, and the local invoice. Closing runs for every tenant due.
 */
export async function seedBillingRecords(db: Kysely<DB>, tenants: Tenant[], now: Date = new Date()): Promise<void> {
  const lastMonth = new Date(now.getTime() - 40 * 24 * 60 * 60 * 1000);
  for (const tenant of tenants) {
    await insertTenantPrice(db, tenant, { function: 'order_taking', metric: 'order', unitAmountMinor: 110 });
    await withTenant(db, tenant.id, (tx) =>
      tx.insertInto('billingAccounts').values({ tenantId: tenant.id, minimumCommitmentMinor: 1000, dedicatedSeats: 0 }).onConflict((oc) => oc.column('tenantId').doNothing()).execute(),
    );
    await writeUsage(db, tenant, { function: 'order_taking', metric: 'order', quantity: 1, occurredAt: lastMonth });
  }
  await closePeriodsOnce({ db, now: () => now });
}
