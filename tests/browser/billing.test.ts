import { copyFileSync, mkdirSync } from 'node:fs';
import { basename } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { withApp, withTenant, type Tenant } from '@switchboard/db';
import { closePeriodsOnce, createTenant, loadConfig, signTelephonyRequest } from '@switchboard/api';
import { insertListPrice, insertTenantPrice, setBillingAccount, writeUsage } from '../support/billing.ts';
import { insertCall } from '../support/records.ts';
import { seedClientUser, seedUser, type TestUser } from '../support/users.ts';
import { launchBrowser, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * Billing in the portal. A client admin opens the Billing tab: this month's statement line by line,
 * the usage chart, last month's frozen statement and its invoice, the prices that apply, and a banner
 * because a payment failed. A call handled while the page is open (ended through the signed telephony
 * boundary, which rates it) shows up in the open statement without reloading. The provider's billing
 * page lists the tenant's revenue; a provider admin suspends it once the grace period is over, and
 * opens its statement in one click.
 */
let server: TestServer;
let browser: TestBrowser;
let pizza: Tenant;
let clientAdmin: TestUser;
let providerAdmin: TestUser;

const day = 24 * 60 * 60 * 1000;
const secret = loadConfig({}).telephonySecret;
/** The screenshots are also kept where the billing work is reviewed (BILLING_SHOTS_DIR), when set. */
const shotsDir = process.env.BILLING_SHOTS_DIR;

beforeAll(async () => {
  server = await startServer();
  const { db } = server.database;
  const now = new Date();
  // Onboarded well before last month, so last month has a statement to close.
  ({ tenant: pizza } = await createTenant(
    db,
    null,
    { slug: 'pizza-napoli', name: 'Pizza Napoli', legalName: 'Pizza Napoli SAS', timeZone: 'Europe/Paris', locale: 'fr-FR', currency: 'EUR' },
    new Date(now.getTime() - 70 * day),
  ));
  clientAdmin = await seedClientUser(db, pizza, 'client_admin', { email: 'admin@pizza-napoli.test', displayName: 'Giulia Rossi' });
  providerAdmin = await seedUser(db, { kind: 'provider_admin', email: 'admin@switchboard.test', displayName: 'Paula Provider' });

  await insertListPrice(db, { function: 'order_taking', metric: 'handled_minute', unitAmountMinor: 90, rounding: 'per_started_minute' });
  await insertListPrice(db, { function: 'order_taking', metric: 'order', unitAmountMinor: 40 });
  await insertListPrice(db, { function: 'information', metric: 'handled_minute', unitAmountMinor: 80, rounding: 'per_second' });
  await insertListPrice(db, { function: null, metric: 'platform_fee', unitAmountMinor: 4900 });
  await insertTenantPrice(db, pizza, { function: 'order_taking', metric: 'order', unitAmountMinor: 30 });
  // The company delegates order taking and information; the prices card lists the other functions apart.
  await db.insertInto('delegations').values([
    { tenantId: pizza.id, function: 'order_taking', delegated: true, expectedMonthlyVolume: 0, updatedBy: 'test' },
    { tenantId: pizza.id, function: 'information', delegated: true, expectedMonthlyVolume: 0, updatedBy: 'test' },
  ]).execute();
  // A payment failed 20 days ago: past the 14-day grace period.
  await setBillingAccount(db, pizza, { pastDueSince: new Date(now.getTime() - 20 * day) });

  // Last month: 200 s of order taking (4 started minutes = 3,60 €) and three orders at the negotiated 0,30 €, then closed.
  const [year, month] = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit' }).format(now).split('-').map(Number);
  const lastMonth = new Date(Date.UTC(year!, month! - 2, 10, 12)); // the 10th of the month before this one, in Paris
  await writeUsage(db, pizza, { function: 'order_taking', metric: 'talk_seconds', quantity: 200, occurredAt: lastMonth });
  for (let i = 0; i < 3; i++) await writeUsage(db, pizza, { function: 'order_taking', metric: 'order', quantity: 1, occurredAt: lastMonth });
  await closePeriodsOnce({ db, now: () => now });

  // This month so far: 95 s of information billed to the second (95 × 0,80 € / 60 = 1,27 €) and one order.
  await writeUsage(db, pizza, { function: 'information', metric: 'talk_seconds', quantity: 95, occurredAt: now });
  await writeUsage(db, pizza, { function: 'order_taking', metric: 'order', quantity: 1, occurredAt: now });

  browser = await launchBrowser('billing');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

async function shot(name: string): Promise<void> {
  const path = await browser.screenshot(name);
  if (shotsDir) {
    mkdirSync(shotsDir, { recursive: true });
    copyFileSync(path, `${shotsDir}/${basename(path)}`);
  }
}

async function logIn(user: TestUser): Promise<void> {
  const { page } = browser;
  await page.context().clearCookies();
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

/** A connected order-taking call answered `talkSeconds` ago, hung up through the signed telephony boundary (which rates it). */
async function handleCall(talkSeconds: number): Promise<void> {
  const id = await insertCall(server.database.db, pizza, { status: 'connected', function: 'order_taking', offeredAt: new Date(Date.now() - (talkSeconds + 20) * 1000), answeredAfterSeconds: 20 });
  const body = JSON.stringify({ by: 'caller' });
  const path = `/api/telephony/calls/${id}/ended`;
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signTelephonyRequest(secret, body, new Date(), { method: 'POST', path }) },
    body,
  });
  expect(res.status).toBe(200);
}

test('a client admin sees the statement grow, its chart, invoices and prices; the provider sees the revenue and suspends the past-due tenant', async () => {
  const { page, problems } = browser;
  // Amounts in the viewer's language (an English browser), whatever the tenant's locale.
  const money = (text: string) => new RegExp(text.replace(/[.$]/g, '\\$&'));

  // The client admin: a banner on every page of the company, and the Billing tab.
  await logIn(clientAdmin);
  await page.waitForURL('**/t/pizza-napoli');
  const banner = page.getByTestId('past-due-banner');
  await banner.getByText(/^Payment failed on /).waitFor();
  await expect(banner.textContent()).resolves.toContain('Update your payment details; service may be suspended after');
  await page.getByRole('link', { name: 'Billing', exact: true }).click();
  await page.waitForURL('**/t/pizza-napoli/billing');

  const statement = page.getByTestId('billing-statement');
  const lines = statement.getByTestId('statement-line');
  await lines.filter({ hasText: 'Information & advice — handled minutes (per second)' }).filter({ hasText: money('€1.27') }).waitFor();
  await lines.filter({ hasText: 'Order taking — orders' }).filter({ hasText: 'Negotiated' }).filter({ hasText: money('€0.30') }).waitFor();
  await lines.filter({ hasText: 'Platform fee' }).filter({ hasText: money('€49.00') }).waitFor();
  await expect(statement.getByTestId('statement-total').textContent()).resolves.toMatch(money('€50.57'));
  await statement.getByText('This statement is still open').waitFor();
  await statement.getByTestId('statement-forecast').getByText(/^At this pace: /).waitFor();
  await page.getByTestId('billing-usage').locator('canvas').waitFor();
  await page.getByTestId('billing-prices').getByText('Negotiated').waitFor();
  await page.getByTestId('billing-invoices').getByText(/^PIZZA-NAPOLI-\d{6}$/).waitFor();
  // Negotiating terms is the provider admin's: the client sees what applies, not the Terms card.
  await expect(page.getByTestId('billing-terms').count()).resolves.toBe(0);
  await shot('client-billing-open-statement');

  // A call is handled while the page is open: rated when it ends, it appears without a reload.
  await handleCall(100); // 100 s: 2 started minutes at 0,90 € = 1,80 €
  await lines.filter({ hasText: 'Order taking — handled minutes (per started minute)' }).filter({ hasText: money('€1.80') }).waitFor();
  await statement.getByTestId('statement-total').filter({ hasText: money('€52.37') }).waitFor();
  await handleCall(150); // 3 more started minutes: 5 in all, 4,50 €
  await lines.filter({ hasText: 'Order taking — handled minutes (per started minute)' }).filter({ hasText: '5 minutes' }).filter({ hasText: money('€4.50') }).waitFor();
  await statement.getByTestId('statement-total').filter({ hasText: money('€55.07') }).waitFor();
  await shot('client-billing-after-calls');

  // Last month, frozen, with its local invoice.
  const previous = await page.getByTestId('period-picker').locator('option').nth(1).getAttribute('value');
  await page.getByTestId('period-picker').selectOption(previous!);
  await statement.getByText(/Closed on .*: it will not change/).waitFor();
  await lines.filter({ hasText: 'Order taking — handled minutes (per started minute)' }).filter({ hasText: '4 minutes' }).filter({ hasText: money('€3.60') }).waitFor();
  await expect(statement.getByTestId('statement-total').textContent()).resolves.toMatch(money('€53.50'));
  await shot('client-billing-closed-month');

  // The provider: revenue per tenant, the past-due list, suspension once the grace is over.
  await logIn(providerAdmin);
  await page.getByRole('link', { name: 'Billing', exact: true }).click();
  await page.waitForURL('**/admin/billing');
  const revenue = page.getByTestId('tenant-revenue');
  const row = revenue.getByRole('row').filter({ hasText: 'Pizza Napoli' });
  await row.filter({ hasText: '€55.07' }).filter({ hasText: '€53.50' }).waitFor();
  await revenue.locator('canvas').waitFor();
  await page.getByTestId('function-revenue').getByRole('row').filter({ hasText: 'Order taking' }).waitFor();
  const pastDue = page.getByTestId('past-due-list').getByRole('row').filter({ hasText: 'Pizza Napoli' });
  await pastDue.getByText('Over', { exact: true }).waitFor();
  await shot('provider-billing');

  await pastDue.getByRole('button', { name: 'Suspend Pizza Napoli' }).click();
  const dialog = page.getByRole('dialog', { name: 'Suspend Pizza Napoli?' });
  await dialog.waitFor();
  await shot('provider-suspend-confirm');
  await dialog.getByRole('button', { name: 'Suspend', exact: true }).click();
  await pastDue.getByText('Suspended').waitFor();
  const status = await withApp(server.database.db, (tx) => tx.selectFrom('tenants').select(['status', 'suspendedReason']).where('id', '=', pizza.id).executeTakeFirstOrThrow());
  expect(status.status).toBe('suspended');
  expect(status.suspendedReason).toMatch(/^Unpaid invoices/);

  // One click to the tenant's statement, where staff see the banner too.
  await row.getByRole('link', { name: 'Statement of Pizza Napoli' }).click();
  await page.waitForURL('**/t/pizza-napoli/billing');
  await page.getByTestId('past-due-banner').getByText('This company is past due and suspended until it pays.').waitFor();
  await statement.getByTestId('statement-total').filter({ hasText: money('€55.07') }).waitFor();
  await statement.getByTestId('unpriced-events').waitFor();
  await shot('provider-tenant-billing');

  // The company pays last month's invoice by transfer: the provider admin records it, suspended or not.
  const invoiceList = page.getByTestId('billing-invoices');
  page.once('dialog', (dialog) => void dialog.accept());
  await invoiceList.getByTestId('mark-paid').click();
  await invoiceList.getByText('Paid').waitFor();
  // The list reloads after the payment: the button goes once it has.
  await invoiceList.getByTestId('mark-paid').waitFor({ state: 'detached' });
  const paid = await server.database.db.selectFrom('invoices').select(['status', 'amountPaidMinor']).where('tenantId', '=', pizza.id).executeTakeFirstOrThrow();
  expect(paid.status).toBe('paid');
  expect(Number(paid.amountPaidMinor)).toBe(5350);
  expect(problems).toEqual([]);
});

test('a company with no usage yet sees why its billing is empty, on a phone too', async () => {
  const { page, problems } = browser;
  const { db } = server.database;
  const { tenant } = await createTenant(db, null, { slug: 'sakura-foods', name: 'Sakura Foods', legalName: 'Sakura Foods KK', timeZone: 'Asia/Tokyo', locale: 'en-GB', currency: 'JPY' }, new Date());
  const admin = await seedClientUser(db, tenant, 'client_admin', { email: 'admin@sakura-foods.test', displayName: 'Haruto Sato' });
  await insertListPrice(db, { function: null, metric: 'platform_fee', currency: 'JPY', unitAmountMinor: 5000 });

  await logIn(admin);
  await page.goto(`${server.url}/t/sakura-foods/billing`);
  await page.getByTestId('billing-usage').getByText('No usage yet this month').waitFor();
  await page.getByTestId('billing-invoices').getByText('No invoices yet').waitFor();
  // A zero-decimal currency: the fee is JP¥5,000, not JP¥50.00.
  await expect(page.getByTestId('statement-total').textContent()).resolves.toMatch(/^\s*JP¥5,000\s*$/);
  await expect(page.getByTestId('past-due-banner').count()).resolves.toBe(0);
  await shot('client-billing-empty');

  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await page.reload();
    await page.getByTestId('statement-total').waitFor();
    await shot('client-billing-empty-phone');
  } finally {
    await page.setViewportSize({ width: 1280, height: 860 });
  }
  expect(problems).toEqual([]);
});

