import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { jsonb, withTenant, type Tenant } from '@switchboard/db';
import { DAY, actorFor, createHarness, logIn, seedClientUser, seedOperator, seedTenant, seedUser, type Client, type Harness, type TestUser } from './support/index.ts';
import { countOf, insertCall, seedPizzaCatalog, type PizzaCatalog } from './support/records.ts';

/**
 * Orders, complaints, contacts, information requests, calls and callbacks as the API answers them:
 * server-side pricing, per-tenant numbers, due dates from the call settings, usage events, every
 * problem listed at once with nothing saved, and another tenant's ids answering 404.
 */
let h: Harness;
let tenant: Tenant;
let other: Tenant;
let catalog: PizzaCatalog;
let clientAdmin: Client;
let clientMember: Client;
let operator: Client;
let operatorUser: TestUser;
let providerAdmin: Client;
let otherAdmin: Client;
/** The call the operator is on (Marie Dupont's): an operator captures records on a call they handle (issue 11). */
let liveCall: string;
const onCall = (body: Record<string, unknown>) => ({ callId: liveCall, ...body });

const url = (path: string, t: Tenant = tenant) => `/api/t/${t.slug}${path}`;
const pizzaOrder = (extra: Record<string, unknown> = {}) => ({
  customer: { phone: '06 12 34 56 78', name: 'Marie Dupont' },
  items: [
    { itemId: catalog.margherita.id, quantity: 2, options: { Size: 'Large', Extras: ['Olives', 'Burrata'] } },
    { sku: 'TIRAMISU', quantity: 1 },
  ],
  deliveryAddress: '12 rue de la Paix, 75002 Paris',
  paymentMethod: 'cash',
  ...extra,
});

beforeAll(async () => {
  h = await createHarness();
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { actor: actorFor(provider) }));
  ({ tenant: other } = await seedTenant(h.db, { actor: actorFor(provider) }));
  clientAdmin = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_admin'));
  clientMember = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_member'));
  operatorUser = await seedOperator(h.db, [tenant], { displayName: 'Olivia Operator' });
  operator = await logIn(h.app, operatorUser);
  providerAdmin = await logIn(h.app, provider);
  otherAdmin = await logIn(h.app, await seedClientUser(h.db, other, 'client_admin'));
  catalog = await seedPizzaCatalog(clientAdmin, tenant);
  await seedPizzaCatalog(otherAdmin, other);
  liveCall = await insertCall(h.db, tenant, { status: 'connected', operatorId: operatorUser.id, callerNumber: '+33612345678', answeredAfterSeconds: 5 });
});
afterAll(() => h?.close());

