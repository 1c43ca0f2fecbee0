import { sql, type RawBuilder } from 'kysely';
import type { TenantTx } from '@switchboard/db';
import type { searchKinds, searchMatches, searchResources } from './schemas.ts';
import { searchConfigFor, searchConfigLocales } from './search-config.ts';
import { foldWord, synonymGroupsOf, wordsOf, type SynonymGroup } from './synonyms.ts';

/**
 * The operator's knowledge panel: one ranked list over items, tariffs, active promotions and
 * articles, that finds what operators type, not only what the catalog says word for word:
 *
 * 1. The typed words are looked up in the tenant's vocabulary (`catalog_search_words`, every word
 *    its catalog holds, kept by triggers, migration 0014): the same word without its accents
 *    ("creme" → "crème"), the completions of the last word, still being typed ("kar" → "karte"), and
 *    for a word the catalog does not hold, the words one or two edits away ("krate" → "karte",
 *    "margarita" → "margherita"; a swap of two letters counts as one edit).
 * 2. The tenant's synonym groups widen a word (or a phrase) to the others of its group
 *    ("gestohlen" → "verloren", "sperren").
 * 3. Each word becomes the OR of its alternatives, and the words are AND-ed, as a tsquery under each
 *    text-search configuration a row can carry (search-config.ts), so stemming still applies: the
 *    rows are matched and highlighted with the configuration they were indexed with.
 *
 * Ranking: rows that match the words as typed (full-text, today's search) come first, then rows
 * found through accents, completions and synonyms, then rows found only through spelling
 * corrections; within each, ts_rank. RLS keeps every read to the tenant's rows and its synonyms.
 */

// Markers no text contains: ts_headline puts them around the words found, and they are cut into
// segments here, so the snippet never carries HTML to the browser.
const START = '\u0001';
const STOP = '\u0002';
const markers = `StartSel="${START}", StopSel="${STOP}"`;
const headlineOptions = `${markers}, MaxWords=28, MinWords=10, MaxFragments=2, FragmentDelimiter=" … "`;
const titleOptions = `${markers}, HighlightAll=true`;

/** At most this many words of a query are searched; the rest is ignored. */
const MAX_WORDS = 10;
const MAX_COMPLETIONS = 8;
const MAX_CORRECTIONS = 4;

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
  titleSegments: SnippetSegment[];
  snippet: SnippetSegment[];
  match: (typeof searchMatches)[number];
  rank: number;
}

// ---- the words to look for -----------------------------------------------------------------------

/** How many edits a typed word may be from a catalog word: none below four letters, then one, two from eight. */
export function allowedEdits(word: string): number {
  const length = [...word].length;
  return length < 4 ? 0 : length < 8 ? 1 : 2;
}

/** Edits between two words, a swap of neighbouring letters counting as one (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  const d = Array.from({ length: x.length + 1 }, (_, i) => Array.from({ length: y.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= x.length; i++) {
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && x[i - 1] === y[j - 2] && x[i - 2] === y[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[x.length]![y.length]!;
}

/** One alternative for a part of the query: a word or phrase, and whether it came from a spelling correction. */
export interface Alternative {
  phrase: string;
  typo: boolean;
}

/** A part of the query (one word, or the words a synonym phrase covers): any of its alternatives may match. */
export interface QueryPart {
  typed: string;
  alternatives: Alternative[];
}

interface VocabularyHit {
  position: number;
  word: string;
  folded: string;
  typedFolded: string;
}

/** The catalog words close to each typed word: same word without accents, completions of the last word, near spellings. */
async function vocabularyHits(tx: TenantTx, words: string[]): Promise<VocabularyHit[]> {
  const { rows } = await sql<VocabularyHit>`
    with typed as materialized (
      select t.position::int as position, app.search_fold(t.word) as folded
        from unnest(${words}::text[]) with ordinality as t(word, position)
    )
    select typed.position, w.word, w.folded, typed.folded as typed_folded
      from typed join catalog_search_words w
        on w.folded = typed.folded
        or (typed.position = ${words.length} and length(typed.folded) >= 2 and starts_with(w.folded, typed.folded))
        or (length(typed.folded) >= 4 and abs(length(w.folded) - length(typed.folded)) <= 2
            and app.search_distance(w.folded, typed.folded, 2) <= 2)`.execute(tx);
  return rows;
}

