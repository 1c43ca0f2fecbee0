import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { jsonb, newId, withTenant, type Tenant } from '@switchboard/db';
import {
  actorFor,
  createClock,
  createHarness,
  DAY,
  logIn,
  seedClientUser,
  seedOperator,
  seedTenant,
  seedUser,
  type App,
  type Client,
  type Clock,
  type Harness,
  type TestUser,
} from './support/index.ts';
import { insertCall } from './support/records.ts';
import {
  addToDoNotCall,
  dialFacts,
  hasConsent,
  isOnOpposition,
  lastRefusalAt,
  oppositionWarning,
  recordRefusal,
} from '../api/src/calling-lists/service.ts';
import { parseOppositionText } from '../api/src/calling-lists/opposition-parse.ts';

// exceljs is the API's dependency: read the workbook back with it (as tests/exports.test.ts does).
const ExcelJS = createRequire(import.meta.resolve('@switchboard/api'))('exceljs') as {
  Workbook: new () => { xlsx: { load(data: ArrayBuffer): Promise<unknown> }; worksheets: { eachRow(fn: (row: { eachCell(fn: (cell: { value: unknown }) => void): void }) => void): void }[] };
};

/**
 * Issue 15: the lists the calling rules read at every dial (do-not-call, opposition/Bloctel, consents,
 * refusals), the facts a dial reads of them in one statement, a contact's proof of compliance, and what
 * a privacy erasure keeps of them (the do-not-call entry and the refusals: they protect the person).
 */
let h: Harness;
let clock: Clock;
let app: App;
let a: Tenant;
let b: Tenant;
let provider: Client;
let supervisor: Client;
let clientAdmin: Client;
let clientMember: Client;
let operatorDesk: Client;
let otherOperatorDesk: Client;
let adminOfB: Client;
let operatorUser: TestUser;

const NOW = new Date('2026-12-07T10:00:00Z');
const url = (t: Tenant, rest: string) => `/api/t/${t.slug}/${rest}`;
const inTenant = <T>(t: Tenant, fn: Parameters<typeof withTenant<T>>[2]) => withTenant(h.db, t.id, fn);

async function seedCampaign(t: Tenant, name: string): Promise<{ campaignId: string; listId: string }> {
  const campaignId = newId();
  const listId = newId();
  await inTenant(t, async (tx) => {
    await tx
      .insertInto('campaigns')
      .values({
        tenantId: t.id,
        id: campaignId,
        name,
        function: 'telesales',
        callerId: '+33162000000',
        mode: 'preview',
        callingHours: jsonb({}),
        retryRules: jsonb({ maxAttempts: 4 }),
        dispositions: jsonb([]),
        abandonMessage: 'Nous vous rappellerons.',
        createdAt: NOW,
        updatedAt: NOW,
        updatedBy: 'test',
      })
      .execute();
    await tx.insertInto('contactLists').values({ tenantId: t.id, id: listId, campaignId, name: `${name} list`, createdAt: NOW, createdBy: 'test' }).execute();
  });
  return { campaignId, listId };
}

async function seedContact(t: Tenant, c: { campaignId: string; listId: string }, phone: string, extra: { name?: string; email?: string; timeZone?: string } = {}): Promise<string> {
  const id = newId();
  await inTenant(t, (tx) =>
    tx
      .insertInto('campaignContacts')
      .values({
        tenantId: t.id,
        id,
        campaignId: c.campaignId,
        listId: c.listId,
        lineNumber: 1,
        phone,
        name: extra.name ?? null,
        email: extra.email ?? null,
        timeZone: extra.timeZone ?? 'Europe/Paris',
        region: null,
        postcode: '75011',
        fields: jsonb({ Offre: 'Fibre' }),
        nextAttemptAt: NOW,
        createdAt: NOW,
        updatedAt: NOW,
      })
      .execute(),
  );
  return id;
}

async function seedAttempt(t: Tenant, c: { campaignId: string }, contactId: string, phone: string, dialledAt: Date | null, extra: { operatorId?: string; outcome?: 'busy' | 'no_answer' | 'answered'; zone?: string } = {}) {
  await inTenant(t, (tx) =>
    tx
      .insertInto('dialAttempts')
      .values({
        tenantId: t.id,
        id: newId(),
        campaignId: c.campaignId,
        contactId,
        phone,
        callerId: '+33162000000',
        calleeTimeZone: extra.zone ?? 'Europe/Paris',
        mode: 'preview',
        operatorId: extra.operatorId ?? null,
        status: 'ended',
        outcome: extra.outcome ?? 'no_answer',
        skipReason: null,
        callId: null,
        createdAt: dialledAt ?? NOW,
        dialledAt,
        answeredAt: null,
        endedAt: dialledAt,
      })
      .execute(),
  );
}