describe('orders', () => {
  it('prices the lines from the catalog on the server and numbers orders per tenant', async () => {
    const res = await operator.post(url('/orders'), pizzaOrder({ callId: liveCall }));
    expect(res.status).toBe(201);
    // (950 + 300 Large + 100 Olives + 250 Burrata) × 2 + 600
    expect(res.body).toMatchObject({ number: 1, status: 'received', currency: 'EUR', subtotalMinor: 3800, discountMinor: 0, totalMinor: 3800, createdByName: 'Olivia Operator' });
    expect(res.body.items).toEqual([
      {
        itemId: catalog.margherita.id,
        sku: 'PIZZA-MARGHERITA',
        name: 'Margherita',
        quantity: 2,
        options: [
          { group: 'Size', choice: 'Large', priceDeltaMinor: 300 },
          { group: 'Extras', choice: 'Olives', priceDeltaMinor: 100 },
          { group: 'Extras', choice: 'Burrata', priceDeltaMinor: 250 },
        ],
        unitPriceMinor: 1600,
        lineTotalMinor: 3200,
      },
      expect.objectContaining({ sku: 'TIRAMISU', quantity: 1, unitPriceMinor: 600, lineTotalMinor: 600, options: [] }),
    ]);
    expect(res.body.customer).toMatchObject({ name: 'Marie Dupont', phone: '+33612345678' });
    const second = await clientAdmin.post(url('/orders'), { items: [{ sku: 'TIRAMISU', quantity: 3 }], paymentMethod: 'invoice' });
    expect(second.body).toMatchObject({ number: 2, totalMinor: 1800, customer: null });
    // Numbers are the tenant's own: the other tenant starts at 1.
    const elsewhere = await otherAdmin.post(url('/orders', other), { items: [{ sku: 'TIRAMISU', quantity: 1 }], paymentMethod: 'cash' });
    expect(elsewhere.body.number).toBe(1);
    expect((await clientMember.get(url(`/orders/${res.body.id}`))).body).toEqual(res.body);
  });

  it('refuses prices, totals or numbers sent by the client, saving nothing', async () => {
    const before = await countOf(h.db, 'orders', tenant.id);
    const linePrice = await operator.post(url('/orders'), onCall({ items: [{ sku: 'TIRAMISU', quantity: 1, unitPriceMinor: 1 }], paymentMethod: 'cash' }));
    expect(linePrice.status).toBe(400);
    expect(linePrice.body.errors).toMatchObject([{ path: 'items.0', message: expect.stringContaining('computed by the server') }]);
    const total = await operator.post(url('/orders'), onCall({ items: [{ sku: 'TIRAMISU', quantity: 1 }], paymentMethod: 'cash', totalMinor: 1 }));
    expect(total.status).toBe(400);
    expect(total.body.errors[0].message).toContain('totalMinor');
    expect(await countOf(h.db, 'orders', tenant.id)).toBe(before);
  });

  it('refuses an unavailable item', async () => {
    const res = await operator.post(url('/orders'), onCall({ items: [{ itemId: catalog.soldOut.id, quantity: 1 }], paymentMethod: 'cash' }));
    expect(res.status).toBe(400);
    expect(res.body.errors).toMatchObject([{ path: 'items.0', message: 'Calzone is not available at the moment.' }]);
  });

  it('lists every problem with its path, in the body shape and against the catalog, and saves nothing', async () => {
    const counts = async () => [await countOf(h.db, 'orders', tenant.id), await countOf(h.db, 'customers', tenant.id), await countOf(h.db, 'usageEvents', tenant.id)];
    const before = await counts();
    const shape = await operator.post(url('/orders'), { items: [{ sku: 'TIRAMISU', quantity: 0 }, { quantity: 1 }], paymentMethod: 'bitcoin', deliveryTime: 'tonight' });
    expect(shape.status).toBe(400);
    expect(shape.headers.get('content-type')).toContain('application/problem+json');
    expect(shape.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['deliveryTime', 'items.0.quantity', 'items.1.itemId', 'paymentMethod']);

    // An admin's capture names any call or none: every problem, the unknown call included, is listed.
    const semantic = await clientAdmin.post(url('/orders'), {
      callId: randomUUID(),
      customer: { phone: '12', name: 'Nobody' },
      items: [
        { itemId: randomUUID(), quantity: 1 },
        { sku: 'PIZZA-MARGHERITA', quantity: 1, options: { Extras: 'Anchovies' } },
        { sku: 'TIRAMISU', quantity: 1, options: { Size: 'Large' } },
        { sku: 'CALZONE', quantity: 1 },
      ],
      paymentMethod: 'cash',
    });
    expect(semantic.status).toBe(400);
    expect(semantic.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(
      ['callId', 'customer.phone', 'items.0.itemId', 'items.1.options.Extras', 'items.1.options.Size', 'items.2.options.Size', 'items.3'].sort(),
    );
    expect(await counts()).toEqual(before);
  });

  it('refuses a call or customer of another tenant as if it did not exist', async () => {
    const theirCall = await insertCall(h.db, other);
    const res = await clientAdmin.post(url('/orders'), { callId: theirCall, items: [{ sku: 'TIRAMISU', quantity: 1 }], paymentMethod: 'cash' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toMatchObject([{ path: 'callId', message: 'There is no such call.' }]);
    const theirOrder = (await otherAdmin.post(url('/orders', other), { items: [{ sku: 'TIRAMISU', quantity: 1 }], paymentMethod: 'cash' })).body.id;
    for (const path of [`/orders/${theirOrder}`, `/orders/${randomUUID()}`]) {
      const got = await clientAdmin.get(url(path));
      expect(got.status).toBe(404);
      expect((await clientAdmin.patch(url(path), { status: 'confirmed' })).status).toBe(404);
    }
  });

  it('writes one usage event per order, in the same transaction', async () => {
    const res = await operator.post(url('/orders'), pizzaOrder({ callId: liveCall }));
    const events = await h.db.selectFrom('usageEvents').selectAll().where('sourceId', '=', res.body.id).execute();
    expect(events).toEqual([expect.objectContaining({ tenantId: tenant.id, function: 'order_taking', metric: 'order', sourceType: 'order' })]);
    expect(Number(events[0]!.quantity)).toBe(1);
    // A refused order leaves none.
    const total = await countOf(h.db, 'usageEvents', tenant.id);
    await operator.post(url('/orders'), onCall({ items: [{ sku: 'CALZONE', quantity: 1 }], paymentMethod: 'cash' }));
    expect(await countOf(h.db, 'usageEvents', tenant.id)).toBe(total);
  });

  it('changes status for client admins and provider admins only; delivered is final', async () => {
    const id = (await operator.post(url('/orders'), pizzaOrder({ callId: liveCall }))).body.id;
    expect((await clientMember.patch(url(`/orders/${id}`), { status: 'confirmed' })).status).toBe(403);
    expect((await operator.patch(url(`/orders/${id}`), { status: 'confirmed' })).status).toBe(403);
    expect((await clientAdmin.patch(url(`/orders/${id}`), { status: 'confirmed' })).body.status).toBe('confirmed');
    expect((await providerAdmin.patch(url(`/orders/${id}`), { status: 'delivered' })).body.status).toBe('delivered');
    const again = await clientAdmin.patch(url(`/orders/${id}`), { status: 'cancelled' });
    expect(again.status).toBe(409);
    const audit = await h.db.selectFrom('auditLog').select(['action', 'before', 'after']).where('targetId', '=', id).orderBy('at').execute();
    expect(audit.map((a) => a.action)).toEqual(['order.created', 'order.status_changed', 'order.status_changed']);
  });

  it('filters and pages with a cursor, newest first', async () => {
    const all = (await clientAdmin.get(url('/orders?limit=200'))).body.items as { id: string; number: number }[];
    expect(all.length).toBeGreaterThan(3);
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { number: number }[]; nextCursor: string | null } } = await clientAdmin.get(url(`/orders?limit=2${cursor ? `&cursor=${cursor}` : ''}`));
      seen.push(...page.body.items.map((o) => o.number));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.map((o) => o.number));
    expect((await clientAdmin.get(url('/orders?q=%231'))).body.items.map((o: { number: number }) => o.number)).toEqual([1]);
    expect((await clientAdmin.get(url('/orders?q=dupont'))).body.items.every((o: { customer: { name: string } }) => o.customer.name === 'Marie Dupont')).toBe(true);
    expect((await clientAdmin.get(url('/orders?status=delivered'))).body.items).toHaveLength(1);
    // Dates filter in the company's zone: tomorrow there (UTC's tomorrow is still today in Paris after 23:00 UTC).
    const tomorrow = new Intl.DateTimeFormat('en-CA', { timeZone: tenant.timeZone }).format(new Date(h.clock.now().getTime() + DAY));
    expect((await clientAdmin.get(url(`/orders?from=${tomorrow}`))).body.items).toEqual([]);
    const bad = await clientAdmin.get(url('/orders?cursor=nonsense&status=lost'));
    expect(bad.status).toBe(400);
  });

  it('exports CSV with the non-personal columns', async () => {
    const res = await clientAdmin.get(url('/orders.csv'));
    expect(res.status).toBe(200);
    expect(res.contentType).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toContain(`${tenant.slug}-orders-`);
    const [header, first] = res.text.trim().split('\r\n');
    // The default rules let no personal field leave.
    expect(header).toBe('Number,Status,Created at (Europe/Paris),Delivery time (Europe/Paris),Payment method,Currency,Subtotal,Discount,Total');
    expect(first).toMatch(/^\d+,\w+,\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,.*,EUR,\d+\.\d\d,0\.00,\d+\.\d\d$/);
    expect(res.text).not.toContain('Dupont');
  });
});

