import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { findCardNumbers, redactCardNumbers } from '@switchboard/db/card-numbers';
import { cardNumber, digitsOf, disguisedCard, separators } from './support/card-disguises.ts';

/**
 * Issue 11, finding 3: card-number detection read through its disguises. Properties over generated
 * card numbers (Luhn-valid, real IIN prefixes, 13–19 digits) written every way a person could, and over
 * the real data that is not a card (phone numbers, IBANs, dates, order numbers), which must survive.
 */

const runs = { numRuns: 400 };

describe('card numbers in disguise', () => {
  it('finds every card number, whatever its separators, digit forms, invisible characters and glued letters', () => {
    fc.assert(
      fc.property(disguisedCard, ({ card, text }) => {
        expect(findCardNumbers(text).map((m) => m.digits)).toContain(card);
      }),
      runs,
    );
  });

  it('redacts every one to its last four: no reader can recover the number from what is left', () => {
    fc.assert(
      fc.property(disguisedCard, ({ card, text }) => {
        const redacted = redactCardNumbers(text);
        expect(digitsOf(redacted)).not.toContain(card);
        expect(redacted).toContain(`•••• ${card.slice(-4)}`);
        expect(findCardNumbers(redacted)).toEqual([]);
      }),
      runs,
    );
  });

  it('finds several in one text, and leaves none behind in any mix of digits and separators', () => {
    fc.assert(
      fc.property(fc.array(disguisedCard, { minLength: 2, maxLength: 4 }), (cards) => {
        const text = cards.map((c) => c.text).join(' and then ');
        const redacted = redactCardNumbers(text);
        for (const { card } of cards) expect(digitsOf(redacted)).not.toContain(card);
      }),
      { numRuns: 150 },
    );
    const noise = fc.string({ unit: fc.constantFrom(...'0123456789', ...separators.filter((s) => s.length === 1), 'a', '+'), maxLength: 80 });
    fc.assert(fc.property(noise, (text) => {
      expect(findCardNumbers(redactCardNumbers(text))).toEqual([]);
    }), runs);
  });

  it('a card number sent as digits alone (a number answer) is found as well', () => {
    fc.assert(fc.property(cardNumber, (card) => {
          expect(redactCardNumbers(card)).toBe(`•••• ${card.slice(-4)}`);
        }), runs);
  });
});

// ---- what is not a card ------------------------------------------------------------------------

const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n }).map((d) => d.join(''));
const pairs = (s: string) => s.match(/../g)!;

/** French national numbers as people write them: 06 12 34 56 78, 06.12.34.56.78, 0612345678. */
const frenchPhone = fc
  .tuple(fc.integer({ min: 1, max: 9 }), digits(8), fc.constantFrom(' ', '.', '-', ''))
  .map(([first, rest, sep]) => pairs(`0${first}${rest}`).join(sep));

/** E.164 with up to 15 digits, compact or spaced: +33 6 12 34 56 78, +8613812345678. */
const e164 = fc
  .tuple(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 6, max: 14 }).chain((n) => digits(n)), fc.constantFrom(' ', ''))
  .map(([first, rest, sep]) => `+${first}${sep}${rest.match(/.{1,3}/g)!.join(sep)}`);

/** An IBAN with its check digits (mod 97), printed in groups of four or compact. */
const iban = fc
  .tuple(fc.constantFrom('DE', 'FR', 'IT', 'ES', 'NL', 'BE'), fc.integer({ min: 11, max: 23 }).chain((n) => digits(n)), fc.boolean())
  .map(([country, bban, grouped]) => {
    const numeric = [...`${bban}${country}00`].map((c) => (/[A-Z]/.test(c) ? String(c.charCodeAt(0) - 55) : c)).join('');
    const check = String(98 - Number(BigInt(numeric) % 97n)).padStart(2, '0');
    const compact = `${country}${check}${bban}`;
    return grouped ? compact.match(/.{1,4}/g)!.join(' ') : compact;
  });

const isoDate = fc.date({ min: new Date('1930-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const frenchDate = fc.tuple(isoDate, fc.constantFrom('/', '.', '-')).map(([d, sep]) => d.split('-').reverse().join(sep));
const orderNumber = fc.integer({ min: 1, max: 999_999 }).map((n) => `order ${n}`);

describe('real data that is not a card', () => {
  it('keeps phone numbers, IBANs, dates and order numbers as they are, alone or listed together', () => {
    const notCard = fc.oneof(frenchPhone, e164, iban, isoDate, frenchDate, orderNumber);
    fc.assert(fc.property(notCard, (text) => {
          expect(redactCardNumbers(text)).toBe(text);
        }), { numRuns: 1000 });
    const listed = fc
      .tuple(fc.array(fc.oneof(frenchPhone, iban, isoDate, frenchDate), { minLength: 2, maxLength: 3 }), fc.constantFrom(' / ', ', ', ' - ', '\n'))
      .map(([xs, sep]) => xs.join(sep));
    fc.assert(fc.property(listed, (text) => {
          expect(redactCardNumbers(text)).toBe(text);
        }), { numRuns: 1000 });
  });

  it('keeps the examples an operator really types', () => {
    for (const text of [
      'Rappeler au 06 12 34 56 78 ou au 01 23 45 67 89 après 18h',
      'Tel: +33 6 12 34 56 78 / +49 30 1234567',
      'IBAN FR76 3000 6000 0112 3456 7890 189, BIC AGRIFRPP',
      'Kontonummer DE89 3704 0044 0532 0130 00',
      'Livraison du 01/03/2025 au 15/03/2025, commande 4512',
      'absent 2025-03-01 - 2025-03-15',
      '2 pizzas, 12,50 € + 3,20 €, code porte 4589B',
      'Customer since 2019, account C-10482, contract 2024-00017',
    ]) {
      expect(redactCardNumbers(text), text).toBe(text);
    }
  });
});
