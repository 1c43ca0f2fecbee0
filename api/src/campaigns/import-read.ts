import { isUtf8 } from 'node:buffer';
import { Readable } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import { parse as csvParser, CsvError } from 'csv-parse';
import ExcelJS from 'exceljs';

/**
 * Reading a contact list's file as rows of text, whatever made it: a CSV from a French spreadsheet
 * (`;`, Windows-1252 when saved as "CSV" rather than "CSV UTF-8"), an English one (`,`), a tab-separated
 * "Unicode text" (UTF-16), or an XLSX workbook (its first sheet). Streamed: rows come one at a time, so
 * the checks run while the file is read, and nothing holds the whole file as records. Pure: no database.
 */

export type ImportFileKind = 'csv' | 'xlsx';
export type CsvSeparator = ';' | ',' | '\t';
export type CsvEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/** How the file was read, for the person checking the import ("read as Windows-1252, separated by ;"). */
export interface SourceInfo {
  kind: ImportFileKind;
  /** CSV: the character set it was read in. */
  encoding?: CsvEncoding;
  /** CSV: the separator found (or named by a `sep=` first line). */
  separator?: CsvSeparator;
  /** XLSX: the sheet read (the first one shown). */
  sheet?: string;
}

/** A row of the file: its number as a spreadsheet shows it (the first row is 1) and its cells as text. */
export interface SheetRow {
  line: number;
  cells: string[];
}

/** What makes a file unreadable, with the row where the reading stopped when known. */
export class UnreadableFile extends Error {
  readonly line: number | null;
  constructor(message: string, line: number | null = null) {
    super(message);
    this.line = line;
  }
}

/** A file that would unpack to more than the import reads (a workbook). */
export class FileTooLarge extends Error {}

/** Longest CSV row accepted (1 MB): past that, it is a quote never closed swallowing the rest of the file. */
const MAX_CSV_RECORD = 1024 * 1024;
const DECODE_CHUNK = 1024 * 1024;
const SAMPLE_BYTES = 64 * 1024;

export function csvEncoding(bytes: Uint8Array): CsvEncoding {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  // Not UTF-8: Excel's "CSV (separator: semicolon)" on a French Windows writes Windows-1252.
  return isUtf8(bytes) ? 'utf-8' : 'windows-1252';
}

const separators: readonly CsvSeparator[] = [';', '\t', ','];

/**
 * The separator of a CSV, from its first 20 rows (quoted text aside): the one the header row holds and
 * the most rows hold as many times as it; ties go to `;` then tab then `,`. A file of one column has
 * none of them: `,`.
 */
export function detectSeparator(sample: string, whole = true): CsvSeparator {
  const perRow: Record<CsvSeparator, number[]> = { ';': [], '\t': [], ',': [] };
  const current: Record<CsvSeparator, number> = { ';': 0, '\t': 0, ',': 0 };
  let quoted = false;
  let content = false;
  let rows = 0;
  const endRow = () => {
    if (content) {
      for (const s of separators) perRow[s].push(current[s]);
      rows++;
    }
    for (const s of separators) current[s] = 0;
    content = false;
  };
  for (let i = 0; i < sample.length && rows < 20; i++) {
    const ch = sample[i]!;
    if (ch === '"') {
      quoted = !quoted;
      content = true;
    } else if (quoted) continue;
    else if (ch === '\n' || ch === '\r') endRow();
    else if (ch === ';' || ch === ',' || ch === '\t') {
      current[ch]++;
      content = true;
    } else if (ch !== ' ') content = true;
  }
  if (whole && rows < 20) endRow();
  let best: CsvSeparator = ',';
  let bestScore = 0;
  for (const s of separators) {
    const header = perRow[s][0] ?? 0;
    if (!header) continue;
    const score = perRow[s].filter((n) => n === header).length * 1000 + header;
    if (score > bestScore) {
      best = s;
      bestScore = score;
    }
  }
  return best;
}

function* decodedChunks(bytes: Uint8Array, encoding: CsvEncoding): Generator<string> {
  const decoder = new TextDecoder(encoding);
  for (let at = 0; at < bytes.byteLength; at += DECODE_CHUNK) {
    const text = decoder.decode(bytes.subarray(at, at + DECODE_CHUNK), { stream: true });
    if (text) yield text;
  }
  const rest = decoder.decode();
  if (rest) yield rest;
}

