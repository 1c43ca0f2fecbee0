import { Temporal } from '@js-temporal/polyfill';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { BillingMetric, DB, PriceMetric, PricesTable, RoundingMode, UsageMetric } from '@switchboard/db';

/**
 * Rating: what one usage event costs. Rules (docs/billing.md, "Rounding rules"):
 * - Each event is rated on its own, when it is written, at the price in effect on its day in the
 *   tenant's time zone. The result is stored on the event, so a later price change never re-rates it.
 * - Handled minutes, per started minute: a call of s seconds bills ceil(s / 60) minutes (61 s = 2 min).
 * - Handled minutes, per second: a call of s seconds bills s seconds at the minute price / 60, rounded
 *   half up to the minor unit once per call (61 s at 90 ¢/min = 91.5 ¢ → 92 ¢).
 * - Counted metrics (orders, complaints, surveys, contacts, records, calls): quantity × unit price.
 * - A statement line sums the events' amounts: no second rounding.
 */

export type PriceRow = Selectable<PricesTable>;
export type PriceSource = 'list' | 'tenant';
export interface AppliedPrice extends PriceRow {
  source: PriceSource;
}

/** The price metric a usage metric is billed by: talk time is priced per handled minute. */
export function usagePriceMetric(metric: UsageMetric): PriceMetric {
  return metric === 'talk_seconds' ? 'handled_minute' : metric;
}

export interface Rated {
  /** In the price's unit: minutes (per started minute), seconds (per second), or a count. */
  billedQuantity: number;
  amountMinor: number;
}

/** One event's billed quantity and amount under a price (null: no price applies, nothing billed). */
export function rate(metric: BillingMetric, quantity: number, price: { unitAmountMinor: number | string; rounding: RoundingMode | null } | null): Rated {
  const q = Math.max(0, Math.round(quantity));
  const unit = price ? Number(price.unitAmountMinor) : 0;
  if (metric === 'handled_minute') {
    if (price?.rounding === 'per_second') return { billedQuantity: q, amountMinor: Math.floor((q * unit + 30) / 60) };
    const minutes = Math.ceil(q / 60);
    return { billedQuantity: minutes, amountMinor: minutes * unit };
  }
  return { billedQuantity: q, amountMinor: q * unit };
}

/** The calendar day of an instant in a time zone, `YYYY-MM-DD`. */
export function localDay(instant: Date, timeZone: string): string {
  // The last day asked for per zone is remembered with the instants it spans under one offset: an
  // order's usage, and every other order until local midnight or the zone's next change of offset,
  // asks for it again. (Temporal's conversion on every call was a twentieth of an order's CPU.)
  const at = instant.getTime();
  const last = lastDays.get(timeZone);
  if (last && at >= last.from && at < last.to) return last.day;
  const zoned = Temporal.Instant.fromEpochMilliseconds(at).toZonedDateTimeISO(timeZone);
  const offsetMs = zoned.offsetNanoseconds / 1e6;
  const localMidnight = Math.floor((at + offsetMs) / 86_400_000) * 86_400_000;
  // The offset holds from the zone's last change at or before this instant to its next one.
  const changedAt = zoned.add({ nanoseconds: 1 }).getTimeZoneTransition('previous')?.epochMilliseconds ?? -Infinity;
  const changesAt = zoned.getTimeZoneTransition('next')?.epochMilliseconds ?? Infinity;
  const span = {
    day: zoned.toPlainDate().toString(),
    from: Math.max(changedAt, localMidnight - offsetMs),
    to: Math.min(changesAt, localMidnight + 86_400_000 - offsetMs),
  };
  if (lastDays.size < 1000 || last) lastDays.set(timeZone, span);
  return span.day;
}
const lastDays = new Map<string, { day: string; from: number; to: number }>();

/** The billing period (calendar month in the tenant's time zone) of an instant: its first day, `YYYY-MM-01`. */
export function periodOf(instant: Date, timeZone: string): string {
  return `${localDay(instant, timeZone).slice(0, 7)}-01`;
}

