import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import type { Tenant } from '@switchboard/db';
import { actorFor, createHarness, logIn, seedClientUser, seedTenant, seedUser, type Client, type Harness } from './support/index.ts';
import { insertCall, seedPizzaCatalog } from './support/records.ts';

/**
 * Issue 12: the record exports open right in French, German and English spreadsheets — a CSV per
 * language (`;` and decimal commas for fr/de, `,` for en, UTF-8 with a BOM, times in the tenant's zone,
 * headers and words in the language) and an XLSX whose dates are dates, amounts numbers, phones text —
 * carrying only what the tenant's rules let leave, with no cell a spreadsheet would run.
 */

// exceljs is the API's dependency: read the workbooks back with the same library a customer's Excel file comes from.
const ExcelJS = createRequire(import.meta.resolve('@switchboard/api'))('exceljs') as {
  Workbook: new () => { xlsx: { load(data: ArrayBuffer): Promise<unknown> }; worksheets: Sheet[] };
};
interface Cell {
  value: unknown;
  type: number;
  numFmt: string | undefined;
  formula?: string;
}
interface Sheet {
  name: string;
  rowCount: number;
  getRow(n: number): { values: unknown[]; cellCount: number; getCell(c: number): Cell };
}
/** exceljs's ValueType: Number 2, String 3, Date 4, Formula 6. */
const ValueType = { Number: 2, String: 3, Date: 4, Formula: 6 };

let h: Harness;
let tenant: Tenant;
let berlin: Tenant;
let clientAdmin: Client;
let berlinAdmin: Client;
let orderCreatedAt: Date;

const url = (path: string, t: Tenant = tenant) => `/api/t/${t.slug}${path}`;
/** The raw download, bytes and all (the test client decodes text, which drops a BOM). */
async function download(client: Client, path: string, headers: Record<string, string> = {}) {
  const res = await h.app.request(path, { headers: { cookie: `sb_session=${client.token}`, ...headers } });
  return { status: res.status, headers: res.headers, bytes: new Uint8Array(await res.arrayBuffer()) };
}
const text = (bytes: Uint8Array) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(bytes);
const lines = (bytes: Uint8Array) => text(bytes).replace(/^\uFEFF/, '').trim().split('\r\n');
/** The wall-clock time in a zone as `2026-12-05 14:05:00`. */
const local = (at: Date, timeZone: string) => new Intl.DateTimeFormat('sv-SE', { timeZone, dateStyle: 'short', timeStyle: 'medium' }).format(at);

async function workbook(bytes: Uint8Array): Promise<Sheet> {
  const book = new ExcelJS.Workbook();
  await book.xlsx.load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  return book.worksheets[0]!;
}

beforeAll(async () => {
  h = await createHarness();
  const provider = await seedUser(h.db, { kind: 'provider_admin' });
  ({ tenant } = await seedTenant(h.db, { actor: actorFor(provider) }));
  ({ tenant: berlin } = await seedTenant(h.db, { actor: actorFor(provider), timeZone: 'Europe/Berlin', locale: 'de-DE' }));
  clientAdmin = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_admin'));
  berlinAdmin = await logIn(h.app, await seedClientUser(h.db, berlin, 'client_admin'));
  await seedPizzaCatalog(clientAdmin, tenant);
  // Phones, names and notes may leave; e-mail addresses are sensitive (and so never leave).
  const rules = await clientAdmin.put(url('/rules'), {
    classification: { 'customer.email': 'sensitive' },
    exportFields: ['order.notes', 'order.items', 'customer.name', 'customer.phone'],
  });
  expect(rules.status, rules.text).toBe(200);
  const order = await clientAdmin.post(url('/orders'), {
    customer: { phone: '06 12 34 56 78', name: 'Marie Dupont', email: 'marie.dupont@example.fr' },
    items: [{ sku: 'TIRAMISU', quantity: 2 }],
    paymentMethod: 'cash',
    notes: '=HYPERLINK("http://evil")',
  });
  expect(order.status, order.text).toBe(201);
  orderCreatedAt = new Date(order.body.createdAt);
  await insertCall(h.db, tenant, { status: 'completed', callerNumber: '+33612345678', answeredAfterSeconds: 5, talkSeconds: 65 });
  const complaint = await berlinAdmin.post(url('/complaints', berlin), { category: 'Lieferung', severity: 'high', description: 'Zu spät' });
  expect(complaint.status, complaint.text).toBe(201);
});
afterAll(() => h?.close());

