import { afterAll, beforeAll, expect, test } from 'vitest';
import { newId, withTenant, type Tenant } from '@switchboard/db';
import { incomingCall, launchBrowser, pinDemoTenantForDesk, startDeskRouting, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * Issue 12 at the desk: a French operator (browser in French, no language chosen) takes a call for the
 * German bank. The desk around the call speaks French — states, offer, timers, banner, wrap-up, dates
 * in French formats in the bank's zone — while the script speaks the bank's language: its own text and
 * the runner's words (Ja/Nein, Weiter, the greeting's „…“), marked lang="de" for screen readers.
 */
let server: TestServer;
let browser: TestBrowser;
let stopRouting: () => Promise<void>;
let bank: Tenant;

const bankNumber = '+4969907012377';
const caller = '+4915112340000';

beforeAll(async () => {
  server = await startServer();
  const { db } = server.database;
  bank = await pinDemoTenantForDesk(db, 'banque-horizon', { number: bankNumber, fn: 'information', hoursName: 'Test', wrapUpSeconds: 600, updatedBy: 'desk languages test' });
  expect(bank.locale).toBe('de-DE');
  // The caller rang once before, on 30 November at 10:05 in Frankfurt (09:05 UTC).
  await withTenant(db, bank.id, (tx) =>
    tx
      .insertInto('calls')
      .values({
        tenantId: bank.id,
        id: newId(),
        externalId: `languages-${newId()}`,
        function: 'information',
        dialledNumber: bankNumber,
        callerNumber: caller,
        status: 'after_hours',
        offeredAt: new Date('2026-11-30T09:05:00Z'),
        endedAt: new Date('2026-11-30T09:06:00Z'),
        afterHoursAction: 'message',
      })
      .execute(),
  );
  stopRouting = startDeskRouting(db);
  browser = await launchBrowser('desk-languages', { locale: 'fr-FR' });
});

afterAll(async () => {
  await stopRouting?.();
  await browser?.close();
  await server?.close();
});

test("a French operator on a German client's call: the desk in French, the script in German", async () => {
  const { page, screenshot } = browser;
  await page.goto(`${server.url}/login`);
  await page.locator('input[type=email]').fill('operator1@switchboard.test');
  await page.locator('input[type=password]').fill('switchboard-demo');
  await page.locator('input[type=password]').press('Enter');
  await page.waitForURL('**/operator');
  await page.getByRole('heading', { name: /^Bonjour / }).waitFor();
  await page.getByTestId('open-desk').click();
  await page.getByRole('button', { name: 'Passer disponible' }).click();
  await page.getByTestId('desk-state').filter({ hasText: 'Disponible' }).waitFor();
  await page.getByText('En attente du prochain appel').waitFor();
  await page.getByTestId('figures-total').filter({ hasText: '0 appel' }).waitFor();

  // The offer, in French.
  expect((await incomingCall(server, 'sim-languages-1', bankNumber, caller)).status).toBe(200);
  const offer = page.getByTestId('offer');
  await offer.filter({ hasText: 'Appel entrant' }).filter({ hasText: 'Banque Horizon' }).waitFor();
  await expect(offer.textContent()).resolves.toMatch(/\d+ s pour répondre/);
  await screenshot('offer-fr');
  await offer.getByRole('button', { name: /Décrocher/ }).click();
  await page.getByTestId('client-name').filter({ hasText: 'Banque Horizon' }).waitFor();

  // The desk chrome is French: banner, timers, buttons, the caller's history with a French date in the bank's zone.
  const banner = page.getByTestId('client-banner');
  await banner.getByText('Appelant', { exact: true }).waitFor();
  await page.getByTestId('talk-timer').filter({ hasText: /En communication\s*0:0\d/ }).waitFor();
  await page.getByRole('button', { name: 'Raccrocher' }).waitFor();
  await expect(page.getByTestId('caller-kind').textContent()).resolves.toBe('Appelant connu · 1 appel précédent · dernier appel le 30 nov. 2026, 10:05');

  // The greeting and the script are the bank's, in German, and marked so.
  const greeting = page.getByTestId('greeting');
  await expect(greeting.locator('[lang="de"] .say-label').textContent()).resolves.toBe('Sagen Sie');
  await expect(greeting.locator('.say-text').textContent()).resolves.toMatch(/^„Banque Horizon, guten Tag.*“$/);
  const script = page.getByTestId('script-runner');
  await script.getByRole('heading', { name: 'Script' }).waitFor();
  await expect(script.getByTestId('script-step').getAttribute('lang')).resolves.toBe('de');
  await expect(script.getByTestId('script-next').textContent()).resolves.toMatch(/^Weiter/);
  await script.getByTestId('script-next').click();
  await script.getByRole('button', { name: 'Karte sperren' }).click();
  await script.getByRole('button', { name: 'Nein' }).waitFor();
  await expect(script.getByRole('button', { name: 'Yes' }).count()).resolves.toBe(0);
  await expect(script.getByRole('button', { name: 'Oui' }).count()).resolves.toBe(0);
  await screenshot('on-call-fr-de');
  await script.getByRole('button', { name: 'Ja' }).click();
  // What the script asks the operator to do next is desk chrome: French.
  await script.getByTestId('script-outcome').filter({ hasText: 'Vers Betrugsabteilung — utilisez Transférer ci-dessous.' }).waitFor();
  // The answers given are read back in the script's language too.
  await expect(script.locator('.trail').textContent()).resolves.toContain('→ Ja');

  // `W`: hang up and wrap up, in French.
  await page.keyboard.press('w');
  const wrap = page.getByTestId('wrap-up');
  await wrap.getByRole('heading', { name: 'Post-appel' }).waitFor();
  await page.getByTestId('wrap-up-countdown').filter({ hasText: /Post-appel\s*\d+:\d\d\s*restant/ }).waitFor();
  await wrap.getByLabel('Qualification').selectOption({ index: 1 });
  await screenshot('wrap-up-fr');
  await wrap.getByRole('button', { name: 'Terminer le post-appel' }).click();
  await page.getByTestId('desk-idle').waitFor();
  await page.getByTestId('figures-total').filter({ hasText: '1 appel' }).waitFor();
  await page.getByTestId('recent-calls').getByRole('heading', { name: 'Mes appels récents' }).waitFor();
  await screenshot('after-call-fr');
  expect(await page.evaluate('document.documentElement.lang')).toBe('fr');
  expect(browser.problems).toEqual([]);
});
