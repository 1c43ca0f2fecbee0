import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type Database } from '@switchboard/db';
import { applyDefinitions, applyTenant, exportTenant, loadDemo, parseTenantYaml, tenantToYaml } from './index.ts';

/** The `catalog` section: upserted by SKU / name / title, idempotent, exported back the same, refused with paths. */
const tenantYaml = (catalog: string) => `
tenant:
  slug: gelateria-nice
  name: Gelateria Nice
  legalName: Gelateria Nice SARL
  timeZone: Europe/Paris
  locale: fr-FR
  currency: EUR
${catalog}`;

const withCatalog = tenantYaml(`
catalog:
  items:
    - {sku: CONE-2, kind: product, name: Cornet deux boules, priceMinor: 450, category: Glaces}
    - sku: POT-L
      kind: product
      name: Pot 500 ml
      priceMinor: 900
      options:
        - name: Parfums
          multiple: true
          choices: [{name: Pistache}, {name: Fraise}, {name: Noisette, priceDeltaMinor: 50}]
  tariffs:
    - name: Traiteur
      priceLines: [{label: Bac de 5 litres, priceMinor: 4500, per: once}]
  promotions:
    - {title: Happy hour, validFrom: "2025-06-01", validUntil: "2025-09-30", itemSkus: [POT-L, CONE-2], conditions: De 16h à 18h.}
  articles:
    - {kind: faq, title: Vos glaces sont-elles sans gluten ?, body: "Oui, sauf le cornet.", tags: [allergènes]}
  synonyms:
    - [parfum, goût, saveur]
    - [cornet, cône]
`);

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

async function catalogAudit(slug: string): Promise<string[]> {
  const tenant = await database.db.selectFrom('tenants').select('id').where('slug', '=', slug).executeTakeFirstOrThrow();
  const rows = await database.db.selectFrom('auditLog').select('action').where('tenantId', '=', tenant.id).where('action', 'like', 'catalog.%').execute();
  return rows.map((r) => r.action);
}

describe('the catalog section', () => {
  it('normalizes a file: lists ordered by key, defaults filled, SKUs of a promotion sorted', () => {
    const { catalog } = parseTenantYaml(withCatalog);
    expect(catalog?.items.map((i) => i.sku)).toEqual(['CONE-2', 'POT-L']);
    expect(catalog?.items[0]).toMatchObject({ description: '', available: true, options: [] });
    expect(catalog?.items[1]?.options[0]?.choices[0]).toEqual({ name: 'Pistache', priceDeltaMinor: 0 });
    expect(catalog?.promotions[0]?.itemSkus).toEqual(['CONE-2', 'POT-L']);
  });

  it('refuses a synonym group listed twice (accents and case aside) or holding a bad word, at its path', () => {
    const twice = tenantYaml(`
catalog:
  synonyms:
    - [parfum, goût]
    - [Goût, PARFUM]
    - [cornet, "=cmd()"]
`);
    expect(() => parseTenantYaml(twice)).toThrow(/catalog\.synonyms\[1\].*listed twice/s);
    expect(() => parseTenantYaml(twice)).toThrow(/catalog\.synonyms\[2\]\[1\]/s);
  });

  it('reports every invalid entry at its path', () => {
    const bad = tenantYaml(`
catalog:
  items:
    - {sku: A, kind: product, name: A, priceMinor: -1}
    - {sku: A, kind: product, name: B, priceMinor: 1, currency: EUR}
  promotions:
    - {title: P, validFrom: "2025-06-10", validUntil: "2025-06-01"}
`);
    expect(() => parseTenantYaml(bad)).toThrow(/catalog\.items\[0\]\.priceMinor.*below zero/s);
    expect(() => parseTenantYaml(bad)).toThrow(/catalog\.items\[1\].*currency/s);
    expect(() => parseTenantYaml(bad)).toThrow(/catalog\.items\[1\]\.sku.*listed twice/s);
    expect(() => parseTenantYaml(bad)).toThrow(/catalog\.promotions\[0\]\.validUntil/s);
  });

  it('applies idempotently, exports back the same, and updates only what changed', async () => {
    const definition = parseTenantYaml(withCatalog);
    const first = await applyTenant(database.db, definition);
    expect(first.outcome).toBe('created');
    expect(first.changes.filter((c) => c.startsWith('catalog:'))).toHaveLength(7);
    expect(first.changes).toContain('catalog: added synonyms parfum = goût = saveur');
    expect(await catalogAudit('gelateria-nice')).toHaveLength(7);

    const again = await applyTenant(database.db, definition);
    expect(again.outcome).toBe('unchanged');
    expect(await catalogAudit('gelateria-nice')).toHaveLength(7);

    const exported = await exportTenant(database.db, 'gelateria-nice');
    expect(exported?.catalog).toEqual(definition.catalog);
    expect(parseTenantYaml(tenantToYaml(exported!)).catalog).toEqual(definition.catalog);

    const cheaper = parseTenantYaml(withCatalog.replace('priceMinor: 450', 'priceMinor: 400'));
    const changed = await applyTenant(database.db, cheaper);
    expect(changed.outcome).toBe('updated');
    expect(changed.changes).toEqual(['catalog: item CONE-2 changed (priceMinor)']);
    expect(await catalogAudit('gelateria-nice')).toHaveLength(8);
  });

  it('leaves entries the file does not list alone, and refuses a promotion for an unknown SKU as a whole', async () => {
    const fewer = parseTenantYaml(withCatalog.replace(/    - \{sku: CONE-2.*\n/, '').replace('itemSkus: [POT-L, CONE-2]', 'itemSkus: [POT-L]'));
    const result = await applyTenant(database.db, fewer);
    expect(result.notes).toContain('catalog: item CONE-2 is not in the file; left alone (delete it in the portal).');

    const unknown = parseTenantYaml(withCatalog.replace('itemSkus: [POT-L, CONE-2]', 'itemSkus: [POT-L, NOPE]').replace('priceMinor: 900', 'priceMinor: 950'));
    const refused = await applyTenant(database.db, unknown);
    expect(refused.outcome).toBe('failed');
    expect(refused.errors).toEqual([expect.stringMatching(/^catalog\.promotions\[0\]\.itemSkus\.0: No item has the SKU NOPE/)]);
    const pot = await database.db.selectFrom('catalogItems').select('priceMinor').where('sku', '=', 'POT-L').executeTakeFirstOrThrow();
    expect(pot.priceMinor).toBe(900);
  });

  it('round-trips the demo catalogs', async () => {
    const demo = loadDemo();
    const report = await applyDefinitions(database.db, demo);
    expect(report.ok).toBe(true);
    for (const { definition } of demo.tenants) {
      expect(definition.catalog?.items.length).toBeGreaterThan(0);
      const exported = await exportTenant(database.db, definition.tenant.slug);
      expect(exported?.catalog).toEqual(definition.catalog);
      expect(parseTenantYaml(tenantToYaml(exported!)).catalog).toEqual(definition.catalog);
    }
    const again = await applyDefinitions(database.db, demo);
    expect(again.tenants.flatMap((t) => t.changes)).toEqual([]);
    expect(again.tenants.map((t) => t.outcome)).toEqual(demo.tenants.map(() => 'unchanged'));
  });
});
