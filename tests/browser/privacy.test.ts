import { afterAll, beforeAll, expect, test } from 'vitest';
import { applyDemoIfNew } from '@switchboard/tenants';
import { launchBrowser, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * Privacy requests (issue 11): a client admin finds a caller by phone number, downloads what is held
 * about them, erases it after a confirmation that says what will happen, and sees the three steps in
 * the history — who, when and why, never the person.
 */
let server: TestServer;
let browser: TestBrowser;

beforeAll(async () => {
  server = await startServer();
  await applyDemoIfNew(server.database.db);
  browser = await launchBrowser('privacy');
});

afterAll(async () => {
  await browser?.close();
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
  expect(await result.textContent()).not.toContain('Zoé');
  await browser.screenshot('found');

  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Download export (JSON)' }).click();
  expect((await download).suggestedFilename()).toMatch(/^pizza-napoli-personal-data-\d{4}-\d{2}-\d{2}\.json$/);
  await page.getByText('The export was downloaded').waitFor();

  await page.getByRole('button', { name: 'Erase…' }).click();
  const confirm = page.getByTestId('privacy-confirm');
  await confirm.waitFor();
  expect(await confirm.textContent()).toContain('Deleted: 1 customer record.');
  expect(await confirm.textContent()).toContain('1 complaint keeps its number');
  await browser.screenshot('confirm');
  await page.getByRole('button', { name: 'Erase permanently' }).click();
  await page.getByTestId('privacy-erased').waitFor();
  await expect.poll(() => page.getByTestId('privacy-history').locator('tbody tr').count()).toBe(3);
  const history = await page.getByTestId('privacy-history').textContent();
  expect(history).toContain('Erasure');
  expect(history).toContain('Letter of 30 November, ticket PR-17');
  expect(history).not.toContain('44 55 66 77');
  await browser.screenshot('erased');
  expect(browser.problems).toEqual([]);
});
