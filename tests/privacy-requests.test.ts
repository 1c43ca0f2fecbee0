import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { jsonb, newId, withTenant, type Tenant } from '@switchboard/db';
import { dispatch, digestMatches } from '@switchboard/api';
import {
  actorFor,
  createClock,
  createHarness,
  insertListPrice,
  logIn,
  seedBillingRecords,
  seedClientUser,
  seedTenant,
  seedUser,
  snapshotTenant,
  tenantTables,
  type App,
  type Client,
  type Clock,
  type Harness,
  type TestUser,
} from './support/index.ts';
import { addNumber, publishQuestions, addWrapUpCode, alwaysOpen, incomingCall, seedRoutedOperator, setCallSettings, setHours, telephony, uniqueNumber } from './support/routing.ts';
import { seedPizzaCatalog } from './support/records.ts';

/**
 * Issue 11, the person's rights (GDPR articles 15 and 17): a client admin finds every record of one
 * person by phone or e-mail, exports it and erases it; afterwards no column of any tenant table holds
 * the person's number, name or e-mail, billing is unchanged, and another tenant's person with the same
 * number is untouched. Only admins may, and every action is kept with who, when and why.
 */
let h: Harness;
let clock: Clock;
let app: App;
let a: Tenant;
let b: Tenant;
let provider: Client;
let clientAdmin: Client;
let clientMember: Client;
let operatorDesk: Client;
let operatorUser: TestUser;
let adminUser: TestUser;
let numberOfA: string;

const person = {
  typed: '06 11 22 33 44',
  e164: '+33611223344',
  name: 'Zoé Personne-Essai',
  email: 'zoe.personne@example.org',
  address: '3 rue des Lilas, 69001 Lyon',
  note: 'Zoé asks for an invoice by post',
  recording: 'rec-zoe-0001',
};
const other = { e164: '+33655667788', name: 'Octave Autre', email: 'octave.autre@example.org' };
/** Another customer whose record was changed on her call, and a friend she referred on it: neither is hers to receive. */
const third = { e164: '+33644556677', name: 'Quentin Tiers', email: 'quentin.tiers@example.org', address: '9 quai Tiers, 69002 Lyon' };
const friend = { e164: '+33633445566', name: 'Fanny Amie', email: 'fanny.amie@example.org' };
const request = { receivedOn: '2026-11-30', channel: 'letter', reference: 'Letter of 30 November, ticket PR-17' } as const;
const path = (tenant: Tenant, what: string) => `/api/t/${tenant.slug}/privacy/${what}`;

async function acceptedCall(caller: string): Promise<string> {
  const res = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(numberOfA, caller));
  expect(res.status).toBe(200);
  await dispatch(h.db, clock.now());
  const callId: string = res.body.id;
  expect((await operatorDesk.post(`/api/t/${a.slug}/desk/calls/${callId}/accept`)).status).toBe(200);
  clock.advance(30_000);
  return callId;
}

async function hangUp(callId: string) {
  expect((await telephony(app, clock, 'POST', `/api/telephony/calls/${callId}/ended`, { by: 'caller' })).status).toBe(200);
}

/** Every column of every tenant table that could hold text, searched for each needle within one tenant. */
async function whereFound(tenantId: string, needles: string[]): Promise<string[]> {
  const hits: string[] = [];
  for (const table of await tenantTables(h.db)) {
    const { rows: columns } = await sql<{ column: string }>`
      select column_name as column from information_schema.columns
      where table_schema = ${table.schema} and table_name = ${table.name}
        and data_type in ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'USER-DEFINED')`.execute(h.db);
    for (const { column } of columns) {
      for (const needle of needles) {
        const { rows } = await sql<{ n: string | number }>`
          select count(*) as n from ${sql.id(table.schema, table.name)}
          where tenant_id = ${tenantId} and ${sql.id(column)}::text ilike ${`%${needle}%`}`.execute(h.db);
        if (Number(rows[0]!.n) > 0) hits.push(`${table.name}.${column} holds ${needle}`);
      }
    }
  }
  return hits;
}

