import { sql } from 'kysely';
import { callFunctions, priceMetrics, type BillingMetric, type InvoiceStatus, type RoundingMode, type StatementLineKind, type Tenant, type TenantTx } from '@switchboard/db';
import { periodBounds, periodOf, priceOn, usagePriceMetric, type PriceSource } from './rating.ts';
import { confirmedCredits, type Credit } from '../contracts/credits.ts';

/**
 * A tenant's statement for one billing period (a calendar month in the tenant's time zone).
 *
 * A closed period is read back exactly as it was frozen (`statements` + `statement_lines`). Any
 * other period is computed live from the usage events billed on it — each already rated when it was
 * written — plus the monthly lines: the platform fee and seats at the prices in effect on the
 * period's first day, then the top-up to the tenant's minimum commitment, then the service credits the
 * provider confirmed for the month (docs/contracts.md), deducted from what is owed.
 */

export type StatementUnit = 'minute' | 'second' | 'call' | 'order' | 'complaint' | 'survey' | 'contact' | 'record' | 'sale' | 'month' | 'seat';

export interface StatementLine {
  lineNo: number;
  kind: StatementLineKind;
  function: string | null;
  /** The billed metric; for a service credit, the KPI whose target was missed (e.g. service_level). */
  metric: BillingMetric | string | null;
  description: string;
  quantity: number;
  unit: StatementUnit;
  unitAmountMinor: number | null;
  rounding: RoundingMode | null;
  priceId: string | null;
  priceSource: PriceSource | null;
  amountMinor: number;
}

export type BillingTenant = Pick<Tenant, 'id' | 'slug' | 'name' | 'timeZone' | 'currency' | 'createdAt'>;

export interface Statement {
  /** First day of the month, `YYYY-MM-01`. */
  period: string;
  status: 'open' | 'closed';
  currency: string;
  timeZone: string;
  periodStart: Date;
  periodEnd: Date;
  lines: StatementLine[];
  usageMinor: number;
  totalMinor: number;
  /** Usage events of the period no price applied to (billed nothing). */
  unpricedEvents: number;
  /** Open periods only: usage projected over the whole period, plus the monthly lines. */
  forecast: { usageMinor: number; totalMinor: number } | null;
  closedAt: Date | null;
}

const functionLabels = new Map<string, string>(callFunctions.map((f) => [f.id, f.label]));
const functionOrder = new Map<string, number>(callFunctions.map((f, i) => [f.id, i]));
const metricOrder = new Map<string, number>(priceMetrics.map((m, i) => [m, i]));

const metricWords: Record<string, string> = {
  handled_minute: 'handled minutes',
  handled_call: 'handled calls',
  order: 'orders taken',
  complaint: 'complaints handled',
  completed_survey: 'completed surveys',
  contact_reached: 'contacts reached',
  data_entry_record: 'records entered',
  sale: 'sales',
};

const metricUnits: Record<string, StatementUnit> = {
  handled_call: 'call',
  order: 'order',
  complaint: 'complaint',
  completed_survey: 'survey',
  contact_reached: 'contact',
  data_entry_record: 'record',
  sale: 'sale',
  platform_fee: 'month',
  seat: 'seat',
};

/** What one billed unit is: talk time in minutes or seconds (by the price's rounding), else the thing counted. */
export function unitOf(metric: BillingMetric, rounding: RoundingMode | null): StatementUnit {
  if (metric === 'handled_minute') return rounding === 'per_second' ? 'second' : 'minute';
  return metricUnits[metric] ?? 'month';
}

/** "Order taking — handled minutes (per started minute)". */
export function usageDescription(fn: string, metric: BillingMetric, rounding: RoundingMode | null): string {
  const label = functionLabels.get(fn) ?? fn;
  const words = metricWords[metric] ?? metric.replaceAll('_', ' ');
  const how = rounding === 'per_second' ? ' (per second)' : rounding === 'per_started_minute' ? ' (per started minute)' : '';
  return `${label} — ${words}${how}`;
}

/** An amount as people read it, for descriptions: 12345 EUR → "€123.45". */
export function formatMoney(minor: number, currency: string): string {
  const format = new Intl.NumberFormat('en', { style: 'currency', currency });
  const digits = format.resolvedOptions().maximumFractionDigits ?? 2;
  return format.format(minor / 10 ** digits);
}

export interface BillingAccountTerms {
  minimumCommitmentMinor: number;
  dedicatedSeats: number;
}

/** The tenant's commitment and seats; a tenant without a billing account has neither. */
export async function accountTerms(tx: TenantTx): Promise<BillingAccountTerms> {
  const row = await tx.selectFrom('billingAccounts').select(['minimumCommitmentMinor', 'dedicatedSeats']).executeTakeFirst();
  return { minimumCommitmentMinor: Number(row?.minimumCommitmentMinor ?? 0), dedicatedSeats: Number(row?.dedicatedSeats ?? 0) };
}

