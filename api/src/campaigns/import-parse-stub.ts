import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { storableText } from '../http/storable-text.ts';

/**
 * TEMPORARY stand-in for api/src/campaigns/import-parse.ts (written on another branch of issue 15),
 * with the same exported names and types so the lead swaps the one import in lists.ts at merge and
 * deletes this file. It reads only a UTF-8 CSV split on `,` (quotes as RFC 4180), no XLSX.
 */

export type ImportFileKind = 'csv' | 'xlsx';
export interface SourceInfo {
  kind: ImportFileKind;
}
export const MAX_IMPORT_BYTES = 50 * 1024 * 1024;
export const MAX_IMPORT_ROWS = 200_000;
export const DEFAULT_LIST_LIMIT = 10_000;

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
  country: CountryCode | undefined;
  timeZone: string;
  onProgress?: (rowsRead: number) => void;
  listLimit?: number;
}

export interface ContactRow {
  line: number;
  phone: string;
  name: string | null;
  email: string | null;
  timeZone: string;
  region: string | null;
  postcode: string | null;
  fields: Record<string, string>;
}

export type ImportField = 'phone' | 'name' | 'email' | 'timeZone' | 'postcode' | `fields.${string}`;
export interface ImportError {
  line: number | null;
  field: ImportField | null;
  column?: string;
  code: string;
  message: string;
}
export interface ImportDuplicate {
  line: number;
  firstLine: number;
  phone: string;
}
export interface ImportTotals {
  rows: number;
  valid: number;
  invalid: number;
  duplicates: number;
  errors: number;
  blank: number;
}
export interface ImportReport {
  source: SourceInfo;
  headers: string[];
  rows: ContactRow[];
  errors: ImportError[];
  duplicates: ImportDuplicate[];
  totals: ImportTotals;
}
export interface ColumnPreview {
  source: SourceInfo;
  headers: string[];
  sample: string[][];
  errors: ImportError[];
}

function* csvLines(text: string): Generator<{ line: number; cells: string[] }> {
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') cells.push(cell), (cell = '');
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      cells.push(cell);
      yield { line: start, cells };
      cells = [];
      cell = '';
      start = ++line;
    } else cell += ch;
  }
  if (cell !== '' || cells.length) {
    cells.push(cell);
    yield { line: start, cells };
  }
}

function knownZone(zone: string): boolean {
  try {
    return zone.length <= 64 && zone.includes('/') && !!new Intl.DateTimeFormat('en', { timeZone: zone });
  } catch {
    return false;
  }
}

const decode = (bytes: Uint8Array) => new TextDecoder('utf-8').decode(bytes).replace(/^\ufeff/, '');
const fileError = (code: string, message: string): ImportError => ({ line: null, field: null, code, message });
const emptyTotals = (): ImportTotals => ({ rows: 0, valid: 0, invalid: 0, duplicates: 0, errors: 0, blank: 0 });

export async function previewColumns(bytes: Uint8Array, kind: ImportFileKind): Promise<ColumnPreview> {
  if (kind !== 'csv') return { source: { kind }, headers: [], sample: [], errors: [fileError('import.unreadable', 'Only CSV files can be read for now.')] };
  const lines = csvLines(decode(bytes));
  const header = lines.next();
  if (header.done) return { source: { kind }, headers: [], sample: [], errors: [fileError('import.no_header', 'The file is empty.')] };
  const sample: string[][] = [];
  for (const row of lines) {
    if (sample.length >= 5) break;
    sample.push(row.cells);
  }
  return { source: { kind }, headers: header.value.cells, sample, errors: [] };
}

