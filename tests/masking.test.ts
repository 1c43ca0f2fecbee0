import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '@switchboard/db';
import { actorFor, createHarness, logIn, seedClientUser, seedOperator, seedTenant, seedUser, type Client, type Harness } from './support/index.ts';
import { insertCall, seedPizzaCatalog } from './support/records.ts';

/**
 * The confidentiality rules applied by the server to every record it answers, per viewer: a
 * sensitive field masked, cut to its last four, or hidden for operators (and for the provider, who
 * sees no more than its operators); client users never get a whole sensitive value; exports carry
 * only what the rules let leave; and card numbers never get stored, whatever the rules.
 */
let h: Harness;
let tenant: Tenant;
let clientAdmin: Client;
let clientMember: Client;
let operator: Client;
let providerAdmin: Client;
let supervisor: Client;
let customerId: string;
let orderId: string;
let complaintId: string;
/** The operator's call with Hans Becker: an operator captures on it and sees him through its desk context only (issue 11). */
let liveCall: string;

const url = (path: string) => `/api/t/${tenant.slug}${path}`;
const ACCOUNT = 'DE89370400440532013000';
const CARD = '4111 1111 1111 1111';
const VOUCHER = 'VOUCHER-77881234';

const rules = (operatorVisibility: 'masked' | 'last_four' | 'hidden', extra: Record<string, unknown> = {}) => ({
  classification: {
    'customer.account_number': 'sensitive',
    'customer.card_number': 'sensitive',
    'customer.email': 'sensitive',
    'order.payment_reference': 'sensitive',
    'complaint.desired_resolution': 'sensitive',
  },
  operatorVisibility,
  ...extra,
});

async function setRules(body: Record<string, unknown>) {
  const res = await clientAdmin.put(url('/rules'), body);
  expect(res.status, res.text).toBe(200);
}

/** Every response a viewer can get the customer, order and complaint through: an operator, the desk's context of their call. */
async function viewsOf(who: Client) {
  if (who === operator) {
    const context = (await who.get(url(`/desk/calls/${liveCall}`))).body;
    const order = context.history.orders.find((o: { id: string }) => o.id === orderId);
    const complaint = context.history.complaints.find((k: { id: string }) => k.id === complaintId);
    return { contact: context.customer, contacts: context.customer, order, orders: order, complaint };
  }
  const contact = (await who.get(url(`/contacts/${customerId}`))).body;
  const contacts = (await who.get(url('/contacts'))).body.items.find((c: { id: string }) => c.id === customerId);
  const order = (await who.get(url(`/orders/${orderId}`))).body;
  const orders = (await who.get(url('/orders'))).body.items.find((o: { id: string }) => o.id === orderId);
  const complaint = (await who.get(url(`/complaints/${complaintId}`))).body;
  return { contact, contacts, order, orders, complaint };
}

beforeAll(async () => {
  h = await createHarness();
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { actor: actorFor(provider), locale: 'de-DE', timeZone: 'Europe/Berlin' }));
  clientAdmin = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_admin'));
  clientMember = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_member'));
  const operatorUser = await seedOperator(h.db, [tenant]);
  operator = await logIn(h.app, operatorUser);
  liveCall = await insertCall(h.db, tenant, { status: 'connected', operatorId: operatorUser.id, callerNumber: '+49301234567', answeredAfterSeconds: 5 });
  // Hans's records are taken on an earlier call the operator is wrapping up: the live call's context shows them as his history.
  const earlierCall = await insertCall(h.db, tenant, { status: 'wrap_up', operatorId: operatorUser.id, callerNumber: '+49301234567', answeredAfterSeconds: 5, talkSeconds: 60 });
  providerAdmin = await logIn(h.app, provider);
  supervisor = await logIn(h.app, await seedUser(h.db, { kind: 'supervisor' }));
  await seedPizzaCatalog(clientAdmin, tenant);
  await setRules(rules('masked'));
  const customer = await operator.post(url('/contacts'), {
    callId: earlierCall,
    phone: '030 1234567',
    name: 'Hans Becker',
    email: 'hans.becker@example.de',
    accountNumber: ACCOUNT,
    cardNumber: CARD,
  });
  expect(customer.status).toBe(201);
  customerId = customer.body.id;
  const order = await operator.post(url('/orders'), {
    callId: earlierCall,
    customerId,
    items: [{ sku: 'TIRAMISU', quantity: 1 }],
    paymentMethod: 'to_collect',
    paymentReference: VOUCHER,
    notes: 'Leave at the door',
  });
  expect(order.status).toBe(201);
  orderId = order.body.id;
  const complaint = await operator.post(url('/complaints'), {
    callId: earlierCall,
    customerId,
    category: 'Billing',
    severity: 'high',
    description: 'Charged twice.',
    desiredResolution: 'Refund to IBAN DE89370400440532013000',
  });
  complaintId = complaint.body.id;
  await insertCall(h.db, tenant, { callerNumber: '+49301234567' });
});
afterAll(() => h?.close());

