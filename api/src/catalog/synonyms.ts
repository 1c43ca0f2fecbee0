import { newId, type TenantTx } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { conflict, notFound, fieldError } from '../http/problem.ts';
import { writeAudit } from '../audit/write.ts';

/**
 * The tenant's synonym groups: words (or short phrases) its callers use for the same thing, searched
 * as one ("gestohlen", "verloren", "sperren"). Kept by the client's and the provider's admins in the
 * portal and in tenant files; read by the knowledge search (search.ts) under the tenant's policy.
 */

export interface SynonymGroup {
  id: string;
  terms: string[];
  createdAt: string;
}

/** The words of a text as search reads them: runs of letters and digits. */
export function wordsOf(text: string): string[] {
  return text.match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Lowercase without accents, close to app.search_fold (unaccent) for the letters callers type. */
export function foldWord(word: string): string {
  return word.normalize('NFKD').replace(/\p{M}/gu, '').toLocaleLowerCase().replace(/ß/g, 'ss');
}

/** A term's identity inside a group: its folded words, so "Karte sperren" and "karte  Sperren" are one. */
export const termKey = (term: string) => wordsOf(term).map(foldWord).join(' ');
const groupKey = (terms: string[]) => [...new Set(terms.map(termKey))].sort().join('|');

const toGroup = (row: { id: string; terms: string[]; createdAt: Date }): SynonymGroup => ({
  id: row.id,
  terms: row.terms,
  createdAt: row.createdAt.toISOString(),
});

export async function synonymGroupsOf(tx: TenantTx): Promise<SynonymGroup[]> {
  const rows = await tx.selectFrom('catalogSynonymGroups').select(['id', 'terms', 'createdAt']).orderBy('createdAt').orderBy('id').execute();
  return rows.map(toGroup);
}

/** Adds a group (terms already checked at the edge: 2–20, words only, none repeated); the same group twice is a 409. */
export async function addSynonymGroup(tx: TenantTx, tenantId: string, actor: Actor | null, terms: string[], now: Date): Promise<SynonymGroup> {
  const key = groupKey(terms);
  const existing = (await synonymGroupsOf(tx)).find((g) => groupKey(g.terms) === key);
  if (existing) throw conflict('synonyms.exist', 'This group of synonyms exists already.', undefined, [fieldError('terms', 'synonyms.exist', 'This group of synonyms exists already.')]);
  const group = { id: newId(), terms, createdAt: now };
  await tx.insertInto('catalogSynonymGroups').values({ tenantId, ...group }).execute();
  const after = toGroup(group);
  await writeAudit(tx, tenantId, actor, { action: 'catalog.synonyms_added', targetType: 'synonym_group', targetId: group.id, after });
  return after;
}

export async function deleteSynonymGroup(tx: TenantTx, tenantId: string, actor: Actor | null, id: string): Promise<void> {
  const before = await tx.selectFrom('catalogSynonymGroups').select(['id', 'terms', 'createdAt']).where('id', '=', id).executeTakeFirst();
  if (!before) throw notFound();
  await tx.deleteFrom('catalogSynonymGroups').where('id', '=', id).execute();
  await writeAudit(tx, tenantId, actor, { action: 'catalog.synonyms_removed', targetType: 'synonym_group', targetId: id, before: toGroup(before) });
}

export { groupKey as synonymGroupKey };