export async function parseContactImport(bytes: Uint8Array, options: ImportOptions): Promise<ImportReport> {
  const totals = emptyTotals();
  const report: ImportReport = { source: { kind: options.kind }, headers: [], rows: [], errors: [], duplicates: [], totals };
  const refuse = (error: ImportError) => ({ ...report, errors: [error], totals: { ...totals, errors: 1 } });
  if (bytes.byteLength > MAX_IMPORT_BYTES) return refuse(fileError('import.too_large', 'The file is larger than 50 MB.'));
  if (options.kind !== 'csv') return refuse(fileError('import.unreadable', 'Only CSV files can be read for now.'));
  const limit = options.listLimit ?? DEFAULT_LIST_LIMIT;
  const lines = csvLines(decode(bytes));
  const header = lines.next();
  if (header.done) return refuse(fileError('import.no_header', 'The file is empty.'));
  report.headers = header.value.cells;
  const at = (name: string | undefined) => (name === undefined ? -1 : report.headers.indexOf(name));
  const m = options.mapping;
  const named = [m.phone, ...(Array.isArray(m.name) ? m.name : m.name ? [m.name] : []), m.email, m.timeZone, m.postcode, ...Object.keys(m.custom ?? {})].filter((n): n is string => n !== undefined);
  const missing = named.filter((n) => at(n) < 0);
  if (missing.length) {
    report.errors = missing.map((n) => ({ ...fileError('import.missing_column', `The file has no column "${n}".`), column: n }));
    totals.errors = missing.length;
    return report;
  }
  const firstLineOf = new Map<string, number>();
  for (const { line, cells } of lines) {
    const get = (name: string | undefined) => (name === undefined ? '' : (cells[at(name)] ?? '').trim());
    if (cells.every((c) => c.trim() === '')) {
      totals.blank++;
      continue;
    }
    totals.rows++;
    const errors: ImportError[] = [];
    for (const [i, value] of cells.entries()) {
      if (!storableText(value)) errors.push({ line, field: null, column: report.headers[i], code: 'nul_byte', message: 'Remove the control characters.' });
    }
    const raw = get(m.phone);
    const parsed = raw ? parsePhoneNumberFromString(raw, options.country) : undefined;
    if (!raw) errors.push({ line, field: 'phone', column: m.phone, code: 'required', message: 'The phone number is missing.' });
    else if (!parsed?.isValid()) errors.push({ line, field: 'phone', column: m.phone, code: 'phone', message: `"${raw.slice(0, 40)}" is not a valid phone number.` });
    const name = (Array.isArray(m.name) ? m.name : m.name ? [m.name] : []).map(get).filter(Boolean).join(' ');
    if (name.length > 200) errors.push({ line, field: 'name', code: 'too_big', message: 'The name is longer than 200 characters.' });
    const email = get(m.email);
    if (email.length > 254 || (email && !email.includes('@'))) errors.push({ line, field: 'email', code: 'invalid_format', message: 'Not an e-mail address.' });
    const zone = get(m.timeZone);
    if (zone && !knownZone(zone)) errors.push({ line, field: 'timeZone', column: m.timeZone, code: 'time_zone', message: `"${zone.slice(0, 64)}" is not a time zone.` });
    const fields: Record<string, string> = {};
    for (const [column, key] of Object.entries(m.custom ?? {})) {
      const value = get(column);
      if (value.length > 1000) errors.push({ line, field: `fields.${key}`, code: 'too_big', message: 'Longer than 1000 characters.' });
      else if (value) fields[key] = value;
    }
    if (errors.length) {
      totals.invalid++;
      totals.errors += errors.length;
      for (const e of errors) if (report.errors.length < limit) report.errors.push(e);
      continue;
    }
    const phone = parsed!.number;
    const first = firstLineOf.get(phone);
    if (first !== undefined) {
      totals.duplicates++;
      if (report.duplicates.length < limit) report.duplicates.push({ line, firstLine: first, phone });
      continue;
    }
    firstLineOf.set(phone, line);
    report.rows.push({ line, phone, name: name || null, email: email || null, timeZone: zone || options.timeZone, region: null, postcode: get(m.postcode) || null, fields });
    if (totals.rows % 1000 === 0) options.onProgress?.(totals.rows);
  }
  totals.valid = report.rows.length;
  return report;
}
