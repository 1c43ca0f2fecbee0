import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '@switchboard/db';
import { createRequire } from 'node:module';
import { actorFor, createHarness, logIn, seedClientUser, seedOperator, seedTenant, seedUser, snapshotTenant, type Client, type Harness } from './support/index.ts';
import { campaignBody, csvFile, prepareOutbound } from './support/campaigns.ts';

// exceljs is the API's dependency: read the workbook back with it.
const ExcelJS = createRequire(import.meta.resolve('@switchboard/api'))('exceljs') as {
  Workbook: new () => { xlsx: { load(data: ArrayBuffer): Promise<unknown> }; worksheets: { getRow(n: number): { getCell(c: number): { type: number; value: unknown } } }[] };
};

/** A campaign's contact lists (issue 15): checked line by line before anything is saved, appended, paused, exported. */
let h: Harness;
let tenant: Tenant;
let other: Tenant;
let clientAdmin: Client;
let clientMember: Client;
let operator: Client;
let otherAdmin: Client;
let campaignId: string;
let number: string;

const lists = (id = campaignId, t: Tenant = tenant) => `/api/t/${t.slug}/campaigns/${id}/lists`;
const contactsOf = (listId: string) => h.db.selectFrom('campaignContacts').selectAll().where('listId', '=', listId).orderBy('lineNumber').execute();

beforeAll(async () => {
  h = await createHarness();
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { actor: actorFor(provider), name: 'TeleNova Lists', locale: 'fr-FR', timeZone: 'Europe/Paris' }));
  ({ tenant: other } = await seedTenant(h.db, { actor: actorFor(provider), name: 'Other Lists' }));
  ({ number } = await prepareOutbound(h.db, tenant, h.clock.now()));
  clientAdmin = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_admin'));
  clientMember = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_member'));
  operator = await logIn(h.app, await seedOperator(h.db, [tenant]));
  otherAdmin = await logIn(h.app, await seedClientUser(h.db, other, 'client_admin'));
  const created = await clientAdmin.post(`/api/t/${tenant.slug}/campaigns`, campaignBody(number));
  expect(created.status).toBe(201);
  campaignId = created.body.id;
});
afterAll(() => h?.close());

const mapping = { phone: 'Téléphone', name: ['Prénom', 'Nom'], email: 'E-mail', custom: { Offre: 'offer' } };

