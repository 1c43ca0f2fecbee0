import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { withApp, withTenant, type Tenant } from '@switchboard/db';
import { actorFor, createHarness, logIn, seedClientUser, seedOperator, seedTenant, seedUser, uniqueSlug, type Client, type Harness, type TestUser } from './support/index.ts';
import { startFakeTwilio, type FakeTwilio } from './support/fake-twilio.ts';

/**
 * The provider's Twilio account (issue 17, part twilio-account) against the fake Twilio: connecting checks
 * the credentials with Twilio and creates the browser leg's API key and TwiML app; the numbers are listed,
 * assigned to a company and function through the numbers service, their webhooks pointed at Switchboard;
 * disconnecting revokes the key. The operator's voice leg and access token. Who may call each route, and
 * that no secret ever leaves: not in a response, not in an audit row.
 */

const PUBLIC_URL = 'https://sb.example';
let fake: FakeTwilio;
let h: Harness;
let admin: Client;
let supervisor: Client;
let operator: Client;
let operatorUser: TestUser;
let clientAdmin: Client;
let a: Tenant;
let b: Tenant;

beforeAll(async () => {
  fake = await startFakeTwilio();
  h = await createHarness({ PUBLIC_URL, TWILIO_API_URL: fake.url });
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  [a, b] = [
    (await seedTenant(h.db, { slug: uniqueSlug('alpha'), actor: actorFor(provider) })).tenant,
    (await seedTenant(h.db, { slug: uniqueSlug('bravo'), actor: actorFor(provider) })).tenant,
  ];
  admin = await logIn(h.app, provider);
  supervisor = await logIn(h.app, await seedUser(h.db, { kind: 'supervisor' }));
  operatorUser = await seedOperator(h.db, [a]);
  operator = await logIn(h.app, operatorUser);
  clientAdmin = await logIn(h.app, await seedClientUser(h.db, a, 'client_admin'));
});
afterAll(async () => {
  await h?.close();
  await fake?.close();
});

const connectBody = () => ({ accountSid: fake.accountSid, authToken: fake.authToken });

/** Every secret the fake knows (the auth token, every API key secret ever made). */
const secrets = () => [fake.authToken, ...fake.apiKeys.values()];
function expectNoSecret(text: string) {
  for (const secret of secrets()) expect(text).not.toContain(secret);
}

async function platformAudit(action: string) {
  return h.db.selectFrom('platformAuditLog').selectAll().where('action', '=', action).orderBy('at').orderBy('id').execute();
}

