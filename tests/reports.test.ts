import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { jsonb, newId, withApp, withTenant, type Tenant } from '@switchboard/db';
import { actorFor, createClock, createHarness, logIn, seedClientUser, seedOperator, seedTenant, seedUser, type App, type Client, type Clock, type Harness, type TestUser } from './support/index.ts';

/**
 * Issue 16, the reports: every figure is read from the interval statistics (here inserted by hand, so the
 * sums are known and each KPI's answer is worked out below), against the contract in force, for the caller's
 * own company only; a client sees operators as its contract names them and never their occupancy; an
 * operator sees no report; hostile periods are a 400 naming the field; the exports go through the formula guard.
 */
let h: Harness;
let clock: Clock;
let app: App;
let a: Tenant;
let b: Tenant;
let provider: Client;
let clientA: Client;
let memberA: Client;
let operatorClient: Client;
let alice: TestUser;
let bob: TestUser;

// exceljs is the API's dependency: read the workbook back with it.
const ExcelJS = createRequire(import.meta.resolve('@switchboard/api'))('exceljs') as {
  Workbook: new () => { xlsx: { load(data: ArrayBuffer): Promise<unknown> }; worksheets: { getRow(n: number): { values: unknown[] } }[] };
};

const q = (quarter: string) => new Date(quarter);

async function intervals(tenant: Tenant, rows: Record<string, unknown>[]) {
  await withTenant(h.db, tenant.id, (tx) => tx.insertInto('queueIntervals').values(rows.map((r) => ({ tenantId: tenant.id, function: 'order_taking', ...r })) as never).execute());
}

async function call(tenant: Tenant, operatorId: string, offeredAt: Date): Promise<string> {
  const id = newId();
  await withTenant(h.db, tenant.id, (tx) =>
    tx
      .insertInto('calls')
      .values({ tenantId: tenant.id, id, externalId: `report-${id}`, function: 'order_taking', dialledNumber: '+33100000000', callerNumber: '+33612345678', status: 'completed', afterHoursAction: null, operatorId, offeredAt, answeredAt: offeredAt, endedAt: offeredAt })
      .execute(),
  );
  return id;
}