test('a provider admin negotiates terms on a company\'s Billing tab: a minimum commitment and a price from tomorrow; bad input saves nothing', async () => {
  const { page, problems } = browser;
  const { db } = server.database;
  const { tenant } = await createTenant(db, null, { slug: 'bistro-lyon', name: 'Bistro Lyon', legalName: 'Bistro Lyon SARL', timeZone: 'Europe/Paris', locale: 'en-GB', currency: 'EUR' }, new Date());
  const account = () => withTenant(db, tenant.id, (tx) => tx.selectFrom('billingAccounts').select(['minimumCommitmentMinor', 'dedicatedSeats']).executeTakeFirst());
  const negotiated = () => withTenant(db, tenant.id, (tx) => tx.selectFrom('tenantPrices').select(['function', 'metric', 'currency', 'unitAmountMinor', 'effectiveFrom', 'effectiveTo']).execute());
  // Tomorrow in the company's zone (Paris): the form proposes its day, not UTC's (they differ from 23:00 UTC).
  const tomorrow = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' }).format(new Date(Date.now() + day));
  // Information was negotiated twice already: an ended version and the one that applies today.
  await insertTenantPrice(db, tenant, { function: 'information', metric: 'handled_minute', unitAmountMinor: 70, effectiveFrom: '2020-01-01', effectiveTo: '2024-01-01' });
  await insertTenantPrice(db, tenant, { function: 'information', metric: 'handled_minute', unitAmountMinor: 65, rounding: 'per_second', effectiveFrom: '2024-01-01' });
  const orderPrices = async () => (await negotiated()).filter((p) => p.metric === 'order');

  await logIn(providerAdmin);
  await page.goto(`${server.url}/t/bistro-lyon/billing`);
  const terms = page.getByTestId('billing-terms');
  const information = terms.getByTestId('negotiated-group').filter({ hasText: 'Information & advice' }).getByTestId('negotiated-version');
  await information.filter({ hasText: '€0.65' }).filter({ hasText: 'Applies today' }).filter({ hasText: 'billed to the second' }).waitFor();
  await information.filter({ hasText: '€0.70' }).filter({ hasText: 'Ended' }).filter({ hasText: '1 Jan 2020 – 31 Dec 2023' }).waitFor();
  await expect(information.getByRole('button', { name: /^Cancel/ }).count()).resolves.toBe(0);
  // Nothing but the list's platform fee so far.
  await page.getByTestId('statement-total').filter({ hasText: '€49.00' }).waitFor();

  // A minimum commitment of 150 € a month: the open statement tops its usage up to it at once.
  await terms.getByLabel('Minimum monthly commitment').fill('150');
  await terms.getByText('€150.00 a month; usage below it is billed as a top-up.').waitFor();
  await terms.getByRole('button', { name: 'Save account terms' }).click();
  await terms.getByTestId('terms-notice').getByText('Saved: a minimum commitment of €150.00 a month, no dedicated seats.').waitFor();
  await page.getByTestId('statement-total').filter({ hasText: '€199.00' }).waitFor();
  await page.getByTestId('minimum-commitment').filter({ hasText: '€150.00 a month' }).waitFor();
  expect(await account()).toMatchObject({ dedicatedSeats: 0 });
  expect(Number((await account())?.minimumCommitmentMinor)).toBe(15000);

  // A negative seat count: the API's error beside the field, nothing saved.
  await terms.getByLabel('Dedicated operator seats').fill('-1');
  await terms.getByRole('button', { name: 'Save account terms' }).click();
  await terms.locator('#terms-seats-error').filter({ hasText: 'Seats cannot be negative.' }).waitFor();
  await expect(terms.getByLabel('Dedicated operator seats').getAttribute('aria-invalid')).resolves.toBe('true');
  expect(await account()).toMatchObject({ dedicatedSeats: 0 });
  expect(Number((await account())?.minimumCommitmentMinor)).toBe(15000);

  // A negotiated price for orders from tomorrow; first with no amount, which is refused before anything is sent.
  await terms.getByRole('button', { name: 'Add a negotiated price' }).click();
  const form = terms.getByTestId('terms-price-form');
  await form.getByLabel('For', { exact: true }).selectOption({ label: 'Order taking' });
  await form.getByLabel('Per', { exact: true }).selectOption({ label: 'Orders' });
  // Shown the viewer's way (an en-GB browser: dd/mm/yyyy), sent as tomorrow's ISO date.
  await expect(form.getByLabel('Applies from').inputValue()).resolves.toBe(tomorrow.split('-').reverse().join('/'));
  await expect(form.getByLabel('Currency').count()).resolves.toBe(0);
  await form.getByRole('button', { name: 'Save negotiated price' }).click();
  await form.locator('#terms-price-amount-error').filter({ hasText: 'Enter an amount such as 1.20.' }).waitFor();
  expect(await orderPrices()).toEqual([]);
  await form.getByLabel('Price', { exact: true }).fill('0.25');
  await form.getByText('€0.25 per order, stored as 25 minor units.').waitFor();
  await form.getByRole('button', { name: 'Save negotiated price' }).click();
  await terms.getByTestId('terms-notice').getByText(/^Saved: Order taking, orders at €0\.25 from /).waitFor();
  const version = terms.getByTestId('negotiated-group').filter({ hasText: 'Order taking' }).getByTestId('negotiated-version');
  await version.filter({ hasText: '€0.25' }).filter({ hasText: 'Scheduled' }).filter({ hasText: 'since' }).waitFor();
  const rows = await orderPrices();
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ function: 'order_taking', metric: 'order', currency: 'EUR', effectiveFrom: tomorrow, effectiveTo: null });
  expect(Number(rows[0]!.unitAmountMinor)).toBe(25);
  // The reload after saving the price cleared the refused seat count and its error.
  await expect(terms.getByLabel('Dedicated operator seats').inputValue()).resolves.toBe('0');
  await expect(terms.locator('#terms-seats-error').count()).resolves.toBe(0);
  await page.evaluate('window.scrollTo(0, 0)');
  await shot('terms-desktop');

  await page.setViewportSize({ width: 390, height: 844 });
  try {
    await page.evaluate('window.scrollTo(0, 0)');
    await shot('terms-phone');
    // The card alone too, to read it at phone width without the rest of the tab.
    const card = (await browser.screenshot('terms-phone-card')).replace(/\.png$/, '');
    await terms.screenshot({ path: `${card}.png` });
    if (shotsDir) copyFileSync(`${card}.png`, `${shotsDir}/${basename(card)}.png`);
  } finally {
    await page.setViewportSize({ width: 1280, height: 860 });
  }

  // A scheduled price can be cancelled, after confirming.
  page.once('dialog', (dialog) => void dialog.accept());
  await version.getByRole('button', { name: /^Cancel the price of €0\.25 from / }).click();
  await terms.getByTestId('terms-notice').getByText(/^Cancelled the price of €0\.25/).waitFor();
  // The prices reload after the notice: the group goes once they have.
  await terms.getByTestId('negotiated-group').filter({ hasText: 'Order taking' }).waitFor({ state: 'detached' });
  expect(await orderPrices()).toEqual([]);
  expect(await negotiated()).toHaveLength(2);

  // The provider's own price list still uses the same form, with its currency field.
  await page.getByRole('link', { name: 'Prices', exact: true }).click();
  await page.waitForURL('**/admin/prices');
  await page.getByTestId('price-group').first().waitFor();
  await page.getByRole('button', { name: 'Add a price change' }).click();
  const listForm = page.getByTestId('price-form');
  await listForm.getByRole('heading', { name: 'New price version' }).waitFor();
  await listForm.getByLabel('For', { exact: true }).selectOption({ label: 'Order taking' });
  await listForm.getByLabel('Per', { exact: true }).selectOption({ label: 'Orders' });
  await listForm.getByLabel('Currency').fill('eur');
  await listForm.getByLabel('Price', { exact: true }).fill('0.45');
  await shot('admin-prices-form');
  await listForm.getByRole('button', { name: 'Save price change' }).click();
  await page.getByRole('status').getByText(/^Saved: Order taking, orders: €0\.45 from /).waitFor();
  await page.getByTestId('price-group').filter({ hasText: 'Order taking' }).getByText('€0.45').waitFor();
  await shot('admin-prices');
  expect(problems).toEqual([]);
});