/** How a CSV is read: its character set, separator, and whether a `sep=;` line (Excel's hint) comes first. */
export function csvLayout(bytes: Uint8Array): { encoding: CsvEncoding; separator: CsvSeparator; hintLine: boolean } {
  const encoding = csvEncoding(bytes);
  const sample = new TextDecoder(encoding).decode(bytes.subarray(0, SAMPLE_BYTES));
  const hint = /^sep=([;,\t])\r?\n/i.exec(sample);
  if (hint) return { encoding, separator: hint[1] as CsvSeparator, hintLine: true };
  return { encoding, separator: detectSeparator(sample, bytes.byteLength <= SAMPLE_BYTES), hintLine: false };
}

/**
 * The CSV's rows, blank ones included (a spreadsheet numbers them too); a quoted value may span lines.
 * Fed to csv-parse a megabyte at a time and read back in batches (a promise per row cost as much as the
 * parsing itself).
 */
export async function* csvRows(bytes: Uint8Array, layout = csvLayout(bytes)): AsyncGenerator<SheetRow[]> {
  const parser = csvParser({
    delimiter: layout.separator,
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: false,
    max_record_size: MAX_CSV_RECORD,
    from_line: layout.hintLine ? 2 : 1,
  });
  // The parser reports a row it cannot read through the stream's error (asynchronously): kept, and checked after each write.
  let failure: unknown = null;
  parser.on('error', (error) => (failure ??= error));
  let line = 0;
  const drain = (): SheetRow[] => {
    const batch: SheetRow[] = [];
    for (let record = parser.read() as string[] | null; record !== null; record = parser.read() as string[] | null) batch.push({ line: ++line, cells: record });
    const error = failure ?? parser.errored;
    if (error) throw unreadableCsv(error, line);
    return batch;
  };
  try {
    for (const text of decodedChunks(bytes, layout.encoding)) {
      parser.write(text);
      yield drain();
    }
    parser.end();
    // end() flushes the last row synchronously; its error (an unclosed quote) may come a tick later.
    await new Promise<void>((resolve) => setImmediate(resolve));
    yield drain();
  } finally {
    parser.destroy();
  }
}

function unreadableCsv(error: unknown, line: number): unknown {
  if (!(error instanceof CsvError)) return error;
  // The rows read before the one that cannot be (the error counts them; not all may have reached us yet).
  const records = (error as unknown as { records?: unknown }).records;
  const before = typeof records === 'number' ? records : line;
  const what = error.code === 'CSV_QUOTE_NOT_CLOSED' || error.code === 'CSV_MAX_RECORD_SIZE' ? 'a quote (") is opened and never closed' : 'a quote (") is misplaced';
  return new UnreadableFile(`The file cannot be read as CSV from row ${before + 1}: ${what}.`, before + 1);
}

// ---- XLSX ----------------------------------------------------------------------------------------

/** A number as its digits (a phone number stored as a number: 612345678), never in exponent form. */
function numberText(value: number): string {
  if (!Number.isFinite(value)) return '';
  if (Number.isInteger(value) && Math.abs(value) < 1e21) return value.toFixed(0);
  return String(value);
}

const pad = (n: number) => String(n).padStart(2, '0');

/** A date cell holds a wall-clock time (no zone): its day, and its time when it has one. */
function dateText(value: Date): string {
  if (Number.isNaN(value.getTime())) return '';
  const day = `${value.getUTCFullYear()}-${pad(value.getUTCMonth() + 1)}-${pad(value.getUTCDate())}`;
  const seconds = value.getUTCHours() * 3600 + value.getUTCMinutes() * 60 + value.getUTCSeconds();
  return seconds ? `${day} ${pad(value.getUTCHours())}:${pad(value.getUTCMinutes())}:${pad(value.getUTCSeconds())}` : day;
}

/**
 * A cell as the text a person sees in it. A formula cell gives the result the workbook saved, never its
 * formula (a cell computed as `=HYPERLINK(…)` or `=cmd|…` imports as what it showed), nothing when the
 * result is an error or was never computed; an error value (#N/A) as its code; rich text and hyperlinks
 * as their text.
 */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return numberText(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (value instanceof Date) return dateText(value);
  if (typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if ('formula' in v || 'sharedFormula' in v) return 'result' in v ? cellText(v.result) : '';
    if (Array.isArray(v.richText)) return v.richText.map((part: { text?: unknown }) => (typeof part.text === 'string' ? part.text : '')).join('');
    if (typeof v.error === 'string') return v.error;
    if ('text' in v) return cellText(v.text);
  }
  return '';
}

