import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Tenant } from '@switchboard/db';
import { createTenant } from '@switchboard/api';
import { prepareOutbound } from '../support/campaigns.ts';
import { seedClientUser, type TestUser } from '../support/users.ts';
import { launchBrowser, logInThroughApi, screenshotInto, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * Issue 15 in the portal: a client admin creates a campaign (the Arcep warning for a number outside the
 * automated ranges), imports a list through the wizard (the mapping from the preview, a check reporting
 * a bad row and a duplicate by line, saving the valid rows), and starts it — in English, then in French.
 */
let server: TestServer;
let en: TestBrowser;
let fr: TestBrowser;
let telco: Tenant;
let clientAdmin: TestUser;
const shotsDir = process.env.SHOTS_DIR;

beforeAll(async () => {
  server = await startServer();
  const { db } = server.database;
  ({ tenant: telco } = await createTenant(db, null, { slug: 'telenova-fr', name: 'TeleNova France', legalName: 'TeleNova SAS', timeZone: 'Europe/Paris', locale: 'fr-FR', currency: 'EUR' }, new Date()));
  clientAdmin = await seedClientUser(db, telco, 'client_admin', { email: 'admin@telenova-fr.test', displayName: 'Camille Roux' });
  await prepareOutbound(db, telco, new Date());
  en = await launchBrowser('campaigns-en', { locale: 'en-GB' });
  fr = await launchBrowser('campaigns-fr', { locale: 'fr-FR' });
});

afterAll(async () => {
  await en?.close();
  await fr?.close();
  await server?.close();
});

const shot = (browser: TestBrowser, name: string) => screenshotInto(browser, name, shotsDir);
const file = ['Téléphone,Prénom,Nom,Offre', '06 12 34 56 78,Marie,Dupont,Fibre 1G', 'pas un numéro,Paul,Martin,Box', '+33612345678,Marie,Encore,Fibre', '07 98 76 54 32,Léa,Bernard,Mobile'].join('\r\n');

test('a client admin sets up a campaign, imports its list through the check and starts it, in English and French', async () => {
  await logInThroughApi(en, server.url, clientAdmin);
  const { page } = en;
  await page.goto(`${server.url}/t/telenova-fr/campaigns`);
  await page.getByText('No campaign yet').waitFor();
  await shot(en, 'campaigns-en-empty');
  await page.getByTestId('campaign-new').click();
  await page.getByTestId('campaign-editor').waitFor();
  await page.locator('#campaign-name').fill('December fibre offer');
  await page.getByTestId('arcep-warning').waitFor();
  await page.getByTestId('dispositions').getByRole('checkbox', { name: 'interested', exact: true }).check();
  await shot(en, 'campaigns-en-editor');
  await page.getByTestId('campaign-save').click();
  await page.getByRole('heading', { name: /December fibre offer/ }).waitFor();
  await page.getByText('No list yet').waitFor();
  await shot(en, 'campaigns-en-detail-empty');

  await page.getByTestId('list-import-open').click();
  await page.locator('#list-file').setInputFiles({ name: 'subscribers.csv', mimeType: 'text/csv', buffer: Buffer.from(file, 'utf8') });
  await page.getByTestId('import-preview').waitFor();
  await expect(page.locator('#map-phone').inputValue()).resolves.toBe('Téléphone');
  await shot(en, 'campaigns-en-import-mapping');
  await page.getByTestId('import-check').click();
  await page.getByTestId('import-errors').waitFor();
  await page.getByTestId('import-duplicates').getByText('this file, line 2').waitFor();
  await shot(en, 'campaigns-en-import-report');
  await page.getByLabel('Leave out the rows with a problem (1)').check();
  await page.getByTestId('import-save').click();
  await page.getByText('2 contacts saved.').waitFor();
  await page.getByTestId('contact-lists').getByText('subscribers').waitFor();
  await expect(page.getByTestId('count-total').textContent()).resolves.toBe('2');
  await page.getByTestId('campaign-start').click();
  await expect(page.getByTestId('campaign-status').getByText('Running').waitFor()).resolves.toBeUndefined();
  await shot(en, 'campaigns-en-detail');
  await page.goto(`${server.url}/t/telenova-fr/campaigns`);
  await page.getByTestId('campaigns').getByText('December fibre offer').waitFor();
  await shot(en, 'campaigns-en-list');

  await logInThroughApi(fr, server.url, clientAdmin);
  await fr.page.goto(`${server.url}/t/telenova-fr/campaigns`);
  await fr.page.getByTestId('campaigns').getByText('En cours').waitFor();
  await shot(fr, 'campaigns-fr-list');
  await fr.page.getByTestId('campaigns').getByRole('link', { name: 'December fibre offer' }).click();
  await fr.page.getByRole('heading', { name: 'Listes de contacts' }).waitFor();
  await shot(fr, 'campaigns-fr-detail');
  await fr.page.getByRole('link', { name: 'Modifier' }).click();
  await fr.page.getByTestId('campaign-editor').waitFor();
  await fr.page.getByText('Lundi').waitFor();
  await shot(fr, 'campaigns-fr-editor');
  await fr.page.goto(`${server.url}/t/telenova-fr/campaigns`);
  await fr.page.getByTestId('campaigns').getByRole('link', { name: 'December fibre offer' }).click();
  await fr.page.getByTestId('list-import-open').click();
  await fr.page.locator('#list-file').setInputFiles({ name: 'janvier.csv', mimeType: 'text/csv', buffer: Buffer.from(file, 'utf8') });
  await fr.page.getByTestId('import-check').click();
  await fr.page.getByTestId('import-duplicates').getByText('la liste subscribers, ligne 2').waitFor();
  await shot(fr, 'campaigns-fr-import-report');
}, 180_000);
