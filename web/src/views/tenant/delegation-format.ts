import type { BillingMetric } from '../../api/types.ts';

/** Minor units in the currency's own format, e.g. 36000 EUR → "360,00 €" in fr-FR. */
export function money(minor: number, currency: string, locale?: string): string {
  try {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(minor / 10 ** digits);
  } catch {
    return `${minor} ${currency}`;
  }
}

// Every metric a price may be per (the usage ones, then the monthly platform fee and seats): a
// Record, so a metric added to the API fails the typecheck here until it has its words.
const metricLabels: Record<BillingMetric, string> = {
  handled_minute: 'handled minute',
  handled_call: 'handled call',
  order: 'order',
  complaint: 'complaint',
  completed_survey: 'completed survey',
  contact_reached: 'contact reached',
  data_entry_record: 'record entered',
  platform_fee: 'month of platform fee',
  seat: 'dedicated seat per month',
};
export const metricLabel = (metric: BillingMetric) => metricLabels[metric] ?? metric;
export const priceMetrics = Object.keys(metricLabels) as BillingMetric[];

const metricPlurals: Record<BillingMetric, string> = {
  handled_minute: 'handled minutes',
  handled_call: 'handled calls',
  order: 'orders',
  complaint: 'complaints',
  completed_survey: 'completed surveys',
  contact_reached: 'contacts reached',
  data_entry_record: 'records entered',
  platform_fee: 'months of platform fee',
  seat: 'dedicated seats',
};
export const metricPlural = (metric: BillingMetric) => metricPlurals[metric] ?? metric;
