import { Temporal } from '@js-temporal/polyfill';
import { sql } from 'kysely';
import { callFunctions, type TenantTx } from '@switchboard/db';
import { localDay, periodBounds } from './rating.ts';
import type { BillingTenant } from './statements.ts';

/**
 * A period's usage as the portal charts it: the amount per function on each day, and per function
 * what was done (calls, talk time, orders, complaints) and what it costs. It counts exactly the
 * events the period's statement bills, so the chart adds up to the statement's usage.
 */

export interface UsageReport {
  period: string;
  timeZone: string;
  currency: string;
  days: { day: string; byFunction: Record<string, number> }[];
  byFunction: { function: string; calls: number; talkSeconds: number; orders: number; complaints: number; amountMinor: number }[];
}

const functionOrder = new Map<string, number>(callFunctions.map((f, i) => [f.id, i]));
const byCatalogOrder = (a: string, b: string) => (functionOrder.get(a) ?? 99) - (functionOrder.get(b) ?? 99) || a.localeCompare(b);

/** Every day of the period, in the tenant's calendar, up to today (all of them for a period already over). */
function daysOf(period: string, timeZone: string, now: Date): string[] {
  const first = Temporal.PlainDate.from(period);
  const last = first.add({ months: 1 }).subtract({ days: 1 }).toString();
  const today = localDay(now, timeZone);
  const end = today < last ? today : last;
  const days: string[] = [];
  for (let day = first; day.toString() <= end; day = day.add({ days: 1 })) days.push(day.toString());
  return days;
}

export async function usageReport(tx: TenantTx, tenant: BillingTenant, period: string, now: Date): Promise<UsageReport> {
  const perDay = await tx
    .selectFrom('usageEvents')
    .select((eb) => [sql<string>`(occurred_at at time zone ${tenant.timeZone})::date`.as('day'), 'function', eb.fn.sum<string | number>('amountMinor').as('amountMinor')])
    .where('billingPeriod', '=', period)
    .groupBy([sql`1`, 'function'])
    .execute();
  const totals = await tx
    .selectFrom('usageEvents')
    .select([
      'function',
      sql<string | number>`coalesce(sum(quantity) filter (where metric = 'handled_call'), 0)`.as('calls'),
      sql<string | number>`coalesce(sum(quantity) filter (where metric = 'talk_seconds'), 0)`.as('talkSeconds'),
      sql<string | number>`coalesce(sum(quantity) filter (where metric = 'order'), 0)`.as('orders'),
      sql<string | number>`coalesce(sum(quantity) filter (where metric = 'complaint'), 0)`.as('complaints'),
      sql<string | number>`coalesce(sum(amount_minor), 0)`.as('amountMinor'),
    ])
    .where('billingPeriod', '=', period)
    .groupBy('function')
    .execute();

  const functions = totals.map((t) => t.function).sort(byCatalogOrder);
  const days = daysOf(period, tenant.timeZone, now);
  const chart = new Map(days.map((day) => [day, Object.fromEntries(functions.map((f) => [f, 0])) as Record<string, number>]));
  const { start } = periodBounds(period, tenant.timeZone);
  const firstDay = days[0] ?? localDay(start, tenant.timeZone);
  const lastDay = days[days.length - 1] ?? firstDay;
  for (const row of perDay) {
    // Late usage (from a month already closed) is billed on this period: it is charted on its first day.
    const day = row.day < firstDay ? firstDay : row.day > lastDay ? lastDay : row.day;
    const entry = chart.get(day);
    if (entry) entry[row.function] = (entry[row.function] ?? 0) + Number(row.amountMinor);
  }
  return {
    period,
    timeZone: tenant.timeZone,
    currency: tenant.currency,
    days: days.map((day) => ({ day, byFunction: chart.get(day)! })),
    byFunction: totals
      .sort((a, b) => byCatalogOrder(a.function, b.function))
      .map((t) => ({
        function: t.function,
        calls: Number(t.calls),
        talkSeconds: Number(t.talkSeconds),
        orders: Number(t.orders),
        complaints: Number(t.complaints),
        amountMinor: Number(t.amountMinor),
      })),
  };
}
