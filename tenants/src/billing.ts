import { z } from 'zod';
import { roundingModes, type TenantTx } from '@switchboard/db';
import {
  BillingAccountInputSchema,
  billingMetrics,
  comparePrices,
  entryProblems,
  hasBillingAccount,
  listPriceVersions,
  loadBillingAccount,
  priceKeyOf,
  priceState,
  utcDay,
  type PriceEntry,
} from '@switchboard/api';

/**
 * Prices in definition files (tenants/README.md): the provider file's `prices` and a tenant file's
 * `billing` section. An entry without `effectiveFrom` is the price in effect; one with it is the
 * version from that day (a scheduled change, or — once the day has come — the price in effect).
 * Amounts keep the issue-3 name `unitPriceMinor`, so existing provider files still read the same.
 * Entries are checked with the API's own rules (api/src/billing/prices.ts) and normalized: function
 * left out for the monthly metrics, rounding written out for handled minutes (per started minute
 * when left out, as issue 3 billed), ordered by function, metric, currency and day.
 */

const entryFields = {
  /** Left out (or null) for the monthly metrics, platform_fee and seat. */
  function: z.string().nullable().optional(),
  metric: z.enum(billingMetrics),
  unitPriceMinor: z.number(),
  rounding: z.enum(roundingModes).optional(),
  effectiveFrom: z.string().optional(),
  effectiveTo: z.string().nullable().optional(),
};

const ProviderPriceEntrySchema = z.strictObject({ ...entryFields, currency: z.string() });
const TenantPriceEntrySchema = z.strictObject(entryFields);

type RawEntry = z.output<typeof TenantPriceEntrySchema> & { currency?: string };

/** An entry as parsing leaves it (and export writes it). */
export interface FilePrice {
  function?: string;
  metric: (typeof billingMetrics)[number];
  currency?: string;
  unitPriceMinor: number;
  rounding?: (typeof roundingModes)[number];
  effectiveFrom?: string;
  effectiveTo?: string | null;
}

function normalize(entry: RawEntry): FilePrice {
  const rounding = entry.rounding ?? (entry.metric === 'handled_minute' ? 'per_started_minute' : undefined);
  return {
    ...(entry.function ? { function: entry.function } : {}),
    metric: entry.metric,
    ...(entry.currency !== undefined ? { currency: entry.currency } : {}),
    unitPriceMinor: entry.unitPriceMinor,
    ...(rounding ? { rounding } : {}),
    ...(entry.effectiveFrom !== undefined ? { effectiveFrom: entry.effectiveFrom } : {}),
    ...(entry.effectiveTo !== undefined ? { effectiveTo: entry.effectiveTo } : {}),
  };
}

/** A file entry as the API's price entry; a tenant's are in its currency. */
export function toPriceEntry(entry: FilePrice, currency?: string): PriceEntry {
  return {
    function: entry.function ?? null,
    metric: entry.metric,
    currency: entry.currency ?? currency ?? '',
    unitAmountMinor: entry.unitPriceMinor,
    rounding: entry.rounding ?? null,
    ...(entry.effectiveFrom !== undefined ? { effectiveFrom: entry.effectiveFrom } : {}),
    ...(entry.effectiveTo !== undefined ? { effectiveTo: entry.effectiveTo } : {}),
  };
}

const keyName = (e: FilePrice) => [e.function, e.metric, e.currency].filter(Boolean).join(' ');

/** Every problem of a list of entries: each entry on its own, then each price's versions against each other. */
function listIssues(entries: FilePrice[], withCurrency: boolean, ctx: z.RefinementCtx): void {
  entries.forEach((entry, i) => {
    for (const p of entryProblems(toPriceEntry(entry, 'EUR'))) {
      if (p.field === 'currency' && !withCurrency) continue;
      ctx.addIssue({ code: 'custom', path: [i, p.field === 'unitAmountMinor' ? 'unitPriceMinor' : p.field], message: p.message });
    }
  });
  const byKey = new Map<string, number[]>();
  entries.forEach((entry, i) => {
    const key = priceKeyOf(toPriceEntry(entry, ''));
    byKey.set(key, [...(byKey.get(key) ?? []), i]);
  });
  for (const indexes of byKey.values()) {
    const sorted = [...indexes].sort((a, b) => (entries[a]!.effectiveFrom ?? '').localeCompare(entries[b]!.effectiveFrom ?? ''));
    sorted.forEach((i, n) => {
      if (n === 0) return;
      const previous = sorted[n - 1]!;
      const entry = entries[i]!;
      const before = entries[previous]!;
      if ((entry.effectiveFrom ?? '') === (before.effectiveFrom ?? '')) {
        ctx.addIssue({
          code: 'custom',
          path: [i, 'effectiveFrom'],
          message: entry.effectiveFrom
            ? `${keyName(entry)} already has a version from ${entry.effectiveFrom} at [${previous}].`
            : `${keyName(entry)} already has a price in effect at [${previous}]: give this one the day it starts (effectiveFrom).`,
        });
      } else if (before.effectiveTo && entry.effectiveFrom && before.effectiveTo > entry.effectiveFrom) {
        ctx.addIssue({ code: 'custom', path: [previous, 'effectiveTo'], message: `Overlaps [${i}], which starts on ${entry.effectiveFrom}.` });
      }
    });
  }
}

