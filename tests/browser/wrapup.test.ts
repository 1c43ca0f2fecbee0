import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Tenant } from '@switchboard/db';
import { loadConfig, signTelephonyRequest } from '@switchboard/api';
import { launchBrowser, logInAs, pinDemoTenantForDesk, startDeskRouting, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * Issue 10, the operator's wrap-up: the talk timer and the wrap-up countdown stay in view, the desk
 * says when the caller hung up, the wrap-up is extended once, and when its time runs out the typed
 * outcome and notes are kept and completed from "My recent calls". The client admin sets the
 * extension on the Call handling page.
 */
let server: TestServer;
let browser: TestBrowser;
let stopRouting: () => Promise<void>;
let pizza: Tenant;

const pizzaNumber = '+33142868201';
const caller = '+33611220099';
const secret = loadConfig({}).telephonySecret;
/** Short enough for the test to see the time run out; long enough to type on a slow machine. */
const wrapUpSeconds = 10;
const extensionSeconds = 6;

beforeAll(async () => {
  server = await startServer();
  const { db } = server.database;
  pizza = await pinDemoTenantForDesk(db, 'pizza-napoli', {
    number: pizzaNumber,
    fn: 'order_taking',
    hoursName: 'Always',
    wrapUpSeconds,
    wrapUpExtensionSeconds: extensionSeconds,
    updatedBy: 'wrap-up test',
  });
  stopRouting = startDeskRouting(db);
  browser = await launchBrowser('wrapup');
});

afterAll(async () => {
  await stopRouting?.();
  await browser?.close();
  await server?.close();
});

async function telephony(path: string, json: unknown): Promise<any> {
  const body = JSON.stringify(json);
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signTelephonyRequest(secret, body, new Date(), { method: 'POST', path }) },
    body,
  });
  expect(res.status).toBe(200);
  return res.json();
}

const seconds = (clock: string | null) => {
  const [m, s] = (clock ?? '').trim().split(':').map(Number);
  return m! * 60 + s!;
};

