import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonb, withTenant, type Tenant } from '@switchboard/db';
import { createHarness, logIn, seedClientUser, seedTenant, seedUser, type App, type Client, type Harness } from './support/index.ts';
import { insertCall } from './support/records.ts';
import { seedRoutedOperator } from './support/routing.ts';

/**
 * Issue 14, questionnaire results: counted by the database over the completed answer sets of one script
 * version, per question (choices, scale histogram and mean, NPS, word list), narrowed by period, function
 * and operator; a sensitive answer shows only how many answered; drillable to the calls; exported one
 * row per questionnaire with formula-safe cells; read by the tenant's client users and the provider's
 * staff only.
 */
let h: Harness;
let app: App;
let tenant: Tenant;
let other: Tenant;
let admin: Client;
let member: Client;
let otherAdmin: Client;
let supervisor: Client;
let operatorClient: Client;
let scriptId: string;
let opA: string;
let opB: string;
const base = () => `/api/t/${tenant.slug}/surveys`;

const body = {
  steps: [
    { id: 'nps', type: 'ask', label: 'Recommend us?', text: 'Would you recommend us, 0 to 10?', answer: { type: 'scale_0_10' }, next: 'sat' },
    { id: 'sat', type: 'ask', label: 'Satisfaction', text: 'How satisfied, 1 to 5?', answer: { type: 'scale_1_5' }, next: 'likes' },
    {
      id: 'likes',
      type: 'ask',
      label: 'What you like',
      text: 'What do you like?',
      answer: { type: 'multi_choice', choices: [{ value: 'taste', label: 'Taste' }, { value: 'speed', label: 'Speed' }, { value: 'price', label: 'Price' }] },
      next: 'again',
    },
    { id: 'again', type: 'ask', label: 'Order again?', text: 'Would you order again?', answer: { type: 'yes_no' }, next: 'comment' },
    { id: 'comment', type: 'ask', label: 'Comment', text: 'Anything to add?', answer: { type: 'text', required: false }, next: 'phone' },
    { id: 'phone', type: 'ask', label: 'Phone', text: 'A number to call back?', answer: { type: 'phone', required: false }, next: 'name' },
    // Asked in the questionnaire's script but kept as the customer's name: not a survey result.
    { id: 'name', type: 'ask', label: 'Name', text: 'Your name?', answer: { type: 'text', required: false }, next: 'save' },
    {
      id: 'save',
      type: 'capture',
      captures: [
        { target: 'survey.nps', from: 'nps' },
        { target: 'survey.sat', from: 'sat' },
        { target: 'survey.likes', from: 'likes' },
        { target: 'survey.again', from: 'again' },
        { target: 'survey.comment', from: 'comment' },
        { target: 'survey.callback', from: 'phone' },
        { target: 'lead.phone', from: 'phone' },
        { target: 'customer.name', from: 'name' },
      ],
      next: 'done',
    },
    { id: 'done', type: 'end', text: 'Thank you!', disposition: 'order_taken' },
  ],
};

const types: Record<string, string> = { nps: 'scale_0_10', sat: 'scale_1_5', likes: 'multi_choice', again: 'yes_no', comment: 'text', phone: 'phone', name: 'text' };
const targets: Record<string, string[]> = {
  nps: ['survey.nps'],
  sat: ['survey.sat'],
  likes: ['survey.likes'],
  again: ['survey.again'],
  comment: ['survey.comment'],
  phone: ['survey.callback', 'lead.phone'],
  name: ['customer.name'],
};