/** The query's parts, each with its alternatives; pure, so the rules are tested without a database. */
export function queryParts(words: string[], hits: VocabularyHit[], groups: SynonymGroup[]): QueryPart[] {
  const last = words.length;
  const perWord = words.map((typed, index) => {
    const mine = hits.filter((h) => h.position === index + 1);
    const folded = mine[0]?.typedFolded ?? foldWord(typed);
    const same = mine.filter((h) => h.folded === folded);
    const completions =
      index + 1 === last
        ? mine
            .filter((h) => h.folded !== folded && h.folded.startsWith(folded))
            .sort((a, b) => a.folded.length - b.folded.length || a.word.localeCompare(b.word))
            .slice(0, MAX_COMPLETIONS)
        : [];
    // A word the catalog holds is not corrected: "karten" stays itself even though "karte" is one edit away.
    const corrections = same.length
      ? []
      : mine
          .map((h) => ({ ...h, distance: editDistance(h.folded, folded) }))
          .filter((h) => h.distance > 0 && h.distance <= allowedEdits(folded) && !h.folded.startsWith(folded))
          .sort((a, b) => a.distance - b.distance || a.word.localeCompare(b.word))
          .slice(0, MAX_CORRECTIONS);
    return {
      typed,
      folded,
      meanings: new Set([folded, ...same.map((h) => h.folded)]),
      corrected: new Set(corrections.map((h) => h.folded)),
      alternatives: [
        { phrase: typed, typo: false },
        ...same.map((h) => ({ phrase: h.word, typo: false })),
        ...completions.map((h) => ({ phrase: h.word, typo: false })),
        ...corrections.map((h) => ({ phrase: h.word, typo: true })),
      ],
    };
  });

  const parts: QueryPart[] = [];
  for (let i = 0; i < perWord.length; ) {
    const span = longestSynonymSpan(perWord, i, groups);
    if (!span) {
      const word = perWord[i]!;
      parts.push({ typed: word.typed, alternatives: word.alternatives });
      i += 1;
      continue;
    }
    const covered = perWord.slice(i, i + span.length);
    const own = covered.length === 1 ? covered[0]!.alternatives : [{ phrase: covered.map((w) => w.typed).join(' '), typo: false }];
    parts.push({
      typed: covered.map((w) => w.typed).join(' '),
      alternatives: [...own, ...span.group.terms.map((phrase) => ({ phrase, typo: span.typo }))],
    });
    i += span.length;
  }
  return parts.map((p) => ({ ...p, alternatives: uniqueAlternatives(p.alternatives) }));
}

type WordMeanings = { folded: string; meanings: Set<string>; corrected: Set<string> };

/** A typed word spells a synonym's word by its meaning, or close enough (the synonym need not be in the catalog). */
const spellsNearly = (typed: WordMeanings, word: string) =>
  typed.corrected.has(word) || (!typed.meanings.has(word) && editDistance(typed.folded, word) <= allowedEdits(typed.folded));

/** The longest synonym term (of any group) that the words from `start` spell, by their meanings or spelling corrections. */
function longestSynonymSpan(words: WordMeanings[], start: number, groups: SynonymGroup[]) {
  let best: { length: number; group: SynonymGroup; typo: boolean } | undefined;
  for (const group of groups) {
    for (const term of group.terms) {
      const termWords = wordsOf(term).map(foldWord);
      if (!termWords.length || termWords.length <= (best?.length ?? 0) || start + termWords.length > words.length) continue;
      const covered = words.slice(start, start + termWords.length);
      const exact = termWords.every((w, k) => covered[k]!.meanings.has(w));
      const near = exact || termWords.every((w, k) => covered[k]!.meanings.has(w) || spellsNearly(covered[k]!, w));
      if (near) best = { length: termWords.length, group, typo: !exact };
    }
  }
  return best;
}

function uniqueAlternatives(list: Alternative[]): Alternative[] {
  const seen = new Map<string, Alternative>();
  for (const alternative of list) {
    const key = alternative.phrase.toLocaleLowerCase();
    const known = seen.get(key);
    if (!known) seen.set(key, alternative);
    else if (known.typo && !alternative.typo) seen.set(key, alternative);
  }
  return [...seen.values()];
}

// ---- the query ------------------------------------------------------------------------------------

/** The words of a query as the search reads them (letters and digits), at most MAX_WORDS. */
export function queryWords(q: string): string[] {
  return wordsOf(q.toLocaleLowerCase()).slice(0, MAX_WORDS);
}

/**
 * The tsqueries under every configuration a row can carry (one row each): `exact`, the search as typed;
 * `close`, each part OR-ed with its accent, completion and synonym alternatives; `fuzzy`, with the
 * spelling corrections too. A part whose typed words are only stop words is left out, as
 * websearch_to_tsquery leaves them out.
 */
