/**
 * Payment card numbers in free text. Operators must never store one (PCI DSS), whatever the tenant's
 * rules, so every text a person types is scanned before anything is saved — and a migration scans what
 * was saved before (0017). Pure: the API, the web app and the migrations share it.
 *
 * Disguises are read through before scanning: the text is normalised per character (Unicode NFKC, so
 * full-width, superscript or circled digits are digits; any script's decimal digits count too), invisible
 * characters (zero-width spaces, soft hyphens, combining marks) are ignored, any run of separators that
 * is not a letter or a digit (spaces, tabs, line breaks, dots, dashes, slashes, bullets…, up to
 * `maxGap`) joins two groups of digits, and letters glued to the digits do not hide them.
 *
 * What counts: 13 to 19 digits, made of whole groups, passing the Luhn check, not starting with 0 (no card
 * scheme issues numbers starting with 0 — it keeps zero-padded references out). What real data holds
 * and is not a card is skipped whole: a valid IBAN (mod 97), a phone number (E.164 of at most 15 digits
 * after its +, a French national 0X XX XX XX XX), a date with a year 1900–2099. The price: an Amex
 * (15 digits) written after a + reads as a phone number.
 * Letters between the digits (4111a1111…) end a number: a person set on hiding a card can always spell
 * it out in words, and letters as separators would find cards in every identifier.
 */

export interface CardNumberMatch {
  /** Where the number starts and ends in the original text (end exclusive). */
  start: number;
  end: number;
  /** Its digits, in ASCII. */
  digits: string;
}

export function luhnValid(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** The most separator weight between two groups of one number: a run of whitespace weighs 1, any other separator 1 each. */
const maxGap = 4;

type Token = { kind: 'digit'; value: string; start: number; end: number } | { kind: 'separator'; space: boolean } | { kind: 'word' };

const asciiDigits = /^[0-9]+$/;
const decimalDigit = /^\p{Nd}$/u;
const invisible = /^[\p{Cf}\p{M}]+$/u;
const wordChar = /[\p{L}\p{N}]/u;
const whitespace = /\s/u;

/** A decimal digit of any script: digits come in runs of ten from zero, so its value is its distance from the run's start, mod 10. */
function decimalValue(char: string): string {
  let code = char.codePointAt(0)!;
  let below = 0;
  while (below < 10 && decimalDigit.test(String.fromCodePoint(code - 1))) {
    code--;
    below++;
  }
  return String(below % 10);
}

function tokenize(text: string, skipped: (index: number) => boolean): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  for (const char of text) {
    const start = index;
    index += char.length;
    if (skipped(start)) {
      tokens.push({ kind: 'word' });
      continue;
    }
    const normal = char.normalize('NFKC');
    if (asciiDigits.test(normal)) {
      for (const d of normal) tokens.push({ kind: 'digit', value: d, start, end: index });
    } else if (decimalDigit.test(char)) {
      tokens.push({ kind: 'digit', value: decimalValue(char), start, end: index });
    } else if (normal === '' || invisible.test(normal)) {
      continue;
    } else {
      for (const c of normal) {
        if (asciiDigits.test(c)) tokens.push({ kind: 'digit', value: c, start, end: index });
        else if (invisible.test(c)) continue;
        else if (wordChar.test(c)) tokens.push({ kind: 'word' });
        else tokens.push({ kind: 'separator', space: whitespace.test(c) });
      }
    }
  }
  return tokens;
}

interface Group {
  digits: string;
  start: number;
  end: number;
}

/** Runs of digit groups: groups joined by separators (up to maxGap); a letter, or a longer gap, ends a run. */
function runsOf(tokens: Token[]): Group[][] {
  const runs: Group[][] = [];
  let run: Group[] = [];
  let group: Group | null = null;
  let gap = 0;
  let lastWasSpace = false;
  const closeGroup = () => {
    if (group) run.push(group);
    group = null;
  };
  const closeRun = () => {
    closeGroup();
    if (run.length) runs.push(run);
    run = [];
  };
  for (const token of tokens) {
    if (token.kind === 'digit') {
      if (!group) {
        if (run.length && gap > maxGap) closeRun();
        group = { digits: '', start: token.start, end: token.end };
      }
      group.digits += token.value;
      group.end = token.end;
      gap = 0;
      lastWasSpace = false;
    } else if (token.kind === 'separator') {
      closeGroup();
      if (!(token.space && lastWasSpace)) gap++;
      lastWasSpace = token.space;
    } else {
      closeRun();
      gap = 0;
      lastWasSpace = false;
    }
  }
  closeRun();
  return runs;
}

function longestCardFrom(groups: Group[], from: number): { match: CardNumberMatch; next: number } | null {
  if (groups[from]!.digits.startsWith('0')) return null;
  let digits = '';
  let best: { match: CardNumberMatch; next: number } | null = null;
  for (let j = from; j < groups.length; j++) {
    digits += groups[j]!.digits;
    if (digits.length > 19) break;
    if (digits.length >= 13 && luhnValid(digits)) best = { match: { start: groups[from]!.start, end: groups[j]!.end, digits }, next: j + 1 };
  }
  return best;
}

