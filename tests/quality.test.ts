import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonb, newId, withTenant, type Tenant } from '@switchboard/db';
import { actorFor, createClock, createHarness, logIn, seedClientUser, seedOperator, seedTenant, seedUser, type Client, type Clock, type Harness, type TestUser } from './support/index.ts';
import { runRetentionOnce } from '@switchboard/api';
import { insertCall } from './support/records.ts';

/**
 * Issue 16, quality forms and evaluations: forms versioned like scripts; evaluations scored by the
 * form's definition (weights, N/A, partial, scale, a critical `no` zeroing), kept with their version;
 * who may evaluate (staff; a client user only when listed), the operator seeing only their own and
 * acknowledging them; hostile values in the comments.
 */
let h: Harness;
let clock: Clock;
let tenant: Tenant;
let other: Tenant;
let supervisor: Client;
let sup: TestUser;
let operator: TestUser;
let colleague: TestUser;
let op: Client;
let colleagueDesk: Client;
let clientMember: TestUser;
let member: Client;
let clientAdmin: Client;

const base = () => `/api/t/${tenant.slug}/quality`;

const definition = {
  sections: [
    {
      id: 'greeting',
      title: 'Greeting',
      questions: [
        { id: 'q_greet', text: 'Greets the caller with the company name', kind: 'yes_no', weight: 2, naAllowed: false, critical: false },
        { id: 'q_name', text: 'Asks the caller’s name', kind: 'yes_no_partial', weight: 1, naAllowed: true, critical: false },
      ],
    },
    {
      id: 'handling',
      title: 'Handling',
      questions: [
        { id: 'q_tone', text: 'Tone', kind: 'scale', scaleMax: 5, weight: 1, naAllowed: false, critical: false },
        { id: 'q_gdpr', text: 'Reads the data-protection notice', kind: 'yes_no', weight: 1, naAllowed: false, critical: true },
      ],
    },
  ],
};

async function finishedCall(t: Tenant, operatorId: string | null, status: 'completed' | 'queued' = 'completed') {
  return insertCall(h.db, t, {
    operatorId,
    status,
    offeredAt: new Date(clock.now().getTime() - 3_600_000),
    answeredAfterSeconds: 10,
    talkSeconds: status === 'completed' ? 120 : null,
    events: [
      { kind: 'offered', afterSeconds: 0 },
      { kind: 'answered', afterSeconds: 10, operatorId },
    ],
  });
}

async function publishedForm(name = 'Inbound quality') {
  const created = await supervisor.post(`${base()}/forms`, { name, definition });
  expect(created.status).toBe(201);
  const published = await supervisor.post(`${base()}/forms/${created.body.id}/publish`);
  expect(published.status).toBe(200);
  return created.body.id as string;
}

async function evaluate(client: Client, callId: string, formId: string, answers: Record<string, unknown>, comment: string | null = null) {
  const started = await client.post(`${base()}/evaluations`, { callId, formId });
  expect(started.status).toBe(201);
  const saved = await client.put(`${base()}/evaluations/${started.body.id}`, { answers, comment });
  expect(saved.status).toBe(200);
  return client.post(`${base()}/evaluations/${started.body.id}/submit`);
}

beforeAll(async () => {
  h = await createHarness();
  clock = createClock(new Date('2026-12-01T10:00:00Z'));
  const app = h.buildApp({ clock });
  const admin = actorFor(await seedUser(h.db, { kind: 'provider_admin' }));
  ({ tenant } = await seedTenant(h.db, { actor: admin }));
  ({ tenant: other } = await seedTenant(h.db, { actor: admin }));
  sup = await seedUser(h.db, { kind: 'supervisor' });
  supervisor = await logIn(app, sup);
  operator = await seedOperator(h.db, [tenant, other]);
  colleague = await seedOperator(h.db, [tenant]);
  op = await logIn(app, operator);
  colleagueDesk = await logIn(app, colleague);
  clientMember = await seedClientUser(h.db, tenant, 'client_member');
  member = await logIn(app, clientMember);
  clientAdmin = await logIn(app, await seedClientUser(h.db, tenant, 'client_admin'));
});
afterAll(() => h?.close());

