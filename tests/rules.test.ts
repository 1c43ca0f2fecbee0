import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '@switchboard/db';
import { actorFor, createHarness, logIn, seedClientUser, seedOperator, seedTenant, seedUser, type Client, type Harness, type TestUser } from './support/index.ts';

/** The confidentiality rules API: one document, validated in full, audited; the IP allow-list; operators' agreements. */
let h: Harness;
let tenant: Tenant;
let clientAdmin: Client;
let clientMember: Client;
let operator: Client;
let operatorUser: TestUser;
let providerAdmin: Client;
let supervisor: Client;

const bank = {
  classification: { 'customer.card_number': 'sensitive', 'customer.account_number': 'sensitive', 'customer.email': 'public' },
  operatorVisibility: 'last_four',
  exportFields: ['order.items', 'customer.email'],
  whiteLabel: true,
  greetingText: 'Banque Horizon, guten Tag',
  recordingPolicy: 'paused_for_payment',
  retention: { personalDataDays: 3650, recordingsDays: 180 },
  requiresConfidentialityAgreement: true,
  ipAllowList: [],
};

async function auditRows(action: string) {
  return h.db.selectFrom('auditLog').selectAll().where('tenantId', '=', tenant.id).where('action', '=', action).execute();
}

beforeAll(async () => {
  h = await createHarness();
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { actor: actorFor(provider) }));
  clientAdmin = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_admin'));
  clientMember = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_member'));
  operatorUser = await seedOperator(h.db, [tenant]);
  operator = await logIn(h.app, operatorUser);
  providerAdmin = await logIn(h.app, provider);
  supervisor = await logIn(h.app, await seedUser(h.db, { kind: 'supervisor' }));
});
afterAll(() => h?.close());

describe('confidentiality rules', () => {
  it('starts with the defaults, readable by everyone who may act for the tenant', async () => {
    for (const who of [clientMember, operator, supervisor]) {
      const res = await who.get(`/api/t/${tenant.slug}/rules`);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ operatorVisibility: 'masked', recordingPolicy: 'always', requiresConfidentialityAgreement: false, ipAllowList: [] });
      expect(res.body.classification['customer.card_number']).toBe('sensitive');
    }
  });

  it('replaces the rules as a whole with one audit row holding before and after; the same again writes nothing', async () => {
    const res = await clientAdmin.put(`/api/t/${tenant.slug}/rules`, bank);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ...bank, classification: expect.objectContaining(bank.classification), exportFields: ['customer.email', 'order.items'] });
    expect((await clientMember.get(`/api/t/${tenant.slug}/rules`)).body).toEqual(res.body);
    const [row, ...more] = await auditRows('rules.replaced');
    expect(more).toEqual([]);
    expect(row).toMatchObject({ targetType: 'rules', before: { operatorVisibility: 'masked' }, after: res.body });
    expect((await providerAdmin.put(`/api/t/${tenant.slug}/rules`, bank)).status).toBe(200);
    expect(await auditRows('rules.replaced')).toHaveLength(1);
  });

  it('lists every problem with its path and saves nothing', async () => {
    const before = (await clientMember.get(`/api/t/${tenant.slug}/rules`)).body;
    const res = await clientAdmin.put(`/api/t/${tenant.slug}/rules`, {
      ...bank,
      classification: { 'customer.card_number': 'secret' },
      exportFields: ['customer.card_number'],
      greetingText: '',
      recordingPolicy: 'sometimes',
      retention: { personalDataDays: 0, recordingsDays: 90 },
      ipAllowList: ['10.0.0.0/8', 'not-an-address'],
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const paths = res.body.errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['classification.customer.card_number', 'recordingPolicy', 'retention.personalDataDays', 'ipAllowList.1']));
    const crossField = await clientAdmin.put(`/api/t/${tenant.slug}/rules`, { ...bank, exportFields: ['customer.card_number'], greetingText: null });
    expect(crossField.status).toBe(400);
    expect(crossField.body.errors.map((e: { path: string }) => e.path)).toEqual(['exportFields.0', 'greetingText']);
    expect((await clientMember.get(`/api/t/${tenant.slug}/rules`)).body).toEqual(before);
    expect(await auditRows('rules.replaced')).toHaveLength(1);
  });

  it('lets only client admins and provider admins change the rules', async () => {
    for (const who of [clientMember, operator, supervisor]) {
      const res = await who.put(`/api/t/${tenant.slug}/rules`, bank);
      expect(res.status).toBe(403);
    }
  });
});

