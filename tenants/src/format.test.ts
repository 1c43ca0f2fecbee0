import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DefinitionErrors,
  demoDir,
  formatDefinitionError,
  loadDefinitions,
  parseDefinitionFile,
  parseProviderYaml,
  parseTenantYaml,
  type DefinitionError,
} from './index.ts';

const valid = `tenant:
  slug: fleurs-lyon
  name: Fleurs de Lyon
  legalName: Fleurs de Lyon SARL
  timeZone: Europe/Paris
  locale: fr-FR
  currency: EUR
`;

function errorsOf(text: string, file = 'test.yaml'): Omit<DefinitionError, 'file'>[] {
  const { parsed, errors } = parseDefinitionFile(text, file);
  expect(parsed).toBeNull();
  expect(errors.every((e) => e.file === file)).toBe(true);
  return errors.map(({ file: _file, ...rest }) => rest);
}

describe('parsing a tenant file', () => {
  it('normalizes: emails lower-cased, lists ordered by email, skills de-duplicated and sorted, missing lists empty', () => {
    const definition = parseTenantYaml(`${valid}
operators:
  - email: Zed@Provider.test
    skills: [surveys, complaints, surveys]
  - email: amy@provider.test
    skills: []
`);
    expect(definition).toEqual({
      tenant: { slug: 'fleurs-lyon', name: 'Fleurs de Lyon', legalName: 'Fleurs de Lyon SARL', timeZone: 'Europe/Paris', locale: 'fr-FR', currency: 'EUR' },
      clientUsers: [],
      operators: [
        { email: 'amy@provider.test', skills: [] },
        { email: 'zed@provider.test', skills: ['complaints', 'surveys'] },
      ],
    });
  });

  it('reports every invalid field with its path and line', () => {
    const errors = errorsOf(`tenant:
  slug: Fleurs Lyon
  name: ""
  timeZone: Europe/Lyon
  locale: fr-FR
  currency: eur
  colour: pink
clientUsers:
  - email: not-an-email
    displayName: Claire Martin
    role: owner
operators:
  - email: op@provider.test
    skills: [Order Taking]
shifts: {}
`);
    expect(errors).toEqual([
      { path: 'tenant.slug', line: 2, column: 3, message: 'Use 1–40 lowercase letters, digits and inner hyphens.' },
      { path: 'tenant.name', line: 3, column: 3, message: 'Enter the company name.' },
      { path: 'tenant.legalName', line: 1, column: 1, message: 'Required.' },
      { path: 'tenant.timeZone', line: 4, column: 3, message: 'Use an IANA time zone such as Europe/Paris.' },
      { path: 'tenant.currency', line: 6, column: 3, message: 'Use an ISO 4217 currency code such as EUR.' },
      { path: 'tenant.colour', line: 7, column: 3, message: 'Unknown field.' },
      { path: 'clientUsers[0].email', line: 9, column: 5, message: 'Enter a valid email address.' },
      { path: 'clientUsers[0].role', line: 11, column: 5, message: expect.stringContaining('client_admin') },
      { path: 'operators[0].skills[0]', line: 14, column: 14, message: 'Use lowercase letters, digits, - and _ (up to 40).' },
      { path: 'shifts', line: 15, column: 1, message: expect.stringMatching(/^Unknown field \(a tenant file has tenant, clientUsers, operators, .*hours.*\)\.$/) },
    ]);
  });

  it('refuses the same email twice in a list, pointing at the repeat', () => {
    expect(
      errorsOf(`${valid}clientUsers:
  - {email: claire@fleurs-lyon.test, displayName: Claire, role: client_admin}
  - {email: Claire@Fleurs-Lyon.test, displayName: Claire again, role: client_member}
`),
    ).toEqual([{ path: 'clientUsers[1].email', line: 10, column: 6, message: 'claire@fleurs-lyon.test is already listed at clientUsers[0].' }]);
  });

  it('reports YAML syntax errors and files that are not definitions', () => {
    expect(errorsOf('tenant:\n  slug: [a\n')).toEqual([
      { path: '', line: expect.any(Number), column: expect.any(Number), message: expect.stringMatching(/^Not valid YAML: /) },
    ]);
    expect(errorsOf(`${valid}tenant: {}\n`)).toEqual([
      { path: '', line: 8, column: 1, message: 'Not valid YAML: Map keys must be unique' },
    ]);
    expect(errorsOf('')).toEqual([
      { path: '', message: 'Expected a tenant file (with a `tenant:` section) or a provider file (with a `staff:` section).' },
    ]);
    expect(errorsOf('- just\n- a list\n')).toHaveLength(1);
  });

  it('throws DefinitionErrors that print as file:line:column: path: message', () => {
    let thrown: unknown;
    try {
      parseTenantYaml(valid.replace('EUR', 'EURO'), 'tenants/fleurs.yaml');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DefinitionErrors);
    expect((thrown as DefinitionErrors).message).toBe('tenants/fleurs.yaml:7:3: tenant.currency: Use an ISO 4217 currency code such as EUR.');
    expect(() => parseTenantYaml('staff: []\n')).toThrow(/Expected a tenant file/);
    expect(formatDefinitionError({ file: 'a.yaml', path: '', message: 'Empty.' })).toBe('a.yaml: Empty.');
  });
});