beforeAll(async () => {
  h = await createHarness();
  clock = createClock(NOW);
  app = h.buildApp({ clock });
  const providerUser = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant: a } = await seedTenant(h.db, { actor: actorFor(providerUser), name: 'TeleNova', locale: 'fr-FR', timeZone: 'Europe/Paris' }));
  ({ tenant: b } = await seedTenant(h.db, { actor: actorFor(providerUser), name: 'Énergie Bravo', locale: 'fr-FR', timeZone: 'Europe/Paris' }));
  provider = await logIn(app, providerUser);
  supervisor = await logIn(app, await seedUser(h.db, { kind: 'supervisor' }));
  clientAdmin = await logIn(app, await seedClientUser(h.db, a, 'client_admin'));
  clientMember = await logIn(app, await seedClientUser(h.db, a, 'client_member'));
  operatorUser = await seedOperator(h.db, [a, b]);
  operatorDesk = await logIn(app, operatorUser);
  otherOperatorDesk = await logIn(app, await seedOperator(h.db, [a]));
  adminOfB = await logIn(app, await seedClientUser(h.db, b, 'client_admin'));
});
afterAll(() => h?.close());

describe('the do-not-call list', () => {
  it("admins and supervisors add a number (E.164 in the tenant's country) with a note, idempotently, search, page and remove it; each change audited", async () => {
    const added = await clientAdmin.post(url(a, 'do-not-call'), { phone: '06 12 34 56 78', note: 'Asked by letter' });
    expect(added.status, added.text).toBe(200);
    expect(added.body).toMatchObject({ added: true, entry: { phone: '+33612345678', source: 'portal', note: 'Asked by letter' } });
    const again = await supervisor.post(url(a, 'do-not-call'), { phone: '+33 6 12 34 56 78', note: 'Twice' });
    expect(again.body).toMatchObject({ added: false, entry: { note: 'Asked by letter' } });
    expect((await supervisor.post(url(a, 'do-not-call'), { phone: '07 11 22 33 44' })).body.added).toBe(true);

    const found = await clientAdmin.get(url(a, 'do-not-call?q=5678'));
    expect(found.body.items.map((i: { phone: string }) => i.phone)).toEqual(['+33612345678']);
    expect((await clientAdmin.get(url(a, 'do-not-call?q=letter'))).body.items).toHaveLength(1);
    const first = await clientAdmin.get(url(a, 'do-not-call?limit=1'));
    expect(first.body.items).toHaveLength(1);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    // The cursor is sealed: it does not carry the number in a form a masked viewer could read.
    expect(Buffer.from(first.body.nextCursor, 'base64url').toString('latin1')).not.toMatch(/\+33\d{9}|\d{9}/);
    const second = await clientAdmin.get(url(a, `do-not-call?limit=1&cursor=${first.body.nextCursor}`));
    expect(second.body.items).toHaveLength(1);
    expect(second.body.items[0].phone).not.toBe(first.body.items[0].phone);
    expect((await clientAdmin.get(url(a, 'do-not-call?cursor=bogus'))).body.errors[0].path).toBe('cursor');

    expect((await clientAdmin.delete(url(a, `do-not-call/${encodeURIComponent('+33711223344')}`))).status).toBe(204);
    expect((await clientAdmin.delete(url(a, `do-not-call/${encodeURIComponent('+33711223344')}`))).status).toBe(404);
    const audit = await h.db.selectFrom('auditLog').select('action').where('tenantId', '=', a.id).where('action', 'like', 'do_not_call.%').execute();
    expect(audit.map((r) => r.action).sort()).toEqual(['do_not_call.added', 'do_not_call.added', 'do_not_call.removed']);
  });

  it('refuses operators and read-only members (403), and changes nothing', async () => {
    for (const who of [clientMember, operatorDesk]) {
      expect((await who.get(url(a, 'do-not-call'))).status).toBe(403);
      expect((await who.post(url(a, 'do-not-call'), { phone: '0699887766' })).status).toBe(403);
      expect((await who.delete(url(a, `do-not-call/${encodeURIComponent('+33612345678')}`))).status).toBe(403);
    }
    expect(await inTenant(a, (tx) => tx.selectFrom('doNotCall').select('phone').where('phone', '=', '+33699887766').execute())).toEqual([]);
    expect(await inTenant(a, (tx) => tx.selectFrom('doNotCall').select('phone').where('phone', '=', '+33612345678').execute())).toHaveLength(1);
  });

  it('answers 400 naming the field for a bad number, a NUL byte, a huge value, and saves nothing', async () => {
    const cases: [unknown, string][] = [
      [{ phone: '12' }, 'phone'],
      [{ phone: 'call me maybe' }, 'phone'],
      [{ phone: '9'.repeat(41) }, 'phone'],
      [{ phone: '0611111111', note: 'x'.repeat(501) }, 'note'],
      [{ phone: '0611111111', note: 'a\u0000b' }, 'note'],
      [{ phone: '06\u00001111111' }, 'phone'],
      [{ phone: '0611111111', extra: 1 }, ''],
    ];
    for (const [body, field] of cases) {
      const res = await clientAdmin.post(url(a, 'do-not-call'), body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      if (field) expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    expect(await inTenant(a, (tx) => tx.selectFrom('doNotCall').select('phone').where('phone', '=', '+33611111111').execute())).toEqual([]);
  });

  it("keeps each tenant's list its own", async () => {
    expect((await adminOfB.post(url(b, 'do-not-call'), { phone: '0655555555' })).status).toBe(200);
    const listA = await clientAdmin.get(url(a, 'do-not-call?q=55555'));
    expect(listA.body.items).toEqual([]);
    expect((await clientAdmin.delete(url(a, `do-not-call/${encodeURIComponent('+33655555555')}`))).status).toBe(404);
    expect((await adminOfB.get(url(a, 'do-not-call'))).status).toBe(404);
    expect(await inTenant(b, (tx) => tx.selectFrom('doNotCall').select('phone').execute())).toEqual([{ phone: '+33655555555' }]);
  });

  it('is idempotent as a service (on conflict do nothing)', async () => {
    const first = await inTenant(a, (tx) => addToDoNotCall(tx, { phone: '+33622222222', source: 'import', note: null, addedBy: 'import' }));
    const second = await inTenant(a, (tx) => addToDoNotCall(tx, { phone: '+33622222222', source: 'desk', note: 'again', addedBy: 'desk' }));
    expect([first, second]).toEqual([true, false]);
    expect(await inTenant(a, (tx) => tx.selectFrom('doNotCall').select(['source', 'note']).where('phone', '=', '+33622222222').execute())).toEqual([{ source: 'import', note: null }]);
  });
});

describe("the desk's one key", () => {
  it('puts the customer of the call the operator handles on the list, never answering the number; only for that operator', async () => {
    const callId = await insertCall(h.db, a, { status: 'connected', operatorId: operatorUser.id, callerNumber: '+33633333333', offeredAt: new Date(NOW.getTime() - 60_000), answeredAfterSeconds: 5 });
    const path = url(a, `desk/calls/${callId}/do-not-call`);
    for (const who of [clientAdmin, supervisor, provider]) expect((await who.post(path)).status).toBe(403);
    expect((await otherOperatorDesk.post(path)).status).toBe(404);
    // The same operator, through the other tenant they work for: the call is not there.
    expect((await operatorDesk.post(url(b, `desk/calls/${callId}/do-not-call`))).status).toBe(404);
    expect(await inTenant(a, (tx) => tx.selectFrom('doNotCall').select('phone').where('phone', '=', '+33633333333').execute())).toEqual([]);

    const res = await operatorDesk.post(path);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ added: true });
    expect(res.text).not.toContain('33633333333');
    expect((await operatorDesk.post(path)).body).toEqual({ added: false });
    expect(await inTenant(a, (tx) => tx.selectFrom('doNotCall').select(['source', 'addedBy']).where('phone', '=', '+33633333333').execute())).toEqual([
      { source: 'desk', addedBy: expect.stringContaining(operatorUser.email) },
    ]);
    const audit = await h.db.selectFrom('auditLog').select(['targetType', 'targetId', 'after']).where('tenantId', '=', a.id).where('targetId', '=', callId).where('action', '=', 'do_not_call.added').execute();
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0]!.after)).not.toContain('33633333333');
    // The rules see it at the very next dial.
    expect((await inTenant(a, (tx) => dialFacts(tx, '+33633333333', NOW))).onDoNotCall).toBe(true);
  });

  it('answers 404 for a call the operator no longer handles', async () => {
    const callId = await insertCall(h.db, a, { status: 'completed', operatorId: operatorUser.id, callerNumber: '+33634343434', offeredAt: new Date(NOW.getTime() - 30 * DAY), answeredAfterSeconds: 5, talkSeconds: 30, disposition: 'done' });
    expect((await operatorDesk.post(url(a, `desk/calls/${callId}/do-not-call`))).status).toBe(404);
  });
});

