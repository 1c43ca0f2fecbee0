import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'kysely';
import { jsonb, withTenant, type JsonColumnValue, type Tenant, type TenantTx } from '@switchboard/db';
import { dispatch } from '@switchboard/api';
import { createClock, createHarness, logIn, openEventStream, seedClientUser, seedTenant, seedUser, type App, type Client, type Clock, type Harness } from './support/index.ts';
import { addNumber, alwaysOpen, incomingCall, seedRoutedOperator, setHours, telephony, uniqueNumber } from './support/routing.ts';
import { digitsOf } from './support/card-disguises.ts';
import { insertListPrice } from './support/billing.ts';

/**
 * Issue 14, answers as records: typed answers checked by the server against the script version the call
 * was answered with (every problem listed, nothing written), kept typed under that version, masked as the
 * fields they go into, turned into a completed questionnaire, a lead and a customer record's changes —
 * each counted once, however often the wrap-up is retried.
 */
let h: Harness;
let clock: Clock;
let app: App;
let tenant: Tenant;
let other: Tenant;
let clientAdmin: Client;
let clientMember: Client;
let otherAdmin: Client;
let supervisor: Client;
let number: string;
let otherNumber: string;
const CARD = '4111111111111111';

const script = (npsType: string) => ({
  steps: [
    { id: 'greet', type: 'say', text: '{{tenant.greeting}}', next: 'items' },
    { id: 'items', type: 'ask', text: 'What would you like?', answer: { type: 'text' }, next: 'nps' },
    { id: 'nps', type: 'ask', text: 'Would you recommend us?', answer: { type: npsType }, next: 'likes' },
    {
      id: 'likes',
      type: 'ask',
      text: 'What do you like?',
      answer: { type: 'multi_choice', max: 2, choices: [{ value: 'taste', label: 'Taste' }, { value: 'speed', label: 'Speed' }, { value: 'price', label: 'Price' }] },
      next: 'name',
    },
    { id: 'name', type: 'ask', text: 'Your name?', answer: { type: 'text' }, next: 'phone' },
    { id: 'phone', type: 'ask', text: 'A number to call you back?', answer: { type: 'phone' }, next: 'postcode' },
    { id: 'postcode', type: 'ask', text: 'Your postcode?', answer: { type: 'postcode', required: false }, next: 'save' },
    {
      id: 'save',
      type: 'capture',
      captures: [
        { target: 'order.items', from: 'items' },
        { target: 'survey.nps', from: 'nps' },
        { target: 'survey.likes', from: 'likes' },
        { target: 'lead.name', from: 'name' },
        { target: 'lead.phone', from: 'phone' },
        { target: 'lead.postcode', from: 'postcode' },
        { target: 'customer.name', from: 'name' },
      ],
      next: 'done',
    },
    { id: 'done', type: 'end', text: 'Thank you!', disposition: 'order_taken' },
  ],
});

const good = { items: '2 margherita', nps: 9, likes: ['taste', 'speed'], name: '=HYPERLINK("http://x")', phone: '+33 6 12 34 56 78', postcode: '75002' };

beforeAll(async () => {
  h = await createHarness();
  clock = createClock(new Date('2026-12-01T10:00:00Z'));
  app = h.buildApp({ clock });
  ({ tenant } = await seedTenant(h.db));
  ({ tenant: other } = await seedTenant(h.db));
  await insertListPrice(h.db, { function: 'surveys', metric: 'completed_survey', unitAmountMinor: 350 });
  await insertListPrice(h.db, { function: 'data_entry', metric: 'data_entry_record', unitAmountMinor: 60 });
  await setHours(h.db, tenant, alwaysOpen);
  number = uniqueNumber();
  await addNumber(h.db, tenant, number, 'order_taking');
  await setHours(h.db, other, alwaysOpen);
  otherNumber = uniqueNumber();
  await addNumber(h.db, other, otherNumber, 'order_taking');
  clientAdmin = await logIn(app, await seedClientUser(h.db, tenant, 'client_admin'));
  clientMember = await logIn(app, await seedClientUser(h.db, tenant, 'client_member'));
  otherAdmin = await logIn(app, await seedClientUser(h.db, other, 'client_admin'));
  supervisor = await logIn(app, await seedUser(h.db, { kind: 'supervisor' }));
  const base = `/api/t/${tenant.slug}`;
  expect((await clientAdmin.post(`${base}/wrap-up-codes`, { code: 'order_taken', label: 'Order taken' })).status).toBe(201);
  const draft = await clientAdmin.put(`${base}/scripts/order_taking/draft`, script('scale_0_10'));
  expect(draft.status, draft.text).toBe(200);
  const published = await clientAdmin.post(`${base}/scripts/order_taking/publish`);
  expect(published.status, published.text).toBe(201);
  const rules = await clientAdmin.put(`${base}/rules`, { classification: { 'customer.phone': 'sensitive' }, operatorVisibility: 'masked' });
  expect(rules.status, rules.text).toBe(200);
});
afterAll(() => h?.close());

async function connectedCall(): Promise<{ desk: Client; callId: string }> {
  const operator = await seedRoutedOperator(h.db, [[tenant, {}]]);
  const desk = await logIn(app, operator);
  expect((await desk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
  clock.advance(1_000);
  const res = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number));
  await dispatch(h.db, clock.now());
  const callId: string = res.body.id;
  expect((await desk.post(`/api/t/${tenant.slug}/desk/calls/${callId}/accept`)).status).toBe(200);
  clock.advance(30_000);
  return { desk, callId };
}

