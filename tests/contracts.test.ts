import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closePeriodsOnce, recomputeRange } from '@switchboard/api';
import type { Tenant } from '@switchboard/db';
import {
  actorFor,
  createHarness,
  insertListPrice,
  logIn,
  seedClientUser,
  seedOperator,
  seedTenant,
  seedUser,
  type Client,
  type Harness,
} from './support/index.ts';

/**
 * The service contract and its credits (docs/contracts.md), end to end through the API.
 *
 * One timeline, in order (a file's tests run in order):
 *   2026-03-10 12:00Z  contract versions saved and read; March's interval statistics (inserted as the fold
 *                      would have written them) miss targets; credits proposed, confirmed, waived
 *   2026-04-01 00:30Z  Paris's March has ended: its statement closes with the confirmed credits deducted
 */
let h: Harness;
let paris: Tenant;
let lyon: Tenant;
let admin: Client;
let supervisor: Client;
let clientAdmin: Client;
let clientMember: Client;
let operator: Client;
let lyonAdmin: Client;

let logInAll = async () => {};
const setClock = async (iso: string) => {
  h.clock.advance(new Date(iso).getTime() - h.clock.now().getTime());
  await logInAll();
};

/** The company-wide version from January: 80 % in 20 s, at most 5 % abandoned, each credited. */
const companyWide = {
  function: null,
  effectiveFrom: '2026-01-01',
  serviceLevelPercent: 80,
  serviceLevelSeconds: 20,
  shortAbandonSeconds: 5,
  abandonedInDenominator: true,
  maxAbandonPercent: 5,
  credits: { service_level: 50_000, abandon_rate: 10_000 },
  creditsEnabled: true,
  notes: 'Signed on 2025-12-15',
};
/** Order taking's own terms from March: 90 % in 15 s. */
const orderTaking = { function: 'order_taking', effectiveFrom: '2026-03-01', serviceLevelPercent: 90, serviceLevelSeconds: 15, credits: { service_level: 20_000 }, creditsEnabled: true };

const contractOf = (who: Client, tenant: Tenant) => who.get(`/api/t/${tenant.slug}/contract`);
const save = (who: Client, tenant: Tenant, body: unknown) => who.put(`/api/t/${tenant.slug}/contract/versions`, body);
const creditsOf = (who: Client, tenant: Tenant) => who.get(`/api/t/${tenant.slug}/contract/credits`);

/** One quarter hour of a function's queue, as the fold writes it. */
async function interval(tenant: Tenant, fn: string, at: string, sums: Record<string, number>) {
  await h.db
    .insertInto('queueIntervals')
    .values({ tenantId: tenant.id, function: fn, intervalStart: new Date(at), ...sums })
    .execute();
}

beforeAll(async () => {
  h = await createHarness();
  await setClock('2026-03-10T12:00:00Z');
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  const seed = (name: string) => seedTenant(h.db, { actor: actorFor(provider), now: new Date('2025-11-20T10:00:00Z'), timeZone: 'Europe/Paris', name }).then((r) => r.tenant);
  paris = await seed('Pizza Paris');
  lyon = await seed('Bouchon Lyon');
  await insertListPrice(h.db, { effectiveFrom: '2025-01-01', function: null, metric: 'platform_fee', unitAmountMinor: 100_000 });
  const users = [
    provider,
    await seedUser(h.db, { kind: 'supervisor' }),
    await seedClientUser(h.db, paris, 'client_admin'),
    await seedClientUser(h.db, paris, 'client_member'),
    await seedOperator(h.db, [paris]),
    await seedClientUser(h.db, lyon, 'client_admin'),
  ];
  logInAll = async () => {
    [admin, supervisor, clientAdmin, clientMember, operator, lyonAdmin] = (await Promise.all(users.map((u) => logIn(h.app, u)))) as [Client, Client, Client, Client, Client, Client];
  };
  await logInAll();
  // Paris and Lyon closed February already: their first statement is March's.
  await closePeriodsOnce({ db: h.db, now: h.clock.now });
});
afterAll(() => h?.close());

