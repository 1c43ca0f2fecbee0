import { renderExport, type ExportColumn, type ExportTable, type ExportValue } from '../../api/src/records/export.ts';

/**
 * `pnpm bench:exports [--rows 50000]`: the cost of one record export of the widest shape (17 columns:
 * texts, a phone, counts, money, times) in each format, as a French spreadsheet reads it — wall time,
 * the process's peak memory above its start, and the file's size — so the XLSX writer's memory can be
 * watched (the in-memory workbook used ~2.4 GB for 50,000 rows; the streaming one a few MB of file).
 * Each format runs in a fresh process so the peaks do not mix.
 */
const rowsArg = process.argv.indexOf('--rows');
const rows = rowsArg > 0 ? Number(process.argv[rowsArg + 1]) : 50_000;
const format = process.env.BENCH_EXPORT_FORMAT as 'csv' | 'xlsx' | undefined;

if (!format) {
  const { spawnSync } = await import('node:child_process');
  console.log(`Record export, ${rows.toLocaleString('en')} rows × 17 columns, French:`);
  for (const f of ['csv', 'xlsx'] as const) {
    const run = spawnSync(process.execPath, [...process.execArgv, import.meta.filename, '--rows', String(rows)], { env: { ...process.env, BENCH_EXPORT_FORMAT: f }, encoding: 'utf8' });
    process.stdout.write(run.stdout || run.stderr);
  }
} else {
  const kinds: ExportColumn['kind'][] = ['integer', 'text', 'time', 'time', 'text', 'text', 'money', 'money', 'money', 'text', 'phone', 'text', 'text', 'text', 'text', 'integer', 'time'];
  const columns: ExportColumn[] = kinds.map((kind) => ({ header: 'notes', kind }));
  const start = Date.UTC(2026, 10, 1);
  const table: ExportTable = {
    sheet: 'orders',
    columns,
    rows: Array.from({ length: rows }, (_, r) =>
      kinds.map((kind, c): ExportValue => {
        if (kind === 'integer') return r * 17 + c;
        if (kind === 'time') return new Date(start + r * 60_000);
        if (kind === 'money') return { minor: 950 + r, currency: 'EUR' };
        if (kind === 'phone') return `+3361234${String(r % 10_000).padStart(4, '0')}`;
        return `Commande ${r} — 2× Margherita, livraison rue de la Paix ${c}`;
      }),
    ),
  };
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const began = performance.now();
  const rendered = await renderExport(table, { language: 'fr', format, timeZone: 'Europe/Paris' });
  const ms = performance.now() - began;
  peak = Math.max(peak, process.memoryUsage().rss);
  clearInterval(sampler);
  const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  console.log(`  ${format.padEnd(4)}  ${(ms / 1000).toFixed(2)} s   peak memory +${mb(peak - baseline)} MB   file ${mb(rendered.body.byteLength)} MB`);
}