const stored = (callId: string) =>
  withTenant(h.db, tenant.id, async (tx) => ({
    set: await tx.selectFrom('callAnswerSets').selectAll().where('callId', '=', callId).executeTakeFirst(),
    answers: await tx.selectFrom('callAnswers').selectAll().where('callId', '=', callId).orderBy('stepId').execute(),
    leads: await tx.selectFrom('leads').selectAll().where('callId', '=', callId).execute(),
    changes: await tx.selectFrom('customerRecordChanges').selectAll().where('callId', '=', callId).execute(),
    usage: await tx.selectFrom('usageEvents').select(['metric', 'sourceType', 'function', 'amountMinor']).where('sourceId', '=', callId).where('metric', 'in', ['completed_survey', 'data_entry_record']).orderBy('metric').orderBy('sourceType').execute(),
    call: await tx.selectFrom('calls').select('status').where('id', '=', callId).executeTakeFirstOrThrow(),
  }));

describe('answers as records', () => {
  let answeredCall: string;

  it('refuses answers that do not fit their questions, listing every one, and writes nothing', async () => {
    const { desk, callId } = await connectedCall();
    const res = await desk.post(`/api/t/${tenant.slug}/desk/calls/${callId}/wrap-up`, {
      disposition: 'order_taken',
      scriptAnswers: { ...good, nps: 11, likes: ['taste', 'speed', 'price'], phone: 'call me', unknown_q: 'x' },
    });
    expect(res.status, res.text).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    const errors = res.body.errors as { path: string; code: string; params: { reason: string } }[];
    expect(errors.map((e) => [e.path, e.code, e.params.reason]).sort()).toEqual(
      [
        ['scriptAnswers.likes', 'script.answer', 'too_many_choices'],
        ['scriptAnswers.nps', 'script.answer', 'scale'],
        ['scriptAnswers.phone', 'script.answer', 'phone'],
        ['scriptAnswers.unknown_q', 'script.answer', 'not_a_question'],
      ].sort(),
    );
    const after = await stored(callId);
    expect(after.set).toBeUndefined();
    expect(after.call.status).toBe('connected');
    // A draft holding a wrong answer is refused the same way.
    const draft = await desk.put(`/api/t/${tenant.slug}/desk/calls/${callId}/wrap-up/draft`, { scriptAnswers: { nps: 'ten' } });
    expect(draft.status, draft.text).toBe(400);
    expect(draft.body.errors[0].path).toBe('scriptAnswers.nps');
    await desk.post(`/api/t/${tenant.slug}/desk/calls/${callId}/wrap-up`, { disposition: 'order_taken' });
    expect((await desk.put('/api/desk/state', { state: 'offline' })).status).toBe(200);
  });

  it('keeps the answers typed under their script version, counts a completed survey and each record once, even when the wrap-up is retried', async () => {
    const { desk, callId } = await connectedCall();
    answeredCall = callId;
    const body = { disposition: 'order_taken', scriptAnswers: { ...good, postcode: `75002 ${CARD}`.slice(0, 5), items: `2 margherita, card ${CARD}` } };
    const done = await desk.post(`/api/t/${tenant.slug}/desk/calls/${callId}/wrap-up`, body);
    expect(done.status, done.text).toBe(200);
    const retry = await desk.post(`/api/t/${tenant.slug}/desk/calls/${callId}/wrap-up`, body);
    expect(retry.status).toBe(409);

    const s = await stored(callId);
    expect(s.set).toMatchObject({ scriptVersion: 1, completed: true, isSurvey: true, function: 'order_taking' });
    const values = Object.fromEntries(s.answers.map((a) => [a.stepId, a.value]));
    expect(values).toMatchObject({ nps: 9, likes: ['taste', 'speed'], phone: '+33612345678', postcode: '75002' });
    expect(digitsOf(JSON.stringify(s))).not.toContain(CARD);
    expect(s.leads).toHaveLength(1);
    expect(s.leads[0]!.fields).toMatchObject({ name: good.name, phone: '+33612345678', postcode: '75002' });
    expect(s.changes).toHaveLength(1);
    expect(s.changes[0]!.action).toBe('created');
    expect(s.usage).toEqual([
      { metric: 'completed_survey', sourceType: 'call', function: 'surveys', amountMinor: expect.anything() },
      { metric: 'data_entry_record', sourceType: 'customer_record', function: 'data_entry', amountMinor: expect.anything() },
      { metric: 'data_entry_record', sourceType: 'lead', function: 'data_entry', amountMinor: expect.anything() },
    ]);
    // Rated at the price list's prices for those metrics: they reach the client's statement at their price.
    expect(s.usage.map((u) => Number(u.amountMinor))).toEqual([350, 60, 60]);
    // The survey results (read from the counts the triggers keep) count this call once, under its operator.
    const scriptId = s.set!.scriptId;
    const sets = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('callAnswerSets').select(['callId', 'operatorId']).where('scriptId', '=', scriptId).execute());
    const results = await clientAdmin.get(`/api/t/${tenant.slug}/surveys/${scriptId}/results?version=1`);
    expect(results.status, results.text).toBe(200);
    expect(results.body.calls).toBe(sets.length);
    expect(sets.find((x) => x.callId === callId)?.operatorId).toEqual(expect.any(String));
    expect(results.body.operators.map((o: { id: string }) => o.id)).toContain(sets.find((x) => x.callId === callId)!.operatorId);
    expect((await desk.put('/api/desk/state', { state: 'offline' })).status).toBe(200);
  });

  it('tells the company’s portal, and no other, that a questionnaire was answered (the Surveys results refresh)', async () => {
    const ours = await openEventStream(app, clientAdmin.token);
    const theirs = await openEventStream(app, otherAdmin.token);
    expect((await ours.next()).event).toBe('ready');
    expect((await theirs.next()).event).toBe('ready');
    try {
      const { desk, callId } = await connectedCall();
      expect((await desk.post(`/api/t/${tenant.slug}/desk/calls/${callId}/wrap-up`, { disposition: 'order_taken', scriptAnswers: good })).status).toBe(200);
      const heard = await ours.until((e) => e.event === 'record' && (e.data as { type: string }).type === 'survey');
      expect(heard.at(-1)).toEqual({ event: 'record', data: { tenant: tenant.slug, type: 'survey', id: callId } });
      // The other company hears of its own call (published after ours) and never of our questionnaire.
      const marker = (await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(otherNumber))).body.id as string;
      const seen = await theirs.until((e) => e.event === 'call' && (e.data as { id: string }).id === marker);
      expect(seen.filter((e) => e.event === 'record' || (e.data as { id?: string }).id === callId)).toEqual([]);
      expect((await desk.put('/api/desk/state', { state: 'offline' })).status).toBe(200);
    } finally {
      await ours.close();
      await theirs.close();
    }
  });

  it('a later script version never reinterprets old answers', async () => {
    const base = `/api/t/${tenant.slug}`;
    expect((await clientAdmin.put(`${base}/scripts/order_taking/draft`, script('scale_1_5'))).status).toBe(200);
    expect((await clientAdmin.post(`${base}/scripts/order_taking/publish`)).status).toBe(201);
    const res = await clientAdmin.get(`${base}/calls/${answeredCall}/answers`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.scriptVersion).toBe(1);
    expect(res.body.answers.find((a: { stepId: string }) => a.stepId === 'nps')).toMatchObject({ type: 'scale_0_10', value: 9 });
    // A new call under version 2 is checked against version 2: 9 no longer fits a 1–5 scale.
    const { desk, callId } = await connectedCall();
    const refused = await desk.post(`${base}/desk/calls/${callId}/wrap-up`, { disposition: 'order_taken', scriptAnswers: { ...good } });
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((e: { path: string }) => e.path)).toEqual(['scriptAnswers.nps']);
    const ok = await desk.post(`${base}/desk/calls/${callId}/wrap-up`, { disposition: 'order_taken', scriptAnswers: { ...good, nps: 4, phone: '+33 6 98 76 54 32' } });
    expect(ok.status, ok.text).toBe(200);
    expect((await stored(callId)).set?.scriptVersion).toBe(2);
    expect((await desk.put('/api/desk/state', { state: 'offline' })).status).toBe(200);
  });

  it('masks a sensitive answer the same way in the answers, the leads, the data entry and the timeline, and keeps it out of exports', async () => {
    const base = `/api/t/${tenant.slug}`;
    for (const [viewer, phone] of [
      [clientAdmin, '•••• 5678'],
      [supervisor, '+•• • •• •• •• ••'.replace(/[^•+ ]/g, '')],
    ] as const) {
      const answers = await viewer.get(`${base}/calls/${answeredCall}/answers`);
      const shown = answers.body.answers.find((a: { stepId: string }) => a.stepId === 'phone').value as string;
      expect(shown).not.toContain('612345678');
      if (viewer === clientAdmin) expect(shown).toBe(phone);
      const leads = await viewer.get(`${base}/leads`);
      expect(leads.status, leads.text).toBe(200);
      const lead = leads.body.items.find((l: { callId: string }) => l.callId === answeredCall);
      expect(lead.fields.phone).toBe(shown);
      expect(lead.fields.name).toBe(good.name);
      expect(lead.status).toBe('new');
      const timeline = await viewer.get(`${base}/calls/${answeredCall}`);
      expect(timeline.text).not.toContain('612345678');
      expect(timeline.body.timeline.find((e: { kind: string }) => e.kind === 'wrap_up_done').detail.scriptAnswers.phone).toBe(shown);
    }
    const entries = await clientAdmin.get(`${base}/data-entry`);
    expect(entries.status, entries.text).toBe(200);
    const entry = entries.body.items.find((e: { callId: string }) => e.callId === answeredCall);
    expect(entry).toMatchObject({ action: 'created', changes: [{ field: 'customer.name', before: null, after: good.name }] });

    // The name may leave (the client lists it); the phone is sensitive and never leaves.
    const rules = await clientAdmin.put(`${base}/rules`, { classification: { 'customer.phone': 'sensitive' }, operatorVisibility: 'masked', exportFields: ['order.items', 'customer.name'] });
    expect(rules.status, rules.text).toBe(200);
    for (const format of ['csv', 'xlsx'] as const) {
      const csv = await clientAdmin.get(`${base}/leads.csv?format=${format}&lang=en`);
      expect(csv.status).toBe(200);
      if (format === 'csv') {
        expect(csv.text).not.toContain('612345678');
        expect(csv.text).not.toMatch(/(^|,)=HYPERLINK/m);
        expect(csv.text).toContain("'=HYPERLINK");
        expect(csv.text.split('\r\n')[0]).toBe('Created at (Europe/Paris),Status,Function,Operator,Name,Company,Interest,Budget,When they would buy,Call back on,Notes');
      }
    }
  });

  it('lets the client admin move a lead along, within its own company only', async () => {
    const base = `/api/t/${tenant.slug}`;
    const lead = (await clientAdmin.get(`${base}/leads`)).body.items.find((l: { callId: string }) => l.callId === answeredCall);
    expect((await clientMember.patch(`${base}/leads/${lead.id}`, { status: 'contacted' })).status).toBe(403);
    expect((await supervisor.patch(`${base}/leads/${lead.id}`, { status: 'contacted' })).status).toBe(403);
    expect((await otherAdmin.patch(`${base}/leads/${lead.id}`, { status: 'contacted' })).status).toBe(404);
    expect((await otherAdmin.patch(`/api/t/${other.slug}/leads/${lead.id}`, { status: 'contacted' })).status).toBe(404);
    expect((await clientAdmin.patch(`${base}/leads/${lead.id}`, { status: 'bogus' })).status).toBe(400);
    const moved = await clientAdmin.patch(`${base}/leads/${lead.id}`, { status: 'converted' });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body).toMatchObject({ status: 'converted', statusChangedBy: expect.any(String) });
    const filtered = await clientMember.get(`${base}/leads?status=converted`);
    expect(filtered.body.items.map((l: { id: string }) => l.id)).toEqual([lead.id]);
    expect((await otherAdmin.get(`/api/t/${other.slug}/leads`)).body.items).toEqual([]);
  });
});

