import type { CountryCode } from 'libphonenumber-js';
import { z } from 'zod';
import { findCardNumbers, redactCardNumbers } from '../rules/card-numbers.ts';
import { storableText } from '../http/storable-text.ts';
import { contactNumber, frenchTerritories, placeOfNumber, scientificNotation } from './contact-phone.ts';
import { FileTooLarge, isBlank, readRows, UnreadableFile, type ImportFileKind, type SheetRow, type SourceInfo } from './import-read.ts';
import { tidyFrenchPostcode, zoneForFrenchPostcode } from './postcode.ts';

export type { ImportFileKind, SourceInfo } from './import-read.ts';

/**
 * A contact list's import, checked before anything is saved: the client's file (CSV or XLSX) read
 * row by row through the client's column mapping, each number normalised to E.164 in the tenant's
 * country, each row checked (a row with any problem is refused and reported with its line and field),
 * numbers given twice reported line by line (the first kept). Pure: the route stores what it returns.
 *
 * Values are stored as the client wrote them, trimmed. Text that a spreadsheet would run as a formula
 * (`=cmd|…`, `+SUM(`, `@`, `-`) is kept as text, not refused — a name may start with a dash — and every
 * export guards it on the way out (records/common.ts csvCell marks it with an apostrophe in a CSV; the
 * XLSX writer writes it as a text cell, never a formula). An XLSX formula cell imports as the result the
 * workbook saved, never as its formula. A payment card number anywhere refuses the row (the import
 * would otherwise store it: redacting it silently would change the client's data without a word).
 */

/** The most rows a list's file may hold (more: split it). */
export const MAX_IMPORT_ROWS = 200_000;
/** The largest file accepted (50 MB). */
export const MAX_IMPORT_BYTES = 50 * 1024 * 1024;
/** The most errors and duplicates listed one by one (all are counted in `totals`). */
export const DEFAULT_LIST_LIMIT = 10_000;
/** The most custom fields a list maps. */
export const MAX_CUSTOM_FIELDS = 50;

/** Longest value per field. */
export const importLimits = { phone: 40, name: 200, email: 254, timeZone: 64, postcode: 12, custom: 1000 } as const;

/**
 * Which column (by its header) holds which field. `name` may join several columns in order
 * (["Prénom", "Nom"] → "Marie Dupont"); `custom` maps headers to the keys the script shows
 * (`{"Offre": "offer"}`).
 */
export interface ColumnMapping {
  phone: string;
  name?: string | string[];
  email?: string;
  timeZone?: string;
  postcode?: string;
  custom?: Record<string, string>;
}

export interface ImportOptions {
  kind: ImportFileKind;
  mapping: ColumnMapping;
  /** The tenant's country (records/common.ts regionOf(tenant.locale)): numbers without a country code are read there. */
  country: CountryCode | undefined;
  /** The tenant's zone: a contact's zone when nothing in the row or its number says otherwise. */
  timeZone: string;
  /** Called every 1,000 rows read with the count so far (a progress bar). */
  onProgress?: (rowsRead: number) => void;
  /** How many errors and duplicates to list one by one (default 10,000); all are counted. */
  listLimit?: number;
  /** Numbers (E.164) the campaign already has (appending to a list, a second list): reported as duplicates, not imported again. */
  existingPhones?: ReadonlySet<string>;
}

export interface ContactRow {
  /** The row's number in the file, as a spreadsheet shows it (the header is usually 1). */
  line: number;
  /** E.164. */
  phone: string;
  name: string | null;
  email: string | null;
  /** IANA zone: the row's own, else its postcode's, else its number's, else the tenant's. */
  timeZone: string;
  /** French department code ('75', '2A', '971') for the holiday calendar, where known. */
  region: string | null;
  postcode: string | null;
  /** Custom fields by their key, non-empty ones only. */
  fields: Record<string, string>;
}

/**
 * Codes of the problems (the same words as the API's field codes where one exists: http/problem-codes.ts).
 * `import.*` concern the file as a whole.
 */
