import { z } from '@hono/zod-openapi';
import { Temporal } from '@js-temporal/polyfill';
import { type CountryCode } from 'libphonenumber-js';
import { contactNumber } from '../campaigns/contact-phone.ts';
import { stringify } from 'csv-stringify/sync';
import { invalid, fieldError } from '../http/problem.ts';
import { typedText } from '../http/validators.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';

/**
 * What the record routes (contacts, orders, complaints, information requests, calls) share: free
 * text that never keeps a card number, phone numbers in E.164, cursor paging, date filters in the
 * tenant's zone, and CSV.
 */

/** Free text an operator types: see typedText (card numbers redacted, unstorable characters refused). */
export const freeText = typedText;

/** Optional free text: empty means none. */
export const optionalFreeText = (max: number) =>
  freeText(max)
    .transform((text) => text || null)
    .nullable()
    .optional();

export const PhoneInputSchema = z
  .string()
  .trim()
  .min(1, 'Enter a phone number.')
  .max(40, 'That is too long for a phone number.')
  .openapi({ description: "A phone number; without a country code it is read in the tenant's country", example: '+33 6 12 34 56 78' });

/** The country a number without a country code is read in: the region of the tenant's locale (fr-FR → FR). */
export function regionOf(locale: string): CountryCode | undefined {
  if (regions.has(locale)) return regions.get(locale);
  let found: CountryCode | undefined;
  try {
    const region = new Intl.Locale(locale).maximize().region;
    found = region && /^[A-Z]{2}$/.test(region) ? (region as CountryCode) : undefined;
  } catch {
    found = undefined;
  }
  // Tenants' locales are few; maximize() costs more than parsing the phone number it is asked for.
  if (regions.size < 1000) regions.set(locale, found);
  return found;
}
const regions = new Map<string, CountryCode | undefined>();

/**
 * The number in E.164, or null when it is not a valid phone number. One normaliser for every number a
 * person types or imports (customers, contact lists, the do-not-call list, consents): a French overseas
 * number written the national way (0690…) is its territory's (+590690…), so a number blocked in the portal
 * is the same number the dialer would call.
 */
export function normalizePhone(input: string, locale: string): string | null {
  return contactNumber(input, regionOf(locale))?.e164 ?? null;
}

export const IdParamSchema = TenantParamSchema.extend({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });

// ---- paging ------------------------------------------------------------------------------------

/**
 * Keyset paging over (created_at desc, id desc): the cursor names the last row of the page, so rows
 * added while someone pages never shift what comes next.
 */
export interface Cursor {
  at: Date;
  id: string;
}

export function encodeCursor(at: Date, id: string): string {
  return Buffer.from(JSON.stringify([at.toISOString(), id])).toString('base64url');
}

export function decodeCursor(value: string | undefined): Cursor | null {
  if (!value) return null;
  try {
    const [at, id] = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as [string, string];
    const date = new Date(at);
    if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/i.test(id) || Number.isNaN(date.getTime())) throw new Error('bad cursor');
    return { at: date, id };
  } catch {
    throw invalid([fieldError('cursor', 'cursor', 'This cursor is not one a list answered; start from the first page.')]);
  }
}

/** Asks for one row more than the page, to know whether another page follows. */
export function pageOf<T>(rows: T[], limit: number, keyOf: (row: T) => Cursor): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(keyOf(last).at, keyOf(last).id) : null };
}

/**
 * A calendar day that exists, in years 1000–9999 (`2026-02-30` does not exist, and PostgreSQL has no
 * year 0: either would fail deep in a query, not as a 400).
 */
const realDay = (v: string) => {
  try {
    const day = Temporal.PlainDate.from(v);
    return day.year >= 1000 && day.year <= 9999;
  } catch {
    return false;
  }
};

/** An instant in the same years (an extended year such as +275760 makes the zone arithmetic throw). */
const realInstant = (v: string) => {
  const at = Date.parse(v);
  if (Number.isNaN(at)) return false;
  const year = new Date(at).getUTCFullYear();
  return !/^[+-]/.test(v) && year >= 1000 && year <= 9999;
};

const DateOrDateTime = z
  .string()
  .refine((v) => (/^\d{4}-\d{2}-\d{2}$/.test(v) ? realDay(v) : realInstant(v)), 'Use a date (YYYY-MM-DD) or an ISO date-time, in years 1000 to 9999.')
  .optional();

