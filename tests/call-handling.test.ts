import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { crossTenant, withTenant, type Tenant } from '@switchboard/db';
import { actorFor, createHarness, logIn, seedClientUser, seedOperator, seedTenant, seedUser, type Client, type Harness, type TestUser } from './support/index.ts';

/** Call-handling settings, phone numbers (one tenant per number), operators' routing profiles, brand colours. */
let h: Harness;
let tenant: Tenant;
let other: Tenant;
let providerAdmin: Client;
let supervisor: Client;
let clientAdmin: Client;
let clientMember: Client;
let otherAdmin: Client;
let operator: Client;
let operatorUser: TestUser;

const auditRows = (tenantId: string, action: string) =>
  h.db.selectFrom('auditLog').selectAll().where('tenantId', '=', tenantId).where('action', '=', action).orderBy('id').execute();

beforeAll(async () => {
  h = await createHarness();
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { actor: actorFor(provider) }));
  ({ tenant: other } = await seedTenant(h.db, { actor: actorFor(provider), name: 'Taxis Lumière' }));
  providerAdmin = await logIn(h.app, provider);
  supervisor = await logIn(h.app, await seedUser(h.db, { kind: 'supervisor' }));
  clientAdmin = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_admin'));
  clientMember = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_member'));
  otherAdmin = await logIn(h.app, await seedClientUser(h.db, other, 'client_admin'));
  operatorUser = await seedOperator(h.db, [tenant]);
  operator = await logIn(h.app, operatorUser);
});
afterAll(() => h?.close());

describe('call settings', () => {
  const path = () => `/api/t/${tenant.slug}/call-settings`;
  const wanted = {
    offerTimeoutSeconds: 20,
    wrapUpSeconds: 45,
    answerTargetSeconds: 30,
    transferTimeoutSeconds: 40,
    wrapUpExtensionSeconds: 30,
    complaintDueDays: { low: 14, medium: 7, high: 3, critical: 1 },
    maxQueueWaitSeconds: 240,
    queueOverflow: { order_taking: { action: 'forward', forwardTo: '+33142868299' }, complaints: { action: 'callback' } },
    connectedSilenceMinutes: 120,
    satisfactionSurvey: { order_taking: { askSolved: true }, information: { askSolved: false } },
  };

  it('answers the defaults while the tenant has saved none, to everyone who may act for it', async () => {
    for (const who of [clientMember, operator, supervisor]) {
      const res = await who.get(path());
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        settings: {
          offerTimeoutSeconds: 15,
          wrapUpSeconds: 60,
          answerTargetSeconds: 20,
          transferTimeoutSeconds: 30,
          wrapUpExtensionSeconds: 0,
          complaintDueDays: { low: 10, medium: 5, high: 2, critical: 1 },
          maxQueueWaitSeconds: 300,
          queueOverflow: {},
          connectedSilenceMinutes: 240,
          satisfactionSurvey: {},
        },
        updatedAt: null,
        updatedBy: null,
      });
    }
  });

  it('lets client admins and provider admins change them, audited with before and after; the same again writes nothing', async () => {
    for (const who of [clientMember, operator, supervisor]) expect((await who.put(path(), wanted)).status).toBe(403);
    const res = await clientAdmin.put(path(), wanted);
    expect(res.status).toBe(200);
    expect(res.body.settings).toEqual(wanted);
    expect(res.body.updatedAt).toEqual(expect.any(String));
    expect((await operator.get(path())).body.settings).toEqual(wanted);
    const [row, ...more] = await auditRows(tenant.id, 'call_settings.replaced');
    expect(more).toEqual([]);
    expect(row?.before).toMatchObject({ offerTimeoutSeconds: 15 });
    expect(row?.after).toEqual(wanted);

    expect((await providerAdmin.put(path(), wanted)).status).toBe(200);
    expect(await auditRows(tenant.id, 'call_settings.replaced')).toHaveLength(1);
    // Fields left out take their defaults: PUT replaces the document.
    const partial = await providerAdmin.put(path(), { wrapUpSeconds: 90 });
    expect(partial.body.settings).toMatchObject({ wrapUpSeconds: 90, offerTimeoutSeconds: 15, complaintDueDays: { low: 10 } });
    expect((await providerAdmin.put(path(), wanted)).status).toBe(200);
  });

  it('lists every invalid field with its path, the severity order included, and saves nothing', async () => {
    const res = await clientAdmin.put(path(), {
      offerTimeoutSeconds: 2,
      wrapUpSeconds: 30.5,
      answerTargetSeconds: 'soon',
      transferTimeoutSeconds: 301,
      complaintDueDays: { low: 3, medium: 2, high: 1, critical: 4 },
      extra: true,
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const paths = res.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['offerTimeoutSeconds', 'wrapUpSeconds', 'answerTargetSeconds', 'transferTimeoutSeconds']));
    const order = await clientAdmin.put(path(), { ...wanted, complaintDueDays: { low: 3, medium: 2, high: 1, critical: 4 } });
    expect(order.status).toBe(400);
    expect(order.body.errors).toMatchObject([{ path: 'complaintDueDays.critical', message: 'A critical complaint cannot be due later than a high one (1 day).' }]);
    expect((await clientAdmin.get(path())).body.settings).toEqual(wanted);
  });

  it("never shows one tenant's settings to another", async () => {
    expect((await otherAdmin.get(`/api/t/${other.slug}/call-settings`)).body.updatedAt).toBeNull();
    expect((await otherAdmin.get(path())).status).toBe(404);
    expect((await otherAdmin.put(path(), wanted)).status).toBe(404);
  });
});

