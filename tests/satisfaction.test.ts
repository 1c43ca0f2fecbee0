import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonb, newId, withTenant, type Tenant } from '@switchboard/db';
import { dispatch, signTelephonyRequest } from '@switchboard/api';
import { createRequire } from 'node:module';
import { createClock, createHarness, logIn, MINUTE, openEventStream, seedClientUser, seedTenant, seedUser, type App, type Client, type Clock, type Harness } from './support/index.ts';
import { surveyedAs } from '../api/src/satisfaction/survey.ts';
import { addNumber, addWrapUpCode, alwaysOpen, incomingCall, seedRoutedOperator, setHours, telephony, TEST_TELEPHONY_SECRET, uniqueNumber } from './support/routing.ts';

/**
 * Issue 14, post-call satisfaction (CSAT): a tenant surveys a function; at the end of a handled call the
 * adapter learns the questions from the call's status and posts the digits back through the signed
 * boundary. Once per call; a caller who hangs up first is a survey not answered, never an error; bad
 * digits are a 400 naming the field and change nothing; calls not handled are not surveyed. The client
 * reads its own figures, aggregated correctly; the wallboard shows today's.
 */
let h: Harness;
let clock: Clock;
let app: App;

beforeAll(async () => {
  h = await createHarness();
  clock = createClock(new Date('2026-12-01T10:00:00Z'));
  app = h.buildApp({ clock });
});
afterAll(() => h?.close());

const SECOND = 1_000;

async function company(survey: Record<string, unknown> | null = { order_taking: { askSolved: true } }, locale = 'fr-FR') {
  const { tenant } = await seedTenant(h.db, { locale });
  await setHours(h.db, tenant, alwaysOpen);
  const number = uniqueNumber();
  await addNumber(h.db, tenant, number, 'order_taking');
  await addWrapUpCode(h.db, tenant, 'order_taken', clock.now());
  const admin = await logIn(app, await seedClientUser(h.db, tenant, 'client_admin'));
  if (survey) expect((await admin.put(`/api/t/${tenant.slug}/call-settings`, { satisfactionSurvey: survey })).status).toBe(200);
  const operator = await seedRoutedOperator(h.db, [[tenant, {}]]);
  const desk = await logIn(app, operator);
  return { tenant, number, admin, desk, operator };
}

type Company = Awaited<ReturnType<typeof company>>;

