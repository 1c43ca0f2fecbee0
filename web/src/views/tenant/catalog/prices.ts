import { moneyInput, parseMoney } from '../../../format.ts';
import { t } from '../../../i18n/index.ts';

/**
 * Prices travel in integer minor units; people type them in the tenant's currency, the viewer's way
 * or the international one ("9,50" and "9.50" alike), through format.ts's `parseMoney`.
 */
/** A tariff line's unit; the tariff form's types check it against the API's own list. */
export const pers = ['once', 'month', 'year', 'minute', 'gb', 'sms', 'use'] as const;
export type Per = (typeof pers)[number];

/** "per month", "une fois"… in the viewer's language. */
export function perLabel(per: Per): string {
  return t(`catalog.per.${per}`);
}

/**
 * Why a typed amount cannot be saved, or undefined. A `price` is required; an option's `delta` may be
 * left empty (no extra charge).
 */
export function priceError(text: string, currency: string, kind: 'price' | 'delta' = 'price'): string | undefined {
  if (!text.trim()) return kind === 'price' ? t('catalog.price.required') : undefined;
  const minor = parseMoney(text, currency);
  if (minor === null) return t('catalog.price.invalid', { example: moneyInput(kind === 'price' ? 950 : 300, currency) });
  if (minor < 0) return t(kind === 'price' ? 'catalog.price.negative' : 'catalog.price.deltaNegative');
  return undefined;
}

/** What was typed, written back the viewer's way once it reads as an amount ("9.50" → "9,50" for a French viewer). */
export function tidyPrice(text: string, currency: string): string {
  const minor = parseMoney(text, currency);
  return minor === null || minor < 0 ? text : moneyInput(minor, currency);
}

/** The amount typed in minor units; -1 (refused by the API, never saved) when it is not one. */
export function priceMinor(text: string, currency: string): number {
  return parseMoney(text, currency) ?? -1;
}