// ---- what is not a card: IBANs, phone numbers, dates ---------------------------------------------

const ibanCandidate = /(?<![\p{L}\p{N}])[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]){11,30}/gu;

function ibanValid(compact: string): boolean {
  if (compact.length < 15 || compact.length > 34) return false;
  const moved = compact.slice(4) + compact.slice(0, 4);
  let remainder = 0;
  for (const c of moved) {
    const value = c >= 'A' && c <= 'Z' ? String(c.charCodeAt(0) - 55) : c;
    for (const d of value) remainder = (remainder * 10 + (d.charCodeAt(0) - 48)) % 97;
  }
  return remainder === 1;
}

/** Valid IBANs (the longest valid prefix of each candidate, ending where a word does). */
function ibanSpans(text: string): [number, number][] {
  const spans: [number, number][] = [];
  for (const m of text.matchAll(ibanCandidate)) {
    let candidate = m[0];
    while (candidate.length >= 15) {
      const atEnd = !wordChar.test(text[m.index + candidate.length] ?? ' ');
      if (atEnd && ibanValid(candidate.replaceAll(' ', ''))) {
        spans.push([m.index, m.index + candidate.length]);
        break;
      }
      candidate = candidate.slice(0, -1).trimEnd();
    }
  }
  return spans;
}

// E.164 as people write it (+33 6 12 34 56 78): taken whole, and a phone number only if it has 7 to 15
// digits and its + is not glued to a digit, so a card written after a + (or split by +) is still a card.
// French national numbers: 0 and nine digits.
const internationalPhone = /(?<!\p{N})\+\d(?:[ .\-]?\d)*/gu;
const nationalPhone = /(?<!\d)0[1-9](?:[ .\-]?\d{2}){4}(?!\d)/g;
// Dates with a year 1900–2099 (2-series cards start at 2221): 2025-03-01, 01/03/2025, 1.3.2025.
const date = /(?<!\d)(?:(?:19|20)\d{2}([-/.])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12]\d|3[01])|(?:0?[1-9]|[12]\d|3[01])([-/.])(?:0?[1-9]|1[0-2])\2(?:19|20)\d{2})(?!\d)/g;

function notCardSpans(text: string): [number, number][] {
  const spans = ibanSpans(text);
  for (const m of text.matchAll(internationalPhone)) if (/^\D*(?:\d\D*){7,15}$/.test(m[0])) spans.push([m.index, m.index + m[0].length]);
  for (const pattern of [nationalPhone, date]) for (const m of text.matchAll(pattern)) spans.push([m.index, m.index + m[0].length]);
  return spans;
}

// ---- finding and redacting ----------------------------------------------------------------------

/** Every card number in the text, left to right. Within a longer run of groups, whole groups only. */
export function findCardNumbers(text: string): CardNumberMatch[] {
  if (!/\d|[^\x00-\x7f]/.test(text)) return [];
  const skipped = notCardSpans(text);
  const tokens = tokenize(text, (index) => skipped.some(([start, end]) => index >= start && index < end));
  const matches: CardNumberMatch[] = [];
  for (const groups of runsOf(tokens)) {
    let i = 0;
    while (i < groups.length) {
      const found = longestCardFrom(groups, i);
      if (found) {
        matches.push(found.match);
        i = found.next;
      } else i++;
    }
  }
  return matches;
}

function redactOnce(text: string, matches: CardNumberMatch[]): string {
  let out = '';
  let at = 0;
  for (const m of matches) {
    out += text.slice(at, m.start) + `•••• ${m.digits.slice(-4)}`;
    at = m.end;
  }
  return out + text.slice(at);
}

/**
 * The text with every card number replaced by `•••• 1234` (its last four digits, which PCI DSS lets us
 * show). Repeated until nothing is found, so the last four and the digits beside them never form another.
 */
export function redactCardNumbers(text: string): string {
  let out = text;
  for (let pass = 0; pass < 10; pass++) {
    const matches = findCardNumbers(out);
    if (!matches.length) return out;
    out = redactOnce(out, matches);
  }
  return out;
}

/** Card-number redaction through a JSON value (strings at any depth; a JSON number that is a card number becomes its redaction). */
export function redactCardNumbersDeep(value: unknown): unknown {
  if (typeof value === 'string') return redactCardNumbers(value);
  if (typeof value === 'number') {
    const text = Number.isSafeInteger(value) ? String(value) : value.toLocaleString('fullwide', { useGrouping: false });
    const redacted = redactCardNumbers(text);
    return redacted === text ? value : redacted;
  }
  if (Array.isArray(value)) return value.map(redactCardNumbersDeep);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactCardNumbersDeep(v)]));
  return value;
}
