import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '@switchboard/db';
import {
  actorFor,
  apiOperations,
  attemptLogin,
  createHarness,
  describeOp,
  isUnsafe,
  logIn,
  seedClientUser,
  seedOperator,
  seedTenant,
  seedUser,
  snapshotDatabase,
  uniqueEmail,
  uniqueSlug,
  urlFor,
  type ApiOperation,
  type Client,
  type Harness,
  type TestUser,
} from './support/index.ts';

/** What every request passes before a handler may change anything: origin, tenant status, input validation. */
let h: Harness;
let tenant: Tenant;
let admin: Client;
let clientAdmin: Client;
let operator: TestUser;
let member: TestUser;
let unsafeOps: ApiOperation[];

beforeAll(async () => {
  h = await createHarness();
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { actor: actorFor(provider) }));
  clientAdmin = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_admin'));
  member = await seedClientUser(h.db, tenant, 'client_member');
  operator = await seedOperator(h.db, []);
  admin = await logIn(h.app, provider);
  unsafeOps = (await apiOperations(h.app)).filter(isUnsafe);
});
afterAll(() => h?.close());

describe('cross-origin requests', () => {
  const foreign: Record<string, string | null>[] = [
    { origin: 'https://evil.test' },
    { origin: null, 'sec-fetch-site': 'cross-site' },
    { origin: 'https://evil.test', 'sec-fetch-site': 'cross-site' },
    { origin: null, 'sec-fetch-site': 'same-site' },
    { origin: 'null' },
  ];

  it('refuses every unsafe documented route with 403 problem+json, and changes nothing', async () => {
    const before = await snapshotDatabase(h.db);
    const wrong: string[] = [];
    for (const op of unsafeOps) {
      const url = urlFor(op, { tenant: tenant.slug }, member.id);
      for (const headers of foreign) {
        const res = await admin.request(op.method, url, op.body, headers);
        if (res.status !== 403 || res.contentType !== 'application/problem+json' || !/cross-origin-refused$/.test(res.body?.type)) {
          wrong.push(`${describeOp(op)} ${JSON.stringify(headers)}: ${res.status} ${res.text}`);
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(unsafeOps.map(describeOp)).toEqual(expect.arrayContaining(['POST /api/auth/login', 'POST /api/auth/logout', 'POST /api/tenants']));
    expect(await snapshotDatabase(h.db)).toEqual(before);
    expect((await admin.get('/api/me')).status).toBe(200); // the cross-site logout did not log out
  });

  it('lets the same requests through from the same origin, or from a client that is no browser', async () => {
    const body = { slug: uniqueSlug('same-origin'), name: 'N', legalName: 'N SA', timeZone: 'UTC', locale: 'en-GB', currency: 'GBP' };
    expect((await admin.post('/api/tenants', body)).status).toBe(201);
    const noBrowser = await admin.post('/api/tenants', { ...body, slug: `${body.slug}-cli` }, { origin: null, 'sec-fetch-site': null });
    expect(noBrowser.status).toBe(201);
    expect((await admin.get('/api/tenants', { origin: 'https://evil.test', 'sec-fetch-site': 'cross-site' })).status).toBe(200);
  });
});

describe('a suspended tenant', () => {
  it('can be read but not changed, by anyone, until it is reactivated — but a provider admin may record a payment', async () => {
    const suspended = await admin.patch(`/api/tenants/${tenant.slug}`, { status: 'suspended', suspendedReason: 'Unpaid invoices' });
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ status: 'suspended', suspendedReason: 'Unpaid invoices' });

    expect((await clientAdmin.get(`/api/t/${tenant.slug}/members`)).status).toBe(200);
    expect((await admin.get(`/api/t/${tenant.slug}/operators`)).status).toBe(200);
    expect((await clientAdmin.get(`/api/tenants/${tenant.slug}`)).body.status).toBe('suspended');

    const before = await snapshotDatabase(h.db, { except: ['sessions'] });
    const tenantWrites = unsafeOps.filter((op) => op.path.startsWith('/api/t/{tenant}/'));
    expect(tenantWrites.length).toBeGreaterThan(0);
    const wrong: string[] = [];
    // Paying is how a company suspended for non-payment comes back: its payment can still be recorded.
    const payment = 'POST /api/t/{tenant}/invoices/{id}/payment';
    // A call already handled may still get its outcome (issue 11: calls in progress finish).
    const outcome = 'POST /api/t/{tenant}/calls/{callId}/outcome';
    let paymentTried = false;
    for (const op of tenantWrites) {
      for (const [who, client] of [['provider admin', admin], ['client admin', clientAdmin]] as const) {
        const res = await client.request(op.method, urlFor(op, { tenant: tenant.slug }, member.id), op.body);
        if (who === 'provider admin' && describeOp(op) === payment) {
          // Let through to the route, which finds no such invoice.
          paymentTried = true;
          if (res.status !== 404) wrong.push(`${who} ${describeOp(op)}: ${res.status} ${res.text}`);
        } else if (who === 'provider admin' && describeOp(op) === outcome) {
          if (res.status !== 404 && res.status !== 400) wrong.push(`${who} ${describeOp(op)}: ${res.status} ${res.text}`);
        } else if (res.status !== 403 || !/tenant-suspended$/.test(res.body?.type)) wrong.push(`${who} ${describeOp(op)}: ${res.status} ${res.text}`);
      }
    }
    expect(paymentTried).toBe(true);
    expect(wrong).toEqual([]);
    expect(await snapshotDatabase(h.db, { except: ['sessions'] })).toEqual(before);

    const reactivated = await admin.patch(`/api/tenants/${tenant.slug}`, { status: 'active' });
    expect(reactivated.body).toMatchObject({ status: 'active', suspendedReason: null });
    const invite = { email: uniqueEmail('after'), displayName: 'After Reactivation', role: 'client_member' };
    expect((await clientAdmin.post(`/api/t/${tenant.slug}/members`, invite)).status).toBe(201);
    expect((await admin.put(`/api/t/${tenant.slug}/operators/${operator.id}`, { skills: ['surveys'] })).status).toBe(200);
  });
});

describe('invalid input', () => {
  const expectInvalid = (res: { status: number; contentType: string | null; body: any }, paths: string[]) => {
    expect(res.status).toBe(400);
    expect(res.contentType).toBe('application/problem+json');
    expect(res.body).toMatchObject({ type: expect.stringMatching(/invalid-input$/), code: 'invalid_input', title: expect.any(String), status: 400 });
    expect(Object.keys(res.body).every((k) => ['type', 'code', 'title', 'status', 'detail', 'errors'].includes(k))).toBe(true);
    for (const error of res.body.errors) {
      expect(error).toEqual({ path: expect.any(String), code: expect.any(String), message: expect.any(String), ...(error.params ? { params: expect.any(Object) } : {}) });
    }
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(expect.arrayContaining(paths));
  };

  it('answers problem+json naming each bad field, and changes nothing', async () => {
    const before = await snapshotDatabase(h.db, { except: ['sessions'] });
    expectInvalid(
      await admin.post('/api/tenants', {
        slug: 'Not A Slug!',
        name: '',
        legalName: 'Fine SA',
        timeZone: 'Mars/Olympus_Mons',
        locale: 'not a locale',
        currency: 'euros',
        clientAdmin: { email: 'not-an-email', displayName: 'X' },
      }),
      ['slug', 'name', 'timeZone', 'locale', 'currency', 'clientAdmin.email'],
    );
    expectInvalid(await clientAdmin.post(`/api/t/${tenant.slug}/members`, { email: 'x@', displayName: '', role: 'owner' }), [
      'email',
      'displayName',
      'role',
    ]);
    expectInvalid(await admin.patch(`/api/tenants/${tenant.slug}`, { status: 'deleted', unknownField: 1 }), ['status']);
    expectInvalid(await admin.patch(`/api/tenants/${tenant.slug}`, {}), []);
    expectInvalid(await admin.put(`/api/t/${tenant.slug}/operators/${operator.id}`, { skills: ['Not A Skill'] }), ['skills.0']);
    expectInvalid(await admin.delete(`/api/t/${tenant.slug}/members/not-a-uuid`), ['userId']);
    expectInvalid(await admin.get(`/api/t/${tenant.slug}/audit?limit=100000`), ['limit']);
    expectInvalid(await admin.post('/api/tenants', '{"slug": '), ['(body)']);
    expectInvalid(await attemptLogin(h.app, 'not-an-email', ''), ['email', 'password']);
    expect(await snapshotDatabase(h.db, { except: ['sessions'] })).toEqual(before);
  });

  it('answers 404, not 500, for an unknown API route', async () => {
    const res = await admin.get(`/api/t/${tenant.slug}/no-such-thing/${randomUUID()}`);
    expect(res.status).toBe(404);
    expect(res.contentType).toBe('application/problem+json');
  });
});
