import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { withTenant, type Tenant } from '@switchboard/db';
import { catalog } from '@switchboard/api';
import {
  createClock,
  logIn,
  seedClientUser,
  seedOperator,
  seedTenant,
  seedUser,
  snapshotTenant,
  uniqueSlug,
  type Client,
  type Harness,
  createHarness,
} from './support/index.ts';

/** The catalog and knowledge API (issue 3): CRUD, validation that saves nothing, search per language, who may write. */
let h: Harness;
let fr: Tenant;
let de: Tenant;
let ru: Tenant;
let provider: Client;
let clientAdmin: Client;
let member: Client;
let operator: Client;

const base = (t: Tenant) => `/api/t/${t.slug}/catalog`;

beforeAll(async () => {
  // 2025-06-15 12:00 UTC: a fixed day, so promotion windows are deterministic.
  h = await createHarness();
  h.clock.advance(Date.parse('2025-06-15T12:00:00Z') - h.clock.now().getTime());
  const admin = await seedUser(h.db, { kind: 'provider_admin' });
  fr = (await seedTenant(h.db, { slug: uniqueSlug('fr'), locale: 'fr-FR', currency: 'EUR', timeZone: 'Europe/Paris' })).tenant;
  de = (await seedTenant(h.db, { slug: uniqueSlug('de'), locale: 'de-DE', currency: 'EUR', timeZone: 'Europe/Berlin' })).tenant;
  ru = (await seedTenant(h.db, { slug: uniqueSlug('ru'), locale: 'ru-RU', currency: 'RUB', timeZone: 'Europe/Moscow' })).tenant;
  provider = await logIn(h.app, admin);
  clientAdmin = await logIn(h.app, await seedClientUser(h.db, fr, 'client_admin'));
  member = await logIn(h.app, await seedClientUser(h.db, fr, 'client_member'));
  operator = await logIn(h.app, await seedOperator(h.db, [fr]));
});

afterAll(() => h?.close());

const margherita = {
  kind: 'product',
  sku: 'PIZZA-MARG',
  name: 'Pizza Margherita',
  description: 'Tomate, mozzarella, basilic frais.',
  category: 'Pizzas',
  priceMinor: 950,
  options: [
    { name: 'Taille', required: true, choices: [{ name: 'Moyenne' }, { name: 'Grande', priceDeltaMinor: 300 }] },
    { name: 'Suppléments', multiple: true, choices: [{ name: 'Burrata', priceDeltaMinor: 250 }] },
  ],
};

async function auditActions(tenant: Tenant): Promise<string[]> {
  const rows = await h.db.selectFrom('auditLog').select('action').where('tenantId', '=', tenant.id).where('action', 'like', 'catalog.%').orderBy('id').execute();
  return rows.map((r) => r.action);
}