interface UsageGroup {
  function: string;
  metric: string;
  priceId: string | null;
  priceSource: PriceSource | null;
  unitAmountMinor: string | number | null;
  rounding: RoundingMode | null;
  quantity: string | number;
  amountMinor: string | number;
  events: string | number;
  firstAt: Date | string;
}

async function usageGroups(tx: TenantTx, period: string): Promise<UsageGroup[]> {
  const rows = await tx
    .selectFrom('usageEvents')
    .select((eb) => [
      'function',
      'metric',
      'priceId',
      'priceSource',
      'unitAmountMinor',
      'rounding',
      eb.fn.sum<string | number>('billedQuantity').as('quantity'),
      eb.fn.sum<string | number>('amountMinor').as('amountMinor'),
      eb.fn.countAll<string | number>().as('events'),
      eb.fn.min('occurredAt').as('firstAt'),
    ])
    .where('billingPeriod', '=', period)
    .groupBy(['function', 'metric', 'priceId', 'priceSource', 'unitAmountMinor', 'rounding'])
    .execute();
  return rows as UsageGroup[];
}

/** The usage part and the monthly lines, numbered in order; the top-up is computed from the usage total. */
function assembleLines(
  usage: Omit<StatementLine, 'lineNo'>[],
  monthly: Omit<StatementLine, 'lineNo'>[],
  terms: BillingAccountTerms,
  currency: string,
  credits: readonly Credit[] = [],
): { lines: StatementLine[]; usageMinor: number; totalMinor: number; fixedMinor: number; creditsMinor: number } {
  const usageMinor = usage.reduce((sum, l) => sum + l.amountMinor, 0);
  const topUp = topUpFor(terms.minimumCommitmentMinor, usageMinor);
  const all = [...usage, ...monthly];
  if (topUp > 0) {
    all.push({
      kind: 'commitment_top_up',
      function: null,
      metric: null,
      description: `Minimum monthly commitment of ${formatMoney(terms.minimumCommitmentMinor, currency)} — top-up over usage of ${formatMoney(usageMinor, currency)}`,
      quantity: 1,
      unit: 'month',
      unitAmountMinor: topUp,
      rounding: null,
      priceId: null,
      priceSource: null,
      amountMinor: topUp,
    });
  }
  const fixedMinor = monthly.reduce((sum, l) => sum + l.amountMinor, 0);
  // Credits are deducted from what the month costs, never below nothing: a credit larger than what is left is cut to it.
  let owed = usageMinor + fixedMinor + topUp;
  let creditsMinor = 0;
  for (const credit of credits) {
    const amount = Math.min(credit.amountMinor, owed);
    owed -= amount;
    creditsMinor += amount;
    all.push(creditLine(credit, amount, currency));
  }
  return {
    lines: all.map((line, i) => ({ ...line, lineNo: i + 1 })),
    usageMinor,
    totalMinor: usageMinor + fixedMinor + topUp - creditsMinor,
    fixedMinor,
    creditsMinor,
  };
}

const kpiWords: Record<string, string> = {
  service_level: 'service level',
  abandon_rate: 'abandonment rate',
  asa: 'average speed of answer',
  aht: 'average handle time',
  fcr: 'first-contact resolution',
};

/** "Service credit — service level target missed (Order taking): target 80, measured 72.4" as a negative line. */
function creditLine(credit: Credit, amountMinor: number, currency: string): Omit<StatementLine, 'lineNo'> {
  const scope = credit.function ? ` (${functionLabels.get(credit.function) ?? credit.function})` : '';
  const cut = amountMinor < credit.amountMinor ? ` — ${formatMoney(credit.amountMinor, currency)} agreed, limited to what the month costs` : '';
  return {
    kind: 'service_credit',
    function: credit.function,
    metric: credit.kpi,
    description: `Service credit — ${kpiWords[credit.kpi] ?? credit.kpi.replaceAll('_', ' ')} target missed${scope}: target ${credit.target}, measured ${credit.actual ?? '—'}${cut}`,
    quantity: 1,
    unit: 'month',
    unitAmountMinor: -amountMinor,
    rounding: null,
    priceId: null,
    priceSource: null,
    amountMinor: -amountMinor,
  };
}

const topUpFor = (commitmentMinor: number, usageMinor: number) => Math.max(0, commitmentMinor - usageMinor);

export interface ComputedStatement {
  lines: StatementLine[];
  usageMinor: number;
  totalMinor: number;
  /** Platform fee + seats: what the period costs with no usage at all. */
  fixedMinor: number;
  /** The confirmed service credits deducted (positive). */
  creditsMinor: number;
  unpricedEvents: number;
  terms: BillingAccountTerms;
}

