import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import { csvCell } from '../records/common.ts';
import { contactNumber } from './contact-phone.ts';
import { createReadStream, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { detectSeparator, letGoOfSheet, xlsxUnpacksWithin } from './import-read.ts';
import { MAX_IMPORT_BYTES, MAX_IMPORT_ROWS, parseContactImport, previewColumns, type ColumnMapping, type ImportOptions } from './import-parse.ts';

const encode = (text: string) => new TextEncoder().encode(text);
const france = { country: 'FR', timeZone: 'Europe/Paris' } as const;
const mapping: ColumnMapping = { phone: 'Téléphone', name: 'Nom', email: 'E-mail', postcode: 'Code postal', custom: { Offre: 'offer' } };

/** A French spreadsheet's CSV: `;`, CRLF, a BOM. */
function frenchCsv(rows: string[][], header = ['Nom', 'Téléphone', 'E-mail', 'Code postal', 'Offre']): Uint8Array {
  return encode(`\uFEFF${[header, ...rows].map((r) => r.join(';')).join('\r\n')}\r\n`);
}

const importCsv = (bytes: Uint8Array, options: Partial<ImportOptions> = {}) => parseContactImport(bytes, { kind: 'csv', mapping, ...france, ...options });

async function xlsx(build: (workbook: ExcelJS.Workbook) => void): Promise<Uint8Array> {
  const workbook = new ExcelJS.Workbook();
  build(workbook);
  return new Uint8Array(await workbook.xlsx.writeBuffer());
}

describe('phone numbers', () => {
  it('reads every usual French spelling as one E.164 number', async () => {
    const spellings = ['06 12 34 56 78', '0612345678', '+33 6 12 34 56 78', '+33612345678', '0033 6 12 34 56 78', '06.12.34.56.78', '06-12-34-56-78', '+33 (0)6 12 34 56 78', '612345678', '33612345678'];
    for (const spelling of spellings) expect(contactNumber(spelling, 'FR')?.e164, spelling).toBe('+33612345678');
    const report = await importCsv(frenchCsv(spellings.map((s, i) => [`Contact ${i}`, s, '', '', ''])));
    expect(report.rows).toHaveLength(1);
    expect(report.duplicates.map((d) => [d.line, d.firstLine])).toEqual(spellings.slice(1).map((_, i) => [i + 3, 2]));
  });

  it('reports a number the campaign already has as a duplicate of no line', async () => {
    const report = await importCsv(frenchCsv([['A', '06 12 34 56 78', '', '', ''], ['B', '06 12 34 56 79', '', '', ''], ['C', '0612345679', '', '', '']]), { existingPhones: new Set(['+33612345678']) });
    expect(report.rows.map((r) => r.line)).toEqual([3]);
    expect(report.duplicates).toEqual([
      { line: 2, firstLine: null, phone: '+33612345678' },
      { line: 4, firstLine: 3, phone: '+33612345679' },
    ]);
    expect(report.totals).toMatchObject({ rows: 3, valid: 1, duplicates: 2 });
  });

  it('keeps a foreign number with its country code, in its own zone', async () => {
    const report = await importCsv(frenchCsv([['Hans', '+49 30 1234567', '', '', ''], ['Anna', '0049 89 1234567', '', '', '']]));
    expect(report.errors).toEqual([]);
    expect(report.rows.map((r) => [r.phone, r.timeZone, r.region])).toEqual([
      ['+49301234567', 'Europe/Berlin', null],
      ['+49891234567', 'Europe/Berlin', null],
    ]);
  });

  it('reads national numbers in the tenant’s country', async () => {
    const report = await importCsv(frenchCsv([['Hans', '030 1234567', '', '', '']]), { country: 'DE', timeZone: 'Europe/Berlin' });
    expect(report.rows[0]?.phone).toBe('+49301234567');
  });

  it('gives overseas numbers written the national way their own country code, zone and department', async () => {
    const report = await importCsv(
      frenchCsv([
        ['Guadeloupe', '0690 12 34 56', '', '', ''],
        ['Martinique', '0596 12 34 56', '', '', ''],
        ['Réunion', '0692 12 34 56', '', '', ''],
        ['Mayotte', '0639 01 23 45', '', '', ''],
        ['Guyane', '+594 694 12 34 56', '', '', ''],
      ]),
    );
    expect(report.errors).toEqual([]);
    expect(report.rows.map((r) => [r.phone, r.timeZone, r.region])).toEqual([
      ['+590690123456', 'America/Guadeloupe', '971'],
      ['+596596123456', 'America/Martinique', '972'],
      ['+262692123456', 'Indian/Reunion', '974'],
      ['+262639012345', 'Indian/Mayotte', '976'],
      ['+594694123456', 'America/Cayenne', '973'],
    ]);
  });

  it('calls an overseas number on its territory’s clock even when the postcode column says the mainland', async () => {
    const report = await importCsv(frenchCsv([['Réunion', '0692 12 34 56', '', '75001', ''], ['Paris', '06 12 34 56 78', '', '75001', '']]));
    expect(report.errors).toEqual([]);
    expect(report.rows.map((r) => [r.phone, r.timeZone, r.region])).toEqual([
      ['+262692123456', 'Indian/Reunion', '974'],
      ['+33612345678', 'Europe/Paris', '75'],
    ]);
  });
});

describe('rows refused, each with its line and field', () => {
  it('reports every kind of problem at its line, and imports the rest', async () => {
    const long = 'x'.repeat(201);
    const report = await importCsv(
      frenchCsv([
        ['Ok', '06 12 34 56 01', 'ok@example.fr', '75011', 'Box'], // 2
        ['No phone', '', '', '', ''], // 3
        ['Bad phone', '06 12', '', '', ''], // 4
        ['Bad e-mail', '06 12 34 56 04', 'marie@', '', ''], // 5
        ['Bad postcode', '06 12 34 56 05', '', '7501A', ''], // 6
        [long, '06 12 34 56 06', '', '', ''], // 7
        ['Nul\u0000byte', '06 12 34 56 07', '', '', ''], // 8
        ['Bell\u0007', '06 12 34 56 08', '', '', ''], // 9
        ['Card', '06 12 34 56 09', '', '', 'carte 4970 1012-3456 7893'], // 10
        ['Excel', '6,12346E+08', '', '', ''], // 11
        ['Two problems', 'abc', 'nope', '', ''], // 12
        ['No department', '06 12 34 56 13', '', '96100', ''], // 13
      ]),
    );
    expect(report.rows.map((r) => r.line)).toEqual([2]);
    expect(report.errors.map((e) => [e.line, e.field, e.code, e.column])).toEqual([
      [3, 'phone', 'required', 'Téléphone'],
      [4, 'phone', 'phone', 'Téléphone'],
      [5, 'email', 'invalid_format', 'E-mail'],
      [6, 'postcode', 'postcode', 'Code postal'],
      [7, 'name', 'too_big', 'Nom'],
      [8, 'name', 'nul_byte', 'Nom'],
      [9, 'name', 'nul_byte', 'Nom'],
      [10, 'fields.offer', 'card_number', 'Offre'],
      [11, 'phone', 'phone', 'Téléphone'],
      [12, 'phone', 'phone', 'Téléphone'],
      [12, 'email', 'invalid_format', 'E-mail'],
      [13, 'postcode', 'postcode', 'Code postal'],
    ]);
    expect(report.errors.find((e) => e.line === 11)?.message).toMatch(/scientific notation/);
    expect(report.totals).toEqual({ rows: 12, valid: 1, invalid: 11, duplicates: 0, errors: 12, blank: 0 });
    // Nothing refused is echoed back: no value in an error, so no card number either.
    expect(JSON.stringify(report)).not.toMatch(/4970|1012/);
  });

  it('refuses a card number however it is disguised, in any text field', async () => {
    const disguised = ['4970 1012-3456 7893', '４９７０ １０１２ ３４５６ ７８９３', '4970.1012.3456.7893', 'ref4970101234567893'];
    const report = await importCsv(
      frenchCsv(disguised.map((card, i) => [i === 1 ? card : 'Name', `06 12 34 56 ${10 + i}`, '', '', i === 1 ? '' : card])),
    );
    expect(report.rows).toEqual([]);
    expect(report.errors.map((e) => [e.line, e.field, e.code])).toEqual([
      [2, 'fields.offer', 'card_number'],
      [3, 'name', 'card_number'],
      [4, 'fields.offer', 'card_number'],
      [5, 'fields.offer', 'card_number'],
    ]);
  });

  it('refuses an unknown time zone, and reads a known one in any case', async () => {
    const report = await importCsv(encode('Téléphone,Fuseau\n0612345601,Europe/Paris\n0612345602,europe/berlin\n0612345603,Mars/Olympus\n0612345604,+01:00\n'), { mapping: { phone: 'Téléphone', timeZone: 'Fuseau' } });
    expect(report.rows.map((r) => r.timeZone)).toEqual(['Europe/Paris', 'Europe/Berlin']);
    expect(report.errors.map((e) => [e.line, e.field, e.code])).toEqual([
      [4, 'timeZone', 'time_zone'],
      [5, 'timeZone', 'time_zone'],
    ]);
  });

  it('stores text a spreadsheet would run as a formula as text, which the export guard then defuses', async () => {
    const formulas = ["=cmd|' /C calc'!A0", '+SUM(A1:A2)', '@SUM(A1)', '-2+3', 'Sonstiges;=1+1'];
    const report = await importCsv(encode(`Téléphone\tOffre\n${formulas.map((f, i) => `06123456${10 + i}\t"${f}"`).join('\n')}\n`), { mapping: { phone: 'Téléphone', custom: { Offre: 'offer' } } });
    expect(report.source.separator).toBe('\t');
    expect(report.errors).toEqual([]);
    expect(report.rows.map((r) => r.fields.offer)).toEqual(formulas);
    for (const row of report.rows) expect(String(csvCell(row.fields.offer))).toMatch(/^'/);
  });

  it('names a mapped column the file does not have, once, and reads no row', async () => {
    const report = await importCsv(frenchCsv([['Marie', '0612345678', '', '', '']]), { mapping: { ...mapping, email: 'Courriel', custom: { Offre: 'offer', Ville: 'city' } } });
    expect(report.rows).toEqual([]);
    expect(report.errors).toEqual([
      { line: 1, field: 'email', column: 'Courriel', code: 'import.missing_column', message: 'The file has no column “Courriel”.' },
      { line: 1, field: 'fields.city', column: 'Ville', code: 'import.missing_column', message: 'The file has no column “Ville”.' },
    ]);
  });

  it('reports its progress every 1,000 rows and at the end', async () => {
    const seen: number[] = [];
    await importCsv(frenchCsv(Array.from({ length: 2500 }, (_, i) => ['x', `06${String(20_000_000 + i)}`, '', '', ''])), { onProgress: (n) => seen.push(n) });
    expect(seen).toEqual([1000, 2000, 2500]);
  });

  it('lists at most the limit, and counts them all', async () => {
    const report = await importCsv(frenchCsv(Array.from({ length: 30 }, () => ['x', 'bad', '', '', ''])), { listLimit: 10 });
    expect(report.errors).toHaveLength(10);
    expect(report.totals.errors).toBe(30);
    expect(report.totals.invalid).toBe(30);
  });
});

describe('CSV as spreadsheets write it', () => {
  it('reads a French export: BOM, `;`, quoted values with separators, quotes and line breaks', async () => {
    const text = '\uFEFFNom;Téléphone;Offre\r\n"Dupont; Marie";06 12 34 56 78;"Fibre ""Max""\r\n2 lignes"\r\nMartin;06 12 34 56 79;Box\r\n';
    const report = await importCsv(encode(text), { mapping: { phone: 'Téléphone', name: 'Nom', custom: { Offre: 'offer' } } });
    expect(report.source).toEqual({ kind: 'csv', encoding: 'utf-8', separator: ';' });
    expect(report.headers).toEqual(['Nom', 'Téléphone', 'Offre']);
    // Lines as a spreadsheet numbers its rows: a value over two lines is one row.
    expect(report.rows.map((r) => [r.line, r.name, r.fields.offer])).toEqual([
      [2, 'Dupont; Marie', 'Fibre "Max"\r\n2 lignes'],
      [3, 'Martin', 'Box'],
    ]);
  });

  it('detects `,`, `;` and tabs, quoted separators aside', () => {
    expect(detectSeparator('Name,Phone\nA,0612345678\n')).toBe(',');
    expect(detectSeparator('Nom;Téléphone;Adresse\n"Dupont, Marie";0612;"1, rue"\n')).toBe(';');
    expect(detectSeparator('Nom\tTéléphone\n"a;b,c"\t06\n')).toBe('\t');
    expect(detectSeparator('Téléphone\n0612345678\n')).toBe(',');
  });

  it('reads Windows-1252 (Excel’s plain "CSV" on a French Windows) and UTF-16 with its BOM', async () => {
    const latin = Uint8Array.from([...encode('Nom;T'), 0xe9, ...encode('l'), 0xe9, ...encode('phone\r\nL'), 0xe9, ...encode('a;0612345678\r\n')]);
    const fromLatin = await importCsv(latin, { mapping: { phone: 'Téléphone', name: 'Nom' } });
    expect(fromLatin.source.encoding).toBe('windows-1252');
    expect(fromLatin.rows[0]?.name).toBe('Léa');

    const utf16 = Buffer.from('\uFEFFNom\tTéléphone\r\nZoé\t0612345678\r\n', 'utf16le');
    const fromUtf16 = await importCsv(new Uint8Array(utf16), { mapping: { phone: 'Téléphone', name: 'Nom' } });
    expect(fromUtf16.source).toEqual({ kind: 'csv', encoding: 'utf-16le', separator: '\t' });
    expect(fromUtf16.rows[0]?.name).toBe('Zoé');
  });

  it('follows Excel’s `sep=` line, skips blank rows, joins name columns, matches headers in any case', async () => {
    const report = await importCsv(encode('sep=,\nprénom,NOM,téléphone\n\n,,\nMarie,Dupont,0612345678\n'), { mapping: { phone: 'Téléphone', name: ['Prénom', 'Nom'] } });
    expect(report.source.separator).toBe(',');
    expect(report.rows.map((r) => [r.line, r.name])).toEqual([[4, 'Marie Dupont']]);
    expect(report.totals.blank).toBe(2);
  });

  it('refuses a file whose quote never closes, naming where', async () => {
    const report = await importCsv(encode('Nom;Téléphone\nA;0612345678\n"B;0612345679\nC;0612345670\n'), { mapping: { phone: 'Téléphone' } });
    expect(report.rows).toEqual([]);
    expect(report.errors).toEqual([expect.objectContaining({ code: 'import.unreadable', line: 3 })]);
  });

  it('refuses NUL bytes in a value (the database would)', async () => {
    const bytes = Uint8Array.from([...encode('Nom;Téléphone;Offre\nA;0612345678;x'), 0, ...encode('y\n')]);
    const report = await importCsv(bytes, { mapping: { phone: 'Téléphone', custom: { Offre: 'offer' } } });
    expect(report.errors.map((e) => [e.line, e.field, e.code])).toEqual([[2, 'fields.offer', 'nul_byte']]);
  });
});

describe('limits', () => {
  it(`refuses a file of ${MAX_IMPORT_ROWS + 1} rows with one error`, async () => {
    const lines = ['Téléphone'];
    for (let i = 0; i <= MAX_IMPORT_ROWS; i++) lines.push(`06${String(10_000_000 + i).slice(-8)}`);
    const report = await importCsv(encode(lines.join('\n')), { mapping: { phone: 'Téléphone' } });
    expect(report.rows).toEqual([]);
    expect(report.errors).toEqual([expect.objectContaining({ line: null, field: null, code: 'import.too_many_rows' })]);
    expect(report.totals.rows).toBe(MAX_IMPORT_ROWS + 1);
  });

  it('refuses a file over 50 MB before reading it', async () => {
    const report = await importCsv(new Uint8Array(MAX_IMPORT_BYTES + 1));
    expect(report.errors).toEqual([expect.objectContaining({ code: 'import.too_large' })]);
    expect((await previewColumns(new Uint8Array(MAX_IMPORT_BYTES + 1), 'csv')).errors[0]?.code).toBe('import.too_large');
  });

  it('refuses an empty file and a file that is not a workbook', async () => {
    expect((await importCsv(encode('\uFEFF\r\n;;\r\n'))).errors.map((e) => e.code)).toEqual(['import.no_header']);
    expect((await parseContactImport(encode('Nom;Téléphone\n'), { kind: 'xlsx', mapping, ...france })).errors.map((e) => e.code)).toEqual(['import.unreadable']);
  });
});

describe('XLSX', () => {
  it('reads the first sheet: a numeric phone cell whose 0 Excel dropped, formula results never formulas, dates as days', async () => {
    const bytes = await xlsx((workbook) => {
      const sheet = workbook.addWorksheet('Contacts');
      sheet.addRow(['Nom', 'Téléphone', 'E-mail', 'Code postal', 'Offre', 'Rappel']);
      sheet.addRow(['Marie', 612345678, 'marie@example.fr', 1000, { formula: 'CONCATENATE("Fibre"," Max")', result: 'Fibre Max' }, new Date(Date.UTC(2026, 11, 24))]);
      sheet.addRow([{ formula: 'UPPER("jean")', result: 'JEAN' }, { formula: '"06"&"12345679"', result: '0612345679' }, null, { formula: '20000+100', result: 20100 }, { formula: 'HYPERLINK("http://x")', result: "=cmd|' /C calc'!A0" }]);
      sheet.addRow([{ richText: [{ text: 'Ré' }, { text: 'my' }] }, '+33 6 12 34 56 80', null, '20200', { formula: 'NA()', result: { error: '#N/A' } }]);
      workbook.addWorksheet('Other').addRow(['Téléphone']);
    });
    const report = await parseContactImport(bytes, { kind: 'xlsx', mapping: { ...mapping, custom: { Offre: 'offer', Rappel: 'callback' } }, ...france });
    expect(report.source).toEqual({ kind: 'xlsx', sheet: 'Contacts' });
    expect(report.errors).toEqual([]);
    expect(report.rows).toEqual([
      { line: 2, phone: '+33612345678', name: 'Marie', email: 'marie@example.fr', timeZone: 'Europe/Paris', region: '01', postcode: '01000', fields: { offer: 'Fibre Max', callback: '2026-12-24' } },
      { line: 3, phone: '+33612345679', name: 'JEAN', email: null, timeZone: 'Europe/Paris', region: '2A', postcode: '20100', fields: { offer: "=cmd|' /C calc'!A0" } },
      { line: 4, phone: '+33612345680', name: 'Rémy', email: null, timeZone: 'Europe/Paris', region: '2B', postcode: '20200', fields: {} }, // a formula whose result is an error: nothing
    ]);
    expect(JSON.stringify(report)).not.toMatch(/CONCATENATE|UPPER|HYPERLINK/);
  });

  it('reads the first tab shown, whatever order the workbook stores its sheets in', async () => {
    const bytes = await xlsx((workbook) => {
      const other = workbook.addWorksheet('Other');
      other.addRow(['Téléphone']);
      other.addRow(['0612345699']);
      const hidden = workbook.addWorksheet('Hidden');
      hidden.state = 'hidden';
      hidden.addRow(['Téléphone']);
      hidden.addRow(['0612345698']);
      const contacts = workbook.addWorksheet('Contacts');
      contacts.addRow(['Téléphone']);
      contacts.addRow(['0612345601']);
      // The tab order (exceljs's orderNo, not in its types): hidden, Contacts, Other; the files stay sheet1–3.
      const tab = (sheet: ExcelJS.Worksheet, orderNo: number) => Object.assign(sheet, { orderNo });
      tab(hidden, 0);
      tab(contacts, 1);
      tab(other, 2);
    });
    const report = await parseContactImport(bytes, { kind: 'xlsx', mapping: { phone: 'Téléphone' }, ...france });
    expect(report.source.sheet).toBe('Contacts');
    expect(report.rows.map((r) => r.phone)).toEqual(['+33612345601']);
  });

  it('lets go of a parked sheet whose temporary file is already deleted without an uncaught error', async () => {
    // exceljs deletes a parked sheet's file as soon as the walk moves on; under load the stream's open comes
    // later and fails with ENOENT. Nobody listening, that error would crash the worker (and fail the run).
    const gone = createReadStream(join(tmpdir(), `sb-parked-${process.pid}-${Date.now()}-gone`));
    await letGoOfSheet({ iterator: gone });
    expect(gone.destroyed).toBe(true);
    expect(gone.listenerCount('error')).toBeGreaterThan(0);
    const path = join(tmpdir(), `sb-parked-${process.pid}-${Date.now()}-kept`);
    writeFileSync(path, '<worksheet/>');
    const kept = createReadStream(path);
    await letGoOfSheet({ iterator: kept });
    expect(kept.destroyed).toBe(true);
    await letGoOfSheet({ iterator: undefined });
    await letGoOfSheet({ iterator: (async function* () {})() });
  });

  it('previews the header and the first five rows, card numbers masked', async () => {
    const bytes = await xlsx((workbook) => {
      const sheet = workbook.addWorksheet('Liste');
      sheet.addRow([]);
      sheet.addRow(['Nom', 'Téléphone', 'Note']);
      for (let i = 0; i < 8; i++) sheet.addRow([`Contact ${i}`, 612345600 + i, i === 0 ? 'carte 4970 1012 3456 7893' : '']);
    });
    const preview = await previewColumns(bytes, 'xlsx');
    expect(preview.headers).toEqual(['Nom', 'Téléphone', 'Note']);
    expect(preview.sample).toHaveLength(5);
    expect(preview.sample[0]).toEqual(['Contact 0', '612345600', 'carte •••• 7893']);
    expect(preview.errors).toEqual([]);
  });

  it('previews a CSV the same way', async () => {
    const preview = await previewColumns(frenchCsv(Array.from({ length: 7 }, (_, i) => [`N${i}`, `061234560${i}`, '', '', ''])), 'csv');
    expect(preview.source).toEqual({ kind: 'csv', encoding: 'utf-8', separator: ';' });
    expect(preview.headers).toEqual(['Nom', 'Téléphone', 'E-mail', 'Code postal', 'Offre']);
    expect(preview.sample.map((r) => r[0])).toEqual(['N0', 'N1', 'N2', 'N3', 'N4']);
  });
});

describe('the contact’s zone and department', () => {
  it('takes the row’s zone, else its postcode’s, else its number’s, else the tenant’s', async () => {
    const report = await parseContactImport(
      encode('Téléphone;Fuseau;CP\n0612345601;America/Cayenne;75001\n0612345602;;97400\n0690123456;;\n+41 44 123 45 67;;8001\n+1 212 736 5000;;\n'),
      { kind: 'csv', mapping: { phone: 'Téléphone', timeZone: 'Fuseau', postcode: 'CP' }, country: 'FR', timeZone: 'Europe/Paris' },
    );
    expect(report.errors).toEqual([]);
    expect(report.rows.map((r) => [r.timeZone, r.region, r.postcode])).toEqual([
      ['America/Cayenne', '75', '75001'],
      ['Indian/Reunion', '974', '97400'],
      ['America/Guadeloupe', '971', null],
      ['Europe/Zurich', null, '8001'], // a Swiss postcode is kept as written, not read as La Poste's
      ['Europe/Paris', null, null],
    ]);
  });
});

describe('a workbook that unpacks to too much', () => {
  it('measures what a workbook unpacks to, by unpacking it, and refuses one over the limit', async () => {
    const bytes = await xlsx((workbook) => {
      const sheet = workbook.addWorksheet('Liste');
      sheet.addRow(['Téléphone', 'Note']);
      for (let i = 0; i < 2000; i++) sheet.addRow([`06123${String(i).padStart(5, '0')}`, 'x'.repeat(100)]);
    });
    expect(await xlsxUnpacksWithin(bytes, 50 * 1024 * 1024)).toBe(true);
    expect(await xlsxUnpacksWithin(bytes, 100 * 1024)).toBe(false);
  });

  it('refuses a zip whose parts are not the ones its directory lists, or that is cut short', async () => {
    const bytes = await xlsx((workbook) => workbook.addWorksheet('Liste').addRow(['Téléphone']));
    await expect(xlsxUnpacksWithin(bytes.subarray(0, bytes.length - 100))).rejects.toThrow(/Excel workbook/);
    const shifted = new Uint8Array(bytes.length + 10);
    shifted.set(bytes, 10); // a part the directory does not place where it is
    await expect(xlsxUnpacksWithin(shifted)).rejects.toThrow(/Excel workbook/);
    const report = await parseContactImport(bytes.subarray(0, bytes.length - 100), { kind: 'xlsx', mapping, ...france });
    expect(report.errors.map((e) => e.code)).toEqual(['import.unreadable']);
  });
});

describe('the card-number pre-check', () => {
  it('sends to the detector every text it would find a card in, and spares plain ones', async () => {
    // Full-width, Arabic-Indic and superscript digits: the pre-check counts them as the detector reads them.
    const disguises = ['4970 1012 3456 7893', '４９７０１０１２３４５６７８９３', '٤٩٧٠١٠١٢٣٤٥٦٧٨٩٣', 'carte ⁴⁹⁷⁰ ¹⁰¹² ³⁴⁵⁶ ⁷⁸⁹³'];
    const report = await importCsv(frenchCsv(disguises.map((card, i) => ['Nom', `06 12 34 56 ${20 + i}`, '', '', card])));
    expect(report.errors.map((e) => [e.line, e.code])).toEqual(disguises.map((_, i) => [i + 2, 'card_number']));
    const plain = await importCsv(frenchCsv([['Hélène Dupont-Lefèvre', '06 12 34 56 30', '', '', 'Réf. 2026-12-05 n° 123456']]));
    expect(plain.errors).toEqual([]);
  });
});
