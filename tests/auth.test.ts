import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attemptLogin,
  Client,
  createClock,
  createHarness,
  DAY,
  HOUR,
  logIn,
  seedTenant,
  seedUser,
  send,
  sessionCookieFrom,
  uniqueEmail,
  type Harness,
  type TestUser,
} from './support/index.ts';

/** Logging in, session lifetime, logout and password changes, through the HTTP API. */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h?.close());

const sessionsOf = async (user: TestUser) =>
  (await h.db.selectFrom('sessions').select('id').where('userId', '=', user.id).execute()).length;

describe('login', () => {
  it('sets an HttpOnly, SameSite=Lax session cookie and answers who logged in', async () => {
    const user = await seedUser(h.db, { kind: 'supervisor' });
    const res = await attemptLogin(h.app, user.email.toUpperCase(), user.password);
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ id: user.id, email: user.email, kind: 'supervisor', mustChangePassword: false });
    // What the user may do comes from the one permissions matrix: a supervisor watches, changes nothing.
    expect(res.body.permissions).toEqual(expect.arrayContaining(['wallboard.read', 'tenants.read', 'audit.read']));
    expect(res.body.permissions).not.toContain('tenants.manage');
    expect(res.body.permissions).not.toContain('calls.handle');
    const cookie = sessionCookieFrom(res.headers)!;
    expect(cookie.value).toMatch(/^[a-z0-9]+\.[a-z0-9]+$/);
    expect(cookie.line).toMatch(/; HttpOnly/);
    expect(cookie.line).toMatch(/; SameSite=Lax/);
    expect(cookie.line).toMatch(/; Path=\//);
    // Only a hash of the secret is stored.
    const [id, secret] = cookie.value.split('.') as [string, string];
    const row = await h.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.userId).toBe(user.id);
    expect(Buffer.from(row.secretHash).toString('utf8')).not.toContain(secret);
    expect((await new Client(h.app, cookie.value).get('/api/me')).body.user.id).toBe(user.id);
  });

  it('answers a wrong password and an unknown email the same way', async () => {
    const user = await seedUser(h.db, { kind: 'operator' });
    const disabled = await seedUser(h.db, { kind: 'operator', status: 'disabled' });
    const wrong = await attemptLogin(h.app, user.email, 'not the password');
    const unknown = await attemptLogin(h.app, uniqueEmail('nobody'), 'not the password');
    const inactive = await attemptLogin(h.app, disabled.email, disabled.password);
    expect(wrong.status).toBe(401);
    expect(wrong.contentType).toBe('application/problem+json');
    for (const other of [unknown, inactive]) {
      expect({ status: other.status, type: other.contentType, body: other.text }).toEqual({
        status: wrong.status,
        type: wrong.contentType,
        body: wrong.text,
      });
    }
    expect(sessionCookieFrom(wrong.headers)).toBeUndefined();
    expect(await sessionsOf(user)).toBe(0);
    expect(await sessionsOf(disabled)).toBe(0);
  });

  it('needs a session for everything but login, health and the API description', async () => {
    expect((await send(h.app, 'GET', '/api/me')).status).toBe(401);
    expect((await send(h.app, 'GET', '/api/tenants')).status).toBe(401);
    expect((await new Client(h.app, 'forged.token').get('/api/me')).status).toBe(401);
    expect((await send(h.app, 'GET', '/api/health')).status).toBe(200);
    expect((await send(h.app, 'GET', '/api/openapi.json')).status).toBe(200);
  });
});

