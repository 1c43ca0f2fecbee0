import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  attemptLogin,
  createClock,
  createHarness,
  MINUTE,
  seedUser,
  uniqueAddress,
  uniqueEmail,
  type ApiResponse,
  type Harness,
  type TestUser,
} from './support/index.ts';

/**
 * Failed logins are counted per (client address, email) and per client address in the database —
 * never per account alone, or anyone could lock anyone out (issue 11, finding 10). At a limit the
 * pair or the address is locked (429 with Retry-After) and even the right password is refused there
 * until the lock ends; the account's owner elsewhere is not. LOGIN_SLOWDOWN_MS is 0 here, so nothing waits.
 */
let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});
afterAll(() => h?.close());

const sessionsOf = async (user: TestUser) =>
  (await h.db.selectFrom('sessions').select('id').where('userId', '=', user.id).execute()).length;

function expectLocked(res: ApiResponse, lockMinutes: number) {
  expect(res.status).toBe(429);
  expect(res.contentType).toBe('application/problem+json');
  expect(res.body.type).toMatch(/too-many-attempts$/);
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter)).toBe(true);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(lockMinutes * 60);
}

describe('per-address limit', () => {
  it('locks an address after its failures, for every email, while other addresses still log in', async () => {
    const app = h.buildApp({ env: { LOGIN_MAX_FAILURES_PER_ADDRESS: '4', LOGIN_MAX_FAILURES_PER_EMAIL: '100' } });
    const user = await seedUser(h.db, { kind: 'operator' });
    const address = uniqueAddress();
    // Four different emails, so no email reaches a limit of its own.
    for (let i = 0; i < 4; i++) expect((await attemptLogin(app, uniqueEmail('spray'), 'wrong', { address })).status).toBe(401);

    expectLocked(await attemptLogin(app, user.email, user.password, { address }), 15);
    expect(await sessionsOf(user)).toBe(0);
    expect((await attemptLogin(app, user.email, user.password, { address: uniqueAddress() })).status).toBe(200);
  });
});

