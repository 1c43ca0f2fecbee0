import { renderExport, type ExportColumn, type ExportValue } from '../../api/src/records/export.ts';
import { parseContactImport, type ColumnMapping } from '../../api/src/campaigns/import-parse.ts';
import { assertNodeVersion } from './node-version.ts';

assertNodeVersion();

const usage = `pnpm bench:import [--rows 100000]

The contact list import's reading and checking (api/src/campaigns/import-parse.ts, no database): a
generated list of N rows as a French spreadsheet writes it (name, phone in the usual spellings — some as
numbers in the XLSX, as Excel stores them —, e-mail, postcode, two custom fields; 1 % invalid rows, 1 %
numbers given twice), as a CSV (UTF-8 with BOM, ';') and as an XLSX, each read in a fresh process.
Prints per format the file's size, the time to a checked report, rows/s, and the process's peak memory
above its start. Figures only: nothing is asserted.`;

if (process.argv.includes('--help')) {
  console.log(usage);
  process.exit(0);
}
const rowsArg = process.argv.indexOf('--rows');
const rows = rowsArg > 0 ? Number(process.argv[rowsArg + 1]) : 100_000;
const format = process.env.BENCH_IMPORT_FORMAT as 'csv' | 'xlsx' | undefined;

const headers = ['Nom', 'Téléphone', 'E-mail', 'Code postal', 'Offre', 'Client depuis'];
const mapping: ColumnMapping = { phone: 'Téléphone', name: 'Nom', email: 'E-mail', postcode: 'Code postal', custom: { Offre: 'offer', 'Client depuis': 'since' } };
const spellings = [(d: string) => `0${d.slice(0, 1)} ${d.slice(1, 3)} ${d.slice(3, 5)} ${d.slice(5, 7)} ${d.slice(7)}`, (d: string) => `0${d}`, (d: string) => `+33 ${d.slice(0, 1)} ${d.slice(1)}`, (d: string) => `0${d.slice(0, 1)}.${d.slice(1, 3)}.${d.slice(3, 5)}.${d.slice(5, 7)}.${d.slice(7)}`];

/** Row r: a mobile number (its 9 national digits), ~1 % repeating an earlier one, ~1 % not a number. */
function row(r: number, numeric: boolean): ExportValue[] {
  const digits = `6${String(10_000_000 + (r % 100 === 7 ? r - 5 : r)).slice(-8)}`;
  const phone = r % 100 === 13 ? '06 12' : numeric && r % 3 === 0 ? Number(digits) : spellings[r % spellings.length]!(digits);
  const department = String(1 + (r % 95)).padStart(2, '0');
  return [`Dupont-Lefèvre ${r}`, phone, `contact${r}@exemple.fr`, `${department}${String(r % 1000).padStart(3, '0')}`, r % 2 ? 'Fibre Max 1 Gb/s' : 'Box TV + mobile', `2019-0${1 + (r % 9)}-1${r % 10}`];
}

if (!format) {
  const { spawnSync } = await import('node:child_process');
  console.log(`Contact list import (read + check, no database), ${rows.toLocaleString('en')} rows × ${headers.length} columns:`);
  for (const f of ['csv', 'xlsx'] as const) {
    const run = spawnSync(process.execPath, [...process.execArgv, import.meta.filename, '--rows', String(rows)], { env: { ...process.env, BENCH_IMPORT_FORMAT: f }, encoding: 'utf8' });
    process.stdout.write(run.stdout || run.stderr);
  }
} else {
  let bytes: Uint8Array;
  if (format === 'csv') {
    const lines = [headers.join(';')];
    for (let r = 0; r < rows; r++) lines.push(row(r, false).join(';'));
    bytes = new TextEncoder().encode(`\uFEFF${lines.join('\r\n')}\r\n`);
  } else {
    // Written by the export code (a real workbook: shared styles, text cells, numbers where Excel keeps a phone as a number).
    const columns: ExportColumn[] = headers.map((label, i) => ({ header: 'notes', label, kind: i === 1 ? 'integer' : 'text' }));
    const table = { sheet: 'orders' as const, columns, rows: Array.from({ length: rows }, (_, r) => row(r, true)) };
    bytes = (await renderExport(table, { language: 'fr', format: 'xlsx', timeZone: 'Europe/Paris' })).body;
  }
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const began = performance.now();
  const report = await parseContactImport(bytes, { kind: format, mapping, country: 'FR', timeZone: 'Europe/Paris' });
  const ms = performance.now() - began;
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(sampler);
  const { totals } = report;
  const mb = (n: number) => (n / 1024 / 1024).toFixed(1);
  console.log(
    `  ${format.padEnd(4)}  file ${mb(bytes.byteLength)} MB   ${(ms / 1000).toFixed(2)} s   ${Math.round(totals.rows / (ms / 1000)).toLocaleString('en')} rows/s   peak memory +${mb(peak - baseline)} MB   (${totals.valid} valid, ${totals.invalid} invalid, ${totals.duplicates} duplicates)`,
  );
}