describe('opposition (Bloctel) lists', () => {
  it("reads a Bloctel checked file (numbers and a status column) fail-safe, and a plain list", () => {
    const checked = parseOppositionText('Numéro;Statut\n06 12 34 56 78;Inscrit\n0698765432;Non inscrit\nabc;Inscrit\n0033711223344;BLOQUÉ\n\n', { locale: 'fr-FR' });
    expect(checked).toMatchObject({ numbers: ['+33612345678', '+33711223344'], notListed: 1, invalidCount: 1, invalid: [{ line: 4, value: 'abc' }], column: 1, header: 'Numéro', statusColumn: 2 });
    const plain = parseOppositionText('0612345678\r\n33698765432\r\n0612345678\r\n', { locale: 'fr-FR' });
    expect(plain).toMatchObject({ numbers: ['+33612345678', '+33698765432'], invalidCount: 0, statusColumn: null, header: null });
    const mapped = parseOppositionText('id,name,tel\n1,Ann,0612345678\n2,Bob,0698765432\n', { locale: 'fr-FR', column: 'TEL' });
    expect(mapped.numbers).toEqual(['+33612345678', '+33698765432']);
    expect(parseOppositionText('id,name,tel\n1,Ann,0612345678\n', { locale: 'fr-FR' }).column).toBe(3);
  });

  it('uploads a list with its check date in parts, lists it with a warning once the newest Bloctel check is over 30 days old, and deletes it with its numbers', async () => {
    expect((await clientAdmin.get(url(a, 'opposition-lists'))).body).toEqual({ lists: [], warning: expect.objectContaining({ code: 'opposition.none' }) });
    const old = await clientAdmin.post(url(a, 'opposition-lists'), { name: 'Bloctel, October', checkedOn: '2026-10-20', text: 'Numéro;Statut\n0612345678;Inscrit\n0698765432;Non inscrit\nabc;Inscrit\n' });
    expect(old.status, old.text).toBe(201);
    expect(old.body).toMatchObject({ added: 1, notListed: 1, invalidCount: 1, column: 1, statusColumn: 2, list: { source: 'bloctel', checkedOn: '2026-10-20', rowCount: 1 }, warning: { code: 'opposition.stale', checkedOn: '2026-10-20', days: 48 } });
    const part = await clientAdmin.post(url(a, `opposition-lists/${old.body.list.id}/numbers`), { text: '0644444444;Inscrit\n0612345678;Inscrit\n', column: 1, statusColumn: 2 });
    expect(part.status, part.text).toBe(200);
    expect(part.body).toMatchObject({ added: 1, list: { rowCount: 2 } });

    const fresh = await supervisor.post(url(a, 'opposition-lists'), { source: 'bloctel', name: 'Bloctel, December', checkedOn: '2026-12-01', text: '0612345678\n' });
    expect(fresh.body.warning).toBeNull();
    const lists = await clientAdmin.get(url(a, 'opposition-lists'));
    expect(lists.body.lists.map((l: { name: string }) => l.name)).toEqual(['Bloctel, December', 'Bloctel, October']);
    expect(lists.body.warning).toBeNull();
    expect(await inTenant(a, (tx) => isOnOpposition(tx, '+33644444444'))).toBe(true);
    expect(await inTenant(a, (tx) => isOnOpposition(tx, '+33698765432'))).toBe(false);

    expect((await clientAdmin.delete(url(a, `opposition-lists/${old.body.list.id}`))).status).toBe(204);
    expect(await inTenant(a, (tx) => isOnOpposition(tx, '+33644444444'))).toBe(false);
    expect(await h.db.selectFrom('oppositionNumbers').select('phone').where('listId', '=', old.body.list.id).execute()).toEqual([]);
    expect(await inTenant(a, (tx) => isOnOpposition(tx, '+33612345678'))).toBe(true);
    expect(oppositionWarning([{ source: 'bloctel', checkedOn: '2026-11-07' }], '2026-12-07')).toBeNull();
    expect(oppositionWarning([{ source: 'bloctel', checkedOn: '2026-11-06' }], '2026-12-07')?.code).toBe('opposition.stale');
  });

  it('refuses members and operators, bad input naming the field, and keeps tenants apart', async () => {
    for (const who of [clientMember, operatorDesk]) {
      expect((await who.get(url(a, 'opposition-lists'))).status).toBe(403);
      expect((await who.post(url(a, 'opposition-lists'), { name: 'x', checkedOn: '2026-12-01' })).status).toBe(403);
    }
    const bad: [unknown, string][] = [
      [{ name: 'x', checkedOn: '2026-02-30' }, 'checkedOn'],
      [{ name: 'x', checkedOn: '2027-01-01' }, 'checkedOn'],
      [{ name: '', checkedOn: '2026-12-01' }, 'name'],
      [{ name: 'x\u0000', checkedOn: '2026-12-01' }, 'name'],
      [{ name: 'x', checkedOn: '2026-12-01', source: 'pacitel' }, 'source'],
      [{ name: 'x', checkedOn: '2026-12-01', text: 'x'.repeat(900_001) }, 'text'],
    ];
    const before = await h.db.selectFrom('oppositionLists').select('id').where('tenantId', '=', a.id).execute();
    for (const [body, field] of bad) {
      const res = await clientAdmin.post(url(a, 'opposition-lists'), body);
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    expect(await h.db.selectFrom('oppositionLists').select('id').where('tenantId', '=', a.id).execute()).toEqual(before);
    const ofB = await adminOfB.post(url(b, 'opposition-lists'), { name: 'B list', checkedOn: '2026-12-01', text: '0677777777\n' });
    expect(ofB.status).toBe(201);
    expect((await clientAdmin.delete(url(a, `opposition-lists/${ofB.body.list.id}`))).status).toBe(404);
    expect((await clientAdmin.post(url(a, `opposition-lists/${ofB.body.list.id}/numbers`), { text: '0600000001\n', column: 1 })).status).toBe(404);
    expect(await inTenant(a, (tx) => isOnOpposition(tx, '+33677777777'))).toBe(false);
    expect(await inTenant(b, (tx) => isOnOpposition(tx, '+33677777777'))).toBe(true);
  });
});

describe('consents', () => {
  it('records a consent with its source and date, lists it by number, withdraws it; hasConsent follows', async () => {
    const given = await clientAdmin.post(url(a, 'consents'), { phone: '06 88 77 66 55', source: 'Web form, newsletter page', givenAt: '2026-12-03T10:15:00Z' });
    expect(given.status, given.text).toBe(201);
    expect(given.body).toMatchObject({ phone: '+33688776655', source: 'Web form, newsletter page', givenAt: '2026-12-03T10:15:00.000Z', withdrawnAt: null });
    await clientAdmin.post(url(a, 'consents'), { phone: '0611112222', source: 'Shop', givenAt: '2026-12-01T09:00:00Z' });
    const byPhone = await supervisor.get(url(a, `consents?phone=${encodeURIComponent('06 88 77 66 55')}`));
    expect(byPhone.body.items.map((c: { id: string }) => c.id)).toEqual([given.body.id]);
    expect(await inTenant(a, (tx) => hasConsent(tx, '+33688776655', NOW))).toBe(true);
    expect(await inTenant(a, (tx) => hasConsent(tx, '+33688776655', new Date('2026-12-02T00:00:00Z')))).toBe(false);

    clock.advance(3_600_000);
    const withdrawn = await clientAdmin.post(url(a, `consents/${given.body.id}/withdraw`));
    clock.advance(-3_600_000);
    expect(withdrawn.body.withdrawnAt).toBe(new Date(NOW.getTime() + 3_600_000).toISOString());
    expect(await inTenant(a, (tx) => hasConsent(tx, '+33688776655', new Date(NOW.getTime() + 7_200_000)))).toBe(false);
    expect(await inTenant(a, (tx) => hasConsent(tx, '+33688776655', NOW))).toBe(true);
    expect((await h.db.selectFrom('auditLog').select('action').where('tenantId', '=', a.id).where('action', 'like', 'consent.%').execute()).length).toBe(3);
  });

  it('refuses members and operators, a future or malformed date, a bad number, and other tenants', async () => {
    for (const who of [clientMember, operatorDesk]) {
      expect((await who.get(url(a, 'consents'))).status).toBe(403);
      expect((await who.post(url(a, 'consents'), { phone: '0611112222', source: 's', givenAt: '2026-12-01T09:00:00Z' })).status).toBe(403);
    }
    const bad: [unknown, string][] = [
      [{ phone: '0611112223', source: 'Shop', givenAt: '2027-01-01T00:00:00Z' }, 'givenAt'],
      [{ phone: '0611112223', source: 'Shop', givenAt: 'yesterday' }, 'givenAt'],
      [{ phone: 'nope', source: 'Shop', givenAt: '2026-12-01T09:00:00Z' }, 'phone'],
      [{ phone: '0611112223', source: '', givenAt: '2026-12-01T09:00:00Z' }, 'source'],
      [{ phone: '0611112223', source: 's'.repeat(201), givenAt: '2026-12-01T09:00:00Z' }, 'source'],
    ];
    for (const [body, field] of bad) {
      const res = await clientAdmin.post(url(a, 'consents'), body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(field);
    }
    expect((await clientAdmin.get(url(a, 'consents?phone=abc'))).body.errors[0].path).toBe('phone');
    const ofB = await adminOfB.post(url(b, 'consents'), { phone: '0611112223', source: 'B shop', givenAt: '2026-12-01T09:00:00Z' });
    expect((await clientAdmin.post(url(a, `consents/${ofB.body.id}/withdraw`))).status).toBe(404);
    expect((await clientAdmin.get(url(a, 'consents?phone=0611112223'))).body.items).toEqual([]);
  });
});

describe('the facts of a dial', () => {
  it("counts the number's dials in the tenant over the last 30 days across campaigns, and reads refusal, lists and consent in one statement", async () => {
    const phone = '+33655443322';
    const one = await seedCampaign(a, 'Fibre winter');
    const two = await seedCampaign(a, 'Mobile upgrade');
    const c1 = await seedContact(a, one, phone);
    const c2 = await seedContact(a, two, phone);
    const other = await seedContact(a, one, '+33655443399');
    const times = [NOW.getTime() - 29 * DAY, NOW.getTime() - 10 * DAY, NOW.getTime() - 3_600_000].map((t) => new Date(t));
    await seedAttempt(a, one, c1, phone, times[0]!);
    await seedAttempt(a, two, c2, phone, times[1]!);
    await seedAttempt(a, one, c1, phone, times[2]!);
    await seedAttempt(a, one, c1, phone, new Date(NOW.getTime() - 31 * DAY)); // too old
    await seedAttempt(a, two, c2, phone, null); // a preview never dialled
    await seedAttempt(a, one, other, '+33655443399', times[2]!); // another number
    const inB = await seedCampaign(b, 'B campaign');
    await seedAttempt(b, inB, await seedContact(b, inB, phone), phone, times[2]!); // another tenant (client)

    const before = await inTenant(a, (tx) => dialFacts(tx, phone, NOW));
    expect(before).toEqual({ attemptTimesLast30Days: times, lastRefusalAt: null, onDoNotCall: false, onOpposition: false, consent: false, lastAbandonedAt: null });

    await inTenant(a, (tx) => recordRefusal(tx, { phone, campaignId: one.campaignId, refusedAt: new Date(NOW.getTime() - 20 * DAY) }));
    await inTenant(a, (tx) => recordRefusal(tx, { phone, campaignId: two.campaignId, refusedAt: new Date(NOW.getTime() - 5 * DAY) }));
    expect(await inTenant(a, (tx) => lastRefusalAt(tx, phone))).toEqual(new Date(NOW.getTime() - 5 * DAY));
    expect(await inTenant(b, (tx) => lastRefusalAt(tx, phone))).toBeNull();
    await clientAdmin.post(url(a, 'do-not-call'), { phone });
    await clientAdmin.post(url(a, 'opposition-lists'), { name: 'Bloctel, facts', checkedOn: '2026-12-05', text: `${phone}\n` });
    await clientAdmin.post(url(a, 'consents'), { phone, source: 'Phone call', givenAt: '2026-12-06T09:00:00Z' });
    const after = await inTenant(a, (tx) => dialFacts(tx, phone, NOW));
    expect(after).toEqual({ attemptTimesLast30Days: times, lastRefusalAt: new Date(NOW.getTime() - 5 * DAY), onDoNotCall: true, onOpposition: true, consent: true, lastAbandonedAt: null });
    // Another tenant sees none of it.
    const ofB = await inTenant(b, (tx) => dialFacts(tx, phone, NOW));
    expect(ofB).toEqual({ attemptTimesLast30Days: [times[2]], lastRefusalAt: null, onDoNotCall: false, onOpposition: false, consent: false, lastAbandonedAt: null });
  });
});

describe("a contact's proof of compliance", () => {
  const phone = '+33644332211';
  let proofPath: string;

  beforeAll(async () => {
    const main = await seedCampaign(a, 'Proof campaign');
    const other = await seedCampaign(a, 'Earlier campaign');
    const contactId = await seedContact(a, main, phone, { timeZone: 'America/Martinique' });
    const earlier = await seedContact(a, other, phone, { timeZone: 'America/Martinique' });
    await seedAttempt(a, other, earlier, phone, new Date('2026-11-20T14:30:00Z'), { zone: 'America/Martinique', operatorId: operatorUser.id, outcome: 'answered' });
    await seedAttempt(a, main, contactId, phone, new Date('2026-12-04T15:00:00Z'), { zone: 'America/Martinique', outcome: 'busy' });
    await inTenant(a, (tx) =>
      tx.insertInto('dialRefusals').values({ tenantId: a.id, id: newId(), campaignId: main.campaignId, contactId, phone, at: new Date('2026-12-05T12:00:00Z'), rule: 'weekday', detail: 'Saturday in America/Martinique' }).execute(),
    );
    await clientAdmin.post(url(a, 'consents'), { phone, source: '=HYPERLINK("http://evil.example","click")', givenAt: '2026-11-01T08:00:00Z' });
    await clientAdmin.post(url(a, 'do-not-call'), { phone, note: '@SUM(1+1)*cmd|" /C calc"!A0' });
    await clientAdmin.post(url(a, 'opposition-lists'), { name: 'Bloctel, proof', checkedOn: '2026-12-02', text: `${phone}\n` });
    proofPath = url(a, `campaigns/${main.campaignId}/contacts/${contactId}/proof`);
  });

  it('lists every attempt of the number for the tenant (all campaigns) in UTC and the callee zone, refusals, consents, opposition checks and the do-not-call entry', async () => {
    const res = await clientAdmin.get(`${proofPath}?format=json`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.contact).toMatchObject({ phone, timeZone: 'America/Martinique' });
    expect(res.body.attempts).toEqual([
      expect.objectContaining({ campaign: 'Earlier campaign', outcome: 'answered', dialledAt: '2026-11-20T14:30:00.000Z', dialledAtLocal: '2026-11-20 10:30:00', calleeTimeZone: 'America/Martinique', operator: expect.any(String) }),
      expect.objectContaining({ campaign: 'Proof campaign', outcome: 'busy', dialledAtLocal: '2026-12-04 11:00:00', operator: null }),
    ]);
    expect(res.body.ruleRefusals).toEqual([{ at: '2026-12-05T12:00:00.000Z', atLocal: '2026-12-05 08:00:00', campaign: 'Proof campaign', rule: 'weekday', detail: 'Saturday in America/Martinique' }]);
    expect(res.body.consents).toHaveLength(1);
    expect(res.body.oppositionLists).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'Bloctel, proof', checkedOn: '2026-12-02', onList: true }), expect.objectContaining({ name: 'Bloctel, December', onList: false })]));
    expect(res.body.doNotCall).toMatchObject({ source: 'portal' });
  });

  it('exports it as CSV and XLSX through the shared export code, formulas disarmed', async () => {
    const csv = await clientAdmin.get(`${proofPath}?format=csv&lang=en`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.text).toContain('At (UTC)');
    expect(csv.text).toContain('2026-11-20 14:30:00');
    expect(csv.text).toContain('2026-11-20 10:30:00');
    expect(csv.text).not.toMatch(/(^|[,;\n]"?)[=@]/);
    expect(csv.text).toContain(`'=HYPERLINK`);
    const fr = await clientAdmin.get(`${proofPath}?format=csv&lang=fr`);
    expect(fr.text).toContain('Tentative d’appel');
    const xlsx = await send(`${proofPath}?format=xlsx`);
    expect(xlsx.headers.get('content-type')).toContain('spreadsheetml');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.body);
    const cells: unknown[] = [];
    book.worksheets[0]!.eachRow((row) => row.eachCell((cell) => cells.push(cell.value)));
    expect(cells.some((v) => typeof v === 'object' && v !== null && 'formula' in v)).toBe(false);
    expect(cells).toContain('=HYPERLINK("http://evil.example","click")');
  });

  it('is for those who may export campaigns only, and not across tenants', async () => {
    for (const who of [clientMember, operatorDesk]) expect((await who.get(`${proofPath}?format=json`)).status).toBe(403);
    expect((await supervisor.get(`${proofPath}?format=json`)).status).toBe(200);
    expect((await adminOfB.get(proofPath.replace(`/t/${a.slug}/`, `/t/${b.slug}/`))).status).toBe(404);
    expect((await clientAdmin.get(proofPath.replace(/contacts\/[^/]+/, `contacts/${newId()}`))).status).toBe(404);
  });

  async function send(path: string): Promise<{ headers: Headers; body: ArrayBuffer }> {
    const res = await app.request(path, { headers: { cookie: `sb_session=${clientAdmin.token}` } });
    return { headers: res.headers, body: await res.arrayBuffer() };
  }
});

