import { z } from '@hono/zod-openapi';
import { Temporal } from '@js-temporal/polyfill';
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { languageOf, languages, type Language } from '@switchboard/db/languages';
import { toCsv, type CsvValue } from './common.ts';
import { exportWords, type HeaderKey, type SheetKey } from './export-words.ts';

/**
 * The record exports (orders, complaints, calls) as a person opens them in a spreadsheet, in their
 * language: a CSV that French, German and Russian spreadsheets split on `;` with decimal commas (English
 * on `,` with decimal points), UTF-8 with a BOM so accents survive; or an XLSX whose dates are dates,
 * amounts numbers in the currency's format and phone numbers text. Both hold only the columns the
 * caller chose from what the tenant's rules let leave; every text cell is guarded against formulas.
 */

/** At most this many rows in one export (newest first); narrow the dates for more. Said in `X-Export-Row-Limit`. */
export const EXPORT_ROW_LIMIT = 50_000;

export const exportFormats = ['csv', 'xlsx'] as const;
export type ExportFormat = (typeof exportFormats)[number];

/** The export's own query parameters, beside each list's filters. */
export const exportQuery = {
  lang: z
    .enum(languages)
    .optional()
    .openapi({ description: "The language of the header row, the words in cells and the number format (`;` and decimal comma for fr, de, ru). Default: the request's Accept-Language, else English." }),
  format: z.enum(exportFormats).default('csv').openapi({ description: 'csv (UTF-8 with BOM) or xlsx (Excel workbook)' }),
};

export const exportResponse = {
  description: `CSV (RFC 4180, UTF-8 with BOM, one header row) or XLSX; at most ${EXPORT_ROW_LIMIT} rows, newest first`,
  content: {
    'text/csv': { schema: z.string() },
    'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': { schema: z.string().openapi({ format: 'binary' }) },
  },
};

/** The language of an export: asked for, else the account's (users.language), else the request's Accept-Language, else English. */
export function exportLanguage(asked: Language | undefined, acceptLanguage: string | undefined, accountLanguage?: Language | null): Language {
  return asked ?? accountLanguage ?? acceptedLanguage(acceptLanguage) ?? 'en';
}

/** The first language of an Accept-Language header (by weight) that the product speaks. */
export function acceptedLanguage(header: string | undefined): Language | null {
  if (!header) return null;
  const ranked = header
    .slice(0, 500)
    .split(',')
    .map((part, i) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = Number(params.find((p) => p.trim().startsWith('q='))?.trim().slice(2) ?? 1);
      return { language: languageOf(tag), q: Number.isFinite(q) ? q : 0, i };
    })
    .filter((r) => r.language && r.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  return ranked[0]?.language ?? null;
}

/** How a column's cells are written: text (guarded), a phone number (text, never a number), a count, a measure with decimals (a percentage, an average), money, a time in the tenant's zone. */
export type ColumnKind = 'text' | 'phone' | 'integer' | 'decimal' | 'money' | 'time';
export interface ExportColumn {
  header: HeaderKey;
  kind: ColumnKind;
  /** A header of the tenant's own (a questionnaire's question, as its script words it), written instead of `header`'s words. */
  label?: string;
}
export interface Money {
  minor: number;
  currency: string;
}
export type ExportValue = string | number | Date | Money | null | undefined;

export interface ExportTable {
  sheet: SheetKey;
  columns: ExportColumn[];
  rows: ExportValue[][];
}

export interface RenderedExport {
  body: Uint8Array;
  contentType: string;
  extension: ExportFormat;
}

/** Separators per language: the list and decimal separators a spreadsheet set to that language expects. */
const conventions: Record<Language, { delimiter: ',' | ';'; decimal: '.' | ',' }> = {
  en: { delimiter: ',', decimal: '.' },
  fr: { delimiter: ';', decimal: ',' },
  de: { delimiter: ';', decimal: ',' },
  ru: { delimiter: ';', decimal: ',' },
};

