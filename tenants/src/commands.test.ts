import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoDir, loadDemo, parseTenantYaml } from './index.ts';
import { commandEnv, runTs } from './test-support/run.ts';

// The commands as people run them, each in a process of its own, on an embedded database on disk.
let work: string;
let dataDir: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'switchboard-commands-'));
  dataDir = join(work, 'pglite');
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

const apply = (target: string) => runTs('scripts/src/tenants-apply.ts', [target], commandEnv(dataDir));
const exportTenant = (...args: string[]) => runTs('scripts/src/tenants-export.ts', args, commandEnv(dataDir));

describe('pnpm tenants:apply and tenants:export', () => {
  it('prints file, line, path and message for an invalid definition, exits 1 and applies nothing', async () => {
    const folder = join(work, 'invalid');
    mkdirSync(folder);
    writeFileSync(join(folder, 'good.yaml'), readFileSync(join(demoDir, 'pizza-napoli.yaml'), 'utf8'));
    writeFileSync(join(folder, 'bad.yaml'), 'tenant:\n  slug: fleurs-lyon\n  name: Fleurs\n  legalName: Fleurs SARL\n  timeZone: Paris\n  locale: fr-FR\n  currency: EUR\n');
    const result = await apply(folder);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`${join(folder, 'bad.yaml')}:5:3: tenant.timeZone: Use an IANA time zone such as Europe/Paris.`);
    expect(result.stderr).toContain('1 problem found; nothing was applied.');
    expect(result.stdout).not.toContain('created');
    // It stopped before opening the database at all.
    expect(existsSync(dataDir)).toBe(false);
  }, 60_000);

  it('applies the demo folder, then says everything is unchanged', async () => {
    const first = await apply('tenants/demo');
    // stderr only tells of the migration a new database gets; stdout carries the report.
    expect(first.stderr.trim()).toMatch(/^(Migrated .*: 0001_foundation.*)?$/);
    expect(first.code).toBe(0);
    for (const slug of ['banque-horizon', 'pizza-napoli', 'telenova']) expect(first.stdout).toContain(`${slug} (tenants/demo/${slug}.yaml): created`);
    expect(first.stdout).toMatch(/provider staff \(tenants\/demo\/provider\.yaml\): created admin@switchboard\.test \(provider_admin\)/);
    expect(first.stdout.match(/password for \S+ \(\w+\): [a-z0-9]{5}-[a-z0-9]{5}-[a-z0-9]{5}-[a-z0-9]{5}/g)).toHaveLength(18); // 14 provider staff (10 of them demo-floor bots) and 4 client users
    expect(first.stdout).toContain('3 tenants: 3 created, 0 updated, 0 unchanged, 0 failed.');

    const second = await apply('tenants/demo');
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(
      [
        'provider staff (tenants/demo/provider.yaml): unchanged',
        'banque-horizon (tenants/demo/banque-horizon.yaml): unchanged',
        'pizza-napoli (tenants/demo/pizza-napoli.yaml): unchanged',
        'telenova (tenants/demo/telenova.yaml): unchanged',
        '',
        '3 tenants: 0 created, 0 updated, 3 unchanged, 0 failed.',
        '',
      ].join('\n'),
    );
  }, 120_000);

  it('exports a tenant to stdout or a file, and the edited export applies as an update', async () => {
    const demo = loadDemo().tenants.find((t) => t.definition.tenant.slug === 'pizza-napoli')!.definition;
    const printed = await exportTenant('pizza-napoli');
    expect(printed.code).toBe(0);
    expect(parseTenantYaml(printed.stdout)).toEqual({ ...demo, tenant: { ...demo.tenant, status: 'active' } });

    const out = join(work, 'pizza.yaml');
    const written = await exportTenant('pizza-napoli', '--out', out);
    expect(written.code).toBe(0);
    expect(written.stdout).toBe('');
    expect(readFileSync(out, 'utf8')).toBe(printed.stdout);

    writeFileSync(out, printed.stdout.replace('legalName: Pizza Napoli SAS', 'legalName: Pizza Napoli Groupe SAS'));
    const updated = await apply(out);
    expect(updated.code).toBe(0);
    expect(updated.stdout).toContain('pizza-napoli');
    expect(updated.stdout).toContain(': updated (legalName)\n    legalName: "Pizza Napoli SAS" → "Pizza Napoli Groupe SAS"');

    const missing = await exportTenant('no-such-tenant');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('No tenant has the slug "no-such-tenant".');
  }, 120_000);

  it('refuses a tenant whose operator does not exist and exits 1', async () => {
    const file = join(work, 'ghost.yaml');
    writeFileSync(
      file,
      'tenant:\n  slug: ghost-co\n  name: Ghost Co\n  legalName: Ghost Co Ltd\n  timeZone: Europe/London\n  locale: en-GB\n  currency: GBP\n' +
        'clientUsers:\n  - {email: admin@ghost-co.test, displayName: Casper, role: client_admin}\n' +
        'operators:\n  - {email: operator9@switchboard.test, skills: [information]}\n',
    );
    const result = await apply(file);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('ghost-co');
    expect(result.stdout).toContain(': FAILED, nothing applied for this tenant');
    expect(result.stdout).toContain('operators: operator9@switchboard.test is not a provider staff account');
    expect(result.stdout).not.toContain('password for');
    expect(result.stdout).toContain('1 tenant: 0 created, 0 updated, 0 unchanged, 1 failed.');
  }, 120_000);
});
