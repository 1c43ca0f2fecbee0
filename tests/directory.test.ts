import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withTenant, type Tenant } from '@switchboard/db';
import { dispatch } from '@switchboard/api';
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
} from './support/index.ts';
import { addNumber, alwaysOpen, incomingCall, seedRoutedOperator, setHours, telephony, uniqueNumber } from './support/routing.ts';

/** The tenant's directory of its own lines (issue 10), and transferring a call to one of them. */
let h: Harness;
let clock: Clock;
let app: App;
let tenant: Tenant;
let other: Tenant;
let providerAdmin: Client;
let supervisor: Client;
let clientAdmin: Client;
let clientMember: Client;
let operator: Client;
let otherAdmin: Client;

const path = (t: Tenant = tenant, id = '') => `/api/t/${t.slug}/directory${id ? `/${id}` : ''}`;
const auditRows = (tenantId: string, action: string) =>
  h.db.selectFrom('auditLog').selectAll().where('tenantId', '=', tenantId).where('action', '=', action).orderBy('id').execute();

beforeAll(async () => {
  h = await createHarness();
  clock = createClock(new Date('2026-12-01T10:00:00Z'));
  app = h.buildApp({ clock });
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { actor: actorFor(provider), name: 'Banque Test', locale: 'de-DE', timeZone: 'Europe/Berlin' }));
  ({ tenant: other } = await seedTenant(h.db, { actor: actorFor(provider), name: 'Taxis Lumière' }));
  providerAdmin = await logIn(app, provider);
  supervisor = await logIn(app, await seedUser(h.db, { kind: 'supervisor' }));
  clientAdmin = await logIn(app, await seedClientUser(h.db, tenant, 'client_admin'));
  clientMember = await logIn(app, await seedClientUser(h.db, tenant, 'client_member'));
  operator = await logIn(app, await seedOperator(h.db, [tenant]));
  otherAdmin = await logIn(app, await seedClientUser(h.db, other, 'client_admin'));
});
afterAll(() => h?.close());

