import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, logIn, seedUser, send, type Harness } from './support/index.ts';

/** A person's interface language is a setting of their account: theirs only, audited, null = the browser's. */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h?.close());

const storedLanguage = async (userId: string) =>
  (await h.db.selectFrom('users').select('language').where('id', '=', userId).executeTakeFirstOrThrow()).language;

const languageAudit = (userId: string) =>
  h.db
    .selectFrom('platformAuditLog')
    .select(['actorId', 'action', 'targetId', 'before', 'after'])
    .where('action', '=', 'user.language_changed')
    .where('targetId', '=', userId)
    .orderBy('id')
    .execute();

describe('account language', () => {
  it('starts unset (follow the browser), is chosen, kept across logins, and reset to the browser', async () => {
    const user = await seedUser(h.db, { kind: 'operator' });
    const client = await logIn(h.app, user);
    expect((await client.get('/api/me')).body.user.language).toBeNull();

    const chosen = await client.put('/api/me/language', { language: 'de' });
    expect(chosen.status).toBe(200);
    expect(chosen.body.user).toMatchObject({ id: user.id, language: 'de' });
    expect(await storedLanguage(user.id)).toBe('de');

    // Another browser, another session: the account's language comes with the login.
    const elsewhere = await logIn(h.app, user);
    expect((await elsewhere.get('/api/me')).body.user.language).toBe('de');

    // Choosing the same language again changes nothing and writes no second audit row.
    expect((await client.put('/api/me/language', { language: 'de' })).status).toBe(200);
    const back = await client.put('/api/me/language', { language: null });
    expect(back.status).toBe(200);
    expect(back.body.user.language).toBeNull();
    expect(await storedLanguage(user.id)).toBeNull();

    expect(await languageAudit(user.id)).toEqual([
      { actorId: user.id, action: 'user.language_changed', targetId: user.id, before: { language: null }, after: { language: 'de' } },
      { actorId: user.id, action: 'user.language_changed', targetId: user.id, before: { language: 'de' }, after: { language: null } },
    ]);
  });

  it("changes only the caller's own account", async () => {
    const alice = await seedUser(h.db, { kind: 'client_admin' });
    const bob = await seedUser(h.db, { kind: 'provider_admin' });
    const asAlice = await logIn(h.app, alice);
    // There is no way to name another person: an extra field is refused, not obeyed.
    const sneaky = await asAlice.put('/api/me/language', { language: 'fr', userId: bob.id });
    expect(sneaky.status).toBe(400);
    expect((await asAlice.put('/api/me/language', { language: 'fr' })).status).toBe(200);
    expect(await storedLanguage(alice.id)).toBe('fr');
    expect(await storedLanguage(bob.id)).toBeNull();
  });

  it('needs a session', async () => {
    const res = await send(h.app, 'PUT', '/api/me/language', { json: { language: 'fr' } });
    expect(res.status).toBe(401);
  });

  it('is allowed while a temporary password must still be changed', async () => {
    const user = await seedUser(h.db, { kind: 'client_member', mustChangePassword: true });
    const client = await logIn(h.app, user);
    const res = await client.put('/api/me/language', { language: 'ru' });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ mustChangePassword: true, language: 'ru' });
    expect((await client.get('/api/tenants')).status).toBe(403);
  });

  it('refuses anything but a known language or null with a 400 naming the field, and changes nothing', async () => {
    const user = await seedUser(h.db, { kind: 'supervisor' });
    const client = await logIn(h.app, user);
    expect((await client.put('/api/me/language', { language: 'fr' })).status).toBe(200);
    for (const language of ['xx', 'FR', 'fr\u0000', 'fr-FR', '', 'x'.repeat(100_000), 3, true, ['fr'], { code: 'fr' }, undefined]) {
      const res = await client.put('/api/me/language', { language });
      expect(res.status, JSON.stringify(language)?.slice(0, 40)).toBe(400);
      expect(res.contentType).toBe('application/problem+json');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('language');
    }
    expect(await storedLanguage(user.id)).toBe('fr');
    expect(await languageAudit(user.id)).toHaveLength(1);
  });
});
