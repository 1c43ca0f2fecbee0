import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonb, newId, withTenant, type Tenant } from '@switchboard/db';
import { markSampleEvaluated, runSamplingOnce } from '@switchboard/api';
import { drawSamples, sampleCandidates, weekBounds, weekOf, type Candidate } from '../api/src/quality/sampling.ts';
import { defaultSampleWeights } from '../api/src/quality/settings.ts';
import {
  actorFor,
  createClock,
  createHarness,
  logIn,
  seedClientUser,
  seedOperator,
  seedTenant,
  seedUser,
  snapshotTenant,
  type App,
  type Client,
  type Clock,
  type Harness,
  type TestUser,
} from './support/index.ts';

/**
 * Issue 16, quality: the company's sampling settings and client evaluators, the weekly draw of calls to
 * evaluate (weighted, idempotent, deterministic by seed), and calibration sessions (blind while open,
 * spread per question once closed).
 */
let h: Harness;
let clock: Clock;
let app: App;
let tenant: Tenant;
let other: Tenant;
let provider: TestUser;
let supervisorUser: TestUser;
let secondSupervisorUser: TestUser;
let clientMemberUser: TestUser;
let otherClientUser: TestUser;
let op1: TestUser;
let op2: TestUser;
let providerAdmin: Client;
let supervisor: Client;
let clientAdmin: Client;
let clientMember: Client;
let operator: Client;
/** The calls of the sampled week, by what makes them stand out. */
const calls: Record<string, string> = {};
let formId: string;
let draftFormId: string;

const WEEK = '2026-11-30';
const base = (t: Tenant = tenant) => `/api/t/${t.slug}/quality`;

async function insertCall(t: Tenant, operatorId: string, answeredAt: string, handleSeconds: number, status: 'completed' | 'transferred_out' | 'wrap_up' = 'completed'): Promise<string> {
  const id = newId();
  const answered = new Date(answeredAt);
  const ended = new Date(answered.getTime() + handleSeconds * 1000);
  await withTenant(h.db, t.id, (tx) =>
    tx
      .insertInto('calls')
      .values({
        tenantId: t.id,
        id,
        externalId: `q-${id}`,
        function: 'order_taking',
        dialledNumber: '+33100000000',
        callerNumber: '+33612345678',
        status,
        afterHoursAction: null,
        operatorId,
        offeredAt: new Date(answered.getTime() - 10_000),
        answeredAt: answered,
        endedAt: status === 'wrap_up' ? null : ended,
        endedBy: 'caller',
      })
      .execute(),
  );
  return id;
}

async function insertForm(t: Tenant, status: 'draft' | 'published'): Promise<string> {
  const id = newId();
  const now = clock.now();
  const definition = {
    sections: [
      {
        id: 's1',
        title: 'Call',
        questions: [
          { id: 'greet', text: 'Greets the caller by the company name', kind: 'yes_no', weight: 1, naAllowed: false, critical: false },
          { id: 'verify', text: 'Checks the order back', kind: 'yes_no_partial', weight: 1, naAllowed: true, critical: false },
          { id: 'tone', text: 'Tone', kind: 'scale', scaleMax: 5, weight: 1, naAllowed: false, critical: false },
        ],
      },
    ],
  };
  await withTenant(h.db, t.id, async (tx) => {
    await tx.insertInto('qualityForms').values({ tenantId: t.id, id, name: status === 'draft' ? 'Draft form' : 'Order taking', createdAt: now, updatedAt: now, updatedBy: 'test' }).execute();
    await tx
      .insertInto('qualityFormVersions')
      .values({ tenantId: t.id, formId: id, version: 1, definition: jsonb(definition), status, publishedAt: status === 'published' ? now : null, publishedBy: status === 'published' ? 'test' : null, createdAt: now, createdBy: 'test' })
      .execute();
  });
  return id;
}

