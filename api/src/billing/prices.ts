import { z } from '@hono/zod-openapi';
import { sql, type Kysely, type Selectable } from 'kysely';
import {
  callFunctionIds,
  isCallFunctionId,
  isUuid,
  monthlyPriceMetrics,
  newId,
  priceMetrics,
  roundingModes,
  type AppTx,
  type BillingMetric,
  type DB,
  type PricesTable,
  type RoundingMode,
  type Tenant,
  type TenantTx,
} from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { conflict, invalid, notFound } from '../http/problem.ts';
import { writeAudit, writePlatformAudit } from '../audit/write.ts';

/**
 * Dated prices (docs/billing.md, "Pricing model"). A price applies to usage whose day is in
 * [effectiveFrom, effectiveTo). The provider's list (`prices`, global) and a tenant's negotiated prices
 * (`tenant_prices`, which win over the list) follow the same rules, so one set of functions serves both:
 * - a new version starts today at the earliest: usage is rated when written, and the past is never re-rated;
 * - versions of one (function, metric, currency) never overlap, except that a new version starting inside
 *   an open-ended earlier one ends that one at its start: that is how a price changes;
 * - only a version that has not started yet can be deleted; the version it ended is re-opened.
 * Edits of one list take a transaction advisory lock, so two concurrent edits cannot both pass the overlap check.
 */

export const billingMetrics = [...priceMetrics, ...monthlyPriceMetrics] as const;
const monthly = new Set<string>(monthlyPriceMetrics);
const currencies = new Set<string>(Intl.supportedValuesOf('currency'));
/** The column's own bound (migration 0009): a million euros per unit is not a price, it is a typo. */
export const maxUnitAmountMinor = 100_000_000;

export const PriceStates = ['past', 'current', 'future'] as const;
export type PriceState = (typeof PriceStates)[number];

export const PriceInputSchema = z
  .strictObject({
    function: z
      .string()
      .nullable()
      .openapi({ description: `A call function (${callFunctionIds.join(', ')}); null exactly for platform_fee and seat`, example: 'order_taking' }),
    metric: z.enum(billingMetrics).openapi({ description: 'What one unit is: a handled minute, an order… or the monthly platform fee / a dedicated seat' }),
    currency: z.string().openapi({ description: 'ISO 4217 (a negotiated price: the tenant’s currency)', example: 'EUR' }),
    unitAmountMinor: z.number().openapi({ description: `Integer minor units (cents), 0 to ${maxUnitAmountMinor}; for handled minutes the price of one minute`, example: 130 }),
    rounding: z
      .enum(roundingModes)
      .nullable()
      .optional()
      .openapi({ description: 'Required for handled_minute (61 s = 2 minutes per started minute, 61/60 of a minute per second); left out otherwise' }),
    effectiveFrom: z.string().openapi({ description: 'First day it applies (YYYY-MM-DD, in each tenant’s time zone); today (UTC) at the earliest', example: '2026-07-01' }),
    effectiveTo: z.string().nullable().optional().openapi({ description: 'First day it no longer applies; null or left out: until changed', example: null }),
  })
  .openapi('PriceInput');
export type PriceInput = z.output<typeof PriceInputSchema>;

export const PriceChangeSchema = z
  .strictObject({ prices: z.array(PriceInputSchema).min(1, 'Add at least one price.').max(500) })
  .openapi('PriceChange', {
    example: {
      prices: [
        { function: 'order_taking', metric: 'order', currency: 'EUR', unitAmountMinor: 130, effectiveFrom: '2026-07-01' },
        { function: 'telesales', metric: 'handled_minute', currency: 'EUR', unitAmountMinor: 110, rounding: 'per_second', effectiveFrom: '2026-07-01' },
        { function: null, metric: 'platform_fee', currency: 'EUR', unitAmountMinor: 4900, effectiveFrom: '2026-07-01' },
      ],
    },
  });

export const PriceSchema = z
  .object({
    id: z.uuid(),
    function: z.string().nullable(),
    metric: z.enum(billingMetrics),
    currency: z.string(),
    unitAmountMinor: z.number().int(),
    rounding: z.enum(roundingModes).nullable(),
    effectiveFrom: z.string(),
    effectiveTo: z.string().nullable(),
    state: z.enum(PriceStates).openapi({ description: 'Against today (UTC): past versions ended, the current one applies, future ones are scheduled' }),
    createdAt: z.string(),
    createdBy: z.string(),
  })
  .openapi('Price');
export type Price = z.output<typeof PriceSchema>;

export type PriceRow = Selectable<PricesTable>;

/** Which list: the provider's, or one tenant's negotiated prices (read and written in that tenant's transaction). */
export type PriceScope = { kind: 'list' } | { kind: 'tenant'; tenant: Pick<Tenant, 'id' | 'currency'> };

