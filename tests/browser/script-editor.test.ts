import { afterAll, beforeAll, expect, test } from 'vitest';
import { applyDemoIfNew } from '@switchboard/tenants';
import { launchBrowser, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * A client admin builds a first script alone: from the order-taking template (its wrap-up code added
 * on the way), a step inserted and linked into the flow, a variable inserted from the menu, the live
 * check's error seen beside the field and fixed, a wrap-up code created from the step, then published.
 */
let server: TestServer;
let browser: TestBrowser;

beforeAll(async () => {
  server = await startServer();
  await applyDemoIfNew(server.database.db);
  browser = await launchBrowser('script-editor');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('a client admin creates an order script from the template, edits it with a live check and publishes it', async () => {
  const { page, screenshot } = browser;
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill('admin@telenova.test');
  await page.getByLabel('Password').fill('switchboard-demo');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL('**/t/telenova');

  // Telenova has no order script and no order_taken code: the editor offers the template.
  await page.goto(`${server.url}/t/telenova/scripts`);
  await page.getByTestId('script-card-order_taking').getByRole('link', { name: 'Create a script' }).click();
  const chooser = page.getByTestId('template-chooser');
  await chooser.getByText('Take an order').waitFor();
  await expect(chooser.textContent()).resolves.toMatch(/Order taken \(will be added\)/);
  await screenshot('template-chooser');
  expect(await codes()).not.toContain('order_taken');

  await chooser.getByRole('button', { name: 'Use this template' }).click();
  const check = page.getByTestId('live-check');
  await check.getByText('Ready to publish').waitFor();
  expect(await codes()).toContain('order_taken');
  await expect(page.getByTestId('step-greet').getByTestId('step-flow').textContent()).resolves.toBe('→ next step');

  // A step inserted after the greeting is linked: greet → say_1 → name. Its empty text is a live error.
  await page.getByRole('button', { name: 'Add a step at position 2' }).click();
  await page.getByRole('group', { name: 'Add a step at position 2' }).getByRole('button', { name: 'Say', exact: true }).click();
  const added = page.getByTestId('step-say_1');
  await added.waitFor();
  await expect(added.getByLabel('Then go to').inputValue()).resolves.toBe('name');
  await expect(page.getByTestId('step-greet').getByLabel('Then go to').inputValue()).resolves.toBe('say_1');
  await added.locator('.field-error', { hasText: 'Enter what the operator says.' }).waitFor();
  await check.getByText('1 problem to fix before publishing').waitFor();
  await expect(page.getByRole('button', { name: 'Publish' }).isDisabled()).resolves.toBe(true);
  await expect(page.locator('#publish-reason').textContent()).resolves.toMatch(/Fix the 1 problem/);
  await screenshot('live-error');

  // Fixed with words and a variable from the menu, inserted at the cursor.
  const text = added.getByLabel('What the operator says');
  await text.fill('Before we start, my name is .');
  await text.evaluate((el) => (el as unknown as { setSelectionRange(a: number, b: number): void }).setSelectionRange(28, 28));
  await added.getByRole('button', { name: 'Insert a variable' }).click();
  const menu = added.getByTestId('variable-menu');
  await menu.getByText('e.g. Julie', { exact: true }).waitFor();
  await screenshot('variables-menu');
  await menu.getByRole('button', { name: /operator's first name/ }).click();
  await expect(text.inputValue()).resolves.toBe('Before we start, my name is {{operator.firstName}}.');
  await check.getByText('Ready to publish').waitFor();
  await expect(added.locator('.field-error').count()).resolves.toBe(0);

  // A wrap-up code made from the end step is chosen there.
  const close = page.getByTestId('step-close');
  await close.getByRole('button', { name: '+ New wrap-up code' }).click();
  await close.getByLabel('Name operators see').fill('Order confirmed by phone');
  await expect(close.getByLabel('Code', { exact: true }).inputValue()).resolves.toBe('order_confirmed_by_phone');
  await close.getByRole('button', { name: 'Add the code' }).click();
  await expect.poll(() => close.getByLabel('Wrap-up code').inputValue()).toBe('order_confirmed_by_phone');
  expect(await codes()).toContain('order_confirmed_by_phone');
  await check.getByText('Ready to publish').waitFor();
  await screenshot('ready-to-publish');

  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByText('Published as version 1.').waitFor();
  await screenshot('published');

  const version = (await page.evaluate(async () => (await fetch('/api/t/telenova/scripts/order_taking/versions/1')).json())) as {
    body: { steps: { id: string; next?: string | null; text?: string; disposition?: string }[] };
  };
  const byId = Object.fromEntries(version.body.steps.map((s) => [s.id, s]));
  expect(version.body.steps.map((s) => s.id).slice(0, 3)).toEqual(['greet', 'say_1', 'name']);
  expect(byId.greet).toMatchObject({ next: 'say_1', text: '{{tenant.greeting}} My name is {{operator.firstName}}.' });
  expect(byId.say_1).toMatchObject({ next: 'name', text: 'Before we start, my name is {{operator.firstName}}.' });
  expect(byId.close).toMatchObject({ disposition: 'order_confirmed_by_phone' });
  expect(browser.problems).toEqual([]);
});

async function codes(): Promise<string[]> {
  const body = (await browser.page.evaluate(async () => (await fetch('/api/t/telenova/wrap-up-codes')).json())) as { codes: { code: string }[] };
  return body.codes.map((c) => c.code);
}
