import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type Database } from '@switchboard/db';
import { verifyPassword } from '@switchboard/api';
import {
  applyDefinitions,
  applyProvider,
  applyTenant,
  exportTenant,
  formatApplyReport,
  loadDefinitionsOrThrow,
  parseProviderYaml,
  parseTenantYaml,
  tenantToYaml,
} from './index.ts';

const providerYaml = `
staff:
  - email: Op.Alpha@Provider.test
    displayName: Alpha Operator
    kind: operator
  - email: op.beta@provider.test
    displayName: Beta Operator
    kind: operator
  - email: lead@provider.test
    displayName: Team Lead
    kind: supervisor
`;

const fleursYaml = `
tenant:
  slug: fleurs-lyon
  name: Fleurs de Lyon
  legalName: Fleurs de Lyon SARL
  timeZone: Europe/Paris
  locale: fr-FR
  currency: EUR
  status: active
clientUsers:
  - email: owner@fleurs-lyon.test
    displayName: Claire Martin
    role: client_admin
  - email: clerk@fleurs-lyon.test
    displayName: Paul Girard
    role: client_member
operators:
  - email: op.alpha@provider.test
    skills: [order_taking, information, order_taking]
`;

let database: Database;

async function count(table: 'auditLog' | 'platformAuditLog' | 'users' | 'tenants' | 'tenantMembers' | 'operatorAssignments'): Promise<number> {
  const row = await database.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

async function tenantRow(slug: string) {
  return database.db.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirst();
}

async function auditActions(slug: string): Promise<string[]> {
  const tenant = await tenantRow(slug);
  if (!tenant) return [];
  const rows = await database.db.selectFrom('auditLog').select(['action', 'id']).where('tenantId', '=', tenant.id).orderBy('id').execute();
  return rows.map((r) => r.action);
}

beforeAll(async () => {
  database = await createTestDatabase();
  const staff = await applyProvider(database.db, parseProviderYaml(providerYaml));
  expect(staff.outcome).toBe('applied');
});

afterAll(async () => {
  await database?.close();
});

describe('applying provider staff', () => {
  it('created the staff with one-time passwords, audited, and leaves them alone the second time', async () => {
    const users = await database.db.selectFrom('users').select(['email', 'kind', 'mustChangePassword']).orderBy('email').execute();
    expect(users).toEqual([
      { email: 'lead@provider.test', kind: 'supervisor', mustChangePassword: true },
      { email: 'op.alpha@provider.test', kind: 'operator', mustChangePassword: true },
      { email: 'op.beta@provider.test', kind: 'operator', mustChangePassword: true },
    ]);
    const audit = await database.db.selectFrom('platformAuditLog').select(['action', 'actorId', 'actorLabel']).execute();
    expect(audit).toHaveLength(3);
    expect(audit.every((a) => a.action === 'staff.created' && a.actorId === null && a.actorLabel === 'system')).toBe(true);

    const platformRows = await count('platformAuditLog');
    const renamed = parseProviderYaml(providerYaml.replace('Team Lead', 'Renamed Lead'));
    const again = await applyProvider(database.db, renamed);
    expect(again.outcome).toBe('applied');
    expect(again.staff.every((s) => s.outcome === 'unchanged')).toBe(true);
    expect(again.passwords).toEqual([]);
    expect(again.notes).toEqual([expect.stringContaining('lead@provider.test is named "Team Lead" here, "Renamed Lead" in the file')]);
    expect(await count('platformAuditLog')).toBe(platformRows);
    const lead = await database.db.selectFrom('users').select('displayName').where('email', '=', 'lead@provider.test').executeTakeFirstOrThrow();
    expect(lead.displayName).toBe('Team Lead');
  });

  it('gives a working one-time password to each account it creates', async () => {
    const result = await applyProvider(
      database.db,
      parseProviderYaml('staff:\n  - {email: op.gamma@provider.test, displayName: Gamma Operator, kind: operator}\n'),
    );
    expect(result.staff).toEqual([{ email: 'op.gamma@provider.test', kind: 'operator', outcome: 'created' }]);
    const [issued] = result.passwords;
    const user = await database.db.selectFrom('users').select('passwordHash').where('email', '=', 'op.gamma@provider.test').executeTakeFirstOrThrow();
    expect(await verifyPassword(user.passwordHash, issued!.temporaryPassword)).toBe(true);
  });
});

describe('applying a tenant', () => {
  it('creates the tenant, its client users and operator assignments, with audit rows', async () => {
    const definition = parseTenantYaml(fleursYaml);
    const result = await applyTenant(database.db, definition);
    expect(result.outcome).toBe('created');
    expect(result.errors).toEqual([]);
    expect(result.changes).toEqual([
      'clientUsers: added clerk@fleurs-lyon.test (client_member)',
      'clientUsers: added owner@fleurs-lyon.test (client_admin)',
      'operators: assigned op.alpha@provider.test [information, order_taking]',
    ]);
    expect(result.passwords.map((p) => p.email)).toEqual(['clerk@fleurs-lyon.test', 'owner@fleurs-lyon.test']);
    expect(formatApplyReport({ provider: null, tenants: [result], ok: true })).toMatch(/^fleurs-lyon: created\n/);

    const tenant = await tenantRow('fleurs-lyon');
    expect(tenant).toMatchObject({ name: 'Fleurs de Lyon', legalName: 'Fleurs de Lyon SARL', timeZone: 'Europe/Paris', status: 'active' });
    expect(await auditActions('fleurs-lyon')).toEqual(['tenant.created', 'member.invited', 'member.invited', 'operator.assigned']);
    const owner = await database.db
      .selectFrom('users')
      .select(['passwordHash', 'mustChangePassword', 'kind'])
      .where('email', '=', 'owner@fleurs-lyon.test')
      .executeTakeFirstOrThrow();
    expect(owner.mustChangePassword).toBe(true);
    expect(owner.kind).toBe('client_admin');
    const issued = result.passwords.find((p) => p.email === 'owner@fleurs-lyon.test')!;
    expect(await verifyPassword(owner.passwordHash, issued.temporaryPassword)).toBe(true);
    const assignment = await database.db.selectFrom('operatorAssignments').select('skills').where('tenantId', '=', tenant!.id).executeTakeFirstOrThrow();
    expect(assignment.skills).toEqual(['information', 'order_taking']);
  });

  it('says "unchanged" the second time and writes nothing, not even an audit row', async () => {
    const before = {
      audit: await count('auditLog'),
      platform: await count('platformAuditLog'),
      users: await database.db.selectFrom('users').select(['email', 'passwordHash', 'updatedAt']).orderBy('email').execute(),
      tenant: await tenantRow('fleurs-lyon'),
    };
    const result = await applyTenant(database.db, parseTenantYaml(fleursYaml));
    expect(result).toMatchObject({ outcome: 'unchanged', fields: [], changes: [], passwords: [], notes: [], errors: [] });
    expect(formatApplyReport({ provider: null, tenants: [result], ok: true })).toContain('fleurs-lyon: unchanged');
    expect(await count('auditLog')).toBe(before.audit);
    expect(await count('platformAuditLog')).toBe(before.platform);
    expect(await database.db.selectFrom('users').select(['email', 'passwordHash', 'updatedAt']).orderBy('email').execute()).toEqual(before.users);
    expect(await tenantRow('fleurs-lyon')).toEqual(before.tenant);
  });

  it('reports and audits a change to one field, and only that', async () => {
    const auditBefore = await count('auditLog');
    const result = await applyTenant(database.db, parseTenantYaml(fleursYaml.replace('name: Fleurs de Lyon\n', 'name: Fleurs de Lyon & Cie\n')));
    expect(result.outcome).toBe('updated');
    expect(result.fields).toEqual(['name']);
    expect(result.changes).toEqual(['name: "Fleurs de Lyon" → "Fleurs de Lyon & Cie"']);
    expect(formatApplyReport({ provider: null, tenants: [result], ok: true })).toContain('fleurs-lyon: updated (name)');
    expect(await count('auditLog')).toBe(auditBefore + 1);
    const tenant = await tenantRow('fleurs-lyon');
    expect(tenant?.name).toBe('Fleurs de Lyon & Cie');
    const row = await database.db
      .selectFrom('auditLog')
      .select(['action', 'actorId', 'actorLabel', 'before', 'after'])
      .where('tenantId', '=', tenant!.id)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ action: 'tenant.updated', actorId: null, actorLabel: 'system' });
    expect(row.before).toMatchObject({ name: 'Fleurs de Lyon' });
    expect(row.after).toMatchObject({ name: 'Fleurs de Lyon & Cie' });

    // The file is the truth for the fields it lists: applying the original puts the name back.
    const back = await applyTenant(database.db, parseTenantYaml(fleursYaml));
    expect(back.changes).toEqual(['name: "Fleurs de Lyon & Cie" → "Fleurs de Lyon"']);
  });

  it('changes roles and skills, assigns new operators, and notes what it leaves alone', async () => {
    const changed = fleursYaml
      .replace('displayName: Paul Girard\n    role: client_member', 'displayName: Paul G.\n    role: client_admin')
      .replace('[order_taking, information, order_taking]', '[order_taking]\n  - email: op.beta@provider.test\n    skills: [complaints]');
    const result = await applyTenant(database.db, parseTenantYaml(changed));
    expect(result.outcome).toBe('updated');
    expect(result.fields).toEqual(['clientUsers', 'operators']);
    expect(result.changes).toEqual([
      'clientUsers: clerk@fleurs-lyon.test role client_member → client_admin',
      'operators: op.alpha@provider.test skills [information, order_taking] → [order_taking]',
      'operators: assigned op.beta@provider.test [complaints]',
    ]);
    expect(result.notes).toEqual([expect.stringContaining('clerk@fleurs-lyon.test is named "Paul Girard" here, "Paul G." in the file')]);
    expect((await auditActions('fleurs-lyon')).slice(-3)).toEqual(['member.role_changed', 'operator.skills_changed', 'operator.assigned']);
    const clerk = await database.db.selectFrom('users').select(['displayName', 'kind']).where('email', '=', 'clerk@fleurs-lyon.test').executeTakeFirstOrThrow();
    expect(clerk).toEqual({ displayName: 'Paul Girard', kind: 'client_admin' });

    // Listing fewer people does not remove anyone: it is noted instead.
    const fewer = await applyTenant(database.db, parseTenantYaml(changed.replace(/  - email: op\.beta[^\n]*\n[^\n]*\n?/, '')));
    expect(fewer.outcome).toBe('unchanged');
    expect(fewer.notes).toContainEqual(expect.stringContaining('op.beta@provider.test is assigned here but not in the file; left alone'));
    expect(await count('operatorAssignments')).toBe(2);
  });

  it('suspends and reactivates with the API’s audit actions, and leaves the status alone when the file omits it', async () => {
    const suspended = await applyTenant(database.db, parseTenantYaml(fleursYaml.replace('status: active', 'status: suspended')));
    expect(suspended.fields).toContain('status');
    expect((await tenantRow('fleurs-lyon'))?.status).toBe('suspended');
    const omitted = await applyTenant(database.db, parseTenantYaml(fleursYaml.replace('  status: active\n', '')));
    expect(omitted.fields).not.toContain('status');
    expect((await tenantRow('fleurs-lyon'))?.status).toBe('suspended');
    const reactivated = await applyTenant(database.db, parseTenantYaml(fleursYaml));
    expect(reactivated.changes).toContain('status: "suspended" → "active"');
    expect((await tenantRow('fleurs-lyon'))?.status).toBe('active');
    const actions = await auditActions('fleurs-lyon');
    expect(actions).toContain('tenant.suspended');
    expect(actions.at(-1)).toBe('tenant.reactivated');
  });
});