describe('forms', () => {
  it('are created as a draft, published, versioned: an evaluation keeps its version after a new publish', async () => {
    const created = await supervisor.post(`${base()}/forms`, { name: 'Versioned', definition });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Versioned', draftVersion: 1, publishedVersion: null, versions: [{ version: 1, status: 'draft' }] });
    const id = created.body.id as string;
    const callId = await finishedCall(tenant, operator.id);
    // Not published yet: nothing to evaluate against.
    const early = await supervisor.post(`${base()}/evaluations`, { callId, formId: id });
    expect(early.status).toBe(409);
    expect(early.body.code).toBe('quality.no_published_version');

    expect((await supervisor.post(`${base()}/forms/${id}/publish`)).body).toMatchObject({ publishedVersion: 1, draftVersion: null });
    expect((await supervisor.post(`${base()}/forms/${id}/publish`)).body.code).toBe('quality.nothing_to_publish');
    const evaluation = await supervisor.post(`${base()}/evaluations`, { callId, formId: id });
    expect(evaluation.body.formVersion).toBe(1);

    // Editing starts version 2; publishing it leaves the evaluation on version 1.
    const changed = structuredClone(definition);
    changed.sections[0]!.questions[0]!.weight = 5;
    const draft = await supervisor.put(`${base()}/forms/${id}/draft`, { name: 'Versioned', definition: changed });
    expect(draft.body).toMatchObject({ draftVersion: 2, publishedVersion: 1 });
    expect((await supervisor.put(`${base()}/forms/${id}/draft`, { name: 'Versioned v2', definition: changed })).body).toMatchObject({ draftVersion: 2, name: 'Versioned v2' });
    expect((await supervisor.post(`${base()}/forms/${id}/publish`)).body).toMatchObject({ publishedVersion: 2 });
    const kept = await supervisor.get(`${base()}/evaluations/${evaluation.body.id}`);
    expect(kept.body.formVersion).toBe(1);
    expect(kept.body.definition.sections[0].questions[0].weight).toBe(2);
    expect((await supervisor.get(`${base()}/forms/${id}/versions/1`)).body.definition.sections[0].questions[0].weight).toBe(2);
    const next = await supervisor.post(`${base()}/evaluations`, { callId, formId: id });
    expect(next.body.formVersion).toBe(2);
    expect(next.body.id).not.toBe(evaluation.body.id);

    // Archived: no new evaluations, hidden from the list unless asked.
    expect((await supervisor.put(`${base()}/forms/${id}/archived`, { archived: true })).body.archived).toBe(true);
    expect((await supervisor.post(`${base()}/evaluations`, { callId, formId: id })).status).toBe(400);
    expect((await supervisor.get(`${base()}/forms`)).body.forms.map((f: { id: string }) => f.id)).not.toContain(id);
    expect((await supervisor.get(`${base()}/forms?archived=true`)).body.forms.map((f: { id: string }) => f.id)).toContain(id);
  });

  it('refuses an empty form on publish and bad definitions at the edge, changing nothing', async () => {
    const empty = await supervisor.post(`${base()}/forms`, { name: 'Empty', definition: { sections: [] } });
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0].path).toContain('definition.sections');
    const carded = structuredClone(definition);
    carded.sections[0]!.questions[0]!.text = 'Never reads back 4111 1111 1111 1111 aloud';
    const created = await supervisor.post(`${base()}/forms`, { name: 'Cards', definition: carded });
    expect(created.status).toBe(201);
    expect(JSON.stringify(created.body.definition)).not.toMatch(/4111 1111 1111/);
    expect(created.body.definition.sections[0].questions[0].text).toContain('1111');
    const bad = await supervisor.post(`${base()}/forms`, { name: 'Bad', definition: { sections: [{ id: 's', title: 'T', questions: [{ id: 'q', text: 'x', kind: 'maybe', weight: 1, naAllowed: false, critical: false }] }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toContain('kind');
    const nul = await supervisor.post(`${base()}/forms`, { name: 'Bad\u0000name', definition });
    expect(nul.status).toBe(400);
    expect(nul.body.errors.map((e: { path: string }) => e.path)).toContain('name');
  });

  it('are managed by supervisors and client admins, never by operators or client members', async () => {
    expect((await clientAdmin.post(`${base()}/forms`, { name: 'Client form', definition })).status).toBe(201);
    for (const who of [op, member]) expect((await who.post(`${base()}/forms`, { name: 'No', definition })).status).toBe(403);
    expect((await op.get(`${base()}/forms`)).status).toBe(403);
  });
});

describe('scoring', () => {
  it('weights, partial, N/A and scale; a critical no zeroes the score', async () => {
    const formId = await publishedForm('Scoring');
    const callId = await finishedCall(tenant, operator.id);
    // greet yes (2×1) + name partial (1×0.5) + tone 4/5 (1×0.75) + gdpr yes (1×1) = 4.25 / 5 = 85 %.
    const full = await evaluate(supervisor, callId, formId, { q_greet: { answer: 'yes' }, q_name: { answer: 'partial' }, q_tone: { answer: 4 }, q_gdpr: { answer: 'yes' } });
    expect(full.status).toBe(200);
    expect(full.body).toMatchObject({ status: 'submitted', score: 85, criticalFailed: false, formVersion: 1 });
    // N/A leaves the question out: (2×0 + 1×1 + 1×1) / 4 = 50 %.
    const na = await evaluate(supervisor, callId, formId, { q_greet: { answer: 'no' }, q_name: { answer: 'na' }, q_tone: { answer: 5 }, q_gdpr: { answer: 'yes' } });
    expect(na.body).toMatchObject({ score: 50, criticalFailed: false });
    const critical = await evaluate(supervisor, callId, formId, { q_greet: { answer: 'yes' }, q_name: { answer: 'yes' }, q_tone: { answer: 5 }, q_gdpr: { answer: 'no' } });
    expect(critical.body).toMatchObject({ score: 0, criticalFailed: true });
  });

  it('refuses answers a question does not take, and submitting with questions unanswered', async () => {
    const formId = await publishedForm('Strict');
    const callId = await finishedCall(tenant, operator.id);
    const started = await supervisor.post(`${base()}/evaluations`, { callId, formId });
    const path = `${base()}/evaluations/${started.body.id}`;
    for (const [answers, field] of [
      [{ q_greet: { answer: 'na' } }, 'answers.q_greet.answer'],
      [{ q_greet: { answer: 'partial' } }, 'answers.q_greet.answer'],
      [{ q_tone: { answer: 6 } }, 'answers.q_tone.answer'],
      [{ q_nope: { answer: 'yes' } }, 'answers.q_nope'],
    ] as const) {
      const res = await supervisor.put(path, { answers, comment: null });
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    expect((await supervisor.put(path, { answers: { q_greet: { answer: 'yes' } }, comment: null })).status).toBe(200);
    const submit = await supervisor.post(`${path}/submit`);
    expect(submit.status).toBe(400);
    expect(submit.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['answers.q_gdpr.answer', 'answers.q_name.answer', 'answers.q_tone.answer']);
    expect((await supervisor.get(path)).body.status).toBe('draft');
  });

  it('evaluates only a finished call an operator handled', async () => {
    const formId = await publishedForm('Calls');
    for (const callId of [await finishedCall(tenant, null), await finishedCall(tenant, operator.id, 'queued'), await finishedCall(other, operator.id), newId()]) {
      const res = await supervisor.post(`${base()}/evaluations`, { callId, formId });
      expect(res.status).toBe(400);
      expect(res.body.errors[0]).toMatchObject({ path: 'callId', code: 'no_such_call' });
    }
  });
});

describe('who evaluates, who sees', () => {
  it('a client member evaluates only once listed in the quality settings', async () => {
    const formId = await publishedForm('Client evaluators');
    const callId = await finishedCall(tenant, operator.id);
    // No settings row: nobody from the client.
    expect((await member.post(`${base()}/evaluations`, { callId, formId })).status).toBe(403);
    expect((await member.get(`${base()}/evaluations`)).status).toBe(403);
    await withTenant(h.db, tenant.id, (tx) => tx.insertInto('qualitySettings').values({ tenantId: tenant.id, clientEvaluatorIds: [], updatedAt: clock.now(), updatedBy: 'test' }).execute());
    expect((await member.post(`${base()}/evaluations`, { callId, formId })).status).toBe(403);
    await withTenant(h.db, tenant.id, (tx) => tx.updateTable('qualitySettings').set({ clientEvaluatorIds: [clientMember.id] }).execute());
    const done = await evaluate(member, callId, formId, { q_greet: { answer: 'yes' }, q_name: { answer: 'yes' }, q_tone: { answer: 5 }, q_gdpr: { answer: 'yes' } });
    expect(done.body).toMatchObject({ score: 100, evaluatorId: clientMember.id });
    // Without quality.read, a listed member sees their own evaluations only.
    const list = await member.get(`${base()}/evaluations`);
    expect(list.status).toBe(200);
    expect(list.body.items.every((e: { evaluatorId: string }) => e.evaluatorId === clientMember.id)).toBe(true);
  });

  it('an operator cannot evaluate, sees only their own submitted evaluations, and acknowledges them', async () => {
    const formId = await publishedForm('Own');
    const mine = await finishedCall(tenant, operator.id);
    const theirs = await finishedCall(tenant, colleague.id);
    expect((await op.post(`${base()}/evaluations`, { callId: mine, formId })).status).toBe(403);
    expect((await op.get(`${base()}/evaluations`)).status).toBe(403);
    const answers = { q_greet: { answer: 'yes', comment: 'Good greeting' }, q_name: { answer: 'no' }, q_tone: { answer: 3 }, q_gdpr: { answer: 'yes' } };
    const submitted = await evaluate(supervisor, mine, formId, answers, 'Well done overall');
    await evaluate(supervisor, theirs, formId, answers);
    // A draft is not shown to the operator.
    await supervisor.post(`${base()}/evaluations`, { callId: mine, formId });

    const own = await op.get('/api/desk/quality/evaluations');
    expect(own.status).toBe(200);
    const here = own.body.tenants.find((t: { slug: string }) => t.slug === tenant.slug);
    const ids = here.evaluations.map((e: { id: string }) => e.id);
    expect(ids).toContain(submitted.body.id);
    expect(here.evaluations.every((e: { callId: string }) => e.callId !== theirs)).toBe(true);
    const entry = here.evaluations.find((e: { id: string }) => e.id === submitted.body.id);
    expect(entry).toMatchObject({ comment: 'Well done overall', score: submitted.body.score, acknowledgedAt: null, answers: { q_greet: { answer: 'yes', comment: 'Good greeting' } } });
    expect(own.body.tenants.find((t: { slug: string }) => t.slug === other.slug).evaluations).toEqual([]);

    const theirsOwn = await colleagueDesk.get('/api/desk/quality/evaluations');
    expect(theirsOwn.body.tenants[0].evaluations.map((e: { id: string }) => e.id)).not.toContain(submitted.body.id);
    expect((await colleagueDesk.post(`${base()}/own-evaluations/${submitted.body.id}/acknowledge`, { comment: null })).status).toBe(404);

    const ack = await op.post(`${base()}/own-evaluations/${submitted.body.id}/acknowledge`, { comment: 'Thanks, noted' });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ acknowledgement: 'Thanks, noted', acknowledgedAt: clock.now().toISOString() });
    expect((await op.post(`${base()}/own-evaluations/${submitted.body.id}/acknowledge`, { comment: null })).body.code).toBe('quality.acknowledged');
    expect((await supervisor.get(`${base()}/evaluations/${submitted.body.id}`)).body.acknowledgement).toBe('Thanks, noted');
    // Staff and client admins cannot acknowledge for the operator.
    expect((await supervisor.post(`${base()}/own-evaluations/${submitted.body.id}/acknowledge`, { comment: null })).status).toBe(403);

    // The desk figures carry the latest score here.
    const figures = await op.get(`/api/desk/figures?tenant=${tenant.slug}`);
    expect(figures.body.tenants[0].latestQualityScore).toBe(submitted.body.score);
  });

  it("another evaluator's draft is theirs alone; a submitted evaluation no longer changes", async () => {
    const formId = await publishedForm('Drafts');
    const callId = await finishedCall(tenant, operator.id);
    const started = await supervisor.post(`${base()}/evaluations`, { callId, formId });
    expect((await clientAdmin.get(`${base()}/evaluations/${started.body.id}`)).status).toBe(404);
    expect((await clientAdmin.put(`${base()}/evaluations/${started.body.id}`, { answers: {}, comment: null })).status).toBe(403);
    const done = await evaluate(supervisor, callId, formId, { q_greet: { answer: 'yes' }, q_name: { answer: 'yes' }, q_tone: { answer: 5 }, q_gdpr: { answer: 'yes' } });
    expect((await clientAdmin.get(`${base()}/evaluations/${done.body.id}`)).status).toBe(200);
    const again = await supervisor.put(`${base()}/evaluations/${done.body.id}`, { answers: {}, comment: null });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('quality.evaluation_submitted');
  });

  it('an evaluation of an open calibration is blind: only its own evaluator sees it until the calibration closes', async () => {
    const formId = await publishedForm('Blind');
    const callId = await finishedCall(tenant, operator.id);
    const other = await seedUser(h.db, { kind: 'supervisor' });
    const calibrationId = newId();
    const evaluationId = newId();
    await withTenant(h.db, tenant.id, async (tx) => {
      const now = clock.now();
      await tx.insertInto('qualityCalibrations').values({ tenantId: tenant.id, id: calibrationId, callId, formId, formVersion: 1, evaluatorIds: [sup.id, other.id], createdAt: now, createdBy: 'test' }).execute();
      await tx
        .insertInto('qualityEvaluations')
        .values({ tenantId: tenant.id, id: evaluationId, callId, operatorId: operator.id, evaluatorId: other.id, evaluatorLabel: 'Other', formId, formVersion: 1, calibrationId, answers: jsonb({}), status: 'submitted', score: 70, submittedAt: now, createdAt: now, updatedAt: now })
        .execute();
    });
    expect((await supervisor.get(`${base()}/evaluations/${evaluationId}`)).status).toBe(404);
    expect((await supervisor.get(`${base()}/evaluations?callId=${callId}`)).body.items).toEqual([]);
    const own = async () => (await op.get('/api/desk/quality/evaluations')).body.tenants.find((t: { slug: string }) => t.slug === tenant.slug).evaluations.map((e: { id: string }) => e.id);
    expect(await own()).not.toContain(evaluationId);
    await withTenant(h.db, tenant.id, (tx) => tx.updateTable('qualityCalibrations').set({ status: 'closed', closedAt: clock.now() }).where('id', '=', calibrationId).execute());
    expect((await supervisor.get(`${base()}/evaluations/${evaluationId}`)).status).toBe(200);
    expect(await own()).toContain(evaluationId);
  });
});

describe('hostile values', () => {
  it('NUL bytes and huge comments are refused naming the field; card numbers in comments are redacted', async () => {
    const formId = await publishedForm('Hostile');
    const callId = await finishedCall(tenant, operator.id);
    const started = await supervisor.post(`${base()}/evaluations`, { callId, formId });
    const path = `${base()}/evaluations/${started.body.id}`;
    const nul = await supervisor.put(path, { answers: {}, comment: 'bad\u0000comment' });
    expect(nul.status).toBe(400);
    expect(nul.body.errors[0].path).toBe('comment');
    const huge = await supervisor.put(path, { answers: {}, comment: 'x'.repeat(4001) });
    expect(huge.status).toBe(400);
    expect(huge.body.errors[0].path).toBe('comment');
    const hugeAnswer = await supervisor.put(path, { answers: { q_greet: { answer: 'yes', comment: 'y'.repeat(1001) } }, comment: null });
    expect(hugeAnswer.body.errors[0].path).toBe('answers.q_greet.comment');
    expect((await supervisor.get(path)).body).toMatchObject({ answers: {}, comment: null });

    const saved = await supervisor.put(path, { answers: { q_greet: { answer: 'yes', comment: 'Read back 4111-1111 1111.1111 aloud' } }, comment: 'Caller gave card 4111 1111 1111 1111 on the line' });
    expect(saved.status).toBe(200);
    const row = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('qualityEvaluations').select(['comment', 'answers']).where('id', '=', started.body.id).executeTakeFirstOrThrow());
    expect(row.comment).not.toMatch(/4111.?1111.?1111/);
    expect(row.comment).toContain('1111');
    expect(JSON.stringify(row.answers)).not.toMatch(/4111.?1111.?1111/);

    const submitted = await evaluate(supervisor, callId, formId, { q_greet: { answer: 'yes' }, q_name: { answer: 'yes' }, q_tone: { answer: 5 }, q_gdpr: { answer: 'yes' } });
    const ack = await op.post(`${base()}/own-evaluations/${submitted.body.id}/acknowledge`, { comment: 'My card 4111111111111111 was not said' });
    expect(ack.status).toBe(200);
    expect(ack.body.acknowledgement).not.toContain('4111111111111111');
  });
});

