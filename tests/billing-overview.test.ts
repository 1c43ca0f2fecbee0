import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closePeriodsOnce } from '@switchboard/api';
import { newId, type Tenant } from '@switchboard/db';
import {
  actorFor,
  Client,
  createHarness,
  insertListPrice,
  logIn,
  seedClientUser,
  seedOperator,
  seedTenant,
  seedUser,
  setBillingAccount,
  writeUsage,
  type Harness,
  type TestUser,
} from './support/index.ts';

/**
 * The provider's billing view: revenue per tenant and per function this month and last, who is past
 * due, and suspending a tenant for non-payment once its grace period is over.
 *
 * Today is 10 April 2025. Alpha (Paris, EUR) has been a client since February; Bravo (Berlin, USD)
 * joined today and has been past due since 1 April; Charlie (USD) too.
 */
let h: Harness;
let alpha: Tenant;
let bravo: Tenant;
let charlie: Tenant;
let providerUser: TestUser;
let admin: Client;
let supervisor: Client;
let alphaAdmin: Client;
let alphaMember: Client;
let bravoAdmin: Client;
let operator: Client;

const setClock = (iso: string) => h.clock.advance(new Date(iso).getTime() - h.clock.now().getTime());
const suspendPath = (tenant: { slug: string }) => `/api/billing/tenants/${tenant.slug}/suspend`;

beforeAll(async () => {
  h = await createHarness();
  setClock('2025-04-10T12:00:00Z');
  providerUser = await seedUser(h.db, { kind: 'provider_admin' });
  const actor = actorFor(providerUser);
  ({ tenant: alpha } = await seedTenant(h.db, { actor, name: 'Alpha Pizza', timeZone: 'Europe/Paris', currency: 'EUR', now: new Date('2025-02-20T10:00:00Z') }));
  ({ tenant: bravo } = await seedTenant(h.db, { actor, name: 'Bravo Bank', timeZone: 'Europe/Berlin', currency: 'USD', now: h.clock.now() }));
  ({ tenant: charlie } = await seedTenant(h.db, { actor, name: 'Charlie Cabs', timeZone: 'Europe/Berlin', currency: 'USD', now: h.clock.now() }));

  await insertListPrice(h.db, { function: 'order_taking', metric: 'order', currency: 'EUR', unitAmountMinor: 120 });
  await insertListPrice(h.db, { function: null, metric: 'platform_fee', currency: 'EUR', unitAmountMinor: 5000 });
  await insertListPrice(h.db, { function: 'complaints', metric: 'complaint', currency: 'USD', unitAmountMinor: 250 });
  await insertListPrice(h.db, { function: null, metric: 'platform_fee', currency: 'USD', unitAmountMinor: 4000 });

  for (const at of ['2025-03-15T10:00:00Z', '2025-03-16T10:00:00Z', '2025-04-05T10:00:00Z']) {
    await writeUsage(h.db, alpha, { function: 'order_taking', metric: 'order', quantity: 1, occurredAt: new Date(at) });
  }
  await writeUsage(h.db, bravo, { function: 'complaints', metric: 'complaint', quantity: 1, occurredAt: new Date('2025-04-10T09:00:00Z') });
  await setBillingAccount(h.db, bravo, { pastDueSince: new Date('2025-04-01T00:00:00Z') });
  await setBillingAccount(h.db, charlie, { pastDueSince: new Date('2025-04-01T00:00:00Z') });

  admin = await logIn(h.app, providerUser);
  supervisor = await logIn(h.app, await seedUser(h.db, { kind: 'supervisor' }));
  alphaAdmin = await logIn(h.app, await seedClientUser(h.db, alpha, 'client_admin'));
  alphaMember = await logIn(h.app, await seedClientUser(h.db, alpha, 'client_member'));
  bravoAdmin = await logIn(h.app, await seedClientUser(h.db, bravo, 'client_admin'));
  operator = await logIn(h.app, await seedOperator(h.db, [alpha, bravo]));
});
afterAll(() => h?.close());

