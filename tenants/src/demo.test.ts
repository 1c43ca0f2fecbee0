import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, crossTenant, withApp, withTenant, type Database } from '@switchboard/db';
import { hashPassword, verifyPassword } from '@switchboard/api';
import { applyDemoIfNew, demoLogins, exportTenant, loadDemo } from './index.ts';

let database: Database;

beforeAll(async () => {
  database = await createTestDatabase();
});

afterAll(async () => {
  await database?.close();
});

async function counts() {
  const n = async (table: 'auditLog' | 'platformAuditLog' | 'users' | 'tenants') =>
    Number((await database.db.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  return { audit: await n('auditLog'), platform: await n('platformAuditLog'), users: await n('users'), tenants: await n('tenants') };
}

describe('demoLogins', () => {
  it('lists the logins DESIGN.md promises, each with a description, and every demo account', () => {
    const byEmail = Object.fromEntries(demoLogins.map((l) => [l.email, l.description]));
    expect(byEmail).toMatchObject({
      'admin@switchboard.test': 'provider admin',
      'supervisor@switchboard.test': 'supervisor',
      'operator1@switchboard.test': 'operator — banque-horizon, pizza-napoli',
      'operator2@switchboard.test': 'operator — banque-horizon, telenova',
      'floor-bot-1@switchboard.test': 'simulated operator (demo floor) — banque-horizon, pizza-napoli, telenova',
      'admin@pizza-napoli.test': 'client admin — Pizza Napoli',
      'admin@banque-horizon.test': 'client admin — Banque Horizon',
      'admin@telenova.test': 'client admin — TeleNova',
    });
    const demo = loadDemo();
    const everyone = [...demo.provider!.definition.staff.map((s) => s.email), ...demo.tenants.flatMap((t) => t.definition.clientUsers.map((u) => u.email))];
    expect(demoLogins.map((l) => l.email).sort()).toEqual(everyone.sort());
    expect(demoLogins[0]?.email).toBe('admin@switchboard.test');
  });
});

describe('applyDemoIfNew', () => {
  it('applies the demo tenants and users to a database with no users', async () => {
    const result = await applyDemoIfNew(database.db);
    expect(result).toEqual({ applied: true, present: true, tenants: ['banque-horizon', 'pizza-napoli', 'telenova'] });

    const tenants = await database.db.selectFrom('tenants').select(['slug', 'timeZone', 'locale', 'currency', 'status']).orderBy('slug').execute();
    expect(tenants).toEqual([
      { slug: 'banque-horizon', timeZone: 'Europe/Berlin', locale: 'de-DE', currency: 'EUR', status: 'active' },
      { slug: 'pizza-napoli', timeZone: 'Europe/Paris', locale: 'fr-FR', currency: 'EUR', status: 'active' },
      { slug: 'telenova', timeZone: 'Europe/Moscow', locale: 'ru-RU', currency: 'RUB', status: 'active' },
    ]);
    // Each tenant's creation left its audit trail, and the demo passwords were recorded on the platform log.
    const audited = await database.db.selectFrom('auditLog').select('action').where('action', '=', 'tenant.created').execute();
    expect(audited).toHaveLength(3);
    const passwordRows = await database.db.selectFrom('platformAuditLog').select('action').where('action', '=', 'user.demo_password_set').execute();
    expect(passwordRows).toHaveLength(demoLogins.length);
  });

  it('gives every demo user the password switchboard-demo, with no change required', async () => {
    const users = await database.db.selectFrom('users').select(['email', 'passwordHash', 'mustChangePassword', 'status']).execute();
    expect(users.map((u) => u.email).sort()).toEqual(demoLogins.map((l) => l.email).sort());
    for (const user of users) {
      expect(user.mustChangePassword, user.email).toBe(false);
      expect(user.status).toBe('active');
      expect(await verifyPassword(user.passwordHash, 'switchboard-demo'), user.email).toBe(true);
      expect(await verifyPassword(user.passwordHash, 'not-the-password')).toBe(false);
    }
  });

  it('assigns the two operators to different sets of tenants, with the skills each tenant delegates', async () => {
    const slugs = new Map((await database.db.selectFrom('tenants').select(['id', 'slug']).execute()).map((t) => [t.id, t.slug]));
    const everyOperator = await database.db.selectFrom('users').select(['id', 'email', 'kind']).where('kind', '=', 'operator').orderBy('email').execute();
    expect(everyOperator.map((o) => o.email)).toEqual([
      ...Array.from({ length: 10 }, (_, i) => `floor-bot-${i + 1}@switchboard.test`).sort(),
      'operator1@switchboard.test',
      'operator2@switchboard.test',
    ]);
    // The people; the simulated floor's bots serve every delegated line with a number (below).
    const operators = everyOperator.filter((o) => !o.email.startsWith('floor-bot-'));
    const assignments = await crossTenant.operatorAssignmentsAcrossTenants(
      database.db,
      operators.map((o) => o.id),
    );
    const of = (email: string) =>
      Object.fromEntries(
        assignments
          .filter((a) => a.operatorId === operators.find((o) => o.email === email)!.id)
          .map((a) => [slugs.get(a.tenantId), a.skills])
          .sort(),
      );
    expect(of('operator1@switchboard.test')).toEqual({ 'banque-horizon': ['information'], 'pizza-napoli': ['information', 'order_taking'] });
    expect(of('operator2@switchboard.test')).toEqual({ 'banque-horizon': ['complaints', 'information'], telenova: ['complaints', 'information', 'surveys', 'telesales'] });
    for (const operator of operators) {
      const actable = await crossTenant.tenantIdsUserMayActFor(database.db, { id: operator.id, kind: 'operator' });
      expect(actable).toHaveLength(2);
    }
    const bot = everyOperator.find((o) => o.email === 'floor-bot-1@switchboard.test')!;
    const botAssignments = await crossTenant.operatorAssignmentsAcrossTenants(database.db, [bot.id]);
    expect(Object.fromEntries(botAssignments.map((a) => [slugs.get(a.tenantId), a.skills]).sort())).toEqual({
      'banque-horizon': ['complaints', 'information'],
      'pizza-napoli': ['information', 'order_taking', 'telesales'],
      telenova: ['information', 'outbound_info', 'surveys', 'telesales'],
    });
  });

  it("starts TeleNova's informative campaign and Pizza Napoli's telesales campaign, running, with their generated lists", async () => {
    const tenants = await database.db.selectFrom('tenants').select(['id', 'slug']).where('slug', 'in', ['telenova', 'pizza-napoli']).orderBy('slug').execute();
    const seen: unknown[] = [];
    for (const tenant of tenants) {
      const campaigns = await withTenant(database.db, tenant.id, (tx) =>
        tx.selectFrom('campaigns').select(['id', 'function', 'mode', 'status', 'rulesProfile', 'scriptId']).execute(),
      );
      for (const c of campaigns) {
        const contacts = await withTenant(database.db, tenant.id, (tx) =>
          tx.selectFrom('campaignContacts').select(['phone', 'timeZone']).where('campaignId', '=', c.id).execute(),
        );
        seen.push({ tenant: tenant.slug, function: c.function, mode: c.mode, status: c.status, rulesProfile: c.rulesProfile, script: c.scriptId !== null, contacts: contacts.length, zones: new Set(contacts.map((k) => k.timeZone)).size > 3 });
        expect(contacts.every((k) => (tenant.slug === 'telenova' ? /^\+7\d{10}$/ : /^\+(33|262|590|594|596)\d{9}$/).test(k.phone))).toBe(true);
      }
    }
    expect(seen).toEqual([
      { tenant: 'pizza-napoli', function: 'telesales', mode: 'progressive', status: 'running', rulesProfile: 'fr', script: true, contacts: 1200, zones: true },
      { tenant: 'telenova', function: 'outbound_info', mode: 'predictive', status: 'running', rulesProfile: 'none', script: true, contacts: 3000, zones: true },
    ]);
  });

  it('exports the demo tenants as their files say', async () => {
    for (const { definition } of loadDemo().tenants) {
      const exported = await exportTenant(database.db, definition.tenant.slug);
      expect(exported).toEqual({ ...definition, tenant: { ...definition.tenant, status: 'active' } });
    }
  });

  it('does nothing the second time', async () => {
    const before = await counts();
    const hashes = await database.db.selectFrom('users').select(['email', 'passwordHash', 'updatedAt']).orderBy('email').execute();
    expect(await applyDemoIfNew(database.db)).toEqual({ applied: false, present: true, tenants: [] });
    expect(await counts()).toEqual(before);
    expect(await database.db.selectFrom('users').select(['email', 'passwordHash', 'updatedAt']).orderBy('email').execute()).toEqual(hashes);
  });
});

describe('applyDemoIfNew on a database that is not new', () => {
  it('leaves a database with users alone and says the demo is not present', async () => {
    const other = await createTestDatabase();
    try {
      const passwordHash = await hashPassword('a-real-admin-password');
      await withApp(other.db, (tx) =>
        tx
          .insertInto('users')
          .values({ id: '0190a3b4-0000-7000-8000-000000000001', email: 'boss@example.test', displayName: 'Boss', kind: 'provider_admin', passwordHash })
          .execute(),
      );
      expect(await applyDemoIfNew(other.db)).toEqual({ applied: false, present: false, tenants: [] });
      const tenants = await other.db.selectFrom('tenants').select('id').execute();
      expect(tenants).toEqual([]);
    } finally {
      await other.close();
    }
  });
});
