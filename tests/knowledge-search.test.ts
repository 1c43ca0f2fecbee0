import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Tenant } from '@switchboard/db';
import { catalog } from '@switchboard/api';
import {
  createHarness,
  logIn,
  seedClientUser,
  seedOperator,
  seedTenant,
  seedUser,
  snapshotTenant,
  uniqueSlug,
  type Client,
  type Harness,
} from './support/index.ts';

/**
 * Knowledge search that finds what operators type (issue 10): completions of the word being typed,
 * spelling mistakes, accents and the tenant's own synonyms, ranked exact first, on PGlite and PostgreSQL.
 */
let h: Harness;
let bank: Tenant;
let pizza: Tenant;
let otherBank: Tenant;
let provider: Client;
let bankAdmin: Client;
let bankMember: Client;
let operator: Client;

const base = (t: Tenant) => `/api/t/${t.slug}/catalog`;
const search = async (t: Tenant, q: string) => {
  const res = await operator.get(`${base(t)}/search?q=${encodeURIComponent(q)}`);
  expect(res.status, res.text).toBe(200);
  return res.body.results as { title: string; match: string; rank: number; titleSegments: { text: string; match: boolean }[]; snippet: { text: string; match: boolean }[] }[];
};
const titles = async (t: Tenant, q: string) => (await search(t, q)).map((r) => r.title);
const marked = (segments: { text: string; match: boolean }[]) => segments.filter((s) => s.match).map((s) => s.text);

beforeAll(async () => {
  h = await createHarness();
  const admin = await seedUser(h.db, { kind: 'provider_admin' });
  bank = (await seedTenant(h.db, { slug: uniqueSlug('bank'), locale: 'de-DE', currency: 'EUR', timeZone: 'Europe/Berlin' })).tenant;
  otherBank = (await seedTenant(h.db, { slug: uniqueSlug('bank2'), locale: 'de-DE', currency: 'EUR', timeZone: 'Europe/Berlin' })).tenant;
  pizza = (await seedTenant(h.db, { slug: uniqueSlug('pizza'), locale: 'fr-FR', currency: 'EUR', timeZone: 'Europe/Paris' })).tenant;
  provider = await logIn(h.app, admin);
  bankAdmin = await logIn(h.app, await seedClientUser(h.db, bank, 'client_admin'));
  bankMember = await logIn(h.app, await seedClientUser(h.db, bank, 'client_member'));
  operator = await logIn(h.app, await seedOperator(h.db, [bank, otherBank, pizza]));

  const articles: [Tenant, string, string, string][] = [
    [bank, 'procedure', 'Karte sperren', 'Bei Verlust oder Diebstahl die Karte sofort über die Sperrhotline sperren lassen.'],
    [bank, 'faq', 'Kartenlimit erhöhen', 'Das Limit lässt sich im Online-Banking anpassen.'],
    [bank, 'faq', 'Welche Art von Konto?', 'Girokonto, Tagesgeld oder Depot.'],
    [bank, 'faq', 'Überweisung ins Ausland', 'SEPA-Überweisungen dauern einen Bankarbeitstag.'],
    [otherBank, 'procedure', 'Karte sperren', 'Die Karte wird gesperrt.'],
    [otherBank, 'faq', 'Zauberwort der Filiale', 'Geheimtipp nur für diese Bank.'],
  ];
  for (const [tenant, kind, title, body] of articles) {
    const res = await provider.post(`${base(tenant)}/articles`, { kind, title, body });
    expect(res.status, res.text).toBe(201);
  }
  for (const [name, description, sku] of [
    ['Pizza Margherita', 'Tomate, mozzarella, basilic.', 'MARGHERITA'],
    ['Crème brûlée', 'Le dessert de la maison.', 'CREME-BRULEE'],
    ['Calzone', 'Pizza pliée, jambon, champignons.', 'CALZONE'],
  ]) {
    const res = await provider.post(`${base(pizza)}/items`, { kind: 'product', sku, name, description, category: 'Carte', priceMinor: 900 });
    expect(res.status, res.text).toBe(201);
  }
  // The other bank has its own synonyms, which must never widen the first bank's searches.
  expect((await provider.post(`${base(otherBank)}/synonyms`, { terms: ['Karte', 'Zauberwort'] })).status).toBe(201);
});

afterAll(() => h?.close());

