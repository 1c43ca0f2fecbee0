/** How billing figures read: money from minor units, units, periods and statuses in plain English. */
import { callFunctions } from '@switchboard/db/call-functions';
import type { BillingMetric } from '../../api/types.ts';
import { skillLabel } from '../../format.ts';

/** The currency's own number of decimals (2 for EUR, 0 for JPY, 3 for KWD), as Intl knows it. */
export function fractionDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** Minor units in the tenant's currency and locale: 123456 EUR in fr-FR → "1 234,56 €". */
export function money(minor: number, currency: string, locale?: string): string {
  try {
    const digits = fractionDigits(currency);
    return new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(minor / 10 ** digits);
  } catch {
    return `${minor} ${currency}`;
  }
}

/** A chart axis tick: no trailing zeros ("12 €", "2,5 €"). */
export function moneyTick(minor: number, currency: string, locale?: string): string {
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: 0, maximumFractionDigits: fractionDigits(currency) }).format(minor / 10 ** fractionDigits(currency));
  } catch {
    return String(minor);
  }
}

/** 'YYYY-MM' or 'YYYY-MM-01' → "November 2025". */
export function periodName(period: string, locale?: string): string {
  const [y, m] = period.split('-').map(Number);
  if (!y || !m) return period;
  return new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, 1)));
}

/** 'YYYY-MM-DD' → "3 Nov" (a calendar day, no time zone to apply). */
export function dayName(day: string, locale?: string): string {
  const [y, m, d] = day.split('-').map(Number);
  if (!y || !m || !d) return day;
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** 'YYYY-MM-DD' as "10 Mar 2026": a calendar day, no time zone to apply. */
export function dayText(day: string, locale?: string): string {
  const [y, m, d] = day.split('-').map(Number);
  if (!y || !m || !d) return day;
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
}

/** A calendar day moved by whole days: addDays('2026-03-31', 1) = '2026-04-01'. */
export function addDays(day: string, days: number): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** A price version's days, its end being exclusive: "1 Mar 2026 – 31 Mar 2026" or "since 1 Mar 2026". */
export function spanText(p: { effectiveFrom: string; effectiveTo: string | null }, locale?: string): string {
  return p.effectiveTo ? `${dayText(p.effectiveFrom, locale)} – ${dayText(addDays(p.effectiveTo, -1), locale)}` : `since ${dayText(p.effectiveFrom, locale)}`;
}

/** An instant as a date in the tenant's zone: "17 Nov 2025". */
export function dateIn(iso: string, timeZone: string, locale?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone }).format(d);
}

/** The last day of a period that ends (exclusive) at `endIso`, in the tenant's zone: "30 Nov". */
export function lastDayOf(endIso: string, timeZone: string, locale?: string): string {
  const end = new Date(endIso);
  if (Number.isNaN(end.getTime())) return endIso;
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short', timeZone }).format(new Date(end.getTime() - 1));
}

const metricLabels: Record<string, string> = {
  handled_minute: 'Handled minutes',
  handled_call: 'Handled calls',
  talk_seconds: 'Talk time',
  order: 'Orders',
  complaint: 'Complaints',
  completed_survey: 'Completed surveys',
  contact_reached: 'Contacts reached',
  data_entry_record: 'Records entered',
  platform_fee: 'Platform fee',
  seat: 'Dedicated operator seat',
};
export const metricLabel = (metric: string) => metricLabels[metric] ?? skillLabel(metric);

const unitNames: Record<string, [string, string]> = {
  minute: ['minute', 'minutes'],
  second: ['second', 'seconds'],
  call: ['call', 'calls'],
  order: ['order', 'orders'],
  complaint: ['complaint', 'complaints'],
  survey: ['survey', 'surveys'],
  contact: ['contact', 'contacts'],
  record: ['record', 'records'],
  month: ['month', 'months'],
  seat: ['seat', 'seats'],
};
/** "61 minutes", "1 seat". */
export function quantityText(quantity: number, unit: string, locale?: string): string {
  const [one, many] = unitNames[unit] ?? [unit, unit];
  return `${new Intl.NumberFormat(locale).format(quantity)} ${quantity === 1 ? one : many}`;
}

/** The metrics a function's usage is priced by, and the monthly ones (function null), in the order lists show them. */
export const usageMetrics: BillingMetric[] = ['handled_minute', 'handled_call', 'order', 'complaint', 'completed_survey', 'contact_reached', 'data_entry_record'];
export const monthlyMetrics: BillingMetric[] = ['platform_fee', 'seat'];

/** What a metric's price is per, for the price list ("per minute", "per order"). */
const metricUnits: Record<string, string> = {
  handled_minute: 'minute',
  handled_call: 'call',
  order: 'order',
  complaint: 'complaint',
  completed_survey: 'survey',
  contact_reached: 'contact',
  data_entry_record: 'record',
  platform_fee: 'month',
  seat: 'seat per month',
};
export const metricUnit = (metric: string) => metricUnits[metric] ?? metric;

/** A per-second price is still written per minute; the rounding says how talk time is counted. */
export function roundingText(rounding: string | null | undefined): string {
  if (rounding === 'per_started_minute') return 'each started minute counts in full';
  if (rounding === 'per_second') return 'billed to the second';
  return '';
}

/** Talk time as "2 h 05 min" or "12 min 30 s". */
export function talkTime(seconds: number): string {
  if (seconds <= 0) return '—';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h) return `${h} h ${String(m).padStart(2, '0')} min`;
  return s ? `${m} min ${String(s).padStart(2, '0')} s` : `${m} min`;
}

export function functionLabel(fn: string | null): string {
  return fn ? skillLabel(fn) : 'Whole account';
}

/** Invoice statuses in a client's words, with the badge colour that goes with them. */
export function invoiceStatus(status: string, dueAt?: string | null, now: Date = new Date()): { label: string; cls: string } {
  switch (status) {
    case 'paid':
      return { label: 'Paid', cls: 'badge-success' };
    case 'open':
      return dueAt && new Date(dueAt).getTime() < now.getTime() ? { label: 'Past due', cls: 'badge-danger' } : { label: 'Open', cls: 'badge-info' };
    case 'uncollectible':
      return { label: 'Past due', cls: 'badge-danger' };
    case 'void':
      return { label: 'Void', cls: '' };
    case 'draft':
      return { label: 'Draft', cls: '' };
    default:
      return { label: status, cls: '' };
  }
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
