/**
 * The simple checks the API also makes, run as the user types (the API stays the authority). Their
 * messages are the API's for the same rule (`validation.<code>`), in the interface language.
 */
import { validationMessage } from './api/problems.ts';
import { t } from './i18n/index.ts';

export const slugPattern = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function required(value: string, message: string): string | undefined {
  return value.trim() ? undefined : message;
}

export function email(value: string): string | undefined {
  if (!value.trim()) return t('validation.form.emailRequired');
  return emailPattern.test(value.trim()) ? undefined : validationMessage('invalid_format', { format: 'email' });
}

export function slug(value: string): string | undefined {
  if (!value) return t('validation.form.slugRequired');
  return slugPattern.test(value) ? undefined : validationMessage('slug');
}

export function timeZone(value: string): string | undefined {
  if (!value) return t('validation.form.timeZoneRequired');
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return value.includes('/') || value === 'UTC' ? undefined : validationMessage('time_zone');
  } catch {
    return validationMessage('time_zone');
  }
}

export function locale(value: string): string | undefined {
  try {
    if (Intl.getCanonicalLocales(value).length === 1 && Intl.DateTimeFormat.supportedLocalesOf([value]).length === 1) return undefined;
  } catch {
    // falls through
  }
  return validationMessage('locale');
}

const currencies = new Set<string>(Intl.supportedValuesOf('currency'));
export function currency(value: string): string | undefined {
  return currencies.has(value) ? undefined : validationMessage('currency');
}

export function newPassword(value: string): string | undefined {
  if (value.length < 12) return validationMessage('too_small', { minimum: 12, origin: 'string' });
  if (value.length > 256) return validationMessage('too_big', { maximum: 256, origin: 'string' });
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
