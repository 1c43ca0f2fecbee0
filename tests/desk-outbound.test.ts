import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Tenant } from '@switchboard/db';
import { dialerPass, replaceRules, rules } from '@switchboard/api';
import { createClock, createHarness, logIn, seedTenant, type App, type Client, type Clock, type Harness, type TestUser } from './support/index.ts';
import { addWrapUpCode, seedRoutedOperator, telephony } from './support/routing.ts';
import { seedCampaign, seedContacts, type SeedCampaignOptions, type SeededCampaign } from './support/outbound.ts';

/**
 * The operator's desk for outbound (issue 15): the preview card the dialer reserves them for, dialling
 * and skipping it, the outbound call with its campaign's dispositions, callbacks in the callee's zone.
 * Tuesday 2026-12-01 11:00 in Paris: inside the French rules' hours (Mon–Fri 10–13, 14–20).
 */

let h: Harness;
let clock: Clock;
let app: App;

beforeAll(async () => {
  h = await createHarness();
  clock = createClock(new Date('2026-12-01T10:00:00Z'));
  app = h.buildApp({ clock });
});
afterAll(() => h?.close());

/** A number nothing else has: any sight of it in a response is this contact's. */
let seq = 0;
const uniquePhone = () => `+336${String(44_000_000 + ++seq * 7 + Math.floor(Math.random() * 1000) * 1000).padStart(8, '0')}`;

async function scenario(options: SeedCampaignOptions = {}) {
  const { tenant } = await seedTenant(h.db, { timeZone: 'Europe/Paris', locale: 'fr-FR' });
  // Operators see a customer's phone as its last four digits.
  await withTenant(h.db, tenant.id, (tx) =>
    replaceRules(tx, tenant.id, null, { ...rules.defaultRules(), classification: { ...rules.defaultRules().classification, 'customer.phone': 'sensitive' }, operatorVisibility: 'last_four' }, clock.now()),
  );
  for (const code of ['sale', 'not_interested', 'call_later']) await addWrapUpCode(h.db, tenant, code, clock.now());
  const campaign = await seedCampaign(h.db, tenant, {
    name: 'Winter boiler check',
    dispositions: [
      { code: 'sale', outcome: 'success' },
      { code: 'not_interested', outcome: 'refused' },
      { code: 'call_later', outcome: 'done' },
    ],
    ...options,
  });
  return { tenant, campaign };
}