const expectedTenants = () => [
  {
    tenantId: alpha.id,
    slug: alpha.slug,
    name: 'Alpha Pizza',
    currency: 'EUR',
    status: 'active',
    thisPeriod: '2025-04',
    // April: one order at 1.20 + the 50.00 fee; March: two orders + the fee.
    thisMonthMinor: 5120,
    lastMonthMinor: 5240,
    pastDueSince: null,
    graceEndsAt: null,
  },
  {
    tenantId: bravo.id,
    slug: bravo.slug,
    name: 'Bravo Bank',
    currency: 'USD',
    status: 'active',
    thisPeriod: '2025-04',
    thisMonthMinor: 4250,
    // Bravo did not exist in March.
    lastMonthMinor: 0,
    pastDueSince: '2025-04-01T00:00:00.000Z',
    graceEndsAt: '2025-04-15T00:00:00.000Z',
  },
  {
    tenantId: charlie.id,
    slug: charlie.slug,
    name: 'Charlie Cabs',
    currency: 'USD',
    status: 'active',
    thisPeriod: '2025-04',
    thisMonthMinor: 4000,
    lastMonthMinor: 0,
    pastDueSince: '2025-04-01T00:00:00.000Z',
    graceEndsAt: '2025-04-15T00:00:00.000Z',
  },
];

describe('revenue overview', () => {
  it('shows revenue per tenant and per function, this month and last, each in its own currency', async () => {
    const res = await admin.get('/api/billing/overview');
    expect(res.status).toBe(200);
    expect(res.body.tenants).toEqual(expectedTenants());
    expect(res.body.functions).toEqual([
      { function: 'order_taking', currency: 'EUR', thisMonthMinor: 120, lastMonthMinor: 240 },
      { function: 'complaints', currency: 'USD', thisMonthMinor: 250, lastMonthMinor: 0 },
    ]);
    expect((await supervisor.get('/api/billing/overview')).body).toEqual(res.body);
  });

  it('lists who is past due, with when the grace period ends', async () => {
    const { tenants } = (await admin.get('/api/billing/overview')).body;
    expect(tenants.filter((t: { pastDueSince: string | null }) => t.pastDueSince).map((t: { slug: string; graceEndsAt: string }) => [t.slug, t.graceEndsAt])).toEqual([
      [bravo.slug, '2025-04-15T00:00:00.000Z'],
      [charlie.slug, '2025-04-15T00:00:00.000Z'],
    ]);
  });

  it("keeps last month's figure once it is closed (frozen)", async () => {
    expect(await closePeriodsOnce({ db: h.db, now: h.clock.now })).toEqual([{ tenantId: alpha.id, period: '2025-03-01' }]);
    expect((await admin.get('/api/billing/overview')).body.tenants).toEqual(expectedTenants());
  });

  it('is for provider staff only', async () => {
    for (const who of [alphaAdmin, alphaMember, bravoAdmin, operator]) {
      const res = await who.get('/api/billing/overview');
      expect(res.status).toBe(403);
      expect(res.body.detail).toBe('You may not see revenue across client companies.');
    }
  });
});