describe('connecting the Twilio account', () => {
  beforeEach(async () => {
    await withApp(h.db, async (tx) => {
      await tx.deleteFrom('twilioNumbers').execute();
      await tx.deleteFrom('twilioAccounts').execute();
    });
    fake.mode = 'up';
  });

  it('only the provider admin connects; staff read; operators and client users may not even look', async () => {
    expect((await supervisor.put('/api/carrier/twilio', connectBody())).status).toBe(403);
    expect((await operator.put('/api/carrier/twilio', connectBody())).status).toBe(403);
    expect((await clientAdmin.put('/api/carrier/twilio', connectBody())).status).toBe(403);
    expect((await operator.get('/api/carrier/twilio')).status).toBe(403);
    expect((await clientAdmin.get('/api/carrier/twilio')).status).toBe(403);
    expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(0);
    const read = await supervisor.get('/api/carrier/twilio');
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ connected: false, publicUrlSet: true, voiceUrl: `${PUBLIC_URL}/api/twilio/hooks/voice`, account: null, numbers: [] });
    const anonymous = await h.app.request('/api/carrier/twilio');
    expect(anonymous.status).toBe(401);
    for (const path of ['/api/carrier/twilio/numbers/sync']) {
      expect((await supervisor.post(path)).status).toBe(403);
    }
  });

  it('checks the credentials with Twilio, creates the API key and TwiML app, seals the secrets and never answers them', async () => {
    const before = fake.requests.length;
    const res = await admin.put('/api/carrier/twilio', connectBody());
    expect(res.status).toBe(200);
    expect(res.body.connected).toBe(true);
    expect(res.body.account).toMatchObject({ accountSid: fake.accountSid, apiKeySid: expect.stringMatching(/^SK/), twimlAppSid: expect.stringMatching(/^AP/) });
    const made = fake.requests.slice(before);
    expect(made.map((r) => `${r.method} ${r.path.replace(/AC\w+/, 'AC…')}`)).toEqual([
      'GET /2010-04-01/Accounts/AC….json',
      'POST /2010-04-01/Accounts/AC…/Keys.json',
      'POST /2010-04-01/Accounts/AC…/Applications.json',
    ]);
    const app = fake.applications.get(res.body.account.twimlAppSid)!;
    expect(app.voice_url).toBe(`${PUBLIC_URL}/api/twilio/hooks/client`);
    // Sealed at rest: neither the token nor the key's secret in clear in the row.
    const row = await h.db.selectFrom('twilioAccounts').selectAll().executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain(fake.authToken);
    expectNoSecret(JSON.stringify(row));
    expect(row.authTokenEnc).toMatch(/^v1\./);
    expectNoSecret(res.text);
    expectNoSecret((await admin.get('/api/carrier/twilio')).text);
    const [audit] = await platformAudit('twilio.connected');
    expect(audit).toMatchObject({ targetId: fake.accountSid, after: { accountSid: fake.accountSid, apiKeySid: row.apiKeySid, twimlAppSid: row.twimlAppSid } });
    expectNoSecret(JSON.stringify(await h.db.selectFrom('platformAuditLog').selectAll().execute()));
  });

  it('refuses wrong credentials (400, nothing stored) and a Twilio outage (503, nothing stored)', async () => {
    const keysBefore = fake.requestsTo('POST', '/Keys.json').length;
    const wrongToken = await admin.put('/api/carrier/twilio', { accountSid: fake.accountSid, authToken: 'f'.repeat(32) });
    expect(wrongToken.status).toBe(400);
    expect(wrongToken.body).toMatchObject({ code: 'twilio_credentials_refused', errors: [{ path: 'authToken' }] });
    const wrongSid = await admin.put('/api/carrier/twilio', { accountSid: `AC${'0'.repeat(32)}`, authToken: fake.authToken });
    expect(wrongSid.body.code).toBe('twilio_credentials_refused');
    expectNoSecret(wrongSid.text);
    fake.mode = 'unavailable';
    const down = await admin.put('/api/carrier/twilio', connectBody());
    expect(down.status).toBe(503);
    expect(down.body.code).toBe('twilio_unreachable');
    expect(await h.db.selectFrom('twilioAccounts').selectAll().execute()).toEqual([]);
    // No API key is made for credentials Twilio refused.
    expect(fake.requestsTo('POST', '/Keys.json')).toHaveLength(keysBefore);
  });

  it('refuses malformed and hostile credentials at the edge, naming the field, without calling Twilio', async () => {
    const before = fake.requests.length;
    for (const body of [
      { accountSid: 'AC123', authToken: fake.authToken },
      { accountSid: `${fake.accountSid}\u0000`, authToken: fake.authToken },
      { accountSid: fake.accountSid, authToken: '=cmd|"/c calc"!A1' },
      { accountSid: fake.accountSid, authToken: 'x'.repeat(100_000) },
      { accountSid: fake.accountSid, authToken: fake.authToken, extra: 1 },
    ]) {
      const res = await admin.put('/api/carrier/twilio', body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBeOneOf([400, 413]);
    }
    expect(fake.requests.length).toBe(before);
  });

  it('replacing the account revokes the previous API key; disconnecting revokes the current one and forgets the numbers', async () => {
    const first = (await admin.put('/api/carrier/twilio', connectBody())).body.account;
    const second = (await admin.put('/api/carrier/twilio', connectBody())).body.account;
    expect(second.apiKeySid).not.toBe(first.apiKeySid);
    expect(fake.apiKeys.has(first.apiKeySid)).toBe(false);
    expect(fake.applications.has(first.twimlAppSid)).toBe(false);
    expect((await platformAudit('twilio.reconnected')).length).toBeGreaterThan(0);
    fake.addNumber('+33142868299', 'Spare');
    await admin.post('/api/carrier/twilio/numbers/sync');
    expect((await supervisor.delete('/api/carrier/twilio')).status).toBe(403);
    expect((await admin.delete('/api/carrier/twilio')).status).toBe(204);
    expect(fake.apiKeys.has(second.apiKeySid)).toBe(false);
    expect(await h.db.selectFrom('twilioNumbers').selectAll().execute()).toEqual([]);
    expect((await admin.get('/api/carrier/twilio')).body).toMatchObject({ connected: false, account: null, numbers: [] });
    expect((await admin.delete('/api/carrier/twilio')).status).toBe(404);
    const [gone] = (await platformAudit('twilio.disconnected')).slice(-1);
    expect(gone).toMatchObject({ targetId: fake.accountSid });
    fake.numbers.clear();
  });
});