describe('privacy erasure', () => {
  it("erases the remarks on evaluations of the person's calls, keeping the answers and the score", async () => {
    const formId = await publishedForm('Erasure');
    const callId = await insertCall(h.db, tenant, { operatorId: operator.id, callerNumber: '+33698765432', offeredAt: new Date(clock.now().getTime() - 3_600_000), answeredAfterSeconds: 5, talkSeconds: 60 });
    const done = await evaluate(supervisor, callId, formId, { q_greet: { answer: 'yes', comment: 'Caller spelled her name, Dupont' }, q_name: { answer: 'yes' }, q_tone: { answer: 5 }, q_gdpr: { answer: 'yes' } }, 'Mme Dupont of rue Victor Hugo');
    const erased = await clientAdmin.post(`/api/t/${tenant.slug}/privacy/erase`, { phone: '+33698765432', receivedOn: '2026-11-30', channel: 'letter', reference: 'PR-1', confirm: true });
    expect(erased.status).toBe(200);
    const row = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('qualityEvaluations').select(['comment', 'answers', 'score']).where('id', '=', done.body.id).executeTakeFirstOrThrow());
    expect(row.comment).toBeNull();
    expect(JSON.stringify(row.answers)).not.toContain('Dupont');
    expect(Number(row.score)).toBe(100);
  });
});

