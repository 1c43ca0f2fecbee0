import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, withTenant, type Database } from '@switchboard/db';
import { callHandling } from '@switchboard/api';
import { applyDefinitions, applyTenant, exportTenant, loadDemo, parseTenantYaml, tenantToYaml } from './index.ts';
import { DefinitionErrors } from './load.ts';

/** The brand colour, operators' routing profiles and agreements, and the `callHandling` section. */
const tenantYaml = (extra: string, slug = 'taxi-lille') => `
tenant:
  slug: ${slug}
  name: Taxi ${slug}
  legalName: Taxi ${slug} SARL
  timeZone: Europe/Paris
  locale: fr-FR
  currency: EUR
${extra}`;

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

const tenantIdOf = async (slug: string) => (await database.db.selectFrom('tenants').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id;

describe('the demo tenants', () => {
  it('apply with distinct colours, numbers for every delegated function, settings, routing and agreements', async () => {
    const report = await applyDefinitions(database.db, loadDemo());
    expect(report.ok).toBe(true);
    const tenants = await database.db.selectFrom('tenants').select(['slug', 'brandColor']).orderBy('slug').execute();
    expect(new Set(tenants.map((t) => t.brandColor)).size).toBe(3);

    for (const { definition } of loadDemo().tenants) {
      const id = await tenantIdOf(definition.tenant.slug);
      const { numbers, settings, assignments } = await withTenant(database.db, id, async (tx) => ({
        numbers: await callHandling.listPhoneNumbers(tx),
        settings: await callHandling.loadCallSettings(tx),
        assignments: await tx.selectFrom('operatorAssignments').select(['skills', 'routing', 'confidentialityAgreementSignedAt']).execute(),
      }));
      const delegated = Object.entries(definition.delegations ?? {}).filter(([, d]) => d?.delegated).map(([fn]) => fn);
      expect(delegated.length).toBeGreaterThan(0);
      for (const fn of delegated) expect(numbers.map((n) => n.function), `${definition.tenant.slug} ${fn}`).toContain(fn);
      // Every delegated function is served by some operator, so simulated calls get answered.
      for (const fn of delegated) expect(assignments.some((a) => a.skills.includes(fn)), `${definition.tenant.slug} ${fn} has an operator`).toBe(true);
      const prefix = { 'pizza-napoli': '+33', 'banque-horizon': '+49', telenova: '+7' }[definition.tenant.slug]!;
      for (const n of numbers) expect(n.number.startsWith(prefix)).toBe(true);
      expect(settings.updatedAt).not.toBeNull();
      expect(settings.settings).toEqual(definition.callHandling!.settings);
      expect(assignments.some((a) => Object.keys(a.routing as object).length > 0)).toBe(true);
      if (definition.rules?.requiresConfidentialityAgreement) {
        for (const a of assignments) expect(a.confidentialityAgreementSignedAt).not.toBeNull();
      }
    }
  });

  it('apply again unchanged, and export exactly as the files say', async () => {
    const again = await applyDefinitions(database.db, loadDemo());
    expect(again.tenants.map((t) => [t.slug, t.outcome, t.changes])).toEqual(again.tenants.map((t) => [t.slug, 'unchanged', []]));
    for (const { definition } of loadDemo().tenants) {
      const exported = await exportTenant(database.db, definition.tenant.slug);
      expect(exported?.tenant.brandColor).toBe(definition.tenant.brandColor);
      expect(exported?.operators).toEqual(definition.operators);
      expect(exported?.callHandling).toEqual(definition.callHandling);
      expect(parseTenantYaml(tenantToYaml(exported!))).toEqual(exported);
    }
  });
});

describe('callHandling section', () => {
  it('makes the numbers exactly the file’s, and says what changed', async () => {
    const first = await applyTenant(
      database.db,
      parseTenantYaml(
        tenantYaml(`
callHandling:
  numbers:
    - {number: "+33320123456", function: information, label: Standard}
    - {number: "+33320123457", function: order_taking}
`),
      ),
    );
    expect(first.outcome).toBe('created');
    const second = await applyTenant(
      database.db,
      parseTenantYaml(
        tenantYaml(`
callHandling:
  numbers:
    - {number: "+33 3 20 12 34 57", function: information, label: Réservations}
    - {number: "+33320123458", function: order_taking}
`),
      ),
    );
    expect(second.outcome).toBe('updated');
    expect(second.changes).toEqual([
      'callHandling.numbers: +33320123456 removed',
      'callHandling.numbers: +33320123457 changed (information, "Réservations")',
      'callHandling.numbers: +33320123458 added (order_taking)',
    ]);
    const exported = await exportTenant(database.db, 'taxi-lille');
    expect(exported?.callHandling).toEqual({
      numbers: [
        { number: '+33320123457', function: 'information', label: 'Réservations' },
        { number: '+33320123458', function: 'order_taking', label: '' },
      ],
    });
    // No settings were saved, so none are exported (applying the export keeps the defaults).
    expect(exported?.callHandling?.settings).toBeUndefined();
  });

  it('refuses a number another tenant holds, without naming the tenant, and applies nothing', async () => {
    const result = await applyTenant(
      database.db,
      parseTenantYaml(
        tenantYaml(
          `
callHandling:
  settings: {wrapUpSeconds: 90}
  numbers:
    - {number: "+33142868201", function: information}
`,
          'taxi-roubaix',
        ),
      ),
    );
    expect(result.outcome).toBe('failed');
    expect(result.errors).toEqual(['callHandling.numbers: +33142868201 already answers for another client company.']);
    expect(result.errors.join(' ')).not.toContain('pizza');
    expect(await database.db.selectFrom('tenants').select('id').where('slug', '=', 'taxi-roubaix').executeTakeFirst()).toBeUndefined();
  });

  it('reports bad numbers, settings and routing with their paths', () => {
    const attempt = () =>
      parseTenantYaml(
        tenantYaml(`
operators:
  - email: op@provider.test
    skills: [information]
    routing:
      telesales: {priority: 1}
      information: {priority: 12, delaySeconds: -1}
callHandling:
  settings: {offerTimeoutSeconds: 2, complaintDueDays: {low: 2, critical: 5}}
  numbers:
    - {number: "+3314286820", function: information}
    - {number: "+33320123459", function: repairs}
    - {number: "+33320123460", function: information}
    - {number: "+33 3 20 12 34 60", function: information}
`),
        'bad.yaml',
      );
    expect(attempt).toThrow(DefinitionErrors);
    const errors = (() => {
      try {
        attempt();
        return [];
      } catch (error) {
        return (error as DefinitionErrors).errors.map((e) => e.path);
      }
    })();
    expect(errors).toEqual(
      expect.arrayContaining([
        'operators[0].routing.telesales',
        'operators[0].routing.information.priority',
        'operators[0].routing.information.delaySeconds',
        'callHandling.settings.offerTimeoutSeconds',
        'callHandling.settings.complaintDueDays.critical',
        'callHandling.numbers[0].number',
        'callHandling.numbers[1].function',
      ]),
    );
    // A number listed twice (however it is written) is reported at its repeat.
    expect(() =>
      parseTenantYaml(
        tenantYaml(`
callHandling:
  numbers:
    - {number: "+33320123460", function: information}
    - {number: "+33 3 20 12 34 60", function: order_taking}
`),
      ),
    ).toThrow('callHandling.numbers[1].number: +33320123460 is already listed at numbers[0].');
  });
});
