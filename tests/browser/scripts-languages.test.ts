import { afterAll, beforeAll, expect, test } from 'vitest';
import { applyDemoIfNew } from '@switchboard/tenants';
import { launchBrowser, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * The client portal in its admins' languages: Banque Horizon's admin, whose browser speaks German,
 * prices its functions (money in German: "1.234,56 €"), opens its scripts and a script's editor in
 * German; Pizza Napoli's admin, whose browser speaks French, reads its go-live checklist in French,
 * details included (the API sends each as a code beside its English).
 */
let server: TestServer;
let german: TestBrowser;
let french: TestBrowser;

beforeAll(async () => {
  server = await startServer();
  await applyDemoIfNew(server.database.db);
  german = await launchBrowser('scripts-languages-de', { locale: 'de-DE' });
  french = await launchBrowser('scripts-languages-fr', { locale: 'fr-FR' });
});

afterAll(async () => {
  await german?.close();
  await french?.close();
  await server?.close();
});

/** Signs in by the form's fields, whatever language the login page speaks. */
async function logIn(browser: TestBrowser, email: string, landing: string) {
  const { page } = browser;
  await page.goto(`${server.url}/login`);
  await page.locator('input[type="email"]').fill(email);
  await page.locator('input[type="password"]').fill('switchboard-demo');
  await page.locator('button[type="submit"]').click();
  await page.waitForURL(`**${landing}`);
}

const squeeze = (text: string | null) => (text ?? '').replace(/\s/g, '');

test('a German client admin prices functions in German money and edits scripts with German words', async () => {
  const { page, screenshot, problems } = german;
  await logIn(german, 'admin@banque-horizon.test', '/t/banque-horizon');

  await page.goto(`${server.url}/t/banque-horizon/functions`);
  const estimate = page.getByTestId('estimate');
  await estimate.getByText('Geschätzte monatliche Kosten').waitFor();
  // 2,000 handled minutes at 0,85 € make the information line alone 1.700,00 €.
  const info = page.getByTestId('function-information');
  await info.getByRole('switch', { name: 'An den Dienstleister auslagern' }).waitFor();
  await info.locator('#volume-information-handled_minute').fill('2000');
  await expect.poll(() => info.getByTestId('subtotal-information').textContent().then(squeeze), { timeout: 10_000 }).toContain('1.700,00€');
  const serverTotal = (await page.evaluate(async () => {
    const res = await fetch('/api/t/banque-horizon/delegations/estimate?volumes=information.handled_minute:2000');
    return (await res.json()) as { totalMinor: number };
  })).totalMinor;
  expect(serverTotal).toBeGreaterThan(100_000);
  const germanTotal = new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }).format(serverTotal / 100);
  await expect.poll(() => page.getByTestId('estimate-total').textContent().then(squeeze), { timeout: 10_000 }).toBe(squeeze(germanTotal));
  // "1.234,56 €": a dot groups thousands, a comma before the cents, the euro sign after.
  expect(await page.getByTestId('estimate-total').textContent()).toMatch(/^\d{1,3}(\.\d{3})+,\d{2}\s€$/);
  await expect(page.getByTestId('estimate-breakdown').textContent()).resolves.toContain('Plattformgebühr');
  await screenshot('functions-de');

  await page.goto(`${server.url}/t/banque-horizon/scripts`);
  await page.getByRole('heading', { name: 'Gesprächsleitfäden' }).waitFor();
  await page.getByRole('heading', { name: 'Abschlusscodes' }).waitFor();
  const card = page.getByTestId('script-card-information');
  await expect(card.textContent()).resolves.toMatch(/Version \d+, veröffentlicht am/);
  await screenshot('scripts-de');

  await card.getByRole('link', { name: 'Skript bearbeiten' }).click();
  await page.waitForURL('**/scripts/information');
  await page.getByRole('heading', { name: 'Versionsverlauf' }).waitFor();
  await page.getByRole('button', { name: 'Entwurf speichern' }).waitFor();
  await page.getByRole('heading', { name: 'Ausprobieren' }).waitFor();
  await page.getByTestId('live-check').getByText('Bereit zur Veröffentlichung').waitFor();
  // A step's problem, in German, under its field: an emptied text.
  const first = page.locator('article.step').first();
  await expect(first.locator('h3').textContent()).resolves.toContain('Sagen');
  await first.locator('textarea').fill('');
  await first.locator('.field-error', { hasText: 'Geben Sie ein, was der Agent sagt.' }).waitFor();
  await page.getByTestId('live-check').getByText('1 Problem vor der Veröffentlichung zu beheben').waitFor();
  await screenshot('script-editor-de');
  expect(problems).toEqual([]);
});

test('a French client admin reads the go-live checklist in French', async () => {
  const { page, screenshot, problems } = french;
  await logIn(french, 'admin@pizza-napoli.test', '/t/pizza-napoli');
  const checklist = page.getByTestId('go-live');
  await checklist.getByRole('heading', { name: 'Check-list de mise en service' }).waitFor();
  const orders = page.getByTestId('go-live-order_taking');
  await orders.getByRole('heading', { name: 'Prise de commande' }).waitFor();
  await expect(orders.getByTestId('go-live-order_taking-script').textContent()).resolves.toContain('Script publié');
  // The detail is the API's code in French, the function's name inside the sentence.
  await expect(orders.getByTestId('go-live-order_taking-script').textContent()).resolves.toContain('Le script « Prise de commande » est publié.');
  await expect(orders.getByTestId('go-live-order_taking-hours').textContent()).resolves.toContain('Horaires d’ouverture');
  await expect(checklist.textContent()).resolves.not.toMatch(/is published|Opening hours/);
  await screenshot('go-live-fr');
  expect(problems).toEqual([]);
});
