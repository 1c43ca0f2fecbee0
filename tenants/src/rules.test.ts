import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, withTenant, type Database } from '@switchboard/db';
import { loadRules } from '@switchboard/api';
import { applyDefinitions, applyTenant, exportTenant, loadDemo, parseTenantYaml, tenantToYaml } from './index.ts';

/** The `rules` section: applied as a whole and idempotently, exported back the same, left alone when absent. */
const tenantYaml = (rules: string) => `
tenant:
  slug: clinique-lyon
  name: Clinique Lyon
  legalName: Clinique Lyon SAS
  timeZone: Europe/Paris
  locale: fr-FR
  currency: EUR
${rules}`;

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

describe('rules section', () => {
  it('applies the rules, idempotently, and leaves them alone when the section is absent', async () => {
    const file = parseTenantYaml(
      tenantYaml(`
rules:
  classification: {customer.email: sensitive}
  operatorVisibility: hidden
  recordingPolicy: never
  ipAllowList: [203.0.113.7/24]
`),
    );
    const first = await applyTenant(database.db, file);
    expect(first.outcome).toBe('created');
    expect(first.changes).toEqual(expect.arrayContaining(['rules: operatorVisibility: "masked" → "hidden"', 'rules: classification changed']));
    const tenantId = (await database.db.selectFrom('tenants').select('id').where('slug', '=', 'clinique-lyon').executeTakeFirstOrThrow()).id;
    const saved = await withTenant(database.db, tenantId, (tx) => loadRules(tx));
    expect(saved).toMatchObject({ operatorVisibility: 'hidden', recordingPolicy: 'never', ipAllowList: ['203.0.113.0/24'] });
    expect(saved.classification['customer.email']).toBe('sensitive');

    expect(await applyTenant(database.db, file)).toMatchObject({ outcome: 'unchanged', changes: [] });
    expect(await applyTenant(database.db, parseTenantYaml(tenantYaml('')))).toMatchObject({ outcome: 'unchanged', changes: [] });
    expect(await withTenant(database.db, tenantId, (tx) => loadRules(tx))).toEqual(saved);
  });

  it('reports bad rules with their path', () => {
    expect(() => parseTenantYaml(tenantYaml(`
rules:
  operatorVisibility: blurred
  exportFields: [customer.card_number]
  ipAllowList: [nowhere]
`))).toThrow(/rules\.operatorVisibility[\s\S]*rules\.ipAllowList\[0\]/);
  });

  it('round-trips the demo tenants with their rules', async () => {
    const demo = loadDemo();
    expect((await applyDefinitions(database.db, demo)).ok).toBe(true);
    for (const { definition } of demo.tenants) {
      expect(definition.rules).toBeDefined();
      const exported = await exportTenant(database.db, definition.tenant.slug);
      expect(exported?.rules).toEqual(definition.rules);
      expect(parseTenantYaml(tenantToYaml(exported!)).rules).toEqual(definition.rules);
    }
    const banque = await exportTenant(database.db, 'banque-horizon');
    expect(banque?.rules).toMatchObject({ operatorVisibility: 'last_four', recordingPolicy: 'paused_for_payment', requiresConfidentialityAgreement: true, greetingText: 'Banque Horizon, guten Tag!' });
    const again = await applyDefinitions(database.db, demo);
    expect(again.tenants.map((t) => [t.outcome, t.changes])).toEqual(demo.tenants.map(() => ['unchanged', []]));
  });
});
