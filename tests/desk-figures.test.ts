import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId, withTenant, type Tenant } from '@switchboard/db';
import {
  actorFor,
  createClock,
  createHarness,
  logIn,
  seedClientUser,
  seedOperator,
  seedTenant,
  seedUser,
  uniqueSlug,
  type Client,
  type Harness,
  type TestUser,
} from './support/index.ts';

/**
 * GET /api/desk/figures: an operator's own figures for today (calls handled, average handle time),
 * per client they serve, each client's day in its own time zone; nobody else's calls, no client they
 * do not serve, and only for operators.
 */
let h: Harness;
let paris: Tenant;
let moscow: Tenant;
let notServed: Tenant;
let operator: TestUser;
let colleague: TestUser;
let op: Client;

// 21:30 UTC: 22:30 on 10 March in Paris, already 00:30 on 11 March in Moscow.
const now = new Date('2026-03-10T21:30:00Z');

async function handledCall(tenant: Tenant, operatorId: string, answeredAt: string, wrapUpEndedAt: string | null): Promise<void> {
  await withTenant(h.db, tenant.id, (tx) =>
    tx
      .insertInto('calls')
      .values({
        tenantId: tenant.id,
        id: newId(),
        externalId: `fig-${newId()}`,
        function: 'order_taking',
        dialledNumber: '+33100000000',
        callerNumber: '+33612345678',
        status: wrapUpEndedAt ? 'completed' : 'wrap_up',
        operatorId,
        offeredAt: new Date(new Date(answeredAt).getTime() - 10_000),
        answeredAt: new Date(answeredAt),
        endedAt: new Date(answeredAt),
        wrapUpEndedAt: wrapUpEndedAt ? new Date(wrapUpEndedAt) : null,
        disposition: wrapUpEndedAt ? 'order_taken' : null,
      })
      .execute(),
  );
}

beforeAll(async () => {
  h = await createHarness();
  const admin = actorFor(await seedUser(h.db, { kind: 'provider_admin' }));
  ({ tenant: paris } = await seedTenant(h.db, { slug: uniqueSlug('fig-paris'), name: 'A Paris client', timeZone: 'Europe/Paris', actor: admin }));
  ({ tenant: moscow } = await seedTenant(h.db, { slug: uniqueSlug('fig-moscow'), name: 'B Moscow client', timeZone: 'Europe/Moscow', actor: admin }));
  ({ tenant: notServed } = await seedTenant(h.db, { slug: uniqueSlug('fig-other'), name: 'C Other client', actor: admin }));
  operator = await seedOperator(h.db, [paris, moscow]);
  colleague = await seedOperator(h.db, [paris, moscow, notServed]);
  op = await logIn(h.buildApp({ clock: createClock(now) }), operator);

  for (const tenant of [paris, moscow]) {
    // 3 min and 5 min of handling, ended 20:00 and 21:00 UTC; a call still in wrap-up is not handled yet.
    await handledCall(tenant, operator.id, '2026-03-10T19:57:00Z', '2026-03-10T20:00:00Z');
    await handledCall(tenant, operator.id, '2026-03-10T20:55:00Z', '2026-03-10T21:00:00Z');
    await handledCall(tenant, operator.id, '2026-03-10T21:20:00Z', null);
    // Yesterday everywhere, and a colleague's call today: neither counts.
    await handledCall(tenant, operator.id, '2026-03-09T10:00:00Z', '2026-03-09T10:02:00Z');
    await handledCall(tenant, colleague.id, '2026-03-10T21:00:00Z', '2026-03-10T21:10:00Z');
  }
  await handledCall(notServed, colleague.id, '2026-03-10T21:00:00Z', '2026-03-10T21:10:00Z');
});
afterAll(() => h?.close());

describe("an operator's figures for today", () => {
  it("counts only the operator's own finished calls, per client, in each client's local day", async () => {
    const res = await op.get('/api/desk/figures');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      tenants: [
        { slug: paris.slug, name: 'A Paris client', brandColor: paris.brandColor, date: '2026-03-10', handled: 2, averageHandleSeconds: 240, wrapUpSeconds: 240, latestQualityScore: null },
        // Moscow's day began at 21:00 UTC: only the call ended at 21:00 is today's there.
        { slug: moscow.slug, name: 'B Moscow client', brandColor: moscow.brandColor, date: '2026-03-11', handled: 1, averageHandleSeconds: 300, wrapUpSeconds: 300, latestQualityScore: null },
      ],
      total: { handled: 3, averageHandleSeconds: 260 },
    });
    expect(res.text).not.toContain(notServed.slug);
  });

  it('narrows to one client the operator serves, and answers 404 for one they do not, as for one that does not exist', async () => {
    const one = await op.get(`/api/desk/figures?tenant=${moscow.slug}`);
    expect(one.status).toBe(200);
    expect(one.body.tenants.map((t: { slug: string }) => t.slug)).toEqual([moscow.slug]);
    for (const slug of [notServed.slug, uniqueSlug('nowhere')]) {
      const res = await op.get(`/api/desk/figures?tenant=${slug}`);
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('C Other client');
    }
  });

  it('refuses hostile filters as invalid input, naming the field', async () => {
    for (const value of ['../x', 'a\u0000b', 'x'.repeat(5000), '=HYPERLINK("x")']) {
      const res = await op.get(`/api/desk/figures?tenant=${encodeURIComponent(value)}`);
      expect(res.status).toBe(400);
      expect(res.contentType).toContain('application/problem+json');
      expect(res.body.errors[0].path).toBe('tenant');
    }
  });

  it('is for operators only: staff and client users get 403, and a visitor 401', async () => {
    const supervisor = await logIn(h.app, await seedUser(h.db, { kind: 'supervisor' }));
    expect((await supervisor.get('/api/desk/figures')).status).toBe(403);
    const client = await logIn(h.app, await seedClientUser(h.db, paris, 'client_admin'));
    expect((await client.get('/api/desk/figures')).status).toBe(403);
    expect((await h.app.request('/api/desk/figures')).status).toBe(401);
  });
});