describe('parsing a provider file', () => {
  it('validates staff kinds and normalizes emails', () => {
    expect(parseProviderYaml('staff:\n  - {email: B@x.test, displayName: B, kind: operator}\n  - {email: a@x.test, displayName: A, kind: supervisor}\n')).toEqual({
      staff: [
        { email: 'a@x.test', displayName: 'A', kind: 'supervisor' },
        { email: 'b@x.test', displayName: 'B', kind: 'operator' },
      ],
    });
    expect(errorsOf('staff:\n  - {email: a@x.test, displayName: A, kind: client_admin}\n')).toEqual([
      { path: 'staff[0].kind', line: 2, column: 39, message: expect.stringContaining('provider_admin') },
    ]);
  });
});

describe('loading a folder', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('loads the demo: one provider file and the three demo tenants', () => {
    const loaded = loadDefinitions(demoDir);
    expect(loaded.errors).toEqual([]);
    expect(loaded.provider?.definition.staff.map((s) => s.email).sort()).toEqual(
      ['admin@switchboard.test', ...Array.from({ length: 10 }, (_, i) => `floor-bot-${i + 1}@switchboard.test`), 'operator1@switchboard.test', 'operator2@switchboard.test', 'supervisor@switchboard.test'].sort(),
    );
    expect(loaded.tenants.map((t) => [t.definition.tenant.slug, t.definition.tenant.timeZone, t.definition.tenant.locale, t.definition.tenant.currency])).toEqual([
      ['banque-horizon', 'Europe/Berlin', 'de-DE', 'EUR'],
      ['pizza-napoli', 'Europe/Paris', 'fr-FR', 'EUR'],
      ['telenova', 'Europe/Moscow', 'ru-RU', 'RUB'],
    ]);
  });

  it('reports problems across files: a slug twice, a client user in two tenants, a second provider file, an invalid file', () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-load-'));
    const user = (email: string) => `clientUsers:\n  - {email: ${email}, displayName: Someone, role: client_admin}\n`;
    writeFileSync(join(dir, 'a.yaml'), valid + user('shared@example.test'));
    writeFileSync(join(dir, 'b.yaml'), valid);
    writeFileSync(join(dir, 'c.yml'), valid.replace('fleurs-lyon', 'fleurs-nice') + user('shared@example.test'));
    writeFileSync(join(dir, 'd.yaml'), valid.replace('Europe/Paris', 'Paris'));
    writeFileSync(join(dir, 'p1.yaml'), 'staff: []\n');
    writeFileSync(join(dir, 'p2.yaml'), 'staff: []\n');
    writeFileSync(join(dir, 'notes.txt'), 'not a definition');
    const { errors, tenants } = loadDefinitions(dir);
    const shortened = errors.map((e) => `${e.file.split('/').pop()} ${e.path} ${e.message}`);
    expect(shortened).toEqual([
      'd.yaml tenant.timeZone Use an IANA time zone such as Europe/Paris.',
      expect.stringMatching(/^p2\.yaml {2}Only one provider file per folder; .*p1\.yaml is one already\.$/),
      expect.stringMatching(/^b\.yaml tenant\.slug fleurs-lyon is already defined in .*a\.yaml\.$/),
      'c.yml clientUsers shared@example.test is a client user of fleurs-lyon already; a client user belongs to one tenant.',
    ]);
    expect(tenants).toHaveLength(3);
  });

  it('reports a folder without definitions and a path that does not exist', () => {
    dir = mkdtempSync(join(tmpdir(), 'switchboard-load-'));
    expect(loadDefinitions(dir).errors.map((e) => e.message)).toEqual(['The folder holds no .yaml files.']);
    expect(loadDefinitions(join(dir, 'missing.yaml')).errors[0]?.message).toMatch(/^Cannot read: /);
  });
});