describe('export', () => {
  it('round-trips: apply → export → parse equals the normalized input, and applying the export changes nothing', async () => {
    const input = `
tenant:
  slug: kebab-express
  name: Kebab Express
  legalName: Kebab Express GmbH
  timeZone: Europe/Berlin
  locale: de-DE
  currency: EUR
  status: active
  brandColor: "#E67E22"
operators:
  - email: OP.BETA@provider.test
    skills: [telesales, surveys, telesales]
    routing:
      telesales: {priority: 3, delaySeconds: 45}
      surveys: {priority: 1}
    agreementSignedAt: "2026-02-01T08:00:00+01:00"
  - email: op.alpha@provider.test
    skills: []
callHandling:
  settings: {offerTimeoutSeconds: 25, complaintDueDays: {low: 20}}
  numbers:
    - {number: "+49 30 901820", function: information}
    - {number: "+4930901821", function: order_taking, label: Bestellungen}
clientUsers:
  - email: zora@kebab-express.test
    displayName: Zora Yilmaz
    role: client_member
  - email: admin@kebab-express.test
    displayName: Ömer Kaya
    role: client_admin
`;
    const normalized = parseTenantYaml(input);
    expect(normalized.operators.map((o) => o.email)).toEqual(['op.alpha@provider.test', 'op.beta@provider.test']);
    expect((await applyTenant(database.db, normalized)).outcome).toBe('created');

    const exported = await exportTenant(database.db, 'kebab-express');
    const text = tenantToYaml(exported!);
    expect(text).toContain('skills: [surveys, telesales]');
    expect(text).toContain('brandColor: "#e67e22"');
    expect(text).toContain('telesales: {priority: 3, delaySeconds: 45}');
    expect(text).toContain('agreementSignedAt: 2026-02-01T07:00:00.000Z');
    expect(text).toContain('- {number: "+4930901820", function: information, label: ""}');
    expect(normalized.callHandling?.settings).toEqual({
      offerTimeoutSeconds: 25,
      wrapUpSeconds: 60,
      answerTargetSeconds: 20,
      transferTimeoutSeconds: 30,
      wrapUpExtensionSeconds: 0,
      complaintDueDays: { low: 20, medium: 5, high: 2, critical: 1 },
      maxQueueWaitSeconds: 300,
      queueOverflow: {},
      connectedSilenceMinutes: 240,
      satisfactionSurvey: {},
    });
    expect(parseTenantYaml(text, 'export.yaml')).toEqual(normalized);

    const auditBefore = await count('auditLog');
    const again = await applyTenant(database.db, parseTenantYaml(text));
    expect(again.outcome).toBe('unchanged');
    expect(again.notes).toEqual([]);
    expect(await count('auditLog')).toBe(auditBefore);
  });

  it('answers null for a slug no tenant has', async () => {
    expect(await exportTenant(database.db, 'no-such-tenant')).toBeNull();
  });
});

