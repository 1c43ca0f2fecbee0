import { afterAll, beforeAll, expect, test } from 'vitest';
import { withTenant } from '@switchboard/db';
import { applyDemoIfNew } from '@switchboard/tenants';
import { launchBrowser, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * The client's catalog and directory in its people's languages (issue 12): a French client admin types
 * a price the French way and the international way alike, and reads it back as "9,50 €"; a German one
 * reads its catalog, tariffs, promotions and directory in German, with German dates and amounts.
 */
let server: TestServer;
let browser: TestBrowser | undefined;

beforeAll(async () => {
  server = await startServer();
  await applyDemoIfNew(server.database.db);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Signs in through the API (the login page's words are another page's), then opens `path`. */
async function openAs(locale: string, email: string, path: string): Promise<TestBrowser> {
  await browser?.close();
  browser = await launchBrowser('catalog-languages', { locale });
  const { page } = browser;
  await page.goto(`${server.url}/login`);
  const status = await page.evaluate(
    async (body) => (await fetch('/api/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body })).status,
    JSON.stringify({ email, password: 'switchboard-demo' }),
  );
  expect(status).toBe(200);
  await page.goto(`${server.url}${path}`);
  return browser;
}

/** Any space Intl puts in an amount (no-break, narrow no-break). */
const space = '[\\s\\u00a0\\u202f]';

test('a French client admin adds an item priced "9,50": "9.50" is read the same, a wrong amount is refused in French, the item is listed at "9,50 €"', async () => {
  const { page, screenshot } = await openAs('fr-FR', 'admin@pizza-napoli.test', '/t/pizza-napoli/catalog');
  await page.getByRole('heading', { name: 'Produits et services' }).waitFor();
  await page.getByRole('button', { name: 'Ajouter un article' }).click();

  await page.getByLabel('Référence').fill('BABA-RHUM');
  await page.getByLabel('Nom', { exact: true }).fill('Baba au rhum');
  const price = page.getByLabel('Prix (EUR)');
  // Refused in French, with an example written the French way.
  await price.fill('9,5,0');
  await price.blur();
  await page.getByText('Saisissez un montant, par exemple 9,50.').waitFor();
  // The international way is read too, and written back the viewer's way.
  await price.fill('9.50');
  await price.blur();
  await expect(price.inputValue()).resolves.toBe('9,50');
  await price.fill('9,50');
  await page.getByRole('button', { name: 'Enregistrer' }).click();

  const row = page.getByRole('row').filter({ has: page.getByText('BABA-RHUM', { exact: true }) });
  await row.waitFor();
  await expect(row.textContent()).resolves.toMatch(new RegExp(`9,50${space}€`));
  await expect(row.textContent()).resolves.toContain('Disponible');
  await screenshot('fr-catalog-item-added');

  const pizza = await server.database.db.selectFrom('tenants').selectAll().where('slug', '=', 'pizza-napoli').executeTakeFirstOrThrow();
  const saved = await withTenant(server.database.db, pizza.id, (tx) => tx.selectFrom('catalogItems').select(['priceMinor', 'currency']).where('sku', '=', 'BABA-RHUM').executeTakeFirstOrThrow());
  expect(saved).toEqual({ priceMinor: 950, currency: 'EUR' });

  // Edited again, the price starts the French way.
  await row.getByRole('button', { name: 'Modifier' }).click();
  await expect(page.getByLabel('Prix (EUR)').inputValue()).resolves.toBe('9,50');
  await page.getByRole('button', { name: 'Annuler' }).click();

  // A promotion's days, the French way.
  await page.getByRole('navigation', { name: 'Rubriques du catalogue' }).getByRole('button', { name: 'Promotions' }).click();
  const offer = page.getByRole('row').filter({ hasText: '2 pizzas achetées' });
  await expect(offer.textContent()).resolves.toMatch(new RegExp(`du${space}1${space}janv\\.${space}2025${space}au${space}31${space}déc\\.${space}2030`));
  expect(browser!.problems).toEqual([]);
});

test('a German client admin reads the catalog, tariffs, promotions and directory in German, with German amounts and dates', async () => {
  const { page, screenshot } = await openAs('de-DE', 'admin@banque-horizon.test', '/t/banque-horizon/catalog');
  await page.getByRole('heading', { name: 'Produkte & Leistungen' }).waitFor();
  const nav = page.getByRole('navigation', { name: 'Katalogbereiche' });
  await expect(page.getByRole('row').filter({ hasText: 'KARTE-KREDIT' }).textContent()).resolves.toMatch(new RegExp(`89,00${space}€`));

  // The knowledge search's words: a result's kind, and the "nothing found" advice.
  await page.getByPlaceholder('Produkte, Tarife, Aktionen, FAQ suchen…').fill('Karte sperren');
  await page.getByRole('button', { name: 'Suchen', exact: true }).click();
  await page.getByTestId('search-results').getByText('Ablauf', { exact: true }).first().waitFor();
  await screenshot('de-catalog-search');
  await page.getByRole('button', { name: 'Zurücksetzen' }).click();

  await nav.getByRole('button', { name: 'Tarife' }).click();
  const girokonto = page.getByText(/^\s*Girokonto Horizon:/);
  await expect(girokonto.first().textContent()).resolves.toMatch(new RegExp(`Girokonto Horizon:${space}*4,90${space}€${space}*pro Monat`));
  await screenshot('de-catalog-tariffs');

  await nav.getByRole('button', { name: 'Aktionen' }).click();
  const promotion = page.getByRole('row').filter({ hasText: 'Kreditkarte Gold im ersten Jahr kostenlos' });
  await expect(promotion.textContent()).resolves.toContain('ab 01.01.2025, bis auf Weiteres');
  await expect(promotion.textContent()).resolves.toContain('Aktiv');
  await page.getByRole('button', { name: 'Aktion hinzufügen' }).first().click();
  await page.getByRole('button', { name: 'Speichern' }).click();
  await page.getByText('Geben Sie einen Titel ein.').waitFor();
  await screenshot('de-catalog-promotions');

  await page.goto(`${server.url}/t/banque-horizon/directory`);
  await page.getByRole('heading', { name: 'Verzeichnis' }).waitFor();
  await page.getByRole('columnheader', { name: 'Erreichbar' }).waitFor();
  await expect(page.getByRole('row').filter({ hasText: 'Betrugsabteilung' }).textContent()).resolves.toContain('Angeboten');
  await page.getByLabel('Reihenfolge').fill('x');
  await page.getByRole('button', { name: 'Eintrag hinzufügen' }).last().click();
  await page.getByText('Geben Sie eine ganze Zahl von 0 bis 100.000 ein.').waitFor();
  await screenshot('de-directory');
  expect(browser!.problems).toEqual([]);
});
