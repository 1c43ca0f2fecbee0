import type { PriceMetric } from '../../api/types.ts';

/** Minor units in the currency's own format, e.g. 36000 EUR → "360,00 €" in fr-FR. */
export function money(minor: number, currency: string, locale?: string): string {
  try {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(minor / 10 ** digits);
  } catch {
    return `${minor} ${currency}`;
  }
}

const metricLabels: Record<PriceMetric, string> = {
  handled_minute: 'handled minute',
  order: 'order',
  complaint: 'complaint',
  completed_survey: 'completed survey',
  contact_reached: 'contact reached',
  data_entry_record: 'record entered',
};
export const metricLabel = (metric: PriceMetric) => metricLabels[metric] ?? metric;
export const priceMetrics = Object.keys(metricLabels) as PriceMetric[];

const metricPlurals: Record<PriceMetric, string> = {
  handled_minute: 'handled minutes',
  order: 'orders',
  complaint: 'complaints',
  completed_survey: 'completed surveys',
  contact_reached: 'contacts reached',
  data_entry_record: 'records entered',
};
export const metricPlural = (metric: PriceMetric) => metricPlurals[metric] ?? metric;
