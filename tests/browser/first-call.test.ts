import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfig, signTelephonyRequest, startRouting } from '@switchboard/api';
import { launchBrowser, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * A new company goes live alone, using only what the pages offer: the provider admin onboards it
 * (company and first client admin, a phone number, two operators with the skill); its client admin
 * follows the go-live checklist — opening hours, a script from the template (its wrap-up codes
 * added on the way), delegating the function — until it says the company takes calls; then the first
 * call rings through the signed telephony boundary, an operator takes it at the desk and wraps it up,
 * and the client admin reads it in its Calls.
 */
const admin = { email: 'admin@provider.test', password: 'provider-admin-password', displayName: 'Ada Provider' };
const amelie = { email: 'amelie@provider.test', password: 'operator-password-1', displayName: 'Amélie Laurent' };
const bruno = { email: 'bruno@provider.test', password: 'operator-password-2', displayName: 'Bruno Keller' };
const company = { name: 'Jardins de Provence', slug: 'jardins-de-provence', legalName: 'Jardins de Provence SAS' };
const clientAdmin = { displayName: 'Paul Girard', email: 'paul@jardins-provence.test', newPassword: 'lavender-fields-in-june' };
const number = '+33491000777';
const caller = '+33612345099';

let server: TestServer;
let browser: TestBrowser;
let stopRouting: (() => Promise<void>) | undefined;

beforeAll(async () => {
  server = await startServer();
  await server.seedUser({ ...admin, kind: 'provider_admin' });
  await server.seedUser({ ...amelie, kind: 'operator' });
  await server.seedUser({ ...bruno, kind: 'operator' });
  stopRouting = startRouting({ db: server.database.db, now: () => new Date(), intervalMs: 200 });
  browser = await launchBrowser('first-call');
});

afterAll(async () => {
  await stopRouting?.();
  await browser?.close();
  await server?.close();
});

async function logIn(email: string, password: string) {
  const { page } = browser;
  await page.context().clearCookies();
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => url.pathname !== '/login');
}

const itemStatus = (item: string) => browser.page.getByTestId(`go-live-information-${item}`).getAttribute('data-status');

