import { z } from '@hono/zod-openapi';
import { callFunctionIds, callFunctions, isCallFunctionId, priceMetrics, roundingModes, type BillingMetric, type CallFunctionId, type PriceMetric, type RoundingMode, type Tenant, type TenantTx } from '@switchboard/db';
import { invalid, fieldError } from '../http/problem.ts';
import { localDay, pricesInEffect, rate, type EffectivePrice, type PriceSource } from '../billing/rating.ts';
import { accountTerms } from '../billing/statements.ts';

/**
 * What delegating would cost a month: every metric the price list charges a function for (negotiated
 * prices first, as rating reads them: `pricesInEffect`), times the volumes the client expects, rated by
 * rating's own `rate`, plus the monthly platform fee and dedicated seats, and the top-up to the
 * minimum commitment — the lines of a statement, before the month happens.
 */

export const maxVolume = 100_000_000;
const isMetric = (value: string): value is PriceMetric => (priceMetrics as readonly string[]).includes(value);

export const EstimateQuerySchema = z.object({
  volumes: z
    .string()
    .max(4000, 'Too many volumes.')
    .regex(/^[a-z0-9_.:,]*$/, 'Write volumes as function.metric:quantity, separated by commas.')
    .optional()
    .openapi({
      description: 'Expected monthly volume per function and metric, `function.metric:quantity` separated by commas (handled minutes in minutes). A metric left out counts 0, except the function’s main one, which counts its saved expected volume.',
      example: 'order_taking.handled_minute:3000,order_taking.order:800',
    }),
  delegated: z
    .string()
    .max(500, 'Too many functions.')
    .regex(/^[a-z0-9_,]*$/, 'List functions separated by commas.')
    .optional()
    .openapi({ description: 'The functions the total counts, separated by commas (empty: none). Left out: the functions delegated now.', example: 'order_taking,information' }),
});
export type EstimateQuery = z.output<typeof EstimateQuerySchema>;

const source = z.enum(['list', 'tenant']).openapi({ description: 'tenant: a price negotiated for this company; list: the provider’s list price' });
const EstimateLineSchema = z.object({
  metric: z.enum(priceMetrics),
  quantity: z.number().int().openapi({ description: 'The expected volume (handled minutes: in minutes)' }),
  unitAmountMinor: z.number().int(),
  rounding: z.enum(roundingModes).nullable(),
  source,
  amountMinor: z.number().int(),
});

export const EstimateSchema = z
  .object({
    currency: z.string().openapi({ example: 'EUR' }),
    day: z.string().openapi({ description: 'The prices are those in effect on this day, in the tenant’s time zone', example: '2026-12-04' }),
    functions: z.array(
      z.object({
        function: z.enum(callFunctionIds),
        delegated: z.boolean().openapi({ description: 'Whether the total counts it' }),
        lines: z.array(EstimateLineSchema).openapi({ description: 'One per metric the function is priced by, in price-list order' }),
        subtotalMinor: z.number().int(),
      }),
    ),
    monthly: z.array(EstimateLineSchema.omit({ metric: true }).extend({ metric: z.enum(['platform_fee', 'seat']) })).openapi({ description: 'The platform fee and dedicated seats, whatever the volumes' }),
    usageMinor: z.number().int().openapi({ description: 'The delegated functions’ subtotals' }),
    monthlyMinor: z.number().int(),
    minimumCommitmentMinor: z.number().int(),
    topUpMinor: z.number().int().openapi({ description: 'What the minimum commitment adds when usage falls short of it' }),
    totalMinor: z.number().int(),
  })
  .openapi('DelegationEstimate');
export type Estimate = z.output<typeof EstimateSchema>;
type EstimateLine = z.output<typeof EstimateLineSchema>;

type Volumes = Map<CallFunctionId, Map<PriceMetric, number>>;

/** `order_taking.order:800,…` → volumes, or every problem with the field it belongs to. */
export function parseVolumes(text: string): Volumes {
  const volumes: Volumes = new Map();
  const problems: string[] = [];
  for (const entry of text.split(',').filter(Boolean)) {
    const match = /^([a-z0-9_]+)\.([a-z_]+):(\d{1,9})$/.exec(entry);
    const [fn, metric, quantity] = match ? [match[1]!, match[2]!, Number(match[3])] : [];
    if (!fn || !metric || quantity === undefined) problems.push(`"${entry.slice(0, 60)}" is not function.metric:quantity.`);
    else if (!isCallFunctionId(fn)) problems.push(`Unknown function "${fn}".`);
    else if (!isMetric(metric)) problems.push(`Unknown metric "${metric}" (use one of ${priceMetrics.join(', ')}).`);
    else if (quantity > maxVolume) problems.push(`${fn}.${metric}: at most ${maxVolume} a month.`);
    else if (volumes.get(fn)?.has(metric)) problems.push(`${fn}.${metric} is given twice.`);
    else volumes.set(fn, (volumes.get(fn) ?? new Map()).set(metric, quantity));
  }
  if (problems.length) throw invalid(problems.map((message) => ({ path: 'volumes', message })));
  return volumes;
}