describe('catalog items', () => {
  it('creates, reads, lists with filters and paging, replaces and deletes an item, auditing each write', async () => {
    const created = await clientAdmin.post(`${base(fr)}/items`, margherita);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ sku: 'PIZZA-MARG', priceMinor: 950, currency: 'EUR', available: true });
    expect(created.body.options[0]).toEqual({ name: 'Taille', required: true, multiple: false, choices: [{ name: 'Moyenne', priceDeltaMinor: 0 }, { name: 'Grande', priceDeltaMinor: 300 }] });
    const id = created.body.id as string;

    await clientAdmin.post(`${base(fr)}/items`, { kind: 'product', sku: 'DRINK-COLA', name: 'Cola 33 cl', category: 'Boissons', priceMinor: 250 });
    await clientAdmin.post(`${base(fr)}/items`, { kind: 'service', sku: 'DELIVERY', name: 'Livraison', priceMinor: 0, available: false });

    expect((await operator.get(`${base(fr)}/items/${id}`)).body.name).toBe('Pizza Margherita');
    const all = await member.get(`${base(fr)}/items?limit=2`);
    expect(all.status).toBe(200);
    expect(all.body.total).toBe(3);
    expect(all.body.items).toHaveLength(2);
    const second = await member.get(`${base(fr)}/items?limit=2&offset=2`);
    expect(second.body.items).toHaveLength(1);
    expect((await member.get(`${base(fr)}/items?category=Boissons`)).body.items.map((i: any) => i.sku)).toEqual(['DRINK-COLA']);
    expect((await member.get(`${base(fr)}/items?available=false`)).body.items.map((i: any) => i.sku)).toEqual(['DELIVERY']);
    expect((await member.get(`${base(fr)}/items?kind=service`)).body.total).toBe(1);

    const replaced = await provider.put(`${base(fr)}/items/${id}`, { ...margherita, priceMinor: 1050, currency: 'EUR' });
    expect(replaced.status).toBe(200);
    expect(replaced.body.priceMinor).toBe(1050);

    const other = await clientAdmin.post(`${base(fr)}/items`, { kind: 'product', sku: 'TIRAMISU', name: 'Tiramisu', priceMinor: 600 });
    expect((await clientAdmin.delete(`${base(fr)}/items/${other.body.id}`)).status).toBe(204);
    expect((await clientAdmin.get(`${base(fr)}/items/${other.body.id}`)).status).toBe(404);
    expect(await auditActions(fr)).toEqual([
      'catalog.item_created',
      'catalog.item_created',
      'catalog.item_created',
      'catalog.item_updated',
      'catalog.item_created',
      'catalog.item_deleted',
    ]);
  });

  it('refuses a negative price, a foreign currency, bad options and a duplicate SKU with paths, saving nothing', async () => {
    const before = await snapshotTenant(h.db, fr.id);
    const bad = await clientAdmin.post(`${base(fr)}/items`, {
      ...margherita,
      sku: 'NEW-ONE',
      priceMinor: -1,
      options: [{ name: 'Taille', choices: [{ name: 'Grande', priceDeltaMinor: -5 }, { name: 'grande' }] }],
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    expect(bad.body.errors.map((e: any) => e.path).sort()).toEqual(['options.0.choices.0.priceDeltaMinor', 'options.0.choices.1.name', 'priceMinor']);

    const currency = await clientAdmin.post(`${base(fr)}/items`, { ...margherita, sku: 'NEW-TWO', currency: 'USD' });
    expect(currency.status).toBe(400);
    expect(currency.body.errors).toMatchObject([{ path: 'currency', message: expect.stringContaining('EUR') }]);
    const unknown = await clientAdmin.post(`${base(fr)}/items`, { ...margherita, sku: 'NEW-THREE', currency: 'XYZ' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].path).toBe('currency');

    const duplicate = await clientAdmin.post(`${base(fr)}/items`, margherita);
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.errors).toMatchObject([{ path: 'sku', message: expect.stringContaining('PIZZA-MARG') }]);
    expect(await snapshotTenant(h.db, fr.id)).toEqual(before);
  });

  it('lets client members and operators read but not write (403), and saves nothing', async () => {
    const before = await snapshotTenant(h.db, fr.id);
    for (const who of [member, operator]) {
      expect((await who.get(`${base(fr)}/items`)).status).toBe(200);
      const res = await who.post(`${base(fr)}/items`, { ...margherita, sku: 'NOPE' });
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect((await who.post(`${base(fr)}/articles`, { kind: 'faq', title: 'Nope' })).status).toBe(403);
    }
    expect(await snapshotTenant(h.db, fr.id)).toEqual(before);
  });
});