/** A call the company's operator accepted, then `by` hung up. */
async function handledCall(co: Company, by: 'caller' | 'operator' = 'operator') {
  expect((await co.desk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
  clock.advance(SECOND);
  const arrived = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(co.number));
  const id = arrived.body.id as string;
  await dispatch(h.db, clock.now());
  expect((await co.desk.post(`/api/t/${co.tenant.slug}/desk/calls/${id}/accept`)).status).toBe(200);
  clock.advance(30 * SECOND);
  if (by === 'operator') expect((await co.desk.post(`/api/t/${co.tenant.slug}/desk/calls/${id}/hangup`)).status).toBe(200);
  else expect((await telephony(app, clock, 'POST', `/api/telephony/calls/${id}/ended`, { by: 'caller' })).status).toBe(200);
  // The operator finishes the wrap-up so the next call can be offered to them.
  expect((await co.desk.post(`/api/t/${co.tenant.slug}/desk/calls/${id}/wrap-up`, { disposition: 'order_taken' })).status).toBe(200);
  return id;
}

const post = (id: string, body: unknown) => telephony(app, clock, 'POST', `/api/telephony/calls/${id}/satisfaction`, body);
const status = (id: string) => telephony(app, clock, 'GET', `/api/telephony/calls/${id}`);
const storedFor = (tenant: Tenant, id: string) => withTenant(h.db, tenant.id, (tx) => tx.selectFrom('callSatisfaction').selectAll().where('callId', '=', id).executeTakeFirst());

describe('the survey through the signed telephony boundary', () => {
  let co: Company;
  beforeAll(async () => {
    co = await company();
  });

  it('tells the adapter, at the end of a handled call, the questions in the company’s language; keeps the digits once, with the call and its operator', async () => {
    const id = await handledCall(co, 'operator');
    const before = await status(id);
    expect(before.status).toBe(200);
    expect(before.body.survey).toEqual({
      questions: [
        { id: 'satisfaction', prompt: expect.stringContaining('satisfait'), digits: ['1', '2', '3', '4', '5'] },
        { id: 'solved', prompt: expect.stringContaining('Tapez 1 pour oui'), digits: ['1', '2'] },
      ],
      answerBy: new Date(clock.now().getTime() + 10 * MINUTE).toISOString(),
    });

    const answered = await post(id, { satisfaction: '4', solved: '1' });
    expect(answered).toEqual({ status: 200, body: { recorded: true, outcome: 'answered', score: 4, solved: true } });
    expect(await storedFor(co.tenant, id)).toMatchObject({ function: 'order_taking', operatorId: co.operator.id, score: 4, solved: true, outcome: 'answered', askedSolved: true });
    // On the call's timeline, as the client reads it.
    const detail = await co.admin.get(`/api/t/${co.tenant.slug}/calls/${id}`);
    expect(detail.body.timeline.find((e: { kind: string }) => e.kind === 'satisfaction')).toMatchObject({ detail: { outcome: 'answered', score: 4, solved: true }, operatorName: expect.any(String) });
    // Asked once: the status no longer carries it, and a second report (other digits) changes nothing.
    expect((await status(id)).body.survey).toBeUndefined();
    expect(await post(id, { satisfaction: '1', solved: '2' })).toEqual({ status: 200, body: { recorded: false, outcome: 'answered', score: 4, solved: true } });
    expect(await storedFor(co.tenant, id)).toMatchObject({ score: 4, solved: true });
  });

  it('does not survey a call the caller hung up: they cannot hear the questions (409, nothing kept)', async () => {
    const id = await handledCall(co, 'caller');
    expect((await status(id)).body.survey).toBeUndefined();
    const res = await post(id, { satisfaction: '5', solved: '1' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('not_surveyed');
    expect(await storedFor(co.tenant, id)).toBeUndefined();
  });

  it('surveys a call the operator ended through the adapter, as one hung up on the desk', async () => {
    expect((await co.desk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
    clock.advance(SECOND);
    const id = (await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(co.number))).body.id as string;
    await dispatch(h.db, clock.now());
    expect((await co.desk.post(`/api/t/${co.tenant.slug}/desk/calls/${id}/accept`)).status).toBe(200);
    clock.advance(30 * SECOND);
    const ended = await telephony(app, clock, 'POST', `/api/telephony/calls/${id}/ended`, { by: 'operator' });
    expect(ended.body.survey?.questions).toHaveLength(2);
    expect((await co.desk.post(`/api/t/${co.tenant.slug}/desk/calls/${id}/wrap-up`, { disposition: 'order_taken' })).status).toBe(200);
    expect(await post(id, { satisfaction: '3', solved: '1' })).toMatchObject({ status: 200, body: { recorded: true, outcome: 'answered' } });
  });

  it('tells the company’s portal when a report arrives (the Satisfaction page refreshes)', async () => {
    const stream = await openEventStream(app, co.admin.token);
    try {
      expect((await stream.next()).event).toBe('ready');
      const id = await handledCall(co);
      expect((await post(id, { satisfaction: '5', solved: '1' })).body.recorded).toBe(true);
      const heard = await stream.until((e) => e.event === 'record');
      expect(heard.at(-1)).toEqual({ event: 'record', data: { tenant: co.tenant.slug, type: 'satisfaction', id } });
    } finally {
      await stream.close();
    }
  });

  it('records a caller who hangs up before answering as not answered, and one who stops after the first question as partial', async () => {
    const silent = await handledCall(co);
    expect(await post(silent, {})).toEqual({ status: 200, body: { recorded: true, outcome: 'not_answered', score: null, solved: null } });
    const halfway = await handledCall(co);
    expect(await post(halfway, { satisfaction: '2', solved: null })).toEqual({ status: 200, body: { recorded: true, outcome: 'partial', score: 2, solved: null } });
  });

  it.each([
    ['satisfaction', { satisfaction: '6' }],
    ['satisfaction', { satisfaction: '0' }],
    ['satisfaction', { satisfaction: 5 }],
    ['satisfaction', { satisfaction: '4\u0000' }],
    ['solved', { satisfaction: '4', solved: '3' }],
    ['extra', { satisfaction: '4', extra: '1' }],
  ])('refuses bad digits with a 400 naming %s, and keeps nothing', async (field, body) => {
    const id = await handledCall(co);
    const res = await post(id, body);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.errors.map((e: { path: string; message: string }) => `${e.path} ${e.message}`))).toContain(field);
    expect(await storedFor(co.tenant, id)).toBeUndefined();
    expect((await status(id)).body.survey).toBeDefined();
  });

  it('refuses a "solved" digit when the survey does not ask it', async () => {
    const scoreOnly = await company({ order_taking: { askSolved: false } }, 'en-GB');
    const id = await handledCall(scoreOnly);
    expect((await status(id)).body.survey.questions).toEqual([{ id: 'satisfaction', prompt: expect.stringContaining('How satisfied'), digits: ['1', '2', '3', '4', '5'] }]);
    const res = await post(id, { satisfaction: '5', solved: '1' });
    expect(res.status).toBe(400);
    expect(res.body.errors).toMatchObject([{ path: 'solved', code: 'satisfaction.solved_not_asked' }]);
    expect(await post(id, { satisfaction: '5' })).toMatchObject({ body: { recorded: true, outcome: 'answered', score: 5, solved: null } });
  });

  it('answers a resent report with the kept one (recorded: false), not a 400, even with a "solved" digit not asked', async () => {
    const scoreOnly = await company({ order_taking: { askSolved: false } }, 'en-GB');
    const id = await handledCall(scoreOnly);
    expect(await post(id, { satisfaction: '5' })).toMatchObject({ status: 200, body: { recorded: true } });
    expect(await post(id, { satisfaction: '5', solved: '1' })).toEqual({ status: 200, body: { recorded: false, outcome: 'answered', score: 5, solved: null } });
  });

  it('judges a report against what the caller was asked at hang-up, whatever the settings say since', async () => {
    const later = await company({ order_taking: { askSolved: true } });
    const settings = `/api/t/${later.tenant.slug}/call-settings`;
    const askedBoth = await handledCall(later);
    const turnedOff = await handledCall(later);
    // "Solved?" is no longer asked of new calls: the call already ended still asks it, and keeps the answer.
    expect((await later.admin.put(settings, { satisfactionSurvey: { order_taking: { askSolved: false } } })).status).toBe(200);
    expect((await status(askedBoth)).body.survey.questions.map((q: { id: string }) => q.id)).toEqual(['satisfaction', 'solved']);
    expect(await post(askedBoth, { satisfaction: '4', solved: '2' })).toEqual({ status: 200, body: { recorded: true, outcome: 'answered', score: 4, solved: false } });
    expect(await storedFor(later.tenant, askedBoth)).toMatchObject({ askedSolved: true, solved: false });
    // The survey is turned off: the caller already asked is still heard.
    expect((await later.admin.put(settings, { satisfactionSurvey: {} })).status).toBe(200);
    expect(await post(turnedOff, { satisfaction: '2', solved: '1' })).toEqual({ status: 200, body: { recorded: true, outcome: 'answered', score: 2, solved: true } });
    // A call ended while the survey was off is not surveyed when it is turned back on.
    const notAsked = await handledCall(later);
    expect((await later.admin.put(settings, { satisfactionSurvey: { order_taking: { askSolved: true } } })).status).toBe(200);
    expect((await status(notAsked)).body.survey).toBeUndefined();
    expect((await post(notAsked, { satisfaction: '5' })).status).toBe(409);
  });

  it('refuses a bad signature and a replayed one, and keeps nothing from them', async () => {
    const id = await handledCall(co);
    const path = `/api/telephony/calls/${id}/satisfaction`;
    const body = JSON.stringify({ satisfaction: '5', solved: '1' });
    const wrong = signTelephonyRequest('another-secret-of-at-least-thirty-two-chars', body, clock.now(), { method: 'POST', path });
    const forged = await app.request(path, { method: 'POST', headers: { ...wrong, 'content-type': 'application/json' }, body });
    expect(forged.status).toBe(401);
    expect(await storedFor(co.tenant, id)).toBeUndefined();

    const first = await post(id, { satisfaction: '3', solved: '2' });
    expect(first.body.recorded).toBe(true);
    // A signed request, then the very same one again: refused as a replay.
    clock.advance(SECOND);
    const bodyAgain = JSON.stringify({ satisfaction: '3', solved: '2' });
    const headers = signTelephonyRequest(TEST_TELEPHONY_SECRET, bodyAgain, clock.now(), { method: 'POST', path });
    const once = await app.request(path, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: bodyAgain });
    const twice = await app.request(path, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: bodyAgain });
    expect(once.status).toBe(200);
    expect(twice.status).toBe(401);
    expect((await twice.json()).code).toBe('replayed');
    expect(await storedFor(co.tenant, id)).toMatchObject({ score: 3, solved: false });
  });

  it('lets a report after the window change nothing', async () => {
    const id = await handledCall(co);
    clock.advance(10 * MINUTE);
    expect((await status(id)).body.survey).toBeUndefined();
    expect(await post(id, { satisfaction: '5', solved: '1' })).toEqual({ status: 200, body: { recorded: false, outcome: null, score: null, solved: null } });
    expect(await storedFor(co.tenant, id)).toBeUndefined();
  });
});

