import { afterAll, beforeAll, expect, test } from 'vitest';
import { jsonb, newId, withTenant } from '@switchboard/db';
import { applyDemoIfNew } from '@switchboard/tenants';
import { launchBrowser, logInThroughApi, screenshotInto, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * Privacy requests (issue 11): a client admin finds a caller by phone number, downloads what is held
 * about them, erases it after a confirmation that says what will happen, and sees the three steps in
 * the history — who, when and why, never the person. Her lead and the change a call made to her record
 * are counted, erased and listed in the history, in English and in French.
 */
let server: TestServer;
let browser: TestBrowser;
let french: TestBrowser;
const shotsDir = process.env.SHOTS_DIR;

beforeAll(async () => {
  server = await startServer();
  await applyDemoIfNew(server.database.db);
  browser = await launchBrowser('privacy');
  french = await launchBrowser('privacy-fr', { locale: 'fr-FR' });
});

afterAll(async () => {
  await browser?.close();
  await french?.close();
  await server?.close();
});

test('a client admin finds, exports and erases a caller, and the history keeps the request without them', async () => {
  const { page } = browser;
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill('admin@pizza-napoli.test');
  await page.getByLabel('Password').fill('switchboard-demo');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL('**/t/pizza-napoli');

  // The caller, captured as the portal would: a customer record and a complaint.
  const seeded = await page.evaluate(async () => {
    const post = (path: string, body: unknown) =>
      fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.status);
    const customer = { phone: '06 44 55 66 77', name: 'Zoé Personne', email: 'zoe@example.org', address: '3 rue des Lilas, Lyon' };
    return [
      await post('/api/t/pizza-napoli/contacts', customer),
      await post('/api/t/pizza-napoli/complaints', { customer, category: 'Late delivery', severity: 'low', description: 'Zoé waited an hour.' }),
    ];
  });
  expect(seeded).toEqual([201, 201]);
  // A call of hers qualified her as a lead and cleaned her record's name (issue 14).
  const { db } = server.database;
  const pizza = await db.selectFrom('tenants').select('id').where('slug', '=', 'pizza-napoli').executeTakeFirstOrThrow();
  await withTenant(db, pizza.id, async (tx) => {
    const customer = await tx.selectFrom('customers').select('id').where('phone', '=', '+33644556677').executeTakeFirstOrThrow();
    const callId = newId();
    const at = new Date();
    await tx.insertInto('calls').values({ tenantId: pizza.id, id: callId, externalId: `seed-${callId}`, function: 'order_taking', dialledNumber: '+33100000000', callerNumber: '+33644556677', status: 'completed', offeredAt: at, answeredAt: at, endedAt: at }).execute();
    await tx.insertInto('leads').values({ tenantId: pizza.id, id: newId(), callId, function: 'order_taking', fields: jsonb({ name: 'Zoé Personne', phone: '+33644556677' }), createdAt: at }).execute();
    await tx
      .insertInto('customerRecordChanges')
      .values({ tenantId: pizza.id, id: newId(), callId, customerId: customer.id, action: 'updated', changes: jsonb([{ field: 'customer.name', before: 'Zoe P.', after: 'Zoé Personne' }]), at })
      .execute();
  });

  await page.getByRole('link', { name: 'Privacy requests' }).click();
  await page.waitForURL('**/t/pizza-napoli/privacy');
  await expect.poll(() => page.getByText('No requests yet').isVisible()).toBe(true);

  await page.getByRole('textbox', { name: 'Phone number' }).fill('06 44 55 66 77');
  await page.getByLabel('Received by').selectOption('letter');
  await page.getByLabel('Request reference').fill('Letter of 30 November, ticket PR-17');
  await page.getByRole('button', { name: 'Search' }).click();
  const result = page.getByTestId('privacy-result');
  await result.waitFor();
  await expect.poll(() => result.textContent()).toContain('1 customer record');
  expect(await result.textContent()).toContain('1 complaint');
  expect(await result.textContent()).toContain('1 lead');
  expect(await result.textContent()).toContain('1 change to a customer record');
  expect(await result.textContent()).not.toContain('Zoé');
  await screenshotInto(browser, 'privacy-en-found', shotsDir);

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download export (JSON)' }).click();
  expect((await download).suggestedFilename()).toMatch(/^pizza-napoli-personal-data-\d{4}-\d{2}-\d{2}\.json$/);
  await page.getByText('The export was downloaded').waitFor();

  await page.getByRole('button', { name: 'Erase…' }).click();
  const confirm = page.getByTestId('privacy-confirm');
  await confirm.waitFor();
  expect(await confirm.textContent()).toContain('Deleted: 1 customer record, 1 lead and 1 change to a customer record.');
  expect(await confirm.textContent()).toContain('1 complaint keeps its number');
  await screenshotInto(browser, 'privacy-en-confirm', shotsDir);
  await page.getByRole('button', { name: 'Erase permanently' }).click();
  await page.getByTestId('privacy-erased').waitFor();
  await expect.poll(() => page.getByTestId('privacy-history').locator('tbody tr').count()).toBe(3);
  const history = await page.getByTestId('privacy-history').textContent();
  expect(history).toContain('Erasure');
  expect(history).toContain('Letter of 30 November, ticket PR-17');
  expect(history).not.toContain('44 55 66 77');
  await page.getByTestId('privacy-erased').getByText('1 lead').waitFor();
  await screenshotInto(browser, 'privacy-en-erased', shotsDir);
  expect(browser.problems).toEqual([]);

  // In French, the history says what each request found and removed, leads and record changes included.
  await logInThroughApi(french, server.url, { email: 'admin@pizza-napoli.test', password: 'switchboard-demo' });
  await french.page.goto(`${server.url}/t/pizza-napoli/privacy`);
  const frenchHistory = french.page.getByTestId('privacy-history');
  await frenchHistory.getByText(/1 prospect, 1 modification de fiche client/).first().waitFor();
  await screenshotInto(french, 'privacy-fr-history', shotsDir);
  expect(french.problems).toEqual([]);
});
