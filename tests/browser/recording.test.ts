import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadConfig, signTelephonyRequest } from '@switchboard/api';
import { launchBrowser, logInAs, pinDemoTenantForDesk, startDeskRouting, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * Issue 11, recordings: at the desk the operator pauses the recording while the caller reads out
 * payment details (button, then key P to resume) and the telephony adapter is told; in the portal the
 * client admin listens to the recording and sees who listened.
 */
let server: TestServer;
let browser: TestBrowser;
let stopRouting: () => Promise<void>;

const bankNumber = '+4930555012';
const secret = loadConfig({}).telephonySecret;

beforeAll(async () => {
  server = await startServer();
  // Banque Horizon's demo rules record calls, paused while payment details are given.
  await pinDemoTenantForDesk(server.database.db, 'banque-horizon', { number: bankNumber, fn: 'information', hoursName: 'Always', signAgreement: true });
  stopRouting = startDeskRouting(server.database.db);
  browser = await launchBrowser('recording');
});

afterAll(async () => {
  await stopRouting?.();
  await browser?.close();
  await server?.close();
});

async function telephony(method: 'GET' | 'POST', path: string, json?: unknown): Promise<any> {
  const body = json === undefined ? '' : JSON.stringify(json);
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(json === undefined ? {} : { 'content-type': 'application/json' }), ...signTelephonyRequest(secret, body, new Date(), { method, path }) },
    ...(method === 'POST' ? { body } : {}),
  });
  expect(res.status).toBe(200);
  return res.json();
}

test('the operator pauses and resumes the recording (button and P); the client admin listens and sees who did', async () => {
  const { page, screenshot } = browser;
  await logInAs(page, server.url, 'operator1@switchboard.test', '/operator');
  await page.goto(`${server.url}/desk`);
  await page.getByRole('button', { name: 'Go available' }).click();
  await page.getByText('Waiting for the next call').waitFor();

  const incoming = await telephony('POST', '/api/telephony/calls', { callId: 'recording-bank-1', dialled: bankNumber, caller: '+4915112345678' });
  expect(incoming).toMatchObject({ outcome: 'queued', record: true });
  await page.getByTestId('offer').filter({ hasText: 'Banque Horizon' }).waitFor();
  await page.keyboard.press('a');

  const control = page.getByTestId('recording-control');
  await control.filter({ hasText: 'Recording' }).waitFor();
  await page.getByTestId('recording-toggle').filter({ hasText: 'Pause recording' }).click();
  await page.locator('[data-testid="recording-control"][data-state="paused"]').waitFor();
  await expect(control.textContent()).resolves.toContain('Recording paused');
  expect((await telephony('GET', `/api/telephony/calls/${incoming.id}`)).recording).toBe('paused');
  await screenshot('desk-recording-paused');

  await page.keyboard.press('p');
  await page.locator('[data-testid="recording-control"][data-state="on"]').waitFor();
  expect((await telephony('GET', `/api/telephony/calls/${incoming.id}`)).recording).toBe('on');

  await page.getByTestId('hang-up').click();
  await telephony('POST', `/api/telephony/calls/${incoming.id}/recording`, { ref: `https://recordings.example.test/${incoming.id}.wav` });

  await logInAs(page, server.url, 'admin@banque-horizon.test', '/t/banque-horizon');
  await page.goto(`${server.url}/t/banque-horizon/calls`);
  await page.locator('table .link-button').first().click();
  const timeline = page.getByTestId('call-timeline');
  await timeline.getByText('Recording paused (payment details)').waitFor();
  await timeline.getByText('Recording resumed').waitFor();
  const recording = page.getByTestId('call-recording');
  await recording.getByText('Nobody has listened to or downloaded this recording.').waitFor();
  await page.getByTestId('recording-listen').click();
  await page.getByTestId('recording-ref').getByText(`${incoming.id}.wav`).waitFor();
  await page.getByTestId('recording-access').getByText('admin@banque-horizon.test').waitFor();
  await expect(page.getByTestId('recording-access').textContent()).resolves.toContain('Listened');
  await recording.scrollIntoViewIfNeeded();
  await screenshot('portal-recording-access');
  expect(browser.problems).toEqual([]);
});