/**
 * Runs two wrap-ups that write the same phone number. On PostgreSQL an open transaction holds the number,
 * uncommitted, until both wait on it in `waitingOn` (a statement's start), then rolls back: the race is
 * certain. PGlite runs them one after the other.
 */
async function whileNumberHeld<T>(phone: string, waitingOn: string, start: () => Promise<T>[]): Promise<T[]> {
  if (h.database.kind !== 'postgres') return Promise.all(start());
  const running: Promise<T>[] = [];
  await h.db
    .transaction()
    .execute(async (trx) => {
      await trx.insertInto('customers').values({ tenantId: tenant.id, id: crypto.randomUUID(), phone }).execute();
      running.push(...start());
      await vi.waitFor(
        async () => {
          const { rows } = await sql<{ n: number }>`select count(*)::int as n from pg_stat_activity where wait_event_type = 'Lock' and query ilike ${`%${waitingOn}%`}`.execute(h.db);
          expect(rows[0]!.n).toBe(2);
        },
        { timeout: 10_000, interval: 50 },
      );
      throw new Error('roll back');
    })
    .catch((e: Error) => expect(e.message).toBe('roll back'));
  return Promise.all(running);
}

/**
 * Review findings (issue 14): what a wrap-up does to customer records, a transferred call's answers, drafts
 * saved before answers were typed, and that nothing rewrites a call's answers or a record's before/after.
 */
