import { afterAll, beforeAll, expect, test } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyDemoIfNew } from '@switchboard/tenants';
import { launchBrowser, logInThroughApi, screenshotInto, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * The calling lists (issue 15): a client admin opens "Calling lists" from the company's navigation,
 * puts a number on the do-not-call list, uploads a Bloctel checked file with the day it was checked
 * (an old check is flagged), records and withdraws a consent — in English and in French.
 */
let server: TestServer;
let browser: TestBrowser;
let french: TestBrowser;
const shotsDir = process.env.SHOTS_DIR;

beforeAll(async () => {
  server = await startServer();
  await applyDemoIfNew(server.database.db);
  browser = await launchBrowser('calling-lists');
  french = await launchBrowser('calling-lists-fr', { locale: 'fr-FR' });
});

afterAll(async () => {
  await browser?.close();
  await french?.close();
  await server?.close();
});

test('a client admin keeps the do-not-call list, the Bloctel lists and the consents', async () => {
  const { page } = browser;
  await logInThroughApi(browser, server.url, { email: 'admin@pizza-napoli.test', password: 'switchboard-demo' });
  await page.goto(`${server.url}/t/pizza-napoli`);
  await page.getByRole('link', { name: 'Calling lists' }).click();
  await page.waitForURL('**/t/pizza-napoli/calling-lists');
  await page.getByText('Nobody on the list yet').waitFor();
  await page.getByText('No Bloctel list has been uploaded').waitFor();

  const dnc = page.getByTestId('do-not-call');
  await dnc.getByRole('textbox', { name: 'Phone number' }).fill('06 12 34 56 78');
  await dnc.getByRole('textbox', { name: /^Note/ }).fill('Asked by letter on 2 December');
  await dnc.getByRole('button', { name: 'Add to the list' }).click();
  await dnc.getByText('The number is on the list').waitFor();
  await dnc.getByText('+33612345678').waitFor();

  // A Bloctel checked file, checked 45 days ago: uploaded, and flagged as too old.
  const dir = mkdtempSync(join(tmpdir(), 'bloctel-'));
  const file = join(dir, 'bloctel-octobre.csv');
  writeFileSync(file, 'Numéro;Statut\n0611223344;Inscrit\n0699887766;Non inscrit\n0655443322;Inscrit\nnot a number;Inscrit\n');
  // 45 days before today in the company's zone (the warning counts days there), e.g. 2026-10-22.
  const todayInParis = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Paris' }).format(new Date());
  const checked = new Date(`${todayInParis}T00:00:00Z`);
  checked.setUTCDate(checked.getUTCDate() - 45);
  const checkedOn = checked.toISOString().slice(0, 10);
  const opposition = page.getByTestId('opposition-lists');
  await opposition.getByLabel('File').setInputFiles(file);
  await opposition.getByLabel('Checked on').fill(checkedOn);
  await opposition.getByRole('button', { name: 'Upload' }).click();
  await opposition.getByText('Numbers added: 2. Lines without a valid number: 1. Marked as not on the list: 1.').waitFor();
  await opposition.getByText(/The newest Bloctel check is from .*, 45 days ago/).waitFor();

  const consents = page.getByTestId('consents');
  await consents.getByRole('textbox', { name: 'Phone number' }).fill('07 11 22 33 44');
  await consents.getByRole('textbox', { name: /^Where it was given/ }).fill('Web form, newsletter page');
  await consents.getByRole('button', { name: 'Record the consent' }).click();
  await consents.getByText('+33711223344').waitFor();
  // The demo's customers' consents are listed too: the one recorded here is found by its row.
  await consents.getByRole('row', { name: /\+33711223344/ }).getByText('Valid', { exact: true }).waitFor();
  await screenshotInto(browser, 'calling-lists-en', shotsDir);
  await consents.getByRole('row', { name: /\+33711223344/ }).getByRole('button', { name: 'Withdraw' }).click();
  await consents.getByText(/Withdrawn on/).waitFor();
  expect(browser.problems).toEqual([]);

  await logInThroughApi(french, server.url, { email: 'admin@pizza-napoli.test', password: 'switchboard-demo' });
  await french.page.goto(`${server.url}/t/pizza-napoli/calling-lists`);
  await french.page.getByText('Liste « ne pas appeler »').first().waitFor();
  await french.page.getByText(/La dernière vérification Bloctel date du/).waitFor();
  await french.page.getByText(/Retiré le/).waitFor();
  await screenshotInto(french, 'calling-lists-fr', shotsDir);
  expect(french.problems).toEqual([]);
});