describe('session lifetime', () => {
  it('ends after 10 days without use', async () => {
    const clock = createClock();
    const app = h.buildApp({ clock });
    const user = await seedUser(h.db, { kind: 'operator' });
    const idle = await logIn(app, user);
    const busy = await logIn(app, user);
    clock.advance(9 * DAY);
    expect((await busy.get('/api/me')).status).toBe(200);
    clock.advance(1 * DAY + 1000);
    const refused = await idle.get('/api/me');
    expect(refused.status).toBe(401);
    expect(sessionCookieFrom(refused.headers)?.value).toBe('');
    expect((await busy.get('/api/me')).status).toBe(200); // used a day ago
    expect(await sessionsOf(user)).toBe(1);
  });

  it('ends 30 days after login however often it is used', async () => {
    const clock = createClock();
    const app = h.buildApp({ clock });
    const user = await seedUser(h.db, { kind: 'operator' });
    const client = await logIn(app, user);
    for (let day = 9; day <= 27; day += 9) {
      clock.advance(9 * DAY);
      const res = await client.get('/api/me');
      expect(res.status, `day ${day}`).toBe(200);
      expect(sessionCookieFrom(res.headers)?.value, 'the cookie is sent again with its new expiry').toBe(client.token);
    }
    clock.advance(3 * DAY + 1000);
    expect((await client.get('/api/me')).status).toBe(401);
    expect(await sessionsOf(user)).toBe(0);
  });

  it('does not rewrite the session on every request', async () => {
    const clock = createClock();
    const app = h.buildApp({ clock });
    const user = await seedUser(h.db, { kind: 'operator' });
    const client = await logIn(app, user);
    clock.advance(HOUR / 2);
    const res = await client.get('/api/me');
    expect(res.status).toBe(200);
    expect(sessionCookieFrom(res.headers)).toBeUndefined();
  });
});

describe('logout and password change', () => {
  it('logout ends the session: the old cookie is refused', async () => {
    const user = await seedUser(h.db, { kind: 'operator' });
    const client = await logIn(h.app, user);
    const token = client.token;
    const res = await client.post('/api/auth/logout');
    expect(res.status).toBe(200);
    expect(sessionCookieFrom(res.headers)?.value).toBe('');
    expect((await new Client(h.app, token).get('/api/me')).status).toBe(401);
    expect(await sessionsOf(user)).toBe(0);
  });

  it('a password change ends every other session, and the old password', async () => {
    const user = await seedUser(h.db, { kind: 'supervisor' });
    const here = await logIn(h.app, user);
    const elsewhere = await logIn(h.app, user);
    const oldHere = here.token;

    const wrong = await here.post('/api/auth/password', { currentPassword: 'not it', newPassword: 'a brand new passphrase' });
    expect(wrong.status).toBe(400);
    expect(wrong.body.errors).toMatchObject([{ path: 'currentPassword', message: expect.any(String) }]);
    expect((await elsewhere.get('/api/me')).status).toBe(200);

    const changed = await here.post('/api/auth/password', { currentPassword: user.password, newPassword: 'a brand new passphrase' });
    expect(changed.status).toBe(200);
    expect(here.token).not.toBe(oldHere);
    expect((await here.get('/api/me')).status).toBe(200);
    expect((await elsewhere.get('/api/me')).status).toBe(401);
    expect((await new Client(h.app, oldHere).get('/api/me')).status).toBe(401);
    expect(await sessionsOf(user)).toBe(1);
    expect((await attemptLogin(h.app, user.email, user.password)).status).toBe(401);
    expect((await attemptLogin(h.app, user.email, 'a brand new passphrase')).status).toBe(200);
  });

  it('keeps a user with a temporary password out of everything until it is changed', async () => {
    const { tenant, invitation } = await seedTenant(h.db, { clientAdmin: { email: uniqueEmail('invited'), displayName: 'Invited Admin' } });
    const invited = { email: invitation!.email, password: invitation!.temporaryPassword };
    const client = await logIn(h.app, invited);
    const me = await client.get('/api/me');
    expect(me.status).toBe(200);
    expect(me.body.user.mustChangePassword).toBe(true);

    const blocked = [
      await client.get(`/api/t/${tenant.slug}/members`),
      await client.get(`/api/tenants/${tenant.slug}`),
      await client.post(`/api/t/${tenant.slug}/members`, { email: uniqueEmail('sneaky'), displayName: 'Sneaky', role: 'client_admin' }),
    ];
    for (const res of blocked) {
      expect(res.status).toBe(403);
      expect(res.body.detail).toMatch(/temporary password/);
    }
    const members = await h.db.selectFrom('tenantMembers').select('userId').where('tenantId', '=', tenant.id).execute();
    expect(members).toHaveLength(1);

    const changed = await client.post('/api/auth/password', { currentPassword: invited.password, newPassword: 'my own long passphrase' });
    expect(changed.status).toBe(200);
    expect(changed.body.user.mustChangePassword).toBe(false);
    expect((await client.get(`/api/t/${tenant.slug}/members`)).status).toBe(200);
  });
});