describe('answers as records: customer records, transfers, old drafts', () => {
  const dataEntryScript = {
    steps: [
      { id: 'name', type: 'ask', text: 'Your name?', answer: { type: 'text' }, next: 'phone' },
      { id: 'phone', type: 'ask', text: 'Your number?', answer: { type: 'phone' }, next: 'save' },
      { id: 'save', type: 'capture', captures: [{ target: 'customer.name', from: 'name' }, { target: 'customer.phone', from: 'phone' }], next: 'done' },
      { id: 'done', type: 'end', text: 'Thank you!', disposition: 'order_taken' },
    ],
  };
  let dataEntryNumber: string;
  const callerSeq = { n: 0 };
  /** A caller number no customer of the test has yet. */
  const newCaller = () => `+3367${String(process.pid % 1000).padStart(3, '0')}${String(++callerSeq.n).padStart(4, '0')}`;

  beforeAll(async () => {
    dataEntryNumber = uniqueNumber();
    await addNumber(h.db, tenant, dataEntryNumber, 'data_entry');
    const base = `/api/t/${tenant.slug}`;
    expect((await clientAdmin.put(`${base}/scripts/data_entry/draft`, dataEntryScript)).status).toBe(200);
    expect((await clientAdmin.post(`${base}/scripts/data_entry/publish`)).status).toBe(201);
  });

  async function dataEntryCall(caller: string): Promise<{ desk: Client; callId: string }> {
    const desk = await logIn(app, await seedRoutedOperator(h.db, [[tenant, { skills: ['data_entry'] }]]));
    expect((await desk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
    clock.advance(1_000);
    const res = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(dataEntryNumber, caller));
    await dispatch(h.db, clock.now());
    const callId: string = res.body.id;
    const accepted = await desk.post(`/api/t/${tenant.slug}/desk/calls/${callId}/accept`);
    expect(accepted.status, accepted.text).toBe(200);
    clock.advance(30_000);
    return { desk, callId };
  }
  const customerByPhone = (phone: string) => withTenant(h.db, tenant.id, (tx) => tx.selectFrom('customers').select(['id', 'name', 'phone']).where('phone', '=', phone).execute());
  const seedCustomer = (phone: string, name: string) =>
    withTenant(h.db, tenant.id, (tx) => tx.insertInto('customers').values({ tenantId: tenant.id, id: crypto.randomUUID(), phone, name }).returning('id').executeTakeFirstOrThrow());

  it("a mistyped number that is another customer's updates the caller's record, never the other one, and the client sees the number held", async () => {
    const caller = newCaller();
    const someoneElse = newCaller();
    const mine = await seedCustomer(caller, 'Caller Before');
    const theirs = await seedCustomer(someoneElse, 'Someone Else');
    const { desk, callId } = await dataEntryCall(caller);
    const done = await desk.post(`/api/t/${tenant.slug}/desk/calls/${callId}/wrap-up`, { disposition: 'order_taken', scriptAnswers: { name: 'Caller After', phone: someoneElse } });
    expect(done.status, done.text).toBe(200);
    expect(await customerByPhone(someoneElse)).toEqual([{ id: theirs.id, name: 'Someone Else', phone: someoneElse }]);
    expect(await customerByPhone(caller)).toEqual([{ id: mine.id, name: 'Caller After', phone: caller }]);
    const s = await stored(callId);
    expect(s.changes).toHaveLength(1);
    expect(s.changes[0]).toMatchObject({ customerId: mine.id, action: 'updated' });
    expect(s.changes[0]!.changes).toEqual([
      { field: 'customer.name', before: 'Caller Before', after: 'Caller After' },
      // Held without the number: it is the other customer's, and would outlive their erasure.
      { field: 'customer.phone', before: caller, after: null, held: true },
    ]);
    const entries = await clientAdmin.get(`/api/t/${tenant.slug}/data-entry`);
    const entry = entries.body.items.find((e: { callId: string }) => e.callId === callId);
    expect(entry.changes.find((c: { field: string }) => c.field === 'customer.phone')).toEqual({ field: 'customer.phone', before: expect.any(String), after: null, held: true });
    expect(entries.text).not.toContain(someoneElse.slice(-8));
    // A change kept before the number was dropped still holds it: the data entry shows it to nobody.
    const older = await withTenant(h.db, tenant.id, (tx) =>
      tx
        .insertInto('customerRecordChanges')
        .values({ tenantId: tenant.id, id: crypto.randomUUID(), callId, customerId: mine.id, action: 'updated', changes: jsonb([{ field: 'customer.phone', before: caller, after: someoneElse, held: true }]), at: clock.now() })
        .returning('id')
        .executeTakeFirstOrThrow(),
    );
    const again = await clientAdmin.get(`/api/t/${tenant.slug}/data-entry`);
    expect(again.body.items.find((e: { id: string }) => e.id === older.id).changes).toEqual([{ field: 'customer.phone', before: expect.any(String), after: null, held: true }]);
    expect(again.text).not.toContain(someoneElse.slice(-8));

    expect((await desk.put('/api/desk/state', { state: 'offline' })).status).toBe(200);

    // A new number nobody has is the caller's new number: their record takes it.
    const moved = newCaller();
    const second = await dataEntryCall(caller);
    expect((await second.desk.post(`/api/t/${tenant.slug}/desk/calls/${second.callId}/wrap-up`, { disposition: 'order_taken', scriptAnswers: { name: 'Caller After', phone: moved } })).status).toBe(200);
    expect(await customerByPhone(moved)).toEqual([{ id: mine.id, name: 'Caller After', phone: moved }]);
    expect((await second.desk.put('/api/desk/state', { state: 'offline' })).status).toBe(200);
  });

  it('two wrap-ups creating the same new customer at once both succeed, and one customer exists', async () => {
    const caller = newCaller();
    const first = await dataEntryCall(caller);
    const second = await dataEntryCall(caller);
    const wrapUp = (c: { desk: Client; callId: string }, name: string) => c.desk.post(`/api/t/${tenant.slug}/desk/calls/${c.callId}/wrap-up`, { disposition: 'order_taken', scriptAnswers: { name, phone: caller } });
    // Both wrap-ups reach the insert before either commits (PostgreSQL): one insert wins and the other meets it.
    const results = await whileNumberHeld(caller, 'insert into "customers"', () => [wrapUp(first, 'Ada One'), wrapUp(second, 'Ada Two')]);
    for (const r of results) expect(r.status, r.text).toBe(200);
    const rows = await customerByPhone(caller);
    expect(rows).toHaveLength(1);
    const changes = [...(await stored(first.callId)).changes, ...(await stored(second.callId)).changes];
    expect(changes.map((c) => c.action).sort()).toEqual(['created', 'updated']);
    expect(changes.every((c) => c.customerId === rows[0]!.id)).toBe(true);
    for (const d of [first.desk, second.desk]) expect((await d.put('/api/desk/state', { state: 'offline' })).status).toBe(200);
  });

  it("keeps the answers of a transferred call's first operator, and adds the second operator's to the same set", async () => {
    const base = `/api/t/${tenant.slug}`;
    const { desk: first, callId } = await connectedCall();
    const second = await logIn(app, await seedRoutedOperator(h.db, [[tenant, { skills: ['order_taking', 'specialist'] }]]));
    const transfer = await first.post(`${base}/desk/calls/${callId}/transfer`, { target: { kind: 'skill', skill: 'specialist' } });
    expect(transfer.status, transfer.text).toBe(200);
    expect((await second.put('/api/desk/state', { state: 'available' })).status).toBe(200);
    await dispatch(h.db, clock.now());
    const taken = await second.post(`${base}/desk/calls/${callId}/accept`);
    expect(taken.status, taken.text).toBe(200);
    const version = (await stored(callId)).set;
    expect(version).toBeUndefined();

    // The first operator wraps up after the second took the call: their answers are the call's.
    const { items: _items, ...asked } = good;
    const partial = { ...asked, nps: 4 };
    const firstDone = await first.post(`${base}/desk/calls/${callId}/wrap-up`, { disposition: 'order_taken', scriptAnswers: partial });
    expect(firstDone.status, firstDone.text).toBe(200);
    expect((await first.put('/api/desk/state', { state: 'offline' })).status).toBe(200);
    let s = await stored(callId);
    // Not finished (the first question is unanswered): no lead yet, no completed questionnaire.
    expect(s.set).toMatchObject({ scriptVersion: 2, completed: false });
    expect(s.answers.map((a) => a.stepId).sort()).toEqual(['likes', 'name', 'nps', 'phone', 'postcode']);
    expect(s.leads).toHaveLength(0);

    // The second operator answers the question left, and another answer differently: the first answer stands, the timeline says so.
    clock.advance(60_000);
    const secondDone = await second.post(`${base}/desk/calls/${callId}/wrap-up`, { disposition: 'order_taken', scriptAnswers: { ...partial, nps: 2, items: '1 calzone' } });
    expect(secondDone.status, secondDone.text).toBe(200);
    s = await stored(callId);
    expect(Object.fromEntries(s.answers.map((a) => [a.stepId, a.value]))).toMatchObject({ items: '1 calzone' });
    expect(s.answers.find((a) => a.stepId === 'nps')!.value).toBe(partial.nps);
    // Together the two operators finished it: one questionnaire, one lead, each counted once.
    expect(s.set).toMatchObject({ scriptVersion: 2, completed: true });
    expect(s.leads).toHaveLength(1);
    // (The caller's record already had this name: no customer change to count.)
    expect(s.usage.map((u) => `${u.metric}/${u.sourceType}`)).toEqual(['completed_survey/call', 'data_entry_record/lead']);
    const timeline = await clientAdmin.get(`${base}/calls/${callId}`);
    const wrapUps = timeline.body.timeline.filter((e: { kind: string }) => e.kind === 'wrap_up_done');
    expect(wrapUps).toHaveLength(2);
    expect(wrapUps.map((e: { detail: { answersNotKept?: string[] } }) => e.detail.answersNotKept ?? [])).toContainEqual(['nps']);
    expect((await second.put('/api/desk/state', { state: 'offline' })).status).toBe(200);
  });

  it("files the answers of a transferred call's first operator under that operator, not the one who holds the call now", async () => {
    const base = `/api/t/${tenant.slug}`;
    const { desk: first, callId } = await connectedCall();
    const firstId = (await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('calls').select('operatorId').where('id', '=', callId).executeTakeFirstOrThrow())).operatorId;
    const secondUser = await seedRoutedOperator(h.db, [[tenant, { skills: ['order_taking', 'specialist'] }]]);
    const second = await logIn(app, secondUser);
    expect((await first.post(`${base}/desk/calls/${callId}/transfer`, { target: { kind: 'skill', skill: 'specialist' } })).status).toBe(200);
    expect((await second.put('/api/desk/state', { state: 'available' })).status).toBe(200);
    await dispatch(h.db, clock.now());
    expect((await second.post(`${base}/desk/calls/${callId}/accept`)).status).toBe(200);
    const done = await first.post(`${base}/desk/calls/${callId}/wrap-up`, { disposition: 'order_taken', scriptAnswers: { ...good, nps: 3 } });
    expect(done.status, done.text).toBe(200);
    const s = await stored(callId);
    expect(firstId).not.toBe(secondUser.id);
    expect(s.set).toMatchObject({ completed: true, operatorId: firstId });
    // The questionnaire's results filtered by operator count the call under the first one.
    const tallies = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('surveyTallies').select(['operatorId', 'calls']).where('scriptId', '=', s.set!.scriptId).execute());
    expect(tallies.some((t) => t.operatorId === secondUser.id)).toBe(false);
    expect(tallies.some((t) => t.operatorId === firstId && Number(t.calls) > 0)).toBe(true);
    // The second operator's wrap-up adds nothing: the set stays the first one's.
    expect((await second.post(`${base}/desk/calls/${callId}/wrap-up`, { disposition: 'order_taken', scriptAnswers: { ...good, nps: 3 } })).status).toBe(200);
    expect((await stored(callId)).set).toMatchObject({ operatorId: firstId });
    for (const d of [first, second]) expect((await d.put('/api/desk/state', { state: 'offline' })).status).toBe(200);
  });

  it("answers an operator wrapping up a call that is not theirs that it is not their call, before looking at the answers", async () => {
    const base = `/api/t/${tenant.slug}`;
    const { desk: mine, callId } = await connectedCall();
    const stranger = await logIn(app, await seedRoutedOperator(h.db, [[tenant, {}]]));
    // Answers that do not fit: checked first, they would be a 400 naming the script's questions.
    const res = await stranger.post(`${base}/desk/calls/${callId}/wrap-up`, { disposition: 'order_taken', scriptAnswers: { nps: 'eleven', ghost: 'x' } });
    expect(res.status, res.text).toBe(409);
    expect(res.body.type).toMatch(/not-your-call$/);
    expect(res.body.errors).toBeUndefined();
    for (const word of ['nps', 'ghost', 'scriptAnswers', 'question']) expect(res.text).not.toContain(word);
    expect((await stored(callId)).set).toBeUndefined();
    expect((await stored(callId)).call.status).toBe('connected');
    const done = await mine.post(`${base}/desk/calls/${callId}/wrap-up`, { disposition: 'order_taken', scriptAnswers: { ...good, nps: 4 } });
    expect(done.status, done.text).toBe(200);
    expect((await mine.put('/api/desk/state', { state: 'offline' })).status).toBe(200);
  });

  it("adds the lead fields a transferred call's second operator captured to the lead the first one's answers made, keeping the first's", async () => {
    const base = `/api/t/${tenant.slug}`;
    const { desk: first, callId } = await connectedCall();
    const second = await logIn(app, await seedRoutedOperator(h.db, [[tenant, { skills: ['order_taking', 'specialist'] }]]));
    expect((await first.post(`${base}/desk/calls/${callId}/transfer`, { target: { kind: 'skill', skill: 'specialist' } })).status).toBe(200);
    // The first operator finishes the questionnaire but for the optional postcode: the lead is made.
    const { postcode: _postcode, ...withoutPostcode } = good;
    const firstDone = await first.post(`${base}/desk/calls/${callId}/wrap-up`, { disposition: 'order_taken', scriptAnswers: { ...withoutPostcode, nps: 4 } });
    expect(firstDone.status, firstDone.text).toBe(200);
    expect((await first.put('/api/desk/state', { state: 'offline' })).status).toBe(200);
    expect((await stored(callId)).leads[0]!.fields).toEqual({ name: good.name, phone: '+33612345678' });
    expect((await second.put('/api/desk/state', { state: 'available' })).status).toBe(200);
    await dispatch(h.db, clock.now());
    expect((await second.post(`${base}/desk/calls/${callId}/accept`)).status).toBe(200);
    clock.advance(30_000);
    const secondDone = await second.post(`${base}/desk/calls/${callId}/wrap-up`, { disposition: 'order_taken', scriptAnswers: { ...good, nps: 4, name: 'Another Name', postcode: '69001' } });
    expect(secondDone.status, secondDone.text).toBe(200);
    const s = await stored(callId);
    expect(s.leads).toHaveLength(1);
    expect(s.leads[0]!.fields).toEqual({ name: good.name, phone: '+33612345678', postcode: '69001' });
    expect(s.usage.filter((u) => u.sourceType === 'lead')).toHaveLength(1);
    expect((await second.put('/api/desk/state', { state: 'offline' })).status).toBe(200);
  });

  it('completes a draft saved before answers were typed, setting aside what no longer fits; a newer draft is still checked strictly', async () => {
    const base = `/api/t/${tenant.slug}`;
    const { desk, callId } = await connectedCall();
    expect((await desk.post(`${base}/desk/calls/${callId}/hangup`)).status).toBe(200);
    // The wrap-up runs out: the call is closed without its outcome, for the operator to complete.
    clock.advance(30 * 60_000);
    await dispatch(h.db, clock.now());
    // Its draft was saved by the old desk: as the operator typed it, never checked.
    const legacy = { items: '2 margherita', nps: 'nine', name: 'Old Draft', phone: 'call me' };
    const ranOut = (checked: boolean) =>
      withTenant(h.db, tenant.id, (tx) =>
        tx
          .updateTable('calls')
          .set({ draftScriptAnswers: jsonb(legacy), draftAnswersChecked: checked, draftSavedAt: clock.now() })
          .where('id', '=', callId)
          .execute(),
      );
    await ranOut(true);
    const strict = await desk.post(`${base}/calls/${callId}/outcome`, { disposition: 'order_taken' });
    expect(strict.status, strict.text).toBe(400);
    expect(strict.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['scriptAnswers.nps', 'scriptAnswers.phone']);

    await ranOut(false);
    const done = await desk.post(`${base}/calls/${callId}/outcome`, { disposition: 'order_taken' });
    expect(done.status, done.text).toBe(200);
    const s = await stored(callId);
    expect(Object.fromEntries(s.answers.map((a) => [a.stepId, a.value]))).toEqual({ items: '2 margherita', name: 'Old Draft' });
    const timeline = await clientAdmin.get(`${base}/calls/${callId}`);
    const completed = timeline.body.timeline.find((e: { kind: string }) => e.kind === 'disposition_completed');
    expect(completed.detail.answersSetAside.sort()).toEqual(['nps', 'phone']);
    expect(completed.detail.scriptAnswers).toMatchObject({ nps: 'nine' });
    expect((await desk.put('/api/desk/state', { state: 'offline' })).status).toBe(200);
  });

  describe('a phone number typed as text', () => {
    const textPhoneScript = {
      steps: [
        { id: 'name', type: 'ask', text: 'Your name?', answer: { type: 'text' }, next: 'phone' },
        { id: 'phone', type: 'ask', text: 'Your number?', answer: { type: 'text' }, next: 'friend' },
        { id: 'friend', type: 'ask', text: 'A friend we may call?', answer: { type: 'text', required: false }, next: 'save' },
        {
          id: 'save',
          type: 'capture',
          captures: [{ target: 'customer.name', from: 'name' }, { target: 'customer.phone', from: 'phone' }, { target: 'lead.phone', from: 'friend' }],
          next: 'done',
        },
        { id: 'done', type: 'end', text: 'Thank you!', disposition: 'order_taken' },
      ],
    };
    beforeAll(async () => {
      const base = `/api/t/${tenant.slug}`;
      expect((await clientAdmin.put(`${base}/scripts/data_entry/draft`, textPhoneScript)).status).toBe(200);
      expect((await clientAdmin.post(`${base}/scripts/data_entry/publish`)).status).toBe(201);
    });

    it('reads a number typed without its country code in the tenant’s country and stores it in E.164; refuses one that is no number, writing nothing', async () => {
      // The caller has a record: before, the typed number was written to it as typed, and the database refused it on every retry.
      const caller = '+33612345678';
      const mine = (await customerByPhone(caller))[0] ?? (await seedCustomer(caller, 'Typed Number'));
      const { desk, callId } = await dataEntryCall(caller);
      const wrapUp = (answers: Record<string, string>) => desk.post(`/api/t/${tenant.slug}/desk/calls/${callId}/wrap-up`, { disposition: 'order_taken', scriptAnswers: answers });

      const refused = await wrapUp({ name: 'Typed Number', phone: 'not a phone', friend: 'call me maybe' });
      expect(refused.status, refused.text).toBe(400);
      expect(refused.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['scriptAnswers.friend', 'scriptAnswers.phone']);
      expect(refused.body.errors.every((e: { params: { reason: string } }) => e.params.reason === 'phone')).toBe(true);
      let s = await stored(callId);
      expect(s.set).toBeUndefined();
      expect(s.answers).toEqual([]);
      expect(s.changes).toEqual([]);
      expect(s.leads).toEqual([]);
      expect(s.call.status).toBe('connected');
      expect(await customerByPhone(caller)).toEqual([expect.objectContaining({ id: mine.id, phone: caller })]);

      const done = await wrapUp({ name: 'Typed Number', phone: '06 12 34 56 78', friend: '07 11 22 33 44' });
      expect(done.status, done.text).toBe(200);
      s = await stored(callId);
      expect(Object.fromEntries(s.answers.map((a) => [a.stepId, a.value]))).toEqual({ name: 'Typed Number', phone: caller, friend: '+33711223344' });
      expect(await customerByPhone(caller)).toEqual([{ id: mine.id, name: 'Typed Number', phone: caller }]);
      expect(s.leads.map((l) => l.fields)).toEqual([{ phone: '+33711223344' }]);
      expect((await desk.put('/api/desk/state', { state: 'offline' })).status).toBe(200);
    });

    it('two wrap-ups giving two records the same new number at once both succeed: the first takes it, the second is held', async () => {
      const callers = [newCaller(), newCaller()];
      const records = [await seedCustomer(callers[0]!, 'Rival One'), await seedCustomer(callers[1]!, 'Rival Two')];
      const wanted = newCaller();
      const calls = [await dataEntryCall(callers[0]!), await dataEntryCall(callers[1]!)];
      const wrapUp = (i: number) =>
        calls[i]!.desk.post(`/api/t/${tenant.slug}/desk/calls/${calls[i]!.callId}/wrap-up`, { disposition: 'order_taken', scriptAnswers: { name: `Rival ${i}`, phone: wanted } });
      // Both find the number free and reach the update before either commits (PostgreSQL): one update wins and the other meets it.
      const results = await whileNumberHeld(wanted, 'update "customers"', () => [wrapUp(0), wrapUp(1)]);
      for (const r of results) expect(r.status, r.text).toBe(200);
      const owner = await customerByPhone(wanted);
      expect(owner).toHaveLength(1);
      const winner = records.findIndex((r) => r.id === owner[0]!.id);
      expect(winner).toBeGreaterThanOrEqual(0);
      const loser = 1 - winner;
      expect(await customerByPhone(callers[loser]!)).toEqual([{ id: records[loser]!.id, name: `Rival ${loser}`, phone: callers[loser] }]);
      const held = (await stored(calls[loser]!.callId)).changes[0]!.changes as { field: string; held?: boolean }[];
      expect(held.find((c) => c.field === 'customer.phone')).toEqual({ field: 'customer.phone', before: callers[loser], after: null, held: true });
      for (const c of calls) expect((await c.desk.put('/api/desk/state', { state: 'offline' })).status).toBe(200);
    });
  });

  it("the app role may not rewrite a call's answers or a record's before and after", async () => {
    for (const write of [
      (tx: TenantTx) => tx.updateTable('callAnswers').set({ value: jsonb('rewritten') }).execute(),
      (tx: TenantTx) => tx.updateTable('customerRecordChanges').set({ changes: jsonb([]) }).execute(),
    ]) {
      await expect(withTenant(h.db, tenant.id, write)).rejects.toThrow(/permission denied/);
    }
    // Without the role switch (the superuser seeding connection) the same statement runs: the refusal is the grant's.
    await h.db.transaction().execute(async (trx) => {
      await trx.updateTable('callAnswers').set({ value: sql<JsonColumnValue>`value` }).where('tenantId', '=', tenant.id).execute();
    });
  });
});
