import { sql } from 'kysely';
import { connect, migrateToLatest, withTenant } from '@switchboard/db';
import { createTenant } from '@switchboard/api';
import { parseOppositionText } from '../../api/src/calling-lists/opposition-parse.ts';
import { addOppositionNumbers, createOppositionList, isOnOpposition } from '../../api/src/calling-lists/service.ts';
import { assertNodeVersion } from './node-version.ts';

/**
 * `DATABASE_URL=postgres://… pnpm bench:opposition [--numbers 100000]`: loading a Bloctel checked file —
 * parsing the CSV (numbers and a status column) and inserting its numbers in statements of 10,000 — as the
 * upload route does, in parts of at most 800,000 characters, each in its own transaction like a request.
 * Uses a database created on the server of DATABASE_URL and dropped afterwards.
 */
assertNodeVersion();
const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) {
  console.error('bench:opposition measures PostgreSQL: set DATABASE_URL to a server it may create a database on.');
  process.exit(2);
}
const arg = process.argv.indexOf('--numbers');
const count = arg > 0 ? Number(process.argv[arg + 1]) : 100_000;

const lines = ['Numéro;Statut'];
for (let i = 0; i < count; i++) lines.push(`06${String(10_000_000 + i).slice(-8)};Inscrit`);
const text = `${lines.join('\n')}\n`;
const parts: string[] = [];
for (let start = 0; start < text.length; ) {
  let end = Math.min(start + 800_000, text.length);
  if (end < text.length) end = text.lastIndexOf('\n', end) + 1;
  parts.push(text.slice(start, end));
  start = end;
}

const name = `switchboard_bench_opposition_${Date.now().toString(36)}`;
const admin = await connect({ url: serverUrl, maxConnections: 1 });
await sql.raw(`create database ${name}`).execute(admin.db);
const url = new URL(serverUrl);
url.pathname = `/${name}`;
const database = await connect({ url: url.toString(), maxConnections: 2 });
try {
  await migrateToLatest(database.db);
  const { tenant } = await createTenant(database.db, null, { slug: 'bench-opposition', name: 'Bench Opposition', legalName: 'Bench Opposition SAS', timeZone: 'Europe/Paris', locale: 'fr-FR', currency: 'EUR' }, new Date());
  const actor = { id: '00000000-0000-0000-0000-000000000000', label: 'bench', kind: 'provider_admin' as const };
  const list = await withTenant(database.db, tenant.id, (tx) => createOppositionList(tx, tenant.id, actor, { source: 'bloctel', name: 'Bench', checkedOn: '2026-12-01' }, new Date()));
  let parseMs = 0;
  let insertMs = 0;
  let added = 0;
  let column = 1;
  let statusColumn: number | null = null;
  const began = performance.now();
  for (const [i, part] of parts.entries()) {
    const p0 = performance.now();
    const parsed = parseOppositionText(part, { locale: 'fr-FR', ...(i ? { continuation: { column, statusColumn } } : {}) });
    if (i === 0) ({ column, statusColumn } = parsed);
    parseMs += performance.now() - p0;
    const i0 = performance.now();
    added += await withTenant(database.db, tenant.id, (tx) => addOppositionNumbers(tx, list.id, parsed.numbers));
    insertMs += performance.now() - i0;
  }
  const total = performance.now() - began;
  const l0 = performance.now();
  const found = await withTenant(database.db, tenant.id, (tx) => isOnOpposition(tx, '+33610000042'));
  const lookupMs = performance.now() - l0;
  console.log(`Opposition list of ${count.toLocaleString('en')} numbers (${(text.length / 1e6).toFixed(1)} MB, ${parts.length} parts):`);
  console.log(`  parse ${(parseMs / 1000).toFixed(2)} s   insert ${(insertMs / 1000).toFixed(2)} s   total ${(total / 1000).toFixed(2)} s   added ${added.toLocaleString('en')}`);
  console.log(`  one lookup afterwards ${lookupMs.toFixed(1)} ms (found: ${found})`);
} finally {
  await database.close();
  await sql.raw(`drop database if exists ${name} with (force)`).execute(admin.db);
  await admin.close();
}