beforeAll(async () => {
  h = await createHarness();
  clock = createClock(new Date('2026-11-20T10:00:00Z'));
  app = h.buildApp({ clock });
  const admin = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant: a } = await seedTenant(h.db, { actor: actorFor(admin), timeZone: 'Europe/Paris' }));
  ({ tenant: b } = await seedTenant(h.db, { actor: actorFor(admin), timeZone: 'Europe/Paris' }));
  alice = await seedOperator(h.db, [a, b], { displayName: "=cmd|' /C calc'!A0 Alice Martin" });
  bob = await seedOperator(h.db, [a], { displayName: 'Bob Durand' });
  provider = await logIn(app, admin);
  clientA = await logIn(app, await seedClientUser(h.db, a, 'client_admin'));
  memberA = await logIn(app, await seedClientUser(h.db, a, 'client_member'));
  operatorClient = await logIn(app, alice);

  const now = clock.now();
  await withTenant(h.db, a.id, (tx) =>
    tx
      .insertInto('serviceContracts')
      .values({
        tenantId: a.id,
        id: newId(),
        function: null,
        effectiveFrom: '2026-01-01',
        serviceLevelPercent: 80,
        serviceLevelSeconds: 20,
        maxAbandonPercent: 5,
        asaSeconds: 30,
        ahtSeconds: 240,
        fcrPercent: 80,
        complaintsOnTimePercent: 90,
        qualityMinScore: 85,
        clientOperatorNames: 'pseudonym',
        createdAt: now,
        updatedAt: now,
        updatedBy: 'test',
      })
      .execute(),
  );
  // 3 November (Paris = UTC+1): two quarter hours of order taking.
  await intervals(a, [
    { intervalStart: q('2026-11-03T08:00:00Z'), offered: 10, answered: 8, answeredInTarget: 6, abandoned: 2, abandonedShort: 1, answerWaitSeconds: 160, handled: 8, talkSeconds: 1600, holdSeconds: 80, wrapSeconds: 240, fcrBase: 8, fcrRepeated: 2, maxWaitSeconds: 50 },
    { intervalStart: q('2026-11-03T08:15:00Z'), offered: 10, answered: 10, answeredInTarget: 10, answerWaitSeconds: 50, handled: 10, talkSeconds: 2000, wrapSeconds: 200, fcrBase: 10 },
    // 23:45 on the 4th in Paris, and 00:00 on the 5th: the company's calendar decides the day.
    { intervalStart: q('2026-11-04T22:45:00Z'), offered: 4, answered: 4, answeredInTarget: 4, handled: 4, talkSeconds: 400 },
    { intervalStart: q('2026-11-04T23:00:00Z'), offered: 3, answered: 3, answeredInTarget: 1, handled: 3, talkSeconds: 300, answerWaitSeconds: 90 },
  ]);
  await intervals(a, [{ function: 'complaints', intervalStart: q('2026-11-05T09:00:00Z'), offered: 5, answered: 5, answeredInTarget: 5, handled: 5, talkSeconds: 1500 }]);
  // B's figures, which A must never see.
  await intervals(b, [{ intervalStart: q('2026-11-03T08:00:00Z'), offered: 999, answered: 999, answeredInTarget: 1, handled: 999, talkSeconds: 99_900 }]);
  await withTenant(h.db, a.id, (tx) =>
    tx
      .insertInto('operatorIntervals')
      .values([
        { tenantId: a.id, operatorId: alice.id, function: 'order_taking', intervalStart: q('2026-11-03T08:15:00Z'), handled: 10, talkSeconds: 2000, wrapSeconds: 500 },
        { tenantId: a.id, operatorId: bob.id, function: 'order_taking', intervalStart: q('2026-11-03T08:00:00Z'), handled: 8, talkSeconds: 1600, holdSeconds: 80, wrapSeconds: 240, transfers: 1 },
      ])
      .execute(),
  );
  await withTenant(h.db, b.id, (tx) =>
    tx.insertInto('operatorIntervals').values({ tenantId: b.id, operatorId: alice.id, function: 'order_taking', intervalStart: q('2026-11-03T08:00:00Z'), handled: 777, talkSeconds: 9000 }).execute(),
  );
  // Alice's day (global, every client): 10 min available, 30 on calls, 10 wrapping up, 10 on a break.
  await withApp(h.db, (tx) =>
    tx
      .insertInto('operatorStateIntervals')
      .values([
        { operatorId: alice.id, intervalStart: q('2026-11-03T08:00:00Z'), state: 'available', seconds: 600 },
        { operatorId: alice.id, intervalStart: q('2026-11-03T08:00:00Z'), state: 'on_call', seconds: 300 },
        { operatorId: alice.id, intervalStart: q('2026-11-03T08:15:00Z'), state: 'on_call', seconds: 900 },
        { operatorId: alice.id, intervalStart: q('2026-11-03T08:30:00Z'), state: 'on_call', seconds: 600 },
        { operatorId: alice.id, intervalStart: q('2026-11-03T08:30:00Z'), state: 'wrap_up', seconds: 300 },
        { operatorId: alice.id, intervalStart: q('2026-11-03T08:45:00Z'), state: 'wrap_up', seconds: 300 },
        { operatorId: alice.id, intervalStart: q('2026-11-03T08:45:00Z'), state: 'break', breakReason: 'lunch', seconds: 600 },
      ])
      .execute(),
  );
  // Quality: Alice scored 80 and 90 (submitted by two evaluators); Bob's earlier 20 of the same call was replaced by
  // his 80 (an evaluator's latest counts), and a draft and a calibration's scores do not count.
  const aliceCall = await call(a, alice.id, q('2026-11-03T08:20:00Z'));
  const bobCall = await call(a, bob.id, q('2026-11-03T08:05:00Z'));
  await withTenant(h.db, a.id, async (tx) => {
    const formId = newId();
    await tx.insertInto('qualityForms').values({ tenantId: a.id, id: formId, name: 'Form', createdAt: now, updatedAt: now, updatedBy: 't' }).execute();
    await tx
      .insertInto('qualityFormVersions')
      .values({ tenantId: a.id, formId, version: 1, definition: jsonb({ sections: [] }), status: 'published', createdAt: now, createdBy: 't' })
      .execute();
    const calibrationId = newId();
    await tx.insertInto('qualityCalibrations').values({ tenantId: a.id, id: calibrationId, callId: aliceCall, formId, formVersion: 1, evaluatorIds: [bob.id], createdAt: now, createdBy: 't' }).execute();
    const evaluation = (score: number, status: 'draft' | 'submitted', calibration: string | null = null, evaluatorId = bob.id, submittedAt = '2026-11-04T10:00:00Z') => ({
      tenantId: a.id,
      id: newId(),
      callId: aliceCall,
      operatorId: alice.id,
      evaluatorId,
      evaluatorLabel: 'Eve',
      formId,
      formVersion: 1,
      calibrationId: calibration,
      status,
      score,
      submittedAt: status === 'submitted' ? q(submittedAt) : null,
      createdAt: now,
      updatedAt: now,
    });
    await tx
      .insertInto('qualityEvaluations')
      .values([
        evaluation(20, 'submitted', null, bob.id, '2026-11-04T09:00:00Z'),
        evaluation(80, 'submitted'),
        evaluation(90, 'submitted', null, alice.id),
        evaluation(10, 'draft'),
        evaluation(0, 'submitted', calibrationId),
      ])
      .execute();
    // A complaint captured on Bob's call, due on the 8th and never resolved; another (no call) due on the 6th, resolved on the 5th.
    const complaint = (id: string, number: number, callId: string | null, dueAt: Date) => ({
      tenantId: a.id,
      id,
      number,
      callId,
      category: 'Late',
      severity: 'medium' as const,
      description: 'Late',
      dueAt,
      createdAt: q('2026-11-03T09:00:00Z'),
      updatedAt: q('2026-11-03T09:00:00Z'),
    });
    const resolvedId = newId();
    await tx.insertInto('complaints').values([complaint(newId(), 1, bobCall, q('2026-11-08T09:00:00Z')), complaint(resolvedId, 2, null, q('2026-11-06T09:00:00Z'))]).execute();
    await tx
      .insertInto('auditLog')
      .values({ tenantId: a.id, id: newId(), at: q('2026-11-05T09:00:00Z'), actorId: null, actorLabel: 't', action: 'complaint.status_changed', targetType: 'complaint', targetId: resolvedId, before: jsonb({ status: 'open' }), after: jsonb({ status: 'resolved' }) })
      .execute();
  });
});
afterAll(() => h?.close());