function queriesCte(q: string, parts: QueryPart[]): RawBuilder<unknown> {
  const configs = sql.join(
    searchConfigLocales().map((locale) => sql`(${searchConfigFor(locale)})`),
    sql`, `,
  );
  const alternatives = JSON.stringify(
    parts.flatMap((part, index) => [
      { part: index, phrase: part.typed, typed: true, typo: false },
      ...part.alternatives.map((a) => ({ part: index, phrase: a.phrase, typed: false, typo: a.typo })),
    ]),
  );
  return sql`
    configs as materialized (select distinct cfg from (values ${configs}) c(cfg)),
    alternatives as materialized (
      select c.cfg, a.part, a.typed, a.typo, x.query
        from configs c
        cross join jsonb_to_recordset(cast(${alternatives}::text as jsonb)) as a(part int, phrase text, typed boolean, typo boolean)
        cross join lateral (select phraseto_tsquery(c.cfg, a.phrase) as query) x
       where numnode(x.query) > 0
    ),
    parts as (
      select cfg, part,
             '(' || string_agg('(' || query::text || ')', ' | ') filter (where not typo) || ')' as close,
             '(' || string_agg('(' || query::text || ')', ' | ') || ')' as fuzzy
        from alternatives a
       where exists (select 1 from alternatives t where t.cfg = a.cfg and t.part = a.part and t.typed)
       group by cfg, part
    ),
    queries as materialized (
      select cfg, websearch_to_tsquery(cfg, ${q}) as exact,
             cast(string_agg(close, ' & ' order by part) as tsquery) as close,
             cast(string_agg(fuzzy, ' & ' order by part) as tsquery) as fuzzy
        from parts group by cfg
    )`;
}

export function catalogSearchQuery(q: string, parts: QueryPart[], today: string, limit: number) {
  const matches = sql`(search_document @@ q.fuzzy or search_document @@ q.exact)`;
  const columns = (title: string) =>
    sql.raw(`search_config as cfg, ${title} as title,
             search_document @@ q.exact as exact, search_document @@ q.close as close,
             ts_rank(search_document, q.fuzzy, 32) as rank`);
  const from = (table: string) => sql.raw(`${table} t join queries q on q.cfg = t.search_config`);
  return sql<{
    kind: SearchHit['kind'];
    resource: SearchHit['resource'];
    id: string;
    title: string;
    titleHeadline: string;
    headline: string;
    exact: boolean;
    close: boolean;
    rank: number;
  }>`
    with ${queriesCte(q, parts)},
    hits as (
      select * from (
        select kind, 'items' as resource, id, ${columns('name')},
               concat_ws(' · ', nullif(category, ''), nullif(description, ''), name) as source
          from ${from('catalog_items')} where ${matches}
        union all
        select 'tariff', 'tariffs', id, ${columns('name')},
               concat_ws(' · ', nullif(description, ''), (select string_agg(l ->> 'label', ', ') from jsonb_array_elements(price_lines) l), name)
          from ${from('tariffs')} where ${matches}
        union all
        select 'promotion', 'promotions', id, ${columns('title')}, concat_ws(' · ', nullif(description, ''), nullif(conditions, ''), title)
          from ${from('promotions')}
         where ${matches} and valid_from <= ${today}::date and (valid_until is null or valid_until >= ${today}::date)
        union all
        select kind, 'articles', id, ${columns('title')}, concat_ws(' · ', nullif(body, ''), title)
          from ${from('knowledge_articles')} where ${matches}
      ) found
      order by exact desc, close desc, rank desc, title
      limit ${limit}
    )
    -- Highlighted after the limit: ts_headline reads the whole text, so only for the rows shown.
    select h.kind, h.resource, h.id, h.title, h.exact, h.close, h.rank,
           ts_headline(h.cfg, h.title, q.fuzzy || q.exact, ${titleOptions}) as title_headline,
           ts_headline(h.cfg, h.source, q.fuzzy || q.exact, ${headlineOptions}) as headline
      from hits h join queries q on q.cfg = h.cfg
     order by h.exact desc, h.close desc, h.rank desc, h.title`;
}

/** The plan of a search: the parts of the query with their alternatives (for tests and the bench). */
export async function searchPlan(tx: TenantTx, q: string): Promise<QueryPart[]> {
  const words = queryWords(q);
  if (!words.length) return [];
  const [hits, groups] = await Promise.all([vocabularyHits(tx, words), synonymGroupsOf(tx)]);
  return queryParts(words, hits, groups);
}

export async function searchCatalog(tx: TenantTx, q: string, today: string, limit: number): Promise<SearchHit[]> {
  const parts = await searchPlan(tx, q);
  const { rows } = await catalogSearchQuery(q, parts, today, limit).execute(tx);
  return rows.map((r) => ({
    kind: r.kind,
    resource: r.resource,
    id: r.id,
    title: r.title,
    titleSegments: snippetSegments(r.titleHeadline),
    snippet: snippetSegments(r.headline),
    match: r.exact ? 'exact' : r.close ? 'close' : 'fuzzy',
    rank: Math.round(Number(r.rank) * 1e6) / 1e6,
  }));
}