describe('IPv6', () => {
  it('counts a client by its /64, so hopping between the addresses of its own network does not escape the limit', async () => {
    const app = h.buildApp({ env: { LOGIN_MAX_FAILURES_PER_ADDRESS: '4', LOGIN_MAX_FAILURES_PER_ADDRESS_AND_EMAIL: '3' } });
    const user = await seedUser(h.db, { kind: 'operator' });
    const network = uniqueAddress().replace(/::1$/, '');
    const statuses: number[] = [];
    for (let i = 1; i <= 5; i++) statuses.push((await attemptLogin(app, uniqueEmail('spray'), 'wrong', { address: `${network}::${i.toString(16)}:beef` })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    // The same account, guessed from the next /64 along, is not locked by it.
    expect((await attemptLogin(app, user.email, user.password)).status).toBe(200);
  });
});

describe('per (address, email) limit', () => {
  it('locks the guesser’s address for that account after 5 failures, and unlocks later', async () => {
    const clock = createClock();
    const app = h.buildApp({ clock, env: { LOGIN_MAX_FAILURES_PER_ADDRESS_AND_EMAIL: '5', LOGIN_LOCK_MINUTES: '15' } });
    const user = await seedUser(h.db, { kind: 'operator' });
    const address = uniqueAddress();
    for (let i = 1; i <= 5; i++) expect((await attemptLogin(app, user.email, `guess ${i}`, { address })).status, `failure ${i}`).toBe(401);

    expectLocked(await attemptLogin(app, user.email, user.password, { address }), 15);
    expectLocked(await attemptLogin(app, user.email, 'guess 6', { address }), 15);
    expect(await sessionsOf(user)).toBe(0);

    clock.advance(10 * MINUTE);
    const later = await attemptLogin(app, user.email, user.password, { address });
    expectLocked(later, 15);
    expect(Number(later.headers.get('retry-after'))).toBeLessThanOrEqual(5 * 60);

    clock.advance(5 * MINUTE + 1000);
    expect((await attemptLogin(app, user.email, user.password, { address })).status).toBe(200);
    expect(await sessionsOf(user)).toBe(1);
  });

  it('an attacker failing 20 times on a provider admin from A is locked at A; the admin logs in from B at once', async () => {
    const app = h.buildApp();
    const admin = await seedUser(h.db, { kind: 'provider_admin' });
    const attacker = uniqueAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await attemptLogin(app, admin.email, `guess ${i}`, { address: attacker })).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(new Set(statuses.slice(5))).toEqual(new Set([429]));
    expectLocked(await attemptLogin(app, admin.email, admin.password, { address: attacker }), 15);

    const fromB = await attemptLogin(app, admin.email, admin.password, { address: uniqueAddress() });
    expect(fromB.status).toBe(200);
    expect(await sessionsOf(admin)).toBe(1);
    // Still locked at A, the admin's own success elsewhere notwithstanding.
    expectLocked(await attemptLogin(app, admin.email, 'guess 21', { address: attacker }), 15);
  });

  it('locks an unknown email just the same, so locking does not reveal which emails exist', async () => {
    const app = h.buildApp({ env: { LOGIN_MAX_FAILURES_PER_ADDRESS_AND_EMAIL: '3' } });
    const user = await seedUser(h.db, { kind: 'operator' });
    const unknown = uniqueEmail('nobody');
    const answers: Record<string, ApiResponse[]> = { [user.email]: [], [unknown]: [] };
    for (const email of [user.email, unknown]) {
      const address = uniqueAddress();
      for (let i = 0; i < 4; i++) answers[email]!.push(await attemptLogin(app, email, 'wrong', { address }));
    }
    const shape = (list: ApiResponse[]) => list.map((r) => [r.status, r.body.type, r.text.length, r.headers.get('retry-after')]);
    expect(shape(answers[user.email]!)).toEqual(shape(answers[unknown]!));
    expect(answers[unknown]!.at(-1)!.status).toBe(429);
  });

  it('forgets the pair’s failures after a successful login', async () => {
    const app = h.buildApp({ env: { LOGIN_MAX_FAILURES_PER_ADDRESS_AND_EMAIL: '3', LOGIN_MAX_FAILURES_PER_ADDRESS: '100' } });
    const user = await seedUser(h.db, { kind: 'operator' });
    const address = uniqueAddress();
    for (let round = 0; round < 3; round++) {
      expect((await attemptLogin(app, user.email, 'wrong', { address })).status).toBe(401);
      expect((await attemptLogin(app, user.email, 'wrong again', { address })).status).toBe(401);
      expect((await attemptLogin(app, user.email, user.password, { address })).status).toBe(200);
    }
  });

  it('still reads the older LOGIN_MAX_FAILURES_PER_EMAIL, now per address', async () => {
    const app = h.buildApp({ env: { LOGIN_MAX_FAILURES_PER_EMAIL: '2' } });
    const user = await seedUser(h.db, { kind: 'operator' });
    const address = uniqueAddress();
    for (let i = 0; i < 2; i++) expect((await attemptLogin(app, user.email, 'wrong', { address })).status).toBe(401);
    expectLocked(await attemptLogin(app, user.email, user.password, { address }), 15);
    expect((await attemptLogin(app, user.email, user.password)).status).toBe(200);
  });
});

describe('slowing down', () => {
  it('waits longer after each failure from an address, whether the account exists or not, and not at all for a fresh address', async () => {
    const app = h.buildApp({ env: { LOGIN_SLOWDOWN_MS: '1000', LOGIN_MAX_FAILURES_PER_ADDRESS_AND_EMAIL: '100', LOGIN_MAX_FAILURES_PER_ADDRESS: '100' } });
    const user = await seedUser(h.db, { kind: 'operator' });
    const timed = async (email: string, address: string) => {
      const started = performance.now();
      expect((await attemptLogin(app, email, 'wrong', { address })).status).toBe(401);
      return performance.now() - started;
    };
    for (const email of [user.email, uniqueEmail('nobody')]) {
      const address = uniqueAddress();
      await timed(email, address);
      await timed(email, address);
      // The third failure waits 2 × 1000 ms before answering.
      expect(await timed(email, address), email).toBeGreaterThanOrEqual(1990);
    }
    const started = performance.now();
    expect((await attemptLogin(app, user.email, user.password, { address: uniqueAddress() })).status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1990);
  });
});
