import { territories } from '../calling-rules/callee.ts';

/**
 * Where a French postcode is, as the calling rules need it: the callee's time zone (calls are allowed
 * in the callee's hours, not the caller's) and the department, whose public holidays differ (overseas
 * departments have their own abolition-of-slavery day, Alsace-Moselle Good Friday and St Stephen's).
 * Small on purpose: the contact import's needs. api/src/calling-rules/callee.ts holds the fuller one.
 */

export interface PostcodePlace {
  /** IANA time zone. */
  timeZone: string;
  /** The department (or overseas collectivity) code: '75', '2A', '2B', '971'…; null for Monaco. */
  region: string | null;
}

/**
 * Overseas postcodes start with their three-digit code (97x, 98x): the calling rules' territories
 * (api/src/calling-rules/callee.ts, one list of them), and La Poste's code for Monaco (980xx).
 */
const overseas: Record<string, PostcodePlace> = {
  ...territories,
  '980': { timeZone: 'Europe/Monaco', region: null },
};

/**
 * A French postcode as people write it, tidied: spaces dropped ("75 001"), and a four-digit one given
 * back its leading zero (a spreadsheet reads 01000 as the number 1000). Null when it cannot be one.
 */
export function tidyFrenchPostcode(input: string): string | null {
  const compact = input.replace(/[\s\u00a0]/g, '');
  const padded = /^\d{4}$/.test(compact) ? `0${compact}` : compact;
  return /^\d{5}$/.test(padded) ? padded : null;
}

/**
 * The time zone and department of a French postcode (five digits, as tidyFrenchPostcode gives it), or
 * null when no department has it (00xxx, 96xxx, 99xxx, an unused 97x/98x). Corsica's 20xxx are 2A below
 * 20200 and 2B from there (La Poste's split, which a handful of villages cross: the same zone and holidays).
 */
export function zoneForFrenchPostcode(postcode: string): PostcodePlace | null {
  if (!/^\d{5}$/.test(postcode)) return null;
  const two = postcode.slice(0, 2);
  if (two === '97' || two === '98') return overseas[postcode.slice(0, 3)] ?? null;
  const department = Number(two);
  if (department < 1 || department > 95) return null;
  if (two === '20') return { timeZone: 'Europe/Paris', region: Number(postcode) < 20200 ? '2A' : '2B' };
  return { timeZone: 'Europe/Paris', region: two };
}