function parseDelegated(text: string): Set<CallFunctionId> {
  const names = text.split(',').filter(Boolean);
  const unknown = names.filter((n) => !isCallFunctionId(n));
  if (unknown.length) throw invalid(unknown.map((n) => fieldError('delegated', 'function.unknown', `Unknown function "${n.slice(0, 60)}".`, { name: n.slice(0, 60) })));
  return new Set(names as CallFunctionId[]);
}

/** The per-unit prices of each function on a day, in price-list order (the first is its main one). */
export function pricesByFunction(inEffect: EffectivePrice[]): Map<string, EffectivePrice[]> {
  const byFunction = new Map<string, EffectivePrice[]>();
  for (const metric of priceMetrics) {
    for (const e of inEffect) {
      if (e.function === null || e.metric !== metric) continue;
      byFunction.set(e.function, [...(byFunction.get(e.function) ?? []), e]);
    }
  }
  return byFunction;
}

function line<M extends BillingMetric>(metric: M, quantity: number, e: EffectivePrice): Omit<EstimateLine, 'metric'> & { metric: M } {
  const unitAmountMinor = Number(e.price.unitAmountMinor);
  // Rating counts talk time in seconds; an estimate of whole minutes is the same price per minute.
  const rated = rate(metric, metric === 'handled_minute' ? quantity * 60 : quantity, { unitAmountMinor, rounding: e.price.rounding as RoundingMode | null });
  return { metric, quantity, unitAmountMinor, rounding: e.price.rounding, source: e.source as PriceSource, amountMinor: rated.amountMinor };
}

/** The month's estimate for the tenant in the transaction, from the query's volumes and delegated functions. */
export async function estimateDelegations(tx: TenantTx, tenant: Pick<Tenant, 'currency' | 'timeZone'>, query: EstimateQuery, now: Date): Promise<Estimate> {
  const volumes = parseVolumes(query.volumes ?? '');
  const rows = await tx.selectFrom('delegations').select(['function', 'delegated', 'expectedMonthlyVolume']).execute();
  const delegated = query.delegated === undefined ? new Set(rows.filter((r) => r.delegated).map((r) => r.function)) : parseDelegated(query.delegated);
  const day = localDay(now, tenant.timeZone);
  const inEffect = await pricesInEffect(tx, tenant, day);
  const byFunction = pricesByFunction(inEffect);

  const functions = callFunctions.map((f) => {
    const prices = byFunction.get(f.id) ?? [];
    const saved = rows.find((r) => r.function === f.id)?.expectedMonthlyVolume ?? 0;
    const lines = prices.map((e, i) => line(e.metric as PriceMetric, volumes.get(f.id)?.get(e.metric as PriceMetric) ?? (i === 0 ? saved : 0), e));
    return { function: f.id, delegated: delegated.has(f.id), lines, subtotalMinor: lines.reduce((s, l) => s + l.amountMinor, 0) };
  });

  const terms = await accountTerms(tx);
  const monthly: Estimate['monthly'] = [];
  const fee = inEffect.find((e) => e.function === null && e.metric === 'platform_fee');
  if (fee) monthly.push(line('platform_fee', 1, fee));
  const seat = inEffect.find((e) => e.function === null && e.metric === 'seat');
  if (seat && terms.dedicatedSeats > 0) monthly.push(line('seat', terms.dedicatedSeats, seat));

  const usageMinor = functions.filter((f) => f.delegated).reduce((s, f) => s + f.subtotalMinor, 0);
  const monthlyMinor = monthly.reduce((s, l) => s + l.amountMinor, 0);
  const topUpMinor = Math.max(0, terms.minimumCommitmentMinor - usageMinor);
  return {
    currency: tenant.currency,
    day,
    functions,
    monthly,
    usageMinor,
    monthlyMinor,
    minimumCommitmentMinor: terms.minimumCommitmentMinor,
    topUpMinor,
    totalMinor: usageMinor + monthlyMinor + topUpMinor,
  };
}
