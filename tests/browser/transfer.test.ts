import { afterAll, beforeAll, expect, test } from 'vitest';
import { withTenant, type Tenant } from '@switchboard/db';
import { incomingCall, launchBrowser, pinDemoTenantForDesk, startDeskRouting, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * Issue 10: the bank's script tells the operator to put a fraud call through to the fraud desk. The
 * Transfer dialog finds it in one list (skills and the bank's own lines) and forwards the call there;
 * the bank's client admin keeps those lines on the Directory tab.
 */
let server: TestServer;
let browser: TestBrowser;
let stopRouting: () => Promise<void>;
let bank: Tenant;

const bankNumber = '+4969907012300';

beforeAll(async () => {
  server = await startServer();
  const { db } = server.database;
  // Open round the clock, no hold-back for this operator, a long wrap-up: the story does not depend on the hour or the machine's speed.
  bank = await pinDemoTenantForDesk(db, 'banque-horizon', { number: bankNumber, fn: 'information', hoursName: 'Test', wrapUpSeconds: 600, updatedBy: 'transfer test' });
  stopRouting = startDeskRouting(db);
  browser = await launchBrowser('transfer');
});

afterAll(async () => {
  await stopRouting?.();
  await browser?.close();
  await server?.close();
});

async function logIn(email: string) {
  const { page } = browser;
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('switchboard-demo');
  await page.getByRole('button', { name: 'Log in' }).click();
}

test('an operator on a bank call follows the script to the fraud desk, finds "Fraud" in the one Transfer list and forwards the call there', async () => {
  const { page, screenshot } = browser;
  await logIn('operator1@switchboard.test');
  await page.waitForURL('**/operator');
  await page.getByTestId('open-desk').click();
  await page.getByRole('button', { name: 'Go available' }).click();
  await page.getByTestId('desk-state').filter({ hasText: 'Available' }).waitFor();

  const { id: callId } = (await incomingCall(server, 'sim-fraud-1', bankNumber, '+4915112345678')).body as { id: string };
  await page.getByTestId('offer').filter({ hasText: 'Banque Horizon' }).waitFor();
  await page.keyboard.press('a');
  await page.getByTestId('client-name').filter({ hasText: 'Banque Horizon' }).waitFor();

  // The script: a stolen card with suspicious transactions ends on the transfer to the fraud desk.
  const script = page.getByTestId('script-runner');
  await script.getByTestId('script-next').click();
  await script.getByRole('button', { name: 'Karte sperren' }).click();
  await script.getByRole('button', { name: 'Ja' }).click();
  await script.getByTestId('script-outcome').filter({ hasText: 'To Betrugsabteilung' }).waitFor();

  await page.getByRole('button', { name: 'Transfer…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Transfer the call' });
  // One list: the specialists and the bank's own lines, each with its number and when it is reachable.
  await dialog.getByText('Operators with a skill').waitFor();
  await dialog.getByText("Banque Horizon's own lines").waitFor();
  expect(await dialog.getByTestId('transfer-option').count()).toBe(4);
  await screenshot('transfer-dialog');
  await dialog.getByLabel('Find a destination').fill('Fraud');
  const options = dialog.getByTestId('transfer-option');
  await expect.poll(() => options.count()).toBe(1);
  await expect(options.first().textContent()).resolves.toMatch(/Betrugsabteilung.*\+4969907012399.*Round the clock/);
  await expect(dialog.getByRole('radio', { name: 'Betrugsabteilung' }).isChecked()).resolves.toBe(true);
  await dialog.getByLabel(/Note for whoever takes it/).fill('Karte gestohlen, zwei unbekannte Abbuchungen.');
  await screenshot('transfer-dialog-fraud');
  await dialog.getByRole('button', { name: 'Transfer', exact: true }).click();
  await page.getByTestId('wrap-up').waitFor();

  const call = await withTenant(server.database.db, bank.id, (tx) => tx.selectFrom('calls').select(['status', 'forwardedTo']).where('id', '=', callId).executeTakeFirstOrThrow());
  expect(call).toEqual({ status: 'transferred_out', forwardedTo: '+4969907012399' });
  expect(browser.problems).toEqual([]);
});

test("the bank's client admin keeps the directory: the fraud desk is listed, a new branch is checked as typed and added", async () => {
  const { page, screenshot } = browser;
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL('**/login');
  await logIn('admin@banque-horizon.test');
  await page.waitForURL('**/t/banque-horizon');
  await page.getByRole('link', { name: 'Directory' }).click();
  const table = page.getByTestId('directory');
  await table.getByRole('row').filter({ hasText: 'Betrugsabteilung' }).filter({ hasText: '+4969907012399' }).waitFor();

  const form = page.getByTestId('directory-form');
  await form.getByLabel('Name').fill('=cmd');
  await form.getByLabel('Phone number').fill('call me');
  await form.getByRole('button', { name: 'Add entry' }).click();
  await form.getByText('Start the name with a letter or a digit.').waitFor();
  await form.getByText('Enter a phone number, e.g. +49 69 907012399.').waitFor();
  await screenshot('directory-invalid');

  await form.getByLabel('Name').fill('Filiale Hamburg');
  await form.getByLabel('Phone number').fill('040 3689 0');
  await form.getByLabel(/Reachable/).fill('Mon–Fri 09:00–18:00');
  await form.getByLabel('Order').fill('40');
  await form.getByRole('button', { name: 'Add entry' }).click();
  await table.getByRole('row').filter({ hasText: 'Filiale Hamburg' }).filter({ hasText: '+49403689' }).waitFor();
  await screenshot('directory');
  expect(browser.problems).toEqual([]);
});