describe('phone numbers', () => {
  const numbers = (t: Tenant) => `/api/t/${t.slug}/phone-numbers`;

  it('adds a number in E.164 (provider admins only), lists it, and audits it', async () => {
    const body = { function: 'order_taking', label: 'Commandes — Paris' };
    for (const who of [clientAdmin, clientMember, supervisor, operator]) expect((await who.put(`${numbers(tenant)}/+33142868201`, body)).status).toBe(403);
    // Written with spaces and an encoded +, stored in E.164.
    const res = await providerAdmin.put(`${numbers(tenant)}/${encodeURIComponent('+33 1 42 86 82 01')}`, body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ number: '+33142868201', function: 'order_taking', label: 'Commandes — Paris' });
    const listed = await clientMember.get(numbers(tenant));
    expect(listed.status).toBe(200);
    expect(listed.body.numbers).toEqual([{ number: '+33142868201', function: 'order_taking', label: 'Commandes — Paris', createdAt: expect.any(String) }]);
    expect(await auditRows(tenant.id, 'phone_number.added')).toHaveLength(1);
  });

  it('changes the function and label of a number the tenant has; the same again writes nothing', async () => {
    const res = await providerAdmin.put(`${numbers(tenant)}/+33142868201`, { function: 'information', label: 'Infos' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ number: '+33142868201', function: 'information', label: 'Infos' });
    expect((await providerAdmin.put(`${numbers(tenant)}/+33142868201`, { function: 'information', label: 'Infos' })).status).toBe(200);
    const changes = await auditRows(tenant.id, 'phone_number.changed');
    expect(changes).toHaveLength(1);
    expect(changes[0]?.before).toMatchObject({ function: 'order_taking' });
  });

  it('refuses an invalid number, an unknown function and a long label, each at its path', async () => {
    const badNumber = await providerAdmin.put(`${numbers(tenant)}/+3314286820`, { function: 'information' });
    expect(badNumber.status).toBe(400);
    expect(badNumber.body.errors).toMatchObject([{ path: 'number', message: expect.stringContaining('international number') }]);
    const badBody = await providerAdmin.put(`${numbers(tenant)}/+33142868209`, { function: 'repairs', label: 'x'.repeat(121) });
    expect(badBody.status).toBe(400);
    expect(badBody.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['function', 'label']);
    expect((await providerAdmin.get(numbers(tenant))).body.numbers).toHaveLength(1);
  });

  it('refuses a number another tenant holds with a 409 that does not say which tenant', async () => {
    const res = await providerAdmin.put(`${numbers(other)}/+33142868201`, { function: 'information' });
    expect(res.status).toBe(409);
    expect(res.body.errors).toMatchObject([{ path: 'number', message: expect.stringContaining('another client company') }]);
    for (const leak of [tenant.slug, tenant.name, tenant.id]) expect(res.text).not.toContain(leak);
    expect((await providerAdmin.get(numbers(other))).body.numbers).toEqual([]);
    // The named cross-tenant read answers the owner; the tenant's own transaction cannot see it.
    const owner = await withTenant(h.db, other.id, async (tx) => {
      const direct = await tx.selectFrom('phoneNumbers').select('tenantId').where('number', '=', '+33142868201').executeTakeFirst();
      const named = await crossTenant.tenantOwningNumber(tx, '+33142868201');
      // The role is put back: the transaction still sees only its tenant.
      const after = await tx.selectFrom('phoneNumbers').select('tenantId').executeTakeFirst();
      return { direct, named, after };
    });
    expect(owner).toEqual({ direct: undefined, named: tenant.id, after: undefined });
  });

  it("answers 404 to another tenant's number, and removes a number (audited)", async () => {
    expect((await providerAdmin.delete(`${numbers(other)}/+33142868201`)).status).toBe(404);
    expect((await otherAdmin.get(numbers(tenant))).status).toBe(404);
    expect((await clientAdmin.delete(`${numbers(tenant)}/+33142868201`)).status).toBe(403);
    expect((await providerAdmin.delete(`${numbers(tenant)}/+33142868201`)).status).toBe(204);
    expect((await providerAdmin.delete(`${numbers(tenant)}/+33142868201`)).status).toBe(404);
    expect(await auditRows(tenant.id, 'phone_number.removed')).toHaveLength(1);
    // Free again: another tenant may take it.
    expect((await providerAdmin.put(`${numbers(other)}/+33142868201`, { function: 'information' })).status).toBe(200);
  });
});