describe('CSV per language', () => {
  it('French: BOM, `;`, decimal comma, French headers and words, local times in the tenant zone', async () => {
    const res = await download(clientAdmin, url('/orders.csv?lang=fr'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(new RegExp(`${tenant.slug}-orders-\\d{4}-\\d\\d-\\d\\d\\.csv`));
    expect([...res.bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, row] = lines(res.bytes);
    expect(header).toBe(
      'Numéro;Statut;Créée le (Europe/Paris);Livraison prévue (Europe/Paris);Mode de paiement;Devise;Sous-total;Remise;Total;Articles;Notes;Nom du client;Téléphone du client',
    );
    // The amounts are numbers a French spreadsheet reads (12,00), the phone stays text, the formula stays text.
    expect(row).toBe(`1;Reçue;${local(orderCreatedAt, 'Europe/Paris')};;Espèces;EUR;12,00;0,00;12,00;2 × Tiramisu;"'=HYPERLINK(""http://evil"")";Marie Dupont;'+33612345678`);
    expect(text(res.bytes)).not.toContain('marie.dupont');
  });

  it('German: `;`, decimal comma, German headers, from Accept-Language when no lang is given', async () => {
    const res = await download(berlinAdmin, url('/complaints.csv', berlin), { 'accept-language': 'de-DE,de;q=0.9,en;q=0.8' });
    expect([...res.bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, row] = lines(res.bytes);
    expect(header).toBe('Nummer;Status;Erfasst am (Europe/Berlin);Fällig am (Europe/Berlin);Überfällig');
    expect(row).toMatch(/^1;Offen;\d{4}-\d\d-\d\d \d\d:\d\d:\d\d;\d{4}-\d\d-\d\d \d\d:\d\d:\d\d;nein$/);
    const calls = lines((await download(clientAdmin, url('/calls.csv?lang=de'))).bytes);
    expect(calls[0]).toBe(
      'Eingegangen am (Europe/Paris);Richtung;Funktion;Status;Rufnummer des Anrufers;Angenommen am (Europe/Paris);Beendet am (Europe/Paris);Wartezeit (Sekunden);Gesprächszeit (Sekunden);Ergebnis;Agent',
    );
    expect(calls[1]).toMatch(/^[\d: -]+;Eingehend;Bestellannahme;Abgeschlossen;'\+33612345678;[\d: -]+;[\d: -]+;5;65;;$/);
  });

  it('English: `,` and decimal points; an explicit lang wins over Accept-Language', async () => {
    const res = await download(clientAdmin, url('/orders.csv?lang=en'), { 'accept-language': 'fr-FR' });
    const [header, row] = lines(res.bytes);
    expect(header).toMatch(/^Number,Status,Created at \(Europe\/Paris\),/);
    expect(row).toContain(',Cash,EUR,12.00,0.00,12.00,');
  });

  it("the account's language when none is asked, over the browser's", async () => {
    const person = await logIn(h.app, await seedClientUser(h.db, tenant, 'client_member'));
    const chosen = await person.put('/api/me/language', { language: 'de' });
    expect(chosen.status, chosen.text).toBe(200);
    const german = lines((await download(person, url('/orders.csv'), { 'accept-language': 'fr-FR' })).bytes);
    expect(german[0]).toMatch(/^Nummer;Status;/);
    // an explicit lang still wins over the account's
    const english = lines((await download(person, url('/orders.csv?lang=en'))).bytes);
    expect(english[0]).toMatch(/^Number,Status,/);
  });
});

describe('XLSX', () => {
  it('writes dates as dates, amounts as numbers in the currency format, phones and formula-looking text as strings', async () => {
    const res = await download(clientAdmin, url('/orders.csv?lang=fr&format=xlsx'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    expect(res.headers.get('content-disposition')).toMatch(/-orders-\d{4}-\d\d-\d\d\.xlsx"$/);
    const sheet = await workbook(res.bytes);
    expect(sheet.name).toBe('Commandes');
    const header = sheet.getRow(1).values.slice(1);
    expect(header).toEqual(['Numéro', 'Statut', 'Créée le (Europe/Paris)', 'Livraison prévue (Europe/Paris)', 'Mode de paiement', 'Devise', 'Sous-total', 'Remise', 'Total', 'Articles', 'Notes', 'Nom du client', 'Téléphone du client']);
    const row = sheet.getRow(2);
    const at = (name: string) => row.getCell(header.indexOf(name) + 1);
    expect(at('Numéro').value).toBe(1);
    expect(at('Numéro').type).toBe(ValueType.Number);
    // The date cell holds the wall-clock time in Paris.
    expect(at('Créée le (Europe/Paris)').type).toBe(ValueType.Date);
    expect((at('Créée le (Europe/Paris)').value as Date).toISOString().slice(0, 19).replace('T', ' ')).toBe(local(orderCreatedAt, 'Europe/Paris'));
    expect(at('Créée le (Europe/Paris)').numFmt).toBe('dd/mm/yyyy hh:mm:ss');
    expect(at('Total').value).toBe(12);
    expect(at('Total').type).toBe(ValueType.Number);
    expect(at('Total').numFmt).toBe('#,##0.00 "€"');
    // Never 3.36E+10: the phone is a string cell.
    expect(at('Téléphone du client').value).toBe('+33612345678');
    expect(at('Téléphone du client').type).toBe(ValueType.String);
    // A formula-looking note is a string, never a formula.
    expect(at('Notes').value).toBe('=HYPERLINK("http://evil")');
    expect(at('Notes').type).toBe(ValueType.String);
    expect(at('Notes').formula).toBeUndefined();
    // What the rules keep in stays in: the sensitive e-mail has no column and no cell.
    expect(header).not.toContain('E-mail du client');
    expect(Buffer.from(res.bytes).toString('latin1')).not.toContain('marie.dupont');
  });

  it('calls: the caller number is text, counts are numbers; German words and formats', async () => {
    const sheet = await workbook((await download(clientAdmin, url('/calls.csv?lang=de&format=xlsx'))).bytes);
    expect(sheet.name).toBe('Anrufe');
    const row = sheet.getRow(2);
    expect(row.getCell(1).type).toBe(ValueType.Date);
    expect(row.getCell(1).numFmt).toBe('dd.mm.yyyy hh:mm:ss');
    expect(row.getCell(4).value).toBe('Abgeschlossen');
    expect(row.getCell(5).value).toBe('+33612345678');
    expect(row.getCell(5).type).toBe(ValueType.String);
    expect(row.getCell(8).value).toBe(5);
    expect(row.getCell(9).value).toBe(65);
  });

  it('carries only what the rules let leave: a phone made sensitive leaves neither file', async () => {
    const rules = await clientAdmin.put(url('/rules'), { classification: { 'customer.phone': 'sensitive' }, exportFields: ['customer.name'] });
    expect(rules.status, rules.text).toBe(200);
    for (const path of ['/orders.csv?lang=fr&format=xlsx', '/calls.csv?format=xlsx', '/orders.csv?lang=de', '/calls.csv?lang=fr']) {
      const res = await download(clientAdmin, url(path));
      expect(res.status).toBe(200);
      const raw = path.includes('xlsx') ? JSON.stringify((await workbook(res.bytes)).getRow(2).values) : text(res.bytes);
      expect(raw, path).not.toContain('612345678');
      expect(raw, path).toContain(path.includes('orders') ? 'Marie Dupont' : '');
    }
  });
});

describe('many XLSX exports at once', () => {
  it('all finish, each a whole workbook, though only a few render at a time', async () => {
    const { renderXlsx, XLSX_AT_ONCE } = await import('../api/src/records/export.ts');
    const { valueWord } = await import('../api/src/records/export-words.ts');
    const table = { sheet: 'orders' as const, columns: [{ header: 'number' as const, kind: 'integer' as const }, { header: 'status' as const, kind: 'text' as const }], rows: [[1, valueWord('fr', 'constructor')], [2, valueWord('fr', 'delivered')]] };
    const files = await Promise.all(Array.from({ length: XLSX_AT_ONCE * 3 }, () => renderXlsx(table, 'fr', 'Europe/Paris')));
    for (const file of files) {
      const sheet = await workbook(file.body);
      expect(sheet.getRow(2).values.slice(1)).toEqual([1, 'constructor']);
      expect(sheet.getRow(3).getCell(1).value).toBe(2);
    }
  });
});

describe('bad export parameters', () => {
  it('answer 400 naming the field', async () => {
    for (const [path, field] of [
      ['/orders.csv?lang=es', 'lang'],
      ['/calls.csv?format=pdf', 'format'],
      ['/complaints.csv?lang=%00fr', 'lang'],
    ] as const) {
      const res = await clientAdmin.get(url(path));
      expect(res.status, path).toBe(400);
      expect(res.contentType).toContain('application/problem+json');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual([field]);
    }
  });

  it('a forged Accept-Language (huge, NUL bytes, weights out of range) falls back to English and changes nothing else', async () => {
    for (const header of [`${'x-'.repeat(5000)}de`, 'fr\u0000;q=1', 'de;q=NaN, fr;q=-1', 'ru;q=0']) {
      const res = await download(clientAdmin, url('/orders.csv'), { 'accept-language': header.replace('\u0000', '%00') });
      expect(res.status, header.slice(0, 20)).toBe(200);
      expect(lines(res.bytes)[0], header.slice(0, 20)).toMatch(/^Number,Status,/);
    }
  });
});
