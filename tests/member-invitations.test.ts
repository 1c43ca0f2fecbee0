import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '@switchboard/db';
import {
  attemptLogin,
  createHarness,
  logIn,
  seedClientUser,
  seedTenant,
  seedUser,
  uniqueEmail,
  type ApiResponse,
  type Client,
  type Harness,
  type TestUser,
} from './support/index.ts';

// Issue 11, finding 7: inviting a colleague answers the same whether or not the address has an account
// anywhere, and one company's invitation never takes an address another company will need.
let h: Harness;
let a: Tenant;
let b: Tenant;
let adminA: Client;
let adminB: Client;
let memberOfB: TestUser;
let provider: TestUser;

beforeAll(async () => {
  h = await createHarness();
  a = (await seedTenant(h.db)).tenant;
  b = (await seedTenant(h.db)).tenant;
  adminA = await logIn(h.app, await seedClientUser(h.db, a, 'client_admin'));
  adminB = await logIn(h.app, await seedClientUser(h.db, b, 'client_admin'));
  memberOfB = await seedClientUser(h.db, b, 'client_member');
  provider = await seedUser(h.db, { kind: 'provider_admin' });
});

afterAll(() => h?.close());

const invite = (client: Client, tenant: Tenant, email: string, role = 'client_member') =>
  client.post(`/api/t/${tenant.slug}/members`, { email, displayName: 'Invited Person', role });

