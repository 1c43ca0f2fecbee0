import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonb, newId, withTenant, type CallStatus, type Tenant } from '@switchboard/db';
import { dispatch, loadConfig, replaceHours, signTelephonyRequest } from '@switchboard/api';
import {
  actorFor,
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
 * GET /api/t/{tenant}/desk/calls/{callId}: the call in its client's world only — greeting, hours,
 * script, the caller's history with this client (masked per its rules) — for the operator on the
 * call or provider staff, and for nobody else.
 */
let h: Harness;
let pizza: Tenant;
let bank: Tenant;
let operator: TestUser;
let op: Client;
let otherOp: Client;
let provider: Client;
let pizzaAdmin: Client;
let bankAdmin: Client;

const caller = '+33612345678';

const orderScript = {
  steps: [
    { id: 'greet', type: 'say', text: '{{tenant.greeting}} Today: {{hours.today}}. {{promotions.active}}', next: 'items' },
    { id: 'items', type: 'ask', text: 'What would you like?', answer: { type: 'text' }, next: 'save' },
    { id: 'save', type: 'capture', captures: [{ target: 'order.items', from: 'items' }], next: 'done' },
    { id: 'done', type: 'end', text: 'Thank you!', disposition: 'order_taken' },
  ],
};

async function insertCall(tenant: Tenant, values: { operatorId: string | null; status: CallStatus; callerNumber?: string; offeredAt?: Date }): Promise<string> {
  const id = newId();
  await withTenant(h.db, tenant.id, (tx) =>
    tx
      .insertInto('calls')
      .values({
        tenantId: tenant.id,
        id,
        externalId: `ext-${id}`,
        function: 'order_taking',
        dialledNumber: '+33100000000',
        callerNumber: values.callerNumber ?? caller,
        status: values.status,
        operatorId: values.operatorId,
        offeredAt: values.offeredAt ?? new Date(),
        answeredAt: values.status === 'queued' ? null : new Date(),
      })
      .execute(),
  );
  return id;
}

async function insertCustomerWithOrder(tenant: Tenant, callId: string, name: string, card: string, item: string): Promise<void> {
  const customerId = newId();
  await withTenant(h.db, tenant.id, async (tx) => {
    await tx.insertInto('customers').values({ tenantId: tenant.id, id: customerId, phone: caller, name, cardNumber: card, accountNumber: 'DE89370400440532013000' }).execute();
    await tx
      .insertInto('orders')
      .values({
        tenantId: tenant.id,
        id: newId(),
        number: 1,
        callId,
        customerId,
        items: jsonb([{ name: item, quantity: 2 }]),
        currency: 'EUR',
        subtotalMinor: 1900,
        totalMinor: 1900,
        paymentMethod: 'to_collect',
        paymentReference: 'REF-778899',
        deliveryAddress: '12 rue de la Paix',
      })
      .execute();
    await tx
      .insertInto('complaints')
      .values({
        tenantId: tenant.id,
        id: newId(),
        number: 1,
        callId,
        customerId,
        category: 'late_delivery',
        severity: 'medium',
        description: `${item} arrived cold`,
        dueAt: new Date(),
      })
      .execute();
  });
}

beforeAll(async () => {
  h = await createHarness();
  const admin = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant: pizza } = await seedTenant(h.db, { slug: uniqueSlug('pizza'), name: 'Pizza Context', actor: actorFor(admin) }));
  ({ tenant: bank } = await seedTenant(h.db, { slug: uniqueSlug('bank'), name: 'Bank Context', actor: actorFor(admin) }));
  operator = await seedOperator(h.db, [pizza, bank]);
  op = await logIn(h.app, operator);
  otherOp = await logIn(h.app, await seedOperator(h.db, [pizza]));
  provider = await logIn(h.app, await seedUser(h.db, { kind: 'supervisor' }));
  pizzaAdmin = await logIn(h.app, await seedClientUser(h.db, pizza, 'client_admin'));
  bankAdmin = await logIn(h.app, await seedClientUser(h.db, bank, 'client_admin'));

  const base = `/api/t/${pizza.slug}`;
  expect((await pizzaAdmin.post(`${base}/wrap-up-codes`, { code: 'order_taken', label: 'Order taken' })).status).toBe(201);
  expect((await pizzaAdmin.put(`${base}/scripts/order_taking/draft`, orderScript)).status).toBe(200);
  expect((await pizzaAdmin.post(`${base}/scripts/order_taking/publish`)).status).toBe(201);
  const rules = await pizzaAdmin.put(`${base}/rules`, { whiteLabel: true, greetingText: 'Pizza Context, buongiorno!', operatorVisibility: 'last_four' });
  expect(rules.status).toBe(200);
  expect((await bankAdmin.put(`/api/t/${bank.slug}/rules`, { operatorVisibility: 'hidden' })).status).toBe(200);
  await withTenant(h.db, pizza.id, (tx) =>
    tx
      .insertInto('promotions')
      .values({ tenantId: pizza.id, id: newId(), title: 'Third pizza free', validFrom: '2020-01-01', validUntil: null, searchConfig: 'simple' })
      .execute(),
  );
  await withTenant(h.db, pizza.id, (tx) => tx.updateTable('operatorAssignments').set({ skills: ['order_taking', 'complaints'] }).execute());
});
afterAll(() => h?.close());

