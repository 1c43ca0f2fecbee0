import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { jsonb, retention, withTenant, type Tenant } from '@switchboard/db';
import { recomputeSurveyCounts, retentionPlan } from '@switchboard/api';
import { checkCallAnswers, storeCallAnswers } from '../api/src/answers/service.ts';
import { lockCall } from '../api/src/routing/lifecycle.ts';
import { createHarness, logIn, seedClientUser, seedTenant, type App, type Client, type Harness } from './support/index.ts';
import { insertCall } from './support/records.ts';
import { seedRoutedOperator } from './support/routing.ts';

/**
 * Issue 14, survey results at scale: the counts the results read (migration 0028) are kept by the
 * database as answers are written and deleted, so they always equal a recompute from the answers — after
 * retried wrap-ups, answers off the walk's path, an erasure and the retention job; the results filter by
 * the tenant's local days, function and operator, also across a change of time zone; only the answers on
 * the path count, in the results, the drill-down and the export alike.
 */
let h: Harness;
let app: App;
let tenant: Tenant;
let admin: Client;
let scriptId: string;
let opA: string;
let opB: string;
const base = () => `/api/t/${tenant.slug}/surveys`;

// 0–10; under 7 the caller is asked why (free text), else what they liked best (a choice).
const body = {
  steps: [
    { id: 'nps', type: 'ask', label: 'Recommend us?', text: 'Would you recommend us, 0 to 10?', answer: { type: 'scale_0_10' }, next: 'route' },
    { id: 'route', type: 'branch', rules: [{ step: 'nps', op: 'less_than', value: 7, next: 'why' }], otherwise: 'best' },
    { id: 'why', type: 'ask', label: 'Why not?', text: 'What went wrong?', answer: { type: 'text', required: false }, next: 'spend' },
    { id: 'best', type: 'ask', label: 'Best', text: 'What did you like best?', answer: { type: 'choice', choices: [{ value: 'taste', label: 'Taste' }, { value: 'speed', label: 'Speed' }] }, next: 'spend' },
    { id: 'spend', type: 'ask', label: 'Spend', text: 'How much a month?', answer: { type: 'number', required: false }, next: 'save' },
    {
      id: 'save',
      type: 'capture',
      captures: [
        { target: 'survey.nps', from: 'nps' },
        { target: 'survey.why', from: 'why' },
        { target: 'survey.best', from: 'best' },
        { target: 'survey.spend', from: 'spend' },
      ],
      next: 'done',
    },
    { id: 'done', type: 'end', text: 'Thank you!', disposition: 'order_taken' },
  ],
};

/** A call answered by `operatorId` at `at`, its answers stored as the wrap-up stores them — `times` times (a retried wrap-up). */
async function answered(operatorId: string, at: Date, answers: Record<string, unknown>, options: { times?: number; caller?: string; fn?: string } = {}) {
  const callId = await insertCall(h.db, tenant, { operatorId, offeredAt: at, answeredAfterSeconds: 0, talkSeconds: 60, function: options.fn ?? 'surveys', ...(options.caller ? { callerNumber: options.caller } : {}) });
  const stored: boolean[] = [];
  for (let i = 0; i < (options.times ?? 1); i++) {
    await withTenant(h.db, tenant.id, async (tx) => {
      await tx.updateTable('calls').set({ scriptId, scriptVersion: 1 }).where('id', '=', callId).execute();
      const call = (await lockCall(tx, callId))!;
      const checked = (await checkCallAnswers(tx, call, answers as never))!;
      stored.push((await storeCallAnswers(tx, call, checked, at)).stored);
    });
  }
  return { callId, stored };
}

type Row = Record<string, unknown>;
/** Every count row of the tenant, in a stable order, as text. */
async function counts(): Promise<{ tallies: Row[]; questions: Row[]; values: Row[]; words: Row[] }> {
  return withTenant(h.db, tenant.id, async (tx) => {
    const read = async (table: string, key: string) =>
      (await sql<Row>`select to_json(c)::text as row from ${sql.table(table)} c order by ${sql.raw(key)}`.execute(tx)).rows.map((r) => JSON.parse(String(r.row)) as Row);
    const grain = 'script_id, script_version, day, function, operator_id';
    return {
      tallies: await read('survey_tallies', grain),
      questions: await read('survey_question_counts', `${grain}, step_id`),
      values: await read('survey_value_counts', `${grain}, step_id, value`),
      words: await read('survey_word_counts', `${grain}, step_id, word`),
    };
  });
}