/** The statement of a period as it stands now, from the rated usage events and the account's terms. */
export async function computeStatement(tx: TenantTx, tenant: BillingTenant, period: string): Promise<ComputedStatement> {
  const groups = await usageGroups(tx, period);
  let unpricedEvents = 0;
  const priced: (Omit<StatementLine, 'lineNo'> & { order: [number, number, number] })[] = [];
  for (const g of groups) {
    if (!g.priceId) {
      unpricedEvents += Number(g.events);
      continue;
    }
    const metric = usagePriceMetric(g.metric as Parameters<typeof usagePriceMetric>[0]);
    priced.push({
      kind: 'usage',
      function: g.function,
      metric,
      description: usageDescription(g.function, metric, g.rounding),
      quantity: Number(g.quantity),
      unit: unitOf(metric, g.rounding),
      unitAmountMinor: g.unitAmountMinor === null ? null : Number(g.unitAmountMinor),
      rounding: g.rounding,
      priceId: g.priceId,
      priceSource: g.priceSource,
      amountMinor: Number(g.amountMinor),
      order: [functionOrder.get(g.function) ?? 99, metricOrder.get(metric) ?? 99, new Date(g.firstAt).getTime()],
    });
  }
  priced.sort((a, b) => a.order[0] - b.order[0] || a.order[1] - b.order[1] || a.order[2] - b.order[2]);
  const usage = priced.map(({ order: _order, ...line }) => line);

  const terms = await accountTerms(tx);
  const monthly: Omit<StatementLine, 'lineNo'>[] = [];
  // The monthly prices are those in effect on the period's first day: a change mid-month applies from the next one.
  const fee = await priceOn(tx, { currency: tenant.currency, function: null, metric: 'platform_fee', day: period });
  if (fee) {
    const unit = Number(fee.unitAmountMinor);
    monthly.push({
      kind: 'platform_fee',
      function: null,
      metric: 'platform_fee',
      description: 'Platform fee (monthly)',
      quantity: 1,
      unit: 'month',
      unitAmountMinor: unit,
      rounding: null,
      priceId: fee.id,
      priceSource: fee.source,
      amountMinor: unit,
    });
  }
  if (terms.dedicatedSeats > 0) {
    const seat = await priceOn(tx, { currency: tenant.currency, function: null, metric: 'seat', day: period });
    if (seat) {
      const unit = Number(seat.unitAmountMinor);
      monthly.push({
        kind: 'seat',
        function: null,
        metric: 'seat',
        description: `Dedicated operator seats (${terms.dedicatedSeats} × ${formatMoney(unit, tenant.currency)} a month)`,
        quantity: terms.dedicatedSeats,
        unit: 'seat',
        unitAmountMinor: unit,
        rounding: null,
        priceId: seat.id,
        priceSource: seat.source,
        amountMinor: terms.dedicatedSeats * unit,
      });
    }
  }
  const credits = await confirmedCredits(tx, period, tenant.currency);
  const assembled = assembleLines(usage, monthly, terms, tenant.currency, credits);
  return { ...assembled, unpricedEvents, terms };
}

/**
 * Usage projected linearly over the whole period from the share of it elapsed so far (a period
 * already over projects to what it is), plus the platform fee, seats and the top-up that projected
 * usage would leave.
 */
export function forecastOf(computed: Pick<ComputedStatement, 'usageMinor' | 'fixedMinor' | 'terms'> & { creditsMinor?: number }, bounds: { start: Date; end: Date }, now: Date) {
  const length = bounds.end.getTime() - bounds.start.getTime();
  const elapsed = Math.min(1, Math.max(0, (now.getTime() - bounds.start.getTime()) / length));
  const usageMinor = elapsed > 0 ? Math.round(computed.usageMinor / elapsed) : computed.usageMinor;
  const owed = usageMinor + computed.fixedMinor + topUpFor(computed.terms.minimumCommitmentMinor, usageMinor);
  return { usageMinor, totalMinor: owed - Math.min(owed, computed.creditsMinor ?? 0) };
}

