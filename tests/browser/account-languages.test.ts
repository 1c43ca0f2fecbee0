import { afterAll, beforeAll, expect, test } from 'vitest';
import { withApp } from '@switchboard/db';
import { launchBrowser, startServer, type TestBrowser, type TestServer } from './support.ts';
import { seedFloor, type Floor } from './wallboard-fixtures.ts';

/**
 * A person's language: their browser's until they choose one in the account menu; then the account's,
 * on every browser. The wallboard shows the figures in the viewer's language ("80 %" in French).
 */
let server: TestServer;
let floor: Floor;
const browsers: TestBrowser[] = [];

beforeAll(async () => {
  server = await startServer();
  floor = await seedFloor(server.database.db, new Date());
});

afterAll(async () => {
  for (const b of browsers) await b.close();
  await server?.close();
});

const htmlLang = (b: TestBrowser) => b.page.evaluate<string>('document.documentElement.lang');

test('a French browser gets the app in French; Deutsch chosen in the account menu switches at once and follows the account to an English browser', async () => {
  const fr = await launchBrowser('account-languages', { locale: 'fr-FR' });
  browsers.push(fr);
  const { page, screenshot, problems } = fr;

  await page.goto(`${server.url}/login`);
  await page.getByRole('heading', { name: 'Connexion' }).waitFor();
  expect(await htmlLang(fr)).toBe('fr');
  await expect(page.title()).resolves.toBe('Connexion · Switchboard');
  await screenshot('login-fr');
  await page.getByLabel('E-mail').fill(floor.supervisor.email);
  await page.getByLabel('Mot de passe').fill(floor.supervisor.password);
  await page.getByRole('button', { name: 'Se connecter' }).click();

  await page.getByRole('link', { name: 'Tableau de bord' }).click();
  await page.waitForURL('**/wallboard');
  await page.getByRole('heading', { name: 'Tableau de bord', level: 1 }).waitFor();
  await page.getByText(/^En direct/).waitFor();
  await expect(page.getByTestId('current-user').locator('xpath=..').textContent()).resolves.toContain('Superviseur');
  const pizza = page.getByRole('region', { name: 'Pizza Napoli' });
  await pizza.getByRole('row', { name: /Prise de commande/ }).waitFor();
  // Percentages the French way: a no-break space before % (English writes "80%").
  await expect(page.locator('figcaption').textContent()).resolves.toMatch(/de 80[\u00a0\u202f]%\.$/);
  await screenshot('wallboard-fr');

  // The account menu's language list: the browser's is the current choice until one is made.
  await page.getByTestId('current-user').click();
  const menu = page.getByTestId('language-menu');
  await expect(menu.getByRole('menuitemradio', { name: 'Langue du navigateur' }).getAttribute('aria-checked')).resolves.toBe('true');
  await screenshot('account-menu-fr');
  await menu.getByRole('menuitemradio', { name: 'Deutsch' }).click();

  // At once, no reload: the page, its title and <html lang> are German.
  await page.getByRole('columnheader', { name: 'Wartend' }).first().waitFor();
  await page.getByRole('link', { name: 'Mandanten' }).waitFor();
  expect(await htmlLang(fr)).toBe('de');
  await expect(page.title()).resolves.toBe('Wallboard · Switchboard');
  await expect(page.locator('figcaption').textContent()).resolves.toMatch(/von 80[\u00a0\u202f]%\.$/);
  // Checked once the account has saved the choice (its request may still be on its way under load).
  await menu.getByRole('menuitemradio', { name: 'Deutsch', checked: true }).waitFor();
  await screenshot('account-menu-de');
  const stored = await withApp(server.database.db, (tx) =>
    tx.selectFrom('users').select('language').where('email', '=', floor.supervisor.email).executeTakeFirstOrThrow(),
  );
  expect(stored.language).toBe('de');

  await page.reload();
  await page.getByRole('columnheader', { name: 'Wartend' }).first().waitFor();
  expect(await htmlLang(fr)).toBe('de');
  await screenshot('wallboard-de-after-reload');
  expect(problems).toEqual([]);

  // Another browser, in English: the login page is English (its own chooser can switch it before
  // logging in), and once logged in the account's German wins over the browser.
  const en = await launchBrowser('account-languages-en', { locale: 'en-GB' });
  browsers.push(en);
  await en.page.goto(`${server.url}/login`);
  await en.page.getByRole('heading', { name: 'Log in' }).waitFor();
  expect(await htmlLang(en)).toBe('en');
  await en.page.getByTestId('login-language').selectOption('fr');
  await en.page.getByRole('heading', { name: 'Connexion' }).waitFor();
  await en.page.getByTestId('login-language').selectOption('en');
  await en.page.getByRole('heading', { name: 'Log in' }).waitFor();
  await en.page.getByLabel('Email').fill(floor.supervisor.email);
  await en.page.getByLabel('Password').fill(floor.supervisor.password);
  await en.page.getByRole('button', { name: 'Log in' }).click();
  await en.page.getByRole('link', { name: 'Mandanten' }).waitFor();
  expect(await htmlLang(en)).toBe('de');
  await en.page.getByRole('link', { name: 'Wallboard' }).click();
  await en.page.getByRole('columnheader', { name: 'Wartend' }).first().waitFor();
  await en.screenshot('wallboard-de-from-english-browser');

  // The login page now remembers German on this browser. Someone invited (no language chosen: the
  // browser's English) who must first replace a one-time password can already choose theirs there.
  const invited = { email: 'invited@floor.test', password: 'a-one-time-password-1' };
  await server.seedUser({ ...invited, displayName: 'Ines Invited', kind: 'supervisor', mustChangePassword: true });
  await en.page.evaluate(`fetch('/api/auth/logout', { method: 'POST' })`);
  await en.page.goto(`${server.url}/login`);
  await en.page.getByLabel('E-Mail').fill(invited.email);
  await en.page.getByLabel('Passwort').fill(invited.password);
  await en.page.getByRole('button', { name: 'Anmelden' }).click();
  await en.page.getByRole('heading', { name: 'Choose your password' }).waitFor();
  await en.page.getByTestId('login-language').selectOption('fr');
  await en.page.getByRole('heading', { name: 'Choisissez votre mot de passe' }).waitFor();
  await en.screenshot('first-password-fr');
  await expect
    .poll(async () => (await withApp(server.database.db, (tx) => tx.selectFrom('users').select('language').where('email', '=', invited.email).executeTakeFirstOrThrow())).language)
    .toBe('fr');
  expect(en.problems).toEqual([]);
});
