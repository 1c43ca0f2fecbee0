import { z } from '@hono/zod-openapi';
import { callFunctionIds, isCallFunctionId, priceMetrics, type AppTx, type CallFunctionId, type DB, type PriceMetric } from '@switchboard/db';
import type { Kysely } from 'kysely';
import type { Actor } from '../http/env.ts';
import { writePlatformAudit } from '../audit/write.ts';
import { CurrencySchema } from '../http/validators.ts';
import { comparePrices, keyOf, listPriceVersions, lockPriceList, priceState, utcDay } from '../billing/prices.ts';
import { syncPrices } from '../billing/price-sync.ts';

/**
 * The issue-3 view of the price list, kept for GET/PUT /api/function-prices (deprecated: the dated
 * list lives at /api/billing/prices, api/src/billing/prices.ts): the list prices in effect today,
 * one unit price per (function, metric, currency), without dates, rounding or monthly fees.
 */

export const FunctionPriceSchema = z
  .strictObject({
    function: z.enum(callFunctionIds),
    metric: z.enum(priceMetrics).openapi({ description: 'What one unit is: a handled minute, an order, a completed survey…' }),
    unitPriceMinor: z
      .number({ message: 'Enter a price in minor units (cents), e.g. 95.' })
      .int('Use whole minor units (cents).')
      .min(0, 'A price cannot be negative.')
      .max(100_000_000, 'That price is too large.'),
    currency: CurrencySchema,
  })
  .openapi('FunctionPrice', { example: { function: 'order_taking', metric: 'order', unitPriceMinor: 120, currency: 'EUR' } });
export type FunctionPrice = z.output<typeof FunctionPriceSchema>;

export const PriceListSchema = z
  .strictObject({ prices: z.array(FunctionPriceSchema).max(500) })
  .superRefine((list, ctx) => {
    // A function may now be priced per several metrics (minutes and orders); each once per currency.
    const seen = new Map<string, number>();
    list.prices.forEach((p, i) => {
      const key = `${p.function}/${p.metric}/${p.currency}`;
      const first = seen.get(key);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['prices', i, 'currency'], message: `${p.function} already has a ${p.currency} price per ${p.metric} at prices.${first}.` });
      else seen.set(key, i);
    });
  })
  .openapi('PriceList', {
    example: {
      prices: [
        { function: 'information', metric: 'handled_minute', unitPriceMinor: 95, currency: 'EUR' },
        { function: 'order_taking', metric: 'order', unitPriceMinor: 120, currency: 'EUR' },
      ],
    },
  });
export type PriceList = z.output<typeof PriceListSchema>;

const order = (a: FunctionPrice, b: FunctionPrice) => comparePrices(a, b);

/** The list prices in effect on a day (UTC today, for the API), per function, metric and currency. Readable from any transaction. */
export async function loadPrices(tx: Kysely<DB>, day: string): Promise<FunctionPrice[]> {
  const rows = await tx
    .selectFrom('prices')
    .select(['function', 'metric', 'unitAmountMinor', 'currency'])
    .where('function', 'is not', null)
    .where('effectiveFrom', '<=', day)
    .where((eb) => eb.or([eb('effectiveTo', 'is', null), eb('effectiveTo', '>', day)]))
    .execute();
  return rows
    .filter((r): r is typeof r & { function: CallFunctionId; metric: PriceMetric } => isCallFunctionId(r.function ?? '') && (priceMetrics as readonly string[]).includes(r.metric))
    .map((r) => ({ function: r.function, metric: r.metric, unitPriceMinor: Number(r.unitAmountMinor), currency: r.currency }))
    .sort(order);
}

/**
 * PUT /api/function-prices on the dated list: what is in effect today becomes the body. A changed price
 * gets a new version from today (the version it replaces ends today); a price left out ends today;
 * scheduled versions and the monthly fees, which this format cannot express, are left alone.
 * Talk time keeps the rounding of the version it replaces (new ones: per started minute, as issue 3 billed).
 * One `prices.replaced` platform audit row holds both lists; an identical list writes nothing.
 */
export async function replacePrices(tx: AppTx, actor: Actor | null, list: PriceList, now: Date): Promise<{ changed: boolean; prices: FunctionPrice[] }> {
  const today = utcDay(now);
  await lockPriceList(tx, { kind: 'list' });
  const before = await loadPrices(tx, today);
  const after = [...list.prices].sort(order);
  if (JSON.stringify(before) === JSON.stringify(after)) return { changed: false, prices: before };
  const inEffect = (await listPriceVersions(tx, { kind: 'list' })).filter((v) => priceState(v, today) === 'current');
  const entries = after.map((p) => ({
    function: p.function,
    metric: p.metric,
    currency: p.currency,
    unitAmountMinor: p.unitPriceMinor,
    rounding:
      p.metric === 'handled_minute'
        ? (inEffect.find((v) => keyOf(v) === keyOf(p))?.rounding ?? 'per_started_minute')
        : null,
  }));
  await syncPrices(tx, { kind: 'list' }, actor, entries, now, { manages: (key) => key.function !== null, scheduled: false, audit: false });
  const prices = await loadPrices(tx, today);
  await writePlatformAudit(tx, actor, { action: 'prices.replaced', targetType: 'price_list', targetId: null, before, after: prices });
  return { changed: true, prices };
}