const period = 'from=2026-11-01&to=2026-11-30';

describe('the service level report', () => {
  it('works out each KPI per day from the interval sums, against the contract, on the company’s calendar', async () => {
    const res = await clientA.get(`/api/t/${a.slug}/reports/service-level?${period}`);
    expect(res.status).toBe(200);
    const days = res.body.rows as { at: string; offered: number; kpis: Record<string, { value: number | null; target: number | null; status: string }> }[];
    expect(days.map((d) => [d.at, d.offered])).toEqual([
      ['2026-11-03', 20],
      ['2026-11-04', 4],
      ['2026-11-05', 8],
    ]);
    const third = days[0]!.kpis;
    // 16 answered in 20 s of 18 answered + (2 abandoned − 1 short) = 84.2 %, two points clear of 80: on target.
    expect(third.serviceLevel).toEqual({ value: 84.2, target: 80, status: 'on_target' });
    // 210 s of waiting over 18 answers; (1600 + 80 + 240 + 2000 + 200) / 18 handled.
    expect(third.asa).toEqual({ value: 12, target: 30, status: 'on_target' });
    expect(third.aht).toEqual({ value: 229, target: 240, status: 'at_risk' });
    // (2 − 1) / (20 − 1) = 5.3 % over a 5 % maximum.
    expect(third.abandonRate).toEqual({ value: 5.3, target: 5, status: 'missed' });
    expect(third.fcr).toEqual({ value: 88.9, target: 80, status: 'on_target' });
    // The total: 5 Nov. mixes order taking (1 of 3 in target) and complaints (5 of 5).
    expect(res.body.total.offered).toBe(32);
    expect(res.body.total.kpis.serviceLevel.value).toBe(Math.round((26 / 31) * 1000) / 10);
    expect(res.body.contract).toMatchObject({ inForce: true, serviceLevelPercent: 80 });
    expect(res.text).not.toContain('999');
  });

  it('gives a row per quarter hour in the interval view', async () => {
    const res = await provider.get(`/api/t/${a.slug}/reports/service-level?from=2026-11-03&to=2026-11-03&by=interval`);
    expect(res.status).toBe(200);
    expect(res.body.rows.map((r: { at: string; kpis: { serviceLevel: { value: number } } }) => [r.at, r.kpis.serviceLevel.value])).toEqual([
      ['2026-11-03T08:00:00.000Z', 66.7],
      ['2026-11-03T08:15:00.000Z', 100],
    ]);
  });

  it('has no data and no target for a company without a contract or calls', async () => {
    const res = await provider.get(`/api/t/${b.slug}/reports/service-level?from=2026-10-01&to=2026-10-31`);
    expect(res.status).toBe(200);
    expect(res.body.rows).toEqual([]);
    expect(res.body.total.kpis.serviceLevel).toEqual({ value: null, target: null, status: 'no_data' });
    expect(res.body.contract.inForce).toBe(false);
  });
});

