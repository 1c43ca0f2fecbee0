import { hash } from '@node-rs/argon2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, newId, withApp, type Database } from '@switchboard/db';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { hashPassword, needsRehash, verifyPassword } from './passwords.ts';

const CURRENT_PREFIX = '$argon2id$v=19$m=19456,t=2,p=1$';
const PASSWORD = 'a perfectly fine passphrase';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database?.close());

describe('password hashes', () => {
  it('are argon2id with 19 MiB, 2 iterations and 1 lane, salted', async () => {
    const first = await hashPassword(PASSWORD);
    const second = await hashPassword(PASSWORD);
    expect(first.startsWith(CURRENT_PREFIX)).toBe(true);
    expect(second).not.toBe(first);
    expect(await verifyPassword(first, PASSWORD)).toBe(true);
    expect(await verifyPassword(first, `${PASSWORD}!`)).toBe(false);
    expect(await verifyPassword('not a hash', PASSWORD)).toBe(false);
    expect(needsRehash(first)).toBe(false);
  });

  it('made with other parameters or another algorithm need a rehash', () => {
    expect(needsRehash('$argon2id$v=19$m=4096,t=3,p=1$c2FsdHNhbHQ$aGFzaGhhc2g')).toBe(true);
    expect(needsRehash('$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g')).toBe(true);
    expect(needsRehash('$2b$10$abcdefghijklmnopqrstuu')).toBe(true);
  });
});

describe('login', () => {
  const app = () => createApp({ db: database.db, databaseKind: database.kind, config: loadConfig({ LOGIN_SLOWDOWN_MS: '0', TRUST_PROXY: 'true' }), now: () => new Date() });
  const login = (email: string) =>
    app().request('/api/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': newId() },
      body: JSON.stringify({ email, password: PASSWORD }),
    });

  async function seed(passwordHash: string): Promise<{ id: string; email: string }> {
    const user = { id: newId(), email: `rehash-${Math.random().toString(36).slice(2, 8)}@example.test` };
    await withApp(database.db, (tx) =>
      tx.insertInto('users').values({ ...user, displayName: 'Rehash', kind: 'operator', passwordHash }).execute(),
    );
    return user;
  }
  const storedHash = async (id: string) =>
    (await database.db.selectFrom('users').select('passwordHash').where('id', '=', id).executeTakeFirstOrThrow()).passwordHash;

  it('rehashes a stored hash made with older parameters', async () => {
    const weak = await hash(PASSWORD, { algorithm: 2, memoryCost: 4096, timeCost: 1, parallelism: 1 });
    expect(weak.startsWith('$argon2id$v=19$m=4096,t=1,p=1$')).toBe(true);
    const user = await seed(weak);
    expect((await login(user.email)).status).toBe(200);
    const rehashed = await storedHash(user.id);
    expect(rehashed.startsWith(CURRENT_PREFIX)).toBe(true);
    expect(await verifyPassword(rehashed, PASSWORD)).toBe(true);
    expect((await login(user.email)).status).toBe(200);
  });

  it('keeps a current hash as it is', async () => {
    const current = await hashPassword(PASSWORD);
    const user = await seed(current);
    expect((await login(user.email)).status).toBe(200);
    expect(await storedHash(user.id)).toBe(current);
  });
});