describe("the account's numbers", () => {
  let sidA: string;
  let sidB: string;

  beforeAll(async () => {
    fake.mode = 'up';
    fake.numbers.clear();
    expect((await admin.put('/api/carrier/twilio', connectBody())).status).toBe(200);
    sidA = fake.addNumber('+33142868210', 'Paris order line').sid;
    sidB = fake.addNumber('+4930123456780', 'Berlin').sid;
  });

  it('are listed from Twilio, added and removed as the account changes', async () => {
    const synced = await admin.post('/api/carrier/twilio/numbers/sync');
    expect(synced.status).toBe(200);
    expect(synced.body.added.sort()).toEqual(['+33142868210', '+4930123456780']);
    expect(synced.body.account.numbers).toEqual([
      expect.objectContaining({ sid: sidA, number: '+33142868210', friendlyName: 'Paris order line', webhooksConfiguredAt: null, assignment: null }),
      expect.objectContaining({ sid: sidB, number: '+4930123456780', assignment: null }),
    ]);
    const extra = fake.addNumber('+33142868211');
    expect((await admin.post('/api/carrier/twilio/numbers/sync')).body.added).toEqual(['+33142868211']);
    fake.numbers.delete(extra.sid);
    const again = await admin.post('/api/carrier/twilio/numbers/sync');
    expect(again.body).toMatchObject({ added: [], removed: ['+33142868211'] });
    expect((await platformAudit('twilio.numbers_synced')).length).toBeGreaterThanOrEqual(3);
  });

  it('a number is assigned to a company and function (its phone_numbers row, audited) and its webhooks pointed at Switchboard', async () => {
    await admin.post('/api/carrier/twilio/numbers/sync');
    expect((await supervisor.put(`/api/carrier/twilio/numbers/${sidA}/assignment`, { tenantId: a.id, function: 'order_taking' })).status).toBe(403);
    const res = await admin.put(`/api/carrier/twilio/numbers/${sidA}/assignment`, { tenantId: a.id, function: 'order_taking', label: 'Flyer' });
    expect(res.status).toBe(200);
    expect(res.body.webhooks).toBe('configured');
    const shown = res.body.account.numbers.find((n: { sid: string }) => n.sid === sidA);
    expect(shown.assignment).toEqual({ tenantId: a.id, tenantName: a.name, tenantSlug: a.slug, function: 'order_taking' });
    expect(shown.webhooksConfiguredAt).not.toBeNull();
    expect(fake.numbers.get(sidA)).toMatchObject({ voice_url: `${PUBLIC_URL}/api/twilio/hooks/voice`, voice_method: 'POST', status_callback: `${PUBLIC_URL}/api/twilio/hooks/status` });
    const row = await withTenant(h.db, a.id, (tx) => tx.selectFrom('phoneNumbers').selectAll().where('number', '=', '+33142868210').executeTakeFirst());
    expect(row).toMatchObject({ function: 'order_taking', label: 'Flyer' });
    const tenantAudit = await withTenant(h.db, a.id, (tx) => tx.selectFrom('auditLog').selectAll().where('action', '=', 'phone_number.added').execute());
    expect(tenantAudit).toHaveLength(1);
    expect(await platformAudit('twilio.number_assigned')).toHaveLength(1);
    expect(await platformAudit('twilio.webhooks_configured')).toHaveLength(1);
    // The company's own list shows it (the existing numbers service), and the adapter now carries it.
    expect((await admin.get(`/api/t/${a.slug}/phone-numbers`)).body.numbers.map((n: { number: string }) => n.number)).toContain('+33142868210');
  });

  it('a number answering for one company is refused to another (409, which one never said), like the numbers service', async () => {
    const taken = await admin.put(`/api/carrier/twilio/numbers/${sidA}/assignment`, { tenantId: b.id, function: 'complaints' });
    expect(taken.status).toBe(409);
    expect(taken.body.errors[0].code).toBe('number.taken');
    expect(taken.text).not.toContain(a.id);
    expect(taken.text).not.toContain(a.slug);
    const rowB = await withTenant(h.db, b.id, (tx) => tx.selectFrom('phoneNumbers').selectAll().execute());
    expect(rowB).toEqual([]);
  });

  it('refuses an unknown company, an unknown function, an unknown or malformed number SID', async () => {
    const unknownTenant = await admin.put(`/api/carrier/twilio/numbers/${sidB}/assignment`, { tenantId: '0192e7a0-0000-7000-8000-000000000001', function: 'complaints' });
    expect(unknownTenant.status).toBe(400);
    expect(unknownTenant.body.errors[0].path).toBe('tenantId');
    const badFunction = await admin.put(`/api/carrier/twilio/numbers/${sidB}/assignment`, { tenantId: b.id, function: 'karaoke' });
    expect(badFunction.status).toBe(400);
    expect(badFunction.body.errors[0].path).toBe('function');
    expect((await admin.put(`/api/carrier/twilio/numbers/PN${'0'.repeat(32)}/assignment`, { tenantId: b.id, function: 'complaints' })).status).toBe(404);
    expect((await admin.put(`/api/carrier/twilio/numbers/nope/assignment`, { tenantId: b.id, function: 'complaints' })).status).toBe(400);
    expect(await withTenant(h.db, b.id, (tx) => tx.selectFrom('phoneNumbers').selectAll().execute())).toEqual([]);
  });

  it('a Twilio outage while configuring leaves the assignment made and the webhooks shown as not configured, to retry', async () => {
    fake.mode = 'unavailable';
    const res = await admin.put(`/api/carrier/twilio/numbers/${sidB}/assignment`, { tenantId: b.id, function: 'complaints', label: '' });
    fake.mode = 'up';
    expect(res.status).toBe(200);
    expect(res.body.webhooks).toBe('failed');
    const shown = res.body.account.numbers.find((n: { sid: string }) => n.sid === sidB);
    expect(shown).toMatchObject({ webhooksConfiguredAt: null, assignment: { tenantId: b.id, function: 'complaints' } });
    const retried = await admin.post(`/api/carrier/twilio/numbers/${sidB}/webhooks`);
    expect(retried.status).toBe(200);
    expect(retried.body.numbers.find((n: { sid: string }) => n.sid === sidB).webhooksConfiguredAt).not.toBeNull();
    expect((await supervisor.post(`/api/carrier/twilio/numbers/${sidB}/webhooks`)).status).toBe(403);
  });

  it('a voice URL changed in the Twilio console shows as not configured after the next sync', async () => {
    fake.numbers.get(sidB)!.voice_url = 'https://elsewhere.example/voice';
    const synced = await admin.post('/api/carrier/twilio/numbers/sync');
    expect(synced.body.account.numbers.find((n: { sid: string }) => n.sid === sidB).webhooksConfiguredAt).toBeNull();
  });

  it('unassigning takes the number off the company (audited); then another may have it', async () => {
    expect((await supervisor.delete(`/api/carrier/twilio/numbers/${sidA}/assignment`)).status).toBe(403);
    expect((await admin.delete(`/api/carrier/twilio/numbers/${sidA}/assignment`)).status).toBe(204);
    expect((await admin.delete(`/api/carrier/twilio/numbers/${sidA}/assignment`)).status).toBe(404);
    expect(await withTenant(h.db, a.id, (tx) => tx.selectFrom('phoneNumbers').selectAll().where('number', '=', '+33142868210').execute())).toEqual([]);
    expect(await platformAudit('twilio.number_unassigned')).toHaveLength(1);
    expect((await admin.put(`/api/carrier/twilio/numbers/${sidA}/assignment`, { tenantId: b.id, function: 'complaints' })).status).toBe(200);
  });

  it('no response and no audit row, platform or tenant, ever holds a secret', async () => {
    expectNoSecret((await admin.get('/api/carrier/twilio')).text);
    expectNoSecret(JSON.stringify(await h.db.selectFrom('platformAuditLog').selectAll().execute()));
    for (const t of [a, b]) expectNoSecret(JSON.stringify(await withTenant(h.db, t.id, (tx) => tx.selectFrom('auditLog').selectAll().execute())));
  });
});