/** The date-time number format of the XLSX time cells (a workbook stores the pattern; the language picks the order). */
const dateFormats: Record<Language, string> = {
  en: 'yyyy-mm-dd hh:mm:ss',
  fr: 'dd/mm/yyyy hh:mm:ss',
  de: 'dd.mm.yyyy hh:mm:ss',
  ru: 'dd.mm.yyyy hh:mm:ss',
};

/** Once per currency (and language), not once per cell: an Intl formatter costs more to make than the cell. */
function memo<T>(make: (key: string) => T): (key: string) => T {
  const known = new Map<string, T>();
  return (key) => {
    let value = known.get(key);
    if (value === undefined) known.set(key, (value = make(key)));
    return value;
  };
}

export const fractionDigits = memo((currency: string): number => {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
});

/** The wall-clock time in the zone, as `2026-12-05 14:05:00`: what Excel and LibreOffice in any language read as a date-time. */
export function localDateTime(at: Date, timeZone: string): string {
  return Temporal.Instant.fromEpochMilliseconds(at.getTime()).toZonedDateTimeISO(timeZone).toPlainDateTime().toString({ smallestUnit: 'second' }).replace('T', ' ');
}

function headerRow(table: ExportTable, language: Language, timeZone: string): string[] {
  const words = exportWords[language].header;
  return table.columns.map((c) => {
    const name = c.label ?? words[c.header];
    return c.kind === 'time' ? `${name} (${timeZone})` : name;
  });
}

const isMoney = (v: ExportValue): v is Money => typeof v === 'object' && v !== null && !(v instanceof Date);

export function renderCsv(table: ExportTable, language: Language, timeZone: string): RenderedExport {
  const { delimiter, decimal } = conventions[language];
  const cell = (kind: ColumnKind, v: ExportValue): CsvValue => {
    if (v === null || v === undefined) return null;
    if (isMoney(v)) {
      const digits = fractionDigits(v.currency);
      return { number: (v.minor / 10 ** digits).toFixed(digits).replace('.', decimal) };
    }
    if (v instanceof Date) return localDateTime(v, timeZone);
    if (typeof v === 'number' && kind === 'decimal' && Number.isFinite(v)) return { number: String(v).replace('.', decimal) };
    if (typeof v === 'number') return kind === 'integer' ? { number: String(v) } : v;
    return v;
  };
  const text = toCsv(
    headerRow(table, language, timeZone),
    table.rows.map((row) => row.map((v, i) => cell(table.columns[i]!.kind, v))),
    delimiter,
  );
  return { body: new TextEncoder().encode(`\uFEFF${text}`), contentType: 'text/csv; charset=utf-8', extension: 'csv' };
}

/** Excel's number format for amounts in a currency, its symbol where the language puts it ("1 234,50 €", "€1,234.50"). */
const moneyFormat = (currency: string, language: Language): string => moneyFormats(`${currency}|${language}`);
const moneyFormats = memo((key: string): string => {
  const [currency = '', language = 'en'] = key.split('|');
  const digits = fractionDigits(currency);
  const amount = `#,##0${digits ? `.${'0'.repeat(digits)}` : ''}`;
  let symbol = currency;
  let before = false;
  try {
    const parts = new Intl.NumberFormat(language, { style: 'currency', currency, currencyDisplay: 'narrowSymbol' }).formatToParts(1);
    symbol = parts.find((p) => p.type === 'currency')?.value ?? currency;
    before = parts.findIndex((p) => p.type === 'currency') < parts.findIndex((p) => p.type === 'integer');
  } catch {
    // an unknown currency: its code after the amount
  }
  const quoted = `"${symbol.replaceAll('"', '')}"`;
  return before ? `${quoted}${amount}` : `${amount} ${quoted}`;
});

/** XLSX exports rendered at once by one process; more wait their turn (each holds a few MB while it runs). */
export const XLSX_AT_ONCE = 2;
let xlsxRunning = 0;
const xlsxQueue: (() => void)[] = [];

