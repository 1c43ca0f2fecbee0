import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type Database } from '@switchboard/db';
import { loadPrices, utcDay } from '@switchboard/api';
import { applyDefinitions, applyTenant, exportTenant, loadDemo, parseTenantYaml, tenantToYaml } from './index.ts';

/** The `delegations` section (after hours and scripts, so their requirements hold) and the provider's `prices`. */
const tenantYaml = (rest: string) => `
tenant:
  slug: osteria-nice
  name: Osteria Nice
  legalName: Osteria Nice SARL
  timeZone: Europe/Paris
  locale: fr-FR
  currency: EUR
${rest}`;

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

describe('the delegations section of a tenant file', () => {
  it('refuses the whole tenant when a delegated function lacks its script and hours, listing each with its path', async () => {
    const result = await applyTenant(
      database.db,
      parseTenantYaml(tenantYaml(`
delegations:
  order_taking: {delegated: true, expectedMonthlyVolume: 100}
  complaints: {delegated: false, inHouse: "01 23"}
`)),
    );
    expect(result.outcome).toBe('failed');
    expect(result.errors).toEqual([
      'delegations.order_taking.delegated: Publish an order taking script first.',
      'delegations.order_taking.delegated: Set hours for order taking first.',
      'delegations.complaints.inHouse: Enter a phone number in international format (E.164), such as +33142868200, or an email address.',
    ]);
    expect(await database.db.selectFrom('tenants').select('id').where('slug', '=', 'osteria-nice').execute()).toEqual([]);
  });

  it('applies the demo provider prices and delegations, idempotently, and exports them back', async () => {
    const demo = loadDemo();
    const report = await applyDefinitions(database.db, demo);
    expect(report.ok, JSON.stringify(report.tenants.map((t) => t.errors))).toBe(true);
    expect(report.provider?.prices).toBe('changed');
    // Per function a minute price and a unit price, in EUR and RUB (the monthly fees are not per function), and telesales' sale in both.
    expect((await loadPrices(database.db, utcDay(new Date()))).length).toBe(34);
    const pizza = report.tenants.find((t) => t.slug === 'pizza-napoli')!;
    expect(pizza.changes).toEqual(
      expect.arrayContaining([
        'delegations: complaints in-house (+33142868200), 0/month',
        'delegations: order_taking delegated, 3000/month',
      ]),
    );
    for (const { definition } of demo.tenants) {
      const exported = await exportTenant(database.db, definition.tenant.slug);
      expect(exported?.delegations).toEqual(definition.delegations);
      expect(parseTenantYaml(tenantToYaml(exported!))).toEqual(exported);
    }
    const again = await applyDefinitions(database.db, demo);
    expect(again.provider?.prices).toBe('unchanged');
    expect(again.tenants.map((t) => [t.outcome, t.changes])).toEqual(demo.tenants.map(() => ['unchanged', []]));
  });
});