async function recomputed() {
  const before = await counts();
  const repair = await withTenant(h.db, tenant.id, (tx) => recomputeSurveyCounts(tx, tenant.id));
  return { before, after: await counts(), repair };
}

const results = async (query = '') => {
  const res = await admin.get(`${base()}/${scriptId}/results?version=1${query}`);
  expect(res.status, res.text).toBe(200);
  const q = (id: string) => res.body.questions.find((x: { stepId: string }) => x.stepId === id);
  return { ...res.body, q };
};

// Auckland is UTC+13 in November: 10:30Z on the 10th is 23:30 there, 11:30Z is 00:30 on the 11th.
const lateOn10th = new Date('2026-11-10T10:30:00Z');
const earlyOn11th = new Date('2026-11-10T11:30:00Z');

beforeAll(async () => {
  h = await createHarness();
  app = h.buildApp();
  ({ tenant } = await seedTenant(h.db, { timeZone: 'Pacific/Auckland', locale: 'en-NZ' }));
  admin = await logIn(app, await seedClientUser(h.db, tenant, 'client_admin'));
  opA = (await seedRoutedOperator(h.db, [[tenant, {}]], 'Alice')).id;
  opB = (await seedRoutedOperator(h.db, [[tenant, {}]], 'Bruno')).id;
  const b = `/api/t/${tenant.slug}`;
  expect((await admin.post(`${b}/wrap-up-codes`, { code: 'order_taken', label: 'Survey done' })).status).toBe(201);
  expect((await admin.put(`${b}/scripts/surveys/draft`, body)).status).toBe(200);
  const published = await admin.post(`${b}/scripts/surveys/publish`);
  expect(published.status, published.text).toBe(201);
  scriptId = await withTenant(h.db, tenant.id, async (tx) => (await tx.selectFrom('scripts').select('id').where('function', '=', 'surveys').executeTakeFirstOrThrow()).id);
});
afterAll(() => h?.close());