/** The answer with what differs by nature (ids, codes, the address itself) replaced by its shape. */
function shapeOf(res: ApiResponse, email: string) {
  const headers = [...res.headers.keys()].filter((k) => k !== 'date').sort();
  const body = JSON.stringify(res.body)
    .replaceAll(email, '<email>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/"[a-z2-9]{5}(-[a-z2-9]{5}){3}"/g, '"<code>"')
    .replace(/"\d{4}-\d\d-\d\dT[\d:.]+Z"/g, '"<time>"');
  return { status: res.status, contentType: res.contentType, headers, body };
}

describe('inviting a colleague', () => {
  it('answers the same for an unknown address, a client user of another company and a provider admin', async () => {
    const unknown = uniqueEmail('nobody');
    const answers = [
      [unknown, await invite(adminA, a, unknown)],
      [memberOfB.email, await invite(adminA, a, memberOfB.email)],
      [provider.email, await invite(adminA, a, provider.email)],
    ] as const;
    const shapes = answers.map(([email, res]) => shapeOf(res, email));
    expect(shapes[0]).toMatchObject({ status: 201, body: expect.stringContaining('"temporaryPassword":"<code>"') });
    expect(shapes[1]).toEqual(shapes[0]);
    expect(shapes[2]).toEqual(shapes[0]);
    // Nothing was created or changed outside A: the known accounts are untouched, no account was made.
    expect(await h.db.selectFrom('users').select('id').where('email', '=', unknown).execute()).toEqual([]);
    const b2 = await h.db.selectFrom('tenantMembers').select('tenantId').where('userId', '=', memberOfB.id).execute();
    expect(b2).toEqual([{ tenantId: b.id }]);
    // A sees three open invitations, no member more.
    const listed = await adminA.get(`/api/t/${a.slug}/members`);
    expect(listed.body.members).toHaveLength(1);
    expect(listed.body.invitations.map((i: { email: string }) => i.email).sort()).toEqual([unknown, memberOfB.email, provider.email].sort());
  });

  it('refuses only a member of this very company (409), which its own member list shows anyway', async () => {
    const res = await invite(adminB, b, memberOfB.email);
    expect(res.status).toBe(409);
    expect(res.body.errors).toMatchObject([{ path: 'email', message: 'Already a member of this company.' }]);
  });

  it("cannot take an address: B invites and onboards it after A did, and each company's invitation works", async () => {
    const person = uniqueEmail('shared');
    const fromA = await invite(adminA, a, person, 'client_admin');
    expect(fromA.status).toBe(201);
    const fromB = await invite(adminB, b, person);
    expect(fromB.status).toBe(201);

    // B's code makes the account: a member of B only, who must choose a password first.
    const viaB = await logIn(h.app, { email: person, password: fromB.body.temporaryPassword });
    const me = await viaB.get('/api/me');
    expect(me.body.user).toMatchObject({ email: person, kind: 'client_member', mustChangePassword: true });
    expect((await viaB.get(`/api/t/${b.slug}/orders`)).status).toBe(403);
    expect((await viaB.post('/api/auth/password', { currentPassword: fromB.body.temporaryPassword, newPassword: 'my very own passphrase' })).status).toBe(200);
    expect((await viaB.get('/api/me')).body.tenants.map((t: { slug: string }) => t.slug)).toEqual([b.slug]);
    // B's code worked once; A's code never opens the account that now exists.
    expect((await attemptLogin(h.app, person, fromB.body.temporaryPassword)).status).toBe(401);
    expect((await attemptLogin(h.app, person, fromA.body.temporaryPassword)).status).toBe(401);

    // The account holder sees A's invitation and accepts it with their own session.
    const pending = await viaB.get('/api/me/invitations');
    expect(pending.body.invitations).toEqual([
      { id: fromA.body.invitationId, tenant: { slug: a.slug, name: a.name }, role: 'client_admin', invitedAt: expect.any(String), expiresAt: expect.any(String) },
    ]);
    // The session alone does not join: whoever made the account (with B's code) must also hold A's code,
    // which A gave the real person. A wrong or missing code answers like an invitation that is not theirs.
    const path = `/api/me/invitations/${fromA.body.invitationId}/accept`;
    expect((await viaB.post(path, { code: fromB.body.temporaryPassword })).status).toBe(404);
    const missing = await viaB.post(path, {});
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((e: { path: string }) => e.path)).toEqual(['code']);
    expect((await viaB.get('/api/me')).body.tenants.map((t: { slug: string }) => t.slug)).toEqual([b.slug]);
    const accepted = await viaB.post(path, { code: fromA.body.temporaryPassword });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ tenant: { slug: a.slug, name: a.name } });
    expect((await viaB.get('/api/me')).body.tenants.map((t: { slug: string }) => t.slug).sort()).toEqual([a.slug, b.slug].sort());
    // In A they act with A's role (admin), in B with B's (member).
    expect((await viaB.post(`/api/t/${a.slug}/members`, { email: uniqueEmail('x'), displayName: 'X', role: 'client_member' })).status).toBe(201);
    expect((await viaB.post(`/api/t/${b.slug}/members`, { email: uniqueEmail('x'), displayName: 'X', role: 'client_member' })).status).toBe(403);
    expect((await viaB.get('/api/me/invitations')).body.invitations).toEqual([]);

    // Both companies' audit trails tell the story.
    const actions = async (tenant: Tenant) =>
      (await h.db.selectFrom('auditLog').select('action').where('tenantId', '=', tenant.id).where('action', 'like', 'member.%').orderBy('at').execute()).map((r) => r.action);
    expect(await actions(a)).toEqual(expect.arrayContaining(['member.invited', 'member.joined']));
    expect(await actions(b)).toEqual(expect.arrayContaining(['member.invited', 'member.joined']));

    // Removed from B, they keep their account and A.
    const userId = (await viaB.get('/api/me')).body.user.id as string;
    expect((await adminB.delete(`/api/t/${b.slug}/members/${userId}`)).status).toBe(204);
    expect((await viaB.get('/api/me')).body.tenants.map((t: { slug: string }) => t.slug)).toEqual([a.slug]);
    expect((await viaB.get(`/api/t/${b.slug}/members`)).status).toBe(404);
  });

  it('lets the provider onboard a company whose first admin another company invited first', async () => {
    const person = uniqueEmail('first-admin');
    expect((await invite(adminA, a, person)).status).toBe(201);
    const adminClient = await logIn(h.app, provider);
    const onboarded = await adminClient.post('/api/tenants', {
      slug: `c-${Math.random().toString(36).slice(2, 8)}`,
      name: 'Company C',
      legalName: 'Company C SA',
      timeZone: 'Europe/Paris',
      locale: 'fr-FR',
      currency: 'EUR',
      clientAdmin: { email: person, displayName: 'First Admin' },
    });
    expect(onboarded.status, onboarded.text).toBe(201);
  });

  it('never opens an existing account with a code, and a withdrawn or declined invitation stops working', async () => {
    const person = await seedClientUser(h.db, b, 'client_member');
    const code = (await invite(adminA, a, person.email)).body.temporaryPassword as string;
    expect((await attemptLogin(h.app, person.email, code)).status).toBe(401);
    expect((await attemptLogin(h.app, person.email, person.password)).status).toBe(200);

    const newcomer = uniqueEmail('withdrawn');
    const withdrawn = await invite(adminA, a, newcomer);
    expect((await adminA.delete(`/api/t/${a.slug}/members/invitations/${withdrawn.body.invitationId}`)).status).toBe(204);
    expect((await attemptLogin(h.app, newcomer, withdrawn.body.temporaryPassword)).status).toBe(401);
    // Inviting again replaces the code: only the newest works.
    const first = await invite(adminA, a, newcomer);
    const second = await invite(adminA, a, newcomer);
    expect((await attemptLogin(h.app, newcomer, first.body.temporaryPassword)).status).toBe(401);
    expect((await attemptLogin(h.app, newcomer, second.body.temporaryPassword)).status).toBe(200);

    // Declining: the invitation goes, the inviting company's audit says so; another's id answers 404.
    const client = await logIn(h.app, person);
    const mine = (await client.get('/api/me/invitations')).body.invitations as { id: string }[];
    expect(mine).toHaveLength(1);
    expect((await client.post(`/api/me/invitations/${second.body.invitationId}/accept`, { code: second.body.temporaryPassword })).status).toBe(404);
    expect((await client.delete(`/api/me/invitations/${mine[0]!.id}`)).status).toBe(204);
    expect((await client.get('/api/me/invitations')).body.invitations).toEqual([]);
    const declined = await h.db.selectFrom('auditLog').select('actorId').where('action', '=', 'member.invitation_declined').where('targetId', '=', mine[0]!.id).execute();
    expect(declined).toEqual([{ actorId: person.id }]);
  });

  it('offers no invitation to a staff account, which cannot join a client company', async () => {
    const staff = await logIn(h.app, provider);
    expect((await staff.get('/api/me/invitations')).body.invitations).toEqual([]);
    const open = await h.db.selectFrom('memberInvitations').select('id').where('email', '=', provider.email).executeTakeFirstOrThrow();
    expect((await staff.post(`/api/me/invitations/${open.id}/accept`, { code: 'whatever-it-was' })).status).toBe(404);
  });

  it('refuses hostile input with a 400 naming the field, creating nothing', async () => {
    const before = await h.db.selectFrom('memberInvitations').select('id').execute();
    for (const [body, path] of [
      [{ email: 'x\u0000@example.com', displayName: 'X', role: 'client_member' }, 'email'],
      [{ email: uniqueEmail('nul'), displayName: 'X\u0000Y', role: 'client_member' }, 'displayName'],
      [{ email: uniqueEmail('long'), displayName: 'x'.repeat(5000), role: 'client_member' }, 'displayName'],
      [{ email: uniqueEmail('role'), displayName: 'X', role: 'provider_admin' }, 'role'],
    ] as const) {
      const res = await adminA.post(`/api/t/${a.slug}/members`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.contentType).toBe('application/problem+json');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    expect(await h.db.selectFrom('memberInvitations').select('id').execute()).toEqual(before);
  });
});
