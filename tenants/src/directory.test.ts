import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, withTenant, type Database } from '@switchboard/db';
import { listDirectory } from '@switchboard/api';
import { applyDefinitions, applyTenant, exportTenant, loadDemo, parseTenantYaml, tenantToYaml } from './index.ts';
import { DefinitionErrors } from './load.ts';

/** The `directory` section: the client's own lines, upserted by name, exported back, named by scripts. */
const tenantYaml = (extra: string, slug = 'bank-koeln') => `
tenant:
  slug: ${slug}
  name: Bank ${slug}
  legalName: Bank ${slug} AG
  timeZone: Europe/Berlin
  locale: de-DE
  currency: EUR
${extra}`;

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

const directoryOf = async (slug: string) => {
  const { id } = await database.db.selectFrom('tenants').select('id').where('slug', '=', slug).executeTakeFirstOrThrow();
  return withTenant(database.db, id, (tx) => listDirectory(tx));
};

describe('the directory section of a tenant file', () => {
  it("adds entries with numbers read in the tenant's country, applies again unchanged, and leaves entries it does not list alone", async () => {
    const file = parseTenantYaml(
      tenantYaml(`
directory:
  - {name: Filiale Süd, phone: "0221 1234567", sortOrder: 20}
  - {name: Fraud desk, phone: "+49 69 907012399", description: Stolen cards, reachable: Round the clock, sortOrder: 10}
`),
    );
    // Parsing orders entries as export writes them: sort order, then name.
    expect(file.directory?.map((e) => e.name)).toEqual(['Fraud desk', 'Filiale Süd']);
    const first = await applyTenant(database.db, file);
    expect(first.outcome, first.errors.join('\n')).toBe('created');
    expect(first.changes).toEqual(expect.arrayContaining(['directory: added Fraud desk', 'directory: added Filiale Süd']));
    expect((await directoryOf('bank-koeln')).map((e) => [e.name, e.phone, e.active])).toEqual([
      ['Fraud desk', '+4969907012399', true],
      ['Filiale Süd', '+492211234567', true],
    ]);
    expect((await applyTenant(database.db, file)).outcome).toBe('unchanged');

    const changed = await applyTenant(database.db, parseTenantYaml(tenantYaml(`
directory:
  - {name: FRAUD DESK, phone: "+4969907012399", reachable: Mon–Fri 08:00–20:00, active: false, sortOrder: 10}
`)));
    expect(changed.changes).toEqual(['directory: FRAUD DESK changed']);
    expect(changed.notes).toContain('directory: Filiale Süd is not in the file; left alone (remove it in the portal).');
    expect((await directoryOf('bank-koeln')).find((e) => e.sortOrder === 10)).toMatchObject({ name: 'FRAUD DESK', active: false, description: null, reachable: 'Mon–Fri 08:00–20:00' });
  });

  it('refuses a file with a repeated name, a bad number or a formula for a name, naming each; and a script naming no active entry', async () => {
    expect(() =>
      parseTenantYaml(tenantYaml(`
directory:
  - {name: Fraud desk, phone: "+4969907012399"}
  - {name: fraud desk, phone: "+4969907012300"}
  - {name: "=1+1", phone: "+4969907012301"}
`)),
    ).toThrow(DefinitionErrors);
    const badNumber = await applyTenant(database.db, parseTenantYaml(tenantYaml(`
directory:
  - {name: Fraud desk, phone: "12"}
`, 'bank-bonn')));
    expect(badNumber.outcome).toBe('failed');
    expect(badNumber.errors).toEqual([expect.stringMatching(/^directory\[0\]\.phone: /)]);

    const script = (entry: string) => `
wrapUpCodes:
  - {code: info_given, label: Info given}
scripts:
  information:
    steps:
      - {id: start, type: say, text: "{{tenant.greeting}}", next: fraud}
      - {id: fraud, type: transfer, to: {kind: directory, entry: ${entry}}}
directory:
  - {name: Fraud desk, phone: "+4969907012399"}
  - {name: Old desk, phone: "+4969907012300", active: false}
`;
    const unknown = await applyTenant(database.db, parseTenantYaml(tenantYaml(script('Old desk'), 'bank-essen')));
    expect(unknown.errors).toEqual(["scripts.information.steps[1].to.entry: 'Old desk' is not an active entry of the directory."]);
    const named = await applyTenant(database.db, parseTenantYaml(tenantYaml(script('fraud desk'), 'bank-essen')));
    expect(named.outcome, named.errors.join('\n')).toBe('created');
  });

  it("the demo tenants' directories apply, export exactly as the files say, and the bank's fraud step names its entry", async () => {
    const demo = loadDemo();
    const report = await applyDefinitions(database.db, demo);
    expect(report.ok, JSON.stringify(report.tenants.map((t) => t.errors))).toBe(true);
    for (const { definition } of demo.tenants) {
      expect(definition.directory?.length, definition.tenant.slug).toBeGreaterThanOrEqual(2);
      const exported = await exportTenant(database.db, definition.tenant.slug);
      expect(exported?.directory).toEqual(definition.directory);
      expect(parseTenantYaml(tenantToYaml(exported!))).toEqual(exported);
    }
    const bank = demo.tenants.find((t) => t.definition.tenant.slug === 'banque-horizon')!.definition;
    const fraudStep = bank.scripts?.information?.steps.find((s) => s.type === 'transfer' && s.to.kind === 'directory');
    expect(fraudStep).toMatchObject({ to: { kind: 'directory', entry: 'Betrugsabteilung' } });
    expect(bank.directory?.find((e) => e.name === 'Betrugsabteilung')).toMatchObject({ phone: '+4969907012399', active: true });
  });
});
