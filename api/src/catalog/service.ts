import { sql } from 'kysely';
import { jsonb, newId, type Tenant, type TenantTx } from '@switchboard/db';
import type { Actor } from '../http/env.ts';
import { conflict, invalid, notFound, fieldError, type FieldError } from '../http/problem.ts';
import { writeAudit } from '../audit/write.ts';
import { searchConfigFor, todayIn } from './search-config.ts';
import type { ArticleInput, ItemInput, PromotionInput, PromotionStatus, TariffInput } from './schemas.ts';

/**
 * The catalog's verbs, each in the tenant's transaction: checks that need the database (the tenant's
 * currency, a SKU or title already taken, promotion items that exist) are collected and refused
 * together before anything is written, and every write leaves its audit row in the same transaction.
 * The API routes and `tenants:apply` both go through here.
 */

export type CatalogTenant = Pick<Tenant, 'id' | 'locale' | 'currency' | 'timeZone'>;

function refuse(errors: FieldError[], duplicates: FieldError[]): void {
  if (errors.length) throw invalid([...errors, ...duplicates]);
  if (duplicates.length) throw conflict('duplicate', 'That would duplicate something that already exists.', undefined, duplicates);
}

function currencyErrors(tenant: CatalogTenant, currency: string | undefined): FieldError[] {
  return currency !== undefined && currency !== tenant.currency
    ? [fieldError('currency', 'catalog.currency', `Prices are in the company's currency, ${tenant.currency}.`, { currency: tenant.currency })]
    : [];
}