/** `YYYY-MM-01` → `YYYY-MM`, as periods are named in URLs. */
export function periodLabel(period: string): string {
  return period.slice(0, 7);
}

/** The period `months` after (or before) another, `YYYY-MM-01`. */
export function addMonths(period: string, months: number): string {
  return Temporal.PlainDate.from(period).add({ months }).toString();
}

/** Where a period starts and ends (exclusive) as instants: local midnights in the tenant's time zone. */
export function periodBounds(period: string, timeZone: string): { start: Date; end: Date } {
  const first = Temporal.PlainDate.from(period);
  const at = (day: Temporal.PlainDate) => new Date(day.toZonedDateTime({ timeZone }).epochMilliseconds);
  return { start: at(first), end: at(first.add({ months: 1 })) };
}

type Reader = Kysely<DB>;

type PriceTable = 'prices' | 'tenantPrices';

/** Versions of a price table in a currency that apply on a day (row-level security keeps tenant_prices to the transaction's tenant). */
function versionsInEffect(tx: Reader, table: PriceTable, currency: string, day: string) {
  return tx
    .selectFrom(table as 'prices')
    .where('currency', '=', currency)
    .where('effectiveFrom', '<=', day)
    .where((eb) => eb.or([eb('effectiveTo', 'is', null), eb('effectiveTo', '>', day)]));
}

/**
 * The price of a function's metric on a day as ONE subquery: the tenant's negotiated version first, then
 * the list's (`rank` orders them), the newest version in effect of each. At most one row.
 */
function priceInEffect(query: { currency: string; function: string | null; metric: BillingMetric; day: string }) {
  const side = (table: 'tenant_prices' | 'prices', source: PriceSource, rank: number) => sql`
    select * from (
      select id, function, metric, currency, unit_amount_minor, rounding, effective_from, effective_to, created_at, created_by,
        ${sql.lit(source)}::text as source, ${sql.lit(rank)} as rank
      from ${sql.raw(table)}
      where currency = ${query.currency} and effective_from <= ${query.day} and (effective_to is null or effective_to > ${query.day})
        and function is not distinct from ${query.function}::text and metric = ${query.metric}
      order by effective_from desc limit 1) ${sql.raw(table === 'prices' ? 'listed' : 'negotiated')}`;
  return sql`select * from (${side('tenant_prices', 'tenant', 0)} union all ${side('prices', 'list', 1)}) p order by p.rank limit 1`;
}

type FoundPrice = Partial<AppliedPrice> & { rank: number | null };

const appliedPrice = ({ rank: _rank, ...row }: FoundPrice): AppliedPrice | null => (row.id ? (row as AppliedPrice) : null);

/** The price of a function's metric on a day: the tenant's negotiated price first, then the list. */
export async function priceOn(
  tx: Reader,
  query: { currency: string; function: string | null; metric: BillingMetric; day: string },
): Promise<AppliedPrice | null> {
  const { rows } = await sql<FoundPrice>`${priceInEffect(query)}`.execute(tx);
  return rows[0] ? appliedPrice(rows[0]) : null;
}

function withoutTenant(row: PriceRow & { tenantId?: string }): PriceRow {
  const { tenantId: _tenantId, ...price } = row;
  return price;
}

export interface EffectivePrice {
  function: string | null;
  metric: BillingMetric;
  price: AppliedPrice;
  source: PriceSource;
}

/**
 * Every price that applies to the transaction's tenant on a day, one per (function, metric): the
 * negotiated one where there is one, the list's otherwise, in the tenant's currency.
 */
export async function pricesInEffect(tx: Reader, tenant: { currency: string }, day: string): Promise<EffectivePrice[]> {
  const read = (table: PriceTable) => versionsInEffect(tx, table, tenant.currency, day).selectAll().orderBy('effectiveFrom', 'asc').execute();
  const merged = new Map<string, EffectivePrice>();
  const put = (row: PriceRow, source: PriceSource) => {
    const price = { ...withoutTenant(row), source };
    merged.set(`${row.function ?? ''}/${row.metric}`, { function: row.function, metric: row.metric, price, source });
  };
  for (const row of await read('prices')) put(row, 'list');
  for (const row of await read('tenantPrices')) put(row, 'tenant');
  return [...merged.values()];
}

