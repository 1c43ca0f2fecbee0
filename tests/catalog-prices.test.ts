import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { languages } from '@switchboard/db';
import { loadLanguage, setLanguage } from '../web/src/i18n/index.ts';
import { perLabel, priceError, priceMinor, tidyPrice } from '../web/src/views/tenant/catalog/prices.ts';

/**
 * The catalog's price inputs (items, option choices, tariff lines) read an amount the viewer's way and the
 * international one alike, write it back the viewer's way, and say what is wrong in the viewer's language.
 * Before, the catalog parsed by hand: "1.234,50" was refused to a German and a French editor saw "9.50".
 */
// Every language's messages at hand, so switching is immediate as in a page that has them.
beforeAll(() => Promise.all(languages.map(loadLanguage)));
afterEach(() => setLanguage('en'));

describe('catalog prices', () => {
  it('accepts "9,50" and "9.50" alike and shows either back the viewer’s way', () => {
    setLanguage('fr');
    for (const typed of ['9,50', '9.50', ' 9,5 ']) {
      expect(priceError(typed, 'EUR'), typed).toBeUndefined();
      expect(priceMinor(typed, 'EUR'), typed).toBe(950);
      expect(tidyPrice(typed, 'EUR'), typed).toBe('9,50');
    }
    setLanguage('de');
    expect(priceMinor('1.234,50', 'EUR')).toBe(123450);
    expect(tidyPrice('1.234,50', 'EUR')).toBe('1234,50');
    setLanguage('en');
    expect(tidyPrice('9,50', 'EUR')).toBe('9.50');
    expect(tidyPrice('1500', 'JPY')).toBe('1500');
  });

  it('refuses what is not an amount, in the viewer’s language, and leaves the text as typed', () => {
    setLanguage('fr');
    expect(priceError('', 'EUR')).toBe('Saisissez un prix.');
    expect(priceError('9,5,0', 'EUR')).toBe('Saisissez un montant, par exemple 9,50.');
    expect(priceError('-1', 'EUR')).toBe('Un prix ne peut pas être négatif.');
    expect(tidyPrice('9,5,0', 'EUR')).toBe('9,5,0');
    expect(tidyPrice('-1', 'EUR')).toBe('-1');
    expect(priceMinor('=1+1', 'EUR')).toBe(-1);
    setLanguage('de');
    expect(priceError('abc', 'EUR')).toBe('Geben Sie einen Betrag wie 9,50 ein.');
    // An option's extra price may stay empty (no extra charge), not below zero.
    expect(priceError('', 'EUR', 'delta')).toBeUndefined();
    expect(priceError('-3', 'EUR', 'delta')).toBe('Ein Aufpreis kann nicht unter null liegen.');
    setLanguage('en');
    expect(priceError('x', 'EUR', 'delta')).toBe('Enter an amount such as 3.00.');
    expect(priceError('12,345', 'KWD')).toBeUndefined();
  });

  it('names the billing unit in the viewer’s language', () => {
    expect(perLabel('month')).toBe('per month');
    setLanguage('de');
    expect(perLabel('month')).toBe('pro Monat');
    setLanguage('fr');
    expect(perLabel('once')).toBe('une fois');
  });
});