/** The frozen statement of a closed period, or undefined when the period is not closed. */
export async function closedStatement(tx: TenantTx, tenant: BillingTenant, period: string): Promise<Statement | undefined> {
  const head = await tx.selectFrom('statements').selectAll().where('period', '=', period).executeTakeFirst();
  if (!head) return undefined;
  const rows = await tx.selectFrom('statementLines').selectAll().where('period', '=', period).orderBy('lineNo').execute();
  // The period's events never change once it is closed (late ones land on the open period), so this count is frozen too.
  const unpriced = await tx
    .selectFrom('usageEvents')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .where('billingPeriod', '=', period)
    .where('priceId', 'is', null)
    .executeTakeFirst();
  return {
    period,
    status: 'closed',
    currency: head.currency,
    timeZone: tenant.timeZone,
    periodStart: head.periodStart,
    periodEnd: head.periodEnd,
    lines: rows.map((r) => ({
      lineNo: r.lineNo,
      kind: r.kind,
      function: r.function,
      metric: r.metric,
      description: r.description,
      quantity: Number(r.quantity),
      unit: r.unit as StatementUnit,
      unitAmountMinor: r.unitAmountMinor === null ? null : Number(r.unitAmountMinor),
      rounding: r.rounding as RoundingMode | null,
      priceId: r.priceId,
      priceSource: r.priceSource,
      amountMinor: Number(r.amountMinor),
    })),
    usageMinor: Number(head.usageMinor),
    totalMinor: Number(head.totalMinor),
    unpricedEvents: Number(unpriced?.n ?? 0),
    forecast: null,
    closedAt: head.closedAt,
  };
}

/** A period's statement: frozen when closed, else computed now with its forecast. */
export async function loadStatement(tx: TenantTx, tenant: BillingTenant, period: string, now: Date): Promise<Statement> {
  const closed = await closedStatement(tx, tenant, period);
  if (closed) return closed;
  const bounds = periodBounds(period, tenant.timeZone);
  const computed = await computeStatement(tx, tenant, period);
  return {
    period,
    status: 'open',
    currency: tenant.currency,
    timeZone: tenant.timeZone,
    periodStart: bounds.start,
    periodEnd: bounds.end,
    lines: computed.lines,
    usageMinor: computed.usageMinor,
    totalMinor: computed.totalMinor,
    unpricedEvents: computed.unpricedEvents,
    forecast: forecastOf(computed, bounds, now),
    closedAt: null,
  };
}

/**
 * Whether a period may be asked for: any month from the tenant's creation (in its time zone) to the
 * current one. A future month has no statement yet, and before creation there was nothing to bill.
 */
export function periodInRange(tenant: BillingTenant, period: string, now: Date): boolean {
  return period >= periodOf(tenant.createdAt, tenant.timeZone) && period <= periodOf(now, tenant.timeZone);
}

/** Whether a period has (or may have) a statement: in range, or already closed, or billed usage (imported from before onboarding). */
export async function periodExists(tx: TenantTx, tenant: BillingTenant, period: string, now: Date): Promise<boolean> {
  if (periodInRange(tenant, period, now)) return true;
  if (period > periodOf(now, tenant.timeZone)) return false;
  const closed = await tx.selectFrom('statements').select('period').where('period', '=', period).executeTakeFirst();
  if (closed) return true;
  const usage = await tx.selectFrom('usageEvents').select('id').where('billingPeriod', '=', period).limit(1).executeTakeFirst();
  return !!usage;
}

export interface StatementSummary {
  period: string;
  status: 'open' | 'closed';
  currency: string;
  totalMinor: number;
  invoice: { id: string; status: InvoiceStatus; number: string | null } | null;
}

/**
 * Every statement of the tenant, newest first: the closed ones, and the open ones computed now —
 * the current period, and any earlier month with usage that is not closed yet.
 */
export async function listStatements(tx: TenantTx, tenant: BillingTenant, now: Date): Promise<StatementSummary[]> {
  const closed = await tx.selectFrom('statements').select(['period', 'currency', 'totalMinor']).execute();
  const closedPeriods = new Set(closed.map((s) => s.period));
  const current = periodOf(now, tenant.timeZone);
  const withUsage = await tx.selectFrom('usageEvents').select('billingPeriod').distinct().execute();
  const open = new Set([current, ...withUsage.map((r) => r.billingPeriod)].filter((p) => !closedPeriods.has(p) && p <= current));
  const summaries: Omit<StatementSummary, 'invoice'>[] = closed.map((s) => ({
    period: s.period,
    status: 'closed',
    currency: s.currency,
    totalMinor: Number(s.totalMinor),
  }));
  for (const period of open) {
    const computed = await computeStatement(tx, tenant, period);
    summaries.push({ period, status: 'open', currency: tenant.currency, totalMinor: computed.totalMinor });
  }
  // One invoice per period (the local one, or Stripe's for it); a void one only when there is no other.
  const invoices = await tx
    .selectFrom('invoices')
    .select(['id', 'status', 'number', 'period'])
    .where('period', 'is not', null)
    .orderBy(sql`status = 'void'`, 'desc')
    .orderBy('createdAt')
    .execute();
  const invoiceOf = new Map(invoices.map((i) => [i.period!, { id: i.id, status: i.status, number: i.number }]));
  return summaries.sort((a, b) => (a.period < b.period ? 1 : -1)).map((s) => ({ ...s, invoice: invoiceOf.get(s.period) ?? null }));
}
