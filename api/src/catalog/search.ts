import { sql } from 'kysely';
import type { TenantTx } from '@switchboard/db';
import type { searchKinds, searchResources } from './schemas.ts';
import { searchConfigFor, searchConfigLocales } from './search-config.ts';

/**
 * The operator's knowledge panel: one ranked list over items, tariffs, active promotions and
 * articles. Each row is matched and highlighted with the configuration it was indexed with
 * (`search_config`), so stemming agrees on both sides even after the tenant changes its locale.
 * RLS keeps the scan to the tenant's rows.
 *
 * The per-row configuration puts the row on the query's side too (websearch_to_tsquery(search_config,
 * …)), which no index can serve. So each table is first matched against one query that does not
 * depend on the row — the search under every configuration a row can carry, OR-ed together, a
 * superset of the exact matches — which the GIN index on search_document (migration 0008) answers;
 * then each hit is checked under its own configuration.
 */

// Markers no text contains: ts_headline puts them around the words found, and they are cut into
// segments here, so the snippet never carries HTML to the browser.
const START = '\u0001';
const STOP = '\u0002';
const headlineOptions = `StartSel="${START}", StopSel="${STOP}", MaxWords=28, MinWords=10, MaxFragments=2, FragmentDelimiter=" … "`;

export interface SnippetSegment {
  text: string;
  match: boolean;
}

export function snippetSegments(headline: string): SnippetSegment[] {
  const segments: SnippetSegment[] = [];
  for (const [index, part] of headline.split(new RegExp(`[${START}${STOP}]`)).entries()) {
    // Markdown emphasis marks are noise in a one-line passage.
    const clean = part.replace(/\*\*|__/g, '').replace(/\s+/g, ' ');
    if (clean) segments.push({ text: clean, match: index % 2 === 1 });
  }
  return segments;
}

export interface SearchHit {
  kind: (typeof searchKinds)[number];
  resource: (typeof searchResources)[number];
  id: string;
  title: string;
  snippet: SnippetSegment[];
  rank: number;
}

/** The search under every configuration a row can be written with (search-config.ts), as one tsquery. */
function anyConfigQuery(q: string) {
  return sql.join(
    searchConfigLocales().map((locale) => sql`websearch_to_tsquery(${searchConfigFor(locale)}, ${q})`),
    sql` || `,
  );
}

export function catalogSearchQuery(q: string, today: string, limit: number) {
  const query = sql`websearch_to_tsquery(search_config, ${q})`;
  const indexed = sql`search_document @@ (${anyConfigQuery(q)}) and search_document @@ ${query}`;
  const headline = (source: ReturnType<typeof sql>) => sql`ts_headline(search_config, ${source}, ${query}, ${headlineOptions})`;
  const rank = sql`ts_rank(search_document, ${query})`;
  return sql<{ kind: SearchHit['kind']; resource: SearchHit['resource']; id: string; title: string; headline: string; rank: number }>`
    select kind, resource, id, title, headline, rank from (
      select kind, 'items' as resource, id, name as title,
             ${headline(sql`concat_ws(' · ', nullif(category, ''), nullif(description, ''), name)`)} as headline, ${rank} as rank
        from catalog_items where ${indexed}
      union all
      select 'tariff', 'tariffs', id, name,
             ${headline(sql`concat_ws(' · ', nullif(description, ''), (select string_agg(l ->> 'label', ', ') from jsonb_array_elements(price_lines) l), name)`)},
             ${rank}
        from tariffs where ${indexed}
      union all
      select 'promotion', 'promotions', id, title,
             ${headline(sql`concat_ws(' · ', nullif(description, ''), nullif(conditions, ''), title)`)}, ${rank}
        from promotions
       where ${indexed}
         and valid_from <= ${today}::date and (valid_until is null or valid_until >= ${today}::date)
      union all
      select kind, 'articles', id, title, ${headline(sql`concat_ws(' · ', nullif(body, ''), title)`)}, ${rank}
        from knowledge_articles where ${indexed}
    ) hits
    order by rank desc, title
    limit ${limit}`;
}

export async function searchCatalog(tx: TenantTx, q: string, today: string, limit: number): Promise<SearchHit[]> {
  const { rows } = await catalogSearchQuery(q, today, limit).execute(tx);
  return rows.map((r) => ({
    kind: r.kind,
    resource: r.resource,
    id: r.id,
    title: r.title,
    snippet: snippetSegments(r.headline),
    rank: Math.round(Number(r.rank) * 1e6) / 1e6,
  }));
}