describe('who may read and set the contract', () => {
  it('lets the provider admin save versions, company-wide and per function, and everyone else read them', async () => {
    const saved = await save(admin, paris, companyWide);
    expect(saved.status, saved.text).toBe(200);
    expect((await save(admin, paris, orderTaking)).status).toBe(200);
    // A version from next month: scheduled, not yet in force.
    expect((await save(admin, paris, { ...companyWide, effectiveFrom: '2026-04-01', serviceLevelPercent: 85 })).status).toBe(200);

    for (const who of [admin, supervisor, clientAdmin, clientMember]) {
      const page = await contractOf(who, paris);
      expect(page.status).toBe(200);
      expect(page.body.today).toBe('2026-03-10');
      expect(page.body.versions.map((v: any) => [v.function, v.effectiveFrom, v.status, v.serviceLevelPercent])).toEqual([
        [null, '2026-04-01', 'scheduled', 85],
        [null, '2026-01-01', 'in_force', 80],
        ['order_taking', '2026-03-01', 'in_force', 90],
      ]);
    }
    const company = (await contractOf(clientAdmin, paris)).body.versions[1];
    expect(company).toMatchObject({ serviceLevelSeconds: 20, shortAbandonSeconds: 5, abandonedInDenominator: true, maxAbandonPercent: 5, credits: companyWide.credits, notes: companyWide.notes });
    expect(company.updatedBy).toContain('<');
  });

  it('recomputes the statistics from a back-dated version’s local midnight up to now', async () => {
    // 29 March 2026 is the day Paris moves to summer time: its midnight is still 23:00 UTC the day before.
    const range = recomputeRange({ timeZone: 'Europe/Paris' }, '2026-03-29', new Date('2026-04-02T10:07:00Z'));
    expect(range).toEqual({ from: new Date('2026-03-28T23:00:00Z'), to: new Date('2026-04-02T10:15:00Z') });
    const moscow = recomputeRange({ timeZone: 'Europe/Moscow' }, '2026-01-01', new Date('2026-01-01T00:00:00Z'));
    expect(moscow).toEqual({ from: new Date('2025-12-31T21:00:00Z'), to: new Date('2026-01-01T00:15:00Z') });
  });

  it('replaces the version of the same function and day, and audits each save', async () => {
    expect((await save(admin, paris, { ...orderTaking, serviceLevelSeconds: 15, notes: 'Agreed at the March review' })).status).toBe(200);
    const versions = (await contractOf(admin, paris)).body.versions.filter((v: any) => v.function === 'order_taking');
    expect(versions).toHaveLength(1);
    expect(versions[0].notes).toBe('Agreed at the March review');
    const audit = await h.db.selectFrom('auditLog').select(['action', 'targetId']).where('tenantId', '=', paris.id).where('action', '=', 'contract.version_saved').execute();
    expect(audit).toHaveLength(4);
    expect(audit.every((a) => a.targetId)).toBe(true);
  });

  it('refuses the client admin, the member and the supervisor a change (403), and the operator even a read', async () => {
    for (const who of [clientAdmin, clientMember, supervisor]) {
      expect((await save(who, paris, { ...companyWide, effectiveFrom: '2026-05-01' })).status).toBe(403);
      expect((await who.post(`/api/t/${paris.slug}/contract/credits/review`, { period: '2026-03' })).status).toBe(403);
    }
    expect((await contractOf(operator, paris)).status).toBe(403);
    expect((await creditsOf(operator, paris)).status).toBe(403);
    expect((await save(operator, paris, companyWide)).status).toBe(403);
    const versions = (await contractOf(admin, paris)).body.versions;
    expect(versions.map((v: any) => v.effectiveFrom)).not.toContain('2026-05-01');
    // Another company's admin: Paris does not exist for them.
    expect((await contractOf(lyonAdmin, paris)).status).toBe(404);
  });

  it('removes a scheduled version, never one that has applied to calls (409)', async () => {
    const versions = (await contractOf(admin, paris)).body.versions;
    const inForce = versions.find((v: any) => v.status === 'in_force');
    const refused = await admin.delete(`/api/t/${paris.slug}/contract/versions/${inForce.id}`);
    expect(refused.status).toBe(409);
    expect(refused.body.code).toBe('contract.version_started');
    const scheduled = versions.find((v: any) => v.status === 'scheduled');
    expect((await clientAdmin.delete(`/api/t/${paris.slug}/contract/versions/${scheduled.id}`)).status).toBe(403);
    expect((await admin.delete(`/api/t/${paris.slug}/contract/versions/${scheduled.id}`)).status).toBe(204);
    expect((await contractOf(admin, paris)).body.versions).toHaveLength(2);
  });
});