/** An evaluation as the evaluations routes write it, submitted. */
async function submitEvaluation(calibrationId: string | null, callId: string, evaluatorId: string, answers: Record<string, { answer: string | number }>, score: number): Promise<string> {
  const id = newId();
  const now = clock.now();
  await withTenant(h.db, tenant.id, (tx) =>
    tx
      .insertInto('qualityEvaluations')
      .values({ tenantId: tenant.id, id, callId, operatorId: op1.id, evaluatorId, evaluatorLabel: 'Evaluator', formId, formVersion: 1, calibrationId, answers: jsonb(answers), comment: 'Secret remark', status: 'submitted', score, submittedAt: now, createdAt: now, updatedAt: now })
      .execute(),
  );
  return id;
}

beforeAll(async () => {
  h = await createHarness();
  clock = createClock(new Date('2026-12-03T10:00:00Z'));
  app = h.buildApp({ clock });
  provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { actor: actorFor(provider), name: 'Pizzeria Qualité', timeZone: 'Europe/Paris' }));
  ({ tenant: other } = await seedTenant(h.db, { actor: actorFor(provider), name: 'Taxis Ailleurs' }));
  providerAdmin = await logIn(app, provider);
  supervisorUser = await seedUser(h.db, { kind: 'supervisor', displayName: 'Sam Supervisor' });
  secondSupervisorUser = await seedUser(h.db, { kind: 'supervisor', displayName: 'Sue Second' });
  supervisor = await logIn(app, supervisorUser);
  clientAdmin = await logIn(app, await seedClientUser(h.db, tenant, 'client_admin'));
  clientMemberUser = await seedClientUser(h.db, tenant, 'client_member', { displayName: 'Claire Member' });
  clientMember = await logIn(app, clientMemberUser);
  otherClientUser = await seedClientUser(h.db, other, 'client_admin');
  op1 = await seedOperator(h.db, [tenant], { displayName: 'Olivia Operator' });
  op2 = await seedOperator(h.db, [tenant], { displayName: 'Oscar Operator' });
  operator = await logIn(app, op1);

  // Week of Monday 30 November 2026 (Paris): op1 has eight calls, op2 three.
  calls.complaintA = await insertCall(tenant, op1.id, '2026-11-30T09:00:00Z', 120);
  calls.complaintB = await insertCall(tenant, op1.id, '2026-12-01T09:00:00Z', 130);
  calls.transfer = await insertCall(tenant, op1.id, '2026-12-01T10:00:00Z', 140, 'transferred_out');
  calls.unhappy = await insertCall(tenant, op1.id, '2026-12-01T11:00:00Z', 150);
  calls.long1 = await insertCall(tenant, op1.id, '2026-12-02T09:00:00Z', 1500);
  calls.long2 = await insertCall(tenant, op1.id, '2026-12-02T10:00:00Z', 1400);
  calls.plain1 = await insertCall(tenant, op1.id, '2026-12-02T11:00:00Z', 100);
  calls.plain2 = await insertCall(tenant, op1.id, '2026-12-02T12:00:00Z', 110);
  calls.op2a = await insertCall(tenant, op2.id, '2026-11-30T12:00:00Z', 90);
  calls.op2b = await insertCall(tenant, op2.id, '2026-12-01T12:00:00Z', 95);
  calls.op2c = await insertCall(tenant, op2.id, '2026-12-02T12:00:00Z', 1300);
  // Not of the week: the Sunday before at 23:30 Paris, and a call still in wrap-up.
  calls.before = await insertCall(tenant, op1.id, '2026-11-29T22:30:00Z', 100);
  calls.unfinished = await insertCall(tenant, op1.id, '2026-12-03T09:00:00Z', 100, 'wrap_up');
  await withTenant(h.db, tenant.id, async (tx) => {
    const now = clock.now();
    for (const [n, callId] of [calls.complaintA, calls.complaintB].entries()) {
      await tx
        .insertInto('complaints')
        .values({ tenantId: tenant.id, id: newId(), number: n + 1, callId, customerId: null, category: 'late', severity: 'medium', description: 'Late delivery', dueAt: now, createdBy: null, createdAt: now, updatedAt: now })
        .execute();
    }
    await tx.insertInto('callEvents').values({ tenantId: tenant.id, id: newId(), callId: calls.transfer!, at: now, kind: 'transfer', operatorId: op1.id, detail: jsonb({}) }).execute();
    await tx
      .insertInto('callSatisfaction')
      .values({ tenantId: tenant.id, callId: calls.unhappy!, function: 'order_taking', operatorId: op1.id, askedSolved: false, score: 2, solved: null, outcome: 'answered', callEndedAt: now, recordedAt: now })
      .execute();
  });
  formId = await insertForm(tenant, 'published');
  draftFormId = await insertForm(tenant, 'draft');
});
afterAll(() => h?.close());

