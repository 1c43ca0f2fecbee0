import { type Kysely, sql } from 'kysely';
import { runStatements, tenantTableStatements } from './helpers.ts';

/**
 * Knowledge search that finds what operators type (api/src/catalog/search.ts): prefixes, typos,
 * accents and per-tenant synonyms, over the same full-text documents as before.
 *
 * - `unaccent` and `fuzzystrmatch` (both bundled with PostgreSQL's contrib and with PGlite, and
 *   "trusted": a role with CREATE on the database may create them; otherwise a superuser creates
 *   them once before migrating). `app.search_fold` and `app.search_distance` wrap them with the
 *   schema they were created in, so nothing else depends on the search_path.
 * - `catalog_search_words`: each tenant's vocabulary, every word its catalog rows contain (as
 *   written, lowercased, and folded: lowercase without accents), kept by triggers on the four
 *   catalog tables. A typed word is corrected and completed against this short list rather than
 *   against every document: under row-level security no index can serve a non-leakproof match
 *   (migration 0008), so the list is what keeps a typo-tolerant search fast on a large catalog.
 *   Words of deleted rows stay: a stale word only widens a query to a word no row has.
 * - `catalog_synonym_groups`: the tenant's groups of words that mean the same to its callers
 *   ("gestohlen", "verloren", "sperren").
 */
const catalogColumns: Record<string, string[]> = {
  catalog_items: ['name', 'category', 'description', 'options'],
  tariffs: ['name', 'description', 'price_lines'],
  promotions: ['title', 'conditions', 'description'],
  knowledge_articles: ['title', 'body', 'tags'],
};

async function extensionSchema(db: Kysely<any>, name: string): Promise<string> {
  const { rows } = await sql<{ schema: string }>`
    select n.nspname as schema from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = ${name}`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema) throw new Error(`The ${name} extension was not created.`);
  return `"${schema.replace(/"/g, '""')}"`;
}

export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(db, ['create extension if not exists unaccent', 'create extension if not exists fuzzystrmatch']);
  const unaccent = await extensionSchema(db, 'unaccent');
  const fuzzy = await extensionSchema(db, 'fuzzystrmatch');
  await runStatements(db, [
    // Immutable so an expression may use it; true as long as the unaccent rules file does not change.
    `create function app.search_fold(word text) returns text
       language sql immutable strict parallel safe
       as $$ select lower(${unaccent}.unaccent('${unaccent}.unaccent'::regdictionary, word)) $$`,
    `create function app.search_distance(a text, b text, max_distance int) returns int
       language sql immutable strict parallel safe
       as $$ select ${fuzzy}.levenshtein_less_equal(a, b, max_distance) $$`,
    `grant execute on function app.search_fold(text), app.search_distance(text, text, int) to switchboard_app`,

    `create table catalog_search_words (
       tenant_id uuid not null references tenants (id),
       folded text not null,
       word text not null,
       primary key (tenant_id, folded, word)
     )`,
    ...tenantTableStatements('catalog_search_words', ['select', 'insert']),

    // The columns to read come as trigger arguments; every string inside a jsonb column (option
    // choices, price line labels, tags) counts. Runs as the writing role, under its tenant's policy.
    `create function app.remember_search_words() returns trigger language plpgsql as $$
     declare
       document text := '';
       col text;
     begin
       foreach col in array tg_argv loop
         document := document || ' ' || coalesce((
           select string_agg(v #>> '{}', ' ') from jsonb_path_query(to_jsonb(new) -> col, 'strict $.**') v
            where jsonb_typeof(v) = 'string'), '');
       end loop;
       insert into catalog_search_words (tenant_id, folded, word)
         select new.tenant_id, app.search_fold(w), w
           from unnest(tsvector_to_array(to_tsvector('simple', document))) w
          where length(w) between 2 and 60
         on conflict do nothing;
       return null;
     end $$`,
    ...Object.entries(catalogColumns).flatMap(([table, columns]) => [
      `create trigger ${table}_search_words after insert or update on ${table}
         for each row execute function app.remember_search_words(${columns.map((c) => `'${c}'`).join(', ')})`,
      // The rows already there: fire the trigger once for each.
      `update ${table} set ${columns[0]} = ${columns[0]}`,
    ]),

    `create table catalog_synonym_groups (
       tenant_id uuid not null references tenants (id),
       id uuid not null,
       terms text[] not null check (cardinality(terms) between 2 and 20),
       created_at timestamptz not null default now(),
       primary key (tenant_id, id)
     )`,
    ...tenantTableStatements('catalog_synonym_groups', ['select', 'insert', 'delete']),
  ]);
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(db, [
    'drop table catalog_synonym_groups',
    ...Object.keys(catalogColumns).map((table) => `drop trigger ${table}_search_words on ${table}`),
    'drop function app.remember_search_words()',
    'drop table catalog_search_words',
    'drop function app.search_fold(text), app.search_distance(text, text, int)',
  ]);
}