/** A turn at rendering: a free slot, or the slot a finishing export hands straight to the next in line. */
async function xlsxTurn<T>(work: () => Promise<T>): Promise<T> {
  if (xlsxRunning >= XLSX_AT_ONCE) await new Promise<void>((resolve) => xlsxQueue.push(resolve));
  else xlsxRunning++;
  try {
    return await work();
  } finally {
    const next = xlsxQueue.shift();
    if (next) next();
    else xlsxRunning--;
  }
}

/**
 * The XLSX: text and phone numbers as string cells (never a formula: exceljs writes a string as a
 * string, and no cell here is given a `formula`), counts and amounts as numbers (amounts in their
 * currency's format), times as date cells holding the wall-clock time in the tenant's zone (named in
 * the header). Written by exceljs's streaming writer, row by row, without a shared-strings table: the
 * file is built in a few MB whatever its length (the in-memory workbook took ~2.4 GB for 50,000 rows),
 * handing the event loop back every 500 rows so other requests are not held up; at most
 * `XLSX_AT_ONCE` at a time per process.
 */
export function renderXlsx(table: ExportTable, language: Language, timeZone: string): Promise<RenderedExport> {
  return xlsxTurn(async () => {
    const chunks: Buffer[] = [];
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => chunks.push(chunk));
    const finished = new Promise<void>((resolve, reject) => {
      sink.on('end', resolve);
      sink.on('error', reject);
    });
    const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: sink, useStyles: true, useSharedStrings: false });
    workbook.creator = 'Switchboard';
    const sheet = workbook.addWorksheet(exportWords[language].sheet[table.sheet], { views: [{ state: 'frozen', ySplit: 1 }] });
    sheet.columns = table.columns.map((c) => ({ width: c.kind === 'time' ? 20 : c.kind === 'text' ? 24 : 16 }));
    const header = sheet.addRow(headerRow(table, language, timeZone));
    header.font = { bold: true };
    header.commit();
    let count = 0;
    for (const values of table.rows) {
      const row = sheet.addRow([]);
      values.forEach((v, i) => {
        const column = table.columns[i]!;
        const cell = row.getCell(i + 1);
        if (v === null || v === undefined) return;
        if (isMoney(v)) {
          cell.value = v.minor / 10 ** fractionDigits(v.currency);
          cell.numFmt = moneyFormat(v.currency, language);
        } else if (v instanceof Date) {
          const local = Temporal.Instant.fromEpochMilliseconds(v.getTime()).toZonedDateTimeISO(timeZone);
          // A workbook's dates have no zone: the cell holds the wall-clock time in the tenant's zone.
          cell.value = new Date(Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second));
          cell.numFmt = dateFormats[language];
        } else if ((column.kind === 'integer' || column.kind === 'decimal') && typeof v === 'number') {
          cell.value = v;
          if (column.kind === 'decimal') cell.numFmt = '0.0';
        }
        else {
          cell.value = String(v);
          cell.numFmt = '@';
        }
      });
      row.commit();
      if (++count % 500 === 0) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    sheet.commit();
    await workbook.commit();
    await finished;
    return { body: new Uint8Array(Buffer.concat(chunks)), contentType: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', extension: 'xlsx' };
  });
}

export function renderExport(table: ExportTable, options: { language: Language; format: ExportFormat; timeZone: string }): Promise<RenderedExport> {
  return options.format === 'xlsx' ? renderXlsx(table, options.language, options.timeZone) : Promise.resolve(renderCsv(table, options.language, options.timeZone));
}

/** The download's headers: its type, a file name (`pizza-napoli-orders-2026-12-05.xlsx`) and the row limit. */
export function exportHeaders(rendered: RenderedExport, slug: string, what: string, now: Date): Record<string, string> {
  return {
    'content-type': rendered.contentType,
    'content-disposition': `attachment; filename="${slug}-${what}-${now.toISOString().slice(0, 10)}.${rendered.extension}"`,
    'cache-control': 'no-store',
    'x-export-row-limit': String(EXPORT_ROW_LIMIT),
  };
}