describe('refusals', () => {
  it('refuses a tenant with an unknown operator and applies nothing of it', async () => {
    const before = { tenants: await count('tenants'), users: await count('users'), audit: await count('auditLog') };
    const definition = parseTenantYaml(
      fleursYaml
        .replace(/fleurs-lyon/g, 'fleurs-nice')
        .replace('op.alpha@provider.test', 'nobody@provider.test')
        .replace('  - email: nobody', '  - email: lead@provider.test\n    skills: []\n  - email: nobody'),
    );
    const result = await applyTenant(database.db, definition);
    expect(result.outcome).toBe('failed');
    expect(result.errors).toEqual([
      'operators: lead@provider.test is a supervisor, not an operator.',
      'operators: nobody@provider.test is not a provider staff account; add it to the provider file (staff) or create it first.',
    ]);
    expect(result.passwords).toEqual([]);
    expect(formatApplyReport({ provider: null, tenants: [result], ok: false })).toContain('fleurs-nice: FAILED, nothing applied for this tenant');
    expect(await tenantRow('fleurs-nice')).toBeUndefined();
    expect(await count('tenants')).toBe(before.tenants);
    expect(await count('users')).toBe(before.users);
    expect(await count('auditLog')).toBe(before.audit);
  });

  it('refuses an update with an unknown operator without applying the rest of it', async () => {
    const before = await tenantRow('fleurs-lyon');
    const result = await applyTenant(
      database.db,
      parseTenantYaml(fleursYaml.replace('name: Fleurs de Lyon\n', 'name: Renamed\n').replace('op.alpha@provider.test', 'ghost@provider.test')),
    );
    expect(result.outcome).toBe('failed');
    expect(result.changes).toEqual([]);
    expect(await tenantRow('fleurs-lyon')).toEqual(before);
  });

  it("refuses a client user whose email belongs to another tenant's user or to staff", async () => {
    const definition = parseTenantYaml(
      fleursYaml
        .replace(/fleurs-lyon\n/, 'fleurs-nice\n')
        .replace('clerk@fleurs-lyon.test', 'op.beta@provider.test'),
    );
    const result = await applyTenant(database.db, definition);
    expect(result.outcome).toBe('failed');
    expect(result.errors).toEqual([
      'clientUsers: op.beta@provider.test is an operator account, not a client user.',
      'clientUsers: owner@fleurs-lyon.test already has an account that is not a client user of fleurs-nice (a client user belongs to one tenant).',
    ]);
    expect(await tenantRow('fleurs-nice')).toBeUndefined();
  });

  it('refuses provider staff whose email is a client user', async () => {
    const result = await applyProvider(
      database.db,
      parseProviderYaml('staff:\n  - {email: owner@fleurs-lyon.test, displayName: Claire, kind: supervisor}\n  - {email: new@provider.test, displayName: New, kind: operator}\n'),
    );
    expect(result.outcome).toBe('failed');
    expect(result.errors).toEqual(["staff: owner@fleurs-lyon.test is a client user's account, not provider staff."]);
    expect(await database.db.selectFrom('users').select('id').where('email', '=', 'new@provider.test').executeTakeFirst()).toBeUndefined();
  });
});