const stamp = <T extends { createdAt: Date; updatedAt: Date }>(row: T) => ({
  ...row,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

// ---- items --------------------------------------------------------------------------------------

const itemColumns = ['id', 'kind', 'sku', 'name', 'description', 'category', 'priceMinor', 'currency', 'available', 'options', 'createdAt', 'updatedAt'] as const;

export const itemSelection = (tx: TenantTx) => tx.selectFrom('catalogItems').select(itemColumns);
type ItemSelected = Awaited<ReturnType<ReturnType<typeof itemSelection>['executeTakeFirstOrThrow']>>;
// jsonb keeps keys in its own order: rebuild nested objects in the order the API documents them.
const orderedOptions = (options: unknown): ItemInput['options'] =>
  (options as ItemInput['options']).map((g) => ({
    name: g.name,
    required: g.required,
    multiple: g.multiple,
    choices: g.choices.map((c) => ({ name: c.name, priceDeltaMinor: c.priceDeltaMinor })),
  }));
const orderedPriceLines = (lines: unknown): TariffInput['priceLines'] =>
  (lines as TariffInput['priceLines']).map((l) => ({ label: l.label, priceMinor: l.priceMinor, per: l.per }));

export const toItem = (row: ItemSelected) => ({ ...row, currency: row.currency.trim(), options: orderedOptions(row.options) });
export type ItemRow = ReturnType<typeof toItem>;

export async function findItem(tx: TenantTx, id: string): Promise<ItemRow | undefined> {
  const row = await itemSelection(tx).where('id', '=', id).executeTakeFirst();
  return row && toItem(row);
}

export async function saveItem(tx: TenantTx, tenant: CatalogTenant, actor: Actor | null, input: ItemInput, now: Date, id?: string): Promise<ItemRow> {
  const before = id ? await findItem(tx, id) : undefined;
  if (id && !before) throw notFound();
  const taken = await tx.selectFrom('catalogItems').select('id').where('sku', '=', input.sku).executeTakeFirst();
  refuse(
    currencyErrors(tenant, input.currency),
    taken && taken.id !== id ? [fieldError('sku', 'catalog.sku_taken', `Another item already has the SKU ${input.sku}.`, { sku: input.sku })] : [],
  );
  const values = {
    kind: input.kind,
    sku: input.sku,
    name: input.name,
    description: input.description,
    category: input.category,
    priceMinor: input.priceMinor,
    currency: tenant.currency,
    available: input.available,
    options: jsonb(input.options),
    searchConfig: searchConfigFor(tenant.locale),
    updatedAt: now,
  };
  const rowId = id ?? newId();
  if (before) await tx.updateTable('catalogItems').set(values).where('id', '=', rowId).execute();
  else await tx.insertInto('catalogItems').values({ ...values, tenantId: tenant.id, id: rowId, createdAt: now }).execute();
  const after = (await findItem(tx, rowId))!;
  await writeAudit(tx, tenant.id, actor, {
    action: before ? 'catalog.item_updated' : 'catalog.item_created',
    targetType: 'catalog_item',
    targetId: rowId,
    before: before ? stamp(before) : undefined,
    after: stamp(after),
  });
  return after;
}

export async function deleteItem(tx: TenantTx, tenantId: string, actor: Actor | null, id: string): Promise<void> {
  const before = await findItem(tx, id);
  if (!before) throw notFound();
  // A promotion naming the SKU would be left pointing at nothing: refuse, deleting nothing.
  const naming = await tx
    .selectFrom('promotions')
    .select('title')
    .where(sql<boolean>`${before.sku} = any(item_skus)`)
    .orderBy('title')
    .execute();
  if (naming.length) {
    const titles = naming.map((p) => `"${p.title}"`).join(', ');
    const detail = `${before.sku} is named by ${naming.length === 1 ? 'the promotion' : 'the promotions'} ${titles}; take it out of ${naming.length === 1 ? 'that promotion' : 'those promotions'} first.`;
    const params = { sku: before.sku, promotions: naming.map((p) => p.title) };
    throw conflict('catalog.item_in_promotion', detail, params, [fieldError('sku', 'catalog.item_in_promotion', detail, params)]);
  }
  await tx.deleteFrom('catalogItems').where('id', '=', id).execute();
  await writeAudit(tx, tenantId, actor, { action: 'catalog.item_deleted', targetType: 'catalog_item', targetId: id, before: stamp(before) });
}

// ---- tariffs ------------------------------------------------------------------------------------

const tariffColumns = ['id', 'name', 'description', 'currency', 'priceLines', 'createdAt', 'updatedAt'] as const;

export const tariffSelection = (tx: TenantTx) => tx.selectFrom('tariffs').select(tariffColumns);
type TariffSelected = Awaited<ReturnType<ReturnType<typeof tariffSelection>['executeTakeFirstOrThrow']>>;
export const toTariff = (row: TariffSelected) => ({ ...row, currency: row.currency.trim(), priceLines: orderedPriceLines(row.priceLines) });
export type TariffRow = ReturnType<typeof toTariff>;

export async function findTariff(tx: TenantTx, id: string): Promise<TariffRow | undefined> {
  const row = await tariffSelection(tx).where('id', '=', id).executeTakeFirst();
  return row && toTariff(row);
}

export async function saveTariff(tx: TenantTx, tenant: CatalogTenant, actor: Actor | null, input: TariffInput, now: Date, id?: string): Promise<TariffRow> {
  const before = id ? await findTariff(tx, id) : undefined;
  if (id && !before) throw notFound();
  const taken = await tx.selectFrom('tariffs').select('id').where('name', '=', input.name).executeTakeFirst();
  refuse(
    currencyErrors(tenant, input.currency),
    taken && taken.id !== id ? [fieldError('name', 'catalog.tariff_name_taken', `Another tariff is already named "${input.name}".`, { name: input.name })] : [],
  );
  const values = {
    name: input.name,
    description: input.description,
    currency: tenant.currency,
    priceLines: jsonb(input.priceLines),
    searchConfig: searchConfigFor(tenant.locale),
    updatedAt: now,
  };
  const rowId = id ?? newId();
  if (before) await tx.updateTable('tariffs').set(values).where('id', '=', rowId).execute();
  else await tx.insertInto('tariffs').values({ ...values, tenantId: tenant.id, id: rowId, createdAt: now }).execute();
  const after = (await findTariff(tx, rowId))!;
  await writeAudit(tx, tenant.id, actor, {
    action: before ? 'catalog.tariff_updated' : 'catalog.tariff_created',
    targetType: 'tariff',
    targetId: rowId,
    before: before ? stamp(before) : undefined,
    after: stamp(after),
  });
  return after;
}

export async function deleteTariff(tx: TenantTx, tenantId: string, actor: Actor | null, id: string): Promise<void> {
  const before = await findTariff(tx, id);
  if (!before) throw notFound();
  await tx.deleteFrom('tariffs').where('id', '=', id).execute();
  await writeAudit(tx, tenantId, actor, { action: 'catalog.tariff_deleted', targetType: 'tariff', targetId: id, before: stamp(before) });
}

// ---- promotions ---------------------------------------------------------------------------------

/** Whether a promotion runs on a day: from its first to its last day, both included. */
export function promotionStatus(p: { validFrom: string; validUntil: string | null }, today: string): PromotionStatus {
  if (p.validFrom > today) return 'upcoming';
  if (p.validUntil !== null && p.validUntil < today) return 'expired';
  return 'active';
}

// Dates leave the database as text: drivers parse `date` differently (and into local midnight).
export const promotionSelection = (tx: TenantTx) =>
  tx
    .selectFrom('promotions')
    .select(['id', 'title', 'description', 'conditions', 'itemSkus', 'createdAt', 'updatedAt'])
    .select([sql<string>`valid_from::text`.as('validFrom'), sql<string | null>`valid_until::text`.as('validUntil')]);

export async function findPromotion(tx: TenantTx, id: string) {
  return promotionSelection(tx).where('id', '=', id).executeTakeFirst();
}
export type PromotionRow = NonNullable<Awaited<ReturnType<typeof findPromotion>>>;

export function promotionToJson(row: PromotionRow, today: string) {
  return { ...stamp(row), status: promotionStatus(row, today) };
}

export async function savePromotion(
  tx: TenantTx,
  tenant: CatalogTenant,
  actor: Actor | null,
  input: PromotionInput,
  now: Date,
  id?: string,
): Promise<PromotionRow> {
  const before = id ? await findPromotion(tx, id) : undefined;
  if (id && !before) throw notFound();
  const errors: FieldError[] = [];
  if (input.validUntil !== null && input.validUntil < input.validFrom) {
    errors.push(fieldError('validUntil', 'dates.end_before_start', 'The last day cannot come before the first day.'));
  }
  if (input.itemSkus.length) {
    const known = new Set((await tx.selectFrom('catalogItems').select('sku').where('sku', 'in', input.itemSkus).execute()).map((r) => r.sku));
    input.itemSkus.forEach((sku, index) => {
      if (!known.has(sku)) errors.push(fieldError(`itemSkus.${index}`, 'catalog.unknown_sku', `No item has the SKU ${sku}.`, { sku }));
    });
  }
  const taken = await tx.selectFrom('promotions').select('id').where('title', '=', input.title).executeTakeFirst();
  refuse(errors, taken && taken.id !== id ? [fieldError('title', 'catalog.promotion_title_taken', `Another promotion is already titled "${input.title}".`, { title: input.title })] : []);
  const values = {
    title: input.title,
    description: input.description,
    conditions: input.conditions,
    validFrom: input.validFrom,
    validUntil: input.validUntil,
    itemSkus: input.itemSkus,
    searchConfig: searchConfigFor(tenant.locale),
    updatedAt: now,
  };
  const rowId = id ?? newId();
  if (before) await tx.updateTable('promotions').set(values).where('id', '=', rowId).execute();
  else await tx.insertInto('promotions').values({ ...values, tenantId: tenant.id, id: rowId, createdAt: now }).execute();
  const after = (await findPromotion(tx, rowId))!;
  await writeAudit(tx, tenant.id, actor, {
    action: before ? 'catalog.promotion_updated' : 'catalog.promotion_created',
    targetType: 'promotion',
    targetId: rowId,
    before: before ? stamp(before) : undefined,
    after: stamp(after),
  });
  return after;
}

export async function deletePromotion(tx: TenantTx, tenantId: string, actor: Actor | null, id: string): Promise<void> {
  const before = await findPromotion(tx, id);
  if (!before) throw notFound();
  await tx.deleteFrom('promotions').where('id', '=', id).execute();
  await writeAudit(tx, tenantId, actor, { action: 'catalog.promotion_deleted', targetType: 'promotion', targetId: id, before: stamp(before) });
}

export function todayForTenant(tenant: Pick<Tenant, 'timeZone'>, now: Date): string {
  return todayIn(tenant.timeZone, now);
}

// ---- articles -----------------------------------------------------------------------------------

const articleColumns = ['id', 'kind', 'title', 'body', 'tags', 'createdAt', 'updatedAt'] as const;

export const articleSelection = (tx: TenantTx) => tx.selectFrom('knowledgeArticles').select(articleColumns);
type ArticleSelected = Awaited<ReturnType<ReturnType<typeof articleSelection>['executeTakeFirstOrThrow']>>;
export const toArticle = (row: ArticleSelected) => ({ ...row, tags: row.tags as string[] });
export type ArticleRow = ReturnType<typeof toArticle>;

export async function findArticle(tx: TenantTx, id: string): Promise<ArticleRow | undefined> {
  const row = await articleSelection(tx).where('id', '=', id).executeTakeFirst();
  return row && toArticle(row);
}

export async function saveArticle(tx: TenantTx, tenant: CatalogTenant, actor: Actor | null, input: ArticleInput, now: Date, id?: string): Promise<ArticleRow> {
  const before = id ? await findArticle(tx, id) : undefined;
  if (id && !before) throw notFound();
  const taken = await tx.selectFrom('knowledgeArticles').select('id').where('title', '=', input.title).executeTakeFirst();
  refuse([], taken && taken.id !== id ? [fieldError('title', 'catalog.article_title_taken', `Another article is already titled "${input.title}".`, { title: input.title })] : []);
  const values = {
    kind: input.kind,
    title: input.title,
    body: input.body,
    tags: jsonb(input.tags),
    searchConfig: searchConfigFor(tenant.locale),
    updatedAt: now,
  };
  const rowId = id ?? newId();
  if (before) await tx.updateTable('knowledgeArticles').set(values).where('id', '=', rowId).execute();
  else await tx.insertInto('knowledgeArticles').values({ ...values, tenantId: tenant.id, id: rowId, createdAt: now }).execute();
  const after = (await findArticle(tx, rowId))!;
  await writeAudit(tx, tenant.id, actor, {
    action: before ? 'catalog.article_updated' : 'catalog.article_created',
    targetType: 'article',
    targetId: rowId,
    before: before ? stamp(before) : undefined,
    after: stamp(after),
  });
  return after;
}

export async function deleteArticle(tx: TenantTx, tenantId: string, actor: Actor | null, id: string): Promise<void> {
  const before = await findArticle(tx, id);
  if (!before) throw notFound();
  await tx.deleteFrom('knowledgeArticles').where('id', '=', id).execute();
  await writeAudit(tx, tenantId, actor, { action: 'catalog.article_deleted', targetType: 'article', targetId: id, before: stamp(before) });
}

export { stamp as withIsoTimes };