describe('quality settings', () => {
  it('reads the defaults, and only those who manage forms change them', async () => {
    const read = await clientAdmin.get(`${base()}/settings`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ samplesPerOperatorWeek: 3, sampleWeights: defaultSampleWeights, clientEvaluatorIds: [] });
    expect(read.body.clientUsers.map((u: { id: string }) => u.id)).toContain(clientMemberUser.id);
    // quality.read: provider staff and client admins; not client members, not operators.
    expect((await clientMember.get(`${base()}/settings`)).status).toBe(403);
    expect((await operator.get(`${base()}/settings`)).status).toBe(403);
    const input = { samplesPerOperatorWeek: 2, sampleWeights: defaultSampleWeights, clientEvaluatorIds: [] };
    expect((await clientMember.put(`${base()}/settings`, input)).status).toBe(403);
    expect((await operator.put(`${base()}/settings`, input)).status).toBe(403);
  });

  it('accepts only members of this company as client evaluators, naming the field, and changes nothing otherwise', async () => {
    const before = await snapshotTenant(h.db, tenant.id);
    const refused = await supervisor.put(`${base()}/settings`, { samplesPerOperatorWeek: 2, sampleWeights: defaultSampleWeights, clientEvaluatorIds: [clientMemberUser.id, otherClientUser.id] });
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([expect.objectContaining({ path: 'clientEvaluatorIds.1', code: 'quality.not_a_member' })]);
    const twice = await supervisor.put(`${base()}/settings`, { samplesPerOperatorWeek: 2, sampleWeights: defaultSampleWeights, clientEvaluatorIds: [clientMemberUser.id, clientMemberUser.id] });
    expect(twice.status).toBe(400);
    expect(twice.body.errors).toEqual([expect.objectContaining({ path: 'clientEvaluatorIds.1', code: 'listed_twice' })]);
    // Provider staff are not the company's client users either.
    const staff = await supervisor.put(`${base()}/settings`, { samplesPerOperatorWeek: 2, sampleWeights: defaultSampleWeights, clientEvaluatorIds: [secondSupervisorUser.id] });
    expect(staff.status).toBe(400);
    expect(await snapshotTenant(h.db, tenant.id)).toEqual(before);

    const saved = await clientAdmin.put(`${base()}/settings`, { samplesPerOperatorWeek: 2, sampleWeights: { ...defaultSampleWeights, complaint: 5 }, clientEvaluatorIds: [clientMemberUser.id] });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ samplesPerOperatorWeek: 2, sampleWeights: { complaint: 5 }, clientEvaluatorIds: [clientMemberUser.id] });
    const audit = await h.db.selectFrom('auditLog').select(['after']).where('tenantId', '=', tenant.id).where('action', '=', 'quality.settings_changed').execute();
    expect(audit).toHaveLength(1);
  });

  it('refuses hostile values with 400 naming the field', async () => {
    const good = { samplesPerOperatorWeek: 2, sampleWeights: defaultSampleWeights, clientEvaluatorIds: [] };
    const cases: [unknown, string][] = [
      [{ ...good, samplesPerOperatorWeek: 51 }, 'samplesPerOperatorWeek'],
      [{ ...good, samplesPerOperatorWeek: -1 }, 'samplesPerOperatorWeek'],
      [{ ...good, samplesPerOperatorWeek: '=cmd|calc' }, 'samplesPerOperatorWeek'],
      [{ ...good, sampleWeights: { ...defaultSampleWeights, random: 11 } }, 'sampleWeights.random'],
      [{ ...good, sampleWeights: { ...defaultSampleWeights, rude: 1 } }, 'sampleWeights'],
      [{ ...good, clientEvaluatorIds: ['\u0000'] }, 'clientEvaluatorIds.0'],
      [{ ...good, clientEvaluatorIds: ['4111 1111 1111 1111'] }, 'clientEvaluatorIds.0'],
      [{ ...good, clientEvaluatorIds: Array.from({ length: 51 }, () => newId()) }, 'clientEvaluatorIds'],
    ];
    for (const [body, path] of cases) {
      const res = await supervisor.put(`${base()}/settings`, body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    expect((await supervisor.get(`${base()}/settings`)).body.samplesPerOperatorWeek).toBe(2);
  });
});