describe('complaints', () => {
  it("sets the due date from the tenant's call settings, or the defaults without them", async () => {
    const now = h.clock.now();
    const res = await operator.post(url('/complaints'), {
      callId: liveCall,
      customer: { phone: '+33612345678' },
      category: 'Late delivery',
      severity: 'medium',
      description: 'An hour late.',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ number: 1, status: 'open', overdue: false, customer: { name: 'Marie Dupont' } });
    expect(new Date(res.body.dueAt).getTime()).toBe(now.getTime() + 5 * DAY - dstShift(now, 5));
    await withTenant(h.db, tenant.id, (tx) =>
      tx.insertInto('callSettings').values({ tenantId: tenant.id, complaintDueDays: jsonb({ low: 20, medium: 7, high: 3, critical: 1 }), updatedBy: 'test' }).execute(),
    );
    const high = await operator.post(url('/complaints'), onCall({ category: 'Rude driver', severity: 'high', description: 'Shouted at me.' }));
    expect(high.body.number).toBe(2);
    expect(new Date(high.body.dueAt).getTime()).toBe(now.getTime() + 3 * DAY - dstShift(now, 3));
  });

  it('writes one usage event per complaint, and lets client admins move its status', async () => {
    const res = await operator.post(url('/complaints'), onCall({ category: 'Wrong order', severity: 'low', description: 'Got a Calzone.' }));
    const events = await h.db.selectFrom('usageEvents').selectAll().where('sourceId', '=', res.body.id).execute();
    expect(events).toEqual([expect.objectContaining({ function: 'complaints', metric: 'complaint', sourceType: 'complaint' })]);
    expect((await clientMember.patch(url(`/complaints/${res.body.id}`), { status: 'resolved' })).status).toBe(403);
    expect((await clientAdmin.patch(url(`/complaints/${res.body.id}`), { status: 'in_progress' })).body.status).toBe('in_progress');
    expect((await clientAdmin.patch(url(`/complaints/${res.body.id}`), { status: 'closed' })).body.status).toBe('closed');
    expect((await clientAdmin.patch(url(`/complaints/${res.body.id}`), { status: 'open' })).status).toBe(409);
  });

  it('shows overdue complaints once the due date passes, and lists every input problem', async () => {
    h.clock.advance(4 * DAY);
    const overdue = (await clientAdmin.get(url('/complaints?overdue=true'))).body.items;
    expect(overdue.map((k: { number: number }) => k.number)).toEqual([2]);
    h.clock.advance(-4 * DAY);
    const bad = await operator.post(url('/complaints'), { category: '', severity: 'urgent', description: '', customerId: randomUUID() });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['category', 'description', 'severity']);
    const missing = await clientAdmin.post(url('/complaints'), { category: 'x', severity: 'low', description: 'y', customerId: randomUUID() });
    expect(missing.body.errors).toMatchObject([{ path: 'customerId', message: 'There is no such customer.' }]);
    const csv = await clientAdmin.get(url('/complaints.csv'));
    // The default rules let no complaint field leave.
    expect(csv.text.split('\r\n')[0]).toBe('Number,Status,Recorded at (Europe/Paris),Due (Europe/Paris),Overdue');
  });
});

