import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type Database } from '@switchboard/db';
import { applyTenant, exportTenant, loadDemo, parseTenantYaml, tenantToYaml } from './index.ts';

/** The `wrapUpCodes` and `scripts` sections: published only when they differ, refused with paths, exported back the same. */
const tenantYaml = (greeting: string, disposition = 'order_taken') => `
tenant:
  slug: pizzeria-nice
  name: Pizzeria Nice
  legalName: Pizzeria Nice SARL
  timeZone: Europe/Paris
  locale: fr-FR
  currency: EUR
wrapUpCodes:
  - {code: order_taken, label: Commande prise}
  - {code: info_given, label: Renseignement donné, active: false}
scripts:
  order_taking:
    steps:
      - {id: greet, type: say, text: "${greeting}", next: items}
      - {id: items, type: ask, text: Qu'est-ce que je vous sers ?, answer: {type: text}, next: save}
      - id: save
        type: capture
        captures: [{target: order.items, from: items}]
        next: done
      - {id: done, type: end, disposition: ${disposition}}
`;

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

const versions = () => database.db.selectFrom('scriptVersions').select(['version', 'body']).orderBy('version').execute();
const auditCount = async () => (await database.db.selectFrom('auditLog').select('id').execute()).length;

describe('scripts in tenant files', () => {
  it('creates the codes and publishes version 1', async () => {
    const result = await applyTenant(database.db, parseTenantYaml(tenantYaml('{{tenant.greeting}}')));
    expect(result.outcome).toBe('created');
    expect(result.changes).toEqual(expect.arrayContaining(['wrapUpCodes: added order_taken', 'scripts: order_taking published as version 1']));
    expect((await versions()).map((v) => v.version)).toEqual([1]);
  });

  it('changes nothing when applied again (no version, no audit row)', async () => {
    const before = await auditCount();
    const again = await applyTenant(database.db, parseTenantYaml(tenantYaml('{{tenant.greeting}}')));
    expect(again.outcome).toBe('unchanged');
    expect(await auditCount()).toBe(before);
    expect(await versions()).toHaveLength(1);
  });

  it('publishes version 2 when the script differs', async () => {
    const result = await applyTenant(database.db, parseTenantYaml(tenantYaml('{{tenant.greeting}} Que puis-je pour vous ?')));
    expect(result).toMatchObject({ outcome: 'updated', fields: ['scripts'], changes: ['scripts: order_taking published as version 2'] });
    expect((await versions()).map((v) => v.version)).toEqual([1, 2]);
  });

  it('refuses an invalid script with its path and applies nothing of the file', async () => {
    const result = await applyTenant(database.db, parseTenantYaml(tenantYaml('{{tenant.greeting}} Changed', 'info_given')));
    expect(result.outcome).toBe('failed');
    expect(result.errors).toEqual(["scripts.order_taking.steps[3].disposition: Wrap-up code 'info_given' is retired; choose an active one."]);
    expect(await versions()).toHaveLength(2);
  });

  it('round-trips: export → YAML → parse equals the file, and applying the export changes nothing', async () => {
    const exported = await exportTenant(database.db, 'pizzeria-nice');
    const text = tenantToYaml(exported!);
    const parsed = parseTenantYaml(text, 'export.yaml');
    const file = parseTenantYaml(tenantYaml('{{tenant.greeting}} Que puis-je pour vous ?'));
    expect(parsed.wrapUpCodes).toEqual(file.wrapUpCodes);
    expect(parsed.scripts).toEqual(file.scripts);
    expect((await applyTenant(database.db, parsed)).outcome).toBe('unchanged');
  });

  it('ships scripts for each demo tenant (demo.test.ts applies them, so they pass the publishing check)', () => {
    const scripts = loadDemo().tenants.map((t) => [t.definition.tenant.slug, Object.keys(t.definition.scripts ?? {}).sort()]);
    expect(Object.fromEntries(scripts)).toEqual({
      'banque-horizon': ['complaints', 'information', 'lead_qualification'],
      'pizza-napoli': ['information', 'order_taking', 'telesales'],
      telenova: ['information', 'outbound_info', 'surveys', 'telesales'],
    });
  });
});