describe('masking in responses', () => {
  it("stores the customer's phone in E.164 read in the tenant's country, and a card only as its last four", async () => {
    const row = await h.db.selectFrom('customers').selectAll().where('id', '=', customerId).executeTakeFirstOrThrow();
    expect(row.phone).toBe('+49301234567');
    expect(row.cardNumber).toBe('•••• 1111');
    expect(row.accountNumber).toBe(ACCOUNT);
  });

  it('masked: operators and provider staff see every character of a sensitive field masked; client users the last four', async () => {
    await setRules(rules('masked'));
    for (const who of [operator, providerAdmin, supervisor]) {
      const v = await viewsOf(who);
      for (const customer of [v.contact, v.contacts]) {
        expect(customer).toMatchObject({ name: 'Hans Becker', phone: '+49301234567', accountNumber: '••••••••••••••••••••••', email: '••••.••••••@•••••••.••' });
      }
      expect(v.order.paymentReference).toBe('•••••••-••••••••');
      expect(v.orders.paymentReference).toBe('•••••••-••••••••');
      expect(v.order.notes).toBe('Leave at the door');
      expect(v.complaint.desiredResolution).toMatch(/^[• ]+$/);
    }
    for (const who of [clientAdmin, clientMember]) {
      const v = await viewsOf(who);
      // The card field holds only its last four already: four characters or fewer show nothing at all.
      expect(v.contact).toMatchObject({ accountNumber: '•••• 3000', cardNumber: '••••', email: '•••• lede' });
      expect(v.order.paymentReference).toBe('•••• 1234');
      expect(v.complaint.desiredResolution).toBe('•••• 3000');
    }
  });

  it('last four: everyone sees the last four characters and nothing more', async () => {
    await setRules(rules('last_four'));
    for (const who of [operator, providerAdmin, supervisor, clientAdmin, clientMember]) {
      const v = await viewsOf(who);
      expect(v.contact).toMatchObject({ accountNumber: '•••• 3000', cardNumber: '••••' });
      expect(v.contacts.accountNumber).toBe('•••• 3000');
      expect(v.order.paymentReference).toBe('•••• 1234');
    }
  });

  it('hidden: sensitive fields are null for everyone, provider included', async () => {
    await setRules(rules('hidden'));
    for (const who of [operator, providerAdmin, supervisor, clientAdmin, clientMember]) {
      const v = await viewsOf(who);
      expect(v.contact).toMatchObject({ accountNumber: null, cardNumber: null, email: null, name: 'Hans Becker' });
      expect(v.order.paymentReference).toBeNull();
      expect(v.complaint.desiredResolution).toBeNull();
    }
  });

  it('never sends a whole sensitive value to anyone, in any response', async () => {
    for (const visibility of ['masked', 'last_four', 'hidden'] as const) {
      await setRules(rules(visibility));
      for (const who of [operator, providerAdmin, supervisor, clientAdmin, clientMember]) {
        const texts = await Promise.all(
          [`/contacts/${customerId}`, '/contacts', `/orders/${orderId}`, '/orders', `/complaints/${complaintId}`, '/complaints', '/orders.csv', '/complaints.csv', `/desk/calls/${liveCall}`].map(
            async (p) => (await who.get(url(p))).text,
          ),
        );
        for (const text of texts) {
          expect(text).not.toContain(ACCOUNT);
          expect(text).not.toContain('hans.becker@example.de');
          expect(text).not.toContain(VOUCHER);
          expect(text).not.toContain('4111');
        }
      }
    }
  });

  it("masks a customer's name and phone wherever they appear when the rules make them sensitive, calls included", async () => {
    await setRules(rules('masked', { classification: { 'customer.name': 'sensitive', 'customer.phone': 'sensitive', 'customer.email': 'sensitive' } }));
    expect((await viewsOf(operator)).contact).toMatchObject({ name: '•••• ••••••', phone: '+•••••••••••' });
    // Provider staff see no more than operators, through the lists operators no longer have.
    const v = await viewsOf(providerAdmin);
    expect(v.contact).toMatchObject({ name: '•••• ••••••', phone: '+•••••••••••' });
    expect(v.order.customer).toEqual({ id: customerId, name: '•••• ••••••', phone: '+•••••••••••' });
    expect(v.complaint.customer.name).toBe('•••• ••••••');
    const calls = (await providerAdmin.get(url('/calls'))).body.items;
    expect(calls[0].callerNumber).toBe('+•••••••••••');
    expect((await clientAdmin.get(url('/calls'))).body.items[0].callerNumber).toBe('•••• 4567');
    // A search cannot confirm a value it would not show.
    expect((await providerAdmin.get(url('/contacts?q=becker'))).body.items).toEqual([]);
    expect((await providerAdmin.get(url('/orders?q=becker'))).body.items).toEqual([]);
  });
});