describe('the directory', () => {
  it("client admins add, change and remove entries, numbers kept in E.164 read in the tenant's country, each change audited", async () => {
    const created = await clientAdmin.post(path(), { name: 'Betrugsabteilung', phone: '069 907012399', description: 'Stolen cards, suspicious transactions', reachable: 'Round the clock' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Betrugsabteilung', phone: '+4969907012399', description: 'Stolen cards, suspicious transactions', reachable: 'Round the clock', active: true, sortOrder: 0 });
    const id = created.body.id;
    const branch = await providerAdmin.post(path(), { name: 'Filiale Mitte', phone: '+49 30 1234567', sortOrder: 5 });
    expect(branch.status).toBe(201);

    // Everyone who may act for the tenant reads it, by sort order then name.
    for (const who of [clientAdmin, clientMember, operator, supervisor, providerAdmin]) {
      const list = await who.get(path());
      expect(list.status).toBe(200);
      expect(list.body.entries.map((e: { name: string }) => e.name)).toEqual(['Betrugsabteilung', 'Filiale Mitte']);
    }
    expect((await operator.get(path(tenant, id))).body).toMatchObject({ id, phone: '+4969907012399' });

    const changed = await clientAdmin.patch(path(tenant, id), { reachable: 'Mon–Fri 08:00–20:00', active: false });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ name: 'Betrugsabteilung', reachable: 'Mon–Fri 08:00–20:00', active: false });
    const [updated] = await auditRows(tenant.id, 'directory.entry_updated');
    expect(updated).toMatchObject({ targetId: id, before: { active: true, reachable: 'Round the clock' }, after: { active: false, reachable: 'Mon–Fri 08:00–20:00' } });
    expect(await auditRows(tenant.id, 'directory.entry_created')).toHaveLength(2);

    expect((await clientAdmin.delete(path(tenant, branch.body.id))).status).toBe(204);
    expect((await clientAdmin.get(path(tenant, branch.body.id))).status).toBe(404);
    expect(await auditRows(tenant.id, 'directory.entry_deleted')).toEqual([expect.objectContaining({ targetId: branch.body.id, before: expect.objectContaining({ name: 'Filiale Mitte' }) })]);
  });

  it('refuses changes from client members, operators and supervisors (403), and changes nothing', async () => {
    const { body: entry } = await clientAdmin.post(path(), { name: 'Back office', phone: '+4930999888' });
    const before = await snapshotTenant(h.db, tenant.id);
    for (const who of [clientMember, operator, supervisor]) {
      expect((await who.post(path(), { name: 'Sneaky', phone: '+4930999777' })).status).toBe(403);
      expect((await who.patch(path(tenant, entry.id), { name: 'Renamed' })).status).toBe(403);
      expect((await who.delete(path(tenant, entry.id))).status).toBe(403);
    }
    expect(await snapshotTenant(h.db, tenant.id)).toEqual(before);
  });

  it("answers 404 for another tenant's entry, and for a tenant one may not act for", async () => {
    const { body: theirs } = await otherAdmin.post(path(other), { name: 'Standard', phone: '01 40 00 00 09' });
    expect(theirs.phone).toBe('+33140000009');
    const before = await snapshotTenant(h.db, other.id);
    expect((await clientAdmin.get(path(tenant, theirs.id))).status).toBe(404);
    expect((await clientAdmin.patch(path(tenant, theirs.id), { name: 'Mine now' })).status).toBe(404);
    expect((await clientAdmin.delete(path(tenant, theirs.id))).status).toBe(404);
    expect((await clientAdmin.get(path(other))).status).toBe(404);
    expect((await operator.get(path(other))).status).toBe(404);
    expect(await snapshotTenant(h.db, other.id)).toEqual(before);
  });

  it('refuses hostile and invalid input with 400 naming the field, and saves nothing', async () => {
    const before = await snapshotTenant(h.db, tenant.id);
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'Fraud\u0000desk', phone: '+4969907012399' }, 'name'],
      [{ name: 'Fraud desk', phone: '+4969907012399', description: 'nul \u0000 here' }, 'description'],
      [{ name: 'Fraud desk', phone: '+49699070\u000012399' }, 'phone'],
      [{ name: 'Fraud \ud800 desk', phone: '+4969907012399' }, 'name'],
      [{ name: 'x'.repeat(121), phone: '+4969907012399' }, 'name'],
      [{ name: 'Fraud desk', phone: '+4969907012399', description: 'x'.repeat(100_000) }, 'description'],
      [{ name: '=HYPERLINK("http://evil.test")', phone: '+4969907012399' }, 'name'],
      [{ name: '@SUM(A1)', phone: '+4969907012399' }, 'name'],
      [{ name: 'Fraud desk', phone: 'call me maybe' }, 'phone'],
      [{ name: 'Fraud desk', phone: '+49 1' }, 'phone'],
      [{ name: '   ', phone: '+4969907012399' }, 'name'],
      [{ name: 'Fraud desk', phone: '+4969907012399', sortOrder: 1.5 }, 'sortOrder'],
      [{ name: 'Fraud desk', phone: '+4969907012399', tenantId: other.id }, '(body)'],
    ];
    for (const [body, field] of cases) {
      const res = await clientAdmin.post(path(), body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
      expect(res.body.errors.map((e: { path: string }) => e.path), JSON.stringify(body).slice(0, 80)).toContain(field);
    }
    const { body: entry } = await clientAdmin.post(path(), { name: 'Kreditabteilung', phone: '+4969907012300' });
    const snapshot = await snapshotTenant(h.db, tenant.id);
    expect((await clientAdmin.patch(path(tenant, entry.id), { phone: '12' })).body.errors).toMatchObject([{ path: 'phone', message: expect.any(String) }]);
    expect((await clientAdmin.patch(path(tenant, entry.id), { name: '+cmd' })).status).toBe(400);
    expect(await snapshotTenant(h.db, tenant.id)).toEqual(snapshot);
    expect(before).not.toEqual(snapshot);
  });

  it('redacts card numbers typed into the description, grouped by spaces, dashes or dots, before they are stored', async () => {
    const created = await clientAdmin.post(path(), { name: 'Kartensperre', phone: '+4969907012311', description: 'Test card 4111-1111-1111-1111 or 4111.1111.1111.1111 or 4111 1111 1111 1111' });
    expect(created.status).toBe(201);
    const redacted = 'Test card •••• 1111 or •••• 1111 or •••• 1111';
    expect(created.body.description).toBe(redacted);
    const stored = await withTenant(h.db, tenant.id, (tx) => tx.selectFrom('directoryEntries').select('description').where('id', '=', created.body.id).executeTakeFirstOrThrow());
    expect(stored.description).toBe(redacted);
    const changed = await clientAdmin.patch(path(tenant, created.body.id), { description: 'Now 5555.5555.5555.4444' });
    expect(changed.body.description).toBe('Now •••• 4444');
    expect(JSON.stringify(await auditRows(tenant.id, 'directory.entry_updated'))).not.toMatch(/5555/);
  });

  it('keeps one entry per name whatever its case (409 naming the field)', async () => {
    await clientAdmin.post(path(), { name: 'Filiale Nord', phone: '+4940111222' });
    const again = await clientAdmin.post(path(), { name: 'filiale nord', phone: '+4940111333' });
    expect(again.status).toBe(409);
    expect(again.body.errors).toMatchObject([{ path: 'name', message: expect.any(String) }]);
    const { body: south } = await clientAdmin.post(path(), { name: 'Filiale Süd', phone: '+4989111222' });
    expect((await clientAdmin.patch(path(tenant, south.id), { name: 'FILIALE NORD' })).status).toBe(409);
    // Another tenant may use the same name.
    expect((await otherAdmin.post(path(other), { name: 'Filiale Nord', phone: '+33140000010' })).status).toBe(201);
  });
});

