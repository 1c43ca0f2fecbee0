import { requirePermission } from '../http/permissions.ts';
import { createRoute, z } from '@hono/zod-openapi';
import { sql, type SelectQueryBuilder } from 'kysely';
import { createRouter } from '../http/router.ts';
import { notFound, problemResponses } from '../http/problem.ts';
import { tenantContext } from '../http/tenant-scope.ts';
import { TenantParamSchema } from '../tenants/schemas.ts';
import {
  ArticleBodySchema,
  ArticleQuerySchema,
  ArticleSchema,
  IdParamSchema,
  ItemBodySchema,
  ItemQuerySchema,
  ItemSchema,
  PromotionBodySchema,
  PromotionQuerySchema,
  PromotionSchema,
  SearchQuerySchema,
  SearchResultSchema,
  SynonymGroupBodySchema,
  SynonymGroupSchema,
  TariffBodySchema,
  TariffQuerySchema,
  TariffSchema,
} from './schemas.ts';
import {
  deleteArticle,
  deleteItem,
  deletePromotion,
  deleteTariff,
  findArticle,
  findItem,
  findPromotion,
  findTariff,
  articleSelection,
  itemSelection,
  promotionSelection,
  tariffSelection,
  toArticle,
  toItem,
  toTariff,
  promotionToJson,
  saveArticle,
  saveItem,
  savePromotion,
  saveTariff,
  todayForTenant,
  withIsoTimes,
} from './service.ts';
import { searchCatalog } from './search.ts';
import { addSynonymGroup, deleteSynonymGroup, synonymGroupsOf } from './synonyms.ts';

/** The catalog is edited by the client company's admins and the provider's admins; everyone who serves the tenant reads it. */

const json = <S extends z.ZodType>(schema: S) => ({ content: { 'application/json': { schema } } });
const body = <S extends z.ZodType>(schema: S) => ({ ...json(schema), required: true });
const page = <S extends z.ZodType>(schema: S) => z.object({ items: z.array(schema), total: z.number().int() });

/** The five routes of one catalog resource, documented alike. */
function crud<P extends string, B extends z.ZodType, R extends z.ZodType, Q extends z.ZodObject>(
  resource: P,
  what: string,
  bodySchema: B,
  rowSchema: R,
  querySchema: Q,
) {
  // Literal path types, so hono/client sees each route under its own path.
  const base = `/t/{tenant}/catalog/${resource}` as const;
  const byId = `/t/{tenant}/catalog/${resource}/{id}` as const;
  const tags = ['catalog'];
  return {
    list: createRoute({
      method: 'get',
      path: base,
      tags,
      summary: `The tenant's ${what}s, with filters and paging`,
      request: { params: TenantParamSchema, query: querySchema },
      responses: { 200: { description: `${what}s`, ...json(page(rowSchema)) }, ...problemResponses(400, 401, 404) },
    }),
    get: createRoute({
      method: 'get',
      path: byId,
      tags,
      summary: `One ${what}`,
      request: { params: IdParamSchema },
      responses: { 200: { description: what, ...json(rowSchema) }, ...problemResponses(401, 404) },
    }),
    create: createRoute({
      method: 'post',
      path: base,
      tags,
      summary: `Add a ${what}`,
      request: { params: TenantParamSchema, body: body(bodySchema) },
      responses: { 201: { description: 'Added', ...json(rowSchema) }, ...problemResponses(400, 401, 403, 404, 409) },
    }),
    update: createRoute({
      method: 'put',
      path: byId,
      tags,
      summary: `Replace a ${what}`,
      request: { params: IdParamSchema, body: body(bodySchema) },
      responses: { 200: { description: 'Saved', ...json(rowSchema) }, ...problemResponses(400, 401, 403, 404, 409) },
    }),
    remove: createRoute({
      method: 'delete',
      path: byId,
      tags,
      summary: `Delete a ${what}`,
      request: { params: IdParamSchema },
      responses: { 204: { description: 'Deleted' }, ...problemResponses(401, 403, 404, ...(resource === 'items' ? [409] : [])) },
    }),
  };
}

const items = crud('items', 'catalog item', ItemBodySchema, ItemSchema, ItemQuerySchema);
const tariffs = crud('tariffs', 'tariff', TariffBodySchema, TariffSchema, TariffQuerySchema);
const promotions = crud('promotions', 'promotion', PromotionBodySchema, PromotionSchema, PromotionQuerySchema);
const articles = crud('articles', 'knowledge article', ArticleBodySchema, ArticleSchema, ArticleQuerySchema);

