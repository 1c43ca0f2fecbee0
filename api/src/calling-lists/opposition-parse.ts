import { normalizePhone } from '../records/common.ts';

/**
 * Reading an opposition list the client uploads: a plain list (one number per line, CSV or TXT) or
 * Bloctel's returned "checked file" (a CSV with the number and a status column). Pure: no database.
 *
 * - The separator is found from the first line (`;` `,` tab `|`, else one column).
 * - The numbers' column is the one asked for (a header name, case and accents ignored, or a 1-based
 *   position), else the column where most of the first rows are valid phone numbers.
 * - A first row whose numbers' cell is not a number (`Numéro;Statut`) is a header.
 * - A status column (a header like statut, status, résultat, result, opposition) is read fail-safe: a
 *   row is left out only when its status clearly says the number is NOT on the list (`non inscrit`,
 *   `no`, `0`, `false`…). Any other status keeps the number, so a wording we do not know refuses more
 *   calls, never fewer.
 */

export interface ParsedOpposition {
  /** E.164, in the order read, without repeats. */
  numbers: string[];
  /** Lines that held no valid number (1-based in the text given), the first `MAX_REPORTED`. */
  invalid: { line: number; value: string }[];
  invalidCount: number;
  /** Rows a status column said are not on the opposition list. */
  notListed: number;
  /** The numbers' column as read (1-based) and its header when there is one: send it with the next chunks. */
  column: number;
  header: string | null;
  statusColumn: number | null;
}

export const MAX_REPORTED = 50;

const separators = [';', ',', '\t', '|'] as const;
const statusHeader = /^(statut|status|r[ée]sultat|result|opposition|inscrit|bloctel|etat|état)/i;
const notListedStatus = /^(non[ _-]?inscrit|non[ _-]?oppos[ée]|non|no|not[ _-]?listed|not[ _-]?registered|0|false|faux|ok|autoris[ée]|allowed|libre|appelable|callable)$/i;

const fold = (s: string) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .trim()
    .toLowerCase();

function separatorOf(line: string): string | null {
  let best: string | null = null;
  let bestCount = 0;
  for (const sep of separators) {
    const count = line.split(sep).length - 1;
    if (count > bestCount) {
      best = sep;
      bestCount = count;
    }
  }
  return best;
}

const unquote = (cell: string) => cell.trim().replace(/^"(.*)"$/s, '$1').replaceAll('""', '"').trim();

/** A number as written in such files: `06 12 34 56 78`, `+33612345678`, `33612345678`, `0033…`. */
export function phoneOfCell(cell: string, locale: string): string | null {
  const value = cell.trim();
  if (!value || value.length > 40) return null;
  const direct = normalizePhone(value, locale);
  if (direct) return direct;
  const digits = value.replace(/[\s.\-()]/g, '');
  if (/^00[1-9]\d{6,14}$/.test(digits)) return normalizePhone(`+${digits.slice(2)}`, locale);
  if (/^[1-9]\d{9,14}$/.test(digits)) return normalizePhone(`+${digits}`, locale);
  return null;
}

export interface ParseOptions {
  locale: string;
  /** A header name or a 1-based position; absent: found from the rows. */
  column?: string | number | undefined;
  /** The text is a later chunk of the same file: no header row, the columns are the first chunk's. */
  continuation?: { column: number; statusColumn: number | null; separator?: string | null } | undefined;
}

export function parseOppositionText(text: string, options: ParseOptions): ParsedOpposition {
  const lines = text.split(/\r\n|\n|\r/);
  const firstLine = lines.find((l) => l.trim() !== '') ?? '';
  const separator = options.continuation ? (options.continuation.separator ?? separatorOf(firstLine)) : separatorOf(firstLine);
  const cellsOf = (line: string) => (separator ? line.split(separator).map(unquote) : [unquote(line)]);

  let column: number;
  let statusColumn: number | null = null;
  let header: string | null = null;
  let headerLine = -1;
  if (options.continuation) {
    column = options.continuation.column;
    statusColumn = options.continuation.statusColumn;
  } else {
    const firstIndex = lines.findIndex((l) => l.trim() !== '');
    const firstCells = cellsOf(firstLine);
    const looksLikeHeader = firstCells.some((c) => /[a-zA-Zéè]/.test(c)) && !firstCells.some((c) => phoneOfCell(c, options.locale));
    if (looksLikeHeader) headerLine = firstIndex;
    const headers = looksLikeHeader ? firstCells : [];
    if (typeof options.column === 'number') column = options.column;
    else if (typeof options.column === 'string' && options.column.trim() !== '') {
      const asked = fold(options.column);
      const at = headers.findIndex((h) => fold(h) === asked);
      column = at >= 0 ? at + 1 : /^\d+$/.test(asked) ? Number(asked) : 0;
    } else {
      // The column where most of the first rows hold a valid number.
      const sample = lines.filter((l, i) => l.trim() !== '' && i !== headerLine).slice(0, 50);
      const scores = new Map<number, number>();
      for (const line of sample) cellsOf(line).forEach((cell, i) => phoneOfCell(cell, options.locale) && scores.set(i + 1, (scores.get(i + 1) ?? 0) + 1));
      column = [...scores.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]?.[0] ?? 1;
    }
    header = headers[column - 1] ?? null;
    const status = headers.findIndex((h, i) => i !== column - 1 && statusHeader.test(fold(h)));
    statusColumn = status >= 0 ? status + 1 : null;
  }

  const numbers: string[] = [];
  const seen = new Set<string>();
  const invalid: ParsedOpposition['invalid'] = [];
  let invalidCount = 0;
  let notListed = 0;
  lines.forEach((line, i) => {
    if (i === headerLine || line.trim() === '') return;
    const cells = cellsOf(line);
    const cell = cells[column - 1] ?? '';
    const phone = phoneOfCell(cell, options.locale);
    if (!phone) {
      invalidCount++;
      if (invalid.length < MAX_REPORTED) invalid.push({ line: i + 1, value: cell.slice(0, 40) });
      return;
    }
    if (statusColumn !== null && notListedStatus.test(fold(cells[statusColumn - 1] ?? 'x'))) {
      notListed++;
      return;
    }
    if (seen.has(phone)) return;
    seen.add(phone);
    numbers.push(phone);
  });
  return { numbers, invalid, invalidCount, notListed, column, header, statusColumn };
}
