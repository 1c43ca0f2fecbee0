import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withApp, withTenant, type Tenant } from '@switchboard/db';
import {
  actorFor,
  createHarness,
  logIn,
  seedClientUser,
  seedOperator,
  seedTenant,
  seedUser,
  snapshotDatabase,
  uniqueEmail,
  uniqueSlug,
  type ApiResponse,
  type Client,
  type Harness,
  type TestUser,
} from './support/index.ts';

/** Every mutation leaves one audit row in its own transaction; a failed one leaves none; nobody rewrites the trail. */
let h: Harness;
let provider: TestUser;
let admin: Client;
let tenant: Tenant;
let clientAdminUser: TestUser;
let clientAdmin: Client;
let operator: TestUser;

beforeAll(async () => {
  h = await createHarness();
  provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { actor: actorFor(provider) }));
  clientAdminUser = await seedClientUser(h.db, tenant, 'client_admin');
  operator = await seedOperator(h.db, []);
  admin = await logIn(h.app, provider);
  clientAdmin = await logIn(h.app, clientAdminUser);
});
afterAll(() => h?.close());

interface AuditRow {
  log: string;
  tenantId: string | null;
  action: string;
  actorId: string | null;
  targetId: string | null;
}

async function allAuditRows(): Promise<Map<string, AuditRow>> {
  const { rows } = await sql<AuditRow & { id: string }>`
    select id::text, 'tenant' as log, tenant_id::text as tenant_id, action, actor_id::text as actor_id, target_id from audit_log
    union all
    select id::text, 'platform', null, action, actor_id::text, target_id from platform_audit_log`.execute(h.db);
  return new Map(rows.map(({ id, ...row }) => [id, row]));
}

/** Runs one request and answers it with the audit rows it added. */
async function auditedBy(request: () => Promise<ApiResponse>): Promise<{ res: ApiResponse; added: AuditRow[] }> {
  const before = await allAuditRows();
  const res = await request();
  const added = [...(await allAuditRows())].filter(([id]) => !before.has(id)).map(([, row]) => row);
  return { res, added };
}

