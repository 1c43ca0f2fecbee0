import { afterAll, beforeAll, expect, test } from 'vitest';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { withApp, type Tenant } from '@switchboard/db';
import { applyDemoIfNew } from '@switchboard/tenants';
import { insertCall } from '../support/records.ts';
import { launchBrowser, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * Issue 12: a French client admin reads its calls and orders in French (words, dates, money) and
 * downloads them as a CSV a French spreadsheet splits (BOM, `;`, decimal comma) and as an Excel
 * workbook; a German one reads its complaints in German.
 */
const ExcelJS = createRequire(import.meta.resolve('@switchboard/api'))('exceljs') as {
  Workbook: new () => { xlsx: { load(data: ArrayBuffer): Promise<unknown> }; worksheets: { name: string; getRow(n: number): { values: unknown[] } }[] };
};

let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  await applyDemoIfNew(server.database.db);
  const tenant = (slug: string) => withApp(server.database.db, (tx) => tx.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirstOrThrow()) as Promise<Tenant>;
  // 5 December 2026, 14:05 in Paris: an answered order call of 1 min 05 s.
  await insertCall(server.database.db, await tenant('pizza-napoli'), { status: 'completed', offeredAt: new Date('2026-12-05T13:05:00Z'), answeredAfterSeconds: 12, talkSeconds: 65 });
});
afterAll(() => server?.close());

