/**
 * What only billing needs: metrics, units, periods, rounding and invoice statuses in the viewer's
 * language (by code, through the translation files), and each function's chart colour. Money, dates
 * and numbers go through the app's one set of helpers (web/src/format.ts).
 */
import { callFunctions } from '@switchboard/db/call-functions';
import type { BillingMetric, StatementLine } from '../../api/types.ts';
import { calendarDay, count, day, duration, money as formatMoney, skillLabel } from '../../format.ts';
import { t } from '../../i18n/index.ts';

/** A key's text, or null when the translation files do not have it (an unknown code). */
function known(key: string, params: Record<string, unknown> = {}): string | null {
  const text = t(key, params);
  return text === key ? null : text;
}

/** 'YYYY-MM' or 'YYYY-MM-01' → "November 2025" / "novembre 2025", the month named by Intl. */
export function periodName(period: string): string {
  const [y, m] = period.split('-');
  if (!y || !m) return period;
  return day(`${y}-${m}-01`, { month: 'long', year: 'numeric' });
}

/** 'YYYY-MM-DD' → "3 Nov" (a calendar day, no time zone to apply). */
export function dayName(value: string): string {
  return day(value, { day: 'numeric', month: 'short' });
}

/** 'YYYY-MM-DD' as "10 Mar 2026": a calendar day, no time zone to apply. */
export function dayText(value: string): string {
  return day(value);
}

/** A calendar day moved by whole days: addDays('2026-03-31', 1) = '2026-04-01'. */
export function addDays(value: string, days: number): string {
  const date = new Date(`${value}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** A price version's days, its end being exclusive: "1 Mar 2026 – 31 Mar 2026" or "since 1 Mar 2026". */
export function spanText(p: { effectiveFrom: string; effectiveTo: string | null }): string {
  return p.effectiveTo
    ? t('billing.span.between', { from: dayText(p.effectiveFrom), to: dayText(addDays(p.effectiveTo, -1)) })
    : t('billing.span.since', { from: dayText(p.effectiveFrom) });
}

/** The last day of a period that ends (exclusive) at `endIso`, in the tenant's zone: "30 Nov". */
export function lastDayOf(endIso: string, timeZone: string): string {
  const end = new Date(endIso);
  if (Number.isNaN(end.getTime())) return endIso;
  return dayName(calendarDay(new Date(end.getTime() - 1), timeZone));
}

/** The month open now in a zone, 'YYYY-MM'. */
export function periodNow(timeZone: string, now = new Date()): string {
  return calendarDay(now, timeZone).slice(0, 7);
}

/** "Handled minutes", "Minutes traitées": what a price is for. */
export const metricLabel = (metric: string) => known(`billing.metric.${metric}`) ?? skillLabel(metric);

/** "61 minutes", "1 seat", with the language's plural rules. */
export function quantityText(quantity: number, unit: string): string {
  return t(`billing.unit.${unit}`) === `billing.unit.${unit}` ? `${quantity} ${unit}` : count(`billing.unit.${unit}`, quantity);
}

/** The metrics a function's usage is priced by, and the monthly ones (function null), in the order lists show them. */
export const usageMetrics: BillingMetric[] = ['handled_minute', 'handled_call', 'order', 'complaint', 'completed_survey', 'contact_reached', 'data_entry_record', 'sale'];
export const monthlyMetrics: BillingMetric[] = ['platform_fee', 'seat'];

/** What a metric's price is per, as a noun after a price ("0,90 € / minute"). */
export const metricUnit = (metric: string) => known(`billing.unitOf.${metric}`) ?? metric;

/** "per minute", "per seat per month": what a price is per, as a whole phrase (word order differs). */
export const perUnit = (metric: string) => known(`billing.per.${metric}`) ?? metric;

/** A per-second price is still written per minute; the rounding says how talk time is counted. */
export function roundingText(rounding: string | null | undefined): string {
  return rounding ? (known(`billing.rounding.${rounding}`) ?? '') : '';
}

/** Talk time as "2 h 5 min" or "12 min 30 s"; a dash when there was none. */
export function talkTime(seconds: number): string {
  return seconds <= 0 ? '—' : duration(seconds);
}

export function functionLabel(fn: string | null): string {
  return fn ? skillLabel(fn) : t('billing.wholeAccount');
}

/** A statement line in the viewer's language, from its codes (the API's English description is for API clients). */
export function lineDescription(line: StatementLine, currency: string, usageMinor: number): string {
  switch (line.kind) {
    case 'usage': {
      const what = known(`billing.lineMetric.${line.metric}`) ?? metricLabel(line.metric ?? '');
      const fn = functionLabel(line.function);
      return line.rounding ? t('billing.line.usageRounded', { function: fn, what, rounding: t(`billing.lineRounding.${line.rounding}`) }) : t('billing.line.usage', { function: fn, what });
    }
    case 'platform_fee':
      return t('billing.line.platformFee');
    case 'seat':
      return t('billing.line.seats', { n: line.quantity, price: formatMoney(line.unitAmountMinor ?? 0, currency) });
    case 'commitment_top_up':
      return t('billing.line.topUp', { commitment: formatMoney(usageMinor + line.amountMinor, currency), usage: formatMoney(usageMinor, currency) });
    case 'service_credit':
      return known(`contracts.kpi.${line.metric}`)
        ? t('billing.line.serviceCredit', { kpi: t(`contracts.kpi.${line.metric}`), scope: line.function ? functionLabel(line.function) : t('contracts.companyWide') })
        : line.description;
    default:
      return line.description;
  }
}

/** Invoice statuses in a client's words, with the badge colour that goes with them. */
export function invoiceStatus(status: string, dueAt?: string | null, now: Date = new Date()): { label: string; cls: string } {
  switch (status) {
    case 'paid':
      return { label: t('billing.status.paid'), cls: 'badge-success' };
    case 'open':
      return dueAt && new Date(dueAt).getTime() < now.getTime() ? { label: t('billing.status.pastDue'), cls: 'badge-danger' } : { label: t('billing.status.open'), cls: 'badge-info' };
    case 'uncollectible':
      return { label: t('billing.status.pastDue'), cls: 'badge-danger' };
    case 'void':
      return { label: t('billing.status.void'), cls: '' };
    case 'draft':
      return { label: t('billing.status.draft'), cls: '' };
    default:
      return { label: status, cls: '' };
  }
}

/**
 * @deprecated Money goes through `money` of web/src/format.ts (the viewer's language); this stays for
 * pages outside billing that still import it from here, and ignores the locale they pass.
 */
export function money(minor: number, currency: string, _locale?: string): string {
  return formatMoney(minor, currency);
}

/** Each function keeps its colour in every chart. */
const palette = ['#2451b8', '#e07a1f', '#1e8a5a', '#b8325a', '#7b4fc9', '#1f8fa8', '#a8861f', '#5c6b7f'];
const functionOrder: string[] = callFunctions.map((f) => f.id);
export function functionColor(fn: string): string {
  const i = functionOrder.indexOf(fn);
  if (i >= 0) return palette[i % palette.length]!;
  let hash = 0;
  for (const ch of fn) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return palette[hash % palette.length]!;
}