describe('volumes and operators', () => {
  it('counts calls per function, each against its contract', async () => {
    const res = await memberA.get(`/api/t/${a.slug}/reports/volumes?${period}`);
    expect(res.status).toBe(200);
    const byFunction = Object.fromEntries(res.body.functions.map((f: { function: string; offered: number; handled: number }) => [f.function, [f.offered, f.handled]]));
    expect(byFunction).toEqual({ complaints: [5, 5], order_taking: [27, 25] });
  });

  it('names operators as the contract lets the client see them, with quality and complaints, and never their occupancy', async () => {
    const res = await clientA.get(`/api/t/${a.slug}/reports/operators?${period}`);
    expect(res.status).toBe(200);
    expect(res.body.names).toBe('pseudonym');
    expect(res.body.occupancy).toBe(false);
    const rows = res.body.operators as Record<string, unknown>[];
    // Ranked by account age: Alice's account is older than Bob's.
    expect(rows.map((r) => [r.name, r.operatorId, r.handled, r.aht, r.qualityScore, r.complaints])).toEqual([
      ['Operator 1', null, 10, 250, 85, 0],
      ['Operator 2', null, 8, 240, null, 1],
    ]);
    for (const row of rows) expect(Object.keys(row)).not.toEqual(expect.arrayContaining(['occupancy']));
    expect(res.text).not.toContain('Alice');
    expect(res.text).not.toContain('Durand');
    expect(res.text).not.toContain(alice.id);
    // B's 777 calls of Alice's stay in B.
    expect(res.text).not.toContain('777');
  });

  it('shows provider staff the full names and the occupancy of the operator’s whole day', async () => {
    const res = await provider.get(`/api/t/${a.slug}/reports/operators?${period}`);
    expect(res.status).toBe(200);
    const alices = res.body.operators.find((r: { operatorId: string }) => r.operatorId === alice.id);
    expect(alices.name).toBe(alice.displayName);
    // Busy 2400 s of 3000 s available for calls (80 %), of 3600 s logged in (66.7 %).
    expect([alices.occupancy, alices.utilisation]).toEqual([80, 66.7]);
  });

  it('first names only, when the contract says so', async () => {
    await withTenant(h.db, a.id, (tx) => tx.updateTable('serviceContracts').set({ clientOperatorNames: 'first_name' }).execute());
    const res = await clientA.get(`/api/t/${a.slug}/reports/operators?${period}`);
    expect(res.body.operators.map((r: { name: string }) => r.name)).toEqual(['=cmd|\'', 'Bob']);
    await withTenant(h.db, a.id, (tx) => tx.updateTable('serviceContracts').set({ clientOperatorNames: 'pseudonym' }).execute());
  });
});

describe('the overview and the comparison', () => {
  it('puts this month against the contract, today’s volumes and 30 days of trend', async () => {
    const res = await clientA.get(`/api/t/${a.slug}/reports/overview`);
    expect(res.status).toBe(200);
    expect(res.body.month.month).toBe('2026-11');
    expect(res.body.month.kpis.serviceLevel.target).toBe(80);
    // Alice's 80 and 90: 85 against a minimum of 85, on the edge.
    expect(res.body.month.kpis.quality).toEqual({ value: 85, target: 85, status: 'at_risk' });
    // Of two complaints due (both dates passed), one resolved before its date.
    expect(res.body.month.kpis.complaintsOnTime).toEqual({ value: 50, target: 90, status: 'missed' });
    expect(res.body.trend).toHaveLength(30);
    expect(res.body.trend.at(-1).day).toBe('2026-11-20');
    expect(res.body.trend.find((t: { day: string }) => t.day === '2026-11-03').serviceLevel).toBe(84.2);
  });

  it('compares every company for provider staff, each against its own contract; nobody else', async () => {
    const res = await provider.get('/api/reports/compare?month=2026-11');
    expect(res.status).toBe(200);
    const bySlug = Object.fromEntries(res.body.companies.map((c: { tenant: { slug: string }; month: { volumes: { offered: number } } }) => [c.tenant.slug, c.month.volumes.offered]));
    expect(bySlug[a.slug]).toBe(32);
    expect(bySlug[b.slug]).toBe(999);
    expect((await clientA.get('/api/reports/compare?month=2026-11')).status).toBe(403);
    expect((await operatorClient.get('/api/reports/compare?month=2026-11')).status).toBe(403);
  });
});