describe('knowledge search', () => {
  it('completes the word being typed ("kar" finds "Karte sperren", "margh" finds "Pizza Margherita")', async () => {
    expect(await titles(bank, 'kar')).toEqual(expect.arrayContaining(['Karte sperren', 'Kartenlimit erhöhen']));
    expect(await titles(bank, 'Karte sp')).toEqual(['Karte sperren']);
    expect(await titles(pizza, 'margh')).toEqual(['Pizza Margherita']);
    // Only the last word is still being typed: a finished word is not completed.
    expect(await titles(bank, 'kar sperren')).toEqual([]);
  });

  it('tolerates spelling mistakes, a swap of two letters included ("Krate sperren", "margarita")', async () => {
    const krate = await search(bank, 'Krate sperren');
    expect(krate.map((r) => r.title)).toEqual(['Karte sperren']);
    expect(krate[0]).toMatchObject({ match: 'fuzzy' });
    expect(marked(krate[0]!.titleSegments)).toEqual(['Karte', 'sperren']);
    expect(await titles(pizza, 'margarita')).toEqual(['Pizza Margherita']);
    expect(await titles(pizza, 'calzonne')).toEqual(['Calzone']);
    // Short words are not corrected (too many near words), and far ones are not found.
    expect(await titles(bank, 'Kxrxe')).toEqual([]);
  });

  it('ignores accents both ways', async () => {
    const creme = await search(pizza, 'creme brulee');
    expect(creme.map((r) => r.title)).toEqual(['Crème brûlée']);
    expect(marked(creme[0]!.titleSegments)).toEqual(['Crème', 'brûlée']);
    expect(await titles(bank, 'uberweisung')).toEqual(['Überweisung ins Ausland']);
    expect(await titles(pizza, 'Pizza Margheríta')).toEqual(['Pizza Margherita']);
  });

  it('widens a word to its synonyms, once the tenant has them ("Karte gestohlen" finds "Karte sperren")', async () => {
    expect(await titles(bank, 'Karte gestohlen')).toEqual([]);
    const added = await bankAdmin.post(`${base(bank)}/synonyms`, { terms: ['gestohlen', 'verloren', 'sperren'] });
    expect(added.status, added.text).toBe(201);
    expect(added.body).toMatchObject({ terms: ['gestohlen', 'verloren', 'sperren'] });
    const found = await search(bank, 'Karte gestohlen');
    expect(found.map((r) => r.title)).toEqual(['Karte sperren']);
    expect(found[0]).toMatchObject({ match: 'close' });
    expect(marked(found[0]!.titleSegments)).toEqual(['Karte', 'sperren']);
    expect(marked(found[0]!.snippet)).toEqual(expect.arrayContaining(['sperren']));
    // A misspelt synonym still counts, a phrase synonym replaces the words it covers.
    expect(await titles(bank, 'Karte gestolhen')).toEqual(['Karte sperren']);
    expect((await bankAdmin.post(`${base(bank)}/synonyms`, { terms: ['Geld ins Ausland', 'Überweisung'] })).status).toBe(201);
    expect(await titles(bank, 'Geld ins Ausland')).toEqual(['Überweisung ins Ausland']);

    const list = await bankMember.get(`${base(bank)}/synonyms`);
    expect(list.status).toBe(200);
    expect(list.body.items.map((g: any) => g.terms)).toEqual([['gestohlen', 'verloren', 'sperren'], ['Geld ins Ausland', 'Überweisung']]);
    const audit = await h.db.selectFrom('auditLog').select('action').where('tenantId', '=', bank.id).where('action', 'like', 'catalog.synonyms%').execute();
    expect(audit.map((a) => a.action)).toEqual(['catalog.synonyms_added', 'catalog.synonyms_added']);
  });

  it('ranks the words as typed first, then completions and synonyms, then spelling corrections', async () => {
    const found = await search(bank, 'kart');
    expect(found.map((r) => [r.title, r.match])).toEqual([
      ['Karte sperren', 'exact'],
      ['Kartenlimit erhöhen', 'close'],
      ['Welche Art von Konto?', 'fuzzy'],
    ]);
  });

  it("never returns another tenant's entries nor uses another tenant's words or synonyms", async () => {
    // The other bank's article and its synonym "Karte = Zauberwort" stay in the other bank.
    expect(await titles(bank, 'Zauberwort')).toEqual([]);
    expect(await titles(bank, 'Zauberwrt')).toEqual([]);
    const plan = await withTenant(h.db, bank.id, (tx) => catalog.searchPlan(tx, 'Zauberwrt Karte'));
    expect(plan.flatMap((p) => p.alternatives.map((a) => a.phrase.toLowerCase()))).not.toContain('zauberwort');
    // And the first bank's synonyms do not reach the other one.
    expect(await titles(otherBank, 'Karte gestohlen')).toEqual([]);
    expect(await titles(otherBank, 'Zauberwort')).toEqual(['Zauberwort der Filiale', 'Karte sperren']);
    const words = await withTenant(h.db, bank.id, (tx) => tx.selectFrom('catalogSearchWords').select('word').where('word', '=', 'zauberwort').execute());
    expect(words).toEqual([]);
  });

  it('answers hostile queries with results or a 400 naming the field, never a 500', async () => {
    for (const q of ["karte' or 1=1 --", 'kar:* & !sperren | (', '<script>alert(1)</script>', '=HYPERLINK("x")', '🙂 karte', 'la le de']) {
      const res = await operator.get(`${base(bank)}/search?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
    }
    expect(await titles(bank, "karte' or 1=1 --")).toEqual(['Karte sperren']);
    for (const q of ['karte\u0000', 'x'.repeat(201), ' ']) {
      const res = await operator.get(`${base(bank)}/search?q=${encodeURIComponent(q)}`);
      expect(res.status, JSON.stringify(q)).toBe(400);
      expect(res.body.errors[0].path).toBe('q');
    }
  });
});

describe('synonym groups', () => {
  it('refuses bad groups with a 400 naming the field, and a repeated group with a 409, changing nothing', async () => {
    const before = await snapshotTenant(h.db, bank.id);
    const cases: [unknown, string][] = [
      [{ terms: ['karte\u0000', 'sperren'] }, 'terms.0'],
      [{ terms: ['karte', 'x'.repeat(61)] }, 'terms.1'],
      [{ terms: ['karte', ''] }, 'terms.1'],
      [{ terms: ['karte', '   '] }, 'terms.1'],
      [{ terms: ['=HYPERLINK("http://x")', 'sperren'] }, 'terms.0'],
      [{ terms: ['<b>karte</b>', 'sperren'] }, 'terms.0'],
      [{ terms: ['4111 1111 1111 1111', 'sperren'] }, 'terms.0'],
      [{ terms: ['karte', '4111-1111-1111-1111'] }, 'terms.1'],
      [{ terms: ['4111.1111.1111.1111', 'sperren'] }, 'terms.0'],
      [{ terms: ['+cmd', 'sperren'] }, 'terms.0'],
      [{ terms: ['@SUM', 'sperren'] }, 'terms.0'],
      [{ terms: ['karte'] }, 'terms'],
      [{ terms: Array.from({ length: 21 }, (_, i) => `wort${i}`) }, 'terms'],
      [{ terms: ['Sperren', 'spérren'] }, 'terms.1'],
      [{ terms: 'karte, sperren' }, 'terms'],
      [{}, 'terms'],
    ];
    for (const [body, path] of cases) {
      const res = await bankAdmin.post(`${base(bank)}/synonyms`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.errors.map((e: any) => e.path), JSON.stringify(body)).toContain(path);
    }
    const again = await bankAdmin.post(`${base(bank)}/synonyms`, { terms: ['Sperren', 'VERLOREN', 'gestohlen'] });
    expect(again.status).toBe(409);
    expect(await snapshotTenant(h.db, bank.id)).toEqual(before);
  });

  it('lets client and provider admins add and remove groups; members and operators only read; another tenant gets 404', async () => {
    const before = await snapshotTenant(h.db, bank.id);
    for (const who of [bankMember, operator]) {
      expect((await who.post(`${base(bank)}/synonyms`, { terms: ['Konto', 'Girokonto'] })).status).toBe(403);
    }
    expect(await snapshotTenant(h.db, bank.id)).toEqual(before);

    const added = await provider.post(`${base(bank)}/synonyms`, { terms: ['Konto', 'Girokonto'] });
    expect(added.status).toBe(201);
    // Another tenant's group is not found through this tenant, and is left alone.
    expect((await provider.delete(`${base(otherBank)}/synonyms/${added.body.id}`)).status).toBe(404);
    expect((await operator.delete(`${base(bank)}/synonyms/${added.body.id}`)).status).toBe(403);
    expect((await bankAdmin.delete(`${base(bank)}/synonyms/${added.body.id}`)).status).toBe(204);
    expect((await bankAdmin.delete(`${base(bank)}/synonyms/${added.body.id}`)).status).toBe(404);
    const audit = await h.db.selectFrom('auditLog').select(['action', 'before']).where('tenantId', '=', bank.id).where('action', '=', 'catalog.synonyms_removed').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.before).toMatchObject({ terms: ['Konto', 'Girokonto'] });
  });
});

describe('the query plan (no database)', () => {
  it('corrects a word only when the catalog lacks it, and counts a swap as one edit', () => {
    expect(catalog.editDistance('krate', 'karte')).toBe(1);
    expect(catalog.editDistance('margarita', 'margherita')).toBe(2);
    expect(catalog.allowedEdits('kar')).toBe(0);
    expect(catalog.allowedEdits('karte')).toBe(1);
    expect(catalog.allowedEdits('margarita')).toBe(2);
    const hit = (position: number, word: string, typedFolded: string) => ({ position, word, folded: word, typedFolded });
    const parts = catalog.queryParts(['karten', 'sperrn'], [hit(1, 'karten', 'karten'), hit(1, 'karte', 'karten'), hit(2, 'sperren', 'sperrn')], []);
    expect(parts).toEqual([
      { typed: 'karten', alternatives: [{ phrase: 'karten', typo: false }] },
      { typed: 'sperrn', alternatives: [{ phrase: 'sperrn', typo: false }, { phrase: 'sperren', typo: true }] },
    ]);
  });
});