describe('exports', () => {
  it('carry exactly the exportable fields, and leave out what the rules keep in', async () => {
    await setRules({
      classification: { 'order.payment_reference': 'sensitive', 'customer.card_number': 'sensitive' },
      operatorVisibility: 'last_four',
      exportFields: ['order.notes', 'order.items', 'customer.name', 'complaint.category'],
    });
    const orders = await clientAdmin.get(url('/orders.csv'));
    const [header, row] = orders.text.trim().split('\r\n');
    expect(header).toBe('Number,Status,Created at (Europe/Berlin),Delivery time (Europe/Berlin),Payment method,Currency,Subtotal,Discount,Total,Items,Notes,Customer name');
    expect(row).toContain('1 × Tiramisu');
    expect(row).toContain('Leave at the door');
    expect(row).toContain('Hans Becker');
    expect(orders.text).not.toContain('+4930');
    expect(orders.text).not.toContain('VOUCHER');
    const complaints = await supervisor.get(url('/complaints.csv'));
    expect(complaints.text.split('\r\n')[0]).toBe('Number,Status,Recorded at (Europe/Berlin),Due (Europe/Berlin),Overdue,Category,Customer name');
    expect(complaints.text).not.toContain('Charged twice');
    expect(complaints.text).not.toContain('Refund');
  });

  it('neutralises cells a spreadsheet would run as formulas', async () => {
    const res = await operator.post(url('/orders'), { callId: liveCall, items: [{ sku: 'TIRAMISU', quantity: 1 }], paymentMethod: 'cash', notes: '=HYPERLINK("http://evil")' });
    expect(res.status).toBe(201);
    const csv = await clientAdmin.get(url('/orders.csv'));
    expect(csv.text).toContain(`"'=HYPERLINK(""http://evil"")"`);
  });
});

describe('card numbers', () => {
  it('are redacted from every free-text field an operator enters, whatever the rules', async () => {
    await setRules({ classification: {}, operatorVisibility: 'masked' });
    const order = await operator.post(url('/orders'), {
      callId: liveCall,
      customer: { phone: '+49 30 7654321', name: `Card 4012-8888-8888-1881`, address: 'Hauptstr. 1, card 5555 5555 5555 4444' },
      items: [{ sku: 'TIRAMISU', quantity: 1 }],
      deliveryAddress: 'Hauptstr. 1 (card 4111111111111111)',
      paymentMethod: 'card_on_delivery',
      notes: 'Caller read out 4111 1111 1111 1111 exp 12/27',
    });
    expect(order.status).toBe(201);
    expect(order.body.notes).toBe('Caller read out •••• 1111 exp 12/27');
    expect(order.body.deliveryAddress).toBe('Hauptstr. 1 (card •••• 1111)');
    const complaint = await operator.post(url('/complaints'), { callId: liveCall, category: 'Card 4111111111111111', severity: 'low', description: 'My card 5555555555554444 was charged', desiredResolution: 'Refund 4111-1111-1111-1111' });
    expect(complaint.body).toMatchObject({ category: 'Card •••• 1111', description: 'My card •••• 4444 was charged', desiredResolution: 'Refund •••• 1111' });
    const info = await operator.post(url('/information-requests'), { callId: liveCall, topic: 'Card', question: 'Is 4111111111111111 blocked?' });
    expect(info.body.question).toBe('Is •••• 1111 blocked?');
    // Nothing of the numbers reached the database.
    const dump = JSON.stringify([
      await h.db.selectFrom('orders').selectAll().execute(),
      await h.db.selectFrom('customers').selectAll().execute(),
      await h.db.selectFrom('complaints').selectAll().execute(),
      await h.db.selectFrom('informationRequests').selectAll().execute(),
      await h.db.selectFrom('auditLog').selectAll().execute(),
    ]);
    for (const digits of ['4111111111111111', '4111 1111 1111 1111', '5555555555554444', '5555 5555 5555 4444', '4012-8888-8888-1881', '4111-1111-1111-1111']) {
      expect(dump).not.toContain(digits);
    }
  });

  it('refuse a card number as a payment reference, or in the card field as anything but its last four', async () => {
    for (const reference of ['4111 1111 1111 1111', '4111111111111111', '5555-5555-5555-4444']) {
      const res = await operator.post(url('/orders'), { callId: liveCall, items: [{ sku: 'TIRAMISU', quantity: 1 }], paymentMethod: 'to_collect', paymentReference: reference });
      expect(res.status).toBe(400);
      expect(res.body.errors).toMatchObject([{ path: 'paymentReference', message: expect.stringContaining('card number') }]);
    }
    const contact = await operator.post(url('/contacts'), { callId: liveCall, phone: '+49 30 1111111', cardNumber: 'visa gold' });
    expect(contact.body.errors).toMatchObject([{ path: 'cardNumber', message: expect.any(String) }]);
    const lastFour = await operator.post(url('/contacts'), { callId: liveCall, phone: '+49 30 1111111', cardNumber: '4242' });
    expect(lastFour.status).toBe(201);
  });
});