export type ImportErrorCode =
  | 'required'
  | 'phone'
  | 'invalid_format'
  | 'time_zone'
  | 'postcode'
  | 'too_big'
  | 'nul_byte'
  | 'card_number'
  | 'import.missing_column'
  | 'import.mapping'
  | 'import.no_header'
  | 'import.too_many_rows'
  | 'import.too_large'
  | 'import.unreadable';

/** The field a problem is in: phone, name, email, timeZone, postcode or `fields.<key>`; null for the file. */
export type ImportField = 'phone' | 'name' | 'email' | 'timeZone' | 'postcode' | `fields.${string}`;

export interface ImportError {
  /** The row (as numbered in the file); null when the problem is the file's. */
  line: number | null;
  field: ImportField | null;
  /** The header of the column the value came from. */
  column?: string;
  code: ImportErrorCode;
  message: string;
}

export interface ImportDuplicate {
  line: number;
  /** The row kept, which has the same number; null when the campaign already has it (ImportOptions.existingPhones). */
  firstLine: number | null;
  phone: string;
}

export interface ImportTotals {
  /** Rows read below the header, blank ones aside. */
  rows: number;
  /** Rows ready to be stored. */
  valid: number;
  /** Rows refused for a problem. */
  invalid: number;
  /** Rows whose number an earlier row has. */
  duplicates: number;
  /** All problems found (the list stops at the list limit). */
  errors: number;
  /** Blank rows skipped. */
  blank: number;
}

export interface ImportReport {
  source: SourceInfo;
  /** The header row as read. */
  headers: string[];
  rows: ContactRow[];
  errors: ImportError[];
  duplicates: ImportDuplicate[];
  totals: ImportTotals;
}

// ---- checks --------------------------------------------------------------------------------------

const emailPattern = z.regexes.email;
const customKey = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

const supportedZones = new Set<string>([...Intl.supportedValuesOf('timeZone'), 'UTC']);
const zoneCache = new Map<string, string | null>();

/** A time zone as IANA names it (Europe/Paris; europe/paris is read as it), or null. */
export function ianaZone(value: string): string | null {
  const known = zoneCache.get(value);
  if (known !== undefined) return known;
  let zone: string | null = null;
  if (supportedZones.has(value)) zone = value;
  else if (value.includes('/')) {
    try {
      // Canonical names and the aliases Intl accepts (Europe/Kiev, europe/paris), never offsets.
      zone = new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone;
    } catch {
      zone = null;
    }
  }
  if (zoneCache.size < 2000) zoneCache.set(value, zone);
  return zone;
}

/**
 * Whether a text may hold a card number (13 digits at least), cheaply, before the full detector reads
 * through its disguises. Plain ASCII counts its digits; other text is first normalised as the detector
 * reads it (NFKC: a full-width ４, a circled ⑳, ⅒ and ㋀ spell out digits) and counts those, and any
 * script's decimal digits. Most values (names, offers, accented or not) never reach the detector.
 */
function mayHoldCardNumber(value: string): boolean {
  let digits = 0;
  let other = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c > 0x7f) other = true;
  }
  if (digits >= 13) return true;
  return other && (value.normalize('NFKC').match(anyDigit)?.length ?? 0) >= 13;
}
const anyDigit = /\p{Nd}/gu;

const holdsCardNumber = (value: string) => mayHoldCardNumber(value) && findCardNumbers(value).length > 0;

const messages = {
  required: 'The phone number is missing.',
  phone: 'This is not a valid phone number (without a country code it is read in the company’s country).',
  scientific: 'A spreadsheet wrote this number in scientific notation (6,12E+08) and dropped digits: format the column as text and export again.',
  email: 'This is not a valid e-mail address.',
  time_zone: 'This is not a time zone: use an IANA name such as Europe/Paris.',
  postcode: 'This is not a valid postcode.',
  too_big: (max: number) => `This value is longer than ${max} characters.`,
  nul_byte: 'Remove the invisible control characters (NUL bytes or broken characters) from this value.',
  card_number: 'This looks like a payment card number: card numbers are never stored. Remove it from the file.',
} as const;

/** A text value's own problem: characters a database refuses, length, a card number. */
function textProblem(value: string, max: number): { code: ImportErrorCode; message: string } | null {
  if (!storableText(value)) return { code: 'nul_byte', message: messages.nul_byte };
  if (value.length > max) return { code: 'too_big', message: messages.too_big(max) };
  if (holdsCardNumber(value)) return { code: 'card_number', message: messages.card_number };
  return null;
}