describe('the survey as a call setting', () => {
  it('is turned on per function by the client admin, and refused with the field named when it is not a survey', async () => {
    const co = await company(null);
    const path = `/api/t/${co.tenant.slug}/call-settings`;
    expect((await co.admin.get(path)).body.settings.satisfactionSurvey).toEqual({});
    for (const [body, field] of [
      [{ satisfactionSurvey: { order_taking: { askSolved: 'yes' } } }, 'satisfactionSurvey.order_taking.askSolved'],
      [{ satisfactionSurvey: { pizza: {} } }, 'satisfactionSurvey'],
      [{ satisfactionSurvey: ['order_taking'] }, 'satisfactionSurvey'],
      // An outbound call has no caller left on the line to ask.
      [{ satisfactionSurvey: { order_taking: {}, telesales: { askSolved: true } } }, 'satisfactionSurvey.telesales'],
      [{ satisfactionSurvey: { surveys: {} } }, 'satisfactionSurvey.surveys'],
    ] as const) {
      const res = await co.admin.put(path, body);
      expect(res.status).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    expect((await co.admin.get(path)).body.updatedAt).toBeNull();
    const saved = await co.admin.put(path, { satisfactionSurvey: { order_taking: {} } });
    expect(saved.body.settings.satisfactionSurvey).toEqual({ order_taking: { askSolved: false } });
    // An operator may read the settings, not change them.
    expect((await co.desk.put(path, { satisfactionSurvey: {} })).status).toBe(403);
  });
});

describe('only handled calls of surveyed functions', () => {
  it('does not survey an abandoned call (409, nothing kept)', async () => {
    const co = await company();
    const arrived = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(co.number));
    const id = arrived.body.id as string;
    clock.advance(5 * SECOND);
    expect((await telephony(app, clock, 'POST', `/api/telephony/calls/${id}/ended`, { by: 'caller' })).body.status).toBe('abandoned');
    expect((await status(id)).body.survey).toBeUndefined();
    const res = await post(id, { satisfaction: '5', solved: '1' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('not_surveyed');
    expect(await storedFor(co.tenant, id)).toBeUndefined();
  });

  it('does not survey a function the company has not turned it on for', async () => {
    const co = await company(null);
    const id = await handledCall(co);
    expect((await status(id)).body.survey).toBeUndefined();
    expect((await post(id, { satisfaction: '5' })).status).toBe(409);
  });

  it('does not survey a call the system closed (no sign of life)', async () => {
    const co = await company();
    expect((await co.desk.put('/api/desk/state', { state: 'available' })).status).toBe(200);
    clock.advance(SECOND);
    const id = (await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(co.number))).body.id as string;
    await dispatch(h.db, clock.now());
    expect((await co.desk.post(`/api/t/${co.tenant.slug}/desk/calls/${id}/accept`)).status).toBe(200);
    await withTenant(h.db, co.tenant.id, (tx) =>
      tx.updateTable('calls').set({ status: 'wrap_up', endedAt: clock.now(), endedBy: 'system', closedReason: 'no_sign_of_life' }).where('id', '=', id).execute(),
    );
    expect((await status(id)).body.survey).toBeUndefined();
    expect((await post(id, {})).status).toBe(409);
  });

  it('never surveys an outbound function, even where a stored setting names one', () => {
    const call = { status: 'wrap_up', answeredAt: clock.now(), endedAt: clock.now(), endedBy: 'operator' as const, closedReason: null };
    const settings = { satisfactionSurvey: { telesales: { askSolved: true }, order_taking: { askSolved: true } } };
    expect(surveyedAs({ ...call, function: 'telesales' }, settings)).toBeNull();
    expect(surveyedAs({ ...call, function: 'order_taking' }, settings)).toEqual({ askSolved: true });
    expect(surveyedAs({ ...call, function: 'order_taking', endedBy: 'caller' }, settings)).toBeNull();
  });

  it('answers 404 for a call that does not exist', async () => {
    expect((await post(newId(), { satisfaction: '5' })).status).toBe(404);
  });
});

/** A known data set, written as the boundary would, in one company. */
async function seedScores(tenant: Tenant, rows: { fn: string; operatorId: string | null; score: number | null; solved: boolean | null; at: Date; reportedAt?: Date }[]) {
  await withTenant(h.db, tenant.id, async (tx) => {
    for (const r of rows) {
      const id = newId();
      await tx
        .insertInto('calls')
        .values({ tenantId: tenant.id, id, externalId: `seed-${id}`, function: r.fn, dialledNumber: '+33100000000', callerNumber: '+33612345678', status: 'completed', afterHoursAction: null, operatorId: r.operatorId, offeredAt: r.at, answeredAt: r.at, endedAt: r.at, endedBy: 'operator' })
        .execute();
      const outcome = r.score === null && r.solved === null ? 'not_answered' : r.score !== null && r.solved !== null ? 'answered' : 'partial';
      await tx.insertInto('callSatisfaction').values({ tenantId: tenant.id, callId: id, function: r.fn, operatorId: r.operatorId, askedSolved: true, score: r.score, solved: r.solved, outcome, callEndedAt: r.at, recordedAt: r.reportedAt ?? r.at }).execute();
      await tx.insertInto('callEvents').values({ tenantId: tenant.id, id: newId(), callId: id, at: r.at, kind: 'satisfaction', operatorId: r.operatorId, detail: jsonb({ outcome, score: r.score, solved: r.solved }) }).execute();
    }
  });
}

describe("the client's figures", () => {
  it('aggregates a known data set: average, distribution, solved share, per function and operator, by period; its own company only', async () => {
    const { tenant } = await seedTenant(h.db);
    const { tenant: other } = await seedTenant(h.db);
    const alice = await seedUser(h.db, { kind: 'operator', displayName: 'Alice Martin' });
    const bruno = await seedUser(h.db, { kind: 'operator', displayName: 'Bruno Petit' });
    const day = new Date('2026-11-10T12:00:00Z');
    const earlier = new Date('2026-10-01T12:00:00Z');
    await seedScores(tenant, [
      { fn: 'order_taking', operatorId: alice.id, score: 5, solved: true, at: day },
      { fn: 'order_taking', operatorId: alice.id, score: 4, solved: true, at: day },
      { fn: 'order_taking', operatorId: bruno.id, score: 2, solved: false, at: day },
      { fn: 'order_taking', operatorId: bruno.id, score: null, solved: null, at: day },
      { fn: 'information', operatorId: alice.id, score: 5, solved: null, at: day },
      { fn: 'information', operatorId: bruno.id, score: 1, solved: false, at: earlier },
    ]);
    await seedScores(other, [{ fn: 'order_taking', operatorId: bruno.id, score: 1, solved: false, at: day }]);
    const client = await logIn(app, await seedClientUser(h.db, tenant, 'client_member'));

    const all = await client.get(`/api/t/${tenant.slug}/satisfaction`);
    expect(all.status).toBe(200);
    expect(all.body.overall).toEqual({
      surveys: 6,
      scored: 5,
      notAnswered: 1,
      average: 3.4,
      distribution: [1, 1, 0, 1, 2],
      solvedAnswered: 4,
      solvedYes: 2,
      solvedShare: 50,
      satisfiedShare: 60,
    });

    const november = await client.get(`/api/t/${tenant.slug}/satisfaction?from=2026-11-01&to=2026-11-30`);
    expect(november.body.overall).toMatchObject({ surveys: 5, scored: 4, average: 4, distribution: [0, 1, 0, 1, 2], solvedAnswered: 3, solvedYes: 2, solvedShare: 66.7, satisfiedShare: 75 });
    expect(november.body.byFunction).toEqual([
      expect.objectContaining({ function: 'information', surveys: 1, average: 5, distribution: [0, 0, 0, 0, 1] }),
      expect.objectContaining({ function: 'order_taking', surveys: 4, scored: 3, notAnswered: 1, average: 3.67, distribution: [0, 1, 0, 1, 1], solvedShare: 66.7 }),
    ]);
    expect(november.body.byOperator).toEqual([
      expect.objectContaining({ operatorId: alice.id, operatorName: 'Alice Martin', surveys: 3, average: 4.67, solvedShare: 100 }),
      expect.objectContaining({ operatorId: bruno.id, operatorName: 'Bruno Petit', surveys: 2, scored: 1, average: 2, solvedShare: 0 }),
    ]);
    // The operator filter narrows every figure; the list of operators to pick from stays whole.
    const alices = await client.get(`/api/t/${tenant.slug}/satisfaction?operator=${alice.id}`);
    expect(alices.body.overall).toMatchObject({ surveys: 3, scored: 3, average: 4.67 });
    expect(alices.body.byOperator.map((o: { operatorId: string }) => o.operatorId)).toEqual([alice.id]);
    expect(alices.body.operators).toEqual([
      { id: alice.id, name: 'Alice Martin' },
      { id: bruno.id, name: 'Bruno Petit' },
    ]);
    const orders = await client.get(`/api/t/${tenant.slug}/satisfaction?function=order_taking&from=2026-11-10&to=2026-11-10`);
    expect(orders.body.overall).toMatchObject({ surveys: 4, average: 3.67 });
    expect(orders.body.byFunction.map((f: { function: string }) => f.function)).toEqual(['order_taking']);

    // The other company's figures are its own, and its slug answers this client 404.
    expect((await client.get(`/api/t/${other.slug}/satisfaction`)).status).toBe(404);
    const otherClient = await logIn(app, await seedClientUser(h.db, other, 'client_admin'));
    expect((await otherClient.get(`/api/t/${other.slug}/satisfaction`)).body.overall).toMatchObject({ surveys: 1, average: 1 });

    expect((await client.get(`/api/t/${tenant.slug}/satisfaction?from=yesterday`)).status).toBe(400);
    expect((await client.get(`/api/t/${tenant.slug}/satisfaction?function=nope`)).body.errors).toMatchObject([{ path: 'function' }]);
  });

  it("counts a survey in the period its call ended in, in the company's time zone, not when it was reported", async () => {
    const { tenant } = await seedTenant(h.db);
    // 23:50 in Paris on 10 November; the adapter reported at 00:20 on the 11th.
    await seedScores(tenant, [{ fn: 'order_taking', operatorId: null, score: 5, solved: true, at: new Date('2026-11-10T22:50:00Z'), reportedAt: new Date('2026-11-10T23:20:00Z') }]);
    const client = await logIn(app, await seedClientUser(h.db, tenant, 'client_admin'));
    expect((await client.get(`/api/t/${tenant.slug}/satisfaction?from=2026-11-10&to=2026-11-10`)).body.overall).toMatchObject({ surveys: 1, average: 5 });
    expect((await client.get(`/api/t/${tenant.slug}/satisfaction?from=2026-11-11&to=2026-11-11`)).body.overall).toMatchObject({ surveys: 0, average: null });
  });

  it('answers empty figures before any survey', async () => {
    const { tenant } = await seedTenant(h.db);
    const client = await logIn(app, await seedClientUser(h.db, tenant, 'client_admin'));
    const res = await client.get(`/api/t/${tenant.slug}/satisfaction`);
    expect(res.body).toEqual({
      overall: { surveys: 0, scored: 0, notAnswered: 0, average: null, distribution: [0, 0, 0, 0, 0], solvedAnswered: 0, solvedYes: 0, solvedShare: null, satisfiedShare: null },
      byFunction: [],
      byOperator: [],
      operators: [],
    });
  });

  it("shows today's figure per company on the provider's wallboard", async () => {
    const { tenant } = await seedTenant(h.db);
    const today = clock.now();
    await seedScores(tenant, [
      { fn: 'order_taking', operatorId: null, score: 5, solved: true, at: today },
      { fn: 'order_taking', operatorId: null, score: 3, solved: true, at: today },
      { fn: 'order_taking', operatorId: null, score: null, solved: null, at: today },
      { fn: 'order_taking', operatorId: null, score: 1, solved: false, at: new Date(today.getTime() - 2 * 24 * 60 * MINUTE) },
      // A call that ended two days ago, reported today: not today's.
      { fn: 'order_taking', operatorId: null, score: 1, solved: false, at: new Date(today.getTime() - 2 * 24 * 60 * MINUTE), reportedAt: today },
    ]);
    const supervisor = await logIn(app, await seedUser(h.db, { kind: 'supervisor' }));
    const board = await supervisor.get('/api/wallboard');
    expect(board.status).toBe(200);
    expect(board.body.tenants.find((t: { slug: string }) => t.slug === tenant.slug).satisfactionToday).toEqual({ scored: 2, average: 4, satisfiedShare: 50 });
  });
});

// exceljs is the API's dependency: the workbook is read back with the library that wrote it.
const ExcelJS = createRequire(import.meta.resolve('@switchboard/api'))('exceljs') as {
  Workbook: new () => { xlsx: { load(data: ArrayBuffer): Promise<unknown> }; worksheets: { name: string; rowCount: number; getRow(n: number): { values: unknown[]; getCell(c: number): { value: unknown; type: number; formula?: string } } }[] };
};

describe('the satisfaction export', () => {
  let tenant: Tenant;
  let other: Tenant;
  let admin: Client;
  let alice: { id: string };
  let hostile: { id: string };
  const day = new Date('2026-11-10T12:00:00Z');
  const later = new Date('2026-11-12T08:30:00Z');
  const earlier = new Date('2026-10-01T12:00:00Z');

  /** The raw download (the test client decodes text, which would drop the BOM). */
  async function download(client: Client, path: string) {
    const res = await app.request(path, { headers: { cookie: `sb_session=${client.token}` } });
    return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()), text: '' };
  }
  const linesOf = (bytes: Uint8Array) => new TextDecoder().decode(bytes).replace(/^\uFEFF/, '').trim().split('\r\n');
  const url = (query = '') => `/api/t/${tenant.slug}/satisfaction.csv${query}`;
  const callIdOf = async (t: Tenant, at: Date) =>
    withTenant(h.db, t.id, (tx) => tx.selectFrom('callSatisfaction').select('callId').where('callEndedAt', '=', at).execute());

  beforeAll(async () => {
    ({ tenant } = await seedTenant(h.db, { timeZone: 'Europe/Paris' }));
    ({ tenant: other } = await seedTenant(h.db));
    alice = await seedUser(h.db, { kind: 'operator', displayName: 'Alice Martin' });
    // A display name is whatever was typed when the account was made: it leaves as text, never a formula.
    hostile = await seedUser(h.db, { kind: 'operator', displayName: '=1+1;=cmd|calc!A0' });
    await seedScores(tenant, [
      { fn: 'order_taking', operatorId: alice.id, score: 5, solved: true, at: day },
      { fn: 'information', operatorId: hostile.id, score: 2, solved: false, at: later },
      { fn: 'order_taking', operatorId: hostile.id, score: null, solved: null, at: earlier },
    ]);
    await seedScores(other, [{ fn: 'order_taking', operatorId: alice.id, score: 1, solved: false, at: day }]);
    admin = await logIn(app, await seedClientUser(h.db, tenant, 'client_admin'));
  });

  it('writes one row per surveyed call, newest first: reference, end in the company’s zone, function, operator, score, solved, not answered', async () => {
    const res = await download(admin, url('?lang=en'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toMatch(new RegExp(`filename="${tenant.slug}-satisfaction-\\d{4}-\\d{2}-\\d{2}\\.csv"`));
    expect([...res.bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [laterId] = await callIdOf(tenant, later);
    const [dayId] = await callIdOf(tenant, day);
    const [earlierId] = await callIdOf(tenant, earlier);
    expect(linesOf(res.bytes)).toEqual([
      'Call reference,Ended at (Europe/Paris),Function,Operator,Score (1–5),Problem solved,Not answered',
      // The name began a formula: it leaves with an apostrophe, and so does the piece after its `;`.
      `${laterId!.callId},2026-11-12 09:30:00,Information & advice,"'=1+1;'=cmd|calc!A0",2,no,no`,
      `${dayId!.callId},2026-11-10 13:00:00,Order taking,Alice Martin,5,yes,no`,
      `${earlierId!.callId},2026-10-01 14:00:00,Order taking,"'=1+1;'=cmd|calc!A0",,,yes`,
    ]);
    // Another company's survey (same operator, same day) never appears.
    expect(new TextDecoder().decode(res.bytes).match(/\r\n/g)).toHaveLength(4);
  });

  it('narrows by the page’s filters: period (the company’s days), function, operator', async () => {
    const november = linesOf((await download(admin, url('?lang=en&from=2026-11-01&to=2026-11-30'))).bytes);
    expect(november).toHaveLength(3);
    const orders = linesOf((await download(admin, url('?lang=en&function=order_taking'))).bytes);
    expect(orders.slice(1).every((l) => l.includes('Order taking'))).toBe(true);
    expect(orders).toHaveLength(3);
    const alices = linesOf((await download(admin, url(`?lang=en&operator=${alice.id}`))).bytes);
    expect(alices).toHaveLength(2);
    expect(alices[1]).toContain('Alice Martin');
    const french = linesOf((await download(admin, url(`?lang=fr&operator=${alice.id}`))).bytes);
    expect(french[0]).toBe('Référence de l’appel;Terminé le (Europe/Paris);Activité;Conseiller;Note (1–5);Problème résolu;Sans réponse');
    expect(french[1]).toMatch(/;5;oui;non$/);
  });

  it('writes an XLSX whose scores are numbers, times dates and names text (never a formula)', async () => {
    const res = await download(admin, url('?lang=en&format=xlsx'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('spreadsheetml');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(res.bytes.buffer.slice(res.bytes.byteOffset, res.bytes.byteOffset + res.bytes.byteLength) as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    expect(sheet.name).toBe('Satisfaction');
    expect(sheet.rowCount).toBe(4);
    const first = sheet.getRow(2);
    expect(first.getCell(2).value).toEqual(new Date('2026-11-12T09:30:00Z'));
    expect(first.getCell(4).value).toBe('=1+1;=cmd|calc!A0');
    expect(first.getCell(4).type).toBe(3); // a string cell
    expect(first.getCell(4).formula).toBeUndefined();
    expect(first.getCell(5).value).toBe(2);
  });

  it('is refused to an operator (403) and to another company (404); the other company’s own export holds only its call', async () => {
    const co = await company(null);
    expect((await co.desk.get(`/api/t/${co.tenant.slug}/satisfaction.csv`)).status).toBe(403);
    expect((await co.desk.get(`/api/t/${co.tenant.slug}/satisfaction`)).status).toBe(403);
    const otherAdmin = await logIn(app, await seedClientUser(h.db, other, 'client_admin'));
    expect((await download(otherAdmin, url())).status).toBe(404);
    const theirs = linesOf((await download(otherAdmin, `/api/t/${other.slug}/satisfaction.csv?lang=en`)).bytes);
    expect(theirs).toHaveLength(2);
    const [ours] = await callIdOf(tenant, day);
    expect(theirs.join('\n')).not.toContain(ours!.callId);
    const member = await logIn(app, await seedClientUser(h.db, tenant, 'client_member'));
    expect((await download(member, url())).status).toBe(200);
  });

  it.each([
    ['from', '?from=yesterday'],
    ['to', '?to=2026-13-45x'],
    ['function', '?function=%3Dcmd'],
    ['operator', '?operator=not-a-uuid'],
    ['operator', '?operator=%00'],
    ['format', '?format=pdf'],
    ['lang', '?lang=xx'],
  ])('refuses a hostile %s with a 400 naming it', async (field, query) => {
    const res = await admin.get(url(query));
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
  });
});