describe('hostile and impossible values', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['a service level above 100 %', { serviceLevelPercent: 150 }, 'serviceLevelPercent'],
    ['a service level of 0 %', { serviceLevelPercent: 0 }, 'serviceLevelPercent'],
    ['a negative abandonment', { maxAbandonPercent: -1 }, 'maxAbandonPercent'],
    ['a short-abandon threshold over two minutes', { shortAbandonSeconds: 121 }, 'shortAbandonSeconds'],
    ['an answer time of 0 s', { serviceLevelSeconds: 0 }, 'serviceLevelSeconds'],
    ['an answer time over an hour', { serviceLevelSeconds: 3601 }, 'serviceLevelSeconds'],
    ['fractional seconds', { asaSeconds: 12.5 }, 'asaSeconds'],
    ['an AHT over ten hours', { ahtSeconds: 36_001 }, 'ahtSeconds'],
    ['FCR over 90 days', { fcrDays: 91 }, 'fcrDays'],
    ['no such day', { effectiveFrom: '2026-02-30' }, 'effectiveFrom'],
    ['a day in the year 9999', { effectiveFrom: '9999-01-01' }, 'effectiveFrom'],
    ['an unknown function', { function: 'astrology' }, 'function'],
    ['notes with a NUL byte', { notes: 'ok\u0000then' }, 'notes'],
    ['notes too long', { notes: 'x'.repeat(2001) }, 'notes'],
    ['a credit for a KPI the contract does not target', { asaSeconds: null, credits: { asa: 1000 } }, 'credits.asa'],
    ['a credit for a KPI credits do not cover', { credits: { quality: 1000 } }, 'credits'],
    ['a negative credit', { credits: { service_level: -5 } }, 'credits.service_level'],
    ['an unknown field', { discount: 10 }, '(body)'],
  ];
  for (const [what, change, path] of cases) {
    it(`refuses ${what}: 400 naming ${path}, nothing changed`, async () => {
      const before = await h.db.selectFrom('serviceContracts').selectAll().where('tenantId', '=', paris.id).orderBy('id').execute();
      const res = await save(admin, paris, { ...companyWide, effectiveFrom: '2026-03-05', ...change });
      expect(res.status, res.text).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.errors.map((e: any) => e.path)).toContain(path);
      expect(await h.db.selectFrom('serviceContracts').selectAll().where('tenantId', '=', paris.id).orderBy('id').execute()).toEqual(before);
    });
  }

  it('names the missing target with its own code', async () => {
    const res = await save(admin, paris, { ...companyWide, effectiveFrom: '2026-03-05', credits: { fcr: 100 } });
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'credits.fcr', code: 'contract.credit_without_target', params: { kpi: 'fcr' } })]);
  });
});