/** Signs in through the API (the login page's words are another slice's), then opens `path`. */
async function signIn(page: Page, email: string, path: string) {
  await page.goto(`${server.url}/login`);
  const status = await page.evaluate(
    async (body) => (await fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status,
    JSON.stringify({ email, password: 'switchboard-demo' }),
  );
  expect(status).toBe(200);
  await page.goto(`${server.url}${path}`);
}

async function post(page: Page, path: string, json: unknown) {
  const res = await page.evaluate(
    async ([p, body]) => {
      const r = await fetch(p!, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      return { status: r.status, text: await r.text() };
    },
    [path, JSON.stringify(json)] as const,
  );
  expect(res.status, res.text).toBe(201);
}

async function download(page: Page, testId: string): Promise<{ name: string; bytes: Buffer }> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  return { name: file.suggestedFilename(), bytes: readFileSync((await file.path())!) };
}

test('a French client admin reads its calls and orders in French and exports them for a French spreadsheet', async () => {
  const browser: TestBrowser = await launchBrowser('records-languages-fr', { locale: 'fr-FR' });
  try {
    const { page, screenshot } = browser;
    await signIn(page, 'admin@pizza-napoli.test', '/t/pizza-napoli/calls');
    const calls = page.getByTestId('calls-table');
    await calls.waitFor();
    await page.getByRole('heading', { name: 'Appels' }).waitFor();
    const row = calls.getByRole('row').filter({ hasText: '5 déc. 2026' });
    await expect(row.textContent()).resolves.toMatch(/5 déc\. 2026, 14:05.*Entrant.*Prise de commande.*Terminé/);
    await screenshot('calls');
    await row.getByRole('button').click();
    const drawer = page.getByTestId('record-drawer');
    await drawer.getByText('Appel – Prise de commande').waitFor();
    await drawer.getByText('Numéro composé').waitFor();
    await screenshot('call-drawer');
    await drawer.getByRole('button', { name: 'Fermer' }).click();

    const csv = await download(page, 'calls-export-csv');
    expect(csv.name).toMatch(/^pizza-napoli-calls-\d{4}-\d\d-\d\d\.csv$/);
    expect([...csv.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = csv.bytes.toString('utf8').slice(1).split('\r\n');
    expect(lines[0]).toMatch(/^Reçu le \(Europe\/Paris\);Sens;Activité;Statut;/);
    expect(lines[1]).toMatch(/^2026-12-05 14:05:00;Entrant;Prise de commande;Terminé;/);

    // An order taken today, then the orders page: words, money and the two downloads.
    await post(page, '/api/t/pizza-napoli/orders', { items: [{ sku: 'DRINK-COLA', quantity: 2 }], paymentMethod: 'cash' });
    await page.goto(`${server.url}/t/pizza-napoli/orders`);
    const order = page.getByTestId('orders-table').getByRole('row').filter({ hasText: '#1' });
    await order.waitFor();
    const orderText = (await order.textContent()) ?? '';
    expect(orderText).toMatch(/\d{1,2} [a-zéû]+\.? 2026, \d\d:\d\d/);
    expect(orderText).toMatch(/\d+,\d\d\s€/);
    expect(orderText).toContain('Reçue');
    await page.getByText('1 commande affichée').waitFor();
    await screenshot('orders');
    await order.getByRole('button').click();
    await page.getByTestId('record-drawer').getByText('Commande n° 1').waitFor();
    await page.getByTestId('record-drawer').getByText('Espèces').waitFor();
    await screenshot('order-drawer');
    await page.keyboard.press('Escape');

    const ordersCsv = await download(page, 'orders-export-csv');
    expect([...ordersCsv.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const [header, first] = ordersCsv.bytes.toString('utf8').slice(1).split('\r\n');
    expect(header).toMatch(/^Numéro;Statut;Créée le \(Europe\/Paris\);/);
    expect(first).toMatch(/^1;Reçue;\d{4}-\d\d-\d\d \d\d:\d\d:\d\d;;Espèces;EUR;\d+,\d\d;0,00;\d+,\d\d/);

    const xlsx = await download(page, 'orders-export-xlsx');
    expect(xlsx.name).toMatch(/^pizza-napoli-orders-\d{4}-\d\d-\d\d\.xlsx$/);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(xlsx.bytes.buffer.slice(xlsx.bytes.byteOffset, xlsx.bytes.byteOffset + xlsx.bytes.byteLength) as ArrayBuffer);
    const sheet = book.worksheets[0]!;
    expect(sheet.name).toBe('Commandes');
    expect(sheet.getRow(1).values.slice(1, 4)).toEqual(['Numéro', 'Statut', 'Créée le (Europe/Paris)']);
    const values = sheet.getRow(2).values;
    expect(values[1]).toBe(1);
    expect(values[3]).toBeInstanceOf(Date);
    expect(typeof values[9]).toBe('number');
    expect(browser.problems).toEqual([]);
  } finally {
    await browser.close();
  }
});

test('a German client admin reads its complaints in German', async () => {
  const browser = await launchBrowser('records-languages-de', { locale: 'de-DE' });
  try {
    const { page, screenshot } = browser;
    await signIn(page, 'admin@banque-horizon.test', '/t/banque-horizon/complaints');
    await page.getByText('Keine Reklamationen').waitFor();
    await post(page, '/api/t/banque-horizon/complaints', { category: 'Kontoführung', severity: 'high', description: 'Gebühr doppelt abgebucht' });
    await page.reload();
    const row = page.getByTestId('complaints-table').getByRole('row').filter({ hasText: 'Kontoführung' });
    await row.waitFor();
    // "05.12.2026" style dates, German words.
    await expect(row.textContent()).resolves.toMatch(/\d\d\.\d\d\.\d{4}.*Hoch.*\d\d\.\d\d\.\d{4}.*Offen/);
    await page.getByRole('heading', { name: 'Reklamationen' }).waitFor();
    await page.getByText('1 Reklamation angezeigt').waitFor();
    await screenshot('complaints');
    await row.getByRole('button').click();
    const drawer = page.getByTestId('record-drawer');
    await drawer.getByText('Reklamation Nr. 1').waitFor();
    await drawer.getByText('Gebühr doppelt abgebucht').waitFor();
    await screenshot('complaint-drawer');
    expect(browser.problems).toEqual([]);
  } finally {
    await browser.close();
  }
});