/**
 * The most a workbook may unpack to. Its XML compresses about tenfold, and a crafted one (a cell repeated
 * a billion times) far more: a 50 MB upload could unpack to gigabytes — on disk, where exceljs parks
 * sheets in temporary files until it has read the shared strings, and in memory, where it keeps them.
 * 200,000 rows of 20 columns unpack to about 250 MB.
 */
export const MAX_XLSX_UNPACKED = 512 * 1024 * 1024;

const notWorkbook = 'The file cannot be read as an Excel workbook (.xlsx).';

/** How much a deflated part unpacks to, stopping once past `room`. */
function inflatedSize(data: Uint8Array, room: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const inflate = createInflateRaw();
    let size = 0;
    inflate.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > room) {
        inflate.destroy();
        resolve(size);
      }
    });
    inflate.on('end', () => resolve(size));
    inflate.on('error', () => reject(new UnreadableFile(notWorkbook)));
    inflate.end(data);
  });
}

/**
 * Whether the workbook unpacks to at most `limit` bytes, measured by unpacking it (a zip's declared sizes
 * can lie), without keeping what it unpacks. The parts are taken as exceljs's reader will take them, one
 * after the other from the start of the file: the central directory must describe exactly those, end to end.
 */
export async function xlsxUnpacksWithin(bytes: Uint8Array, limit = MAX_XLSX_UNPACKED): Promise<boolean> {
  const zip = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 65_535); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new UnreadableFile(notWorkbook);
  const count = zip.readUInt16LE(end + 10);
  const directory = zip.readUInt32LE(end + 16);
  const parts: { local: number; method: number; compressed: number }[] = [];
  for (let at = directory, n = 0; n < count; n++) {
    if (at + 46 > end || zip.readUInt32LE(at) !== 0x02014b50) throw new UnreadableFile(notWorkbook);
    parts.push({ local: zip.readUInt32LE(at + 42), method: zip.readUInt16LE(at + 10), compressed: zip.readUInt32LE(at + 20) });
    at += 46 + zip.readUInt16LE(at + 28) + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  parts.sort((a, b) => a.local - b.local);
  let next = 0;
  let total = 0;
  for (const part of parts) {
    if (part.local !== next || part.local + 30 > directory || zip.readUInt32LE(part.local) !== 0x04034b50) throw new UnreadableFile(notWorkbook);
    const start = part.local + 30 + zip.readUInt16LE(part.local + 26) + zip.readUInt16LE(part.local + 28);
    const stop = start + part.compressed;
    if (stop > directory) throw new UnreadableFile(notWorkbook);
    const data = zip.subarray(start, stop);
    if (part.method === 0) total += data.length;
    else if (part.method === 8) total += await inflatedSize(data, limit - total);
    else throw new UnreadableFile(notWorkbook);
    if (total > limit) return false;
    // A data descriptor may follow (with or without its signature, 32- or 64-bit sizes).
    next = stop;
    if ((zip.readUInt16LE(part.local + 6) & 0x08) !== 0) {
      const signed = stop + 4 <= directory && zip.readUInt32LE(stop) === 0x08074b50 ? 4 : 0;
      const candidates = [stop + signed + 12, stop + signed + 20];
      next = candidates.find((c) => c === directory || parts.some((p) => p.local === c)) ?? candidates[0]!;
    }
  }
  if (next !== directory) throw new UnreadableFile(notWorkbook);
  return true;
}

/**
 * Lets go of a sheet that is not read. A sheet exceljs parked in a temporary file comes as a file stream
 * whose open may still be pending (libuv's pool is busy under load), and exceljs deletes the file as soon
 * as the walk moves on: the late open then fails with ENOENT, which on a stream nobody listens to is an
 * uncaught exception that takes the process down. So its errors are swallowed, and the walk moves on only
 * once it has closed or failed (at most a second).
 */
