import { z } from '@hono/zod-openapi';
import { isValidPhoneNumber, parsePhoneNumberWithError } from 'libphonenumber-js';
import { callFunctions, type CallFunctionId, type PriceMetric, type RoundingMode, type Tenant, type TenantTx } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { invalid } from '../http/problem.ts';
import { writeAudit } from '../audit/write.ts';
import { loadHours } from '../hours/service.ts';
import { functionEntry } from '../hours/status.ts';
import type { HoursDefinition } from '../hours/definition.ts';
import { localDay, pricesInEffect, type PriceSource } from '../billing/rating.ts';
import { pricesByFunction } from './estimate.ts';

/** What the tenant chooses for one function: PUT /delegations/{function}, and the tenant file's `delegations` section. */
export const DelegationInputSchema = z
  .strictObject({
    delegated: z.boolean(),
    /** Where operators send such requests while the tenant keeps the function: an E.164 phone number or an email. */
    inHouse: z.string().trim().max(254).nullable().default(null),
    expectedMonthlyVolume: z
      .number({ message: 'Enter a whole number.' })
      .int('Enter a whole number.')
      .min(0, 'The volume cannot be negative.')
      .max(100_000_000, 'That volume is too large.')
      .default(0),
  })
  .openapi('DelegationInput', {
    description: 'Delegating requires a published script and hours for the function; keeping an inbound function in-house requires a destination.',
    example: { delegated: false, inHouse: 'service-client@example.com', expectedMonthlyVolume: 40 },
  });
export type DelegationInput = z.output<typeof DelegationInputSchema>;

export interface Delegation {
  function: CallFunctionId;
  label: string;
  direction: 'inbound' | 'outbound';
  delegated: boolean;
  inHouse: string | null;
  expectedMonthlyVolume: number;
  /**
   * The function's main price in the tenant's currency (negotiated first, then the list): the first of
   * its prices in `priceMetrics` order, the one `expectedMonthlyVolume` is counted in; null when there is none.
   */
  price: { metric: PriceMetric; unitPriceMinor: number; currency: string } | null;
  /** Every per-unit price of the function in effect today, main one first (GET …/delegations/estimate rates them all). */
  prices: { metric: PriceMetric; unitPriceMinor: number; currency: string; rounding: RoundingMode | null; source: PriceSource }[];
  checks: { hasPublishedScript: boolean; hoursCoverFunction: boolean };
  /** expectedMonthlyVolume × the main unit price, whether delegated or not; the estimate route counts every metric. */
  monthlyEstimateMinor: number | null;
  updatedAt: Date | null;
  updatedBy: string | null;
}

export interface Delegations {
  currency: string;
  /** The sum of the delegated functions' estimates. */
  monthlyEstimateMinor: number;
  functions: Delegation[];
}

const emailSchema = z.email();

/** An in-house destination in its stored form, or the message saying what is wrong with it. */
export function parseInHouse(value: string): { phone: string } | { email: string } | { error: string } {
  if (value.includes('@')) {
    return emailSchema.safeParse(value).success ? { email: value.toLowerCase() } : { error: 'Enter a valid email address.' };
  }
  if (!value.startsWith('+') || !isValidPhoneNumber(value)) {
    return { error: 'Enter a phone number in international format (E.164), such as +33142868200, or an email address.' };
  }
  return { phone: parsePhoneNumberWithError(value).number };
}

/** Whether the schedule a function follows (its own, else the default) has at least one open interval in the week. */
export function hoursCover(hours: HoursDefinition, fn: CallFunctionId): boolean {
  const name = functionEntry(hours, fn)?.schedule ?? hours.defaultSchedule;
  const schedule = hours.schedules.find((s) => s.name === name);
  return !!schedule && Object.values(schedule.week).some((intervals) => intervals.length > 0);
}

/** The functions that have a published script. */
export async function publishedFunctions(tx: TenantTx): Promise<Set<string>> {
  const rows = await tx
    .selectFrom('scripts')
    .innerJoin('scriptVersions', (join) => join.onRef('scriptVersions.tenantId', '=', 'scripts.tenantId').onRef('scriptVersions.scriptId', '=', 'scripts.id'))
    .select('scripts.function')
    .distinct()
    .execute();
  return new Set(rows.map((r) => r.function));
}