describe('credits', () => {
  it('proposes a credit for each missed target from the month’s interval statistics, by the contract governing each function', async () => {
    // Information (company-wide terms): 60 answered in 20 s of 90 answered and 6 counted abandons = 62.5 % < 80 %;
    // abandoned 6 of 96 counted = 6.3 % > 5 %. Four callers hung up within 5 s: not counted at all.
    await interval(paris, 'information', '2026-03-05T09:00:00Z', { offered: 100, answered: 90, answeredInTarget: 60, abandoned: 10, abandonedShort: 4, handled: 90, talkSeconds: 9000 });
    // Order taking (its own terms, 90 %): 40 of 50 = 80 % — on the company-wide target, missed on its own.
    await interval(paris, 'order_taking', '2026-03-06T10:15:00Z', { offered: 50, answered: 50, answeredInTarget: 40, handled: 50, talkSeconds: 6000 });
    // February's calls do not count in March.
    await interval(paris, 'information', '2026-02-27T09:00:00Z', { offered: 10, answered: 0, abandoned: 10 });

    const res = await admin.post(`/api/t/${paris.slug}/contract/credits/review`, { period: '2026-03' });
    expect(res.status, res.text).toBe(200);
    const proposed = res.body.credits.map((c: any) => [c.kpi, c.function, c.target, c.actual, c.amountMinor, c.status]);
    expect(proposed).toEqual(
      expect.arrayContaining([
        ['service_level', null, 80, 62.5, 50_000, 'proposed'],
        ['abandon_rate', null, 5, 6.3, 10_000, 'proposed'],
        ['service_level', 'order_taking', 90, 80, 20_000, 'proposed'],
      ]),
    );
    expect(proposed).toHaveLength(3);
  });

  it('proposes each once, however often the month is reviewed', async () => {
    for (let i = 0; i < 2; i++) expect((await admin.post(`/api/t/${paris.slug}/contract/credits/review`, { period: '2026-03' })).status).toBe(200);
    expect(await h.db.selectFrom('serviceCredits').select('id').where('tenantId', '=', paris.id).execute()).toHaveLength(3);
  });

  it('proposes nothing when the contract has credits turned off', async () => {
    expect((await save(admin, lyon, { ...companyWide, creditsEnabled: false })).status).toBe(200);
    await interval(lyon, 'information', '2026-03-05T09:00:00Z', { offered: 100, answered: 90, answeredInTarget: 60, abandoned: 10, abandonedShort: 4 });
    const res = await admin.post(`/api/t/${lyon.slug}/contract/credits/review`, { period: '2026-03' });
    expect(res.status).toBe(200);
    expect(res.body.credits).toEqual([]);
  });

  it('lets the provider admin confirm or waive each; the client sees them, read-only, without the waived ones', async () => {
    const all = (await creditsOf(admin, paris)).body.credits;
    const find = (kpi: string, fn: string | null) => all.find((c: any) => c.kpi === kpi && c.function === fn);
    const decide = (who: Client, credit: any, decision: string) => who.post(`/api/t/${paris.slug}/contract/credits/${credit.id}/decision`, { decision });
    expect((await decide(clientAdmin, find('service_level', null), 'confirmed')).status).toBe(403);
    expect((await decide(supervisor, find('service_level', null), 'confirmed')).status).toBe(403);
    const confirmed = await decide(admin, find('service_level', null), 'confirmed');
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ status: 'confirmed', periodClosed: false });
    expect((await decide(admin, find('service_level', 'order_taking'), 'confirmed')).body.status).toBe('confirmed');
    expect((await decide(admin, find('abandon_rate', null), 'waived')).body.status).toBe('waived');
    expect((await decide(admin, find('abandon_rate', null), 'maybe')).status).toBe(400);

    const seen = (await creditsOf(clientAdmin, paris)).body.credits.map((c: any) => [c.kpi, c.function, c.status]);
    expect(seen).toEqual(expect.arrayContaining([['service_level', null, 'confirmed'], ['service_level', 'order_taking', 'confirmed']]));
    expect(seen).toHaveLength(2);
    expect((await creditsOf(supervisor, paris)).body.credits).toHaveLength(3);
    // A later review leaves decided credits as decided.
    await admin.post(`/api/t/${paris.slug}/contract/credits/review`, { period: '2026-03' });
    expect((await creditsOf(admin, paris)).body.credits.map((c: any) => c.status).sort()).toEqual(['confirmed', 'confirmed', 'waived']);
    const audit = await h.db.selectFrom('auditLog').select('action').where('tenantId', '=', paris.id).where('action', 'like', 'service_credit%').execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['service_credit.confirmed', 'service_credit.confirmed', 'service_credit.waived', 'service_credits.reviewed']);
  });

  it('deducts the confirmed credits on the open statement, and freezes them with it when the month closes; waived ones never', async () => {
    const open = await clientAdmin.get(`/api/t/${paris.slug}/statements/2026-03`);
    expect(open.status).toBe(200);
    const credits = (s: any) => s.lines.filter((l: any) => l.kind === 'service_credit').map((l: any) => [l.metric, l.function, l.amountMinor]);
    expect(credits(open.body).sort()).toEqual([['service_level', 'order_taking', -20_000], ['service_level', null, -50_000]].sort());
    expect(open.body.totalMinor).toBe(100_000 - 50_000 - 20_000);

    await setClock('2026-04-01T00:30:00Z');
    await closePeriodsOnce({ db: h.db, now: h.clock.now });
    const closed = await clientAdmin.get(`/api/t/${paris.slug}/statements/2026-03`);
    expect(closed.body.status).toBe('closed');
    expect(credits(closed.body).sort()).toEqual(credits(open.body).sort());
    expect(closed.body.totalMinor).toBe(30_000);
    expect(closed.body.lines.reduce((sum: number, l: any) => sum + l.amountMinor, 0)).toBe(closed.body.totalMinor);
    const invoice = await h.db.selectFrom('invoices').select('amountDueMinor').where('tenantId', '=', paris.id).where('period', '=', '2026-03-01').executeTakeFirstOrThrow();
    expect(Number(invoice.amountDueMinor)).toBe(30_000);
    // Lyon had no credit: its statement is the fee alone.
    expect((await lyonAdmin.get(`/api/t/${lyon.slug}/statements/2026-03`)).body.totalMinor).toBe(100_000);
  });

  it('changes nothing in a closed month (409)', async () => {
    const waived = (await creditsOf(admin, paris)).body.credits.find((c: any) => c.status === 'waived');
    expect(waived.periodClosed).toBe(true);
    const res = await admin.post(`/api/t/${paris.slug}/contract/credits/${waived.id}/decision`, { decision: 'confirmed' });
    expect(res.status).toBe(409);
    expect(res.body.code).toBe('credit.period_closed');
    expect((await admin.post(`/api/t/${paris.slug}/contract/credits/review`, { period: '2026-03' })).status).toBe(409);
    expect((await admin.post(`/api/t/${paris.slug}/contract/credits/review`, { period: '2026-05' })).status).toBe(400);
  });

  it('never deducts more than the month costs', async () => {
    // April: the fee is 1,000.00, the service level credit 500.00 and a second one of 800.00 is cut to 500.00.
    expect((await save(admin, paris, { ...companyWide, effectiveFrom: '2026-04-01', maxAbandonPercent: 5, credits: { service_level: 50_000, abandon_rate: 80_000 } })).status).toBe(200);
    await interval(paris, 'information', '2026-04-01T09:00:00Z', { offered: 100, answered: 90, answeredInTarget: 60, abandoned: 10, abandonedShort: 4 });
    const review = await admin.post(`/api/t/${paris.slug}/contract/credits/review`, { period: '2026-04' });
    for (const c of review.body.credits) await admin.post(`/api/t/${paris.slug}/contract/credits/${c.id}/decision`, { decision: 'confirmed' });
    const april = (await admin.get(`/api/t/${paris.slug}/statements/2026-04`)).body;
    expect(april.totalMinor).toBe(0);
    expect(april.lines.filter((l: any) => l.kind === 'service_credit').map((l: any) => l.amountMinor).sort()).toEqual([-80_000, -20_000].sort());
    expect(april.lines.reduce((sum: number, l: any) => sum + l.amountMinor, 0)).toBe(0);
  });
});