export const pagingQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional().openapi({ description: 'nextCursor of the previous page' }),
  from: DateOrDateTime.openapi({ description: "From this instant, or from the start of this day in the tenant's zone", example: '2025-01-01' }),
  to: DateOrDateTime.openapi({ description: "Until this instant, or to the end of this day in the tenant's zone", example: '2025-01-31' }),
};

/** A `from`/`to` filter as an instant: a bare date is that day's start (from) or the next day's start (to) in the tenant's zone. */
export function boundary(value: string | undefined, timeZone: string, end: boolean): Date | undefined {
  if (!value) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    let day = Temporal.PlainDate.from(value);
    if (end) day = day.add({ days: 1 });
    return new Date(day.toZonedDateTime({ timeZone }).epochMilliseconds);
  }
  return new Date(value);
}

/**
 * CSV injection (OWASP): a spreadsheet runs a cell that starts with = + - @ (or a tab or CR, or their
 * full-width forms) as a formula — and French and German spreadsheets split cells on `;`, some on tabs
 * or `|`, and "Text to Columns" splits on any of them, so `Sonstiges;=cmd|…` hides a formula after a
 * separator. A *segment* is the start of the cell or what follows a separator (`,` `;` tab CR LF `|`);
 * one is dangerous when, past spaces and double quotes, it starts a formula.
 */
/** Each piece of a cell: the start, then what follows each separator (split after it, so it stays in). */
const afterSeparators = /(?<=[,;\t\r\n|])/;
const startsFormula = (segment: string) => /^[\t\r]/.test(segment) || /^[\s"]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]/.test(segment);
/** A number as a spreadsheet reads it (an amount such as -12.50): never a formula, left as it is. */
const plainNumber = /^-?\d+(?:\.\d+)?$/;

/**
 * The one guard of every exported cell. A cell with any dangerous segment is marked as text with a
 * leading apostrophe, and so is every dangerous segment inside it (`Sonstiges;=cmd` → `'Sonstiges;'=cmd`),
 * so however a spreadsheet splits it, no piece starts a formula. Plain numbers stay numbers. Text that
 * merely looks numeric is text: a phone number `+33612345678` leaves as `'+33612345678` (a spreadsheet
 * would otherwise read it as the formula `=+33612345678` and drop the `+`); the apostrophe shows it
 * is text and nothing is computed. Cells without a dangerous segment leave unchanged.
 */
export function csvCell(cell: string | number | null | undefined): string | number {
  if (cell === null || cell === undefined) return '';
  if (typeof cell === 'number' || plainNumber.test(cell)) return cell;
  const segments = cell.split(afterSeparators);
  if (!segments.some(startsFormula)) return cell;
  const guarded = segments.map((segment) => (startsFormula(segment) ? `'${segment}` : segment)).join('');
  return guarded.startsWith("'") ? guarded : `'${guarded}`;
}

/** A cell of an export: text (guarded by csvCell), or a number the export wrote itself (`{ number: '12,50' }`, in the file's decimal mark). */
export type CsvValue = string | number | null | undefined | { number: string };

/**
 * CSV text (RFC 4180, CRLF) split on `delimiter` (`,`, or `;` where the decimal mark is a comma): every
 * text cell through csvCell, and every cell holding a separator a spreadsheet may split on quoted, so it
 * stays one cell — except a number with a decimal comma, which a `;` spreadsheet reads as a number.
 */
export function toCsv(header: string[], rows: CsvValue[][], delimiter: ',' | ';' = ','): string {
  const guard = (cell: CsvValue, i: number) => {
    if (typeof cell === 'object' && cell !== null) return i === 0 && cell.number.startsWith('-') ? `'${cell.number}` : cell.number;
    return i === 0 ? firstCell(cell) : csvCell(cell);
  };
  return stringify([header, ...rows].map((row) => row.map(guard)), {
    delimiter,
    record_delimiter: '\r\n',
    quoted_match: delimiter === ',' ? /[;\t|\r\n]/ : /^(?!-?\d+,\d+$)[\s\S]*[,\t|\r\n]/,
  });
}

/**
 * The first cell of a line is where a spreadsheet that splits on another separator than the file's
 * starts its one cell for the whole line (`-12.50,'+336…` read with `;`): a negative number there would
 * open a formula over the rest of the line, so it leaves as text. Elsewhere a number stays a number.
 */
function firstCell(cell: string | number | null | undefined): string | number {
  const guarded = csvCell(cell);
  return /^-/.test(String(guarded)) ? `'${guarded}` : guarded;
}

export const iso = (d: Date | null) => (d ? d.toISOString() : null);
