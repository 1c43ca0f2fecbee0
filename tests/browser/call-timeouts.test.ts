import { afterAll, beforeAll, expect, test } from 'vitest';
import { closeTimedOutCalls } from '@switchboard/api';
import { incomingCall, launchBrowser, pinDemoTenantForDesk, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * Issue 13, calls never wait forever: a French client admin sets the maximum queue wait, an overflow
 * announcement for order taking and the connected-call limit (the page refuses a wait too short, in
 * French); a caller who then waits past the maximum shows in the call records as « Débordement », with
 * the announcement as what happened after the maximum wait.
 */
let server: TestServer;
let browser: TestBrowser;

beforeAll(async () => {
  server = await startServer();
  await pinDemoTenantForDesk(server.database.db, 'pizza-napoli', { number: '+33142868201', fn: 'order_taking', hoursName: 'Toujours' });
  browser = await launchBrowser('call-timeouts-fr', { locale: 'fr-FR' });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('a French client admin sets the maximum wait and the overflow action; an overflowed call reads as such in the records', async () => {
  const { page, screenshot } = browser;
  await page.goto(`${server.url}/login`);
  await page.locator('input[type="email"]').fill('admin@pizza-napoli.test');
  await page.locator('input[type="password"]').fill('switchboard-demo');
  await page.locator('button[type="submit"]').click();
  await page.waitForURL('**/t/pizza-napoli');

  await page.goto(`${server.url}/t/pizza-napoli/call-handling`);
  const wait = page.getByLabel("Attente maximale en file d'attente (secondes)");
  await wait.waitFor();
  expect(await wait.inputValue()).toBe('300');
  expect(await page.getByLabel('Appel en cours sans signe de vie (minutes)').inputValue()).toBe('240');

  // Too short a wait, and an announcement with no text: refused on the page, in French.
  // Each field is left (Tab) before the button is pressed: its message appearing on blur would move the button under the pointer.
  await wait.fill('10');
  await wait.press('Tab');
  await page.getByLabel('Action de débordement pour Prise de commande').selectOption('announcement');
  await page.getByRole('button', { name: 'Enregistrer les réglages' }).click();
  await page.getByText("L'attente maximale est d’au moins 30 secondes.").waitFor();
  await page.getByText("Saisissez le texte de l'annonce.").waitFor();
  await screenshot('settings-invalid');

  await wait.fill('60');
  await page.getByLabel('Appel en cours sans signe de vie (minutes)').fill('30');
  await page.getByLabel('Annonce pour Prise de commande').fill('Toutes nos lignes sont occupées, merci de rappeler dans quelques minutes.');
  await page.getByLabel('Annonce pour Prise de commande').press('Tab');
  await page.getByRole('button', { name: 'Enregistrer les réglages' }).click();
  await page.getByRole('status').filter({ hasText: 'Réglages enregistrés.' }).waitFor();
  await screenshot('settings-saved');
  const saved = (await page.evaluate(() => fetch('/api/t/pizza-napoli/call-settings').then((r) => r.json()))) as { settings: Record<string, unknown> };
  expect(saved.settings).toMatchObject({
    maxQueueWaitSeconds: 60,
    connectedSilenceMinutes: 30,
    queueOverflow: { order_taking: { action: 'announcement', announcement: 'Toutes nos lignes sont occupées, merci de rappeler dans quelques minutes.' } },
  });

  // A caller nobody answers: past the maximum wait, the pass overflows the call.
  const arrived = await incomingCall(server, `CA-timeouts-${Date.now()}`, '+33142868201', '+33612345678');
  expect(arrived.body.outcome).toBe('queued');
  expect(await closeTimedOutCalls(server.database.db, new Date(Date.now() + 61_000))).toMatchObject({ overflowed: 1 });

  await page.goto(`${server.url}/t/pizza-napoli/calls`);
  await page.locator('tbody .badge', { hasText: 'Débordement (attente trop longue)' }).waitFor();
  await page.locator('tbody tr').first().getByRole('button').first().click();
  const drawer = page.getByRole('dialog');
  await drawer.getByText("Après l'attente maximale").waitFor();
  expect(await drawer.textContent()).toContain('Annonce');
  await drawer.getByText('Attente trop longue : débordement appliqué').waitFor();
  expect(await page.getByTestId('call-timeline').textContent()).toMatch(/Attente maximale \(secondes\)\u00a0?: 60/);
  await screenshot('records-overflowed');
  expect(browser.problems).toEqual([]);
});