async function operator(tenant: Tenant, label = 'operator'): Promise<{ user: TestUser; desk: Client }> {
  const user = await seedRoutedOperator(h.db, [[tenant, { skills: ['telesales'] }]], label);
  const desk = await logIn(app, user);
  expect((await desk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
  clock.advance(2_000);
  return { user, desk };
}

const contactRow = (tenant: Tenant, id: string) => withTenant(h.db, tenant.id, (tx) => tx.selectFrom('campaignContacts').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
const attemptRow = (tenant: Tenant, id: string) => withTenant(h.db, tenant.id, (tx) => tx.selectFrom('dialAttempts').selectAll().where('id', '=', id).executeTakeFirstOrThrow());

async function reservedCard(desk: Client) {
  await dialerPass(h.db, clock.now());
  const state = (await desk.get('/api/desk/state')).body;
  expect(state.state).toBe('dialing');
  expect(state.dialing).not.toBeNull();
  return state;
}

/** Preview → dial → the adapter reports it answered: the operator is on the outbound call. */
async function connectedCall(tenant: Tenant, desk: Client) {
  const state = await reservedCard(desk);
  const attemptId = state.dialing.attemptId as string;
  expect((await desk.post(`/api/desk/dialing/${attemptId}/dial`)).body).toEqual({ status: 'originating' });
  const answered = await telephony(app, clock, 'POST', `/api/telephony/dials/${attemptId}/progress`, { event: 'answered' });
  expect(answered.status).toBe(200);
  expect(answered.body.action).toBe('connect');
  return { attemptId, callId: answered.body.callId as string, contactAtStart: state.dialing };
}

describe('a preview call, end to end', () => {
  it('card masked per rules → dial → the adapter → the outbound call with its dispositions → a refusal keeps the number out of another campaign', async () => {
    const { tenant, campaign } = await scenario({ rulesProfile: 'fr' });
    const phone = uniquePhone();
    const [contactId] = await seedContacts(h.db, tenant, campaign, [{ phone, name: 'Jeanne Martin', fields: { boiler: 'Viessmann 2014' } }]);
    const { desk } = await operator(tenant);

    const state = await reservedCard(desk);
    expect(state.dialing).toMatchObject({
      tenant: tenant.slug,
      tenantName: tenant.name,
      status: 'preview',
      campaign: { name: 'Winter boiler check', mode: 'preview' },
      contact: { name: 'Jeanne Martin', phone: `•••• ${phone.slice(-4)}`, timeZone: 'Europe/Paris', localTime: expect.stringMatching(/^2026-12-01 11:00:/), fields: { boiler: 'Viessmann 2014' }, callback: null },
      history: [],
      script: null,
    });
    expect(JSON.stringify(state)).not.toContain(phone);

    const attemptId = state.dialing.attemptId;
    expect((await desk.post(`/api/desk/dialing/${attemptId}/dial`)).body).toEqual({ status: 'originating' });
    expect((await desk.get('/api/desk/state')).body.dialing).toMatchObject({ attemptId, status: 'originating' });

    const dials = await telephony(app, clock, 'GET', '/api/telephony/dials');
    expect(dials.status).toBe(200);
    expect(dials.body.dials).toContainEqual(expect.objectContaining({ id: attemptId, tenant: tenant.slug, to: phone }));

    expect((await telephony(app, clock, 'POST', `/api/telephony/dials/${attemptId}/progress`, { event: 'ringing' })).status).toBe(200);
    expect((await desk.get('/api/desk/state')).body.dialing).toMatchObject({ status: 'ringing' });
    clock.advance(5_000);
    const answered = await telephony(app, clock, 'POST', `/api/telephony/dials/${attemptId}/progress`, { event: 'answered' });
    expect(answered.body).toMatchObject({ action: 'connect' });
    const callId = answered.body.callId;

    const onCall = (await desk.get('/api/desk/state')).body;
    expect(onCall).toMatchObject({ state: 'on_call', dialing: null, call: { tenant: tenant.slug, callId, status: 'connected' } });
    const context = await desk.get(`/api/t/${tenant.slug}/desk/calls/${callId}`);
    expect(context.status).toBe(200);
    expect(context.body.call.callerNumber).toBe(`•••• ${phone.slice(-4)}`);
    expect(context.body.outbound).toMatchObject({
      campaign: { name: 'Winter boiler check' },
      attemptId,
      contact: { name: 'Jeanne Martin', phone: `•••• ${phone.slice(-4)}` },
      dispositions: [
        { code: 'sale', label: 'sale', outcome: 'success' },
        { code: 'not_interested', label: 'not interested', outcome: 'refused' },
        { code: 'call_later', label: 'call later', outcome: 'done' },
      ],
    });
    expect(JSON.stringify(context.body)).not.toContain(phone);

    expect((await desk.post(`/api/t/${tenant.slug}/desk/calls/${callId}/hangup`)).status).toBe(200);
    const wrapped = await desk.post(`/api/t/${tenant.slug}/desk/calls/${callId}/wrap-up`, { disposition: 'not_interested' });
    expect(wrapped.status, wrapped.text).toBe(200);
    expect(await contactRow(tenant, contactId!)).toMatchObject({ state: 'done', disposition: 'not_interested' });
    const refusals = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('solicitationRefusals').selectAll().where('phone', '=', phone).execute());
    expect(refusals).toHaveLength(1);

    // The same person in another campaign of the tenant: the rules refuse the dial for 60 days.
    const other = await seedCampaign(h.db, tenant, { name: 'Spring offer', rulesProfile: 'fr' });
    const [otherContact] = await seedContacts(h.db, tenant, other, [{ phone }]);
    clock.advance(2_000);
    await dialerPass(h.db, clock.now());
    const refused = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('dialRefusals').selectAll().where('contactId', '=', otherContact!).execute());
    expect(refused.map((r) => r.rule)).toEqual(['refusal']);
    // The history of the first contact shows the answered attempt with its disposition.
    expect((await attemptRow(tenant, attemptId)).outcome).toBe('answered');
    expect((await desk.get('/api/desk/state')).body.state).toBe('available');
  });

  it('a contact called before shows its earlier attempts, on the callee\'s clock', async () => {
    const { tenant, campaign } = await scenario();
    const phone = uniquePhone();
    await seedContacts(h.db, tenant, campaign, [{ phone, name: 'Ayumi Sato', timeZone: 'Asia/Tokyo' }]);
    const { desk } = await operator(tenant);
    const first = await reservedCard(desk);
    expect(first.dialing.contact.localTime).toMatch(/^2026-12-01 19:0/);
    expect((await desk.post(`/api/desk/dialing/${first.dialing.attemptId}/dial`)).status).toBe(200);
    expect((await telephony(app, clock, 'POST', `/api/telephony/dials/${first.dialing.attemptId}/progress`, { event: 'busy' })).status).toBe(200);
    await withTenant(h.db, tenant.id, (tx) => tx.updateTable('campaignContacts').set({ nextAttemptAt: new Date('2020-01-01') }).where('phone', '=', phone).execute());
    clock.advance(2_000);
    const second = await reservedCard(desk);
    expect(second.dialing.history).toEqual([
      expect.objectContaining({ outcome: 'busy', status: 'ended', localAt: expect.stringMatching(/^2026-12-01 19:00/) }),
    ]);
  });
});

describe('skipping, leaving and other operators', () => {
  it('skip with a reason: kept card-redacted, the contact waits, the operator is available; NUL and unknown reasons refused', async () => {
    const { tenant, campaign } = await scenario();
    const [contactId] = await seedContacts(h.db, tenant, campaign, [{ phone: uniquePhone(), name: 'Paul' }]);
    const { desk } = await operator(tenant);
    const { dialing } = await reservedCard(desk);
    const path = `/api/desk/dialing/${dialing.attemptId}/skip`;
    const nul = await desk.post(path, { reason: 'not_now', note: 'bad\u0000byte' });
    expect(nul.status).toBe(400);
    expect(nul.body.errors[0].path).toBe('note');
    const unknown = await desk.post(path, { reason: 'bored' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].path).toBe('reason');
    expect((await attemptRow(tenant, dialing.attemptId)).status).toBe('preview');

    const res = await desk.post(path, { reason: 'not_now', note: 'Said pay with 4111 1111 1111 1111 later' });
    expect(res.status, res.text).toBe(204);
    const attempt = await attemptRow(tenant, dialing.attemptId);
    expect(attempt).toMatchObject({ status: 'ended', outcome: 'skipped' });
    expect(attempt.skipReason).toMatch(/^not_now: /);
    expect(attempt.skipReason).not.toContain('4111 1111 1111 1111');
    const contact = await contactRow(tenant, contactId!);
    expect(contact.state).toBe('pending');
    expect(contact.nextAttemptAt.getTime()).toBeGreaterThan(clock.now().getTime());
    expect((await desk.get('/api/desk/state')).body).toMatchObject({ state: 'available', dialing: null });
    // Skipped once: the same attempt cannot be skipped or dialled again.
    expect((await desk.post(path, { reason: 'other' })).status).toBe(404);
  });

  it('going on a break during a preview gives the contact back', async () => {
    const { tenant, campaign } = await scenario();
    const [contactId] = await seedContacts(h.db, tenant, campaign, [{ phone: uniquePhone() }]);
    const { desk } = await operator(tenant);
    const { dialing } = await reservedCard(desk);
    const res = await desk.put('/api/desk/state', { state: 'break', breakReason: 'Coffee' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ state: 'break', dialing: null });
    expect(await attemptRow(tenant, dialing.attemptId)).toMatchObject({ status: 'ended', outcome: 'cancelled' });
    expect(await contactRow(tenant, contactId!)).toMatchObject({ state: 'pending', attempts: 0 });
  });

  it('going offline while the call rings is refused with 409, and nothing changes', async () => {
    const { tenant, campaign } = await scenario({ mode: 'progressive' });
    await seedContacts(h.db, tenant, campaign, [{ phone: uniquePhone() }]);
    const { desk } = await operator(tenant);
    const { dialing } = await reservedCard(desk);
    expect(dialing.status).toBe('originating');
    expect((await telephony(app, clock, 'POST', `/api/telephony/dials/${dialing.attemptId}/progress`, { event: 'ringing' })).status).toBe(200);
    const res = await desk.put('/api/desk/state', { state: 'offline' });
    expect(res.status).toBe(409);
    expect((await desk.get('/api/desk/state')).body).toMatchObject({ state: 'dialing', dialing: { attemptId: dialing.attemptId, status: 'ringing' } });
    // A progressive call is not the operator's to dial: there is no preview to dial.
    expect((await desk.post(`/api/desk/dialing/${dialing.attemptId}/dial`)).status).toBe(409);
  });

  it("another operator can neither dial nor skip your preview; a client admin may not at all", async () => {
    const { tenant, campaign } = await scenario();
    await seedContacts(h.db, tenant, campaign, [{ phone: uniquePhone() }]);
    const { desk } = await operator(tenant);
    const { dialing } = await reservedCard(desk);
    const other = await operator(tenant, 'other');
    expect((await other.desk.post(`/api/desk/dialing/${dialing.attemptId}/dial`)).status).toBe(404);
    expect((await other.desk.post(`/api/desk/dialing/${dialing.attemptId}/skip`, { reason: 'other' })).status).toBe(404);
    const { seedClientUser } = await import('./support/index.ts');
    const admin = await logIn(app, await seedClientUser(h.db, tenant, 'client_admin'));
    expect((await admin.post(`/api/desk/dialing/${dialing.attemptId}/dial`)).status).toBe(403);
    expect(await attemptRow(tenant, dialing.attemptId)).toMatchObject({ status: 'preview', operatorId: expect.any(String) });
  });
});

describe('callbacks', () => {
  it('refuses a time in the past or more than 90 days ahead, naming at; only on an outbound call of your own', async () => {
    const { tenant, campaign } = await scenario();
    await seedContacts(h.db, tenant, campaign, [{ phone: uniquePhone() }]);
    const { desk } = await operator(tenant);
    const { callId } = await connectedCall(tenant, desk);
    const path = `/api/t/${tenant.slug}/desk/calls/${callId}/callback`;
    for (const at of ['2026-12-01T10:59', '2027-03-05T10:00', '2026-13-01T10:00', 'tomorrow']) {
      const res = await desk.post(path, { at, forMe: true });
      expect(res.status, at).toBe(400);
      expect(res.body.errors[0].path).toBe('at');
    }
    const other = await operator(tenant, 'other');
    expect((await other.desk.post(path, { at: '2026-12-02T11:00', forMe: true })).status).toBe(404);
    expect((await desk.post(path, { at: '2026-12-02T11:00', forMe: false, note: 'x\u0000' })).status).toBe(400);
  });

  it("lands at the callee's wall-clock time across a DST change, and is dialled first, by the same operator when forMe", async () => {
    // Wednesday 24 March 2027, 11:00 in Paris (CET, UTC+1); the clocks go forward on Sunday 28th.
    const dst = createClock(new Date('2027-03-24T10:00:00Z'));
    const dstApp = h.buildApp({ clock: dst });
    const { tenant, campaign } = await scenario();
    const [callee, waiting] = await seedContacts(h.db, tenant, campaign, [{ phone: uniquePhone(), name: 'First' }, { phone: uniquePhone(), name: 'Second' }]);
    const a = await seedRoutedOperator(h.db, [[tenant, { skills: ['telesales'] }]], 'a');
    const b = await seedRoutedOperator(h.db, [[tenant, { skills: ['telesales'] }]], 'b');
    const deskA = await logIn(dstApp, a);
    const deskB = await logIn(dstApp, b);
    expect((await deskA.put('/api/desk/state', { state: 'available' })).status).toBe(200);
    dst.advance(2_000);
    await dialerPass(h.db, dst.now());
    const card = (await deskA.get('/api/desk/state')).body.dialing;
    expect(card.contact.name).toBe('First');
    expect((await deskA.post(`/api/desk/dialing/${card.attemptId}/dial`)).status).toBe(200);
    const answered = await telephony(dstApp, dst, 'POST', `/api/telephony/dials/${card.attemptId}/progress`, { event: 'answered' });
    const callId = answered.body.callId;

    // Monday 29 March, 11:00 in Paris: CEST (UTC+2), so 09:00Z — not 10:00Z as today's offset would say.
    const res = await deskA.post(`/api/t/${tenant.slug}/desk/calls/${callId}/callback`, { at: '2027-03-29T11:00', forMe: true, note: 'Ask for the invoice number' });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ contactId: callee, at: '2027-03-29T09:00:00.000Z', localAt: '2027-03-29 11:00:00', timeZone: 'Europe/Paris' });
    expect((await deskA.post(`/api/t/${tenant.slug}/desk/calls/${callId}/hangup`)).status).toBe(200);
    expect((await deskA.post(`/api/t/${tenant.slug}/desk/calls/${callId}/wrap-up`, { disposition: 'call_later' })).status).toBe(200);
    const scheduled = await contactRow(tenant, callee!);
    expect(scheduled).toMatchObject({ state: 'pending', callbackOperatorId: a.id, callbackNote: 'Ask for the invoice number' });
    expect(scheduled.callbackAt?.toISOString()).toBe('2027-03-29T09:00:00.000Z');

    // A steps away; at the callback's time B has been free longest, A came back after.
    expect((await deskA.put('/api/desk/state', { state: 'offline' })).status).toBe(200);
    dst.advance(5 * 86_400_000 - 3_600_000 - 10_000); // 2027-03-29T08:59:52Z
    expect((await deskB.put('/api/desk/state', { state: 'available' })).status).toBe(200);
    dst.advance(1_000);
    expect((await deskA.put('/api/desk/state', { state: 'available' })).status).toBe(200);
    dst.advance(3_000);
    // 08:59:56Z: not yet due — B gets the other contact, A nothing.
    await dialerPass(h.db, dst.now());
    expect((await deskA.get('/api/desk/state')).body.state).toBe('available');
    const cardB = (await deskB.get('/api/desk/state')).body.dialing;
    expect(cardB.contact.name).toBe('Second');
    dst.advance(6_000);
    await dialerPass(h.db, dst.now());
    const cardA = (await deskA.get('/api/desk/state')).body.dialing;
    // B (longest idle) is not given A's callback: the callback waits for A, who gets it first.
    expect(cardA).toMatchObject({ mode: 'callback', contact: { name: 'First', callback: { forMe: true, note: 'Ask for the invoice number', localAt: '2027-03-29 11:00:00' } } });
    expect(cardA.history).toEqual([expect.objectContaining({ outcome: 'answered', disposition: 'call_later', dispositionLabel: 'call later' })]);
  });
});
