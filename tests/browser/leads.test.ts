import { afterAll, beforeAll, expect, test } from 'vitest';
import { jsonb, withTenant, type Tenant } from '@switchboard/db';
import { createTenant } from '@switchboard/api';
import { seedCallRecords } from '../support/routing.ts';
import { seedClientUser, type TestUser } from '../support/users.ts';
import { launchBrowser, logInThroughApi, screenshotInto, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * Issue 14 in the portal: a client admin reads the leads its calls produced (a sensitive phone masked by
 * its rules), moves one along, and reads the customer records entered from calls, before and after —
 * in English and in French.
 */
let server: TestServer;
let en: TestBrowser;
let fr: TestBrowser;
let bank: Tenant;
let clientAdmin: TestUser;
const shotsDir = process.env.SHOTS_DIR;

beforeAll(async () => {
  server = await startServer();
  const { db } = server.database;
  ({ tenant: bank } = await createTenant(db, null, { slug: 'banque-horizon', name: 'Banque Horizon', legalName: 'Banque Horizon AG', timeZone: 'Europe/Berlin', locale: 'de-DE', currency: 'EUR' }, new Date()));
  clientAdmin = await seedClientUser(db, bank, 'client_admin', { email: 'admin@banque-horizon.test', displayName: 'Jonas Weber' });
  await seedCallRecords(db, bank);
  await withTenant(db, bank.id, async (tx) => {
    const call = await tx.selectFrom('calls').select('id').where('status', '=', 'completed').executeTakeFirstOrThrow();
    await tx
      .updateTable('leads')
      .set({ fields: jsonb({ name: 'Claire Martin', phone: '+4915112345678', postcode: '60311', interest: ['baufinanzierung', 'sparen'], budget: 250000, timeline: 'quartal' }) })
      .where('callId', '=', call.id)
      .execute();
    const customer = await tx.selectFrom('customers').select('id').executeTakeFirstOrThrow();
    await tx.updateTable('customerRecordChanges').set({ action: 'updated', changes: jsonb([{ field: 'customer.name', before: 'C. Martin', after: 'Claire Martin' }, { field: 'customer.email', before: null, after: 'claire.martin@example.de' }]) }).where('customerId', '=', customer.id).execute();
  });
  en = await launchBrowser('leads-en', { locale: 'en-GB' });
  fr = await launchBrowser('leads-fr', { locale: 'fr-FR' });
});

afterAll(async () => {
  await en?.close();
  await fr?.close();
  await server?.close();
});

const shot = (browser: TestBrowser, name: string) => screenshotInto(browser, name, shotsDir);

const logIn = (browser: TestBrowser, user: TestUser) => logInThroughApi(browser, server.url, user);

test('a client admin reads its leads and records entered, masked by its rules, and moves a lead along, in English and French', async () => {
  await logIn(en, clientAdmin);
  const { page } = en;
  const rules = await page.request.put(`${server.url}/api/t/banque-horizon/rules`, { data: { classification: { 'customer.phone': 'sensitive' }, operatorVisibility: 'masked' }, headers: { origin: server.url } });
  expect(rules.status()).toBe(200);
  await page.goto(`${server.url}/t/banque-horizon/leads`);
  const row = page.getByTestId('leads-table').getByRole('row').filter({ hasText: 'Claire Martin' });
  await row.waitFor();
  await expect(row.textContent()).resolves.not.toContain('12345678');
  await shot(en, 'leads-en-leads-list');
  await row.getByRole('button').click();
  await page.getByText('baufinanzierung, sparen').first().waitFor();
  await page.locator('#lead-status').selectOption('contacted');
  await page.getByTestId('leads-table').getByText('Contacted').waitFor();
  await shot(en, 'leads-en-leads-drawer');
  await page.goto(`${server.url}/t/banque-horizon/data-entry`);
  await page.getByTestId('data-entry-table').getByText('claire.martin@example.de').waitFor();
  await shot(en, 'leads-en-data-entry');

  await logIn(fr, clientAdmin);
  await fr.page.goto(`${server.url}/t/banque-horizon/leads`);
  await fr.page.getByTestId('leads-table').getByText('Contacté').waitFor();
  await shot(fr, 'leads-fr-leads-list');
  await fr.page.goto(`${server.url}/t/banque-horizon/data-entry`);
  await fr.page.getByRole('heading', { name: 'Saisie de fiches' }).waitFor();
  await shot(fr, 'leads-fr-data-entry');
});