async function answer(t: Tenant, script: string, operatorId: string | null, at: Date, values: Record<string, unknown>, completed = true, fn = 'surveys') {
  const callId = await insertCall(h.db, t, { operatorId, offeredAt: at, answeredAfterSeconds: 5, talkSeconds: 60, function: fn });
  await withTenant(h.db, t.id, async (tx) => {
    await tx.insertInto('callAnswerSets').values({ tenantId: t.id, callId, scriptId: script, scriptVersion: 1, function: fn, completed, isSurvey: true, answeredAt: at, operatorId }).execute();
    for (const [stepId, value] of Object.entries(values))
      await tx.insertInto('callAnswers').values({ tenantId: t.id, callId, stepId, answerType: types[stepId]!, targets: targets[stepId]!, value: jsonb(value) }).execute();
  });
  return callId;
}

async function publish(t: Tenant, client: Client) {
  const b = `/api/t/${t.slug}`;
  expect((await client.post(`${b}/wrap-up-codes`, { code: 'order_taken', label: 'Survey done' })).status).toBe(201);
  expect((await client.put(`${b}/scripts/surveys/draft`, body)).status).toBe(200);
  const published = await client.post(`${b}/scripts/surveys/publish`);
  expect(published.status, published.text).toBe(201);
  return withTenant(h.db, t.id, async (tx) => (await tx.selectFrom('scripts').select('id').where('function', '=', 'surveys').executeTakeFirstOrThrow()).id);
}

const npsValues = [10, 10, 9, 8, 7, 6, 5, 0, 9, 10];
let firstCall: string;

beforeAll(async () => {
  h = await createHarness();
  app = h.buildApp();
  ({ tenant } = await seedTenant(h.db));
  ({ tenant: other } = await seedTenant(h.db));
  admin = await logIn(app, await seedClientUser(h.db, tenant, 'client_admin'));
  member = await logIn(app, await seedClientUser(h.db, tenant, 'client_member'));
  otherAdmin = await logIn(app, await seedClientUser(h.db, other, 'client_admin'));
  supervisor = await logIn(app, await seedUser(h.db, { kind: 'supervisor' }));
  const operatorA = await seedRoutedOperator(h.db, [[tenant, {}]], 'Alice');
  const operatorB = await seedRoutedOperator(h.db, [[tenant, {}]], 'Bruno');
  opA = operatorA.id;
  opB = operatorB.id;
  operatorClient = await logIn(app, operatorA);
  scriptId = await publish(tenant, admin);
  const rules = await admin.put(`/api/t/${tenant.slug}/rules`, { classification: { 'customer.phone': 'sensitive' }, operatorVisibility: 'masked' });
  expect(rules.status, rules.text).toBe(200);
  // The tenant speaks French (fr-FR): its stop words leave the list.
  const comments = ['Bonne pizza, livraison rapide', 'La pizza était froide', 'bonne pizza et bon service, bonne livraison', '=cmd|calc!A1 pizza', null, null, null, null, null, null];
  for (let i = 0; i < npsValues.length; i++) {
    const at = new Date(Date.UTC(2026, 10, i < 5 ? 10 : 20, 12, 0, i));
    const values: Record<string, unknown> = { nps: npsValues[i], sat: (i % 5) + 1, likes: i % 2 ? ['taste'] : ['taste', 'speed'], again: i < 7, phone: '+33612345678', name: 'Claire Martin' };
    if (comments[i]) values.comment = comments[i];
    const id = await answer(tenant, scriptId, i < 5 ? opA : opB, at, values);
    if (i === 0) firstCall = id;
  }
  await answer(tenant, scriptId, opA, new Date(Date.UTC(2026, 10, 21)), { nps: 0 }, false);
  // Another company with the same questionnaire: none of its answers may count here.
  const otherScript = await publish(other, otherAdmin);
  for (let i = 0; i < 3; i++) await answer(other, otherScript, null, new Date(Date.UTC(2026, 10, 10)), { nps: 0, sat: 1, likes: ['price'], again: false, comment: 'terrible pizza' });
});
afterAll(() => h?.close());