const sortEntries = (entries: FilePrice[]) =>
  [...entries].sort((a, b) => comparePrices({ ...toPriceEntry(a, ''), effectiveFrom: a.effectiveFrom ?? '' }, { ...toPriceEntry(b, ''), effectiveFrom: b.effectiveFrom ?? '' }));

function pricesSchema<T extends z.ZodType<RawEntry>>(entry: T, withCurrency: boolean) {
  return z
    .array(entry)
    .max(500)
    .transform((list) => list.map(normalize))
    .superRefine((list, ctx) => listIssues(list, withCurrency, ctx))
    .transform(sortEntries);
}

/** The provider file's `prices`: the list, in any currencies. */
export const ProviderPricesSchema = pricesSchema(ProviderPriceEntrySchema, true);

/**
 * A tenant file's `billing` section. Each part left out is not managed; `prices` present: the tenant's
 * negotiated prices (in its currency) in effect and scheduled become exactly these.
 */
export const BillingSectionSchema = z.strictObject({
  minimumCommitmentMinor: BillingAccountInputSchema.shape.minimumCommitmentMinor.optional(),
  dedicatedSeats: BillingAccountInputSchema.shape.dedicatedSeats.optional(),
  prices: pricesSchema(TenantPriceEntrySchema, false).optional(),
});
export type BillingSection = z.output<typeof BillingSectionSchema>;

/**
 * Stored versions (in effect today or scheduled) as file entries, each with the day it starts (none for
 * one that started today: it is simply the price in effect); an end only where it is not the next
 * version's start.
 */
export function versionsToEntries(
  versions: { function: string | null; metric: FilePrice['metric']; currency: string; unitAmountMinor: number | string; rounding: FilePrice['rounding'] | null; effectiveFrom: string; effectiveTo: string | null }[],
  today: string,
  withCurrency: boolean,
): FilePrice[] {
  const live = versions.filter((v) => priceState(v, today) !== 'past').sort(comparePrices);
  return live.map((v, i) => {
    const next = live[i + 1];
    const impliedEnd = next && priceKeyOf(next) === priceKeyOf(v) ? next.effectiveFrom : null;
    return {
      ...(v.function ? { function: v.function } : {}),
      metric: v.metric,
      ...(withCurrency ? { currency: v.currency } : {}),
      unitPriceMinor: Number(v.unitAmountMinor),
      ...(v.rounding ? { rounding: v.rounding } : {}),
      // The version in effect carries its start only when it began before today, as a file moving a
      // list in says it (applied to a new database, it starts that day again).
      ...(v.effectiveFrom !== today ? { effectiveFrom: v.effectiveFrom } : {}),
      ...(v.effectiveTo !== impliedEnd ? { effectiveTo: v.effectiveTo } : {}),
    };
  });
}

/** The tenant's `billing` section, or null when it has neither an account row nor negotiated prices in effect or scheduled. */
export async function exportBilling(tx: TenantTx, tenant: { currency: string }, now: Date): Promise<BillingSection | null> {
  const today = utcDay(now);
  const versions = (await listPriceVersions(tx, { kind: 'tenant', tenant: { id: '', currency: tenant.currency } })).filter((v) => v.currency === tenant.currency);
  const prices = versionsToEntries(versions, today, false);
  const account = (await hasBillingAccount(tx)) ? await loadBillingAccount(tx, tenant, { provider: 'none', graceDays: 0 }) : null;
  if (!account && !prices.length) return null;
  return {
    ...(account ? { minimumCommitmentMinor: account.minimumCommitmentMinor, dedicatedSeats: account.dedicatedSeats } : {}),
    ...(prices.length ? { prices } : {}),
  };
}
