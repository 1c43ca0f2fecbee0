import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Tenant } from '@switchboard/db';
import { dispatch } from '@switchboard/api';
import { createClock, createHarness, logIn, seedClientUser, seedTenant, seedUser, type App, type Client, type Clock, type Harness } from './support/index.ts';
import { addNumber, alwaysOpen, incomingCall, seedRoutedOperator, setHours, telephony, uniqueNumber } from './support/routing.ts';
import { digitsOf } from './support/card-disguises.ts';

/**
 * Issue 11, finding 2: script answers are fields under the tenant's rules. An answer captured into a
 * sensitive field (a birth date the client classed sensitive) is masked in the call's timeline for
 * every viewer as that field is everywhere else; a card number typed as any answer — however disguised —
 * is never stored, in the draft or the timeline; a free question's answer is personal (shown, redacted).
 */
let h: Harness;
let clock: Clock;
let app: App;
let tenant: Tenant;
let clientAdmin: Client;
let clientMember: Client;
let supervisor: Client;
let number: string;

const CARD = '4111111111111111';
const DISGUISED = 'Paid with 4111  1111\t1111 １１１１, ok';
const BIRTH_DATE = '1980-05-17';

const script = {
  steps: [
    { id: 'greet', type: 'say', text: '{{tenant.greeting}}', next: 'dob' },
    { id: 'dob', type: 'ask', text: 'Your date of birth?', answer: { type: 'date' }, next: 'items' },
    { id: 'items', type: 'ask', text: 'What would you like?', answer: { type: 'text' }, next: 'remark' },
    { id: 'remark', type: 'ask', text: 'Anything else?', answer: { type: 'text', required: false }, next: 'save' },
    { id: 'save', type: 'capture', captures: [{ target: 'customer.birth_date', from: 'dob' }, { target: 'order.items', from: 'items' }], next: 'done' },
    { id: 'done', type: 'end', text: 'Thank you!', disposition: 'order_taken' },
  ],
};

beforeAll(async () => {
  h = await createHarness();
  clock = createClock(new Date('2026-12-01T10:00:00Z'));
  app = h.buildApp({ clock });
  ({ tenant } = await seedTenant(h.db));
  await setHours(h.db, tenant, alwaysOpen);
  number = uniqueNumber();
  await addNumber(h.db, tenant, number, 'order_taking');
  clientAdmin = await logIn(app, await seedClientUser(h.db, tenant, 'client_admin'));
  clientMember = await logIn(app, await seedClientUser(h.db, tenant, 'client_member'));
  supervisor = await logIn(app, await seedUser(h.db, { kind: 'supervisor' }));
  const base = `/api/t/${tenant.slug}`;
  expect((await clientAdmin.post(`${base}/wrap-up-codes`, { code: 'order_taken', label: 'Order taken' })).status).toBe(201);
  expect((await clientAdmin.put(`${base}/scripts/order_taking/draft`, script)).status).toBe(200);
  const published = await clientAdmin.post(`${base}/scripts/order_taking/publish`);
  expect(published.status, published.text).toBe(201);
  const rules = await clientAdmin.put(`${base}/rules`, { classification: { 'customer.birth_date': 'sensitive' }, operatorVisibility: 'masked' });
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

const storedText = async (callId: string) =>
  withTenant(h.db, tenant.id, async (tx) => {
    const call = await tx.selectFrom('calls').select(['draftScriptAnswers', 'notes']).where('id', '=', callId).executeTakeFirstOrThrow();
    const events = await tx.selectFrom('callEvents').select('detail').where('callId', '=', callId).execute();
    return JSON.stringify([call, events]);
  });

const answersIn = async (viewer: Client, callId: string) => {
  const res = await viewer.get(`/api/t/${tenant.slug}/calls/${callId}`);
  expect(res.status, res.text).toBe(200);
  const done = res.body.timeline.find((e: { kind: string }) => e.kind === 'wrap_up_done');
  return { answers: done.detail.scriptAnswers as Record<string, unknown>, text: res.text };
};

describe('script answers', () => {
  it('never store a card number, however disguised, in the draft or the timeline', async () => {
    const { desk, callId } = await connectedCall();
    const answers = { dob: BIRTH_DATE, items: '2 margherita', remark: DISGUISED };
    const draft = await desk.put(`/api/t/${tenant.slug}/desk/calls/${callId}/wrap-up/draft`, { disposition: 'order_taken', scriptAnswers: answers });
    expect(draft.status, draft.text).toBe(200);
    expect(digitsOf(await storedText(callId))).not.toContain(CARD);

    const done = await desk.post(`/api/t/${tenant.slug}/desk/calls/${callId}/wrap-up`, { disposition: 'order_taken', scriptAnswers: answers });
    expect(done.status, done.text).toBe(200);
    const stored = await storedText(callId);
    expect(digitsOf(stored)).not.toContain(CARD);
    expect(stored).toContain('•••• 1111');
    for (const viewer of [clientAdmin, supervisor]) expect(digitsOf((await answersIn(viewer, callId)).text)).not.toContain(CARD);
    // The next test's call goes to its own operator.
    expect((await desk.put('/api/desk/state', { state: 'offline' })).status).toBe(200);
  });

  it('are masked for every viewer as the field they capture: a sensitive birth date is never shown in clear', async () => {
    const { desk, callId } = await connectedCall();
    const done = await desk.post(`/api/t/${tenant.slug}/desk/calls/${callId}/wrap-up`, {
      disposition: 'order_taken',
      scriptAnswers: { dob: BIRTH_DATE, items: '2 margherita', remark: 'Ring twice' },
    });
    expect(done.status, done.text).toBe(200);

    // Client users see at most the last four characters of a sensitive field; provider staff as its operators do (masked).
    for (const [viewer, dob] of [
      [clientAdmin, '•••• 0517'],
      [clientMember, '•••• 0517'],
      [supervisor, '••••-••-••'],
    ] as const) {
      const { answers, text } = await answersIn(viewer, callId);
      expect(answers).toEqual({ dob, items: '2 margherita', remark: 'Ring twice' });
      expect(text).not.toContain(BIRTH_DATE);
    }

    // Hidden: the answer is left out as if empty, for everyone.
    expect((await clientAdmin.put(`/api/t/${tenant.slug}/rules`, { classification: { 'customer.birth_date': 'sensitive' }, operatorVisibility: 'hidden' })).status).toBe(200);
    for (const viewer of [clientAdmin, supervisor]) expect((await answersIn(viewer, callId)).answers.dob).toBeNull();

    // The classification follows the tenant's rules as they are now: personal again, shown again.
    expect((await clientAdmin.put(`/api/t/${tenant.slug}/rules`, { classification: { 'customer.birth_date': 'personal' }, operatorVisibility: 'masked' })).status).toBe(200);
    expect((await answersIn(clientAdmin, callId)).answers.dob).toBe(BIRTH_DATE);
    expect((await clientAdmin.put(`/api/t/${tenant.slug}/rules`, { classification: { 'customer.birth_date': 'sensitive' }, operatorVisibility: 'masked' })).status).toBe(200);
  });
});