/** Header names compared as people see them: trimmed, one Unicode form, any case. */
const headerKey = (header: string) => header.trim().normalize('NFC').toLowerCase();

interface ResolvedMapping {
  phone: number;
  name: { index: number; column: string }[];
  email: number | null;
  timeZone: number | null;
  postcode: number | null;
  custom: { index: number; column: string; key: string }[];
  columns: { phone: string; email?: string; timeZone?: string; postcode?: string };
}

/** The mapping's headers found in the header row, or one error per header that is not there. */
function resolveMapping(mapping: ColumnMapping, headers: string[], headerLine: number): ResolvedMapping | ImportError[] {
  const errors: ImportError[] = [];
  const positions = new Map<string, number>();
  headers.forEach((header, index) => {
    const key = headerKey(header);
    if (key && !positions.has(key)) positions.set(key, index);
  });
  const find = (column: string, field: ImportField): number => {
    const index = positions.get(headerKey(column));
    if (index === undefined) {
      errors.push({ line: headerLine, field, column, code: 'import.missing_column', message: `The file has no column “${column}”.` });
      return -1;
    }
    return index;
  };
  const custom = Object.entries(mapping.custom ?? {});
  if (custom.length > MAX_CUSTOM_FIELDS) {
    errors.push({ line: null, field: null, code: 'import.mapping', message: `Map at most ${MAX_CUSTOM_FIELDS} custom fields.` });
  }
  const keys = new Set<string>();
  for (const [column, key] of custom) {
    if (!customKey.test(key) || keys.has(key)) {
      errors.push({ line: null, field: `fields.${key}`, column, code: 'import.mapping', message: keys.has(key) ? `Two columns are mapped to the field “${key}”.` : `“${key}” is not a field name: use letters, digits and _ (up to 40), starting with a letter.` });
    }
    keys.add(key);
  }
  const names = mapping.name === undefined ? [] : Array.isArray(mapping.name) ? mapping.name : [mapping.name];
  const resolved: ResolvedMapping = {
    phone: find(mapping.phone, 'phone'),
    name: names.map((column) => ({ column, index: find(column, 'name') })),
    email: mapping.email === undefined ? null : find(mapping.email, 'email'),
    timeZone: mapping.timeZone === undefined ? null : find(mapping.timeZone, 'timeZone'),
    postcode: mapping.postcode === undefined ? null : find(mapping.postcode, 'postcode'),
    custom: custom.map(([column, key]) => ({ column, key, index: find(column, `fields.${key}`) })),
    columns: { phone: mapping.phone, email: mapping.email, timeZone: mapping.timeZone, postcode: mapping.postcode },
  };
  return errors.length ? errors : resolved;
}