export interface UsageRating extends Rated {
  priceId: string | null;
  priceSource: PriceSource | null;
  unitAmountMinor: number | null;
  rounding: RoundingMode | null;
  currency: string;
  billingPeriod: string;
}

/**
 * Rates a usage event of the transaction's tenant and picks the statement it lands on: its own month,
 * or — when that month is already closed (the event arrived late) — the open period after the last
 * closed one, so a closed statement never changes.
 */
export async function rateUsage(
  tx: Reader,
  event: { function: string; metric: UsageMetric; quantity: number; occurredAt: Date },
  /** The tenant's time zone and currency when the caller has them (a request has its tenant): else read here. */
  known?: { timeZone: string; currency: string },
): Promise<UsageRating> {
  const tenant =
    known ??
    (await tx.selectFrom('tenants').select(['timeZone', 'currency']).where('id', '=', sql<string>`app.current_tenant_id()`).executeTakeFirstOrThrow());
  const currency = tenant.currency.trim();
  // The lock is a statement of its own, BEFORE the read of the last closed period: under READ COMMITTED
  // a statement's snapshot is taken when it starts, so a read in the statement that waited for a close
  // could miss the statement that close committed meanwhile, and rate into a closed period.
  await lockBillingPeriods(tx, 'shared');
  const metric = usagePriceMetric(event.metric);
  const day = localDay(event.occurredAt, tenant.timeZone);
  let billingPeriod = `${day.slice(0, 7)}-01`; // periodOf, without a second time-zone conversion
  // The price (priceInEffect) and the last closed period in one statement; no price still answers a row,
  // for the period. Written as SQL: built with the query builder, this one statement cost more of Node's
  // CPU than the rest of an order's rating (pnpm bench:api, CPU per request).
  const { rows } = await sql<FoundPrice & { lastClosed: string | null }>`
    select price.*, (select max(period) from statements) as last_closed
    from (select 1) one left join lateral (${priceInEffect({ currency, function: event.function, metric, day })}) price on true`.execute(tx);
  const { lastClosed, ...found } = rows[0]!;
  const price = appliedPrice(found);
  const rated = rate(metric, event.quantity, price);
  if (lastClosed && lastClosed >= billingPeriod) billingPeriod = addMonths(lastClosed, 1);
  return {
    ...rated,
    priceId: price?.id ?? null,
    priceSource: price?.source ?? null,
    unitAmountMinor: price ? Number(price.unitAmountMinor) : null,
    rounding: price?.rounding ?? null,
    currency,
    billingPeriod,
  };
}

/**
 * Closing a period and rating usage into it must not interleave: a usage event committed just after
 * the close read the period would land on a closed statement and never be billed. Rating takes this
 * per-tenant lock shared (ratings never wait for each other); closing takes it exclusive, so it waits
 * for ratings in flight to commit and sees them, and ratings after it see the closed statement.
 */
export async function lockBillingPeriods(tx: Reader, mode: 'shared' | 'exclusive'): Promise<void> {
  const key = sql`hashtext('billing-periods:' || app.current_tenant_id()::text)`;
  if (mode === 'shared') {
    // Held to the end of the transaction: a second event rated in it (a call's handled_call and talk_seconds) asks no more.
    if (sharedHeld.has(tx)) return;
    await sql`select pg_advisory_xact_lock_shared(${key})`.execute(tx);
    if (tx.isTransaction) sharedHeld.add(tx);
  } else await sql`select pg_advisory_xact_lock(${key})`.execute(tx);
}

/** Transactions that hold the shared lock of their tenant's billing periods (a transaction is one tenant's). */
const sharedHeld = new WeakSet<Reader>();

/** The Stripe meter a function's usage is reported to (its value: the rated amount in minor units). */
export function meterEventName(fn: string): string {
  return `switchboard_${fn}`;
}
