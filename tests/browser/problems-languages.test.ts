import { afterAll, beforeAll, expect, it } from 'vitest';
import { applyDemoIfNew } from '@switchboard/tenants';
import { launchBrowser, startServer, type TestBrowser, type TestServer } from './support.ts';

// Issue 12: the API's problems read in the person's language, from the API's stable codes — a wrong
// login, a field the API refuses (shown next to that field) and a check made as the user types — with
// the API's English nowhere on the page. Inputs are found by id: their labels are translated too.
let server: TestServer;

beforeAll(async () => {
  server = await startServer();
  await applyDemoIfNew(server.database.db);
}, 180_000);

afterAll(async () => {
  await server?.close();
});

async function journey(browser: TestBrowser, email: string, landing: string, words: { login: string[]; currentWrong: string; tooShort?: string }) {
  const { page, screenshot } = browser;
  await page.goto(`${server.url}/login`);
  await page.locator('#login-email').fill(email);
  await page.locator('#login-password').fill('not the password');
  await page.locator('form button[type=submit]').click();
  const alert = page.locator('[data-problem-code="invalid_credentials"]');
  for (const text of words.login) await alert.getByText(text, { exact: true }).waitFor();
  await expect(alert.textContent()).resolves.not.toContain('The email or password is not right.');
  await screenshot('wrong-login');

  await page.locator('#login-password').fill('switchboard-demo');
  await page.locator('form button[type=submit]').click();
  await page.waitForURL(`**${landing}`);
  await page.goto(`${server.url}/account/password`);
  await page.locator('#pw-currentPassword').fill('not-my-current-password');
  if (words.tooShort) {
    // Checked as the user types, with the API's rule and words.
    await page.locator('#pw-newPassword').fill('court');
    await page.locator('#pw-confirmPassword').fill('court');
    await page.locator('form button[type=submit]').click();
    await page.locator('#pw-newPassword-error').getByText(words.tooShort, { exact: true }).waitFor();
    await screenshot('too-short');
  }
  // Only the API knows the current password: its field error comes back coded and is shown next to the field.
  const response = page.waitForResponse((r) => r.url().endsWith('/api/auth/password'));
  await page.locator('#pw-newPassword').fill('a-new-long-passphrase-2026');
  await page.locator('#pw-confirmPassword').fill('a-new-long-passphrase-2026');
  await page.locator('form button[type=submit]').click();
  const body = (await (await response).json()) as { errors: { path: string; code: string; message: string }[] };
  expect(body.errors).toEqual([{ path: 'currentPassword', code: 'password.current_wrong', message: 'This is not your current password.' }]);
  await page.locator('#pw-currentPassword-error').getByText(words.currentWrong, { exact: true }).waitFor();
  await expect(page.locator('#pw-currentPassword').getAttribute('aria-invalid')).resolves.toBe('true');
  await expect(page.locator('body').textContent()).resolves.not.toContain('This is not your current password.');
  await screenshot('field-error');
  expect(browser.problems).toEqual([]);
}

it('shows the problems in French to a French browser: the wrong login, the field the API refused, the check as one types', async () => {
  const browser = await launchBrowser('problems-languages-fr', { locale: 'fr-FR' });
  try {
    await journey(browser, 'admin@pizza-napoli.test', '/t/pizza-napoli', {
      login: ['E-mail ou mot de passe incorrect', "L'adresse e-mail ou le mot de passe n'est pas correct."],
      tooShort: 'Saisissez au moins 12 caractères.',
      currentWrong: "Ce n'est pas votre mot de passe actuel.",
    });
  } finally {
    await browser.close();
  }
}, 180_000);

it('shows them in German to a German browser', async () => {
  const browser = await launchBrowser('problems-languages-de', { locale: 'de-DE' });
  try {
    await journey(browser, 'admin@telenova.test', '/t/telenova', {
      login: ['E-Mail oder Passwort ungültig', 'E-Mail-Adresse oder Passwort ist nicht korrekt.'],
      currentWrong: 'Das ist nicht Ihr aktuelles Passwort.',
    });
  } finally {
    await browser.close();
  }
}, 180_000);