describe('desk call context', () => {
  it("shows the operator on the call its client's greeting, script, hours, wrap-up codes and the caller's masked history with this client only", async () => {
    const past = await insertCall(pizza, { operatorId: null, status: 'completed', offeredAt: new Date(Date.now() - 86_400_000) });
    await insertCustomerWithOrder(pizza, past, 'Claire Martin', '•••• 4242', 'Margherita');
    // The same caller with the other client: nothing of it may show on the pizza call.
    const bankPast = await insertCall(bank, { operatorId: null, status: 'completed' });
    await insertCustomerWithOrder(bank, bankPast, 'Claire Bankside', '•••• 9999', 'Overdraft fee');

    const callId = await insertCall(pizza, { operatorId: operator.id, status: 'connected' });
    const res = await op.get(`/api/t/${pizza.slug}/desk/calls/${callId}`);
    expect(res.status).toBe(200);
    const body = res.body;
    expect(body.call).toMatchObject({ id: callId, function: 'order_taking', callerNumber: caller, status: 'connected', scriptVersion: 1 });
    expect(body.tenant).toMatchObject({ slug: pizza.slug, name: 'Pizza Context', brandColor: '#2f6fdf', timeZone: 'Europe/Paris', currency: 'EUR' });
    expect(body.greeting).toBe('Pizza Context, buongiorno!');
    expect(body.whiteLabel).toBe(true);
    expect(body.hours).toMatchObject({ function: 'order_taking', timeZone: 'Europe/Paris', open: false });
    expect(body.script).toMatchObject({ version: 1, body: { steps: expect.arrayContaining([expect.objectContaining({ id: 'greet' })]) } });
    expect(body.wrapUpCodes).toEqual([{ code: 'order_taken', label: 'Order taken' }]);
    expect(body.transfer.skills).toEqual(['complaints']);
    expect(body.variables).toMatchObject({
      'caller.phone': caller,
      'tenant.name': 'Pizza Context',
      'tenant.greeting': 'Pizza Context, buongiorno!',
      'hours.today': 'no hours set',
      'promotions.active': 'Third pizza free',
      'customer.name': 'Claire Martin',
      // The operator's own name, and the account number masked as the customer record shows it.
      'operator.name': operator.displayName,
      'operator.firstName': operator.displayName.split(' ')[0],
      'customer.number': '•••• 3000',
    });

    // Masked per the pizza rules for operators: sensitive fields show their last four only.
    expect(body.customer).toMatchObject({ name: 'Claire Martin', cardNumber: '••••', accountNumber: '•••• 3000' });
    expect(body.history.calls.map((c: { id: string }) => c.id)).toEqual([past]);
    expect(body.history.orders).toHaveLength(1);
    expect(body.history.orders[0]).toMatchObject({ number: 1, totalMinor: 1900, paymentReference: '•••• 8899', deliveryAddress: '12 rue de la Paix' });
    expect(body.history.complaints[0]).toMatchObject({ category: 'late_delivery', description: 'Margherita arrived cold' });

    const text = res.text;
    for (const leaked of ['Bankside', bankPast, 'Overdraft', '9999', bank.slug]) expect(text).not.toContain(leaked);
  });

  it("masks per the call's own tenant: the bank hides sensitive fields from operators altogether", async () => {
    const callId = await insertCall(bank, { operatorId: operator.id, status: 'connected' });
    const res = await op.get(`/api/t/${bank.slug}/desk/calls/${callId}`);
    expect(res.status).toBe(200);
    expect(res.body.customer).toMatchObject({ name: 'Claire Bankside', cardNumber: null, accountNumber: null });
    expect(res.body.history.orders[0].paymentReference).toBeNull();
    expect(res.body.greeting).toBe('Thank you for calling Bank Context. How may I help you?');
    expect(res.body.script).toBeNull();
    expect(res.text).not.toContain('Claire Martin');
    expect(res.text).not.toContain('Margherita');
  });

  it('answers 404 to another operator of the same tenant, and for the call asked through another tenant', async () => {
    const callId = await insertCall(pizza, { operatorId: operator.id, status: 'connected' });
    expect((await otherOp.get(`/api/t/${pizza.slug}/desk/calls/${callId}`)).status).toBe(404);
    // The operator may act for the bank, but the call is not the bank's: it does not exist there.
    expect((await op.get(`/api/t/${bank.slug}/desk/calls/${callId}`)).status).toBe(404);
    expect((await op.get(`/api/t/${pizza.slug}/desk/calls/${newId()}`)).status).toBe(404);
    // A queued call nobody took yet is nobody's to open at the desk.
    const queued = await insertCall(pizza, { operatorId: null, status: 'queued' });
    expect((await op.get(`/api/t/${pizza.slug}/desk/calls/${queued}`)).status).toBe(404);
  });

  it('lets provider staff read any call, and refuses client users', async () => {
    const callId = await insertCall(pizza, { operatorId: operator.id, status: 'wrap_up' });
    const res = await provider.get(`/api/t/${pizza.slug}/desk/calls/${callId}`);
    expect(res.status).toBe(200);
    expect(res.body.call.status).toBe('wrap_up');
    expect((await pizzaAdmin.get(`/api/t/${pizza.slug}/desk/calls/${callId}`)).status).toBe(403);
    // Another tenant's admin does not even learn the tenant is there.
    expect((await bankAdmin.get(`/api/t/${pizza.slug}/desk/calls/${callId}`)).status).toBe(404);
  });

  it('refuses a call id that is not a uuid as invalid input', async () => {
    const res = await op.get(`/api/t/${pizza.slug}/desk/calls/not-a-call`);
    expect(res.status).toBe(400);
    expect(res.contentType).toContain('application/problem+json');
  });

  it('after a real accept, shows the script version the call recorded, even once a newer one is published', async () => {
    const number = '+33100000042';
    await withTenant(h.db, pizza.id, async (tx) => {
      await replaceHours(tx, pizza.id, null, {
        defaultSchedule: 'Always',
        schedules: [{ name: 'Always', week: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ start: '00:00', end: '24:00' }]])) as never }],
        overrides: [],
        functionSchedules: [],
      });
      await tx.insertInto('phoneNumbers').values({ tenantId: pizza.id, number, function: 'order_taking' }).execute();
    });
    const body = JSON.stringify({ callId: 'ctx-accept-1', dialled: number, caller: '+33699887766' });
    const incoming = await h.app.request('/api/telephony/calls', {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...signTelephonyRequest(loadConfig({}).telephonySecret, body, h.clock.now(), { method: 'POST', path: '/api/telephony/calls' }) },
      body,
    });
    expect(incoming.status).toBe(200);
    const { id: callId } = (await incoming.json()) as { id: string };
    expect((await op.put('/api/desk/state', { state: 'available' })).status).toBe(200);
    await dispatch(h.db, h.clock.now());
    expect((await op.get('/api/desk/state')).body.offer).toMatchObject({ callId, tenant: pizza.slug });
    // Before accepting, the call is not the operator's yet.
    expect((await op.get(`/api/t/${pizza.slug}/desk/calls/${callId}`)).status).toBe(404);
    expect((await op.post(`/api/t/${pizza.slug}/desk/calls/${callId}/accept`)).status).toBe(200);

    const v2 = { steps: [{ id: 'greet', type: 'say', text: '{{tenant.greeting}} Version two', next: 'items' }, ...orderScript.steps.slice(1)] };
    expect((await pizzaAdmin.put(`/api/t/${pizza.slug}/scripts/order_taking/draft`, v2)).status).toBe(200);
    expect((await pizzaAdmin.post(`/api/t/${pizza.slug}/scripts/order_taking/publish`)).status).toBe(201);

    const res = await op.get(`/api/t/${pizza.slug}/desk/calls/${callId}`);
    expect(res.status).toBe(200);
    expect(res.body.call).toMatchObject({ id: callId, status: 'connected', callerNumber: '+33699887766', scriptVersion: 1 });
    expect(res.body.script.body.steps[0].text).not.toContain('Version two');
    expect(res.body.hours.open).toBe(true);
    expect(res.body.variables['hours.today']).toBe('00:00–24:00');
    expect(res.body.customer).toBeNull();
  });

  it('counts a caller with earlier calls with this client as returning, with or without a customer record, and never from another client', async () => {
    const number = '+33655501234';
    const first = await insertCall(pizza, { operatorId: null, status: 'completed', callerNumber: number, offeredAt: new Date(Date.now() - 3 * 86_400_000) });
    const second = await insertCall(pizza, { operatorId: null, status: 'abandoned', callerNumber: number, offeredAt: new Date(Date.now() - 86_400_000) });
    await withTenant(h.db, pizza.id, (tx) => tx.updateTable('calls').set({ disposition: 'order_taken' }).where('id', '=', first).execute());
    // The same number with the bank counts for nothing at the pizza chain.
    await insertCall(bank, { operatorId: null, status: 'completed', callerNumber: number, offeredAt: new Date(Date.now() - 3_600_000) });
    const callId = await insertCall(pizza, { operatorId: operator.id, status: 'connected', callerNumber: number });
    const res = await op.get(`/api/t/${pizza.slug}/desk/calls/${callId}`);
    expect(res.status).toBe(200);
    expect(res.body.customer).toBeNull();
    const secondAt = await withTenant(h.db, pizza.id, (tx) => tx.selectFrom('calls').select('offeredAt').where('id', '=', second).executeTakeFirstOrThrow());
    expect(res.body.caller).toEqual({ returning: true, earlierCalls: 2, lastContactAt: secondAt.offeredAt.toISOString() });
    // Past calls carry the client's words for how they ended, not the code.
    expect(res.body.history.calls).toEqual([
      expect.objectContaining({ id: second, disposition: null, dispositionLabel: null }),
      expect.objectContaining({ id: first, disposition: 'order_taken', dispositionLabel: 'Order taken' }),
    ]);

    const fresh = await insertCall(pizza, { operatorId: operator.id, status: 'connected', callerNumber: '+33655509999' });
    expect((await op.get(`/api/t/${pizza.slug}/desk/calls/${fresh}`)).body.caller).toEqual({ returning: false, earlierCalls: 0, lastContactAt: null });
  });

  it("gives the desk one greeting: the client's own words when set (white label or not), which the script's first step renders", async () => {
    const callId = await insertCall(pizza, { operatorId: operator.id, status: 'connected' });
    const res = await op.get(`/api/t/${pizza.slug}/desk/calls/${callId}`);
    expect(res.body.variables['tenant.greeting']).toBe(res.body.greeting);
    expect(res.body.script.body.steps[0].text.startsWith('{{tenant.greeting}}')).toBe(true);
    // A script whose opening words are its own greeting is refused at publishing, naming the field.
    const contradicting = { steps: [{ id: 'greet', type: 'say', text: 'Pizza Context, bonjour !', next: 'items' }, ...orderScript.steps.slice(1)] };
    expect((await pizzaAdmin.put(`/api/t/${pizza.slug}/scripts/order_taking/draft`, contradicting)).status).toBe(200);
    const refused = await pizzaAdmin.post(`/api/t/${pizza.slug}/scripts/order_taking/publish`);
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toContainEqual(expect.objectContaining({ path: 'steps[0].text', message: expect.stringContaining('{{tenant.greeting}}') }));

    // Without white label, the client's greeting text is still the greeting.
    expect((await bankAdmin.put(`/api/t/${bank.slug}/rules`, { operatorVisibility: 'hidden', greetingText: 'Bank Context, guten Tag!' })).status).toBe(200);
    const bankCall = await insertCall(bank, { operatorId: operator.id, status: 'connected' });
    const bankRes = await op.get(`/api/t/${bank.slug}/desk/calls/${bankCall}`);
    expect(bankRes.body).toMatchObject({ greeting: 'Bank Context, guten Tag!', whiteLabel: false });
    expect((await bankAdmin.put(`/api/t/${bank.slug}/rules`, { operatorVisibility: 'hidden' })).status).toBe(200);
  });
});
