import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '@switchboard/db';
import { actorFor, createHarness, logIn, seedClientUser, seedOperator, seedTenant, seedUser, snapshotTenant, type Client, type Harness } from './support/index.ts';
import { addNumber, uniqueNumber } from './support/routing.ts';
import { campaignBody, csvFile, prepareOutbound } from './support/campaigns.ts';

/** Outbound campaigns (issue 15): creating and changing one, who may, what is refused, and its status. */
let h: Harness;
let tenant: Tenant;
let other: Tenant;
let number: string;
let otherNumber: string;
let clientAdmin: Client;
let clientMember: Client;
let operator: Client;
let supervisor: Client;
let otherAdmin: Client;

const base = (t: Tenant = tenant) => `/api/t/${t.slug}/campaigns`;
const auditRows = (action: string) => h.db.selectFrom('auditLog').selectAll().where('tenantId', '=', tenant.id).where('action', '=', action).orderBy('id').execute();

beforeAll(async () => {
  h = await createHarness();
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { actor: actorFor(provider), name: 'TeleNova Test', locale: 'fr-FR', timeZone: 'Europe/Paris' }));
  ({ tenant: other } = await seedTenant(h.db, { actor: actorFor(provider), name: 'Other Co' }));
  ({ number } = await prepareOutbound(h.db, tenant, h.clock.now()));
  ({ number: otherNumber } = await prepareOutbound(h.db, other, h.clock.now()));
  clientAdmin = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_admin'));
  clientMember = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_member'));
  operator = await logIn(h.app, await seedOperator(h.db, [tenant]));
  supervisor = await logIn(h.app, await seedUser(h.db, { kind: 'supervisor' }));
  otherAdmin = await logIn(h.app, await seedClientUser(h.db, other, 'client_admin'));
});
afterAll(() => h?.close());

