/** The simple checks the API also makes, run as the user types (the API stays the authority). */

export const slugPattern = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function required(value: string, message: string): string | undefined {
  return value.trim() ? undefined : message;
}

export function email(value: string): string | undefined {
  if (!value.trim()) return 'Enter an email address.';
  return emailPattern.test(value.trim()) ? undefined : 'Enter a valid email address.';
}

export function slug(value: string): string | undefined {
  if (!value) return 'Enter a slug.';
  return slugPattern.test(value) ? undefined : 'Use 1–40 lowercase letters, digits and inner hyphens.';
}

export function timeZone(value: string): string | undefined {
  if (!value) return 'Enter a time zone.';
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return value.includes('/') || value === 'UTC' ? undefined : 'Use an IANA time zone such as Europe/Paris.';
  } catch {
    return 'Use an IANA time zone such as Europe/Paris.';
  }
}

export function locale(value: string): string | undefined {
  try {
    if (Intl.getCanonicalLocales(value).length === 1 && Intl.DateTimeFormat.supportedLocalesOf([value]).length === 1) return undefined;
  } catch {
    // falls through
  }
  return 'Use a BCP 47 locale such as fr-FR.';
}

const currencies = new Set<string>(Intl.supportedValuesOf('currency'));
export function currency(value: string): string | undefined {
  return currencies.has(value) ? undefined : 'Use an ISO 4217 currency code such as EUR.';
}

export function newPassword(value: string): string | undefined {
  if (value.length < 12) return 'Use at least 12 characters.';
  if (value.length > 256) return 'Use at most 256 characters.';
  return undefined;
}

/** A slug suggested from a company name: `Fleurs de Lyon` → `fleurs-de-lyon`. */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/g, '');
}

export const timeZones: string[] = (() => {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
})();

export const commonLocales = ['fr-FR', 'en-GB', 'en-US', 'de-DE', 'es-ES', 'it-IT', 'nl-NL', 'pt-PT', 'ru-RU'];
export const commonCurrencies = ['EUR', 'GBP', 'USD', 'CHF', 'RUB'];