describe('retention', () => {
  it("removes the remarks with the evaluated call's personal data, and keeps the answers and the score", async () => {
    const formId = await publishedForm('Retention');
    const callId = await finishedCall(tenant, operator.id);
    const done = await evaluate(supervisor, callId, formId, { q_greet: { answer: 'yes', comment: 'Said the caller’s address aloud' }, q_name: { answer: 'yes' }, q_tone: { answer: 5 }, q_gdpr: { answer: 'yes' } }, 'Caller Mme Dupont was upset');
    expect((await op.post(`${base()}/own-evaluations/${done.body.id}/acknowledge`, { comment: 'She called back later' })).status).toBe(200);
    // Past the default personal-data period (365 days) of the call.
    const later = new Date(clock.now().getTime() + 400 * 86_400_000);
    await runRetentionOnce({ db: h.db, now: () => later, onError: (e) => { throw e; } });
    const row = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('qualityEvaluations').select(['comment', 'acknowledgement', 'answers', 'score']).where('id', '=', done.body.id).executeTakeFirstOrThrow());
    expect(row).toMatchObject({ comment: null, acknowledgement: null, answers: { q_greet: { answer: 'yes' }, q_name: { answer: 'yes' }, q_tone: { answer: 5 }, q_gdpr: { answer: 'yes' } } });
    expect(JSON.stringify(row.answers)).not.toContain('address');
    expect(Number(row.score)).toBe(100);
  });
});