/** Every function of the catalog with the tenant's choice, the price, the requirement checks and the estimate. */
export async function listDelegations(tx: TenantTx, tenant: Pick<Tenant, 'currency' | 'timeZone'>, now: Date): Promise<Delegations> {
  const rows = await tx.selectFrom('delegations').selectAll().execute();
  const prices = pricesByFunction(await pricesInEffect(tx, tenant, localDay(now, tenant.timeZone)));
  const published = await publishedFunctions(tx);
  const hours = await loadHours(tx);
  const functions = callFunctions.map((f): Delegation => {
    const row = rows.find((r) => r.function === f.id);
    const all = (prices.get(f.id) ?? []).map((e) => ({
      metric: e.metric as PriceMetric,
      unitPriceMinor: Number(e.price.unitAmountMinor),
      currency: e.price.currency,
      rounding: e.price.rounding,
      source: e.source,
    }));
    const main = all[0];
    const price = main ? { metric: main.metric, unitPriceMinor: main.unitPriceMinor, currency: main.currency } : undefined;
    const volume = row?.expectedMonthlyVolume ?? 0;
    return {
      function: f.id,
      label: f.label,
      direction: f.direction,
      delegated: row?.delegated ?? false,
      inHouse: row?.inHousePhone ?? row?.inHouseEmail ?? null,
      expectedMonthlyVolume: volume,
      price: price ?? null,
      prices: all,
      checks: { hasPublishedScript: published.has(f.id), hoursCoverFunction: hoursCover(hours, f.id) },
      monthlyEstimateMinor: price ? volume * price.unitPriceMinor : null,
      updatedAt: row?.updatedAt ?? null,
      updatedBy: row?.updatedBy ?? null,
    };
  });
  return {
    currency: tenant.currency,
    monthlyEstimateMinor: functions.reduce((sum, f) => sum + (f.delegated ? (f.monthlyEstimateMinor ?? 0) : 0), 0),
    functions,
  };
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** Every unmet requirement of a choice, with the path it belongs to, as the API and tenant files report them. */
export function delegationProblems(current: Delegation, input: DelegationInput): { path: string; message: string }[] {
  const problems: { path: string; message: string }[] = [];
  const what = lowerFirst(current.label);
  if (input.delegated) {
    if (!current.checks.hasPublishedScript) problems.push({ path: 'delegated', message: `Publish ${/^[aeiou]/.test(what) ? 'an' : 'a'} ${what} script first.` });
    if (!current.checks.hoursCoverFunction) problems.push({ path: 'delegated', message: `Set hours for ${what} first.` });
  }
  if (input.inHouse !== null && input.inHouse !== '') {
    const parsed = parseInHouse(input.inHouse);
    if ('error' in parsed) problems.push({ path: 'inHouse', message: parsed.error });
  } else if (!input.delegated && current.direction === 'inbound') {
    problems.push({ path: 'inHouse', message: `Enter where operators send ${what} requests you keep in-house: a phone number (E.164) or an email.` });
  }
  return problems;
}

export interface DelegationChanged {
  changed: boolean;
  delegation: Delegation;
}

/**
 * Sets one function's delegation in the caller's transaction, with a `delegation.changed` audit row
 * holding before and after. Every unmet requirement is refused at once (400, nothing saved); the
 * same choice again writes nothing.
 */
export async function setDelegation(
  tx: TenantTx,
  tenant: Pick<Tenant, 'id' | 'currency' | 'timeZone'>,
  actor: Actor | null,
  fn: CallFunctionId,
  input: DelegationInput,
  now: Date,
): Promise<DelegationChanged> {
  const current = (await listDelegations(tx, tenant, now)).functions.find((f) => f.function === fn)!;
  const problems = delegationProblems(current, input);
  if (problems.length) throw invalid(problems, `${current.label} cannot be set this way yet.`, 'delegation.not_settable', { function: current.label });

  const parsed = input.inHouse ? parseInHouse(input.inHouse) : null;
  const inHousePhone = parsed && 'phone' in parsed ? parsed.phone : null;
  const inHouseEmail = parsed && 'email' in parsed ? parsed.email : null;
  const before = { delegated: current.delegated, inHouse: current.inHouse, expectedMonthlyVolume: current.expectedMonthlyVolume };
  const after = { delegated: input.delegated, inHouse: inHousePhone ?? inHouseEmail, expectedMonthlyVolume: input.expectedMonthlyVolume };
  if (current.updatedAt !== null && JSON.stringify(before) === JSON.stringify(after)) return { changed: false, delegation: current };

  const label = actor?.label ?? 'system';
  await tx
    .insertInto('delegations')
    .values({ tenantId: tenant.id, function: fn, delegated: after.delegated, inHousePhone, inHouseEmail, expectedMonthlyVolume: after.expectedMonthlyVolume, updatedAt: now, updatedBy: label })
    .onConflict((oc) =>
      oc.columns(['tenantId', 'function']).doUpdateSet({ delegated: after.delegated, inHousePhone, inHouseEmail, expectedMonthlyVolume: after.expectedMonthlyVolume, updatedAt: now, updatedBy: label }),
    )
    .execute();
  await writeAudit(tx, tenant.id, actor, { action: 'delegation.changed', targetType: 'delegation', targetId: fn, before, after });
  const delegation = (await listDelegations(tx, tenant, now)).functions.find((f) => f.function === fn)!;
  return { changed: true, delegation };
}