describe('IP allow-list', () => {
  const from = (address: string) => ({ 'x-forwarded-for': address });

  it("refuses a client admin's list that would lock them out", async () => {
    const res = await clientAdmin.put(`/api/t/${tenant.slug}/rules`, { ...bank, ipAllowList: ['203.0.113.0/24'] }, from('198.51.100.7'));
    expect(res.status).toBe(400);
    expect(res.body.errors).toMatchObject([{ path: 'ipAllowList', message: expect.stringContaining('198.51.100.7') }]);
  });

  it('answers 404 to a client user outside the list and 200 inside; provider staff are not restricted', async () => {
    // No agreement required here, so the operator (who has none yet) is admitted: this is about addresses.
    const saved = await clientAdmin.put(
      `/api/t/${tenant.slug}/rules`,
      { ...bank, requiresConfidentialityAgreement: false, ipAllowList: ['203.0.113.0/24', '2001:db8:1::/48'] },
      from('203.0.113.9'),
    );
    expect(saved.status).toBe(200);
    expect(saved.body.ipAllowList).toEqual(['2001:db8:1::/48', '203.0.113.0/24']);

    for (const who of [clientAdmin, clientMember]) {
      expect((await who.get(`/api/t/${tenant.slug}/rules`, from('203.0.113.50'))).status).toBe(200);
      expect((await who.get(`/api/t/${tenant.slug}/hours`, from('2001:db8:1::5'))).status).toBe(200);
      const outside = await who.get(`/api/t/${tenant.slug}/rules`, from('198.51.100.7'));
      expect(outside.status).toBe(404);
      // The same answer as a tenant that does not exist: nothing tells the tenant is there.
      const unknown = await who.get(`/api/t/no-such-tenant/rules`, from('198.51.100.7'));
      expect(outside.text).toBe(unknown.text);
      expect((await who.put(`/api/t/${tenant.slug}/rules`, bank, from('198.51.100.7'))).status).toBe(404);
    }
    for (const who of [providerAdmin, supervisor, operator]) {
      expect((await who.get(`/api/t/${tenant.slug}/rules`, from('198.51.100.7'))).status).toBe(200);
    }
    // Outside /api/t/ too: /api/me leaves the tenant out, /api/tenants/:tenant answers the same 404.
    for (const who of [clientAdmin, clientMember]) {
      const inside = await who.get('/api/me', from('203.0.113.50'));
      expect(inside.body.tenants.map((t: { slug: string }) => t.slug)).toEqual([tenant.slug]);
      const outside = await who.get('/api/me', from('198.51.100.7'));
      expect(outside.status).toBe(200);
      expect(outside.body.tenants).toEqual([]);
      expect((await who.get(`/api/tenants/${tenant.slug}`, from('203.0.113.50'))).status).toBe(200);
      const hidden = await who.get(`/api/tenants/${tenant.slug}`, from('198.51.100.7'));
      expect(hidden.status).toBe(404);
      expect(hidden.text).toBe((await who.get('/api/tenants/no-such-tenant', from('198.51.100.7'))).text);
    }
    for (const who of [providerAdmin, supervisor, operator]) {
      expect((await who.get('/api/me', from('198.51.100.7'))).body.tenants.map((t: { slug: string }) => t.slug)).toContain(tenant.slug);
      expect((await who.get(`/api/tenants/${tenant.slug}`, from('198.51.100.7'))).status).toBe(200);
    }
    // Provider admins can always lift the list again.
    expect((await providerAdmin.put(`/api/t/${tenant.slug}/rules`, bank, from('198.51.100.7'))).status).toBe(200);
    expect((await clientMember.get('/api/me', from('198.51.100.7'))).body.tenants.map((t: { slug: string }) => t.slug)).toEqual([tenant.slug]);
    expect((await clientMember.get(`/api/t/${tenant.slug}/rules`, from('198.51.100.7'))).status).toBe(200);
  });
});

describe('confidentiality agreements', () => {
  const listed = async (who: Client) =>
    (await who.get(`/api/t/${tenant.slug}/operators`)).body.operators.find((o: { operatorId: string }) => o.operatorId === operatorUser.id);

  it('shows an operator without an agreement as not cleared when the rules require one', async () => {
    expect(await listed(clientMember)).toMatchObject({ agreementSignedAt: null, clearedForCalls: false });
  });

  it('records the agreement (provider admins only), audited, and clears the operator', async () => {
    const path = `/api/t/${tenant.slug}/operators/${operatorUser.id}/agreement`;
    for (const who of [clientAdmin, supervisor, operator]) expect((await who.put(path, { signedAt: '2026-01-15T09:00:00Z' })).status).toBe(403);
    const bad = await providerAdmin.put(path, { signedAt: 'yesterday' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('signedAt');

    const res = await providerAdmin.put(path, { signedAt: '2026-01-15T09:00:00Z' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ operatorId: operatorUser.id, agreementSignedAt: '2026-01-15T09:00:00.000Z', clearedForCalls: true });
    expect(await listed(providerAdmin)).toMatchObject({ agreementSignedAt: '2026-01-15T09:00:00.000Z', clearedForCalls: true });
    const [row] = await auditRows('operator.agreement_recorded');
    expect(row).toMatchObject({ targetId: operatorUser.id, before: { agreementSignedAt: null }, after: { agreementSignedAt: '2026-01-15T09:00:00.000Z' } });

    expect((await providerAdmin.put(path, { signedAt: null })).body).toMatchObject({ agreementSignedAt: null, clearedForCalls: false });
    expect(await auditRows('operator.agreement_removed')).toHaveLength(1);
  });

  it('clears everyone when the rules require no agreement, and 404s an operator not assigned here', async () => {
    await providerAdmin.put(`/api/t/${tenant.slug}/rules`, { ...bank, requiresConfidentialityAgreement: false });
    expect(await listed(clientMember)).toMatchObject({ agreementSignedAt: null, clearedForCalls: true });
    const stranger = await seedOperator(h.db, []);
    expect((await providerAdmin.put(`/api/t/${tenant.slug}/operators/${stranger.id}/agreement`, { signedAt: null })).status).toBe(404);
  });
});