describe('transferring to a directory entry', () => {
  async function connectedCall() {
    const { tenant: t } = await seedTenant(h.db, { locale: 'de-DE', timeZone: 'Europe/Berlin' });
    await setHours(h.db, t, alwaysOpen);
    const number = uniqueNumber();
    await addNumber(h.db, t, number, 'information');
    const user = await seedRoutedOperator(h.db, [[t, { skills: ['information'] }]]);
    const desk = await logIn(app, user);
    await desk.put('/api/desk/state', { state: 'available' });
    clock.advance(1_000);
    const arrived = await telephony(app, clock, 'POST', '/api/telephony/calls', incomingCall(number));
    await dispatch(h.db, clock.now());
    const callId: string = arrived.body.id;
    expect((await desk.post(`/api/t/${t.slug}/desk/calls/${callId}/accept`)).status).toBe(200);
    const admin = await logIn(app, await seedClientUser(h.db, t, 'client_admin'));
    return { t, desk, callId, admin };
  }
  const transferPath = (t: Tenant, callId: string) => `/api/t/${t.slug}/desk/calls/${callId}/transfer`;

  it('lists the active entries among the transfer targets and forwards the call to the number, naming it on the timeline', async () => {
    const { t, desk, callId, admin } = await connectedCall();
    const { body: fraud } = await admin.post(path(t), { name: 'Betrugsabteilung', phone: '+4969907012399', reachable: 'Round the clock' });
    await admin.post(path(t), { name: 'Alte Filiale', phone: '+4969907012300', active: false });

    const context = await desk.get(`/api/t/${t.slug}/desk/calls/${callId}`);
    expect(context.body.transfer.directory).toEqual([{ id: fraud.id, name: 'Betrugsabteilung', phone: '+4969907012399', description: null, reachable: 'Round the clock' }]);

    const out = await desk.post(transferPath(t, callId), { target: { kind: 'directory', entryId: fraud.id }, note: 'Card stolen an hour ago' });
    expect(out.status).toBe(200);
    expect(out.body).toEqual({ callId, status: 'transferred_out', forwardTo: '+4969907012399' });
    // The telephony adapter forwards it as it does an in-house transfer.
    expect((await telephony(app, clock, 'GET', `/api/telephony/calls/${callId}`)).body).toMatchObject({ status: 'transferred_out', operatorConnected: false, forwardTo: '+4969907012399' });
    const events = await withTenant(h.db, t.id, (tx) => tx.selectFrom('callEvents').select(['kind', 'detail']).where('callId', '=', callId).where('kind', '=', 'transferred_out').execute());
    expect(events).toEqual([{ kind: 'transferred_out', detail: { destination: '+4969907012399', destinationName: 'Betrugsabteilung', directoryEntryId: fraud.id, note: 'Card stolen an hour ago' } }]);
    expect((await desk.get('/api/desk/state')).body).toMatchObject({ state: 'wrap_up', call: { callId } });
    const [audit] = await auditRows(t.id, 'call.transfer');
    expect(audit?.after).toEqual({ target: { kind: 'directory', entryId: fraud.id } });

    // Nobody answers at the fraud desk: the call comes back to the operator.
    const failed = await telephony(app, clock, 'POST', `/api/telephony/calls/${callId}/transfer-failed`, { note: 'Busy' });
    expect(failed.body).toMatchObject({ status: 'connected', operatorConnected: true });
  });

  it("refuses an inactive entry, another tenant's entry and an unknown id (400 naming target.entryId); the call stays connected", async () => {
    const { t, desk, callId, admin } = await connectedCall();
    const { body: retired } = await admin.post(path(t), { name: 'Alte Filiale', phone: '+4969907012300', active: false });
    const { body: theirs } = await otherAdmin.post(path(other), { name: 'Their desk', phone: '+33140000011' });
    for (const entryId of [retired.id, theirs.id, '019a2b3c-4d5e-7f60-8a9b-0c1d2e3f4a5b']) {
      const refused = await desk.post(transferPath(t, callId), { target: { kind: 'directory', entryId } });
      expect(refused.status).toBe(400);
      expect(refused.body.errors).toMatchObject([{ path: 'target.entryId', message: expect.any(String) }]);
    }
    expect((await desk.post(transferPath(t, callId), { target: { kind: 'directory', entryId: 'not-an-id' } })).status).toBe(400);
    expect((await desk.post(transferPath(t, callId), { target: { kind: 'directory' } })).status).toBe(400);
    const call = await withTenant(h.db, t.id, (tx) => tx.selectFrom('calls').select(['status', 'forwardedTo']).where('id', '=', callId).executeTakeFirstOrThrow());
    expect(call).toEqual({ status: 'connected', forwardedTo: null });
    // The skill and in-house kinds keep working as before.
    expect((await desk.post(transferPath(t, callId), { target: { kind: 'in_house' } })).status).toBe(400);
    expect((await desk.post(transferPath(t, callId), { target: { kind: 'skill', skill: 'complaints' } })).body).toMatchObject({ status: 'queued' });
  });
});
