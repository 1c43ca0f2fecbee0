import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type Database, type Tenant } from '@switchboard/db';
import { loadConfig } from '../config.ts';
import { createTenant } from '../tenants/service.ts';
import { writeAudit } from '../audit/write.ts';
import type { AppEnv, SessionUser } from './env.ts';
import { handleError } from './errors.ts';
import { conflict } from './problem.ts';
import { tenantContext, tenantScope } from './tenant-scope.ts';

/**
 * The trap in DESIGN.md: Hono catches a handler's error before a middleware that wrapped next() in
 * a transaction sees it, so that transaction would commit. tenantScope must roll back instead.
 */
let database: Database;
let tenant: Tenant;
const admin: SessionUser = {
  id: '01900000-0000-7000-8000-000000000001',
  email: 'admin@example.test',
  displayName: 'Admin',
  kind: 'provider_admin',
  mustChangePassword: false,
  language: null,
};

function tinyApp(user: SessionUser) {
  const app = new Hono<AppEnv>();
  app.use('*', async (c, next) => {
    c.set('deps', { db: database.db, databaseKind: database.kind, config: loadConfig({}), now: () => new Date() });
    c.set('user', user);
    await next();
  });
  app.use('/t/:tenant/*', tenantScope());
  const audit = (c: Parameters<typeof tenantContext>[0], action: string) => {
    const ctx = tenantContext(c);
    return writeAudit(ctx.tx, ctx.tenant.id, ctx.actor, { action, targetType: 'test' });
  };
  app.post('/t/:tenant/write', async (c) => {
    await audit(c, 'test.committed');
    return c.json({ ok: true });
  });
  app.post('/t/:tenant/write-then-crash', async (c) => {
    await audit(c, 'test.crashed');
    throw new Error('crash after a write');
  });
  app.post('/t/:tenant/write-then-refuse', async (c) => {
    await audit(c, 'test.refused');
    throw conflict('conflict', 'refused after a write');
  });
  app.onError(handleError);
  return app;
}

const auditActions = async () =>
  (await database.db.selectFrom('auditLog').select('action').where('tenantId', '=', tenant.id).execute()).map((r) => r.action);

beforeAll(async () => {
  database = await createTestDatabase();
  ({ tenant } = await createTenant(
    database.db,
    null,
    { slug: 'scope-test', name: 'Scope', legalName: 'Scope SA', timeZone: 'Europe/Paris', locale: 'fr-FR', currency: 'EUR' },
    new Date(),
  ));
});

afterAll(() => database?.close());

describe('tenantScope', () => {
  it("commits a handler's writes when it answers normally", async () => {
    const res = await tinyApp(admin).request('/t/scope-test/write', { method: 'POST' });
    expect(res.status).toBe(200);
    expect(await auditActions()).toContain('test.committed');
  });

  it('rolls back the writes of a handler that throws', async () => {
    const quiet = vi.spyOn(console, 'error').mockImplementation(() => {});
    const res = await tinyApp(admin).request('/t/scope-test/write-then-crash', { method: 'POST' });
    quiet.mockRestore();
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    expect(await res.text()).not.toContain('crash after a write');
    expect(await auditActions()).not.toContain('test.crashed');
  });

  it('rolls back the writes of a handler that answers a problem', async () => {
    const res = await tinyApp(admin).request('/t/scope-test/write-then-refuse', { method: 'POST' });
    expect(res.status).toBe(409);
    expect(await auditActions()).not.toContain('test.refused');
  });

  it('answers 404 and runs no handler for a user who may not act for the tenant', async () => {
    const stranger: SessionUser = { ...admin, id: '01900000-0000-7000-8000-000000000002', kind: 'client_admin' };
    const before = await auditActions();
    const res = await tinyApp(stranger).request('/t/scope-test/write', { method: 'POST' });
    expect(res.status).toBe(404);
    expect(await auditActions()).toEqual(before);
  });
});