describe("the operator's voice", () => {
  it('only an operator sets a leg; a phone in E.164, a SIP address, or the browser; hostile values refused', async () => {
    expect((await admin.put('/api/desk/voice', { kind: 'browser' })).status).toBe(403);
    expect((await clientAdmin.get('/api/desk/voice')).status).toBe(403);
    expect((await operator.get('/api/desk/voice')).body).toEqual({ leg: null, twilioConnected: expect.any(Boolean) });
    const phone = await operator.put('/api/desk/voice', { kind: 'phone', address: '+33 6 12 34 56 78' });
    expect(phone.status).toBe(200);
    expect(phone.body.leg).toEqual({ kind: 'phone', address: '+33612345678' });
    const sip = await operator.put('/api/desk/voice', { kind: 'sip', address: 'sip:marie.d@PBX.Example.com:5060' });
    expect(sip.body.leg).toEqual({ kind: 'sip', address: 'sip:marie.d@pbx.example.com:5060' });
    const browser = await operator.put('/api/desk/voice', { kind: 'browser', address: 'ignored' });
    expect(browser.body.leg).toEqual({ kind: 'browser', address: `client:op-${operatorUser.id}` });
    const audits = (await platformAudit('user.voice_leg_changed')).filter((r) => r.targetId === operatorUser.id);
    expect(audits).toHaveLength(3);
    for (const [kind, address] of [
      ['phone', '+33 6 12'],
      ['phone', '=cmd|"/c calc"!A1'],
      ['phone', '+33612345678\u0000'],
      ['phone', null],
      ['sip', 'sip:marie@pbx.example.com>;evil'],
      ['sip', 'sip:marie@pbx.example.com\r\nVia: x'],
      ['sip', 'sips:marie@pbx.example.com'],
      ['sip', 'sip:@pbx.example.com'],
      ['sip', 'sip:marie@pbx.example.com:99999'],
      ['sip', `sip:${'a'.repeat(400)}@x.com`],
      ['sip', 'sip:4111 1111 1111 1111@pbx.example.com'],
      ['carrier-pigeon', '+33612345678'],
    ] as const) {
      const res = await operator.put('/api/desk/voice', { kind, address });
      expect(res.status, `${kind} ${String(address).slice(0, 40)}`).toBe(400);
    }
    expect((await operator.get('/api/desk/voice')).body.leg.kind).toBe('browser');
    expect(await platformAudit('user.voice_leg_changed').then((r) => r.filter((x) => x.targetId === operatorUser.id))).toHaveLength(3);
    expect((await operator.put('/api/desk/voice', { kind: null })).body.leg).toBeNull();
  });

  it('issues an access token (identity op-<id>, one hour, voice grant) only to operators, 503 when Twilio is not connected', async () => {
    expect((await admin.post('/api/desk/voice/token')).status).toBe(403);
    expect((await supervisor.post('/api/desk/voice/token')).status).toBe(403);
    await admin.put('/api/carrier/twilio', connectBody());
    const res = await operator.post('/api/desk/voice/token');
    expect(res.status).toBe(200);
    expect(res.body.identity).toBe(`op-${operatorUser.id}`);
    const account = await h.db.selectFrom('twilioAccounts').selectAll().executeTakeFirstOrThrow();
    const secret = fake.apiKeys.get(account.apiKeySid!)!;
    // HS256, signed with the API key's secret, as the Voice SDK's gateway checks it.
    const [header, payload, signature] = res.body.token.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({ alg: 'HS256', cty: 'twilio-fpa;v=1' });
    expect(createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url')).toBe(signature);
    expect(createHmac('sha256', 'another secret').update(`${header}.${payload}`).digest('base64url')).not.toBe(signature);
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, any>;
    expect(claims.iss).toBe(account.apiKeySid);
    expect(claims.sub).toBe(fake.accountSid);
    expect(claims.exp - claims.iat).toBe(3600);
    expect(claims.grants).toMatchObject({ identity: `op-${operatorUser.id}`, voice: { incoming: { allow: true }, outgoing: { application_sid: account.twimlAppSid } } });
    expectNoSecret(res.text.replace(res.body.token, ''));
    expect((await operator.get('/api/desk/voice')).body.twilioConnected).toBe(true);
    expect((await admin.delete('/api/carrier/twilio')).status).toBe(204);
    const off = await operator.post('/api/desk/voice/token');
    expect(off.status).toBe(503);
    expect(off.body.code).toBe('twilio_not_configured');
    expect((await operator.get('/api/desk/voice')).body.twilioConnected).toBe(false);
  });
});

describe('the content security policy', () => {
  it("lets the desk reach Twilio's Voice SDK hosts (https and wss), and nothing else beyond itself", async () => {
    const csp = (await h.app.request('/api/health')).headers.get('content-security-policy') ?? '';
    const connect = csp.split(';').map((d) => d.trim()).find((d) => d.startsWith('connect-src'));
    expect(connect?.split(/\s+/).slice(1).sort()).toEqual(["'self'", 'https://*.twilio.com', 'wss://*.twilio.com']);
    expect(csp).toContain("script-src 'self'");
  });
});