describe('who may read, and hostile values', () => {
  it('refuses operators every report', async () => {
    for (const path of ['service-level', 'volumes', 'operators', 'campaigns']) {
      expect((await operatorClient.get(`/api/t/${a.slug}/reports/${path}?${period}`)).status, path).toBe(403);
    }
    expect((await operatorClient.get(`/api/t/${a.slug}/reports/overview`)).status).toBe(403);
    expect((await operatorClient.get(`/api/t/${a.slug}/reports/export?report=operators&${period}`)).status).toBe(403);
  });

  it("answers another company's reports as a company that does not exist", async () => {
    const res = await clientA.get(`/api/t/${b.slug}/reports/service-level?${period}`);
    expect(res.status).toBe(404);
  });

  it('answers hostile periods with a 400 naming the field', async () => {
    const cases: [string, string][] = [
      ['from=2026-02-30&to=2026-03-01', 'from'],
      ['from=2026-11-01&to=2026-10-01', 'to'],
      ['from=2024-01-01&to=2026-01-01', 'to'],
      ['from=2026-01-01&to=2026-03-01&by=interval', 'to'],
      ['from=%00&to=2026-01-01', 'from'],
      ['from=2026-01-01&to=2026-01-02&by=%3Dcmd', 'by'],
      ['from=+275760-01-01&to=2026-01-01', 'from'],
      [`from=${'9'.repeat(5000)}&to=2026-01-01`, 'from'],
    ];
    for (const [query, field] of cases) {
      const res = await clientA.get(`/api/t/${a.slug}/reports/service-level?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.contentType).toContain('application/problem+json');
      expect(res.body.errors.map((e: { path: string }) => e.path), query).toContain(field);
    }
    const bad = await clientA.get(`/api/t/${a.slug}/reports/export?report=%3Dcmd&${period}`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path)).toContain('report');
    const month = await provider.get('/api/reports/compare?month=2026-13');
    expect(month.status).toBe(400);
    expect(month.body.errors.map((e: { path: string }) => e.path)).toContain('month');
  });
});

describe('exports', () => {
  it('guards a name that would start a formula, in the language’s CSV; the client’s export has no occupancy', async () => {
    const staff = await provider.get(`/api/t/${a.slug}/reports/export?report=operators&${period}&lang=fr`);
    expect(staff.status).toBe(200);
    expect(staff.contentType).toContain('text/csv');
    const lines = staff.text.replace(/^\uFEFF/, '').split('\r\n');
    expect(lines[0]).toContain('Occupation (%)');
    const aliceLine = lines.find((l) => l.includes('Alice'))!;
    expect(aliceLine.startsWith(`"'=cmd|`)).toBe(true);
    expect(aliceLine).toContain(';80;66,7');
    const client = await clientA.get(`/api/t/${a.slug}/reports/export?report=operators&${period}&lang=en`);
    expect(client.status).toBe(200);
    expect(client.text).not.toContain('Occupancy');
    expect(client.text).toContain('Operator 1');
    expect(client.text).not.toContain('cmd');
  });

  it('writes the service level per day as numbers, in CSV and XLSX', async () => {
    const csv = await clientA.get(`/api/t/${a.slug}/reports/export?report=service_level&${period}&lang=en`);
    expect(csv.status).toBe(200);
    expect(csv.text).toContain('2026-11-03,20,18,16,2,1,18,84.2,80,12,229,5.3,88.9');
    const res = await app.request(`/api/t/${a.slug}/reports/export?report=service_level&${period}&format=xlsx&lang=fr`, { headers: { cookie: `sb_session=${clientA.token}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('spreadsheetml');
    const bytes = new Uint8Array(await res.arrayBuffer());
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    expect(sheet.getRow(1).values).toContain('Niveau de service (%)');
    expect(sheet.getRow(2).values.slice(1)).toEqual(['2026-11-03', 20, 18, 16, 2, 1, 18, 84.2, 80, 12, 229, 5.3, 88.9]);
  });
});