describe('applying a folder', () => {
  it('creates the provider staff first, so tenants can be assigned the new operators; one refused tenant does not stop the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-tenants-'));
    try {
      writeFileSync(join(dir, 'provider.yaml'), 'staff:\n  - {email: op.delta@provider.test, displayName: Delta Operator, kind: operator}\n');
      writeFileSync(
        join(dir, 'a-good.yaml'),
        fleursYaml.replace(/fleurs-lyon/g, 'folder-good').replace('op.alpha@provider.test', 'op.delta@provider.test'),
      );
      writeFileSync(
        join(dir, 'b-bad.yaml'),
        fleursYaml.replace(/fleurs-lyon/g, 'folder-bad').replace('op.alpha@provider.test', 'op.unknown@provider.test'),
      );
      const report = await applyDefinitions(database.db, loadDefinitionsOrThrow(dir));
      expect(report.ok).toBe(false);
      expect(report.provider?.staff).toEqual([{ email: 'op.delta@provider.test', kind: 'operator', outcome: 'created' }]);
      expect(report.tenants.map((t) => [t.slug, t.outcome])).toEqual([
        ['folder-good', 'created'],
        ['folder-bad', 'failed'],
      ]);
      const text = formatApplyReport(report);
      expect(text).toContain('provider staff');
      expect(text).toContain('password for op.delta@provider.test (operator): ');
      expect(text).toContain('2 tenants: 1 created, 0 updated, 0 unchanged, 1 failed.');

      const second = await applyDefinitions(database.db, loadDefinitionsOrThrow(dir));
      expect(second.provider?.staff[0]?.outcome).toBe('unchanged');
      expect(second.tenants.map((t) => t.outcome)).toEqual(['unchanged', 'failed']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
