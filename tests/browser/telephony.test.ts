import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { applyDemoIfNew } from '@switchboard/tenants';
import { startFakeTwilio, type FakeTwilio } from '../support/fake-twilio.ts';
import { launchBrowser, logInAs, logInThroughApi, screenshotInto, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * The provider admin connects Twilio on /admin/telephony, synchronises its numbers and gives one to Pizza
 * Napoli; the operator sets their voice and checks their microphone on the desk (Chromium's fake microphone).
 * The desk loads Twilio's Voice SDK only once Twilio is connected and the operator chose the browser.
 * Screenshots in English and French go to SHOTS_DIR (the lead's review) as well as test-results/.
 */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

let fake: FakeTwilio;
let server: TestServer;
let en: TestBrowser;
let fr: TestBrowser;
const shots = process.env.SHOTS_DIR;
const media = ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'];
/** Requests the desk made for Twilio's Voice SDK (its lazily loaded chunk, or Twilio's hosts). */
const voiceSdkRequests: string[] = [];

beforeAll(async () => {
  fake = await startFakeTwilio();
  fake.addNumber('+33142868250', 'Pizza Napoli — flyer');
  fake.addNumber('+4930123456790', 'Berlin spare');
  // PUBLIC_URL is the address the browser uses too (its origin is the one accepted for unsafe requests).
  const port = await freePort();
  server = await startServer({ port, env: { PUBLIC_URL: `http://127.0.0.1:${port}`, TWILIO_API_URL: fake.url } });
  await applyDemoIfNew(server.database.db);
  en = await launchBrowser('telephony', { args: media });
  fr = await launchBrowser('telephony-fr', { locale: 'fr-FR', args: media });
  en.page.on('request', (r) => {
    if (/voice-sdk|twilio\.com/i.test(r.url())) voiceSdkRequests.push(r.url());
  });
});

afterAll(async () => {
  await en?.close();
  await fr?.close();
  await server?.close();
  await fake?.close();
});

test('the provider admin connects Twilio, synchronises the numbers and assigns one; the page shows the state', async () => {
  const { page } = en;
  await logInAs(page, server.url, 'admin@switchboard.test', '/admin/tenants');
  await page.getByRole('link', { name: 'Telephony' }).click();
  await page.waitForURL('**/admin/telephony');
  await page.getByText('No Twilio account connected').waitFor();
  await screenshotInto(en, 'telephony-not-connected', shots);

  await page.getByTestId('twilio-connect-open').click();
  await page.getByLabel('Account SID').fill(fake.accountSid);
  await page.getByLabel('Auth token').fill('0'.repeat(32));
  await page.getByTestId('twilio-connect').click();
  // Twilio refused: said in words, nothing connected.
  await page.locator('[data-problem-code="twilio_credentials_refused"]').waitFor();
  await page.getByLabel('Auth token').fill(fake.authToken);
  await page.getByTestId('twilio-connect').click();
  await page.getByTestId('telephony-notice').getByText('Twilio is connected.').waitFor();
  expect(await page.getByTestId('twilio-connection').textContent()).toContain('Connected');
  // The secret is never shown back.
  expect(await page.content()).not.toContain(fake.authToken);

  await page.getByTestId('twilio-sync').click();
  await page.getByText('Synchronised: 2 added, 0 removed.').waitFor();
  const row = page.locator('tr[data-number="+33142868250"]');
  await row.getByTestId('assign-open').click();
  await row.getByTestId('assign-tenant').selectOption({ label: 'Pizza Napoli' });
  await row.getByTestId('assign-function').selectOption('order_taking');
  await row.getByTestId('assign-save').click();
  await page.getByText('+33142868250 is assigned and rings here.').waitFor();
  await row.getByText('Pointing here').waitFor();
  await row.getByRole('link', { name: 'Pizza Napoli' }).waitFor();
  expect(fake.numbers.get([...fake.numbers.values()].find((n) => n.phone_number === '+33142868250')!.sid)!.voice_url).toBe(`${server.url}/api/twilio/hooks/voice`);
  await screenshotInto(en, 'telephony-connected', shots);

  // In French, for a provider admin whose browser speaks French.
  await logInThroughApi(fr, server.url, { email: 'admin@switchboard.test', password: 'switchboard-demo' });
  await fr.page.goto(`${server.url}/admin/telephony`);
  await fr.page.getByText('Pointent ici').waitFor();
  await fr.page.getByRole('heading', { name: 'Compte Twilio' }).waitFor();
  await screenshotInto(fr, 'telephonie-connectee', shots);
  expect(en.problems.filter((p) => !/twilio_credentials_refused|400/.test(p))).toEqual([]);
});

test("the operator sets their voice and checks the microphone; the Voice SDK is fetched only for the browser leg", async () => {
  const { page } = en;
  await logInAs(page, server.url, 'operator1@switchboard.test', '/operator');
  await page.getByTestId('open-desk').click();
  await page.waitForURL('**/desk');
  const panel = page.getByTestId('voice-panel');
  await panel.getByText('Choose how calls reach you.').waitFor();

  // A phone leg: validated, hostile input refused with the field named.
  await panel.getByTestId('voice-edit').click();
  await panel.getByLabel('on a phone').check();
  await panel.getByTestId('voice-address').fill('=cmd|"/c calc"!A1');
  await panel.getByTestId('voice-save').click();
  await panel.locator('.field-error').first().waitFor();
  await panel.getByTestId('voice-address').fill('+33 6 12 34 56 78');
  await panel.getByTestId('voice-save').click();
  await panel.getByText('+33612345678').waitFor();
  expect(await panel.getByTestId('voice-state').getAttribute('data-state')).toBe('elsewhere');
  expect(voiceSdkRequests).toEqual([]);

  // The browser leg: the SDK is loaded now, and the microphone check reads the (fake) microphone's level.
  await panel.getByTestId('voice-edit').click();
  await panel.getByLabel('in this browser').check();
  await panel.getByTestId('voice-save').click();
  await panel.getByText('Calls reach you: in this browser').waitFor();
  await expect.poll(() => voiceSdkRequests.length, { timeout: 15_000 }).toBeGreaterThan(0);
  await panel.getByTestId('mic-start').click();
  await expect.poll(async () => Number(await panel.getByTestId('mic-level').getAttribute('aria-valuenow')), { timeout: 10_000 }).toBeGreaterThan(0);
  expect(await panel.getByTestId('mic-device').locator('option').count()).toBeGreaterThan(1);
  await screenshotInto(en, 'desk-voice-panel', shots);

  await logInThroughApi(fr, server.url, { email: 'operator1@switchboard.test', password: 'switchboard-demo' });
  await fr.page.goto(`${server.url}/desk`);
  const frPanel = fr.page.getByTestId('voice-panel');
  await frPanel.getByText('Les appels vous arrivent : dans ce navigateur').waitFor();
  await frPanel.getByTestId('mic-start').click();
  await expect.poll(async () => Number(await frPanel.getByTestId('mic-level').getAttribute('aria-valuenow')), { timeout: 10_000 }).toBeGreaterThan(0);
  await screenshotInto(fr, 'bureau-voix', shots);
});
