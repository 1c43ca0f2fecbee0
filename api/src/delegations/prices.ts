import { z } from '@hono/zod-openapi';
import { callFunctionIds, priceMetrics, type AppTx, type CallFunctionId, type DB, type PriceMetric } from '@switchboard/db';
import type { Kysely } from 'kysely';
import type { Actor } from '../http/env.ts';
import { writePlatformAudit } from '../audit/write.ts';
import { CurrencySchema } from '../http/validators.ts';

/**
 * The provider's price list: one unit price per (function, currency). Deliberately simple — the
 * billing issue replaces it with a full price list (tiers, minimums, per-tenant agreements); until
 * then the portal uses it only to estimate what delegating a function would cost each month.
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
    const seen = new Map<string, number>();
    const metricOf = new Map<string, PriceMetric>();
    list.prices.forEach((p, i) => {
      const key = `${p.function}/${p.currency}`;
      const first = seen.get(key);
      if (first !== undefined) ctx.addIssue({ code: 'custom', path: ['prices', i, 'currency'], message: `${p.function} already has a ${p.currency} price at prices.${first}.` });
      else seen.set(key, i);
      const metric = metricOf.get(p.function);
      if (metric && metric !== p.metric) ctx.addIssue({ code: 'custom', path: ['prices', i, 'metric'], message: `${p.function} is priced per ${metric} in its other currencies.` });
      else metricOf.set(p.function, p.metric);
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

const order = (a: FunctionPrice, b: FunctionPrice) =>
  callFunctionIds.indexOf(a.function) - callFunctionIds.indexOf(b.function) || (a.currency < b.currency ? -1 : a.currency > b.currency ? 1 : 0);

/** The whole price list, ordered by function (catalog order) then currency. Readable from any transaction. */
export async function loadPrices(tx: Kysely<DB>): Promise<FunctionPrice[]> {
  const rows = await tx.selectFrom('functionPrices').select(['function', 'metric', 'unitPriceMinor', 'currency']).execute();
  return rows
    .filter((r) => (callFunctionIds as string[]).includes(r.function))
    .map((r) => ({ function: r.function as CallFunctionId, metric: r.metric, unitPriceMinor: r.unitPriceMinor, currency: r.currency }))
    .sort(order);
}

/** Replaces the price list as a whole, with one platform audit row holding both versions; an identical list writes nothing. */
export async function replacePrices(tx: AppTx, actor: Actor | null, list: PriceList, now: Date): Promise<{ changed: boolean; prices: FunctionPrice[] }> {
  const before = await loadPrices(tx);
  const after = [...list.prices].sort(order);
  if (JSON.stringify(before) === JSON.stringify(after)) return { changed: false, prices: before };
  await tx.deleteFrom('functionPrices').execute();
  if (after.length) {
    await tx
      .insertInto('functionPrices')
      .values(after.map((p) => ({ ...p, updatedAt: now, updatedBy: actor?.label ?? 'system' })))
      .execute();
  }
  await writePlatformAudit(tx, actor, { action: 'prices.replaced', targetType: 'price_list', targetId: null, before, after });
  return { changed: true, prices: after };
}