/** One row checked: the contact, or its problems. */
function checkRow(row: SheetRow, map: ResolvedMapping, options: ImportOptions): ContactRow | ImportError[] {
  const { line, cells } = row;
  const errors: ImportError[] = [];
  const value = (index: number | null) => (index === null ? '' : (cells[index] ?? '').trim());
  const problem = (field: ImportField, column: string | undefined, code: ImportErrorCode, message: string) => errors.push({ line, field, column, code, message });
  const text = (field: ImportField, column: string | undefined, raw: string, max: number): string | null => {
    if (!raw) return null;
    const found = textProblem(raw, max);
    if (found) {
      problem(field, column, found.code, found.message);
      return null;
    }
    return raw;
  };

  // Phone: required, a number of the tenant's country or with its country code.
  const rawPhone = value(map.phone);
  let number: ReturnType<typeof contactNumber> = null;
  if (!rawPhone) problem('phone', map.columns.phone, 'required', messages.required);
  else if (text('phone', map.columns.phone, rawPhone, importLimits.phone) !== null) {
    number = contactNumber(rawPhone, options.country);
    if (!number) problem('phone', map.columns.phone, 'phone', scientificNotation.test(rawPhone) ? messages.scientific : messages.phone);
  }

  const nameParts: string[] = [];
  for (const { index, column } of map.name) {
    const part = text('name', column, value(index), importLimits.name);
    if (part) nameParts.push(part);
  }
  let name: string | null = nameParts.join(' ') || null;
  if (name && name.length > importLimits.name) {
    problem('name', map.name.map((n) => n.column).join(' + '), 'too_big', messages.too_big(importLimits.name));
    name = null;
  }

  const email = text('email', map.columns.email, value(map.email), importLimits.email);
  if (email && !emailPattern.test(email)) problem('email', map.columns.email, 'invalid_format', messages.email);

  const rawZone = text('timeZone', map.columns.timeZone, value(map.timeZone), importLimits.timeZone);
  const ownZone = rawZone ? ianaZone(rawZone) : null;
  if (rawZone && !ownZone) problem('timeZone', map.columns.timeZone, 'time_zone', messages.time_zone);

  // A postcode is La Poste's when the number is French (mainland or overseas), or, without a number to
  // tell, when the company is French; otherwise it is kept as written, if it looks like a postcode.
  const rawPostcode = text('postcode', map.columns.postcode, value(map.postcode), importLimits.postcode);
  let postcode: string | null = null;
  let postcodePlace: ReturnType<typeof zoneForFrenchPostcode> = null;
  if (rawPostcode) {
    const french = number ? frenchTerritories.has(number.country ?? '') || (!number.country && frenchTerritories.has(options.country ?? '')) : frenchTerritories.has(options.country ?? '');
    if (french) {
      postcode = tidyFrenchPostcode(rawPostcode);
      postcodePlace = postcode ? zoneForFrenchPostcode(postcode) : null;
      if (!postcodePlace) postcode = null;
    } else if (/^[A-Za-z0-9](?:[A-Za-z0-9 -]*[A-Za-z0-9])?$/.test(rawPostcode)) postcode = rawPostcode;
    if (!postcode) problem('postcode', map.columns.postcode, 'postcode', messages.postcode);
  }

  const fields: Record<string, string> = {};
  for (const { index, column, key } of map.custom) {
    const field = text(`fields.${key}`, column, value(index), importLimits.custom);
    if (field) fields[key] = field;
  }

  if (errors.length || !number) return errors;
  const numberPlace = placeOfNumber(number.country);
  // A number of a French overseas territory (+262, +590…) is called on that territory's clock and holidays,
  // whatever a zone or postcode column says: the rules' hours are the callee's, and the number is where they are.
  const territory = numberPlace?.region ? numberPlace : null;
  return {
    line,
    phone: number.e164,
    name,
    email,
    timeZone: territory?.timeZone ?? ownZone ?? postcodePlace?.timeZone ?? numberPlace?.timeZone ?? options.timeZone,
    region: territory?.region ?? postcodePlace?.region ?? numberPlace?.region ?? null,
    postcode,
    fields,
  };
}

/** A header or sample value as shown back, never stored: card numbers masked, control characters as �, 200 characters at most. */
function shown(cell: string): string {
  const text = cell.trim().replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\uFFFD');
  return redactCardNumbers(text.length > 200 ? Array.from(text).slice(0, 200).join('') : text);
}

const yieldToOthers = () => new Promise<void>((resolve) => setImmediate(resolve));

function fileError(code: ImportErrorCode, message: string, line: number | null = null): ImportError {
  return { line, field: null, code, message };
}

/**
 * Reads and checks a contact list's file. Never throws for what the file holds: an unreadable file, one
 * too large or too long, or a mapping naming a column the file lacks, answers with one error per problem
 * and no rows. Hands the event loop back every 1,000 rows, so a long file does not hold up other requests.
 */
