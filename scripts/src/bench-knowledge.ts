import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { catalog, createTenant } from '@switchboard/api';
import { createTestDatabase, newId, withTenant } from '@switchboard/db';
import { assertNodeVersion } from './node-version.ts';

assertNodeVersion();

const usage = `pnpm bench:knowledge [--sizes 1000,10000] [--runs 7]

Measures the knowledge search on a fresh database (embedded PGlite in memory, or — with DATABASE_URL —
a new database on that server, dropped afterwards, which needs CREATEDB), at each catalog size: one
German tenant with that many articles (bulk-loaded; the vocabulary triggers run) and a synonym group.
For each query it prints the median latency of the search as the API runs it (vocabulary lookup,
synonyms, ranked union over the four tables, highlights) and of the raw SQL full-text query it grew
from (websearch_to_tsquery on the articles, ranked, same tenant transaction), and their ratio.
It prints figures; it asserts nothing.`;

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '1000,10000' }, runs: { type: 'string', default: '7' }, help: { type: 'boolean' } } });
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const sizes = values.sizes.split(',').map(Number).filter((n) => n > 0).sort((a, b) => a - b);
const runs = Math.max(1, Number(values.runs));

const queries: [string, string][] = [
  ['words as written', 'Karte sperren'],
  ['last word being typed', 'kar'],
  ['spelling mistake', 'Krate sperren'],
  ['synonym', 'Karte gestohlen'],
  ['nothing found', 'Quantenphysik'],
];

// Words a bank's knowledge base is made of; each article also names one product of its own, so the
// vocabulary grows with the catalog as a real one does.
const words = `Karte sperren Konto eröffnen Überweisung Ausland Filiale Öffnungszeiten Kredit Zinsen Gebühren
  Girokonto Tagesgeld Depot Aktien Sparplan Online-Banking App Passwort PIN TAN Limit erhöhen Dispo Kreditkarte
  Debitkarte Ersatzkarte Verlust Diebstahl Hotline Beratung Termin Adresse ändern Name Heirat Erbschaft Vollmacht
  Kündigung Zahlung Lastschrift Rückbuchung Dauerauftrag Kontoauszug Steuer Bescheinigung Freistellungsauftrag
  Baufinanzierung Hypothek Tilgung Versicherung Reise Ausland Bargeld Automat Einzahlung Auszahlung Münzen`
  .split(/\s+/)
  .filter(Boolean);

let seed = 42;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = () => words[Math.floor(random() * words.length)]!;
const sentence = (n: number) => Array.from({ length: n }, pick).join(' ');

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

async function median(fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm caches and plans
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await timed(fn));
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

if (process.env.DATABASE_URL) process.env.TEST_DATABASE_URL = process.env.DATABASE_URL;
const database = await createTestDatabase();
try {
  const db = database.db;
  console.log(`knowledge search bench on ${database.kind} (${database.location}), median of ${runs} runs\n`);
  let loaded = 0;
  for (const [index, size] of sizes.entries()) {
    const { tenant } = await createTenant(
      db,
      null,
      { slug: `bench-knowledge-${index}`, name: `Bench ${size}`, legalName: `Bench ${size} AG`, timeZone: 'Europe/Berlin', locale: 'de-DE', currency: 'EUR' },
      new Date(),
    );
    loaded = 0;
    const started = performance.now();
    await withTenant(db, tenant.id, async (tx) => {
      await tx
        .insertInto('knowledgeArticles')
        .values({ tenantId: tenant.id, id: newId(), kind: 'procedure', title: 'Karte sperren', body: 'Bei Verlust oder Diebstahl die Karte sofort sperren lassen.', searchConfig: sql`'german'::regconfig` as never })
        .execute();
      while (loaded < size - 1) {
        const batch = Array.from({ length: Math.min(500, size - 1 - loaded) }, (_, k) => ({
          tenantId: tenant.id,
          id: newId(),
          kind: 'faq' as const,
          title: `${sentence(3)} ${loaded + k}`,
          body: `${sentence(25)} Produkt${(loaded + k).toString(36)}horizont.`,
          searchConfig: sql`'german'::regconfig` as never,
        }));
        await tx.insertInto('knowledgeArticles').values(batch).execute();
        loaded += batch.length;
      }
      await catalog.addSynonymGroup(tx, tenant.id, null, ['gestohlen', 'verloren', 'sperren'], new Date());
    });
    const vocabulary = await withTenant(db, tenant.id, (tx) => tx.selectFrom('catalogSearchWords').select(sql<string>`count(*)`.as('n')).executeTakeFirstOrThrow());
    console.log(`${size} articles (loaded in ${((performance.now() - started) / 1000).toFixed(1)} s, vocabulary ${vocabulary.n} words)`);
    console.log(`  ${'query'.padEnd(36)} ${'search'.padStart(10)} ${'raw SQL'.padStart(10)} ${'ratio'.padStart(7)} ${'hits'.padStart(5)}`);
    for (const [label, q] of queries) {
      let hits = 0;
      const search = await median(() =>
        withTenant(db, tenant.id, async (tx) => {
          hits = (await catalog.searchCatalog(tx, q, '2026-01-01', 20)).length;
        }),
      );
      const raw = await median(() =>
        withTenant(db, tenant.id, (tx) =>
          sql`select id, title from knowledge_articles
               where search_document @@ websearch_to_tsquery('german', ${q})
               order by ts_rank(search_document, websearch_to_tsquery('german', ${q})) desc limit 20`.execute(tx),
        ),
      );
      const name = `${label} ("${q}")`;
      console.log(`  ${name.padEnd(36)} ${`${search.toFixed(1)} ms`.padStart(10)} ${`${raw.toFixed(1)} ms`.padStart(10)} ${`${(search / raw).toFixed(1)}×`.padStart(7)} ${String(hits).padStart(5)}`);
    }
    console.log('');
  }
} finally {
  await database.close();
}
