import { z } from 'zod';
import { ProblemError, catalog as api } from '@switchboard/api';
import type { TenantTx } from '@switchboard/db';

/**
 * The `catalog` section of a tenant file: items (by SKU), tariffs (by name), promotions and articles
 * (by title). Prices are in the tenant's currency, so the file names none. Applying goes through the
 * API's own verbs (same checks, same audit rows); an entry the file does not list is left alone.
 */

const byKey = <T>(key: (item: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

function keyedList<S extends z.ZodType>(item: S, key: (value: z.output<S>) => string, field: string) {
  return z
    .array(item)
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((value, index) => {
        const k = key(value);
        if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [index, field], message: `${k} is listed twice.` });
        seen.add(k);
      });
    })
    .transform((list) => [...list].sort(byKey(key)))
    .default([]);
}

const CatalogItemDefinitionSchema = z.strictObject(api.itemShape);
const TariffDefinitionSchema = z.strictObject(api.tariffShape);
const PromotionDefinitionSchema = z
  .strictObject(api.promotionShape)
  .transform((p) => ({ ...p, itemSkus: [...p.itemSkus].sort() }))
  .superRefine((p, ctx) => {
    if (p.validUntil !== null && p.validUntil < p.validFrom) ctx.addIssue({ code: 'custom', path: ['validUntil'], message: 'The last day cannot come before the first day.' });
  });
const ArticleDefinitionSchema = z.strictObject(api.articleShape);

/** Synonym groups, each a list of words the search treats as one; a group is known by its words, accents and case aside. */
const SynonymGroupsSchema = z
  .array(api.SynonymTermsSchema)
  .superRefine((groups, ctx) => {
    const seen = new Set<string>();
    groups.forEach((terms, index) => {
      const key = api.synonymGroupKey(terms);
      if (seen.has(key)) ctx.addIssue({ code: 'custom', path: [index], message: `${terms.join(' = ')} is listed twice.` });
      seen.add(key);
    });
  })
  .transform((groups) => [...groups].sort(byKey(api.synonymGroupKey)))
  .default([]);

export const CatalogSectionSchema = z.strictObject({
  items: keyedList(CatalogItemDefinitionSchema, (i) => i.sku, 'sku'),
  tariffs: keyedList(TariffDefinitionSchema, (t) => t.name, 'name'),
  promotions: keyedList(PromotionDefinitionSchema, (p) => p.title, 'title'),
  articles: keyedList(ArticleDefinitionSchema, (a) => a.title, 'title'),
  synonyms: SynonymGroupsSchema,
});
export type CatalogDefinition = z.output<typeof CatalogSectionSchema>;

type Changed = (field: string, change: string) => void;
type Note = (line: string) => void;

/** Compares what the file says with a row, field by field, in the file's normalized form. */
function differs(wanted: Record<string, unknown>, current: Record<string, unknown>): string[] {
  return Object.keys(wanted).filter((k) => JSON.stringify(wanted[k]) !== JSON.stringify(current[k]));
}

/** An entry the API's checks refused, e.g. a promotion naming an unknown SKU; apply reports the reasons. */
export class CatalogRefused extends Error {
  constructor(readonly reasons: string[]) {
    super(reasons.join('; '));
    this.name = 'CatalogRefused';
  }
}

function asRefusal(error: unknown, where: string): never {
  if (error instanceof ProblemError && error.errors?.length) throw new CatalogRefused(error.errors.map((e) => `${where}.${e.path}: ${e.message}`));
  throw error;
}

/**
 * Upserts each entry whose fields differ; reports one line per change. Throws (rolling the tenant's
 * transaction back) when the API's checks refuse an entry, e.g. a promotion naming an unknown SKU.
 */