export async function letGoOfSheet(sheet: { iterator?: unknown }): Promise<void> {
  // A sheet read straight from the archive comes as an iterator with nothing open: nothing to let go of.
  const stream = sheet.iterator;
  if (!(stream instanceof Readable)) return;
  stream.on('error', () => {});
  if (stream.destroyed) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 1_000);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    stream.once('close', done);
    stream.once('error', done);
    stream.destroy();
  });
}

/**
 * The first sheet's rows (the first tab shown, whatever order the workbook's parts come in), with
 * exceljs's streaming reader: shared strings are cached, rows are read one at a time. Rows the file does
 * not hold (blank ones) are skipped, keeping their numbers.
 */
export async function* xlsxRows(bytes: Uint8Array, source: SourceInfo = { kind: 'xlsx' }): AsyncGenerator<SheetRow[]> {
  if (!(await xlsxUnpacksWithin(bytes))) throw new FileTooLarge(`The workbook unpacks to more than ${MAX_XLSX_UNPACKED / 1024 / 1024} MB: split it into several lists.`);
  const input = Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]);
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(input, { worksheets: 'emit', sharedStrings: 'cache', hyperlinks: 'ignore', styles: 'cache', entries: 'ignore' });
  // Walked by hand, not with for-await: when the caller stops early (the preview's five rows, a file
  // too long), the walk still goes to its end, which is where exceljs deletes the temporary files it
  // parked sheets in (Excel writes the sheets before the shared strings); breaking out would leave them.
  const worksheets = reader[Symbol.asyncIterator]();
  type Sheet = { name: string; iterator?: { destroy?: () => void }; parse(): AsyncGenerator<{ eventType: string; value: ExcelJS.Row }[]> };
  let found = false;
  let finished = false;
  try {
    for (let next = await worksheets.next(); !next.done; next = await worksheets.next()) {
      const worksheet = next.value as unknown as Sheet;
      const shown = ((reader as unknown as { model?: { sheets?: { name: string; state?: string }[] } }).model?.sheets ?? []).filter((s) => s.state !== 'hidden' && s.state !== 'veryHidden');
      const first = shown[0]?.name;
      if (found || (first !== undefined && worksheet.name !== first)) {
        // Another sheet: let go of it (one parked in a temporary file holds it open).
        await letGoOfSheet(worksheet);
        continue;
      }
      found = true;
      source.sheet = worksheet.name;
      // Row by row as the sheet's XML is read, in the batches the reader parses them in.
      const parse = worksheet.parse();
      try {
        for (let events = await parse.next(); !events.done; events = await parse.next()) {
          const batch: SheetRow[] = [];
          for (const { eventType, value: row } of events.value) {
            if (eventType !== 'row') continue;
            const values = row.values as unknown[];
            const cells: string[] = [];
            for (let i = 1; i < values.length; i++) cells.push(cellText(values[i]));
            batch.push({ line: row.number, cells });
          }
          if (batch.length) yield batch;
        }
      } finally {
        await parse.return(undefined);
        // Stopped early (the preview's rows): its file stream is let go of too, not left open.
        await letGoOfSheet(worksheet);
      }
    }
    finished = true;
  } catch (error) {
    finished = true;
    if (error instanceof UnreadableFile) throw error;
    throw new UnreadableFile(notWorkbook);
  } finally {
    if (!finished) {
      try {
        for (let next = await worksheets.next(); !next.done; next = await worksheets.next()) await letGoOfSheet(next.value as unknown as Sheet);
      } catch {
        // what is left of a file we stopped reading
      }
    }
    input.destroy();
  }
  if (!found) throw new UnreadableFile('The workbook has no sheet to read.');
}

/** The file's rows in batches, and how it was read (filled in as the reading goes). */
export function readRows(bytes: Uint8Array, kind: ImportFileKind): { source: SourceInfo; rows: AsyncGenerator<SheetRow[]> } {
  if (kind === 'xlsx') {
    const source: SourceInfo = { kind };
    return { source, rows: xlsxRows(bytes, source) };
  }
  const layout = csvLayout(bytes);
  return { source: { kind, encoding: layout.encoding, separator: layout.separator }, rows: csvRows(bytes, layout) };
}

/** A row with nothing in it but spaces (`;;;` is blank too). */
export const isBlank = (cells: string[]) => cells.every((cell) => cell.trim() === '');