describe('audit rows', () => {
  it('are written for each mutation, naming the action, the actor and the target', async () => {
    const slug = uniqueSlug('audited');
    const body = { slug, name: 'Audited', legalName: 'Audited SA', timeZone: 'Europe/Berlin', locale: 'de-DE', currency: 'EUR' };
    const invitedEmail = uniqueEmail('invited');
    const steps: [string, () => Promise<ApiResponse>, string[]][] = [
      ['onboard', () => admin.post('/api/tenants', { ...body, clientAdmin: { email: invitedEmail, displayName: 'First' } }), ['tenant.created', 'member.invited']],
      ['rename', () => admin.patch(`/api/tenants/${slug}`, { name: 'Audited Renamed' }), ['tenant.updated']],
      ['suspend', () => admin.patch(`/api/tenants/${slug}`, { status: 'suspended', suspendedReason: 'Test' }), ['tenant.suspended']],
      ['reactivate', () => admin.patch(`/api/tenants/${slug}`, { status: 'active' }), ['tenant.reactivated']],
      ['invite', () => admin.post(`/api/t/${slug}/members`, { email: uniqueEmail('m'), displayName: 'M', role: 'client_member' }), ['member.invited']],
      ['assign', () => admin.put(`/api/t/${slug}/operators/${operator.id}`, { skills: ['order_taking'] }), ['operator.assigned']],
      ['reskill', () => admin.put(`/api/t/${slug}/operators/${operator.id}`, { skills: ['surveys'] }), ['operator.skills_changed']],
      ['unassign', () => admin.delete(`/api/t/${slug}/operators/${operator.id}`), ['operator.unassigned']],
      ['staff', () => admin.post('/api/staff', { email: uniqueEmail('staff'), displayName: 'Staff', kind: 'supervisor' }), ['staff.created']],
    ];
    let tenantId = '';
    for (const [step, request, actions] of steps) {
      const { res, added } = await auditedBy(request);
      expect(res.status, `${step}: ${res.text}`).toBeLessThan(300);
      if (step === 'onboard') tenantId = res.body.tenant.id;
      expect(added.map((r) => r.action).sort(), step).toEqual([...actions].sort());
      for (const row of added) {
        expect(row.actorId, step).toBe(provider.id);
        expect(row.tenantId, step).toBe(row.log === 'platform' ? null : tenantId);
      }
    }

    const removedId = (await admin.get(`/api/t/${slug}/members`)).body.members[0].userId as string;
    const removal = await auditedBy(() => admin.delete(`/api/t/${slug}/members/${removedId}`));
    expect(removal.res.status).toBe(204);
    expect(removal.added).toEqual([{ log: 'tenant', tenantId, action: 'member.removed', actorId: provider.id, targetId: removedId }]);

    const trail = await admin.get(`/api/t/${slug}/audit`);
    expect(trail.body.entries.map((e: { action: string }) => e.action).slice(0, 2)).toEqual(['member.removed', 'operator.unassigned']);
  });

  it('keep before and after as JSON objects, on every database', async () => {
    const { rows } = await sql<{ action: string; before: string | null; after: string | null }>`
      select action, jsonb_typeof(before) as before, jsonb_typeof(after) as after from audit_log
      union all select action, jsonb_typeof(before), jsonb_typeof(after) from platform_audit_log`.execute(h.db);
    expect(rows.length).toBeGreaterThan(5);
    for (const row of rows) {
      expect([null, 'object'], `${row.action} before`).toContain(row.before);
      expect([null, 'object'], `${row.action} after`).toContain(row.after);
    }
    const trail = await admin.get(`/api/t/${tenant.slug}/audit?action=tenant.created`);
    expect(trail.body.entries).toEqual([expect.objectContaining({ before: null, after: expect.objectContaining({ slug: tenant.slug }) })]);
  });

  it('are written for a password change, in the platform log', async () => {
    const user = await seedUser(h.db, { kind: 'operator' });
    const client = await logIn(h.app, user);
    const { res, added } = await auditedBy(() =>
      client.post('/api/auth/password', { currentPassword: user.password, newPassword: 'another long passphrase' }),
    );
    expect(res.status).toBe(200);
    expect(added).toEqual([{ log: 'platform', tenantId: null, action: 'user.password_changed', actorId: user.id, targetId: user.id }]);
  });

  it('are not left behind by a mutation that fails, and the failure changes nothing else', async () => {
    const taken = clientAdminUser.email;
    const failures: [string, () => Promise<ApiResponse>, number][] = [
      // Fails after the tenant and its tenant.created row were written, inside the same transaction.
      ['onboarding with a taken email', () => admin.post('/api/tenants', {
        slug: uniqueSlug('failed'), name: 'F', legalName: 'F SA', timeZone: 'UTC', locale: 'en-GB', currency: 'GBP',
        clientAdmin: { email: taken, displayName: 'Dup' },
      }), 409],
      ['inviting a taken email', () => clientAdmin.post(`/api/t/${tenant.slug}/members`, { email: taken, displayName: 'Dup', role: 'client_member' }), 409],
      ['removing nobody', () => clientAdmin.delete(`/api/t/${tenant.slug}/members/${randomUUID()}`), 404],
      ['removing oneself', () => clientAdmin.delete(`/api/t/${tenant.slug}/members/${clientAdminUser.id}`), 403],
      ['assigning a client user as operator', () => admin.put(`/api/t/${tenant.slug}/operators/${clientAdminUser.id}`, { skills: ['information'] }), 404],
      ['assigning without the right', () => clientAdmin.put(`/api/t/${tenant.slug}/operators/${operator.id}`, { skills: ['information'] }), 403],
      ['unassigning nobody', () => admin.delete(`/api/t/${tenant.slug}/operators/${randomUUID()}`), 404],
      ['staff with a taken email', () => admin.post('/api/staff', { email: taken, displayName: 'Dup', kind: 'operator' }), 409],
      ['suspending without the right', () => clientAdmin.patch(`/api/tenants/${tenant.slug}`, { status: 'suspended' }), 403],
    ];
    for (const [what, request, status] of failures) {
      const before = await snapshotDatabase(h.db, { except: ['sessions'] });
      const { res, added } = await auditedBy(request);
      expect(res.status, `${what}: ${res.text}`).toBe(status);
      expect(added, what).toEqual([]);
      expect(await snapshotDatabase(h.db, { except: ['sessions'] }), what).toEqual(before);
    }
  });
});

describe('the audit log is append-only for the app role', () => {
  it('refuses UPDATE, DELETE and TRUNCATE on audit_log and platform_audit_log', async () => {
    const before = await snapshotDatabase(h.db, { except: ['sessions'] });
    const visible = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('auditLog').select('id').execute());
    expect(visible.length).toBeGreaterThan(0); // the role does see the rows it is refused to change
    const attempts = [
      () => withTenant(h.db, tenant.id, (tx) => tx.updateTable('auditLog').set({ action: 'rewritten' }).execute()),
      () => withTenant(h.db, tenant.id, (tx) => tx.deleteFrom('auditLog').execute()),
      () => withTenant(h.db, tenant.id, (tx) => sql`truncate audit_log`.execute(tx)),
      () => withApp(h.db, (tx) => tx.updateTable('platformAuditLog').set({ action: 'rewritten' }).execute()),
      () => withApp(h.db, (tx) => tx.deleteFrom('platformAuditLog').execute()),
      () => withApp(h.db, (tx) => sql`truncate platform_audit_log`.execute(tx)),
    ];
    for (const attempt of attempts) await expect(attempt()).rejects.toThrow(/permission denied/);
    expect(await snapshotDatabase(h.db, { except: ['sessions'] })).toEqual(before);
  });
});