describe('sampling', () => {
  it('draws deterministically for a seed, never a call of weight 0, favouring the weighted calls', () => {
    const candidates: Candidate[] = [
      { callId: 'a', operatorId: 'o', flags: {} },
      { callId: 'b', operatorId: 'o', flags: { complaint: true } },
      { callId: 'c', operatorId: 'o', flags: {} },
      { callId: 'd', operatorId: 'o', flags: { long: true, transfer: true } },
    ];
    const one = new Map([['o', 1]]);
    expect(drawSamples(candidates, one, defaultSampleWeights, 42)).toEqual(drawSamples([...candidates].reverse(), one, defaultSampleWeights, 42));
    // Only complaints weigh anything: only complaints are drawn, for that reason.
    const onlyComplaints = { random: 0, long: 0, transfer: 0, complaint: 3, low_satisfaction: 0 };
    expect(drawSamples(candidates, new Map([['o', 3]]), onlyComplaints, 7)).toEqual([{ callId: 'b', operatorId: 'o', reason: 'complaint' }]);
    // Over many seeds the complaint (weight 4) is drawn about four times as often as a plain call (weight 1).
    const drawn: Record<string, number> = { a: 0, b: 0, c: 0, d: 0 };
    for (let seed = 1; seed <= 400; seed++) for (const p of drawSamples(candidates, one, defaultSampleWeights, seed)) drawn[p.callId]!++;
    expect(drawn.b!).toBeGreaterThan(2 * drawn.a!);
    expect(drawn.d!).toBeGreaterThan(2 * drawn.c!);
    // A long transfer is sampled for its weightiest reason (both weigh 2: the first listed).
    expect(drawSamples([candidates[3]!], one, defaultSampleWeights, 1)).toEqual([{ callId: 'd', operatorId: 'o', reason: 'long' }]);
  });

  it('flags long, transferred, complained-about and unhappy calls of the company week only', async () => {
    expect(weekOf(new Date('2026-11-29T23:30:00Z'), 'Europe/Paris')).toBe(WEEK);
    expect(weekOf(new Date('2026-11-29T22:30:00Z'), 'Europe/Paris')).toBe('2026-11-23');
    const { from, to } = weekBounds(WEEK, 'Europe/Paris');
    expect([from.toISOString(), to.toISOString()]).toEqual(['2026-11-29T23:00:00.000Z', '2026-12-06T23:00:00.000Z']);
    const found = await withTenant(h.db, tenant.id, (tx) => sampleCandidates(tx, from, to));
    const byCall = new Map(found.map((c) => [c.callId, c.flags]));
    expect(byCall.has(calls.before!)).toBe(false);
    expect(byCall.has(calls.unfinished!)).toBe(false);
    expect(byCall.size).toBe(11);
    expect(byCall.get(calls.complaintA!)).toMatchObject({ complaint: true, long: false });
    expect(byCall.get(calls.transfer!)).toMatchObject({ transfer: true, complaint: false });
    expect(byCall.get(calls.unhappy!)).toMatchObject({ low_satisfaction: true });
    // Top quartile of eleven handle times: the three longest.
    expect(found.filter((c) => c.flags.long).map((c) => c.callId).sort()).toEqual([calls.long1, calls.long2, calls.op2c].sort());
  });

  it('tops every operator up to the number set, idempotently, on demand and from the periodic pass', async () => {
    await supervisor.put(`${base()}/settings`, { samplesPerOperatorWeek: 2, sampleWeights: { random: 0, long: 0, transfer: 0, complaint: 5, low_satisfaction: 0 }, clientEvaluatorIds: [clientMemberUser.id] });
    const first = await supervisor.post(`${base()}/samples/run`, { week: WEEK });
    expect(first.status).toBe(200);
    // Only complaints weigh: op1's two complaint calls; op2 has none.
    expect(first.body).toEqual({ week: WEEK, added: 2 });
    const again = await supervisor.post(`${base()}/samples/run`, { week: WEEK });
    expect(again.body).toEqual({ week: WEEK, added: 0 });
    let list = await supervisor.get(`${base()}/samples?week=${WEEK}`);
    expect(list.status).toBe(200);
    expect(list.body.samples.map((s: { callId: string; reason: string }) => [s.callId, s.reason]).sort()).toEqual(
      [[calls.complaintA, 'complaint'], [calls.complaintB, 'complaint']].sort(),
    );

    // Now three each, every call weighing: op1 gets one more, op2 three; a second pass adds nothing.
    await supervisor.put(`${base()}/settings`, { samplesPerOperatorWeek: 3, sampleWeights: defaultSampleWeights, clientEvaluatorIds: [clientMemberUser.id] });
    const results = await runSamplingOnce({ db: h.db, now: clock.now });
    expect(results.find((r) => r.week === WEEK && r.added === 4)).toBeDefined();
    expect((await runSamplingOnce({ db: h.db, now: clock.now })).every((r) => r.added === 0)).toBe(true);
    list = await clientAdmin.get(`${base()}/samples?week=${WEEK}`);
    expect(list.status).toBe(200);
    const perOperator = new Map<string, number>();
    for (const s of list.body.samples) perOperator.set(s.operatorId, (perOperator.get(s.operatorId) ?? 0) + 1);
    expect(Object.fromEntries(perOperator)).toEqual({ [op1.id]: 3, [op2.id]: 3 });
    // A client's users see operators by first name; provider staff by full name.
    expect(list.body.samples.map((s: { operatorName: string }) => s.operatorName)).toEqual(expect.arrayContaining(['Olivia', 'Oscar']));
    expect((await supervisor.get(`${base()}/samples?week=${WEEK}`)).body.samples[0].operatorName).toMatch(/Operator$/);
    const rows = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('qualitySamples').select('callId').execute());
    expect(new Set(rows.map((r) => r.callId)).size).toBe(rows.length);
  });

  it('marks a sample evaluated when its call is evaluated', async () => {
    const evaluationId = await submitEvaluation(null, calls.complaintA!, supervisorUser.id, { greet: { answer: 'yes' }, verify: { answer: 'yes' }, tone: { answer: 5 } }, 100);
    await withTenant(h.db, tenant.id, (tx) => markSampleEvaluated(tx, calls.complaintA!, evaluationId));
    const sample = (await supervisor.get(`${base()}/samples?week=${WEEK}`)).body.samples.find((s: { callId: string }) => s.callId === calls.complaintA);
    expect(sample).toMatchObject({ status: 'evaluated', evaluationId });
  });

  it('names a week by its Monday, and keeps operators and client members out', async () => {
    const tuesday = await supervisor.get(`${base()}/samples?week=2026-12-01`);
    expect(tuesday.status).toBe(400);
    expect(tuesday.body.errors).toEqual([expect.objectContaining({ path: 'week', code: 'quality.not_a_monday' })]);
    expect((await supervisor.post(`${base()}/samples/run`, { week: 'monday\u0000' })).status).toBe(400);
    expect((await supervisor.post(`${base()}/samples/run`, { week: WEEK, extra: '=cmd' })).status).toBe(400);
    expect((await operator.get(`${base()}/samples`)).status).toBe(403);
    expect((await operator.post(`${base()}/samples/run`, {})).status).toBe(403);
    expect((await clientMember.get(`${base()}/samples`)).status).toBe(403);
    expect((await clientMember.post(`${base()}/samples/run`, {})).status).toBe(403);
    // This week so far, by default (Thursday 3 December: the week of 30 November).
    expect((await supervisor.get(`${base()}/samples`)).body.week).toBe(WEEK);
  });
});