describe('suspending a tenant for non-payment', () => {
  it('refuses a tenant that is not past due (409, nothing changes)', async () => {
    const res = await admin.post(suspendPath(alpha));
    expect(res.status).toBe(409);
    expect(res.body.detail).toBe('Alpha Pizza is not past due: only a tenant whose payment failed can be suspended for non-payment.');
    expect((await admin.get(`/api/tenants/${alpha.slug}`)).body.status).toBe('active');
  });

  it('refuses a past-due tenant before its grace period is over (409, saying until when)', async () => {
    const res = await admin.post(suspendPath(bravo));
    expect(res.status).toBe(409);
    expect(res.contentType).toContain('application/problem+json');
    expect(res.body.detail).toBe(
      'Bravo Bank has been past due since 2025-04-01, and its grace period of 14 days runs until 2025-04-15T00:00:00.000Z: it can be suspended after that.',
    );
    expect((await admin.get(`/api/tenants/${bravo.slug}`)).body.status).toBe('active');
  });

  it('lets only provider admins suspend; who may not act for the tenant gets the 404 of a tenant that does not exist', async () => {
    for (const who of [supervisor, bravoAdmin, operator]) {
      const res = await who.post(suspendPath(bravo));
      expect(res.status).toBe(403);
    }
    expect((await bravoAdmin.post(suspendPath(bravo))).body.detail).toBe('You may not onboard, change or suspend client companies.');
    const probe = await alphaAdmin.post(suspendPath(bravo));
    const control = await alphaAdmin.post(suspendPath({ slug: 'no-such-company' }));
    expect(probe.status).toBe(404);
    expect(probe.text).toBe(control.text);
    expect((await admin.post(suspendPath({ slug: 'no-such-company' }))).status).toBe(404);
  });

  it('takes the grace period from BILLING_GRACE_DAYS (3 days: Charlie, past due since 1 April, may be suspended on the 10th)', async () => {
    const strict = new Client(h.buildApp({ env: { BILLING_GRACE_DAYS: '3' } }), admin.token);
    expect((await admin.post(suspendPath(charlie))).status).toBe(409);
    const res = await strict.post(suspendPath(charlie));
    expect(res.status).toBe(200);
    expect((await admin.get(`/api/tenants/${charlie.slug}`)).body.status).toBe('suspended');
  });

  it('suspends once the grace period is over, audited like any suspension; asking again changes nothing', async () => {
    setClock('2025-04-15T00:00:00Z');
    const res = await admin.post(suspendPath(bravo));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'suspended' });
    const tenant = (await admin.get(`/api/tenants/${bravo.slug}`)).body;
    expect(tenant).toMatchObject({ status: 'suspended', suspendedReason: 'Unpaid invoices: past due since 2025-04-01.' });
    const audit = () =>
      h.db.selectFrom('auditLog').select(['action', 'actorId', 'actorLabel']).where('tenantId', '=', bravo.id).where('action', '=', 'tenant.suspended').execute();
    expect(await audit()).toEqual([{ action: 'tenant.suspended', actorId: providerUser.id, actorLabel: actorFor(providerUser).label }]);

    expect((await admin.post(suspendPath(bravo))).body).toEqual({ status: 'suspended' });
    expect(await audit()).toHaveLength(1);
    // Suspended: its data can be read, not changed; the overview says so.
    expect((await bravoAdmin.get(`/api/t/${bravo.slug}/statements`)).status).toBe(200);
    expect((await bravoAdmin.put(`/api/t/${bravo.slug}/call-settings`, {})).status).toBe(403);
    expect((await admin.put(`/api/t/${bravo.slug}/call-settings`, {})).status).toBe(403);
    // …but its payment can still be recorded: paying is how it comes back.
    const invoice = { id: newId() };
    await h.db.insertInto('invoices').values({ tenantId: bravo.id, id: invoice.id, source: 'local', number: 'BRAVO-TEST', currency: 'EUR', amountDueMinor: 5000, status: 'open' }).execute();
    expect((await bravoAdmin.post(`/api/t/${bravo.slug}/invoices/${invoice.id}/payment`, {})).status).toBe(403);
    expect((await admin.post(`/api/t/${bravo.slug}/invoices/${invoice.id}/payment`, {})).status).toBe(204);
    expect((await h.db.selectFrom('invoices').select('status').where('id', '=', invoice.id).executeTakeFirstOrThrow()).status).toBe('paid');
    const overview = (await admin.get('/api/billing/overview')).body.tenants;
    expect(overview.find((t: { slug: string }) => t.slug === bravo.slug).status).toBe('suspended');
  });
});
