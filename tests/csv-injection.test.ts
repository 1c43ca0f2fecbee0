import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { csvCell, toCsv } from '@switchboard/api';

/**
 * Issue 11, finding 8: every exported cell goes through one guard (csvCell, used by toCsv, which every
 * export uses), so no piece of it starts a formula however a spreadsheet splits it — on `,` (English),
 * `;` (French, German), tabs or `|`, honouring quotes or not ("Text to Columns") — while amounts stay
 * numbers and nothing else in a cell changes.
 */

const separators = [',', ';', '\t', '\r', '\n', '|'];
/** What starts a formula: past whitespace and double quotes, = + - @ (or the full-width forms some spreadsheets read the same). */
const startsFormula = (piece: string) => /^[\s"]*[=+\-@\uFF1D\uFF0B\uFF0D\uFF20]/.test(piece);
/** What the guard treats as dangerous, stricter still (OWASP): also any piece that starts with a tab or CR. */
const guardedStart = (piece: string) => /^[\t\r]/.test(piece) || startsFormula(piece);
/** An amount such as -12.50: a spreadsheet reads it as a number, never as a formula. */
const plainNumber = (piece: string) => /^-?\d+(?:\.\d+)?$/.test(piece);

/** One record of RFC 4180 CSV read with `delimiter`, as a spreadsheet set to that separator reads it. */
function readCsv(text: string, delimiter: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === delimiter) row.push(field), (field = '');
    else if (ch === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), i++;
    else field += ch;
  }
  if (field || row.length) row.push(field), rows.push(row);
  return rows;
}

/** Every piece of a text split on any separator, as "Text to Columns" or a quote-blind reader would. */
const pieces = (text: string) => text.split(/[,;\t\r\n|]/);

const hostileCell = fc
  .array(
    fc.oneof(
      fc.constantFrom(...separators, '=', '+', '-', '@', '"', "'", ' ', '＝', '＋', 'cmd|', "' /C calc'!A0", 'HYPERLINK(', 'Sonstiges', '12.50', '+33612345678'),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(''));

describe('CSV exports: formula injection (issue 11, finding 8)', () => {
  it('guards a formula hidden after a separator, as French and German spreadsheets split it', () => {
    const csv = toCsv(['category'], [['Sonstiges;=cmd|\' /C calc\'!A0'], ['Retour,+HYPERLINK("http://evil")'], ['ok\t-1+1'], ['a|@SUM(A1)']]);
    const rows = readCsv(csv, ';');
    expect(rows.slice(1).map((r) => r[0])).toEqual([
      "'Sonstiges;'=cmd|' /C calc'!A0",
      '\'Retour,\'+HYPERLINK("http://evil")',
      "'ok\t'-1+1",
      "'a|'@SUM(A1)",
    ]);
    // Quoted, so a `;` spreadsheet keeps each one cell.
    for (const row of rows.slice(1)) expect(row).toHaveLength(1);
  });

  it('keeps amounts numbers and ordinary text unchanged; marks a phone number as text rather than a formula', () => {
    expect(csvCell('-12.50')).toBe('-12.50');
    expect(csvCell(-3)).toBe(-3);
    expect(csvCell('1250.00')).toBe('1250.00');
    expect(csvCell('Margherita (Large) x2; Tiramisu x1')).toBe('Margherita (Large) x2; Tiramisu x1');
    expect(csvCell('12 rue de la Paix, 75002 Paris')).toBe('12 rue de la Paix, 75002 Paris');
    expect(csvCell('+33612345678')).toBe("'+33612345678");
    expect(csvCell(null)).toBe('');
    const csv = toCsv(['number', 'total', 'phone'], [['PN-1', '-12.50', '+33612345678']]);
    expect(csv).toBe("number,total,phone\r\nPN-1,-12.50,'+33612345678\r\n");
    // First on its line, a negative amount would start a formula over the whole line for a `;` spreadsheet.
    expect(toCsv(['total', 'phone'], [['-0', '']])).toBe("total,phone\r\n'-0,\r\n");
  });

  it('leaves no piece of any cell starting a formula, however a spreadsheet splits the line (property)', () => {
    fc.assert(
      fc.property(fc.array(hostileCell, { minLength: 1, maxLength: 4 }), (cells) => {
        const csv = toCsv(cells.map((_, i) => `c${i}`), [cells]);
        for (const delimiter of [',', ';', '\t', '|']) {
          const [, row] = readCsv(csv, delimiter);
          for (const field of row ?? []) {
            // The cell as the spreadsheet holds it, and every piece of it split again on any separator.
            for (const piece of [field, ...pieces(field)]) expect(startsFormula(piece) && !plainNumber(piece), `${JSON.stringify(piece)} of ${JSON.stringify(csv)}`).toBe(false);
          }
        }
        // A spreadsheet that splits on commas, as the file is written, reads back exactly the guarded cells.
        const [, row] = readCsv(csv, ',');
        // (A line's first cell that is a negative number leaves as text: read on `;`, it would start the line.)
        expect(row).toEqual(cells.map((cell, i) => (i === 0 && /^-/.test(String(csvCell(cell))) ? `'${csvCell(cell)}` : String(csvCell(cell)))));
      }),
      { numRuns: 2000 },
    );
  });

  it('only ever adds apostrophes, and only to a cell that had a dangerous piece', () => {
    fc.assert(
      fc.property(hostileCell, (cell) => {
        const guarded = String(csvCell(cell));
        const dangerous = !plainNumber(cell) && cell.split(/(?<=[,;\t\r\n|])/).some(guardedStart);
        if (!dangerous) expect(guarded).toBe(cell);
        else {
          expect(guarded.startsWith("'")).toBe(true);
          expect(guarded.replaceAll("'", '')).toBe(cell.replaceAll("'", ''));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