describe('campaigns', () => {
  it('creates a draft with the defaults (French rules, 3 % cap, a message in the tenant’s language), audited', async () => {
    const res = await clientAdmin.post(base(), campaignBody(number, { dispositions: [{ code: 'interested', outcome: 'success', usageMetric: 'sale' }] }));
    expect(res.status, res.text).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Fibre offer',
      function: 'outbound_info',
      callerId: number,
      mode: 'progressive',
      status: 'draft',
      rulesProfile: 'fr',
      // Prospecting under the French rules needs prior consent since 11 August 2026: required by default.
      requiresConsent: true,
      abandonCapPercent: 3,
      ringTimeoutSeconds: 25,
      maxDialRatio: 3,
      retryRules: { busyMinutes: 15, noAnswerMinutes: 120, machineMinutes: 1440, failedMinutes: 60, maxAttempts: 4 },
      dispositions: [{ code: 'interested', label: 'interested', outcome: 'success', usageMetric: 'sale' }],
      contacts: { total: 0, pending: 0 },
      lists: { total: 0, active: 0 },
      script: { publishedVersion: 1 },
    });
    expect(res.body.abandonMessage).toMatch(/^Bonjour/);
    expect(res.body.callingHours.mon).toEqual([{ start: '10:00', end: '13:00' }, { start: '14:00', end: '20:00' }]);
    // A progressive campaign presenting a number outside Arcep's automated ranges: saved, with a warning.
    expect(res.body.callerIdWarning).toMatch(/Arcep/);
    expect(await auditRows('campaign.created')).toEqual([expect.objectContaining({ targetId: res.body.id, after: expect.objectContaining({ name: 'Fibre offer', callerId: number }) })]);
  });

  it('warns about the caller ID only when the dialler dials by itself and the number is outside the ranges', async () => {
    const arcep = '+33162000123';
    await addNumber(h.db, tenant, arcep, 'outbound_info');
    const inRange = await clientAdmin.post(base(), campaignBody(arcep, { name: 'In range', mode: 'predictive' }));
    expect(inRange.status).toBe(201);
    expect(inRange.body.callerIdWarning).toBeNull();
    const preview = await clientAdmin.post(base(), campaignBody(number, { name: 'Preview', mode: 'preview' }));
    expect(preview.body.callerIdWarning).toBeNull();
    const changed = await clientAdmin.patch(`${base()}/${preview.body.id}`, { mode: 'predictive' });
    expect(changed.status).toBe(200);
    expect(changed.body.callerIdWarning).toMatch(/Arcep/);
  });

  it('refuses what is not the tenant’s, naming the field, and saves nothing', async () => {
    const before = await snapshotTenant(h.db, tenant.id);
    const cases: [Record<string, unknown>, string, string][] = [
      [campaignBody(otherNumber), 'callerId', 'campaign.caller_id'],
      [campaignBody('+33 6 00 00 00 00'), 'callerId', 'campaign.caller_id'],
      [campaignBody(number, { function: 'telesales' }), 'function', 'campaign.not_delegated'],
      [campaignBody(number, { function: 'order_taking' }), 'function', 'invalid_value'],
      [campaignBody(number, { dispositions: [{ code: 'no_such_code', outcome: 'done' }] }), 'dispositions.0.code', 'wrap_up_code.unknown'],
      [campaignBody(number, { dispositions: [{ code: 'interested', outcome: 'done' }, { code: 'interested', outcome: 'success' }] }), 'dispositions.1.code', 'listed_twice'],
      [campaignBody(number, { dispositions: [{ code: 'interested', outcome: 'maybe' }] }), 'dispositions.0.outcome', 'invalid_value'],
      [campaignBody(number, { callingHours: { mon: [{ start: '14:00', end: '10:00' }] } }), 'callingHours.mon.0.end', 'campaign.end_before_start'],
      [campaignBody(number, { callingHours: { tue: [{ start: '10:00', end: '13:00' }, { start: '12:00', end: '14:00' }] } }), 'callingHours.tue.1', 'hours.overlaps'],
      [campaignBody(number, { callingHours: { wed: [{ start: '25:00', end: '26:00' }] } }), 'callingHours.wed.0.start', 'hours.start_time'],
      [campaignBody(number, { callingHours: { someday: [] } }), '', 'unrecognized_keys'],
      [campaignBody(number, { retryRules: { maxAttempts: 1000 } }), 'retryRules.maxAttempts', 'too_big'],
      [campaignBody(number, { retryRules: { busyMinutes: -5 } }), 'retryRules.busyMinutes', 'too_small'],
      [campaignBody(number, { abandonCapPercent: 0 }), 'abandonCapPercent', 'too_small'],
      [campaignBody(number, { abandonCapPercent: 11 }), 'abandonCapPercent', 'too_big'],
      [campaignBody(number, { rulesProfile: 'us' }), 'rulesProfile', 'invalid_value'],
      [campaignBody(number, { startsOn: '2026-12-10', endsOn: '2026-12-01' }), 'endsOn', 'dates.end_before_start'],
      [campaignBody(number, { name: 'x'.repeat(100_000) }), 'name', 'too_big'],
      [campaignBody(number, { name: 'Fibre\u0000offer' }), 'name', 'nul_byte'],
      [campaignBody(number, { ringTimeoutSeconds: 500 }), 'ringTimeoutSeconds', 'too_big'],
    ];
    for (const [body, path, code] of cases) {
      const res = await clientAdmin.post(base(), body);
      expect(res.status, `${JSON.stringify(body).slice(0, 200)}: ${res.text.slice(0, 300)}`).toBe(400);
      expect(res.contentType).toMatch(/problem\+json/);
      expect(res.body.errors, JSON.stringify(body).slice(0, 200)).toEqual(expect.arrayContaining([expect.objectContaining({ path: path || expect.any(String), code })]));
    }
    expect(await snapshotTenant(h.db, tenant.id)).toEqual(before);
  });

  it('lets client members read, operators nothing, and answers another tenant’s campaign as missing', async () => {
    const created = await supervisor.post(base(), campaignBody(number, { name: 'By the supervisor' }));
    expect(created.status).toBe(201);
    const id = created.body.id;
    const listed = await clientMember.get(base());
    expect(listed.status).toBe(200);
    expect(listed.body.campaigns.map((c: { id: string }) => c.id)).toContain(id);
    expect((await clientMember.get(`${base()}/${id}`)).status).toBe(200);
    expect((await clientMember.post(base(), campaignBody(number))).status).toBe(403);
    expect((await clientMember.patch(`${base()}/${id}`, { name: 'Renamed' })).status).toBe(403);
    expect((await clientMember.post(`${base()}/${id}/start`)).status).toBe(403);
    for (const res of [await operator.get(base()), await operator.get(`${base()}/${id}`), await operator.post(base(), campaignBody(number))]) expect(res.status).toBe(403);
    // Another tenant's admin: not this tenant at all; and this campaign's id under its own tenant: no such campaign.
    expect((await otherAdmin.get(base())).status).toBe(404);
    expect((await otherAdmin.get(`${base(other)}/${id}`)).status).toBe(404);
    expect((await otherAdmin.patch(`${base(other)}/${id}`, { name: 'Taken over' })).status).toBe(404);
    expect((await otherAdmin.post(`${base(other)}/${id}/start`)).status).toBe(404);
    expect((await clientAdmin.get(`${base()}/${id}`)).body.name).toBe('By the supervisor');
  });

  it('starts only with a published script and an active list, pauses, resumes and finishes, each audited', async () => {
    const { body: campaign } = await clientAdmin.post(base(), campaignBody(number, { name: 'Lifecycle' }));
    const path = `${base()}/${campaign.id}`;
    const refused = await clientAdmin.post(`${path}/start`);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'campaign.not_startable', params: { missing: ['list'] } });
    const imported = await clientAdmin.post(`${path}/lists`, { name: 'December', kind: 'csv', content: csvFile(['phone,name', '06 12 34 56 78,Marie']), mapping: { phone: 'phone', name: 'name' } });
    expect(imported.status, imported.text).toBe(201);
    expect((await clientAdmin.post(`${path}/pause`)).body.code).toBe('campaign.status');
    const started = await clientAdmin.post(`${path}/start`);
    expect(started.status, started.text).toBe(200);
    expect(started.body).toMatchObject({ status: 'running', contacts: { total: 1, pending: 1 }, lists: { total: 1, active: 1 } });
    expect((await clientAdmin.post(`${path}/start`)).status).toBe(409);
    expect((await clientAdmin.post(`${path}/pause`)).body.status).toBe('paused');
    // A paused list leaves nothing to dial: the campaign cannot resume until a list is active again.
    const listPath = `${path}/lists/${imported.body.list.id}`;
    expect((await clientAdmin.post(`${listPath}/pause`)).body.status).toBe('paused');
    expect((await clientAdmin.post(`${path}/resume`)).body).toMatchObject({ code: 'campaign.not_startable', params: { missing: ['list'] } });
    expect((await clientAdmin.post(`${listPath}/resume`)).body.status).toBe('active');
    expect((await clientAdmin.post(`${path}/resume`)).body.status).toBe('running');
    expect((await clientAdmin.post(`${path}/finish`)).body.status).toBe('finished');
    const frozen = await clientAdmin.patch(path, { name: 'Too late' });
    expect(frozen.status).toBe(409);
    expect(frozen.body.code).toBe('campaign.finished');
    expect((await clientAdmin.post(`${path}/resume`)).status).toBe(409);
    const actions = (await h.db.selectFrom('auditLog').select(['action', 'after']).where('targetId', '=', campaign.id).orderBy('id').execute()).map((r) => r.action);
    expect(actions).toEqual(['campaign.created', 'campaign.start', 'campaign.pause', 'campaign.resume', 'campaign.finish']);
  });

  it('refuses to start without a published script for its function', async () => {
    await prepareOutboundWithoutScript();
    const { body: campaign, status } = await clientAdmin.post(base(), campaignBody(number, { name: 'Survey', function: 'surveys' }));
    expect(status).toBe(201);
    expect(campaign.script).toBeNull();
    await clientAdmin.post(`${base()}/${campaign.id}/lists`, { name: 'L', kind: 'csv', content: csvFile(['phone', '0612345679']), mapping: { phone: 'phone' } });
    const refused = await clientAdmin.post(`${base()}/${campaign.id}/start`);
    expect(refused.body).toMatchObject({ code: 'campaign.not_startable', params: { missing: ['script'] } });
  });

  it('changes only what a patch names, audits before and after, and offers the editor its choices', async () => {
    const { body: campaign } = await clientAdmin.post(base(), campaignBody(number, { name: 'Patch me' }));
    const changed = await clientAdmin.patch(`${base()}/${campaign.id}`, { retryRules: { maxAttempts: 2 }, callingHours: { sat: [{ start: '10:00', end: '12:00' }] } });
    expect(changed.status, changed.text).toBe(200);
    expect(changed.body).toMatchObject({ name: 'Patch me', retryRules: { maxAttempts: 2, busyMinutes: 15 }, callingHours: { sat: [{ start: '10:00', end: '12:00' }] } });
    const [row] = (await auditRows('campaign.updated')).filter((r) => r.targetId === campaign.id);
    expect(row).toMatchObject({ before: expect.objectContaining({ retryRules: expect.objectContaining({ maxAttempts: 4 }) }), after: expect.objectContaining({ retryRules: expect.objectContaining({ maxAttempts: 2 }) }) });
    const options = await clientMember.get(`/api/t/${tenant.slug}/campaign-options`);
    expect(options.status).toBe(200);
    expect(options.body.functions.find((f: { id: string }) => f.id === 'outbound_info')).toMatchObject({ delegated: true, publishedScript: true });
    expect(options.body.numbers.map((n: { number: string }) => n.number)).toContain(number);
    expect(options.body.wrapUpCodes.map((c: { code: string }) => c.code)).toEqual(expect.arrayContaining(['interested', 'not_interested']));
    expect(options.body.defaults.abandonMessage).toMatch(/^Bonjour/);
  });
});

async function prepareOutboundWithoutScript() {
  await h.db
    .insertInto('delegations')
    .values({ tenantId: tenant.id, function: 'surveys', delegated: true, inHousePhone: null, inHouseEmail: null, expectedMonthlyVolume: 10, updatedAt: h.clock.now(), updatedBy: 'test' })
    .onConflict((oc) => oc.columns(['tenantId', 'function']).doUpdateSet({ delegated: true }))
    .execute();
}
