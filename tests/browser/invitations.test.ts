import { afterAll, beforeAll, expect, it } from 'vitest';
import { applyDemoIfNew } from '@switchboard/tenants';
import { launchBrowser, logInAs, startServer, type TestBrowser, type TestServer } from './support.ts';

// Issue 11, finding 7, in the portal: inviting an address that has an account elsewhere looks like any
// invitation to the inviting company, and its owner joins from their own session.
let server: TestServer;
let browser: TestBrowser;

beforeAll(async () => {
  server = await startServer();
  await applyDemoIfNew(server.database.db);
  browser = await launchBrowser('invitations');
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

it('invites an address known elsewhere like any other, and its owner joins from the banner', async () => {
  const { page, screenshot } = browser;
  await logInAs(page, server.url, 'admin@pizza-napoli.test', '/t/pizza-napoli');
  await page.goto(`${server.url}/t/pizza-napoli/users`);
  await page.getByRole('button', { name: 'Invite a user' }).click();
  await page.getByLabel('Full name').fill('Tatiana from TeleNova');
  await page.getByLabel('Email').fill('admin@telenova.test');
  await page.getByRole('button', { name: 'Invite', exact: true }).click();

  // The same one-time password card as for a new address, saying what an account holder does instead.
  await page.getByTestId('temporary-password').waitFor();
  const code = await page.getByTestId('temporary-password').inputValue();
  await page.getByText('its owner logs in with their own password instead').waitFor();
  await page.getByRole('button', { name: 'I have saved it' }).click();
  const open = page.getByTestId('open-invitations');
  await open.getByText('admin@telenova.test').waitFor();
  await open.getByText(/Expires/).waitFor();
  await screenshot('invited');

  await logInAs(page, server.url, 'admin@telenova.test', '/t/telenova');
  const banner = page.getByTestId('pending-invitations');
  await banner.getByText('Pizza Napoli invites you to its portal as client member.').waitFor();
  await screenshot('banner');
  // The session alone does not join: the invitation's own code does.
  await expect(banner.getByRole('button', { name: 'Join Pizza Napoli' }).isDisabled()).resolves.toBe(true);
  await banner.getByLabel('One-time code from the invitation').fill(code);
  await banner.getByRole('button', { name: 'Join Pizza Napoli' }).click();
  await page.waitForURL('**/t/pizza-napoli');
  await banner.waitFor({ state: 'detached' });
  await screenshot('joined');

  await logInAs(page, server.url, 'admin@pizza-napoli.test', '/t/pizza-napoli');
  await page.goto(`${server.url}/t/pizza-napoli/users`);
  await page.getByText('Tatiana', { exact: false }).or(page.getByText('admin@telenova.test')).first().waitFor();
  await expect(page.getByTestId('open-invitations').count()).resolves.toBe(0);
  expect(browser.problems).toEqual([]);
}, 180_000);