describe('tariffs, promotions and articles', () => {
  it('round-trips a tariff with price lines, in the tenant currency', async () => {
    const res = await provider.post(`${base(ru)}/tariffs`, {
      name: 'Тариф «Связь+»',
      description: 'Безлимитные звонки и 30 ГБ интернета.',
      priceLines: [{ label: 'Абонентская плата', priceMinor: 59000, per: 'month' }],
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ currency: 'RUB', priceLines: [{ label: 'Абонентская плата', priceMinor: 59000, per: 'month' }] });
    const wrong = await provider.post(`${base(ru)}/tariffs`, { name: 'Другой', currency: 'EUR', priceLines: [{ label: 'x', priceMinor: -3 }] });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors.map((e: any) => e.path)).toEqual(['priceLines.0.priceMinor']);
    const dup = await provider.post(`${base(ru)}/tariffs`, { name: 'Тариф «Связь+»' });
    expect(dup.status).toBe(409);
    expect(dup.body.errors[0].path).toBe('name');
  });

  it('refuses a validity that ends before it starts and unknown SKUs, saving nothing', async () => {
    const before = await snapshotTenant(h.db, fr.id);
    const res = await clientAdmin.post(`${base(fr)}/promotions`, {
      title: 'Mauvaise promo',
      validFrom: '2025-06-10',
      validUntil: '2025-06-01',
      itemSkus: ['PIZZA-MARG', 'NO-SUCH'],
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: any) => e.path).sort()).toEqual(['itemSkus.1', 'validUntil']);
    const badDate = await clientAdmin.post(`${base(fr)}/promotions`, { title: 'x', validFrom: '2025-02-30' });
    expect(badDate.status).toBe(400);
    expect(badDate.body.errors[0].path).toBe('validFrom');
    expect(await snapshotTenant(h.db, fr.id)).toEqual(before);
  });

  it("marks promotions active, upcoming or expired on the tenant's calendar day", async () => {
    for (const [title, validFrom, validUntil] of [
      ['2 pizzas achetées, la 3e offerte', '2025-06-01', '2025-06-15'],
      ['Promo été', '2025-06-16', '2025-08-31'],
      ['Promo printemps', '2025-03-01', '2025-06-14'],
    ] as const) {
      const res = await clientAdmin.post(`${base(fr)}/promotions`, { title, validFrom, validUntil, conditions: 'Offre valable sur les pizzas.', itemSkus: ['PIZZA-MARG'] });
      expect(res.status).toBe(201);
    }
    const statuses = async (app: Client) =>
      Object.fromEntries((await app.get(`${base(fr)}/promotions`)).body.items.map((p: any) => [p.title, p.status]));
    expect(await statuses(member)).toEqual({ '2 pizzas achetées, la 3e offerte': 'active', 'Promo été': 'upcoming', 'Promo printemps': 'expired' });
    expect((await member.get(`${base(fr)}/promotions?status=active`)).body.items.map((p: any) => p.title)).toEqual(['2 pizzas achetées, la 3e offerte']);

    // 22:30 UTC on the 15th is already the 16th in Paris: the summer promotion has started, the other ended.
    const late = createClock(new Date('2025-06-15T22:30:00Z'));
    const lateApp = h.buildApp({ clock: late });
    const lateClient = new (member.constructor as typeof Client)(lateApp, member.token);
    expect(await statuses(lateClient)).toEqual({ '2 pizzas achetées, la 3e offerte': 'expired', 'Promo été': 'active', 'Promo printemps': 'expired' });
    const search = await lateClient.get(`${base(fr)}/search?q=pizzas`);
    expect(search.body.results.filter((r: any) => r.kind === 'promotion').map((r: any) => r.title)).toEqual(['Promo été']);
    const today = await member.get(`${base(fr)}/search?q=pizzas`);
    expect(today.body.results.filter((r: any) => r.kind === 'promotion').map((r: any) => r.title)).toEqual(['2 pizzas achetées, la 3e offerte']);
  });

  it('refuses to delete an item a promotion names (409, naming the promotions), deleting nothing', async () => {
    const item = await clientAdmin.post(`${base(fr)}/items`, { kind: 'product', sku: 'CALZONE', name: 'Calzone', priceMinor: 1200 });
    expect(item.status).toBe(201);
    for (const title of ['Calzone du jeudi', 'Menu midi']) {
      expect((await clientAdmin.post(`${base(fr)}/promotions`, { title, validFrom: '2025-06-01', itemSkus: ['CALZONE'] })).status).toBe(201);
    }
    const before = await snapshotTenant(h.db, fr.id);
    const res = await clientAdmin.delete(`${base(fr)}/items/${item.body.id}`);
    expect(res.status).toBe(409);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(res.body.detail).toContain('"Calzone du jeudi"');
    expect(res.body.detail).toContain('"Menu midi"');
    expect(res.body.errors).toMatchObject([{ path: 'sku', message: expect.stringContaining('CALZONE') }]);
    expect(await snapshotTenant(h.db, fr.id)).toEqual(before);
    expect((await member.get(`${base(fr)}/items/${item.body.id}`)).status).toBe(200);
  });

  it('creates articles with tags and filters them', async () => {
    const faq = await clientAdmin.post(`${base(fr)}/articles`, {
      kind: 'faq',
      title: 'Allergènes',
      body: 'Nos pizzas contiennent du gluten et du lait. La **crème** fraîche est servie sur demande.',
      tags: ['allergènes', 'santé', 'santé'],
    });
    expect(faq.status).toBe(201);
    expect(faq.body.tags).toEqual(['allergènes', 'santé']);
    await clientAdmin.post(`${base(fr)}/articles`, { kind: 'procedure', title: 'Prendre une commande', body: 'Demander la taille de la pizza, puis les suppléments.' });
    expect((await operator.get(`${base(fr)}/articles?kind=faq`)).body.items.map((a: any) => a.title)).toEqual(['Allergènes']);
    expect((await operator.get(`${base(fr)}/articles?tag=santé`)).body.total).toBe(1);
    const dup = await clientAdmin.post(`${base(fr)}/articles`, { kind: 'faq', title: 'Allergènes' });
    expect(dup.status).toBe(409);
  });
});