describe('questionnaire results', () => {
  it('lists the questionnaire with its calls and completions', async () => {
    const res = await admin.get(base());
    expect(res.status, res.text).toBe(200);
    expect(res.body.items).toEqual([expect.objectContaining({ scriptId, function: 'surveys', version: 1, calls: 11, completions: 10 })]);
  });

  it('counts choices, a scale histogram and mean, NPS and the words, over completed questionnaires only', async () => {
    const res = await admin.get(`${base()}/${scriptId}/results?version=1`);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ calls: 11, completions: 10 });
    expect(res.body.operators).toEqual([
      { id: opA, name: 'Alice' },
      { id: opB, name: 'Bruno' },
    ]);
    const q = (id: string) => res.body.questions.find((x: { stepId: string }) => x.stepId === id);
    const nps = q('nps');
    expect(nps.answered).toBe(10);
    expect(nps.counts.map((c: { count: number }) => c.count)).toEqual([1, 0, 0, 0, 0, 1, 1, 1, 1, 2, 3]);
    expect(nps.nps).toEqual({ promoters: 5, passives: 2, detractors: 3, score: 20 });
    expect(nps.mean).toBe(7.4);
    expect(q('sat').counts.map((c: { count: number }) => c.count)).toEqual([2, 2, 2, 2, 2]);
    expect(q('sat').mean).toBe(3);
    expect(q('likes').counts).toEqual([
      { value: 'taste', label: 'Taste', count: 10 },
      { value: 'speed', label: 'Speed', count: 5 },
      { value: 'price', label: 'Price', count: 0 },
    ]);
    expect(q('again').counts.map((c: { count: number }) => c.count)).toEqual([7, 3]);
    const words = q('comment').words as { word: string; count: number }[];
    expect(words[0]).toEqual({ word: 'pizza', count: 4 });
    expect(words.find((w) => w.word === 'bonne')?.count).toBe(3);
    expect(words.find((w) => w.word === 'livraison')?.count).toBe(2);
    // stop words of the tenant's language, digits and one-letter pieces are left out; no word from another tenant
    for (const gone of ['la', 'et', 'était', 'a', '1', 'terrible']) expect(words.map((w) => w.word)).not.toContain(gone);
  });

  it("leaves out what the script asks for the customer's record: not a question of the results, no word of it counted or exported", async () => {
    const res = await admin.get(`${base()}/${scriptId}/results?version=1`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.questions.map((q: { stepId: string }) => q.stepId)).toEqual(['nps', 'sat', 'likes', 'again', 'comment', 'phone']);
    expect(JSON.stringify(res.body)).not.toMatch(/claire|martin/i);
    const kept = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('surveyWordCounts').select('word').where('stepId', '=', 'name').execute());
    expect(kept).toEqual([]);
    const csv = await admin.get(`${base()}/${scriptId}/results.csv?version=1&lang=en`);
    expect(csv.status, csv.text).toBe(200);
    expect(csv.text).not.toMatch(/claire|martin/i);
    expect((await admin.get(`${base()}/${scriptId}/calls?version=1&step=name&value=claire`)).body.items ?? []).toEqual([]);
  });

  it('shows only how many answered a question whose answer goes into a sensitive field', async () => {
    const res = await member.get(`${base()}/${scriptId}/results?version=1`);
    expect(res.status).toBe(200);
    const phone = res.body.questions.find((x: { stepId: string }) => x.stepId === 'phone');
    expect(phone).toMatchObject({ answered: 10, masked: true, counts: [], words: [] });
    expect(JSON.stringify(res.body)).not.toContain('612345678');
    const calls = await member.get(`${base()}/${scriptId}/calls?version=1&step=phone&value=33612345678`);
    expect(calls.status).toBe(200);
    expect(calls.body.items).toEqual([]);
  });

  it('narrows by period (tenant zone), function and operator', async () => {
    const period = await admin.get(`${base()}/${scriptId}/results?version=1&from=2026-11-15&to=2026-11-30`);
    expect(period.body).toMatchObject({ calls: 6, completions: 5 });
    const byOperator = await admin.get(`${base()}/${scriptId}/results?version=1&operator=${opA}`);
    expect(byOperator.body).toMatchObject({ calls: 6, completions: 5 });
    expect(byOperator.body.questions[0].nps).toEqual({ promoters: 3, passives: 2, detractors: 0, score: 60 });
    const byB = await admin.get(`${base()}/${scriptId}/results?version=1&operator=${opB}`);
    expect(byB.body.completions).toBe(5);
    const fn = await admin.get(`${base()}/${scriptId}/results?version=1&function=complaints`);
    expect(fn.body).toMatchObject({ calls: 0, completions: 0 });
    expect((await admin.get(`${base()}/${scriptId}/results?version=2`)).status).toBe(404);
    const bad = await admin.get(`${base()}/${scriptId}/results?version=x`);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('version');
  });

  it('drills an answer down to its calls', async () => {
    const tens = await admin.get(`${base()}/${scriptId}/calls?version=1&step=nps&value=10`);
    expect(tens.status, tens.text).toBe(200);
    expect(tens.body.items).toHaveLength(3);
    expect(tens.body.items.map((c: { callId: string }) => c.callId)).toContain(firstCall);
    const page = await admin.get(`${base()}/${scriptId}/calls?version=1&step=likes&value=speed&limit=2`);
    expect(page.body.items).toHaveLength(2);
    const next = await admin.get(`${base()}/${scriptId}/calls?version=1&step=likes&value=speed&limit=2&cursor=${page.body.nextCursor}`);
    expect(next.body.items).toHaveLength(2);
    const word = await admin.get(`${base()}/${scriptId}/calls?version=1&step=comment&value=bonne`);
    expect(word.body.items).toHaveLength(2);
    const no = await admin.get(`${base()}/${scriptId}/calls?version=1&step=again&value=false`);
    expect(no.body.items).toHaveLength(3);
  });

  it('exports one row per completed questionnaire, a column per question, formula-safe, without the sensitive phone', async () => {
    const res = await admin.get(`${base()}/${scriptId}/results.csv?version=1&lang=en`);
    expect(res.status, res.text).toBe(200);
    const text = res.text.replace(/^\uFEFF/, '');
    const lines = text.trim().split('\r\n');
    expect(lines).toHaveLength(11);
    expect(lines[0]).toBe(`Answered at (${tenant.timeZone}),Function,Operator,Recommend us?,Satisfaction,What you like,Order again?,Comment`);
    expect(text).toContain("'=cmd|calc!A1 pizza");
    expect(text).not.toMatch(/(^|,)=cmd/m);
    expect(text).not.toContain('612345678');
    expect(text).toContain('"Taste, Speed"');
    const xlsx = await admin.get(`${base()}/${scriptId}/results.csv?version=1&format=xlsx`);
    expect(xlsx.status).toBe(200);
    expect(xlsx.headers.get('content-type')).toContain('spreadsheetml');
  });

  it('is read by the company’s users and the provider’s staff; not by an operator, nor by another company', async () => {
    expect((await supervisor.get(`${base()}/${scriptId}/results?version=1`)).status).toBe(200);
    expect((await operatorClient.get(`${base()}/${scriptId}/results?version=1`)).status).toBe(403);
    expect((await operatorClient.get(base())).status).toBe(403);
    expect([403, 404]).toContain((await otherAdmin.get(`${base()}/${scriptId}/results?version=1`)).status);
    expect([403, 404]).toContain((await otherAdmin.get(`${base()}/${scriptId}/results.csv?version=1`)).status);
    // the other company's own results never see ours, even naming our script
    const theirs = await otherAdmin.get(`/api/t/${other.slug}/surveys/${scriptId}/results?version=1`);
    expect(theirs.status).toBe(404);
    const list = await otherAdmin.get(`/api/t/${other.slug}/surveys`);
    expect(list.body.items).toEqual([expect.objectContaining({ calls: 3, completions: 3 })]);
  });
});
