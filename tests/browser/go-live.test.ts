import { afterAll, beforeAll, expect, test } from 'vitest';
import { withTenant } from '@switchboard/db';
import { createTenant } from '@switchboard/api';
import { launchBrowser, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * A provider admin onboards a company through the continued wizard (company, numbers, operators),
 * is warned that its colour looks like another company's served by the same operator, and lands on
 * its go-live checklist; the client admin sees the same checklist; the tenant list and the wallboard
 * flag a delegated function fewer than two operators can take.
 */
const admin = { email: 'admin@provider.test', password: 'provider-admin-password', displayName: 'Ada Provider' };
const amelie = { email: 'amelie@provider.test', password: 'operator-password-1', displayName: 'Amélie Laurent' };
const bruno = { email: 'bruno@provider.test', password: 'operator-password-2', displayName: 'Bruno Keller' };
const clientAdmin = { email: 'claire@fleurs-lyon.test', password: 'client-admin-password', displayName: 'Claire Martin' };
const company = { name: 'Fleurs de Lyon', slug: 'fleurs-de-lyon', legalName: 'Fleurs de Lyon SARL', brandColor: '#c33b2d' };

let server: TestServer;
let browser: TestBrowser;

beforeAll(async () => {
  server = await startServer();
  await server.seedUser({ ...admin, kind: 'provider_admin' });
  const amelieId = await server.seedUser({ ...amelie, kind: 'operator' });
  await server.seedUser({ ...bruno, kind: 'operator' });
  // An existing client, red, whose order taking is delegated and served by Amélie alone.
  const { db } = server.database;
  const { tenant: rouge } = await createTenant(
    db,
    null,
    { slug: 'rouge-pizza', name: 'Rouge Pizza', legalName: 'Rouge Pizza SAS', timeZone: 'Europe/Paris', locale: 'fr-FR', currency: 'EUR', brandColor: '#c0392b' },
    new Date(),
  );
  await withTenant(db, rouge.id, async (tx) => {
    await tx.insertInto('operatorAssignments').values({ tenantId: rouge.id, operatorId: amelieId, skills: ['order_taking'] }).execute();
    await tx
      .insertInto('delegations')
      .values({ tenantId: rouge.id, function: 'order_taking', delegated: true, inHousePhone: null, inHouseEmail: null, expectedMonthlyVolume: 0, updatedAt: new Date(), updatedBy: 'seed' })
      .execute();
  });
  browser = await launchBrowser('go-live');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function logIn(user: { email: string; password: string }) {
  const { page } = browser;
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => url.pathname !== '/login');
}

test('a provider admin onboards a company through numbers and operators to its go-live checklist, warned about a look-alike colour', async () => {
  const { page, screenshot, problems } = browser;
  await logIn(admin);
  await page.waitForURL('**/admin/tenants');
  // The existing client is flagged: delegated order taking with one operator.
  await page.getByTestId('go-live-rouge-pizza').getByTestId('understaffed').waitFor();

  // Step 1: the company. Its colour is nearly Rouge Pizza's: a soft hint already.
  await page.getByRole('link', { name: 'Onboard a tenant' }).first().click();
  await page.getByLabel('Company name').fill(company.name);
  await page.getByLabel('Legal name').fill(company.legalName);
  await page.getByRole('textbox', { name: 'Brand colour', exact: true }).fill(company.brandColor);
  await page.getByLabel('Create the company\'s first client admin now').uncheck();
  await page.getByTestId('similar-colors').filter({ hasText: "Nearly the same as Rouge Pizza's colour" }).waitFor();
  await screenshot('onboarding-1-company');
  await page.getByRole('button', { name: 'Create tenant and continue' }).click();

  // Step 2: a number for order taking.
  await page.getByRole('heading', { name: `Phone numbers for ${company.name}` }).waitFor();
  await page.getByText('No number yet').waitFor();
  await page.getByRole('textbox', { name: 'Number', exact: true }).fill('+33 4 78 00 12 34');
  await page.getByRole('combobox', { name: 'Function' }).selectOption({ label: 'Order taking' });
  await page.getByLabel('Label').fill('Flyer Lyon 2e');
  await page.getByRole('button', { name: 'Add number' }).click();
  await page.getByTestId('onboard-numbers').getByText('+33478001234').waitFor();
  await screenshot('onboarding-2-numbers');
  await page.getByRole('button', { name: 'Next: operators' }).click();

  // Step 3: operators. Without a skill the assignment is not sent.
  await page.getByRole('heading', { name: `Operators for ${company.name}` }).waitFor();
  await page.getByLabel('Operator', { exact: true }).selectOption({ label: `${amelie.displayName} — ${amelie.email}` });
  // Amélie serves Rouge Pizza: the look-alike colour is now a real risk.
  await page.getByTestId('similar-colors').filter({ hasText: 'an operator serves both' }).waitFor();
  await page.getByRole('button', { name: 'Assign', exact: true }).click();
  await page.getByRole('alert').filter({ hasText: 'Choose at least one skill' }).waitFor();
  await page.getByText('Nobody assigned yet').waitFor();
  await screenshot('onboarding-3-operators-no-skill');
  await page.getByRole('group', { name: 'Skills' }).getByLabel('Order taking').check();
  await page.getByRole('button', { name: 'Assign', exact: true }).click();
  await page.getByTestId('onboard-operators').getByText(amelie.displayName).waitFor();
  await screenshot('onboarding-3-operators');

  // Step 4: the company's Overview with its checklist.
  await page.getByRole('button', { name: 'Finish: see the go-live checklist' }).click();
  await page.waitForURL(`**/t/${company.slug}`);
  const orders = page.getByTestId('go-live-order_taking');
  await orders.waitFor();
  await expect(orders.getByTestId('go-live-order_taking-phoneNumber').getAttribute('data-status')).resolves.toBe('done');
  await expect(orders.getByTestId('go-live-order_taking-operators').getAttribute('data-status')).resolves.toBe('warning');
  await expect(orders.getByTestId('go-live-order_taking-script').getAttribute('data-status')).resolves.toBe('missing');
  await orders.getByTestId('go-live-order_taking-operators').getByText('Only one operator').waitFor();
  // The colour card on the same page keeps warning: Amélie now serves both companies.
  await page.getByTestId('similar-colors').filter({ hasText: 'an operator serves both' }).waitFor();
  await screenshot('overview-checklist-provider');

  // A fix link opens the page where the item is fixed.
  await orders.getByTestId('go-live-order_taking-hours').getByRole('link', { name: 'Fix it' }).click();
  await page.waitForURL(`**/t/${company.slug}/hours`);

  // The tenant list shows its status.
  await page.goto(`${server.url}/admin/tenants`);
  await page.getByTestId(`go-live-${company.slug}`).getByText(/\d+ to do/).waitFor();
  await screenshot('tenants-go-live');

  // The wallboard flags Rouge Pizza's order taking.
  await page.goto(`${server.url}/wallboard`);
  await page.getByRole('region', { name: 'Rouge Pizza' }).getByTestId('understaffed').filter({ hasText: 'Only 1 operator' }).waitFor();
  await screenshot('wallboard-understaffed');

  // And Rouge Pizza's own Overview says so above its checklist.
  await page.getByRole('region', { name: 'Rouge Pizza' }).getByRole('link', { name: 'Rouge Pizza' }).click();
  await page.waitForURL('**/t/rouge-pizza');
  await page.getByTestId('understaffed-warning').filter({ hasText: 'Fewer than two operators can take order taking' }).waitFor();
  await screenshot('overview-understaffed');
  expect(problems).toEqual([]);
}, 180_000);

test("the company's client admin sees the same checklist, with the provider's items marked as the call center's", async () => {
  const { page, screenshot, problems } = browser;
  const { db } = server.database;
  const userId = await server.seedUser({ ...clientAdmin, kind: 'client_admin' });
  const tenant = await db.selectFrom('tenants').select('id').where('slug', '=', company.slug).executeTakeFirstOrThrow();
  await withTenant(db, tenant.id, (tx) => tx.insertInto('tenantMembers').values({ tenantId: tenant.id, userId, role: 'client_admin', createdAt: new Date() }).execute());

  await page.context().clearCookies();
  await logIn(clientAdmin);
  await page.waitForURL(`**/t/${company.slug}`);
  const orders = page.getByTestId('go-live-order_taking');
  await orders.getByTestId('go-live-order_taking-operators').getByText('The call center sets this up').waitFor();
  await orders.getByTestId('go-live-order_taking-script').getByRole('link', { name: 'Fix it' }).waitFor();
  await screenshot('overview-checklist-client');
  expect(problems).toEqual([]);
}, 60_000);
