import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchBrowser, startServer, type TestBrowser, type TestServer } from './support.ts';

const admin = { email: 'admin@provider.test', password: 'provider-admin-password', displayName: 'Ada Provider' };
const company = { name: 'Fleurs de Lyon', slug: 'fleurs-de-lyon', legalName: 'Fleurs de Lyon SARL', timeZone: 'Europe/Paris' };
const clientAdmin = { email: 'claire@fleurs-lyon.test', displayName: 'Claire Martin', newPassword: 'bouquets-for-every-season' };

let server: TestServer;
let browser: TestBrowser;

beforeAll(async () => {
  server = await startServer();
  await server.seedUser({ ...admin, kind: 'provider_admin' });
  browser = await launchBrowser('onboarding');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('a provider admin onboards a tenant, and its client admin logs in, changes the one-time password and lands on the company page', async () => {
  const { page, screenshot } = browser;

  // Anyone not logged in is sent to the login page.
  await page.goto(`${server.url}/`);
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  expect(new URL(page.url()).pathname).toBe('/login');
  await screenshot('login');

  // A wrong password is refused on the page.
  await page.getByLabel('Email').fill(admin.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('alert').filter({ hasText: 'Invalid email or password' }).waitFor();
  await screenshot('login-refused');

  await page.getByLabel('Password').fill(admin.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL('**/admin/tenants');
  await page.getByText('No tenants yet').waitFor();
  await expect(page.getByTestId('current-user').textContent()).resolves.toBe(admin.displayName);
  await screenshot('tenants-empty');

  // Onboarding, with the first client admin.
  await page.getByRole('link', { name: 'Onboard a tenant' }).first().click();
  await page.getByRole('heading', { name: 'Onboard a tenant' }).waitFor();
  await page.getByLabel('Company name').fill(company.name);
  await expect(page.getByLabel('Slug').inputValue()).resolves.toBe(company.slug);
  await page.getByLabel('Legal name').fill(company.legalName);
  await page.getByLabel('Time zone').fill(company.timeZone);
  await page.getByLabel('Full name').fill(clientAdmin.displayName);
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByLabel('Email').blur();
  await page.getByText('Enter a valid email address.').waitFor();
  await page.getByLabel('Email').fill(clientAdmin.email);
  await screenshot('onboarding-form');
  await page.getByRole('button', { name: 'Create tenant' }).click();

  // The one-time password is shown once, with its warning.
  const passwordField = page.getByTestId('temporary-password');
  await passwordField.waitFor();
  await page.getByText('Shown only once').waitFor();
  const temporaryPassword = await passwordField.inputValue();
  expect(temporaryPassword).toMatch(/^[a-z2-9]{5}(-[a-z2-9]{5}){3}$/);
  await screenshot('one-time-password');
  await page.getByRole('button', { name: 'I have saved it' }).click();
  await passwordField.waitFor({ state: 'detached' });

  // The tenant list shows it.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Tenants' }).click();
  await page.getByRole('link', { name: company.name }).waitFor();
  await screenshot('tenants-list');

  // Log out.
  await page.getByTestId('current-user').click();
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL('**/login');

  // The client admin logs in with the one-time password and must choose a new one first.
  await page.getByLabel('Email').fill(clientAdmin.email);
  await page.getByLabel('Password').fill(temporaryPassword);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL('**/welcome/password');
  await page.getByRole('heading', { name: 'Choose your password' }).waitFor();
  await screenshot('first-login-password');

  // Another page is not reachable before the change.
  await page.goto(`${server.url}/t/${company.slug}`);
  await page.waitForURL('**/welcome/password');

  await page.getByLabel('One-time password').fill(temporaryPassword);
  await page.getByLabel('New password', { exact: true }).fill(clientAdmin.newPassword);
  await page.getByLabel('Repeat the new password').fill(clientAdmin.newPassword);
  await page.getByRole('button', { name: 'Set password and continue' }).click();

  // Its company page.
  await page.waitForURL(`**/t/${company.slug}`);
  await expect(page.getByTestId('tenant-name').textContent()).resolves.toBe(company.name);
  await page.getByText(`Welcome, ${clientAdmin.displayName}`).waitFor();
  await page.getByText('Local time', { exact: true }).waitFor();
  await screenshot('company-page');

  expect(browser.problems).toEqual([]);
}, 120_000);