const search = createRoute({
  method: 'get',
  path: '/t/{tenant}/catalog/search',
  tags: ['catalog'],
  summary: "Full-text search over items, tariffs, today's promotions and articles, best first, in the tenant's language",
  request: { params: TenantParamSchema, query: SearchQuerySchema },
  responses: {
    200: { description: 'Ranked results', ...json(z.object({ query: z.string(), results: z.array(SearchResultSchema) })) },
    ...problemResponses(400, 401, 404),
  },
});

const synonymsPath = '/t/{tenant}/catalog/synonyms' as const;
const synonyms = {
  list: createRoute({
    method: 'get',
    path: synonymsPath,
    tags: ['catalog'],
    summary: "The tenant's synonym groups: words the knowledge search treats as one",
    request: { params: TenantParamSchema },
    responses: { 200: { description: 'Synonym groups, oldest first', ...json(page(SynonymGroupSchema)) }, ...problemResponses(401, 404) },
  }),
  create: createRoute({
    method: 'post',
    path: synonymsPath,
    tags: ['catalog'],
    summary: 'Add a synonym group (2–20 words or short phrases)',
    request: { params: TenantParamSchema, body: body(SynonymGroupBodySchema) },
    responses: { 201: { description: 'Added', ...json(SynonymGroupSchema) }, ...problemResponses(400, 401, 403, 404, 409) },
  }),
  remove: createRoute({
    method: 'delete',
    path: `${synonymsPath}/{id}`,
    tags: ['catalog'],
    summary: 'Remove a synonym group',
    request: { params: IdParamSchema },
    responses: { 204: { description: 'Removed' }, ...problemResponses(401, 403, 404) },
  }),
};

/** How many rows a filtered list has in all, for paging. */
async function countOf(query: SelectQueryBuilder<any, any, any>): Promise<number> {
  const row = await query.clearSelect().select(sql<string>`count(*)`.as('total')).executeTakeFirstOrThrow();
  return Number(row.total);
}

const found = <T>(row: T | undefined): T => {
  if (!row) throw notFound();
  return row;
};