export async function parseContactImport(bytes: Uint8Array, options: ImportOptions): Promise<ImportReport> {
  const limit = options.listLimit ?? DEFAULT_LIST_LIMIT;
  const totals: ImportTotals = { rows: 0, valid: 0, invalid: 0, duplicates: 0, errors: 0, blank: 0 };
  const report: ImportReport = { source: { kind: options.kind }, headers: [], rows: [], errors: [], duplicates: [], totals };
  // A file refused as a whole: its one error, no rows (the counts say how far the reading went).
  const refuse = (error: ImportError): ImportReport => ({ ...report, rows: [], errors: [error], duplicates: [], totals: { ...totals, valid: 0, invalid: 0, duplicates: 0, errors: 1 } });
  if (bytes.byteLength > MAX_IMPORT_BYTES) return refuse(fileError('import.too_large', `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB: split it into several lists.`));

  const { source, rows } = readRows(bytes, options.kind);
  report.source = source;
  let map: ResolvedMapping | null = null;
  const firstLineOf = new Map<string, number>();
  try {
    for await (const batch of rows) for (const row of batch) {
      if (isBlank(row.cells)) {
        if (map) totals.blank++;
        continue;
      }
      if (!map) {
        report.headers = row.cells.map(shown);
        const resolved = resolveMapping(options.mapping, row.cells, row.line);
        if (Array.isArray(resolved)) {
          totals.errors = resolved.length;
          return { ...report, errors: resolved };
        }
        map = resolved;
        continue;
      }
      if (++totals.rows > MAX_IMPORT_ROWS) {
        return refuse(fileError('import.too_many_rows', `The file has more than ${MAX_IMPORT_ROWS.toLocaleString('en')} rows: split it into several lists.`));
      }
      const checked = checkRow(row, map, options);
      if (Array.isArray(checked)) {
        totals.invalid++;
        totals.errors += checked.length;
        for (const error of checked) if (report.errors.length < limit) report.errors.push(error);
      } else {
        const firstLine = options.existingPhones?.has(checked.phone) ? null : firstLineOf.get(checked.phone);
        if (firstLine !== undefined) {
          totals.duplicates++;
          if (report.duplicates.length < limit) report.duplicates.push({ line: row.line, firstLine, phone: checked.phone });
        } else {
          firstLineOf.set(checked.phone, row.line);
          report.rows.push(checked);
        }
      }
      if (totals.rows % 1000 === 0) {
        options.onProgress?.(totals.rows);
        await yieldToOthers();
      }
    }
  } catch (error) {
    if (error instanceof UnreadableFile) return refuse(fileError('import.unreadable', error.message, error.line));
    if (error instanceof FileTooLarge) return refuse(fileError('import.too_large', error.message));
    throw error;
  }
  if (!map) return refuse(fileError('import.no_header', 'The file is empty: it needs a header row naming its columns, then one row per contact.'));
  totals.valid = report.rows.length;
  options.onProgress?.(totals.rows);
  return report;
}

// ---- the mapping screen --------------------------------------------------------------------------

export const PREVIEW_ROWS = 5;

export interface ColumnPreview {
  source: SourceInfo;
  /** The header row (the first row that is not blank). */
  headers: string[];
  /** The first rows below it, as text (card numbers masked, control characters shown as �). */
  sample: string[][];
  /** Why the file cannot be imported, if it cannot (too large, unreadable, empty). */
  errors: ImportError[];
}


/** The header row and the first five rows below it, so the portal can offer the mapping. */
export async function previewColumns(bytes: Uint8Array, kind: ImportFileKind): Promise<ColumnPreview> {
  if (bytes.byteLength > MAX_IMPORT_BYTES) return { source: { kind }, headers: [], sample: [], errors: [fileError('import.too_large', `The file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB: split it into several lists.`)] };
  const { source, rows } = readRows(bytes, kind);
  let headers: string[] | null = null;
  const sample: string[][] = [];
  try {
    reading: for await (const batch of rows) for (const row of batch) {
      if (isBlank(row.cells)) continue;
      if (!headers) headers = row.cells.map(shown);
      else sample.push(row.cells.map(shown));
      if (sample.length >= PREVIEW_ROWS) break reading;
    }
  } catch (error) {
    if (error instanceof UnreadableFile) return { source, headers: headers ?? [], sample, errors: [fileError('import.unreadable', error.message, error.line)] };
    if (error instanceof FileTooLarge) return { source, headers: [], sample: [], errors: [fileError('import.too_large', error.message)] };
    throw error;
  }
  if (!headers) return { source, headers: [], sample: [], errors: [fileError('import.no_header', 'The file is empty: it needs a header row naming its columns, then one row per contact.')] };
  return { source, headers, sample, errors: [] };
}