export interface FieldProblem {
  path: string;
  message: string;
}

/** Today in UTC, the day price edits are checked against. */
export function utcDay(now: Date): string {
  return now.toISOString().slice(0, 10);
}

export function isDay(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export function priceState(row: { effectiveFrom: string; effectiveTo: string | null }, today: string): PriceState {
  if (row.effectiveFrom > today) return 'future';
  if (row.effectiveTo !== null && row.effectiveTo <= today) return 'past';
  return 'current';
}

export function toPrice(row: PriceRow, today: string): Price {
  return {
    id: row.id,
    function: row.function,
    metric: row.metric,
    currency: row.currency,
    unitAmountMinor: Number(row.unitAmountMinor),
    rounding: row.rounding,
    effectiveFrom: row.effectiveFrom,
    effectiveTo: row.effectiveTo,
    state: priceState(row, today),
    createdAt: new Date(row.createdAt).toISOString(),
    createdBy: row.createdBy,
  };
}

/** The fields a price is identified by: one version of it applies on any day. */
export interface PriceKey {
  function: string | null;
  metric: BillingMetric;
  currency: string;
}
export const keyOf = (p: PriceKey) => `${p.function ?? ''}/${p.metric}/${p.currency}`;
/** "order_taking order EUR", "platform_fee EUR": how messages name a price. */
export const keyLabel = (p: PriceKey) => [p.function, p.metric, p.currency].filter(Boolean).join(' ');

const ordinal = (p: PriceKey) =>
  [p.function === null ? callFunctionIds.length : callFunctionIds.indexOf(p.function as never), (billingMetrics as readonly string[]).indexOf(p.metric)] as const;
/** Function (catalog order, monthly metrics last), metric (list order), currency, start. */
export function comparePrices(a: PriceKey & { effectiveFrom?: string }, b: PriceKey & { effectiveFrom?: string }): number {
  const [af, am] = ordinal(a);
  const [bf, bm] = ordinal(b);
  return af - bf || am - bm || a.currency.localeCompare(b.currency) || (a.effectiveFrom ?? '').localeCompare(b.effectiveFrom ?? '');
}

/** The fields of a price entry that are checked on their own, whatever else is in the list. */
export interface PriceEntry {
  function: string | null;
  metric: BillingMetric;
  currency: string;
  unitAmountMinor: number;
  rounding?: RoundingMode | null | undefined;
  effectiveFrom?: string | undefined;
  effectiveTo?: string | null | undefined;
}

/**
 * Every problem of one entry on its own, by field: currency, amount, rounding, function and dates.
 * Shared by the API and the tenant files (tenants/src/format.ts), so both refuse the same things.
 */
export function entryProblems(p: PriceEntry): { field: keyof PriceEntry; message: string }[] {
  const problems: { field: keyof PriceEntry; message: string }[] = [];
  const add = (field: keyof PriceEntry, message: string) => problems.push({ field, message });
  if (monthly.has(p.metric)) {
    if (p.function !== null) add('function', `A ${p.metric === 'seat' ? 'seat' : 'platform fee'} is priced per tenant and month, not per function: set function to null.`);
  } else if (p.function === null) {
    add('function', `Name the function this ${p.metric.replaceAll('_', ' ')} price is for.`);
  } else if (!isCallFunctionId(p.function)) {
    add('function', `Unknown function "${p.function}": use one of ${callFunctionIds.join(', ')}.`);
  }
  if (!currencies.has(p.currency)) add('currency', 'Use an ISO 4217 currency code such as EUR.');
  if (!Number.isInteger(p.unitAmountMinor)) add('unitAmountMinor', 'Use whole minor units (cents), e.g. 95.');
  else if (p.unitAmountMinor < 0) add('unitAmountMinor', 'A price cannot be negative.');
  else if (p.unitAmountMinor > maxUnitAmountMinor) add('unitAmountMinor', `That price is too large (at most ${maxUnitAmountMinor} minor units).`);
  if (p.metric === 'handled_minute') {
    if (!p.rounding) add('rounding', 'Say how talk time is counted: per_started_minute (61 s = 2 minutes) or per_second.');
  } else if (p.rounding) {
    const what = p.metric.replaceAll('_', ' ');
    add('rounding', `Only handled minutes are rounded: leave rounding out of ${/^[aeiou]/.test(what) ? 'an' : 'a'} ${what} price.`);
  }
  if (p.effectiveFrom !== undefined && !isDay(p.effectiveFrom)) add('effectiveFrom', 'Use a day as YYYY-MM-DD, e.g. 2026-07-01.');
  if (p.effectiveTo !== undefined && p.effectiveTo !== null) {
    if (!isDay(p.effectiveTo)) add('effectiveTo', 'Use a day as YYYY-MM-DD, e.g. 2026-08-01, or null.');
    else if (p.effectiveFrom !== undefined && isDay(p.effectiveFrom) && p.effectiveTo <= p.effectiveFrom) {
      add('effectiveTo', 'The end must come after effectiveFrom (the end day itself is not included).');
    }
  }
  return problems;
}

/** [from, to) of two versions share a day (null `to`: open-ended). */
export function overlaps(a: { effectiveFrom: string; effectiveTo?: string | null | undefined }, b: { effectiveFrom: string; effectiveTo?: string | null | undefined }): boolean {
  return a.effectiveFrom < (b.effectiveTo ?? '9999-12-31') && b.effectiveFrom < (a.effectiveTo ?? '9999-12-31');
}

const span = (p: { effectiveFrom: string; effectiveTo?: string | null | undefined }) => (p.effectiveTo ? `from ${p.effectiveFrom} to ${p.effectiveTo}` : `from ${p.effectiveFrom} on`);

/** Both lists are read and written with the same column names; tenant rows also carry tenant_id (row-level security scopes them). */
const tableOf = (scope: PriceScope) => (scope.kind === 'list' ? 'prices' : 'tenantPrices') as 'prices';

/** One list's edits at a time (until the transaction ends): the overlap check then sees every committed version. */
export async function lockPriceList(tx: Kysely<DB>, scope: PriceScope): Promise<void> {
  const key = scope.kind === 'list' ? 'switchboard:prices' : `switchboard:tenant_prices:${scope.tenant.id}`;
  await sql`select pg_advisory_xact_lock(hashtext(${key}))`.execute(tx);
}

/** Every version of a list, ordered by function, metric, currency and start (a tenant's: in its currency or not). */
export async function listPriceVersions(tx: Kysely<DB>, scope: PriceScope): Promise<PriceRow[]> {
  const rows = await tx
    .selectFrom(tableOf(scope))
    .select(['id', 'function', 'metric', 'currency', 'unitAmountMinor', 'rounding', 'effectiveFrom', 'effectiveTo', 'createdAt', 'createdBy'])
    .execute();
  return rows.sort(comparePrices);
}

export async function insertPriceVersions(tx: Kysely<DB>, scope: PriceScope, rows: PriceRow[]): Promise<void> {
  if (!rows.length) return;
  const values = rows.map((r) => ({ ...r, unitAmountMinor: Number(r.unitAmountMinor) }));
  if (scope.kind === 'list') await tx.insertInto('prices').values(values).execute();
  else await tx.insertInto('tenantPrices').values(values.map((v) => ({ ...v, tenantId: scope.tenant.id }))).execute();
}

export async function setPriceEnd(tx: Kysely<DB>, scope: PriceScope, id: string, effectiveTo: string | null): Promise<void> {
  await tx.updateTable(tableOf(scope)).set({ effectiveTo }).where('id', '=', id).execute();
}

export async function deletePriceRow(tx: Kysely<DB>, scope: PriceScope, id: string): Promise<void> {
  await tx.deleteFrom(tableOf(scope)).where('id', '=', id).execute();
}

export async function auditPrices(tx: Kysely<DB>, scope: PriceScope, actor: Actor | null, action: string, before: unknown, after: unknown): Promise<void> {
  // The list's audit is the platform's; a tenant's negotiated prices are audited with the tenant.
  if (scope.kind === 'list') await writePlatformAudit(tx as AppTx, actor, { action: `prices.${action}`, targetType: 'price_list', targetId: null, before, after });
  else await writeAudit(tx as TenantTx, scope.tenant.id, actor, { action: `tenant_prices.${action}`, targetType: 'tenant_prices', targetId: null, before, after });
}

export interface PlannedChange {
  problems: FieldProblem[];
  /** Versions a price change ends: id → the new version's start. */
  endings: Map<string, string>;
}

/**
 * Checks a set of new versions against each other and the stored ones, and finds the open-ended versions
 * they end. Pure, so every rule is tested on its own; `addPrices` runs it under the list's lock.
 */
export function planPriceChange(inputs: PriceInput[], stored: PriceRow[], today: string, scope: PriceScope): PlannedChange {
  const problems: FieldProblem[] = [];
  const endings = new Map<string, string>();
  const checkable: { input: PriceInput; index: number }[] = [];
  inputs.forEach((input, index) => {
    const own = entryProblems(input).map((p) => ({ path: `prices.${index}.${p.field}`, message: p.message }));
    if (scope.kind === 'tenant' && input.currency !== scope.tenant.currency && currencies.has(input.currency)) {
      own.push({ path: `prices.${index}.currency`, message: `A negotiated price is in the tenant’s currency, ${scope.tenant.currency}.` });
    }
    if (isDay(input.effectiveFrom) && input.effectiveFrom < today) {
      own.push({ path: `prices.${index}.effectiveFrom`, message: `A price starts today (${today}) at the earliest: usage already rated is never re-rated.` });
    }
    problems.push(...own);
    // Overlaps are only worth reporting between entries that are otherwise valid.
    if (!own.length) checkable.push({ input, index });
  });

  for (const [n, { input, index }] of checkable.entries()) {
    const key = keyOf(input);
    const earlier = checkable.slice(0, n).find((other) => keyOf(other.input) === key && overlaps(other.input, input));
    if (earlier) {
      problems.push({ path: `prices.${index}.effectiveFrom`, message: `Overlaps prices.${earlier.index} (${keyLabel(input)} ${span(earlier.input)}).` });
      continue;
    }
    for (const version of stored) {
      if (keyOf(version) !== key || !overlaps(version, input)) continue;
      if (version.effectiveTo === null && version.effectiveFrom < input.effectiveFrom) {
        // A price change: the open-ended version ends where the first new one starts.
        const end = endings.get(version.id);
        if (!end || input.effectiveFrom < end) endings.set(version.id, input.effectiveFrom);
        continue;
      }
      const state = priceState(version, today);
      problems.push({
        path: `prices.${index}.effectiveFrom`,
        message: `${keyLabel(input)} already has a ${state} price ${span(version)} that overlaps this one${state === 'future' ? ' (delete it first to replace it)' : ''}.`,
      });
    }
  }
  return { problems, endings };
}

/**
 * Adds new price versions to a list, all or nothing: every problem is listed (400) and nothing is saved,
 * or they are all saved with the versions they end, and one audit row. Returns the new versions.
 */
export async function addPrices(tx: Kysely<DB>, scope: PriceScope, actor: Actor | null, inputs: PriceInput[], now: Date): Promise<Price[]> {
  const today = utcDay(now);
  await lockPriceList(tx, scope);
  const stored = await listPriceVersions(tx, scope);
  const { problems, endings } = planPriceChange(inputs, stored, today, scope);
  if (problems.length) throw invalid(problems, 'Nothing was saved: correct these prices and send them again.', 'prices.invalid');

  const ended = stored.filter((s) => endings.has(s.id));
  for (const version of ended) await setPriceEnd(tx, scope, version.id, endings.get(version.id)!);
  const rows: PriceRow[] = inputs.map((input) => ({
    id: newId(),
    function: input.function,
    metric: input.metric,
    currency: input.currency,
    unitAmountMinor: input.unitAmountMinor,
    rounding: input.metric === 'handled_minute' ? (input.rounding ?? null) : null,
    effectiveFrom: input.effectiveFrom,
    effectiveTo: input.effectiveTo ?? null,
    createdAt: now,
    createdBy: actor?.label ?? 'system',
  }));
  await insertPriceVersions(tx, scope, rows);
  const added = rows.map((r) => toPrice(r, today));
  await auditPrices(
    tx,
    scope,
    actor,
    'changed',
    { ended: ended.map((v) => toPrice(v, today)) },
    { added, ended: ended.map((v) => ({ id: v.id, effectiveTo: endings.get(v.id) })) },
  );
  return added.sort(comparePrices);
}

/**
 * Deletes a version that has not started yet (else 409: it has rated usage, or will have by the time
 * anyone notices) and re-opens the version it had ended, up to the next version of the price if any.
 */
export async function deletePrice(tx: Kysely<DB>, scope: PriceScope, actor: Actor | null, id: string, now: Date): Promise<void> {
  const today = utcDay(now);
  if (!isUuid(id)) throw notFound('There is no such price.');
  await lockPriceList(tx, scope);
  const stored = await listPriceVersions(tx, scope);
  const version = stored.find((s) => s.id === id);
  if (!version) throw notFound('There is no such price.');
  const state = priceState(version, today);
  if (state !== 'future') {
    throw conflict(
      'price.in_use',
      `This price ${state === 'current' ? 'applies today' : 'has applied'}, so usage has been rated with it: only a price that starts after today can be deleted. To change it, add a new version starting today or later.`,
      { state },
    );
  }
  const sameKey = stored.filter((s) => s.id !== id && keyOf(s) === keyOf(version));
  const previous = sameKey.find((s) => s.effectiveTo === version.effectiveFrom);
  const next = sameKey.find((s) => s.effectiveFrom > version.effectiveFrom);
  await deletePriceRow(tx, scope, id);
  const reopenedTo = next?.effectiveFrom ?? null;
  if (previous) await setPriceEnd(tx, scope, previous.id, reopenedTo);
  await auditPrices(
    tx,
    scope,
    actor,
    'deleted',
    { deleted: toPrice(version, today), ...(previous ? { reopened: toPrice(previous, today) } : {}) },
    previous ? { reopened: { id: previous.id, effectiveTo: reopenedTo } } : null,
  );
}
