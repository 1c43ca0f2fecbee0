import { describe, expect, it } from 'vitest';
import { datePlaceholder, formatDateInput, parseDateInput } from '../web/src/date-input.ts';

/**
 * Issue 14: the portal's date fields show and read dates in the viewer's own order (a native
 * `<input type="date">` follows the browser, so a French interface showed mm/dd/yyyy): dd/mm/yyyy in
 * French, TT.MM.JJJJ in German, mm/dd/yyyy in American English; the value stays YYYY-MM-DD.
 */
const letters = {
  fr: { day: 'jj', month: 'mm', year: 'aaaa' },
  de: { day: 'TT', month: 'MM', year: 'JJJJ' },
  en: { day: 'dd', month: 'mm', year: 'yyyy' },
  ru: { day: 'ДД', month: 'ММ', year: 'ГГГГ' },
};

describe('date fields in the viewer’s locale', () => {
  it.each([
    ['fr', 'fr', '05/12/2026', 'jj/mm/aaaa'],
    ['fr-CA', 'fr', '2026-12-05', 'aaaa-mm-jj'],
    ['de', 'de', '05.12.2026', 'TT.MM.JJJJ'],
    ['de-AT', 'de', '05.12.2026', 'TT.MM.JJJJ'],
    ['en-US', 'en', '12/05/2026', 'mm/dd/yyyy'],
    ['en-GB', 'en', '05/12/2026', 'dd/mm/yyyy'],
    ['ru', 'ru', '05.12.2026', 'ДД.ММ.ГГГГ'],
  ] as const)('%s writes 5 December 2026 as %s… and says how to type it', (locale, language, written, placeholder) => {
    expect(formatDateInput('2026-12-05', locale)).toBe(written);
    expect(datePlaceholder(locale, letters[language])).toBe(placeholder);
    expect(parseDateInput(written, locale)).toBe('2026-12-05');
  });

  it('reads what a person types in their order, whatever separates the numbers, and an ISO date pasted', () => {
    expect(parseDateInput('5/12/2026', 'fr')).toBe('2026-12-05');
    expect(parseDateInput(' 05 12 2026 ', 'fr')).toBe('2026-12-05');
    expect(parseDateInput('5.12.2026', 'de')).toBe('2026-12-05');
    expect(parseDateInput('12/5/2026', 'en-US')).toBe('2026-12-05');
    expect(parseDateInput('2026-12-05', 'de')).toBe('2026-12-05');
    expect(parseDateInput('29/02/2028', 'fr')).toBe('2028-02-29');
    expect(parseDateInput('', 'fr')).toBe('');
  });

  it('refuses what is not a date of the calendar', () => {
    for (const text of ['31/02/2026', '29/02/2027', '13/13/2026', '05/12', '05/12/26', '2026', '05/12/2026/1', 'demain', '0/12/2026', '05/12/20266', '\u0000']) {
      expect(parseDateInput(text, 'fr'), text).toBeNull();
    }
    // American order: 31/12 is no month 31.
    expect(parseDateInput('31/12/2026', 'en-US')).toBeNull();
  });

  it('leaves no date empty and text that is not an ISO date as it is', () => {
    expect(formatDateInput('', 'fr')).toBe('');
    expect(formatDateInput('bientôt', 'fr')).toBe('bientôt');
  });
});