/** The hour a due date loses or gains when `days` calendar days in Europe/Paris cross a DST change. */
function dstShift(from: Date, days: number): number {
  const offset = (d: Date) => {
    const parts = new Intl.DateTimeFormat('en', { timeZone: 'Europe/Paris', timeZoneName: 'longOffset' }).formatToParts(d);
    const [, sign, hh, mm] = /GMT([+-])(\d\d):(\d\d)/.exec(parts.find((p) => p.type === 'timeZoneName')!.value) ?? [];
    return sign ? (sign === '-' ? -1 : 1) * (Number(hh) * 60 + Number(mm)) * 60_000 : 0;
  };
  return offset(new Date(from.getTime() + days * DAY)) - offset(from);
}

describe('contacts and information requests', () => {
  it('creates a customer by phone in E.164 (read in the tenant country), and updates it by the same number', async () => {
    const callId = await insertCall(h.db, tenant, { status: 'wrap_up', operatorId: operatorUser.id, callerNumber: '+33142685300', answeredAfterSeconds: 5, talkSeconds: 30 });
    const created = await operator.post(url('/contacts'), { callId, phone: '01 42 68 53 00', name: 'Jean Martin', email: 'jean@example.fr' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ phone: '+33142685300', name: 'Jean Martin' });
    const updated = await operator.post(url('/contacts'), { callId, phone: '+33 1 42 68 53 00', address: '1 place du Tertre, Paris' });
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ id: created.body.id, name: 'Jean Martin', address: '1 place du Tertre, Paris' });
    expect((await clientMember.get(url('/contacts?phone=0142685300'))).body.items.map((c: { id: string }) => c.id)).toEqual([created.body.id]);
    expect((await clientMember.get(url('/contacts?q=martin'))).body.items).toHaveLength(1);
    const patched = await clientAdmin.patch(url(`/contacts/${created.body.id}`), { name: 'Jean Martin-Roux', phone: '+33612345678' });
    expect(patched.status).toBe(400);
    expect(patched.body.errors).toMatchObject([{ path: 'phone', message: 'Another customer already has this phone number.' }]);
    expect((await clientAdmin.patch(url(`/contacts/${created.body.id}`), { name: 'Jean Martin-Roux' })).body.name).toBe('Jean Martin-Roux');
    expect((await clientMember.post(url('/contacts'), { phone: '0600000000' })).status).toBe(403);
    const bad = await operator.post(url('/contacts'), { phone: 'call me', email: 'nope', birthDate: '1990-13-45' });
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['birthDate', 'email']);
    const badPhone = await operator.post(url('/contacts'), { callId, phone: 'call me' });
    expect(badPhone.body.errors).toMatchObject([{ path: 'phone', message: expect.stringContaining('valid phone number') }]);
  });

  it("shows a customer's history with this tenant", async () => {
    const marie = (await clientAdmin.get(url('/contacts?phone=%2B33612345678'))).body.items[0];
    const detail = await clientAdmin.get(url(`/contacts/${marie.id}`));
    expect(detail.status).toBe(200);
    expect(detail.body.history.orders.length).toBeGreaterThan(0);
    expect(detail.body.history.complaints.length).toBeGreaterThan(0);
    expect(detail.body.history.calls.length).toBeGreaterThan(0);
    expect((await otherAdmin.get(url(`/contacts/${marie.id}`, other))).status).toBe(404);
  });

  it('records information requests', async () => {
    const res = await operator.post(url('/information-requests'), onCall({ topic: 'Delivery area', question: 'Boulogne?', answer: 'Yes', followUp: true }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ topic: 'Delivery area', followUp: true, createdByName: 'Olivia Operator' });
    expect((await clientMember.get(url('/information-requests?followUp=true'))).body.items.map((r: { id: string }) => r.id)).toEqual([res.body.id]);
    expect((await clientMember.post(url('/information-requests'), { topic: 'x' })).status).toBe(403);
  });
});

