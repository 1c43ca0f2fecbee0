import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, withApp, type Database } from '@switchboard/db';
import { hashPassword } from '@switchboard/api';
import { demoAdminEmail, demoLogins, demoPassword } from '@switchboard/tenants';
import { prepareForStart, startModeOf, StartRefused } from '../scripts/src/start-mode.ts';
import { AdminCreateRefused, createProviderAdmin, parseAdminArgs } from '../scripts/src/provider-admin.ts';
import { attemptLogin, createHarness, logIn, sessionCookieFrom, Client, type Harness } from './support/index.ts';

// Issue 11, finding 1: a production start never seeds the demo, refuses demo passwords, and the first
// provider admin comes from `pnpm admin:create` with a one-time password.
const production = { NODE_ENV: 'production', DATABASE_URL: 'postgres://switchboard@db.internal/switchboard' };

let h: Harness;
let demo: Database;

beforeAll(async () => {
  h = await createHarness();
  demo = await createTestDatabase();
});

afterAll(async () => {
  await h?.close();
  await demo?.close();
});

const count = async (database: Database['db'], table: 'users' | 'tenants') =>
  Number((await database.selectFrom(table).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

describe('startModeOf', () => {
  it('seeds the demo for the embedded quick start or SEED_DEMO=true only, never in production', () => {
    expect(startModeOf({})).toEqual({ seedDemo: true, production: false });
    expect(startModeOf({ DATABASE_URL: production.DATABASE_URL })).toEqual({ seedDemo: false, production: true });
    expect(startModeOf({ NODE_ENV: 'production' })).toEqual({ seedDemo: false, production: true });
    expect(startModeOf(production)).toEqual({ seedDemo: false, production: true });
    expect(startModeOf({ SEED_DEMO: 'false' })).toEqual({ seedDemo: false, production: true });
    expect(startModeOf({ DATABASE_URL: production.DATABASE_URL, SEED_DEMO: 'true' })).toEqual({ seedDemo: true, production: false });
    expect(() => startModeOf({ NODE_ENV: 'production', SEED_DEMO: 'true' })).toThrow(StartRefused);
    expect(() => startModeOf({ ...production, SEED_DEMO: '1' })).toThrow(/SEED_DEMO=true is refused with NODE_ENV=production/);
  });
});

describe('a production start', () => {
  it('leaves an empty database without any account: the demo login does not work', async () => {
    const outcome = await prepareForStart(h.db, startModeOf(production));
    expect(outcome).toEqual({ applied: false, present: false, tenants: [] });
    expect(await count(h.db, 'users')).toBe(0);
    expect(await count(h.db, 'tenants')).toBe(0);
    expect((await attemptLogin(h.app, demoAdminEmail, demoPassword)).status).toBe(401);
  });

  it('refuses to start while an active account has the demo password, naming it and saying what to do', async () => {
    const seeded = await prepareForStart(demo.db, startModeOf({ SEED_DEMO: 'true' }));
    expect(seeded.applied).toBe(true);

    const refused = prepareForStart(demo.db, startModeOf(production));
    await expect(refused).rejects.toBeInstanceOf(StartRefused);
    await expect(refused).rejects.toThrow(/\d+ account\(s\) still have the published demo password "switchboard-demo" \(admin@banque-horizon\.test, .*admin@switchboard\.test, .*and \d+ more\).*pnpm admin:create/s);
    await expect(refused).rejects.toThrow(`${demoLogins.length} account(s) still have`);
    // A database seeded as a demo starts as one again, with SEED_DEMO=true outside production.
    await expect(prepareForStart(demo.db, startModeOf({ DATABASE_URL: production.DATABASE_URL, SEED_DEMO: 'true' }))).resolves.toMatchObject({ present: true });

    // Every demo account changed or disabled but one: still refused, and that one is named.
    const other = await hashPassword('a password nobody published');
    const kept = 'operator2@switchboard.test';
    await withApp(demo.db, (tx) =>
      tx.updateTable('users').set({ passwordHash: other }).where('email', '!=', kept).where('email', '!=', 'supervisor@switchboard.test').execute(),
    );
    await withApp(demo.db, (tx) => tx.updateTable('users').set({ status: 'disabled' }).where('email', '=', 'supervisor@switchboard.test').execute());
    await expect(prepareForStart(demo.db, startModeOf(production))).rejects.toThrow(/1 account\(s\) still have .*\(operator2@switchboard\.test\)/s);

    await withApp(demo.db, (tx) => tx.updateTable('users').set({ passwordHash: other }).where('email', '=', kept).execute());
    await expect(prepareForStart(demo.db, startModeOf(production))).resolves.toEqual({ applied: false, present: false, tenants: [] });
    // No account was created, changed or removed by the check.
    expect(await count(demo.db, 'users')).toBe(demoLogins.length);
  });
});

describe('pnpm admin:create', () => {
  it('reads --email and --name, refusing a bad email, an empty name or control characters', () => {
    expect(parseAdminArgs(['--email', ' Root@Example.COM ', '--name', 'Ada Admin'])).toEqual({ email: 'root@example.com', name: 'Ada Admin' });
    for (const argv of [[], ['--email', 'not an email', '--name', 'Ada'], ['--email', 'a@example.com', '--name', ' '], ['--email', 'a@example.com', '--name', 'Ada\u0000Admin']]) {
      expect(() => parseAdminArgs(argv), JSON.stringify(argv)).toThrow(AdminCreateRefused);
    }
    expect(() => parseAdminArgs(['--email', 'a@example.com'])).toThrow(/--name: .*\nUsage: pnpm admin:create/s);
  });

  it('creates a provider admin whose one-time password works once and must be changed before anything else', async () => {
    const created = await createProviderAdmin(h.db, { email: 'first.admin@example.com', name: 'First Admin' }, new Date());
    expect(created.kind).toBe('provider_admin');
    expect(created.temporaryPassword).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
    const stored = await h.db.selectFrom('users').select(['kind', 'status', 'mustChangePassword']).where('id', '=', created.id).executeTakeFirstOrThrow();
    expect(stored).toEqual({ kind: 'provider_admin', status: 'active', mustChangePassword: true });
    const audit = await h.db.selectFrom('platformAuditLog').select(['action', 'actorLabel', 'after']).where('targetId', '=', created.id).execute();
    expect(audit).toEqual([{ action: 'staff.created', actorLabel: 'system', after: expect.objectContaining({ email: created.email, kind: 'provider_admin', via: 'admin:create' }) }]);
    // The start that follows is allowed: no demo password anywhere.
    await expect(prepareForStart(h.db, startModeOf(production))).resolves.toMatchObject({ applied: false });

    const client = await logIn(h.app, { email: created.email, password: created.temporaryPassword });
    const me = await client.get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body.user).toMatchObject({ email: 'first.admin@example.com', kind: 'provider_admin', mustChangePassword: true });
    for (const blocked of [await client.get('/api/tenants'), await client.post('/api/tenants', {}), await client.get('/api/staff')]) {
      expect(blocked.status).toBe(403);
      expect(blocked.contentType).toMatch(/application\/problem\+json/);
      expect(blocked.body.detail).toMatch(/temporary password/);
    }

    // The published demo password cannot be chosen: it would stop the next production start.
    const demoChosen = await client.post('/api/auth/password', { currentPassword: created.temporaryPassword, newPassword: demoPassword });
    expect(demoChosen.status).toBe(400);
    expect(demoChosen.body.errors).toMatchObject([{ path: 'newPassword', message: expect.stringMatching(/published with the demo/) }]);
    const changed = await client.post('/api/auth/password', { currentPassword: created.temporaryPassword, newPassword: 'the first admin chose this' });
    expect(changed.status).toBe(200);
    const fresh = new Client(h.app, sessionCookieFrom(changed.headers)!.value);
    expect((await fresh.get('/api/tenants')).status).toBe(200);
    // Once: the one-time password no longer logs in, the chosen one does.
    expect((await attemptLogin(h.app, created.email, created.temporaryPassword)).status).toBe(401);
    expect((await attemptLogin(h.app, created.email, 'the first admin chose this')).status).toBe(200);
  });

  it('refuses an email that already has an account, changing nothing', async () => {
    const before = await count(h.db, 'users');
    await expect(createProviderAdmin(h.db, { email: 'first.admin@example.com', name: 'Someone Else' }, new Date())).rejects.toThrow(
      /first\.admin@example\.com already has an account: nothing was created/,
    );
    expect(await count(h.db, 'users')).toBe(before);
  });
});
