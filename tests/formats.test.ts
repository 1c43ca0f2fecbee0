import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { languages } from '@switchboard/db';
import { loadLanguage, setLanguage, i18n } from '../web/src/i18n/index.ts';
import { money, moneyInput, parseMoney, number, duration, day } from '../web/src/format.ts';

/** The web app's one set of formatting helpers (web/src/format.ts): the viewer's language, the tenant's currency. */
// Every language's messages at hand, so switching is immediate as in a page that has them.
beforeAll(() => Promise.all(languages.map(loadLanguage)));
afterEach(() => setLanguage('en'));

describe('money', () => {
  it('is written in the viewer’s language in the tenant’s currency', () => {
    setLanguage('fr');
    expect(money(149680, 'EUR')).toBe('1\u202f496,80\u00a0€');
    setLanguage('de');
    expect(money(149680, 'EUR')).toBe('1.496,80\u00a0€');
    setLanguage('en');
    expect(money(150000, 'EUR')).toBe('€1,500.00');
    expect(money(1500, 'JPY')).toBe('¥1,500');
  });

  it('reads what people type, the same way in every form', () => {
    setLanguage('fr');
    expect(parseMoney('9,50', 'EUR')).toBe(950);
    expect(parseMoney('9.50', 'EUR')).toBe(950);
    expect(parseMoney('1 234,50', 'EUR')).toBe(123450);
    expect(parseMoney('1\u202f234,50 ', 'EUR')).toBe(123450);
    expect(parseMoney('1,234', 'EUR')).toBeNull(); // three decimals in euros: not an amount
    setLanguage('de');
    expect(parseMoney('1.234,50', 'EUR')).toBe(123450);
    expect(parseMoney('1.234', 'EUR')).toBe(123400);
    expect(parseMoney('9,5', 'EUR')).toBe(950);
    setLanguage('en');
    expect(parseMoney('1,234.50', 'EUR')).toBe(123450);
    expect(parseMoney('1,234', 'EUR')).toBe(123400);
    for (const bad of ['', 'abc', '9,50,1', '1.2.3,4', '9,', '=1+1', '12,3456', '1e5']) expect(parseMoney(bad, 'EUR'), bad).toBeNull();
    expect(parseMoney('12', 'JPY')).toBe(12);
    expect(parseMoney('12,5', 'JPY')).toBeNull();
  });

  it('reads back every amount it writes into an input, in every language', () => {
    fc.assert(
      fc.property(fc.constantFrom(...languages), fc.integer({ min: -1e11, max: 1e11 }), fc.constantFrom('EUR', 'JPY', 'KWD', 'CHF'), (language, minor, currency) => {
        setLanguage(language);
        expect(parseMoney(moneyInput(minor, currency), currency)).toBe(minor);
      }),
    );
  });
});

describe('numbers, durations and days', () => {
  it('follow the viewer’s language', () => {
    setLanguage('de');
    expect(number(1234.5)).toBe('1.234,5');
    expect(day('2026-12-05')).toBe('05.12.2026');
    setLanguage('fr');
    expect(duration(750)).toBe('12min 30s');
    expect(day('2026-12-05')).toBe('5 déc. 2026');
  });

  it('chooses plural forms by the language’s rules', () => {
    const messages = { en: 'no calls | one call | {n} calls', ru: 'нет звонков | {n} звонок | {n} звонка | {n} звонков', fr: 'aucun appel | {n} appel | {n} appels' };
    for (const [language, message] of Object.entries(messages)) i18n.global.mergeLocaleMessage(language, { testPlural: message });
    setLanguage('ru');
    expect([1, 2, 5, 21].map((n) => i18n.global.t('testPlural', { n }, n))).toEqual(['1 звонок', '2 звонка', '5 звонков', '21 звонок']);
    setLanguage('fr');
    expect(i18n.global.t('testPlural', { n: 0 }, 0)).toBe('aucun appel');
    expect(i18n.global.t('testPlural', { n: 1 }, 1)).toBe('1 appel');
  });
});