describe('calls and callbacks', () => {
  let callId: string;
  beforeAll(async () => {
    callId = await insertCall(h.db, tenant, {
      callerNumber: '+33699887766',
      operatorId: operatorUser.id,
      answeredAfterSeconds: 12,
      talkSeconds: 95,
      disposition: 'order_taken',
      offeredAt: new Date(h.clock.now().getTime() + 60_000),
      events: [
        { kind: 'offered', afterSeconds: 0 },
        { kind: 'queued', afterSeconds: 0 },
        { kind: 'offered_to', afterSeconds: 1, operatorId: operatorUser.id },
        { kind: 'answered', afterSeconds: 12, operatorId: operatorUser.id },
        { kind: 'ended', afterSeconds: 107, detail: { by: 'caller' } },
        { kind: 'wrap_up_done', afterSeconds: 130, operatorId: operatorUser.id, detail: { disposition: 'order_taken' } },
      ],
    });
    await insertCall(h.db, tenant, { status: 'abandoned', offeredAt: new Date(h.clock.now().getTime() + 30_000) });
    await insertCall(h.db, other);
    const afterHours = await insertCall(h.db, tenant, { status: 'after_hours', callerNumber: '+33611112222' });
    await withTenant(h.db, tenant.id, (tx) =>
      tx.insertInto('callbackRequests').values({ tenantId: tenant.id, id: randomUUID(), callId: afterHours, function: 'order_taking', callerNumber: '+33611112222', requestedAt: h.clock.now() }).execute(),
    );
  });

  it('lists calls with wait, talk, disposition and the operator, newest first', async () => {
    const res = await clientMember.get(url('/calls?limit=2'));
    expect(res.status).toBe(200);
    expect(res.body.items[0]).toMatchObject({ id: callId, direction: 'inbound', status: 'completed', waitSeconds: 12, talkSeconds: 95, disposition: 'order_taken', operatorName: 'Olivia Operator', callerNumber: '+33699887766' });
    expect(res.body.items[1]).toMatchObject({ status: 'abandoned', talkSeconds: null, operatorName: null });
    expect(res.body.nextCursor).toEqual(expect.any(String));
    expect((await clientMember.get(url('/calls?status=abandoned'))).body.items).toHaveLength(1);
    expect((await clientMember.get(url('/calls?phone=0699887766'))).body.items.map((c: { id: string }) => c.id)).toEqual([callId]);
  });

  it('shows one call with its timeline in order; another tenant answers 404', async () => {
    const res = await clientAdmin.get(url(`/calls/${callId}`));
    expect(res.body.timeline.map((e: { kind: string }) => e.kind)).toEqual(['offered', 'queued', 'offered_to', 'answered', 'ended', 'wrap_up_done']);
    expect(res.body.timeline[3]).toMatchObject({ operatorName: 'Olivia Operator' });
    expect(res.body.timeline[4].detail).toEqual({ by: 'caller' });
    expect((await otherAdmin.get(url(`/calls/${callId}`, other))).status).toBe(404);
    expect((await otherAdmin.get(url('/calls', other))).body.items.map((c: { id: string }) => c.id)).not.toContain(callId);
  });

  it('exports calls as CSV without the caller number unless the rules let phones leave', async () => {
    const csv = await clientAdmin.get(url('/calls.csv'));
    const header = csv.text.split('\r\n')[0];
    expect(header).toBe('Offered at (Europe/Paris),Direction,Function,Status,Answered at (Europe/Paris),Ended at (Europe/Paris),Wait (seconds),Talk (seconds),Disposition,Operator');
    expect(csv.text).not.toContain('+3369988');
  });

  it('lists callback requests', async () => {
    const res = await clientAdmin.get(url('/callbacks'));
    expect(res.body.items).toEqual([expect.objectContaining({ function: 'order_taking', callerNumber: '+33611112222', status: 'pending' })]);
  });
});