describe('contact lists', () => {
  it('previews the header and first rows for the mapping, saving nothing', async () => {
    const before = await snapshotTenant(h.db, tenant.id);
    const res = await clientAdmin.post(`${lists()}/preview`, { kind: 'csv', content: csvFile(['Téléphone,Prénom,Nom', '0612345678,Marie,Dupont', '0698765432,Paul,Martin']) });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ headers: ['Téléphone', 'Prénom', 'Nom'], sample: [['0612345678', 'Marie', 'Dupont'], ['0698765432', 'Paul', 'Martin']], errors: [] });
    expect(await snapshotTenant(h.db, tenant.id)).toEqual(before);
  });

  it('reports every invalid row and duplicate by line and saves nothing while any row is invalid', async () => {
    const before = await snapshotTenant(h.db, tenant.id);
    const file = csvFile([
      'Téléphone,Prénom,Nom,E-mail,Offre',
      '06 12 34 56 78,Marie,Dupont,marie@example.fr,Fibre 1G', // 2: fine
      'not a number,Paul,Martin,,', // 3: phone
      ',Anne,Leroy,,', // 4: phone missing
      '+33612345678,Marie,Again,,', // 5: duplicate of 2
      '0698765432,Jean,Petit,jean-at-example,', // 6: email
    ]);
    const res = await clientAdmin.post(lists(), { name: 'December', kind: 'csv', content: file, mapping });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ saved: false, list: null, stored: 0, totals: { rows: 5, valid: 1, invalid: 3, duplicates: 1, errors: 3 } });
    expect(res.body.errors.map((e: { line: number; field: string; code: string }) => [e.line, e.field, e.code])).toEqual([
      [3, 'phone', 'phone'],
      [4, 'phone', 'required'],
      [6, 'email', 'invalid_format'],
    ]);
    expect(res.body.duplicates).toEqual([{ line: 5, phone: '+33612345678', firstLine: 2, inList: null }]);
    expect(await snapshotTenant(h.db, tenant.id)).toEqual(before);

    // The client chooses to leave the invalid rows out: the valid ones are saved, the duplicate once.
    const skipped = await clientAdmin.post(lists(), { name: 'December', kind: 'csv', content: file, mapping, skipInvalid: true });
    expect(skipped.status, skipped.text).toBe(201);
    expect(skipped.body).toMatchObject({ saved: true, stored: 1, list: { name: 'December', status: 'active', rowCount: 1, contacts: { pending: 1 } } });
    const [contact] = await contactsOf(skipped.body.list.id);
    expect(contact).toMatchObject({ lineNumber: 2, phone: '+33612345678', name: 'Marie Dupont', email: 'marie@example.fr', timeZone: 'Europe/Paris', fields: { offer: 'Fibre 1G' }, state: 'pending', attempts: 0 });
    expect(contact!.nextAttemptAt.toISOString()).toBe(h.clock.now().toISOString());
    expect(await h.db.selectFrom('auditLog').select('after').where('action', '=', 'contact_list.imported').where('targetId', '=', skipped.body.list.id).execute()).toEqual([
      { after: expect.objectContaining({ stored: 1, skippedInvalid: 3, duplicates: 1 }) },
    ]);
  });

  it('counts a number the campaign already has as a duplicate, in an import or an append, and checks without saving on checkOnly', async () => {
    const first = await clientAdmin.post(lists(), { name: 'January', kind: 'csv', content: csvFile(['phone,name', '0611111111,Ann', '0622222222,Bob']), mapping: { phone: 'phone', name: 'name' } });
    expect(first.status, first.text).toBe(201);
    const listId = first.body.list.id;
    const checked = await clientAdmin.post(`${lists()}/${listId}/rows`, { kind: 'csv', content: csvFile(['phone,name', '0633333333,Cid', '+33611111111,Ann again']), mapping: { phone: 'phone', name: 'name' }, checkOnly: true });
    expect(checked.status).toBe(200);
    expect(checked.body).toMatchObject({ saved: false, totals: { valid: 2, alreadyInCampaign: 1 }, duplicates: [{ line: 3, phone: '+33611111111', firstLine: 2, inList: 'January' }] });
    expect(await contactsOf(listId)).toHaveLength(2);

    const appended = await clientAdmin.post(`${lists()}/${listId}/rows`, { kind: 'csv', content: csvFile(['phone,name', '0633333333,Cid', '+33611111111,Ann again']), mapping: { phone: 'phone', name: 'name' } });
    expect(appended.status, appended.text).toBe(201);
    expect(appended.body).toMatchObject({ saved: true, stored: 1, list: { rowCount: 3, contacts: { pending: 3 } } });
    expect((await contactsOf(listId)).map((c) => c.phone).sort()).toEqual(['+33611111111', '+33622222222', '+33633333333']);
  });

  it('refuses a mapping naming a column the file lacks, and broken input, saving nothing', async () => {
    const before = await snapshotTenant(h.db, tenant.id);
    const missing = await clientAdmin.post(lists(), { name: 'Bad', kind: 'csv', content: csvFile(['tel,name', '0612345678,A']), mapping: { phone: 'phone' } });
    expect(missing.status).toBe(200);
    // Named on the header's line, where the column is missing.
    expect(missing.body).toMatchObject({ saved: false, errors: [{ line: 1, code: 'import.missing_column' }] });
    const skipping = await clientAdmin.post(lists(), { name: 'Bad', kind: 'csv', content: csvFile(['tel,name', '0612345678,A']), mapping: { phone: 'phone' }, skipInvalid: true });
    expect(skipping.body.saved).toBe(false);
    // A NUL byte inside the file: that row refused with its line.
    const nul = await clientAdmin.post(lists(), { name: 'Nul', kind: 'csv', content: csvFile(['phone,name', '0612345670,Ma\u0000rie']), mapping: { phone: 'phone', name: 'name' } });
    expect(nul.body).toMatchObject({ saved: false, errors: [{ line: 2, code: 'nul_byte' }] });
    const notBase64 = await clientAdmin.post(lists(), { name: 'X', kind: 'csv', content: 'not base64 at all!', mapping: { phone: 'phone' } });
    expect(notBase64.status).toBe(400);
    expect(notBase64.body.errors).toEqual([expect.objectContaining({ path: 'content' })]);
    const noName = await clientAdmin.post(lists(), { name: '', kind: 'csv', content: csvFile(['phone']), mapping: { phone: 'phone' } });
    expect(noName.body.errors).toEqual([expect.objectContaining({ path: 'name', code: 'required' })]);
    const badKey = await clientAdmin.post(lists(), { name: 'X', kind: 'csv', content: csvFile(['phone']), mapping: { phone: 'phone', custom: { Offre: 'has space' } } });
    expect(badKey.body.errors).toEqual([expect.objectContaining({ path: 'mapping.custom.Offre' })]);
    expect(await snapshotTenant(h.db, tenant.id)).toEqual(before);
  });

  it('takes a file beyond the usual body limit on the upload routes only, and refuses one over 50 MB', async () => {
    const rows = ['phone,name', ...Array.from({ length: 40_000 }, (_, i) => `+3361${String(1_000_000 + i).slice(1)}0,Contact ${i} ${'x'.repeat(20)}`)];
    const content = csvFile(rows);
    expect(content.length).toBeGreaterThan(1024 * 1024);
    const res = await clientAdmin.post(lists(), { name: 'Big', kind: 'csv', content, mapping: { phone: 'phone', name: 'name' } });
    expect(res.status, res.text.slice(0, 500)).toBe(201);
    expect(res.body).toMatchObject({ stored: 40_000, list: { rowCount: 40_000 } });
    const tooBig = await clientAdmin.post(lists(), { name: 'Huge', kind: 'csv', content: 'A'.repeat(72 * 1024 * 1024), mapping: { phone: 'phone' } });
    expect(tooBig.status).toBe(413);
    // Elsewhere the usual limit holds.
    expect((await clientAdmin.post(`/api/t/${tenant.slug}/campaigns`, { ...campaignBody(number), name: 'x'.repeat(2 * 1024 * 1024) })).status).toBe(413);
  }, 120_000);

  it('pauses and resumes a list, and exports each contact with its state, guarded against formulas', async () => {
    const file = csvFile(['phone,name,offer', '0644444444,=cmd|\' /C calc\'!A0,+SUM(1)', '0655555555,Léa,Fibre']);
    const imported = await clientAdmin.post(lists(), { name: '=HYPERLINK("x")', kind: 'csv', content: file, mapping: { phone: 'phone', name: 'name', custom: { offer: 'offer' } } });
    expect(imported.status, imported.text).toBe(201);
    const listId = imported.body.list.id;
    expect((await clientAdmin.post(`${lists()}/${listId}/pause`)).body).toMatchObject({ status: 'paused' });
    expect((await clientMember.get(lists())).body.lists.find((l: { id: string }) => l.id === listId)).toMatchObject({ status: 'paused', rowCount: 2 });
    expect((await clientMember.post(`${lists()}/${listId}/resume`)).status).toBe(403);
    expect((await clientAdmin.post(`${lists()}/${listId}/resume`)).body.status).toBe('active');

    await h.db.updateTable('campaignContacts').set({ state: 'done', attempts: 2, lastOutcome: 'answered', disposition: 'interested', lastAttemptAt: h.clock.now() }).where('listId', '=', listId).where('phone', '=', '+33655555555').execute();
    // The tenant's rules say which personal fields leave in exports: by default none of the contact's.
    const bare = await clientAdmin.get(`${lists()}/${listId}/export?format=csv&lang=en`);
    expect(bare.text.replace(/^\ufeff/, '').split('\r\n')[0]).toBe('Line,Postcode,Time zone,State,Attempts,Last outcome,Last attempt (Europe/Paris),Disposition,Callback at (Europe/Paris),offer');
    expect(bare.text).not.toContain('33644444444');
    const rules = await clientAdmin.put(`/api/t/${tenant.slug}/rules`, { exportFields: ['customer.name', 'customer.phone', 'customer.email'] });
    expect(rules.status, rules.text).toBe(200);
    const csv = await clientAdmin.get(`${lists()}/${listId}/export?format=csv&lang=en`);
    expect(csv.status).toBe(200);
    expect(csv.contentType).toMatch(/text\/csv/);
    // A CSV carries a whole list (an import holds at most 200,000 rows); a workbook the shared 50,000.
    expect(csv.headers.get('x-export-row-limit')).toBe('200000');
    const lines = csv.text.replace(/^\ufeff/, '').trim().split('\r\n');
    expect(lines[0]).toBe('Line,Phone,Name,Email,Postcode,Time zone,State,Attempts,Last outcome,Last attempt (Europe/Paris),Disposition,Callback at (Europe/Paris),offer');
    // The formula guard: each cell a spreadsheet would run leaves with an apostrophe (quoted where it holds a |).
    expect(lines[1]).toBe(`2,'+33644444444,"'=cmd|' /C calc'!A0",,,Europe/Paris,pending,0,,,,,'+SUM(1)`);
    expect(lines[2]).toMatch(/^3,'\+33655555555,Léa,,,Europe\/Paris,done,2,answered,[^,]+,interested,,Fibre$/);
    const xlsx = await h.app.request(`${lists()}/${listId}/export?format=xlsx`, { headers: { cookie: `sb_session=${clientAdmin.token}` } });
    expect(xlsx.status).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(await xlsx.arrayBuffer());
    const cell = book.worksheets[0]!.getRow(2).getCell(3);
    // exceljs's ValueType.Formula is 6: the name is a text cell, never run.
    expect(cell.type).not.toBe(6);
    expect(cell.value).toBe("=cmd|' /C calc'!A0");

    // Only who may export: client members and operators may not; another tenant sees no such list.
    expect((await clientMember.get(`${lists()}/${listId}/export`)).status).toBe(403);
    expect((await operator.get(`${lists()}/${listId}/export`)).status).toBe(403);
    expect((await otherAdmin.get(`${lists(campaignId, other)}/${listId}/export`)).status).toBe(404);
    expect((await otherAdmin.post(`${lists(campaignId, other)}/${listId}/pause`)).status).toBe(404);
    expect((await otherAdmin.post(`${lists(campaignId, other)}`, { name: 'X', kind: 'csv', content: csvFile(['phone', '0612345678']), mapping: { phone: 'phone' } })).status).toBe(404);
  });

  it('refuses imports from users who may not manage campaigns', async () => {
    const body = { name: 'X', kind: 'csv', content: csvFile(['phone', '0612345678']), mapping: { phone: 'phone' } };
    expect((await clientMember.post(lists(), body)).status).toBe(403);
    expect((await operator.post(lists(), body)).status).toBe(403);
    expect((await operator.get(lists())).status).toBe(403);
  });
});
