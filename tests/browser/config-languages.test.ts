import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { applyDemoIfNew } from '@switchboard/tenants';
import { launchBrowser, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * The client portal's configuration pages in the client admin's language (issue 12): with a French
 * browser the hours speak French, the week starts on Monday, times typed "15:00" are kept and a
 * holiday reads as a French date; the confidentiality rules explain themselves in French (RGPD). With
 * a German browser the privacy requests page speaks German and writes German dates.
 */
let server: TestServer;
const browsers: TestBrowser[] = [];

beforeAll(async () => {
  server = await startServer();
  await applyDemoIfNew(server.database.db);
});

afterAll(async () => {
  for (const browser of browsers) await browser.close();
  await server?.close();
});

/** Logs in by the form's fields, whatever language its labels are in. */
async function logIn(page: Page): Promise<void> {
  await page.goto(`${server.url}/login`);
  await page.locator('input[type="email"]').fill('admin@pizza-napoli.test');
  await page.locator('input[type="password"]').fill('switchboard-demo');
  await page.locator('button[type="submit"]').click();
  await page.waitForURL('**/t/pizza-napoli');
}

test('a French client admin edits the hours (weekdays in French, Monday first) and reads the rules in French', async () => {
  const browser = await launchBrowser('config-languages-fr', { locale: 'fr-FR' });
  browsers.push(browser);
  const { page, screenshot } = browser;
  await logIn(page);

  await page.goto(`${server.url}/t/pizza-napoli/hours`);
  await page.getByRole('heading', { name: 'Horaires', exact: true }).waitFor();
  expect(await page.getByText('Heures dans le fuseau Europe/Paris.').count()).toBe(1);
  // The week starts on Monday, in French, in the grid and in the editor.
  const schedule = page.getByTestId('schedule-0');
  expect(await schedule.locator('.week-row').first().getAttribute('data-day')).toBe('mon');
  expect(await schedule.locator('.week-day').allTextContents()).toEqual(['lun.', 'mar.', 'mer.', 'jeu.', 'ven.', 'sam.', 'dim.']);
  expect(await schedule.locator('.day-name').allTextContents()).toEqual(['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche']);
  expect(await schedule.locator('.week-grid').getAttribute('aria-label')).toMatch(/^Horaires de la semaine\u00a0: lun\. \d\d:\d\d–/);

  // A 24-hour time typed on Monday, and St Stephen's Day as a holiday (read back as a French date): both saved.
  await page.getByRole('button', { name: 'Ajouter une plage à Service lundi', exact: true }).click();
  await page.getByLabel('Service lundi, plage 3, de', { exact: true }).fill('15:00');
  await page.getByLabel('Service lundi, plage 3, à', { exact: true }).fill('16:00');
  await page.getByRole('button', { name: 'Ajouter un jour' }).click();
  const holiday = page.locator('tr[data-testid^="override-"]').last();
  await holiday.getByRole('textbox').first().fill('Saint-Étienne');
  // Typed the French way (jj/mm/aaaa), whatever the browser's own date format.
  await expect(holiday.getByLabel('Premier jour de Saint-Étienne').getAttribute('placeholder')).resolves.toBe('jj/mm/aaaa');
  await holiday.getByLabel('Premier jour de Saint-Étienne').fill('26/12/2026');
  await holiday.getByLabel('Dernier jour de Saint-Étienne').fill('26/12/2026');
  await holiday.getByText('sam. 26 déc. 2026').first().waitFor();
  await page.getByRole('button', { name: 'Enregistrer les horaires' }).click();
  await page.getByRole('status').filter({ hasText: 'Horaires enregistrés.' }).waitFor();
  expect(await page.getByTestId('status-default').textContent()).toMatch(/Horaire par défaut.*(Ouvert|Fermé)/);
  await screenshot('hours-fr');

  type Hours = { hours: { schedules: { name: string; week: Record<string, unknown[]> }[]; overrides: unknown[] } };
  const saved = (await page.evaluate(() => fetch('/api/t/pizza-napoli/hours').then((r) => r.json()))) as Hours;
  const service = saved.hours.schedules.find((s) => s.name === 'Service');
  expect(service?.week.mon).toContainEqual({ start: '15:00', end: '16:00' });
  expect(saved.hours.overrides).toContainEqual(expect.objectContaining({ from: '2026-12-26', to: '2026-12-26', label: 'Saint-Étienne', closed: true }));

  // The confidentiality rules, explained in French.
  await page.goto(`${server.url}/t/pizza-napoli/rules`);
  await page.getByRole('heading', { name: 'Classification des champs' }).waitFor();
  const levels = await page.getByTestId('classification-levels').textContent();
  expect(levels).toContain('Donnée à caractère personnel au sens du RGPD');
  expect(levels).toContain('jamais exporté');
  expect(await page.getByRole('checkbox', { name: 'Exporter Numéro de carte du client' }).count()).toBe(1);
  expect(await page.getByTestId('classification').textContent()).toContain('Numéro de carte');
  await page.getByLabel('Visibilité pour les conseillers').selectOption('last_four');
  expect(await page.getByTestId('visibility-example').textContent()).toContain('Numéro de carte');
  await page.getByRole('heading', { name: 'Données supprimées à l’issue des durées de conservation' }).waitFor();
  await screenshot('rules-fr');
  expect(browser.problems).toEqual([]);
});

test('a German client admin sees the privacy requests page in German, with German dates', async () => {
  const browser = await launchBrowser('config-languages-de', { locale: 'de-DE' });
  browsers.push(browser);
  const { page, screenshot } = browser;
  await logIn(page);
  const seeded = await page.evaluate(async () => {
    const post = (path: string, body: unknown) =>
      fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.status);
    const customer = { phone: '06 12 34 56 78', name: 'Jonas Beispiel', email: 'jonas@example.org', address: '3 rue des Lilas, Lyon' };
    return [
      await post('/api/t/pizza-napoli/contacts', customer),
      await post('/api/t/pizza-napoli/complaints', { customer, category: 'Late delivery', severity: 'high', description: 'Jonas waited an hour.' }),
    ];
  });
  expect(seeded).toEqual([201, 201]);

  await page.goto(`${server.url}/t/pizza-napoli/privacy`);
  await page.getByRole('heading', { name: 'Datenschutzanfragen' }).waitFor();
  await page.getByText('Noch keine Anfragen').waitFor();
  await page.getByRole('textbox', { name: 'Telefonnummer' }).fill('06 12 34 56 78');
  await page.getByLabel('Anfrage eingegangen am').fill('2026-11-30');
  await page.getByText('bis zum 30.12.2026').waitFor();
  await page.getByLabel('Eingegangen per').selectOption('letter');
  await page.getByLabel('Referenz der Anfrage').fill('Brief vom 30. November, Ticket DS-4');
  await page.getByRole('button', { name: 'Suchen', exact: true }).click();

  const result = page.getByTestId('privacy-result');
  await expect.poll(() => result.textContent()).toContain('1 Kundendatensatz');
  const found = (await result.textContent()) ?? '';
  expect(found).toContain('1 Reklamation');
  expect(found).toContain('Schweregrad hoch, offen');
  expect(found).toMatch(/\d{2}\.\d{2}\.\d{4}, \d{2}:\d{2}/);
  expect(found).not.toContain('Jonas');

  const history = page.getByTestId('privacy-history');
  await expect.poll(() => history.locator('tbody tr').count()).toBe(1);
  const line = (await history.textContent()) ?? '';
  expect(line).toContain('Suche');
  expect(line).toContain('nach Telefonnummer');
  expect(line).toContain('Brief, eingegangen am 30.11.2026');
  expect(line).toContain('Antwort fällig bis zum 30.12.2026');
  expect(await page.getByText('Zeiten in der Zeitzone Europe/Paris.').count()).toBe(1);
  await screenshot('privacy-de');

  await page.getByRole('button', { name: 'Löschen…' }).click();
  const confirm = await page.getByTestId('privacy-confirm').textContent();
  expect(confirm).toContain('Gelöscht: 1 Kundendatensatz.');
  expect(confirm).toContain('1 Reklamation behält Nummer, Kategorie, Schweregrad und Daten');
  await screenshot('privacy-de-confirm');
  expect(browser.problems).toEqual([]);
});
