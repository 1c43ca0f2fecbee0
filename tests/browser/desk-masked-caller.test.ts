import { afterAll, beforeAll, expect, test } from 'vitest';
import { withTenant, type Tenant } from '@switchboard/db';
import { loadRules, replaceRules } from '@switchboard/api';
import { incomingCall, launchBrowser, logInAs, pinDemoTenantForDesk, startDeskRouting, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * Issue 11, finding 6 at the desk: where the client classes phone numbers as sensitive, the operator sees
 * the caller's number masked on the offer and the banner, and still saves the caller's customer record —
 * the server takes the number from the call.
 */
let server: TestServer;
let browser: TestBrowser;
let stopRouting: () => Promise<void>;
let pizza: Tenant;

const pizzaNumber = '+33142868277';
const caller = '+33644213377';

beforeAll(async () => {
  server = await startServer();
  const { db } = server.database;
  pizza = await pinDemoTenantForDesk(db, 'pizza-napoli', { number: pizzaNumber, fn: 'order_taking', hoursName: 'Always', wrapUpSeconds: 600, updatedBy: 'masked caller test' });
  await withTenant(db, pizza.id, async (tx) => {
    const rules = await loadRules(tx);
    const exportFields = rules.exportFields.filter((f) => f !== 'customer.phone');
    await replaceRules(tx, pizza.id, null, { ...rules, exportFields, operatorVisibility: 'last_four', classification: { ...rules.classification, 'customer.phone': 'sensitive' } }, new Date());
  });
  stopRouting = startDeskRouting(db);
  browser = await launchBrowser('desk-masked-caller');
});

afterAll(async () => {
  await stopRouting?.();
  await browser?.close();
  await server?.close();
});

test("the operator sees the caller's number masked, and still saves the caller's record", async () => {
  const { page, screenshot } = browser;
  await logInAs(page, server.url, 'operator1@switchboard.test', '/operator');
  await page.goto(`${server.url}/desk`);
  await page.getByRole('button', { name: 'Go available' }).click();
  await page.getByText('Waiting for the next call').waitFor();

  expect((await incomingCall(server, 'masked-1', pizzaNumber, caller)).status).toBe(200);
  const offer = page.getByTestId('offer');
  await offer.filter({ hasText: '•••• 3377' }).waitFor();
  await screenshot('offer');
  await page.getByTestId('accept').click();
  const banner = page.getByTestId('client-banner');
  await banner.getByTestId('caller-number').filter({ hasText: '•••• 3377' }).waitFor();

  await page.getByRole('tab', { name: 'Customer' }).click();
  const form = page.getByTestId('customer-form');
  await expect(form.getByTestId('customer-phone-masked').inputValue()).resolves.toMatch(/masked/);
  await form.getByLabel('Name').fill('Jeanne Caller');
  await form.getByRole('button', { name: 'Save customer' }).click();
  await page.getByText('Customer saved').waitFor();
  await screenshot('customer-saved');
  expect(await page.content()).not.toContain('644213377');

  const saved = await withTenant(server.database.db, pizza.id, (tx) => tx.selectFrom('customers').select(['phone', 'name']).where('name', '=', 'Jeanne Caller').executeTakeFirst());
  expect(saved).toEqual({ phone: caller, name: 'Jeanne Caller' });
  expect(browser.problems).toEqual([]);
});