const personNeedles = [person.e164, '611223344', person.name, 'Personne-Essai', person.email, person.address, 'invoice by post', person.recording];

beforeAll(async () => {
  h = await createHarness();
  clock = createClock(new Date('2026-12-02T10:00:00Z'));
  app = h.buildApp({ clock });
  const providerUser = await seedUser(h.db, { kind: 'provider_admin' });
  a = (await seedTenant(h.db, { actor: actorFor(providerUser) })).tenant;
  b = (await seedTenant(h.db, { actor: actorFor(providerUser) })).tenant;
  provider = await logIn(app, providerUser);
  adminUser = await seedClientUser(h.db, a, 'client_admin');
  clientAdmin = await logIn(app, adminUser);
  clientMember = await logIn(app, await seedClientUser(h.db, a, 'client_member'));
  await insertListPrice(h.db, { function: 'order_taking', metric: 'order', unitAmountMinor: 120 });
  for (const tenant of [a, b]) await seedPizzaCatalog(provider, tenant);
  await setHours(h.db, a, alwaysOpen);
  numberOfA = uniqueNumber();
  await addNumber(h.db, a, numberOfA, 'order_taking');
  await publishQuestions(h.db, a, 'order_taking', { full_name: 'text', email: 'email', phone: 'phone' });
  await addWrapUpCode(h.db, a, 'order_taken', clock.now());
  await setCallSettings(h.db, a, { wrapUpSeconds: 45 });
  operatorUser = await seedRoutedOperator(h.db, [[a, {}]], 'Odile Operatrice');
  operatorDesk = await logIn(app, operatorUser);
  expect((await operatorDesk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
  clock.advance(1_000);

  // The person's first call: an order, a complaint and a question taken on it, recorded, wrapped up with notes and answers.
  const first = await acceptedCall(person.e164);
  const customer = { phone: person.typed, name: person.name, email: person.email, address: person.address, birthDate: '1990-04-01' };
  const order = await operatorDesk.post(`/api/t/${a.slug}/orders`, {
    callId: first,
    customer,
    items: [{ sku: 'TIRAMISU', quantity: 2 }],
    deliveryAddress: person.address,
    paymentMethod: 'cash',
    notes: `${person.name} — ring twice`,
  });
  expect(order.status, order.text).toBe(201);
  const customerId: string = order.body.customer.id;
  const complaint = await operatorDesk.post(`/api/t/${a.slug}/complaints`, {
    callId: first,
    customerId,
    category: 'Late delivery',
    severity: 'low',
    description: `${person.name} waited an hour`,
    desiredResolution: 'A voucher sent to zoe.personne@example.org',
  });
  expect(complaint.status, complaint.text).toBe(201);
  const question = await operatorDesk.post(`/api/t/${a.slug}/information-requests`, { callId: first, customerId, topic: 'Opening hours', question: `Does ${person.name} need to book?` });
  expect(question.status, question.text).toBe(201);
  expect((await clientAdmin.patch(`/api/t/${a.slug}/contacts/${customerId}`, { accountNumber: 'ACC-7781' })).status).toBe(200);
  expect((await telephony(app, clock, 'POST', `/api/telephony/calls/${first}/recording`, { ref: person.recording })).status).toBe(200);
  await hangUp(first);
  const wrapped = await operatorDesk.post(`/api/t/${a.slug}/desk/calls/${first}/wrap-up`, {
    disposition: 'order_taken',
    notes: person.note,
    scriptAnswers: { full_name: person.name, email: person.email },
  });
  expect(wrapped.status, wrapped.text).toBe(200);
  // The call cleaned her record (issue 14's data entry): the before and after of her name is hers too.
  await withTenant(h.db, a.id, (tx) =>
    tx
      .insertInto('customerRecordChanges')
      .values({
        tenantId: a.id,
        id: newId(),
        callId: first,
        customerId,
        action: 'updated',
        changes: jsonb([
          { field: 'customer.name', before: 'Zoe P.', after: person.name },
          // Kept before held numbers were dropped: the number given was another customer's.
          { field: 'customer.phone', before: person.e164, after: third.e164, held: true },
        ]),
        at: clock.now(),
      })
      .execute(),
  );
  // On her call, before records were only ever the caller's: another customer's record changed, and leads
  // taken — one naming a friend she referred, one naming nobody else (hers).
  await withTenant(h.db, a.id, async (tx) => {
    const thirdId = newId();
    await tx.insertInto('customers').values({ tenantId: a.id, id: thirdId, phone: third.e164, name: third.name, email: third.email, address: third.address }).execute();
    const changes = jsonb([
      { field: 'customer.name', before: 'Q. Tiers', after: third.name },
      { field: 'customer.email', before: null, after: third.email },
      { field: 'customer.address', before: null, after: third.address },
    ]);
    await tx.insertInto('customerRecordChanges').values({ tenantId: a.id, id: newId(), callId: first, customerId: thirdId, action: 'updated', changes, at: clock.now() }).execute();
    // (One lead per call: the friend's is on her first call, hers on her second.)
    await tx.insertInto('leads').values({ tenantId: a.id, id: newId(), callId: first, function: 'order_taking', fields: jsonb({ name: friend.name, phone: friend.e164, email: friend.email }), createdAt: clock.now() }).execute();
  });
  clock.advance(5_000);

  // Her second call: the wrap-up ran out, leaving a draft with notes and answers.
  const second = await acceptedCall(person.e164);
  await hangUp(second);
  const draft = await operatorDesk.put(`/api/t/${a.slug}/desk/calls/${second}/wrap-up/draft`, {
    disposition: 'order_taken',
    notes: `Call ${person.name} back`,
    scriptAnswers: { phone: person.e164 },
  });
  expect(draft.status, draft.text).toBe(200);
  clock.advance(60_000);
  await dispatch(h.db, clock.now());
  expect((await operatorDesk.put('/api/desk/state', { state: 'available' })).status).toBe(200);

  // A lead taken on her second call naming no number or e-mail: hers.
  await withTenant(h.db, a.id, (tx) =>
    tx.insertInto('leads').values({ tenantId: a.id, id: newId(), callId: second, function: 'order_taking', fields: jsonb({ name: person.name, interest: 'Catering' }), createdAt: clock.now() }).execute(),
  );

  // A callback she asked for after hours (routing writes these; no route does).
  await withTenant(h.db, a.id, async (tx) => {
    const call = await tx.selectFrom('calls').select(['id']).where('id', '=', second).executeTakeFirstOrThrow();
    await tx.insertInto('callbackRequests').values({ tenantId: a.id, id: crypto.randomUUID(), callId: call.id, function: 'order_taking', callerNumber: person.e164, requestedAt: clock.now() }).execute();
  });

  // Another person of A, and the same number with the same name in B: neither is hers to erase.
  const otherCall = await acceptedCall(other.e164);
  const otherOrder = await operatorDesk.post(`/api/t/${a.slug}/orders`, { callId: otherCall, customer: { phone: other.e164, name: other.name, email: other.email }, items: [{ sku: 'TIRAMISU', quantity: 1 }], paymentMethod: 'cash' });
  expect(otherOrder.status, otherOrder.text).toBe(201);
  await hangUp(otherCall);
  expect((await operatorDesk.post(`/api/t/${a.slug}/desk/calls/${otherCall}/wrap-up`, { disposition: 'order_taken', notes: `${other.name} was friendly` })).status).toBe(200);
  // A lead naming her, captured on the other caller's call (he recommended her): hers to erase too.
  await withTenant(h.db, a.id, (tx) =>
    tx.insertInto('leads').values({ tenantId: a.id, id: newId(), callId: otherCall, function: 'order_taking', fields: jsonb({ name: 'Referral', phone: person.e164, email: person.email.toUpperCase() }), createdAt: new Date() }).execute(),
  );
  const inB = await provider.post(`/api/t/${b.slug}/orders`, { customer, items: [{ sku: 'TIRAMISU', quantity: 1 }], paymentMethod: 'cash', deliveryAddress: person.address });
  expect(inB.status, inB.text).toBe(201);
  await seedBillingRecords(h.db, [a]);
});

afterAll(() => h?.close());

const expectedCounts = { customers: 1, calls: 2, orders: 1, complaints: 1, informationRequests: 1, callbackRequests: 1, scriptAnswers: 2, wrapUpDrafts: 1, recordings: 1, leads: 2, customerRecordChanges: 1, consents: 0, campaignContacts: 0, doNotCall: 0 };

describe('finding a person', () => {
  it('finds every record of the person by phone (as typed locally) and by e-mail, and lists them without personal data', async () => {
    const byPhone = await clientAdmin.post(path(a, 'search'), { phone: person.typed, ...request });
    expect(byPhone.status, byPhone.text).toBe(200);
    expect(byPhone.body.counts).toEqual(expectedCounts);
    expect(byPhone.body.inProgress).toBe(0);
    expect(byPhone.body.records.map((r: { kind: string }) => r.kind).sort()).toEqual(['call', 'call', 'callback_request', 'complaint', 'customer', 'information_request', 'order']);
    for (const needle of [person.e164, person.name, person.email, person.address, person.recording]) expect(byPhone.text).not.toContain(needle);
    expect(byPhone.headers.get('cache-control')).toBe('no-store');
    // Beside the English summary, codes the web words in the viewer's language.
    type Found = { kind: string; facts: Record<string, unknown> };
    const facts = (kind: string) => (byPhone.body.records as Found[]).filter((r) => r.kind === kind).map((r) => r.facts);
    expect(facts('order')).toEqual([expect.objectContaining({ number: expect.any(Number), status: expect.any(String), totalMinor: expect.any(Number), currency: 'EUR' })]);
    expect(facts('complaint')).toEqual([expect.objectContaining({ number: expect.any(Number), status: 'open', severity: expect.any(String) })]);
    expect(facts('call')).toContainEqual(expect.objectContaining({ function: expect.any(String), status: expect.any(String), recording: true }));
    expect(facts('customer')).toEqual([{}]);

    const byEmail = await clientAdmin.post(path(a, 'search'), { email: 'Zoe.Personne@Example.org', ...request });
    expect(byEmail.body.counts).toEqual(expectedCounts);
    const provided = await provider.post(path(a, 'search'), { phone: person.e164, ...request });
    expect(provided.body.counts).toEqual(expectedCounts);
  });

  it('keeps each search with who, when and why, the person only as a digest that matches their number', async () => {
    const before = (await clientAdmin.get(path(a, 'requests'))).body.items.length;
    await clientAdmin.post(path(a, 'search'), { phone: person.e164, ...request });
    const history = await clientAdmin.get(path(a, 'requests'));
    expect(history.status).toBe(200);
    expect(history.body.items).toHaveLength(before + 1);
    expect(history.body.items[0]).toMatchObject({ action: 'search', identifierKind: 'phone', receivedOn: request.receivedOn, channel: 'letter', reference: request.reference, counts: expectedCounts });
    expect(history.body.items[0].requestedByLabel).toContain(adminUser.email);
    expect(history.text).not.toContain(person.e164);
    const row = await withTenant(h.db, a.id, (tx) => tx.selectFrom('privacyRequests').selectAll().where('id', '=', history.body.items[0].id).executeTakeFirstOrThrow());
    expect(await digestMatches({ kind: 'phone', value: person.e164 }, row)).toBe(true);
    expect(await digestMatches({ kind: 'phone', value: other.e164 }, row)).toBe(false);
    const audit = await withTenant(h.db, a.id, (tx) => tx.selectFrom('auditLog').select(['action', 'actorId', 'after']).where('targetId', '=', row.id).execute());
    expect(audit).toEqual([{ action: 'privacy.search', actorId: adminUser.id, after: expect.objectContaining({ reference: request.reference, channel: 'letter' }) }]);
  });
});

describe('who may', () => {
  it('refuses operators and client members (403) on every privacy route, and keeps nothing', async () => {
    const count = () => withTenant(h.db, a.id, async (tx) => (await tx.selectFrom('privacyRequests').select('id').execute()).length);
    const before = await count();
    for (const client of [operatorDesk, clientMember]) {
      for (const what of ['search', 'export']) expect((await client.post(path(a, what), { phone: person.e164, ...request })).status).toBe(403);
      expect((await client.post(path(a, 'erase'), { phone: person.e164, ...request, confirm: true })).status).toBe(403);
      expect((await client.get(path(a, 'requests'))).status).toBe(403);
    }
    expect(await count()).toBe(before);
  });

  it('lets provider staff find and erase but not download the full export, which shows sensitive fields in clear', async () => {
    const count = () => withTenant(h.db, a.id, async (tx) => (await tx.selectFrom('privacyRequests').select('id').execute()).length);
    const before = await count();
    const refused = await provider.post(path(a, 'export'), { phone: person.e164, ...request });
    expect(refused.status).toBe(403);
    for (const needle of [person.e164, person.name, person.email]) expect(refused.text).not.toContain(needle);
    expect(await count()).toBe(before);
  });

  it("answers another tenant's slug as a tenant that does not exist", async () => {
    const res = await clientAdmin.post(path(b, 'search'), { phone: person.e164, ...request });
    expect(res.status).toBe(404);
  });
});

describe('hostile input', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['a NUL byte in the reference', { phone: person.e164, ...request, reference: 'Letter\u0000 of today' }, 'reference'],
    ['a NUL byte in the phone', { phone: '+33 6 11 22\u0000 33 44', ...request }, 'phone'],
    ['a huge reference', { phone: person.e164, ...request, reference: 'x'.repeat(10_000) }, 'reference'],
    ['a formula after a separator', { phone: person.e164, ...request, reference: "Sonstiges;=cmd|' /C calc'!A0" }, 'reference'],
    ['a formula at the start', { phone: person.e164, ...request, reference: '=HYPERLINK("http://evil")' }, 'reference'],
    ['the person named in the reference', { phone: person.e164, ...request, reference: 'Asked from 06 11 22 33 44' }, 'reference'],
    ['the e-mail in the reference', { email: person.email, ...request, reference: `Mail from ${person.email}` }, 'reference'],
    ['no reference', { phone: person.e164, receivedOn: request.receivedOn, channel: 'letter' }, 'reference'],
    ['neither phone nor e-mail', { ...request }, 'phone'],
    ['both phone and e-mail', { phone: person.e164, email: person.email, ...request }, 'email'],
    ['not a phone number', { phone: '12', ...request }, 'phone'],
    ['not an e-mail', { email: 'zoe@', ...request }, 'email'],
    ['a request received in the future', { phone: person.e164, ...request, receivedOn: '2999-01-01' }, 'receivedOn'],
    ['an unknown channel', { phone: person.e164, ...request, channel: 'pigeon' }, 'channel'],
  ];
  it.each(cases)('refuses %s with a 400 naming the field, and keeps nothing', async (_, body, field) => {
    const before = await snapshotTenant(h.db, a.id);
    for (const what of ['search', 'export', 'erase']) {
      const res = await clientAdmin.post(path(a, what), { ...body, ...(what === 'erase' ? { confirm: true } : {}) });
      expect(res.status, `${what}: ${res.text}`).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    expect(await snapshotTenant(h.db, a.id)).toEqual(before);
  });

  it('refuses an erasure that is not confirmed', async () => {
    const res = await clientAdmin.post(path(a, 'erase'), { phone: person.e164, ...request });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain('confirm');
  });
});

describe('the export', () => {
  it('holds every record of the person in readable words, and nothing of anyone else', async () => {
    const res = await clientAdmin.post(path(a, 'export'), { phone: person.e164, ...request });
    expect(res.status, res.text).toBe(200);
    expect(res.headers.get('content-disposition')).toMatch(new RegExp(`attachment; filename="${a.slug}-personal-data-\\d{4}-\\d{2}-\\d{2}\\.json"`));
    const doc = res.body;
    expect(doc.summary).toEqual(expectedCounts);
    expect(doc.customerRecords).toEqual([
      expect.objectContaining({ phoneNumber: person.e164, name: person.name, email: person.email, address: person.address, birthDate: '1990-04-01', accountNumber: 'ACC-7781' }),
    ]);
    expect(doc.calls).toHaveLength(2);
    expect(doc.calls[0]).toMatchObject({ service: 'Order taking', yourNumber: person.e164, outcome: 'order taken', notes: person.note, recordingReference: person.recording, scriptAnswers: { full_name: person.name } });
    expect(doc.calls[0].timeline.map((s: { step: string }) => s.step)).toEqual(expect.arrayContaining(['Call received', 'Answered', 'Recording made', 'Outcome recorded']));
    expect(doc.calls[1].unfinishedWrapUp).toMatchObject({ notes: `Call ${person.name} back`, scriptAnswers: { phone: person.e164 } });
    expect(doc.orders).toEqual([expect.objectContaining({ orderNumber: 1, total: '12.00 EUR', deliveryAddress: person.address, items: [expect.objectContaining({ item: 'Tiramisu', quantity: 2 })] })]);
    expect(doc.complaints).toEqual([expect.objectContaining({ description: `${person.name} waited an hour`, severity: 'low' })]);
    expect(doc.informationRequests).toEqual([expect.objectContaining({ topic: 'Opening hours' })]);
    expect(doc.callbackRequests).toEqual([expect.objectContaining({ phoneNumber: person.e164, status: 'pending' })]);
    // What calls captured about her: the lead naming her, the one taken on her call naming nobody else, and
    // the change a call made to her record — the number held on it was another customer's, and is not given.
    expect(doc.leads).toHaveLength(2);
    expect(doc.leads).toEqual(
      expect.arrayContaining([
        { service: 'Order taking', recordedAt: expect.any(String), status: 'new', statusChangedAt: null, details: { name: 'Referral', phone: person.e164, email: person.email.toUpperCase() } },
        { service: 'Order taking', recordedAt: expect.any(String), status: 'new', statusChangedAt: null, details: { name: person.name, interest: 'Catering' } },
      ]),
    );
    expect(doc.customerRecordChanges).toEqual([
      {
        at: expect.any(String),
        action: 'record changed',
        changes: [
          { field: 'name', before: 'Zoe P.', after: person.name },
          { field: 'phone', before: person.e164, after: null, applied: false },
        ],
      },
    ]);
    // Nobody else: not the other caller, not B, not the operator or any staff, no internal ids or secrets.
    const ids = await withTenant(h.db, a.id, (tx) => tx.selectFrom('calls').select(['id', 'externalId']).execute());
    const customers = await withTenant(h.db, a.id, (tx) => tx.selectFrom('customers').select('id').execute());
    for (const leak of [other.e164, other.name, other.email, third.e164, third.name, third.email, third.address, 'Q. Tiers', friend.e164, friend.name, friend.email, b.slug, b.legalName, operatorUser.displayName, operatorUser.email, adminUser.email, operatorUser.id, ...ids.flatMap((c) => [c.id, c.externalId]), ...customers.map((c) => c.id), 'passwordHash', 'secret']) {
      expect(res.text, leak).not.toContain(leak);
    }
    const history = (await clientAdmin.get(path(a, 'requests'))).body.items[0];
    expect(history).toMatchObject({ action: 'export', counts: expectedCounts });
  });
});

describe('the erasure', () => {
  it('waits for a call still in progress (409), then leaves no trace of the person in any tenant table, billing unchanged, B untouched', async () => {
    const billing = () =>
      withTenant(h.db, a.id, async (tx) => ({
        usage: await tx.selectFrom('usageEvents').selectAll().orderBy('id').execute(),
        statements: await tx.selectFrom('statements').selectAll().orderBy('period').execute(),
        lines: await tx.selectFrom('statementLines').selectAll().orderBy('period').orderBy('lineNo').execute(),
        orders: await tx.selectFrom('orders').select(['id', 'number', 'items', 'subtotalMinor', 'discountMinor', 'totalMinor', 'currency', 'status', 'createdAt']).orderBy('id').execute(),
      }));
    const billingBefore = await billing();
    const usageBefore = (await clientAdmin.get(`/api/t/${a.slug}/usage?period=2026-12`)).body;
    const bBefore = await snapshotTenant(h.db, b.id);
    expect(await whereFound(a.id, personNeedles)).not.toEqual([]);
    const otherNeedles = [other.e164, other.name, other.email];
    const otherBefore = await whereFound(a.id, otherNeedles);

    // She is calling right now: the erasure waits for the call to end.
    const live = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(numberOfA, person.e164));
    const refused = await clientAdmin.post(path(a, 'erase'), { phone: person.e164, ...request, confirm: true });
    expect(refused.status, refused.text).toBe(409);
    expect(refused.body.type).toMatch(/call-in-progress$/);
    await telephony(app, clock, 'POST', `/api/telephony/calls/${live.body.id}/ended`, { by: 'caller' });
    expect(await whereFound(a.id, [person.e164])).not.toEqual([]);

    const erased = await clientAdmin.post(path(a, 'erase'), { email: person.email, ...request, confirm: true });
    expect(erased.status, erased.text).toBe(200);
    expect(erased.body.counts).toEqual({ ...expectedCounts, calls: 3 });
    expect(erased.body.recordingReferences).toEqual([person.recording]);

    expect(await whereFound(a.id, personNeedles)).toEqual([]);
    expect(await whereFound(a.id, otherNeedles)).toEqual(otherBefore);
    // What was said on her calls went with them, whoever it named: the friend's lead, the other record's change (not the record).
    expect(await whereFound(a.id, [friend.e164, friend.name, friend.email, 'Q. Tiers'])).toEqual([]);
    expect(await whereFound(a.id, [third.name])).toEqual(['customers.name holds Quentin Tiers']);
    expect(await snapshotTenant(h.db, b.id)).toEqual(bBefore);
    expect(await billing()).toEqual(billingBefore);
    expect((await clientAdmin.get(`/api/t/${a.slug}/usage?period=2026-12`)).body).toEqual(usageBefore);

    const again = await clientAdmin.post(path(a, 'search'), { phone: person.e164, ...request });
    expect(Object.values(again.body.counts).every((n) => n === 0)).toBe(true);
    // The portal's lists still open (the calls keep their times and outcome, the order its amounts).
    expect((await clientAdmin.get(`/api/t/${a.slug}/calls`)).status).toBe(200);
    expect((await clientAdmin.get(`/api/t/${a.slug}/orders`)).body.items.map((o: { totalMinor: number }) => o.totalMinor).sort((x: number, y: number) => x - y)).toEqual([600, 1200]);

    const actions = await withTenant(h.db, a.id, (tx) => tx.selectFrom('auditLog').select(['action', 'actorId']).where('action', 'like', 'privacy.%').execute());
    expect(actions).toEqual(expect.arrayContaining([{ action: 'privacy.erasure', actorId: adminUser.id }, { action: 'privacy.export', actorId: adminUser.id }]));
    const history = (await clientAdmin.get(path(a, 'requests'))).body.items;
    expect(history[1]).toMatchObject({ action: 'erasure', identifierKind: 'email', reference: request.reference });
  });
});