describe('search', () => {
  it('finds French words by their stem, accents included, best match first, with highlighted snippets', async () => {
    await clientAdmin.post(`${base(fr)}/items`, {
      kind: 'product',
      sku: 'PIZZA-CREME',
      name: 'Pizza à la crème',
      description: 'Crème fraîche, lardons, oignons.',
      category: 'Pizzas',
      priceMinor: 1200,
    });
    const res = await operator.get(`${base(fr)}/search?q=crèmes`);
    expect(res.status).toBe(200);
    const titles = res.body.results.map((r: any) => r.title);
    // The name matches (weight A) before an article body does (weight C).
    expect(titles).toEqual(['Pizza à la crème', 'Allergènes']);
    expect(res.body.results[0]).toMatchObject({ kind: 'product', resource: 'items' });
    expect(res.body.results[0].rank).toBeGreaterThan(res.body.results[1].rank);
    const article = res.body.results[1];
    expect(article.snippet.filter((s: any) => s.match).map((s: any) => s.text)).toEqual(['crème']);
    expect(article.snippet.map((s: any) => s.text).join('')).toContain('fraîche est servie');
    // Option choices are searchable too.
    expect((await operator.get(`${base(fr)}/search?q=burrata`)).body.results.map((r: any) => r.title)).toEqual(['Pizza Margherita']);
  });

  it('finds German and Russian words by their stem', async () => {
    await provider.post(`${base(de)}/articles`, {
      kind: 'faq',
      title: 'Öffnungszeiten der Filialen',
      body: 'Unsere Filialen sind montags bis freitags geöffnet.',
      tags: ['Filiale'],
    });
    await provider.post(`${base(de)}/articles`, {
      kind: 'procedure',
      title: 'Karte sperren',
      body: 'Bei Verlust die Karte sofort sperren lassen. Die Öffnungszeit der Hotline spielt keine Rolle: sie ist rund um die Uhr erreichbar.',
    });
    const de1 = await provider.get(`${base(de)}/search?q=${encodeURIComponent('Öffnungszeit')}`);
    expect(de1.body.results.map((r: any) => r.title)).toEqual(['Öffnungszeiten der Filialen', 'Karte sperren']);
    const de2 = await provider.get(`${base(de)}/search?q=${encodeURIComponent('Karten sperren')}`);
    expect(de2.body.results.map((r: any) => r.title)[0]).toBe('Karte sperren');

    await provider.post(`${base(ru)}/articles`, { kind: 'faq', title: 'Как сменить тариф?', body: 'Сменить тариф можно в личном кабинете.' });
    const ru1 = await provider.get(`${base(ru)}/search?q=${encodeURIComponent('тарифы')}`);
    // The article names the tariff in its title and its body, so it ranks above the tariff itself.
    expect(ru1.body.results.map((r: any) => r.title)).toEqual(['Как сменить тариф?', 'Тариф «Связь+»']);
    expect(ru1.body.results.map((r: any) => r.kind)).toEqual(['faq', 'tariff']);
  });

  it('stores the configuration of the tenant locale on each row', async () => {
    const configs = async (t: Tenant) =>
      withTenant(h.db, t.id, async (tx) => (await tx.selectFrom('knowledgeArticles').select('searchConfig').distinct().execute()).map((r) => String(r.searchConfig)));
    expect(await configs(fr)).toEqual(['french']);
    expect(await configs(de)).toEqual(['german']);
    expect(await configs(ru)).toEqual(['russian']);
  });

  it('has conditions the GIN index on each table can answer (EXPLAIN), though not under row-level security', async () => {
    const planOf = async (run: <T>(fn: (tx: any) => Promise<T>) => Promise<T>) =>
      run(async (tx) => {
        // A catalog of a few rows is cheaper to scan than to look up: price scans out so the plan
        // shows whether the index can serve the search's conditions at all.
        await sql`set local enable_seqscan = off`.execute(tx);
        const { rows } = await sql<{ 'QUERY PLAN': string }>`explain ${catalog.catalogSearchQuery('pizzas crèmes', await catalog.searchPlan(tx, 'pizzas crèmes'), '2026-06-15', 20)}`.execute(tx);
        return rows.map((r) => r['QUERY PLAN']).join('\n');
      });
    // As the owning role (no policy applies), the tables are searched through their GIN index, with
    // the query of each row's own configuration (promotions may start from today's validity instead)…
    const owner = await planOf((fn) => h.db.transaction().execute(fn));
    for (const index of ['catalog_items_search_idx', 'tariffs_search_idx', 'knowledge_articles_search_idx']) {
      expect(owner).toContain(`Bitmap Index Scan on ${index}`);
    }
    expect(owner).toMatch(/Bitmap Index Scan on promotions_(search|validity)_idx/);
    // …and each hit is still checked under its own row's configuration.
    expect(owner).toContain('Filter: ((q_1.cfg)::oid = (search_config)::oid)');
    // Under the tenant's policy PostgreSQL may not run @@ (ts_match_vq, not leakproof) before the
    // policy's own condition, so it does not use the index there (see migration 0008).
    expect(await planOf((fn) => withTenant(h.db, fr.id, fn))).not.toContain('_search_idx');
  });

  it('answers a query of nothing but stop words with no results, and an empty query with a 400', async () => {
    expect((await operator.get(`${base(fr)}/search?q=${encodeURIComponent('la le de')}`)).body.results).toEqual([]);
    const empty = await operator.get(`${base(fr)}/search?q=%20`);
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0].path).toBe('q');
  });
});
