import fc from 'fast-check';
import { luhnValid } from '@switchboard/db/card-numbers';

/**
 * Valid payment card numbers (Luhn, real IIN prefixes, 13–19 digits) and the ways a person — careless or
 * set on it — writes one so a naive filter misses it: any separators between any groups, digits of
 * other forms (full-width, Arabic-Indic, Devanagari, mathematical, superscript, circled), invisible
 * characters, letters glued on either side, text around it.
 */

const prefixes = ['4', '51', '52', '53', '54', '55', '2221', '2720', '34', '37', '300', '36', '38', '6011', '65', '644', '3528', '3589', '62', '6304', '50', '67'];

/** The digit that makes the number pass Luhn (the check itself has its own unit tests: api/src/rules/card-numbers.test.ts). */
export const luhnCheckDigit = (body: string): string => [...'0123456789'].find((d) => luhnValid(body + d))!;

/** A card number as plain ASCII digits. */
export const cardNumber = fc
  .record({
    prefix: fc.constantFrom(...prefixes),
    length: fc.integer({ min: 13, max: 19 }),
    fill: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 19, maxLength: 19 }),
  })
  .map(({ prefix, length, fill }) => {
    const body = (prefix + fill.join('')).slice(0, length - 1);
    return body + luhnCheckDigit(body);
  });

const digitForms: ((d: number) => string)[] = [
  (d) => String(d),
  (d) => String.fromCodePoint(0xff10 + d), // full-width
  (d) => String.fromCodePoint(0x0660 + d), // Arabic-Indic
  (d) => String.fromCodePoint(0x06f0 + d), // Extended Arabic-Indic (Persian)
  (d) => String.fromCodePoint(0x0966 + d), // Devanagari
  (d) => String.fromCodePoint(0x1d7ce + d), // mathematical bold
  (d) => String.fromCodePoint(0x1d7f6 + d), // mathematical monospace
  (d) => '⁰¹²³⁴⁵⁶⁷⁸⁹'[d]!, // superscript
  (d) => (d === 0 ? '⓪' : String.fromCodePoint(0x2460 + d - 1)), // circled
];

export const separators = [
  ' ', '  ', '   ', '\t', '\n', '\r\n', '\n\n', '.', '-', '_', '/', ',', ':', ';', '+', '*', '|', '~', '·', '•', '–', '—', '\u00a0', '\u202f', '\u3000',
  '\uff0d', '\uff0e', ' - ', ' / ', '. ', ' .', '\t-\t', '\u200b', '\u00ad', '\u2060', '\ufeff', '',
];
const invisibles = ['\u200b', '\u200c', '\u200d', '\u00ad', '\u2060', '\ufeff', '\u0332'];
const glued = ['card', 'CB', 'Visa', 'n°', 'No', 'x', 'ref', 'é', 'карта', 'カード', 'exp', 'CVV'];
const words = ['', 'my card is ', 'Karte: ', 'carte bancaire ', 'pay with ', 'numéro\n', '(', '"', 'Tel ok. '];
const tails = ['', ' thanks', ' exp 12/27', ')', '.', '\n', ' — ok', '"'];

/** A card number in disguise, with the card's plain digits beside it. */
export const disguisedCard = fc
  .record({
    card: cardNumber,
    cuts: fc.array(fc.boolean(), { minLength: 19, maxLength: 19 }),
    seps: fc.array(fc.constantFrom(...separators), { minLength: 19, maxLength: 19 }),
    forms: fc.array(fc.integer({ min: 0, max: digitForms.length - 1 }), { minLength: 19, maxLength: 19 }),
    oneForm: fc.option(fc.integer({ min: 0, max: digitForms.length - 1 }), { nil: undefined }),
    invisible: fc.array(fc.option(fc.constantFrom(...invisibles), { freq: 4, nil: undefined }), { minLength: 19, maxLength: 19 }),
    before: fc.constantFrom(...words),
    gluedBefore: fc.option(fc.constantFrom(...glued), { nil: undefined }),
    gluedAfter: fc.option(fc.constantFrom(...glued), { nil: undefined }),
    after: fc.constantFrom(...tails),
  })
  .map((g) => {
    let text = '';
    [...g.card].forEach((digit, i) => {
      if (i > 0) text += g.cuts[i] ? g.seps[i]! : '';
      text += digitForms[g.oneForm ?? g.forms[i]!]!(Number(digit));
      if (g.invisible[i] && i < g.card.length - 1) text += g.invisible[i];
    });
    const disguised = g.before + (g.gluedBefore ?? '') + text + (g.gluedAfter ?? '') + g.after;
    return { card: g.card, text: disguised };
  });

const digitOfForm = new Map<string, string>(digitForms.flatMap((form) => Array.from({ length: 10 }, (_, d) => [form(d), String(d)] as const)));

/** Every digit of a text, in any of the forms the disguises use, as ASCII and in order (what a reader could recover). */
export function digitsOf(text: string): string {
  let out = '';
  for (const char of text) out += digitOfForm.get(char) ?? '';
  return out;
}

/** Every string inside a value (JSON text parsed first), each on its own: where a card number could sit whole. */
export function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') {
    try {
      const parsed: unknown = JSON.parse(value);
      if (parsed !== null && typeof parsed === 'object') return stringsIn(parsed);
    } catch {
      // not JSON: the text itself
    }
    return [value];
  }
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

/**
 * The strings of a value that still hold the card's digits, in any of the disguises' digit forms. Each
 * string is read apart: digits of neighbouring fields glued together (a value cut at a field's length
 * next to an id that starts with the card's last digit) are no card anyone stored.
 */
export function holdingCard(value: unknown, card: string): string[] {
  return stringsIn(value).filter((text) => digitsOf(text).includes(card));
}
