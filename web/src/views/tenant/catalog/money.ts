/** Prices travel in integer minor units; people read and type them in the tenant's currency. */
export function fractionDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

export function formatMoney(minor: number, currency: string, locale?: string): string {
  const digits = fractionDigits(currency);
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(minor / 10 ** digits);
  } catch {
    return `${(minor / 10 ** digits).toFixed(digits)} ${currency}`;
  }
}

/** The amount as typed (e.g. `9,50` or `9.50`) in minor units; null when it is not a plain amount. */
export function parseMoney(text: string, currency: string): number | null {
  const digits = fractionDigits(currency);
  const cleaned = text.trim().replace(/[\s\u00a0\u202f]/g, '').replace(',', '.');
  if (!/^-?\d+(\.\d+)?$/.test(cleaned)) return null;
  const [whole, fraction = ''] = cleaned.split('.');
  if (fraction.length > digits) return null;
  return Math.round(Number(`${whole}.${fraction || '0'}`) * 10 ** digits);
}

/** Minor units as the text a price input starts with. */
export function moneyInput(minor: number, currency: string): string {
  const digits = fractionDigits(currency);
  return (minor / 10 ** digits).toFixed(digits);
}

export function priceError(text: string, currency: string): string | undefined {
  if (!text.trim()) return 'Enter a price.';
  const minor = parseMoney(text, currency);
  if (minor === null) return `Enter an amount such as ${moneyInput(950, currency)}.`;
  if (minor < 0) return 'A price cannot be below zero.';
  return undefined;
}

export const perLabels: Record<string, string> = {
  once: 'once',
  month: 'per month',
  year: 'per year',
  minute: 'per minute',
  gb: 'per GB',
  sms: 'per SMS',
  use: 'per use',
};