describe('calibration', () => {
  let calibrationId: string;

  it('only provider staff run sessions: a client admin and an operator get 403', async () => {
    const input = { callId: calls.plain1, formId, formVersion: 1, evaluatorIds: [supervisorUser.id, secondSupervisorUser.id] };
    expect((await clientAdmin.post(`${base()}/calibrations`, input)).status).toBe(403);
    expect((await clientAdmin.get(`${base()}/calibration-options`)).status).toBe(403);
    expect((await operator.post(`${base()}/calibrations`, input)).status).toBe(403);
    expect((await operator.get(`${base()}/calibrations`)).status).toBe(403);
    expect((await operator.get(`${base()}/calibration-options`)).status).toBe(403);
  });

  it('checks the call, the form version and every evaluator, naming each field', async () => {
    const before = await snapshotTenant(h.db, tenant.id);
    const res = await supervisor.post(`${base()}/calibrations`, { callId: newId(), formId: draftFormId, formVersion: 1, evaluatorIds: [supervisorUser.id, op2.id, otherClientUser.id] });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string; code: string }) => `${e.path} ${e.code}`)).toEqual([
      'callId no_such_call',
      'formVersion quality.form_not_published',
      'evaluatorIds.1 quality.not_an_evaluator',
      'evaluatorIds.2 quality.not_an_evaluator',
    ]);
    const one = await supervisor.post(`${base()}/calibrations`, { callId: calls.plain1, formId, formVersion: 1, evaluatorIds: [supervisorUser.id] });
    expect(one.status).toBe(400);
    expect(one.body.errors[0].path).toBe('evaluatorIds');
    expect(await snapshotTenant(h.db, tenant.id)).toEqual(before);
  });

  it('offers recent calls, published forms and who may evaluate', async () => {
    const res = await supervisor.get(`${base()}/calibration-options`);
    expect(res.status).toBe(200);
    expect(res.body.forms).toEqual([{ formId, name: 'Order taking', version: 1 }]);
    expect(res.body.evaluators.map((e: { id: string }) => e.id)).toEqual(expect.arrayContaining([supervisorUser.id, secondSupervisorUser.id, clientMemberUser.id]));
    expect(res.body.evaluators.map((e: { id: string }) => e.id)).not.toContain(op1.id);
    expect(res.body.calls.map((c: { id: string }) => c.id)).toContain(calls.plain1);
  });

  it('keeps answers blind while open: the page shows who submitted, never what', async () => {
    const created = await supervisor.post(`${base()}/calibrations`, { callId: calls.plain1, formId, formVersion: 1, evaluatorIds: [supervisorUser.id, secondSupervisorUser.id, clientMemberUser.id] });
    expect(created.status).toBe(201);
    calibrationId = created.body.id;
    expect(created.body).toMatchObject({ status: 'open', evaluators: 3, submitted: 0, spread: null });
    await submitEvaluation(calibrationId, calls.plain1!, supervisorUser.id, { greet: { answer: 'yes' }, verify: { answer: 'partial' }, tone: { answer: 5 } }, 83.33);
    await submitEvaluation(calibrationId, calls.plain1!, clientMemberUser.id, { greet: { answer: 'no' }, verify: { answer: 'partial' }, tone: { answer: 3 } }, 33.33);
    for (const who of [supervisor, providerAdmin, clientAdmin, clientMember]) {
      const res = await who.get(`${base()}/calibrations/${calibrationId}`);
      expect(res.status).toBe(200);
      expect(res.body.submitted).toBe(2);
      expect(res.body.spread).toBeNull();
      expect(res.body.evaluatorList.map((e: { id: string; submitted: boolean; score: number | null }) => [e.id, e.submitted, e.score])).toEqual([
        [supervisorUser.id, true, null],
        [secondSupervisorUser.id, false, null],
        [clientMemberUser.id, true, null],
      ]);
      expect(res.text).not.toMatch(/Secret remark|partial|83\.33/);
    }
    expect(await clientMember.get(`${base()}/calibrations/${calibrationId}`).then((r) => r.body.youEvaluate)).toBe(true);
    // The second supervisor starts their evaluation of the session through the evaluations route: it carries the
    // session and its form version, and they see nobody else's, even listing every evaluation of the call.
    const second = await logIn(app, secondSupervisorUser);
    const mine = await second.post(`${base()}/evaluations`, { callId: calls.plain1, formId, calibrationId });
    expect(mine.status).toBe(201);
    expect((await second.post(`${base()}/evaluations`, { callId: calls.plain1, formId, calibrationId })).body.id).toBe(mine.body.id);
    const stored = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('qualityEvaluations').select(['calibrationId', 'formVersion']).where('id', '=', mine.body.id).executeTakeFirstOrThrow());
    expect(stored).toEqual({ calibrationId, formVersion: 1 });
    const listed = await second.get(`${base()}/evaluations?callId=${calls.plain1}`);
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((e: { id: string }) => e.id)).toEqual([mine.body.id]);
    expect(listed.text).not.toMatch(/Secret remark|83\.33/);
    // Someone who is not one of the session's evaluators cannot join it; an operator cannot evaluate at all.
    const outsider = await providerAdmin.post(`${base()}/evaluations`, { callId: calls.plain1, formId, calibrationId });
    expect(outsider.status).toBe(400);
    expect(outsider.body.errors.map((e: { path: string }) => e.path)).toEqual(['calibrationId']);
    expect((await operator.post(`${base()}/evaluations`, { callId: calls.plain1, formId, calibrationId })).status).toBe(403);
    // A client member lists only the sessions they evaluate in; operators see none.
    expect((await clientMember.get(`${base()}/calibrations`)).body.calibrations.map((k: { id: string }) => k.id)).toEqual([calibrationId]);
    expect((await operator.get(`${base()}/calibrations/${calibrationId}`)).status).toBe(403);
    expect((await clientAdmin.post(`${base()}/calibrations/${calibrationId}/close`)).status).toBe(403);
  });

  it('closing shows the spread per question and overall, from the answers given', async () => {
    const closed = await supervisor.post(`${base()}/calibrations/${calibrationId}/close`);
    expect(closed.status).toBe(200);
    expect(closed.body.status).toBe('closed');
    const q = Object.fromEntries(closed.body.spread.questions.map((s: { questionId: string }) => [s.questionId, s]));
    expect(q.greet).toMatchObject({ text: 'Greets the caller by the company name', count: 2, min: 0, max: 1, stdDev: 0.5, agreementPercent: 50 });
    expect(q.verify).toMatchObject({ count: 2, min: 0.5, max: 0.5, stdDev: 0, agreementPercent: 100 });
    expect(q.tone).toMatchObject({ count: 2, min: 0.5, max: 1, stdDev: 0.25, agreementPercent: 50 });
    expect(closed.body.spread.overall).toEqual({ count: 2, min: 33.33, max: 83.33, mean: 58.33, stdDev: 25 });
    expect(closed.body.evaluatorList.map((e: { score: number | null }) => e.score)).toEqual([83.33, null, 33.33]);
    expect((await supervisor.post(`${base()}/calibrations/${calibrationId}/close`)).status).toBe(409);
    const audit = await h.db.selectFrom('auditLog').select('action').where('tenantId', '=', tenant.id).where('action', 'like', 'quality.calibration%').execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['quality.calibration_closed', 'quality.calibration_created']);
  });

  it("answers another company's session as one that does not exist", async () => {
    const foreign = await supervisor.get(`${base(other)}/calibrations/${calibrationId}`);
    expect(foreign.status).toBe(404);
    expect((await supervisor.post(`${base(other)}/calibrations/${calibrationId}/close`)).status).toBe(404);
    expect((await supervisor.get(`${base()}/calibrations/${newId()}`)).status).toBe(404);
  });
});