export async function applyCatalog(
  tx: TenantTx,
  tenant: api.CatalogTenant,
  definition: CatalogDefinition,
  now: Date,
  changed: Changed,
  note: Note,
): Promise<void> {
  const field = 'catalog';
  const items = new Map((await api.itemSelection(tx).execute()).map((r) => [r.sku, api.toItem(r)]));
  for (const [index, item] of definition.items.entries()) {
    const current = items.get(item.sku);
    const diff = current ? differs(item, current) : [];
    if (current && !diff.length) continue;
    await api.saveItem(tx, tenant, null, item, now, current?.id).catch((e) => asRefusal(e, `catalog.items[${index}]`));
    changed(field, current ? `catalog: item ${item.sku} changed (${diff.join(', ')})` : `catalog: added item ${item.sku}`);
  }
  const tariffs = new Map((await api.tariffSelection(tx).execute()).map((r) => [r.name, api.toTariff(r)]));
  for (const [index, tariff] of definition.tariffs.entries()) {
    const current = tariffs.get(tariff.name);
    const diff = current ? differs(tariff, current) : [];
    if (current && !diff.length) continue;
    await api.saveTariff(tx, tenant, null, tariff, now, current?.id).catch((e) => asRefusal(e, `catalog.tariffs[${index}]`));
    changed(field, current ? `catalog: tariff ${JSON.stringify(tariff.name)} changed (${diff.join(', ')})` : `catalog: added tariff ${JSON.stringify(tariff.name)}`);
  }
  const promotions = new Map(
    (await api.promotionSelection(tx).execute()).map((r) => [r.title, { ...r, itemSkus: [...r.itemSkus].sort() }]),
  );
  for (const [index, promotion] of definition.promotions.entries()) {
    const current = promotions.get(promotion.title);
    const diff = current ? differs(promotion, current) : [];
    if (current && !diff.length) continue;
    await api.savePromotion(tx, tenant, null, promotion, now, current?.id).catch((e) => asRefusal(e, `catalog.promotions[${index}]`));
    changed(field, current ? `catalog: promotion ${JSON.stringify(promotion.title)} changed (${diff.join(', ')})` : `catalog: added promotion ${JSON.stringify(promotion.title)}`);
  }
  const articles = new Map((await api.articleSelection(tx).execute()).map((r) => [r.title, api.toArticle(r)]));
  for (const [index, article] of definition.articles.entries()) {
    const current = articles.get(article.title);
    const diff = current ? differs(article, current) : [];
    if (current && !diff.length) continue;
    await api.saveArticle(tx, tenant, null, article, now, current?.id).catch((e) => asRefusal(e, `catalog.articles[${index}]`));
    changed(field, current ? `catalog: article ${JSON.stringify(article.title)} changed (${diff.join(', ')})` : `catalog: added article ${JSON.stringify(article.title)}`);
  }
  const groups = new Map((await api.synonymGroupsOf(tx)).map((g) => [api.synonymGroupKey(g.terms), g]));
  for (const terms of definition.synonyms) {
    if (groups.has(api.synonymGroupKey(terms))) continue;
    await api.addSynonymGroup(tx, tenant.id, null, terms, now);
    changed(field, `catalog: added synonyms ${terms.join(' = ')}`);
  }
  const listedGroups = new Set(definition.synonyms.map(api.synonymGroupKey));
  for (const [key, group] of groups) {
    if (!listedGroups.has(key)) note(`catalog: synonyms ${group.terms.join(' = ')} are not in the file; left alone (remove them in the portal).`);
  }
  const listed = {
    items: new Set(definition.items.map((i) => i.sku)),
    tariffs: new Set(definition.tariffs.map((t) => t.name)),
    promotions: new Set(definition.promotions.map((p) => p.title)),
    articles: new Set(definition.articles.map((a) => a.title)),
  };
  const unlisted = [
    ...[...items.keys()].filter((k) => !listed.items.has(k)).map((k) => `item ${k}`),
    ...[...tariffs.keys()].filter((k) => !listed.tariffs.has(k)).map((k) => `tariff ${JSON.stringify(k)}`),
    ...[...promotions.keys()].filter((k) => !listed.promotions.has(k)).map((k) => `promotion ${JSON.stringify(k)}`),
    ...[...articles.keys()].filter((k) => !listed.articles.has(k)).map((k) => `article ${JSON.stringify(k)}`),
  ];
  for (const what of unlisted) note(`catalog: ${what} is not in the file; left alone (delete it in the portal).`);
}

/** The tenant's catalog in the file's normalized form, or undefined when it has none (no section is written). */
export async function exportCatalog(tx: TenantTx): Promise<CatalogDefinition | undefined> {
  const items = (await api.itemSelection(tx).orderBy('sku').execute()).map(api.toItem);
  const tariffs = (await api.tariffSelection(tx).orderBy('name').execute()).map(api.toTariff);
  const promotions = await api.promotionSelection(tx).orderBy('title').execute();
  const articles = (await api.articleSelection(tx).orderBy('title').execute()).map(api.toArticle);
  const synonyms = (await api.synonymGroupsOf(tx)).map((g) => g.terms).sort(byKey(api.synonymGroupKey));
  if (!items.length && !tariffs.length && !promotions.length && !articles.length && !synonyms.length) return undefined;
  return {
    items: items
      .map((i) => ({
        kind: i.kind,
        sku: i.sku,
        name: i.name,
        description: i.description,
        category: i.category,
        priceMinor: i.priceMinor,
        available: i.available,
        options: i.options,
      }))
      .sort(byKey((i) => i.sku)),
    tariffs: tariffs.map((t) => ({ name: t.name, description: t.description, priceLines: t.priceLines })).sort(byKey((t) => t.name)),
    promotions: promotions
      .map((p) => ({
        title: p.title,
        description: p.description,
        conditions: p.conditions,
        validFrom: p.validFrom,
        validUntil: p.validUntil,
        itemSkus: [...p.itemSkus].sort(),
      }))
      .sort(byKey((p) => p.title)),
    articles: articles.map((a) => ({ kind: a.kind, title: a.title, body: a.body, tags: a.tags })).sort(byKey((a) => a.title)),
    synonyms,
  };
}
