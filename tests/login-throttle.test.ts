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
 * Failed logins are counted per email and per client address in the database; at the limit the key
 * is locked (429 with Retry-After) and even the right password is refused until the lock ends.
 * LOGIN_SLOWDOWN_MS is 0 here, so nothing waits.
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

describe('per-email limit', () => {
  it('locks an email after 5 failures, refuses the right password while locked, and unlocks later', async () => {
    const clock = createClock();
    const app = h.buildApp({ clock, env: { LOGIN_MAX_FAILURES_PER_EMAIL: '5', LOGIN_LOCK_MINUTES: '15' } });
    const user = await seedUser(h.db, { kind: 'operator' });
    // Each try from another address: only the email's own count can lock it.
    for (let i = 1; i <= 5; i++) expect((await attemptLogin(app, user.email, `guess ${i}`)).status, `failure ${i}`).toBe(401);

    expectLocked(await attemptLogin(app, user.email, user.password), 15);
    expectLocked(await attemptLogin(app, user.email, 'guess 6'), 15);
    expect(await sessionsOf(user)).toBe(0);

    clock.advance(10 * MINUTE);
    const later = await attemptLogin(app, user.email, user.password);
    expectLocked(later, 15);
    expect(Number(later.headers.get('retry-after'))).toBeLessThanOrEqual(5 * 60);

    clock.advance(5 * MINUTE + 1000);
    expect((await attemptLogin(app, user.email, user.password)).status).toBe(200);
    expect(await sessionsOf(user)).toBe(1);
  });

  it('locks an unknown email just the same, so locking does not reveal which emails exist', async () => {
    const app = h.buildApp({ env: { LOGIN_MAX_FAILURES_PER_EMAIL: '3' } });
    const user = await seedUser(h.db, { kind: 'operator' });
    const unknown = uniqueEmail('nobody');
    const answers: Record<string, ApiResponse[]> = { [user.email]: [], [unknown]: [] };
    for (const email of [user.email, unknown]) {
      for (let i = 0; i < 4; i++) answers[email]!.push(await attemptLogin(app, email, 'wrong'));
    }
    const shape = (list: ApiResponse[]) => list.map((r) => [r.status, r.body.type, r.headers.get('retry-after')]);
    expect(shape(answers[user.email]!)).toEqual(shape(answers[unknown]!));
    expect(answers[unknown]!.at(-1)!.status).toBe(429);
  });

  it('forgets earlier failures after a successful login', async () => {
    const app = h.buildApp({ env: { LOGIN_MAX_FAILURES_PER_EMAIL: '3' } });
    const user = await seedUser(h.db, { kind: 'operator' });
    for (let round = 0; round < 3; round++) {
      expect((await attemptLogin(app, user.email, 'wrong')).status).toBe(401);
      expect((await attemptLogin(app, user.email, 'wrong again')).status).toBe(401);
      expect((await attemptLogin(app, user.email, user.password)).status).toBe(200);
    }
  });
});

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