describe('survey counts', () => {
  it('are written once per call however often the wrap-up is retried, and count only the answers on the walk’s path', async () => {
    const first = await answered(opA, lateOn10th, { nps: 10, best: 'taste', spend: 20 }, { times: 3 });
    expect(first.stored).toEqual([true, false, false]);
    // A promoter is never asked why: the "why" sent along (an API client's) is kept off the path.
    const offPath = await answered(opB, earlyOn11th, { nps: 9, why: 'slow delivery', best: 'speed', spend: 10 });
    await answered(opB, earlyOn11th, { nps: 3, why: 'Cold pizza, slow delivery' });
    // Stopped before the end (a required question left empty): a call, not a completion.
    await answered(opA, earlyOn11th, { nps: null });
    const stored = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('callAnswers').select(['stepId', 'onPath']).where('callId', '=', offPath.callId).orderBy('stepId').execute());
    expect(stored).toEqual([
      { stepId: 'best', onPath: true },
      { stepId: 'nps', onPath: true },
      { stepId: 'spend', onPath: true },
      { stepId: 'why', onPath: false },
    ]);
    // The call's answers say so too: the off-path one is kept with the call, marked.
    const kept = await admin.get(`/api/t/${tenant.slug}/calls/${offPath.callId}/answers`);
    expect(kept.status, kept.text).toBe(200);
    expect(kept.body.answers.map((a: { stepId: string; onPath: boolean }) => [a.stepId, a.onPath])).toEqual([
      ['best', true],
      ['nps', true],
      ['spend', true],
      ['why', false],
    ]);

    const all = await results();
    expect(all).toMatchObject({ calls: 4, completions: 3 });
    expect(all.q('nps').answered).toBe(3);
    expect(all.q('nps').nps).toEqual({ promoters: 2, passives: 0, detractors: 1, score: 33.3 });
    expect(all.q('why').answered).toBe(1);
    expect(all.q('why').words).toEqual([
      { word: 'cold', count: 1 },
      { word: 'delivery', count: 1 },
      { word: 'pizza', count: 1 },
      { word: 'slow', count: 1 },
    ]);
    expect(all.q('best').counts).toEqual([
      { value: 'taste', label: 'Taste', count: 1 },
      { value: 'speed', label: 'Speed', count: 1 },
    ]);
    expect(all.q('spend').mean).toBe(15);
    // The drill-down and the export agree: the off-path "slow delivery" is no answer.
    const slow = await admin.get(`${base()}/${scriptId}/calls?version=1&step=why&value=slow`);
    expect(slow.body.items).toHaveLength(1);
    expect(slow.body.items[0].callId).not.toBe(offPath.callId);
    const csv = await admin.get(`${base()}/${scriptId}/results.csv?version=1&lang=en`);
    expect(csv.status).toBe(200);
    const lines = csv.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines).toHaveLength(4);
    expect(lines.filter((l) => l.includes('slow delivery') && !l.includes('Cold'))).toEqual([]);
    expect(lines.filter((l) => l.includes('Cold pizza, slow delivery'))).toHaveLength(1);

    const { before, after, repair } = await recomputed();
    expect(repair.answersMoved).toBe(0);
    expect(after).toEqual(before);
    expect(before.tallies).toHaveLength(3);
  });

  it('filter by the tenant’s local days at midnight, by function and by operator', async () => {
    expect(await results('&from=2026-11-10&to=2026-11-10')).toMatchObject({ calls: 1, completions: 1 });
    const eleventh = await results('&from=2026-11-11&to=2026-11-11');
    expect(eleventh).toMatchObject({ calls: 3, completions: 2 });
    expect(eleventh.q('nps').counts.map((c: { count: number }) => c.count)).toEqual([0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0]);
    // Instants at the local midnight read the same whole days; an instant inside a day counts from the answers.
    expect(await results(`&from=${encodeURIComponent('2026-11-10T11:00:00Z')}`)).toMatchObject({ calls: 3, completions: 2 });
    expect(await results(`&to=${encodeURIComponent('2026-11-10T11:00:00Z')}`)).toMatchObject({ calls: 1, completions: 1 });
    const inside = await results(`&from=${encodeURIComponent('2026-11-10T11:15:00Z')}&to=${encodeURIComponent('2026-11-10T11:45:00Z')}`);
    expect(inside).toMatchObject({ calls: 3, completions: 2 });
    expect(inside.q('why').words.map((w: { word: string }) => w.word)).toEqual(['cold', 'delivery', 'pizza', 'slow']);
    expect(inside.q('spend').mean).toBe(10);
    expect(await results(`&from=${encodeURIComponent('2026-11-10T10:00:00Z')}&to=${encodeURIComponent('2026-11-10T11:00:00Z')}`)).toMatchObject({ calls: 1, completions: 1 });
    const alice = await results(`&operator=${opA}`);
    expect(alice).toMatchObject({ calls: 2, completions: 1 });
    expect(alice.q('best').counts.map((c: { count: number }) => c.count)).toEqual([1, 0]);
    const bruno = await results(`&operator=${opB}&from=2026-11-11`);
    expect(bruno).toMatchObject({ calls: 2, completions: 2 });
    expect(bruno.operators.map((o: { name: string }) => o.name)).toEqual(['Alice', 'Bruno']);
    expect(await results('&function=complaints')).toMatchObject({ calls: 0, completions: 0 });
    // A day that does not exist is a 400 naming the field, not a failed query.
    for (const from of ['2026-02-30', '0000-01-01', '+275760-09-13T00:00:00Z']) {
      const noDay = await admin.get(`${base()}/${scriptId}/results?version=1&from=${encodeURIComponent(from)}`);
      expect(noDay.status, from).toBe(400);
      expect(JSON.stringify(noDay.body.errors)).toContain('from');
    }
    await answered(opA, lateOn10th, { nps: 8, best: 'speed' }, { fn: 'order_taking' });
    expect(await results('&function=order_taking')).toMatchObject({ calls: 1, completions: 1 });
    expect((await results()).q('best').counts.map((c: { count: number }) => c.count)).toEqual([1, 2]);
  });

  it('follow the tenant’s time zone when it changes', async () => {
    await withTenant(h.db, tenant.id, (tx) => tx.updateTable('tenants').set({ timeZone: 'UTC' }).where('id', '=', tenant.id).execute());
    expect(await results('&from=2026-11-10&to=2026-11-10')).toMatchObject({ calls: 5, completions: 4 });
    const { before, after } = await recomputed();
    expect(after).toEqual(before);
    await withTenant(h.db, tenant.id, (tx) => tx.updateTable('tenants').set({ timeZone: 'Pacific/Auckland' }).where('id', '=', tenant.id).execute());
    expect(await results('&from=2026-11-10&to=2026-11-10')).toMatchObject({ calls: 2, completions: 2 });
  });

  it('go down with an erasure and the retention job, and stay equal to a recompute', async () => {
    const erased = await answered(opB, earlyOn11th, { nps: 0, why: 'Rude driver' }, { caller: '+33699887766' });
    expect((await results()).q('why').words.map((w: { word: string }) => w.word)).toContain('rude');
    const erase = await admin.post(`/api/t/${tenant.slug}/privacy/erase`, { phone: '+33699887766', receivedOn: '2026-11-30', channel: 'letter', reference: 'PR-1', confirm: true });
    expect(erase.status, erase.text).toBe(200);
    const after = await results();
    // The call still counts (its answer set stays: it was billed), its answers no longer do.
    expect(after).toMatchObject({ calls: 6, completions: 5 });
    expect(after.q('why').words.map((w: { word: string }) => w.word)).not.toContain('rude');
    expect(after.q('nps').answered).toBe(4);
    const check = await recomputed();
    expect(check.after).toEqual(check.before);
    expect(check.before.words.map((w) => w.word)).not.toContain('rude');
    void erased;

    // The retention job deletes the answers given before its cutoff (the 10th, late, local): as its own role.
    const step = retentionPlan.steps.find((s) => s.columns.table === 'call_answers')!;
    const removed = await retention.withRetention(h.db, tenant.id, (tx) => retentionPlan.runBatch(tx, step, new Date('2026-11-10T11:00:00Z'), 100, new Date('2026-11-10T11:00:00Z')));
    expect(removed).toBeGreaterThan(0);
    const kept = await results();
    expect(kept.q('nps').answered).toBe(2);
    expect(kept.q('best').counts.map((c: { count: number }) => c.count)).toEqual([0, 1]);
    const last = await recomputed();
    expect(last.after).toEqual(last.before);
    expect(last.before.values.filter((v) => v.day === '2026-11-10')).toEqual([]);
  });

  it("move by the set's own grain when a later wrap-up completes it (a transferred call's second operator), and equal a recompute", async () => {
    const { callId } = await answered(opA, lateOn10th, { nps: 10 });
    const was = await results();
    await withTenant(h.db, tenant.id, async (tx) => {
      const call = (await lockCall(tx, callId))!;
      const checked = (await checkCallAnswers(tx, call, { best: 'speed', spend: 30 } as never))!;
      expect((await storeCallAnswers(tx, call, checked, lateOn10th)).stored).toBe(true);
    });
    const now = await results();
    expect(now.calls).toBe(was.calls);
    expect(now.completions).toBe(was.completions + 1);
    expect(now.q('nps').answered).toBe(was.q('nps').answered + 1);
    expect(now.q('spend').mean).not.toBe(was.q('spend').mean);
    const { before, after } = await recomputed();
    expect(after).toEqual(before);
  });

  it('are repaired from the answers: an answer stored before the path was judged is put off it', async () => {
    const { callId } = await answered(opA, earlyOn11th, { nps: 10, best: 'taste' });
    // As an answer stored before migration 0028: on the path by default, though the walk never asked it.
    await withTenant(h.db, tenant.id, (tx) => tx.insertInto('callAnswers').values({ tenantId: tenant.id, callId, stepId: 'why', answerType: 'text', targets: ['survey.why'], value: jsonb('legacy words') }).execute());
    expect((await results()).q('why').words.map((w: { word: string }) => w.word)).toContain('legacy');
    const { repair } = await recomputed();
    expect(repair.answersMoved).toBe(1);
    expect((await results()).q('why').words.map((w: { word: string }) => w.word)).not.toContain('legacy');
    const again = await recomputed();
    expect(again.repair.answersMoved).toBe(0);
    expect(again.after).toEqual(again.before);
  });

  it('are the tenant’s own: another tenant’s transaction sees none and its recompute touches none', async () => {
    const { tenant: other } = await seedTenant(h.db);
    const before = await counts();
    const seen = await withTenant(h.db, other.id, async (tx) => (await sql<{ n: number }>`select count(*)::int as n from survey_word_counts`.execute(tx)).rows[0]!.n);
    expect(seen).toBe(0);
    await withTenant(h.db, other.id, (tx) => sql`select app.recompute_survey_counts(${tenant.id}::uuid)`.execute(tx));
    expect(await counts()).toEqual(before);
    expect(before.words.length).toBeGreaterThan(0);
  });
});
