import type { Kysely } from 'kysely';
import { runStatements } from './helpers.ts';

/**
 * GIN indexes for the knowledge panel's full-text search (api/src/catalog/search.ts). Each row's
 * `search_document` is a stored generated column, so the index is over the column itself: it already
 * holds to_tsvector(search_config, …) under the row's own configuration, and an index on it needs no
 * expression to agree with. The search matches it with a query that does not depend on the row (the
 * union of the query under every configuration a row can carry), which is what lets the planner use
 * the index, and then rechecks each hit under its own configuration.
 *
 * Row-level security limits what this buys today: under the tenant policy PostgreSQL may not evaluate
 * a non-leakproof operator such as @@ (ts_match_vq) before the policy's own condition, so a search
 * run as switchboard_app reads the tenant's rows through their tenant_id index and filters them,
 * and the planner picks these indexes only where no policy applies (tests/catalog.test.ts shows both
 * plans). A LEAKPROOF wrapper would lift that, but only a superuser may create one.
 */
const tables = ['catalog_items', 'tariffs', 'promotions', 'knowledge_articles'];

export async function up(db: Kysely<any>): Promise<void> {
  await runStatements(
    db,
    tables.map((table) => `create index ${table}_search_idx on ${table} using gin (search_document)`),
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  await runStatements(
    db,
    tables.map((table) => `drop index ${table}_search_idx`),
  );
}