test('timers stay in view, the caller hanging up is said, and an expired wrap-up keeps the typed notes to complete from recent calls', async () => {
  const { page, screenshot } = browser;
  await logInAs(page, server.url, 'operator1@switchboard.test', '/operator');
  await page.goto(`${server.url}/desk`);
  await page.getByTestId('recent-calls').getByText('Calls you handle in the last 7 days appear here.').waitFor();
  await page.getByRole('button', { name: 'Go available' }).click();
  await page.getByText('Waiting for the next call').waitFor();

  const incoming = await telephony('/api/telephony/calls', { callId: 'wrapup-pizza-1', dialled: pizzaNumber, caller });
  expect(incoming.outcome).toBe('queued');
  await page.getByTestId('offer').filter({ hasText: 'Pizza Napoli' }).waitFor();
  await page.keyboard.press('a');

  // The talk timer runs while connected, and stays at the top of the window when the call is scrolled.
  const talk = page.getByTestId('talk-timer');
  await talk.filter({ hasText: /Talking\s*0:0[1-9]/ }).waitFor();
  await page.getByTestId('script-runner').waitFor();
  await page.evaluate('window.scrollTo(0, document.body.scrollHeight)');
  await expect(page.evaluate('window.scrollY')).resolves.toBeGreaterThan(100);
  const box = await page.getByTestId('call-timers').boundingBox();
  expect(box && box.y >= 0 && box.y < 40).toBe(true);
  await page.evaluate('window.scrollTo(0, 0)');
  await screenshot('in-call-talk-timer');

  // The caller hangs up: the desk says so, and the wrap-up countdown starts.
  await telephony(`/api/telephony/calls/${incoming.id}/ended`, { by: 'caller' });
  await page.getByTestId('caller-hung-up').filter({ hasText: 'The caller hung up.' }).waitFor();
  const countdown = page.getByTestId('wrap-up-countdown');
  await countdown.waitFor();
  await talk.filter({ hasText: /Talked/ }).waitFor();

  // One extension: the deadline moves, and there is no second.
  const before = seconds(await countdown.locator('[role="timer"]').textContent());
  await page.getByTestId('extend-wrap-up').click();
  await page.getByText('Extended once').waitFor();
  expect(seconds(await countdown.locator('[role="timer"]').textContent())).toBeGreaterThan(before + extensionSeconds - 3);
  await expect(page.getByTestId('extend-wrap-up').count()).resolves.toBe(0);

  // What the operator chooses and types is saved as a draft as they go.
  const wrap = page.getByTestId('wrap-up');
  await wrap.getByLabel('Outcome').selectOption({ label: 'Pas de commande' });
  await wrap.getByLabel('Notes').fill('Veut rappeler après 20 h pour commander.');
  await wrap.getByTestId('draft-status').filter({ hasText: 'Draft saved' }).waitFor();
  await screenshot('wrap-up-countdown');

  // The time runs out: the call leaves the desk, and the desk says the draft was kept.
  const expired = page.getByTestId('wrap-up-expired');
  await expired.waitFor({ timeout: (wrapUpSeconds + extensionSeconds + 10) * 1000 });
  await expect(page.getByTestId('call-workspace').count()).resolves.toBe(0);
  const recent = page.getByTestId('recent-calls');
  const item = recent.locator(`[data-call="${incoming.id}"]`);
  await item.getByText('Needs completing').waitFor();
  await recent.getByTestId('to-complete').filter({ hasText: '1 to complete' }).waitFor();
  await screenshot('recent-calls-needs-completing');

  // Completed from the notice: the form starts from the draft.
  await expired.getByRole('button', { name: 'Complete now' }).click();
  const form = page.getByTestId('complete-outcome');
  await expect(form.getByLabel('Notes').inputValue()).resolves.toBe('Veut rappeler après 20 h pour commander.');
  await expect(form.getByLabel('Outcome').inputValue()).resolves.toBe('no_order');
  await screenshot('complete-outcome');
  await form.getByRole('button', { name: 'Save outcome' }).click();
  await item.getByText('Pas de commande').waitFor();
  await expect(recent.getByTestId('to-complete').count()).resolves.toBe(0);
  await expect(expired.count()).resolves.toBe(0);

  // Saved as typed; completed, the call is no longer the operator's to read, and the tenant's call records never were (issue 11).
  const saved = await server.database.db.selectFrom('calls').select(['disposition', 'notes']).where('id', '=', incoming.id).executeTakeFirstOrThrow();
  expect(saved).toMatchObject({ disposition: 'no_order', notes: 'Veut rappeler après 20 h pour commander.' });
  expect(await page.evaluate(`fetch('/api/t/pizza-napoli/calls/${incoming.id}/outcome').then((r) => r.status)`)).toBe(404);
  expect(await page.evaluate(`fetch('/api/t/pizza-napoli/calls/${incoming.id}').then((r) => r.status)`)).toBe(403);
  const timeline = await server.database.db.selectFrom('callEvents').select('kind').where('callId', '=', incoming.id).execute();
  expect(timeline.map((e) => e.kind)).toEqual(expect.arrayContaining(['wrap_up_extended', 'wrap_up_timeout', 'disposition_completed']));
  expect(browser.problems).toEqual([]);
});

test('the client admin sets the wrap-up extension on the Call handling page', async () => {
  const { page, screenshot } = browser;
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL('**/login');
  await logInAs(page, server.url, 'admin@pizza-napoli.test', '/t/pizza-napoli');
  await page.goto(`${server.url}/t/pizza-napoli/call-handling`);
  const field = page.getByLabel('Wrap-up extension (seconds)');
  await expect(field.inputValue()).resolves.toBe(String(extensionSeconds));
  await field.fill('700');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('The wrap-up extension is at most 600 seconds.').waitFor();
  await field.fill('45');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await page.getByText('Settings saved.').waitFor();
  await screenshot('call-handling-extension');
  const saved = (await page.evaluate(`fetch('/api/t/pizza-napoli/call-settings').then((r) => r.json())`)) as { settings: { wrapUpExtensionSeconds: number } };
  expect(saved.settings.wrapUpExtensionSeconds).toBe(45);
  expect(browser.problems).toEqual([]);
});
