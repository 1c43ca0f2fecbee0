import type { Kysely } from 'kysely';
import { callFunctions, withApp, withTenant, type DB, type TenantTx } from '@switchboard/db';
import { addMonths, periodLabel, periodOf } from './rating.ts';
import { computeStatement, periodExists, type BillingTenant } from './statements.ts';

/**
 * The provider's revenue view: each tenant's statement total this month and last (each in the
 * tenant's own time zone and currency), revenue per function, and who is past due. The tenant list
 * is the global registry; every tenant's figures are read inside that tenant's own transaction, so
 * nothing here bypasses row-level security.
 */

export interface OverviewTenant {
  tenantId: string;
  slug: string;
  name: string;
  currency: string;
  status: 'active' | 'suspended';
  thisPeriod: string;
  thisMonthMinor: number;
  lastMonthMinor: number;
  pastDueSince: string | null;
  graceEndsAt: string | null;
}

export interface OverviewFunction {
  function: string;
  currency: string;
  thisMonthMinor: number;
  lastMonthMinor: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** When a past-due tenant may be suspended: its grace period's end. */
export function graceEndsAt(pastDueSince: Date, graceDays: number): Date {
  return new Date(pastDueSince.getTime() + graceDays * DAY_MS);
}

/** A period's total: frozen if closed, else as it stands (0 for a month before the tenant existed). */
async function periodTotal(tx: TenantTx, tenant: BillingTenant, period: string, now: Date): Promise<number> {
  const closed = await tx.selectFrom('statements').select('totalMinor').where('period', '=', period).executeTakeFirst();
  if (closed) return Number(closed.totalMinor);
  if (!(await periodExists(tx, tenant, period, now))) return 0;
  return (await computeStatement(tx, tenant, period)).totalMinor;
}

export async function billingOverview(db: Kysely<DB>, now: Date, graceDays: number): Promise<{ tenants: OverviewTenant[]; functions: OverviewFunction[] }> {
  const registry = await withApp(db, (tx) =>
    tx.selectFrom('tenants').select(['id', 'slug', 'name', 'timeZone', 'currency', 'createdAt', 'status']).orderBy('name').execute(),
  );
  const tenants: OverviewTenant[] = [];
  const functions = new Map<string, OverviewFunction>();
  for (const tenant of registry) {
    const thisPeriod = periodOf(now, tenant.timeZone);
    const lastPeriod = addMonths(thisPeriod, -1);
    const figures = await withTenant(db, tenant.id, async (tx) => {
      const account = await tx.selectFrom('billingAccounts').select('pastDueSince').executeTakeFirst();
      const perFunction = await tx
        .selectFrom('usageEvents')
        .select((eb) => ['function', 'billingPeriod', eb.fn.sum<string | number>('amountMinor').as('amountMinor')])
        .where('billingPeriod', 'in', [thisPeriod, lastPeriod])
        .groupBy(['function', 'billingPeriod'])
        .execute();
      return {
        thisMonthMinor: await periodTotal(tx, tenant, thisPeriod, now),
        lastMonthMinor: await periodTotal(tx, tenant, lastPeriod, now),
        pastDueSince: account?.pastDueSince ?? null,
        perFunction,
      };
    });
    tenants.push({
      tenantId: tenant.id,
      slug: tenant.slug,
      name: tenant.name,
      currency: tenant.currency,
      status: tenant.status,
      thisPeriod: periodLabel(thisPeriod),
      thisMonthMinor: figures.thisMonthMinor,
      lastMonthMinor: figures.lastMonthMinor,
      pastDueSince: figures.pastDueSince?.toISOString() ?? null,
      graceEndsAt: figures.pastDueSince ? graceEndsAt(figures.pastDueSince, graceDays).toISOString() : null,
    });
    for (const row of figures.perFunction) {
      const key = `${row.function}/${tenant.currency}`;
      const entry = functions.get(key) ?? { function: row.function, currency: tenant.currency, thisMonthMinor: 0, lastMonthMinor: 0 };
      if (row.billingPeriod === thisPeriod) entry.thisMonthMinor += Number(row.amountMinor);
      else entry.lastMonthMinor += Number(row.amountMinor);
      functions.set(key, entry);
    }
  }
  const order = new Map<string, number>(callFunctions.map((f, i) => [f.id, i]));
  return {
    tenants,
    functions: [...functions.values()].sort(
      (a, b) => (order.get(a.function) ?? 99) - (order.get(b.function) ?? 99) || a.function.localeCompare(b.function) || a.currency.localeCompare(b.currency),
    ),
  };
}
