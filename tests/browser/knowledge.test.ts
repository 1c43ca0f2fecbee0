import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Tenant } from '@switchboard/db';
import { incomingCall, launchBrowser, pinDemoTenantForDesk, startDeskRouting, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * Knowledge search that finds what operators type (issue 10): on a bank call, the operator types
 * "Karte gestohlen" and the bank's "Karte sperren" procedure comes up through the bank's synonyms,
 * the words found marked; the bank's admin keeps those synonyms in the portal's Catalog.
 */
let server: TestServer;
let browser: TestBrowser;
let stopRouting: () => Promise<void>;
let bank: Tenant;

const bankNumber = '+4969907012399';

beforeAll(async () => {
  server = await startServer();
  const { db } = server.database;
  // Open around the clock, no hold-back, the bank's agreement signed: the call reaches this operator whatever the hour.
  bank = await pinDemoTenantForDesk(db, 'banque-horizon', { number: bankNumber, fn: 'information', hoursName: 'Always', signAgreement: true });
  stopRouting = startDeskRouting(db);
  browser = await launchBrowser('knowledge');
});

afterAll(async () => {
  await stopRouting?.();
  await browser?.close();
  await server?.close();
});

async function logIn(email: string, landing: string) {
  const { page } = browser;
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('switchboard-demo');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(landing);
}

test('on a bank call, typing "Karte gestohlen" in the knowledge panel finds "Karte sperren", the words found marked', async () => {
  const { page, screenshot } = browser;
  await logIn('operator1@switchboard.test', '**/operator');
  await page.getByTestId('open-desk').click();
  await page.waitForURL('**/desk');
  await page.getByRole('button', { name: 'Go available' }).click();
  await page.getByTestId('desk-state').filter({ hasText: 'Available' }).waitFor();

  const res = await incomingCall(server, 'knowledge-bank-1', bankNumber, '+4915112340000');
  expect(res.status).toBe(200);
  await page.getByTestId('offer').filter({ hasText: 'Banque Horizon' }).waitFor();
  await page.keyboard.press('a');
  await page.getByTestId('client-banner').getByTestId('client-name').filter({ hasText: 'Banque Horizon' }).waitFor();

  // Typed, not submitted: the panel searches once the operator pauses.
  const knowledge = page.getByTestId('knowledge-panel');
  await knowledge.getByRole('searchbox').pressSequentially('Karte gestohlen', { delay: 20 });
  const hit = knowledge.locator('li').filter({ hasText: 'Karte sperren' }).first();
  await hit.waitFor();
  const marks = await hit.locator('mark').allTextContents();
  expect(marks).toEqual(expect.arrayContaining(['Karte', 'sperren']));
  await expect(hit.textContent()).resolves.toContain('Related word');
  await knowledge.scrollIntoViewIfNeeded();
  await screenshot('desk-knowledge-karte-gestohlen');
  await knowledge.screenshot({ path: '/work/wt/shots/knowledge-panel.png' }).catch(() => undefined);

  // A typo in the word being typed still finds it.
  await knowledge.getByRole('searchbox').fill('Krate sp');
  await knowledge.locator('li').filter({ hasText: 'Karte sperren' }).first().waitFor();
  expect(browser.problems).toEqual([]);
});

test("the bank's admin sees its synonym groups in the Catalog, adds one (a bad word refused beside the field) and removes it", async () => {
  const { page, screenshot } = browser;
  await page.context().clearCookies();
  await logIn('admin@banque-horizon.test', '**/t/banque-horizon**');
  await page.goto(`${server.url}/t/banque-horizon/catalog?view=synonyms`);
  const editor = page.getByTestId('catalog-synonyms');
  const groups = editor.getByTestId('synonym-groups');
  await groups.getByText('gestohlen', { exact: true }).waitFor();

  await editor.getByTestId('synonym-terms').fill('Girokonto');
  await editor.getByRole('button', { name: 'Add group' }).click();
  await editor.getByRole('alert').filter({ hasText: 'Enter at least two words' }).waitFor();
  await editor.getByTestId('synonym-terms').fill('Girokonto, =HYPERLINK("x")');
  await editor.getByRole('button', { name: 'Add group' }).click();
  await editor.getByRole('alert').filter({ hasText: '“=HYPERLINK("x")”: Use letters and digits' }).waitFor();

  await editor.getByTestId('synonym-terms').fill('Girokonto, Konto, Bankkonto');
  await editor.getByRole('button', { name: 'Add group' }).click();
  const added = groups.locator('li').filter({ hasText: 'Bankkonto' });
  await added.waitFor();
  await expect(editor.getByTestId('synonym-terms').inputValue()).resolves.toBe('');
  await screenshot('portal-synonyms');
  await editor.screenshot({ path: '/work/wt/shots/knowledge-synonyms-editor.png' }).catch(() => undefined);

  await added.getByRole('button', { name: /^Remove/ }).click();
  await added.getByRole('button', { name: 'Remove group' }).click();
  await groups.locator('li').filter({ hasText: 'Bankkonto' }).waitFor({ state: 'detached' });
  expect(browser.problems).toEqual([]);
});
