import { afterAll, beforeAll, expect, test } from 'vitest';
import { withTenant, type Tenant } from '@switchboard/db';
import { createTenant } from '@switchboard/api';
import { insertListPrice, setBillingAccount, writeUsage } from '../support/billing.ts';
import { seedClientUser, seedUser, type TestUser } from '../support/users.ts';
import { launchBrowser, logInThroughApi, screenshotInto, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * Billing in its readers' languages. A provider admin whose browser speaks French reads the billing
 * overview and a German company's statement in French, amounts written the French way ("1 496,80 €"),
 * and types a negotiated price as "9,50": it is read as 9.50 €, saved as 950 minor units and shown back
 * as "9,50 €". The company's client admin, whose browser speaks German, reads the same statement in
 * German ("1.496,80 €"). Neither account chose a language: each follows its browser.
 */
let server: TestServer;
let fr: TestBrowser;
let de: TestBrowser;
let bank: Tenant;
let clientAdmin: TestUser;
let providerAdmin: TestUser;

/** The screenshots are also kept where the work is reviewed (BILLING_SHOTS_DIR), when set. */
const shotsDir = process.env.BILLING_SHOTS_DIR;
/** Group separators differ (U+202F in French, "." in German) and a no-break space precedes "€": match any space. */
const amount = (text: string) => new RegExp(text.replace(/[.]/g, '\\.').replace(/ /g, '\\s'));

beforeAll(async () => {
  server = await startServer();
  const { db } = server.database;
  ({ tenant: bank } = await createTenant(db, null, { slug: 'banque-horizon', name: 'Banque Horizon', legalName: 'Banque Horizon AG', timeZone: 'Europe/Berlin', locale: 'de-DE', currency: 'EUR' }, new Date()));
  clientAdmin = await seedClientUser(db, bank, 'client_admin', { email: 'admin@banque-horizon.test', displayName: 'Jonas Weber' });
  providerAdmin = await seedUser(db, { kind: 'provider_admin', email: 'admin@switchboard.test', displayName: 'Paula Provider' });
  // Three orders at 9,50 € (28,50 €) under a minimum commitment of 1 496,80 €: the month is topped up to it.
  await insertListPrice(db, { function: 'order_taking', metric: 'order', unitAmountMinor: 950 });
  await setBillingAccount(db, bank, { minimumCommitmentMinor: 149680 });
  for (let i = 0; i < 3; i++) await writeUsage(db, bank, { function: 'order_taking', metric: 'order', quantity: 1, occurredAt: new Date() });
  fr = await launchBrowser('billing-languages-fr', { locale: 'fr-FR' });
  de = await launchBrowser('billing-languages-de', { locale: 'de-DE' });
});

afterAll(async () => {
  await fr?.close();
  await de?.close();
  await server?.close();
});

const shot = (browser: TestBrowser, name: string) => screenshotInto(browser, name, shotsDir);

/** Logs in through the API (the login page's words are not this test's subject). */
const logIn = (browser: TestBrowser, user: TestUser) => logInThroughApi(browser, server.url, user);

test('a provider admin with a French browser reads billing in French and types 9,50; a German client admin reads its billing tab in German', async () => {
  const now = new Date();
  const month = (locale: string) => new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'Europe/Berlin' }).format(now);

  // The provider's overview, in French.
  await logIn(fr, providerAdmin);
  const { page } = fr;
  await page.goto(`${server.url}/admin/billing`);
  await page.getByRole('heading', { name: 'Facturation', exact: true }).waitFor();
  const row = page.getByTestId('tenant-revenue').getByRole('row').filter({ hasText: 'Banque Horizon' });
  await row.filter({ hasText: amount('1 496,80 €') }).filter({ hasText: month('fr-FR') }).waitFor();
  await page.getByText('Ce mois-ci · EUR').waitFor();
  await page.getByTestId('tenant-revenue').locator('canvas').waitFor();
  await shot(fr, 'provider-overview');

  // The company's statement, in French: lines named from their codes, amounts the French way.
  await row.getByRole('link', { name: /^Relevé/ }).click();
  await page.waitForURL('**/t/banque-horizon/billing');
  const statement = page.getByTestId('billing-statement');
  await statement.getByRole('heading', { name: `Relevé · ${month('fr-FR')}` }).waitFor();
  const lines = statement.getByTestId('statement-line');
  await lines.filter({ hasText: 'Prise de commande — commandes prises' }).filter({ hasText: '3 commandes' }).filter({ hasText: amount('9,50 € / commande') }).filter({ hasText: amount('28,50 €') }).waitFor();
  await lines.filter({ hasText: amount('Engagement mensuel minimum de 1 496,80 € — complément sur une consommation de 28,50 €') }).waitFor();
  await expect(statement.getByTestId('statement-total').textContent()).resolves.toMatch(amount('1 496,80 €'));
  await statement.getByText('Ce relevé est encore ouvert').waitFor();
  await page.getByTestId('minimum-commitment').filter({ hasText: amount('1 496,80 € par mois') }).waitFor();
  // The commitment field starts as the French write it, and reads back the same.
  const terms = page.getByTestId('billing-terms');
  await expect(terms.getByLabel('Engagement mensuel minimum').inputValue()).resolves.toBe('1496,80');

  // A negotiated price typed "9,50": read as 9.50 €, stored as 950, shown back as "9,50 €".
  await terms.getByRole('button', { name: 'Ajouter un tarif négocié' }).click();
  const form = terms.getByTestId('terms-price-form');
  await form.getByLabel('Prix', { exact: true }).fill('9,50');
  await form.getByText(amount('9,50 € par minute, enregistré comme 950 unités mineures.')).waitFor();
  await shot(fr, 'price-form');
  await form.getByRole('button', { name: 'Enregistrer le tarif négocié' }).click();
  await terms.getByTestId('terms-notice').getByText(amount('Enregistré : Information et conseil, minutes traitées à 9,50 €')).waitFor();
  const saved = await withTenant(server.database.db, bank.id, (tx) => tx.selectFrom('tenantPrices').select(['function', 'metric', 'unitAmountMinor']).execute());
  // a bigint column: a string on PostgreSQL, a number on PGlite
  expect(saved.map((p) => ({ ...p, unitAmountMinor: Number(p.unitAmountMinor) }))).toEqual([{ function: 'information', metric: 'handled_minute', unitAmountMinor: 950 }]);
  await terms.getByTestId('negotiated-version').filter({ hasText: amount('9,50 €') }).filter({ hasText: 'Programmé' }).waitFor();
  await shot(fr, 'statement');
  expect(fr.problems).toEqual([]);

  // The client admin, in German: the same statement, amounts the German way.
  await logIn(de, clientAdmin);
  await de.page.goto(`${server.url}/t/banque-horizon/billing`);
  await de.page.getByRole('heading', { name: 'Abrechnung', exact: true }).waitFor();
  await expect(de.page.getByTestId('kpi-total').textContent()).resolves.toMatch(amount('1.496,80 €'));
  const deStatement = de.page.getByTestId('billing-statement');
  await deStatement.getByRole('heading', { name: `Monatsabrechnung · ${month('de-DE')}` }).waitFor();
  await deStatement.getByTestId('statement-line').filter({ hasText: 'Bestellannahme — aufgenommene Bestellungen' }).filter({ hasText: '3 Bestellungen' }).filter({ hasText: amount('28,50 €') }).waitFor();
  await expect(deStatement.getByTestId('statement-total').textContent()).resolves.toMatch(amount('1.496,80 €'));
  await de.page.getByTestId('billing-invoices').getByText('Noch keine Rechnungen').waitFor();
  await de.page.getByTestId('billing-prices').getByText('Mindestabnahme').waitFor();
  await expect(de.page.getByTestId('billing-terms').count()).resolves.toBe(0);
  await shot(de, 'client-billing');
  expect(de.problems).toEqual([]);
});