test('a new company goes from onboarding to its first handled call through the pages alone', async () => {
  const { page, screenshot } = browser;

  // The provider admin onboards the company with its first client admin.
  await logIn(admin.email, admin.password);
  await page.waitForURL('**/admin/tenants');
  await page.getByRole('link', { name: 'Onboard a tenant' }).first().click();
  await page.getByLabel('Company name').fill(company.name);
  await page.getByLabel('Legal name').fill(company.legalName);
  await page.getByLabel('Time zone').fill('Europe/Paris');
  await page.getByLabel('Full name').fill(clientAdmin.displayName);
  await page.getByLabel('Email').fill(clientAdmin.email);
  await page.getByRole('button', { name: 'Create tenant and continue' }).click();

  // Its one-time password is shown once, beside the numbers step.
  const passwordField = page.getByTestId('temporary-password');
  await passwordField.waitFor();
  const temporaryPassword = await passwordField.inputValue();
  await page.getByRole('button', { name: 'I have saved it' }).click();

  // A number for information, then two operators with the skill.
  await page.getByRole('heading', { name: `Phone numbers for ${company.name}` }).waitFor();
  await page.getByRole('textbox', { name: 'Number', exact: true }).fill(number);
  await page.getByRole('combobox', { name: 'Function' }).selectOption({ label: 'Information & advice' });
  await page.getByRole('button', { name: 'Add number' }).click();
  await page.getByTestId('onboard-numbers').getByText(number).waitFor();
  await page.getByRole('button', { name: 'Next: operators' }).click();
  await page.getByRole('heading', { name: `Operators for ${company.name}` }).waitFor();
  for (const operator of [amelie, bruno]) {
    await page.getByLabel('Operator', { exact: true }).selectOption({ label: `${operator.displayName} — ${operator.email}` });
    await page.getByRole('group', { name: 'Skills' }).getByLabel('Information & advice').check();
    await page.getByRole('button', { name: 'Assign', exact: true }).click();
    await page.getByTestId('onboard-operators').getByText(operator.displayName).waitFor();
  }
  await screenshot('provider-operators-assigned');
  await page.getByRole('button', { name: 'Finish: see the go-live checklist' }).click();
  await page.waitForURL(`**/t/${company.slug}`);

  // What the provider could do is done; the rest is the client's.
  await page.getByTestId('go-live-information').waitFor();
  await expect(itemStatus('phoneNumber')).resolves.toBe('done');
  await expect(itemStatus('operators')).resolves.toBe('done');
  await expect(itemStatus('script')).resolves.toBe('missing');
  await screenshot('provider-checklist');

  // The client admin logs in with the one-time password and chooses their own.
  await logIn(clientAdmin.email, temporaryPassword);
  await page.waitForURL('**/welcome/password');
  await page.getByLabel('One-time password').fill(temporaryPassword);
  await page.getByLabel('New password', { exact: true }).fill(clientAdmin.newPassword);
  await page.getByLabel('Repeat the new password').fill(clientAdmin.newPassword);
  await page.getByRole('button', { name: 'Set password and continue' }).click();
  await page.waitForURL(`**/t/${company.slug}`);
  const checklist = page.getByTestId('go-live-information');
  await checklist.waitFor();
  for (const item of ['hours', 'script', 'wrapUpCodes', 'delegated']) await expect(itemStatus(item)).resolves.toBe('missing');
  await screenshot('client-checklist-start');

  // Hours, from the checklist's link: one schedule, open every day round the clock.
  await page.getByTestId('go-live-information-hours').getByRole('link', { name: 'Fix it' }).click();
  await page.waitForURL(`**/t/${company.slug}/hours`);
  await page.getByRole('button', { name: 'Add a schedule' }).click();
  for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday']) {
    await page.getByRole('button', { name: `Add hours to Opening hours ${day}`, exact: true }).click();
    await page.getByLabel(`Opening hours ${day}, interval 1, from`, { exact: true }).fill('00:00');
    await page.getByLabel(`Opening hours ${day}, interval 1, to`, { exact: true }).fill('24:00');
  }
  await page.getByRole('button', { name: 'Save hours' }).click();
  await page.getByRole('status').filter({ hasText: 'Hours saved.' }).waitFor();

  // The script, from the checklist's link: the information template — in French, the company's language,
  // since its operators read it aloud to French callers — its wrap-up codes added, published.
  await page.goto(`${server.url}/t/${company.slug}`);
  await page.getByTestId('go-live-information-script').getByRole('link', { name: 'Fix it' }).click();
  await page.waitForURL(`**/t/${company.slug}/scripts**`);
  const card = page.getByTestId('script-card-information');
  if (await card.count()) await card.getByRole('link', { name: 'Create a script' }).click();
  const chooser = page.getByTestId('template-chooser');
  await chooser.getByText('Répondre à une question').waitFor();
  await chooser.getByRole('button', { name: 'Use this template' }).click();
  await page.getByTestId('live-check').getByText('Ready to publish').waitFor();
  await screenshot('client-script-from-template');
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByText('Published as version 1.').waitFor();

  // Delegating information, on the Functions tab.
  await page.goto(`${server.url}/t/${company.slug}/functions`);
  const information = page.getByTestId('function-information');
  await information.waitFor();
  await page.getByTestId('toggle-information').check();
  await information.getByRole('button', { name: 'Save', exact: true }).click();
  await information.getByRole('status').filter({ hasText: 'Saved' }).waitFor();

  // The checklist has nothing left to do.
  await page.goto(`${server.url}/t/${company.slug}`);
  await checklist.waitFor();
  for (const item of ['hours', 'script', 'wrapUpCodes', 'phoneNumber', 'operators', 'delegated']) {
    await expect.poll(() => itemStatus(item), { message: item }).toBe('done');
  }
  await screenshot('client-checklist-done');

  // The first call rings through the signed telephony boundary.
  const body = JSON.stringify({ callId: 'first-call-1', dialled: number, caller });
  const rang = await fetch(`${server.url}/api/telephony/calls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signTelephonyRequest(loadConfig({}).telephonySecret, body, new Date(), { method: 'POST', path: '/api/telephony/calls' }) },
    body,
  });
  expect(rang.status).toBe(200);
  await expect(rang.json()).resolves.toMatchObject({ tenant: company.slug, function: 'information', outcome: 'queued' });

  // Amélie takes it at the desk and wraps it up with the template's outcome.
  await logIn(amelie.email, amelie.password);
  await page.waitForURL('**/operator');
  await page.getByTestId('open-desk').click();
  await page.waitForURL('**/desk');
  await page.getByRole('button', { name: 'Go available' }).click();
  await page.getByTestId('offer').filter({ hasText: company.name }).waitFor();
  await page.keyboard.press('a');
  await page.getByTestId('client-banner').getByTestId('client-name').filter({ hasText: company.name }).waitFor();
  await page.getByTestId('script-runner').waitFor();
  await screenshot('operator-first-call');
  await page.keyboard.press('w');
  const wrap = page.getByTestId('wrap-up');
  await wrap.waitFor();
  await page.getByLabel('Outcome').selectOption({ label: 'Information donnée' });
  await wrap.getByRole('button', { name: 'Finish wrap-up' }).click();
  await page.getByText('Waiting for the next call').waitFor();

  // The client admin reads its first handled call.
  await logIn(clientAdmin.email, clientAdmin.newPassword);
  await page.goto(`${server.url}/t/${company.slug}/calls`);
  await page.getByText('Information donnée').first().waitFor();
  await screenshot('client-first-call');
  expect(browser.problems).toEqual([]);
}, 300_000);