describe("operators' routing profile", () => {
  const path = () => `/api/t/${tenant.slug}/operators/${operatorUser.id}`;
  const listed = async () => (await clientMember.get(`/api/t/${tenant.slug}/operators`)).body.operators.find((o: { operatorId: string }) => o.operatorId === operatorUser.id);

  it('starts empty, and takes a priority and delay per skill the operator has', async () => {
    expect((await listed()).routing).toEqual({});
    const res = await providerAdmin.put(path(), {
      skills: ['order_taking', 'information'],
      routing: { information: { priority: 3, delaySeconds: 30 }, order_taking: { priority: 1, delaySeconds: 0 } },
    });
    expect(res.status).toBe(200);
    expect(res.body.routing).toEqual({ information: { priority: 3, delaySeconds: 30 }, order_taking: { priority: 1, delaySeconds: 0 } });
    expect((await listed()).routing).toEqual(res.body.routing);
    const [row] = (await auditRows(tenant.id, 'operator.skills_changed')).slice(-1);
    expect(row?.after).toMatchObject({ routing: res.body.routing });
  });

  it('refuses routing for a skill the operator does not have, and out-of-range values, at their paths', async () => {
    const res = await providerAdmin.put(path(), {
      skills: ['information'],
      routing: { telesales: { priority: 1, delaySeconds: 0 }, information: { priority: 10, delaySeconds: 601 } },
    });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['routing.information.delaySeconds', 'routing.information.priority', 'routing.telesales']);
    expect((await listed()).skills).toEqual(['information', 'order_taking']);
  });

  it('keeps the profile when only the skills are sent, less the skills taken away', async () => {
    const res = await providerAdmin.put(path(), { skills: ['information'] });
    expect(res.status).toBe(200);
    expect(res.body.routing).toEqual({ information: { priority: 3, delaySeconds: 30 } });
  });
});

describe('brand colour', () => {
  it('is set at onboarding, changed by provider admins in lower case, and shown with the tenant', async () => {
    const created = await providerAdmin.post('/api/tenants', {
      slug: `fleurs-${Date.now().toString(36)}`,
      name: 'Fleurs de Lyon',
      legalName: 'Fleurs de Lyon SARL',
      timeZone: 'Europe/Paris',
      locale: 'fr-FR',
      currency: 'EUR',
      brandColor: '#8E44AD',
    });
    expect(created.status).toBe(201);
    expect(created.body.tenant.brandColor).toBe('#8e44ad');
    expect((await clientAdmin.get(`/api/tenants/${tenant.slug}`)).body.brandColor).toBe('#2f6fdf');
    const patched = await providerAdmin.patch(`/api/tenants/${tenant.slug}`, { brandColor: '#C0392B' });
    expect(patched.status).toBe(200);
    expect(patched.body.brandColor).toBe('#c0392b');
    const bad = await providerAdmin.patch(`/api/tenants/${tenant.slug}`, { brandColor: 'red' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toMatchObject([{ path: 'brandColor', message: 'Use a colour as #rrggbb, such as #c0392b.' }]);
    const list = await supervisor.get('/api/tenants');
    expect(list.body.tenants.find((t: { slug: string }) => t.slug === tenant.slug).brandColor).toBe('#c0392b');
  });
});