describe('erasure at the person’s request', () => {
  it('deletes consents and empties campaign contacts, but keeps the do-not-call entry (without its note) and the refusals', async () => {
    const phone = '+33622113344';
    const campaign = await seedCampaign(a, 'Erasure campaign');
    const contactId = await seedContact(a, campaign, phone, { name: 'Zoé Effacée', email: 'zoe.effacee@example.org' });
    await seedAttempt(a, campaign, contactId, phone, new Date(NOW.getTime() - DAY));
    await clientAdmin.post(url(a, 'consents'), { phone, source: 'Web form', givenAt: '2026-12-01T09:00:00Z' });
    await clientAdmin.post(url(a, 'do-not-call'), { phone, note: 'Zoé Effacée asked on 6 December' });
    await inTenant(a, (tx) => recordRefusal(tx, { phone, campaignId: campaign.campaignId, refusedAt: new Date(NOW.getTime() - DAY) }));
    // The same number in B is B's: untouched.
    await adminOfB.post(url(b, 'consents'), { phone, source: 'B form', givenAt: '2026-12-01T09:00:00Z' });

    const request = { receivedOn: '2026-12-06', channel: 'letter', reference: 'Letter of 6 December' };
    const search = await clientAdmin.post(url(a, 'privacy/search'), { phone, ...request });
    expect(search.status, search.text).toBe(200);
    expect(search.body.counts).toMatchObject({ consents: 1, campaignContacts: 1, doNotCall: 1 });
    const erased = await clientAdmin.post(url(a, 'privacy/erase'), { phone, ...request, confirm: true });
    expect(erased.status, erased.text).toBe(200);

    expect(await inTenant(a, (tx) => tx.selectFrom('consents').select('id').where('phone', '=', phone).execute())).toEqual([]);
    expect(await inTenant(a, (tx) => tx.selectFrom('doNotCall').select(['phone', 'note']).where('phone', '=', phone).execute())).toEqual([{ phone, note: null }]);
    expect(await inTenant(a, (tx) => lastRefusalAt(tx, phone))).toEqual(new Date(NOW.getTime() - DAY));
    const contact = await inTenant(a, (tx) => tx.selectFrom('campaignContacts').select(['name', 'email', 'postcode', 'fields', 'state']).where('id', '=', contactId).executeTakeFirstOrThrow());
    expect(contact).toEqual({ name: null, email: null, postcode: null, fields: {}, state: 'excluded' });
    // Still protected: the rules refuse the number and still count its recent dial.
    const facts = await inTenant(a, (tx) => dialFacts(tx, phone, NOW));
    expect(facts).toMatchObject({ onDoNotCall: true, consent: false, attemptTimesLast30Days: [new Date(NOW.getTime() - DAY)] });
    expect(await inTenant(b, (tx) => hasConsent(tx, phone, NOW))).toBe(true);
  });
});