export const catalogRoutes = createRouter()
  // Registered before `/{resource}/{id}` routes could shadow it: it is a path of its own.
  .openapi(search, async (c) => {
    const ctx = tenantContext(c);
    const { q, limit } = c.req.valid('query');
    const results = await searchCatalog(ctx.tx, q, todayForTenant(ctx.tenant, c.var.deps.now()), limit);
    return c.json({ query: q, results }, 200);
  })

  // ---- synonyms ----
  .openapi(synonyms.list, async (c) => {
    const groups = await synonymGroupsOf(tenantContext(c).tx);
    return c.json({ items: groups, total: groups.length }, 200);
  })
  .openapi(synonyms.create, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'catalog.manage');
    return c.json(await addSynonymGroup(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('json').terms, c.var.deps.now()), 201);
  })
  .openapi(synonyms.remove, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'catalog.manage');
    await deleteSynonymGroup(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').id);
    return c.body(null, 204);
  })

  // ---- items ----
  .openapi(items.list, async (c) => {
    const ctx = tenantContext(c);
    const { limit, offset, kind, category, available } = c.req.valid('query');
    let query = itemSelection(ctx.tx);
    if (kind) query = query.where('kind', '=', kind);
    if (category) query = query.where('category', '=', category);
    if (available) query = query.where('available', '=', available === 'true');
    const total = await countOf(query);
    const rows = await query.orderBy('category').orderBy('name').orderBy('id').limit(limit).offset(offset).execute();
    return c.json({ items: rows.map((r) => withIsoTimes(toItem(r))), total }, 200);
  })
  .openapi(items.get, async (c) => {
    const ctx = tenantContext(c);
    return c.json(withIsoTimes(found(await findItem(ctx.tx, c.req.valid('param').id))), 200);
  })
  .openapi(items.create, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'catalog.manage');
    const row = await saveItem(ctx.tx, ctx.tenant, ctx.actor, c.req.valid('json'), c.var.deps.now());
    return c.json(withIsoTimes(row), 201);
  })
  .openapi(items.update, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'catalog.manage');
    const row = await saveItem(ctx.tx, ctx.tenant, ctx.actor, c.req.valid('json'), c.var.deps.now(), c.req.valid('param').id);
    return c.json(withIsoTimes(row), 200);
  })
  .openapi(items.remove, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'catalog.manage');
    await deleteItem(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').id);
    return c.body(null, 204);
  })

  // ---- tariffs ----
  .openapi(tariffs.list, async (c) => {
    const ctx = tenantContext(c);
    const { limit, offset } = c.req.valid('query');
    const query = tariffSelection(ctx.tx);
    const total = await countOf(query);
    const rows = await query.orderBy('name').orderBy('id').limit(limit).offset(offset).execute();
    return c.json({ items: rows.map((r) => withIsoTimes(toTariff(r))), total }, 200);
  })
  .openapi(tariffs.get, async (c) => {
    const ctx = tenantContext(c);
    return c.json(withIsoTimes(found(await findTariff(ctx.tx, c.req.valid('param').id))), 200);
  })
  .openapi(tariffs.create, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'catalog.manage');
    return c.json(withIsoTimes(await saveTariff(ctx.tx, ctx.tenant, ctx.actor, c.req.valid('json'), c.var.deps.now())), 201);
  })
  .openapi(tariffs.update, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'catalog.manage');
    const row = await saveTariff(ctx.tx, ctx.tenant, ctx.actor, c.req.valid('json'), c.var.deps.now(), c.req.valid('param').id);
    return c.json(withIsoTimes(row), 200);
  })
  .openapi(tariffs.remove, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'catalog.manage');
    await deleteTariff(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').id);
    return c.body(null, 204);
  })

  // ---- promotions ----
  .openapi(promotions.list, async (c) => {
    const ctx = tenantContext(c);
    const { limit, offset, status } = c.req.valid('query');
    const today = todayForTenant(ctx.tenant, c.var.deps.now());
    let query = promotionSelection(ctx.tx);
    if (status === 'active') query = query.where(({ and, or, eb }) => and([eb('validFrom', '<=', today), or([eb('validUntil', 'is', null), eb('validUntil', '>=', today)])]));
    if (status === 'upcoming') query = query.where('validFrom', '>', today);
    if (status === 'expired') query = query.where('validUntil', '<', today);
    const total = await countOf(query);
    const rows = await query.orderBy('validFrom', 'desc').orderBy('title').orderBy('id').limit(limit).offset(offset).execute();
    return c.json({ items: rows.map((r) => promotionToJson(r, today)), total }, 200);
  })
  .openapi(promotions.get, async (c) => {
    const ctx = tenantContext(c);
    const row = found(await findPromotion(ctx.tx, c.req.valid('param').id));
    return c.json(promotionToJson(row, todayForTenant(ctx.tenant, c.var.deps.now())), 200);
  })
  .openapi(promotions.create, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'catalog.manage');
    const now = c.var.deps.now();
    const row = await savePromotion(ctx.tx, ctx.tenant, ctx.actor, c.req.valid('json'), now);
    return c.json(promotionToJson(row, todayForTenant(ctx.tenant, now)), 201);
  })
  .openapi(promotions.update, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'catalog.manage');
    const now = c.var.deps.now();
    const row = await savePromotion(ctx.tx, ctx.tenant, ctx.actor, c.req.valid('json'), now, c.req.valid('param').id);
    return c.json(promotionToJson(row, todayForTenant(ctx.tenant, now)), 200);
  })
  .openapi(promotions.remove, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'catalog.manage');
    await deletePromotion(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').id);
    return c.body(null, 204);
  })

  // ---- articles ----
  .openapi(articles.list, async (c) => {
    const ctx = tenantContext(c);
    const { limit, offset, kind, tag } = c.req.valid('query');
    let query = articleSelection(ctx.tx);
    if (kind) query = query.where('kind', '=', kind);
    if (tag) query = query.where(sql<boolean>`tags @> cast(${JSON.stringify([tag])}::text as jsonb)`);
    const total = await countOf(query);
    const rows = await query.orderBy('kind').orderBy('title').orderBy('id').limit(limit).offset(offset).execute();
    return c.json({ items: rows.map((r) => withIsoTimes(toArticle(r))), total }, 200);
  })
  .openapi(articles.get, async (c) => {
    const ctx = tenantContext(c);
    return c.json(withIsoTimes(found(await findArticle(ctx.tx, c.req.valid('param').id))), 200);
  })
  .openapi(articles.create, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'catalog.manage');
    return c.json(withIsoTimes(await saveArticle(ctx.tx, ctx.tenant, ctx.actor, c.req.valid('json'), c.var.deps.now())), 201);
  })
  .openapi(articles.update, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'catalog.manage');
    const row = await saveArticle(ctx.tx, ctx.tenant, ctx.actor, c.req.valid('json'), c.var.deps.now(), c.req.valid('param').id);
    return c.json(withIsoTimes(row), 200);
  })
  .openapi(articles.remove, async (c) => {
    const ctx = tenantContext(c);
    requirePermission(ctx, 'catalog.manage');
    await deleteArticle(ctx.tx, ctx.tenant.id, ctx.actor, c.req.valid('param').id);
    return c.body(null, 204);
  });
