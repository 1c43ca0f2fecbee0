/**
 * Payment card numbers in free text: 13 to 19 digits, optionally grouped by single spaces, dashes or dots,
 * that pass the Luhn check. Operators must never store one in a note or a complaint, whatever the
 * tenant's rules (PCI DSS), so the desk redacts what this finds before anything is saved.
 */

export interface CardNumberMatch {
  /** Where the number starts and ends in the text (end exclusive). */
  start: number;
  end: number;
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

// A run of digit groups joined by one space, dash or dot; runs never touch another digit or a letter.
const digitRun = /(?<![\p{L}\p{N}])\d+(?:[ .-]\d+)*(?![\p{L}\p{N}])/gu;

/** Every card number in the text, left to right. Within a longer run of groups, whole groups only. */
export function findCardNumbers(text: string): CardNumberMatch[] {
  const matches: CardNumberMatch[] = [];
  for (const run of text.matchAll(digitRun)) {
    const groups = [...run[0].matchAll(/\d+/g)].map((g) => ({ start: run.index + g.index, end: run.index + g.index + g[0].length, digits: g[0] }));
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

function longestCardFrom(groups: { start: number; end: number; digits: string }[], from: number) {
  let digits = '';
  let best: { match: CardNumberMatch; next: number } | null = null;
  for (let j = from; j < groups.length; j++) {
    digits += groups[j]!.digits;
    if (digits.length > 19) break;
    if (digits.length >= 13 && luhnValid(digits)) best = { match: { start: groups[from]!.start, end: groups[j]!.end, digits }, next: j + 1 };
  }
  return best;
}

/** The text with every card number replaced by `•••• 1234` (its last four digits, which PCI DSS lets us show). */
export function redactCardNumbers(text: string): string {
  let out = '';
  let at = 0;
  for (const m of findCardNumbers(text)) {
    out += text.slice(at, m.start) + `•••• ${m.digits.slice(-4)}`;
    at = m.end;
  }
  return out + text.slice(at);
}
