import { afterAll, beforeAll, expect, test } from 'vitest';
import { applyDemoIfNew } from '@switchboard/tenants';
import { launchBrowser, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * A client admin configures its company in the portal: hours refused with the reason beside the
 * interval at fault, then saved; a script refused at publishing with its problems listed, then
 * published once fixed; a function refused for delegation without a script, and one delegated.
 */
let server: TestServer;
let browser: TestBrowser;

beforeAll(async () => {
  server = await startServer();
  await applyDemoIfNew(server.database.db);
  browser = await launchBrowser('configuration');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('a client admin edits hours and publishes a script after fixing a validation error', async () => {
  const { page, screenshot } = browser;
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill('admin@pizza-napoli.test');
  await page.getByLabel('Password').fill('switchboard-demo');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL('**/t/pizza-napoli');

  // Hours: a Monday interval that overlaps lunch is refused beside it, and nothing is saved.
  await page.goto(`${server.url}/t/pizza-napoli/hours`);
  await page.getByRole('heading', { name: 'Schedules' }).waitFor();
  const monday = (i: number, part: 'from' | 'to') => page.getByLabel(`Service Monday, interval ${i}, ${part}`, { exact: true });
  await expect(monday(3, 'from').count()).resolves.toBe(0);
  await page.getByRole('button', { name: 'Add hours to Service Monday', exact: true }).click();
  await monday(3, 'from').fill('14:00');
  await monday(3, 'to').fill('15:00');
  await page.getByRole('button', { name: 'Save hours' }).click();
  await page.locator('.field-error', { hasText: 'Overlaps' }).first().waitFor();
  await screenshot('hours-overlap-refused');

  const saved = await fetchHours();
  expect(saved.mondaySlots).not.toContainEqual({ start: '14:00', end: '15:00' });

  await monday(3, 'from').fill('15:00');
  await monday(3, 'to').fill('16:00');
  await page.getByRole('button', { name: 'Save hours' }).click();
  await page.getByRole('status').filter({ hasText: 'Hours saved.' }).waitFor();
  await screenshot('hours-saved');
  expect((await fetchHours()).mondaySlots).toContainEqual({ start: '15:00', end: '16:00' });

  // Scripts: an end step with no wrap-up code is caught by the live check, and publishing waits for a fix.
  await page.goto(`${server.url}/t/pizza-napoli/scripts/order_taking`);
  await page.getByText('Version 1 is what operators use.').waitFor();
  await page.getByRole('button', { name: 'End the call' }).click();
  const problems = page.getByTestId('script-problems');
  await problems.waitFor();
  await expect(problems.textContent()).resolves.toMatch(/to fix before publishing/);
  await expect(page.getByRole('button', { name: 'Publish' }).isDisabled()).resolves.toBe(true);
  await screenshot('script-problems');
  expect(await publishedVersions()).toEqual([1]);

  // Fixed by removing the unfinished step: version 2 is published.
  await page.getByRole('button', { name: 'Remove', exact: true }).last().click();
  await page.getByTestId('live-check').getByText('Ready to publish').waitFor();
  await page.getByRole('button', { name: 'Publish' }).click();
  await page.getByText('Published as version 2.').waitFor();
  await screenshot('script-published');
  expect(await publishedVersions()).toEqual([2, 1]);

  expect(browser.problems).toEqual([]);
});

test('a client admin cannot delegate a function without a script, and delegates one that has script and hours', async () => {
  const { page, screenshot } = browser;
  await page.goto(`${server.url}/t/pizza-napoli/functions`);
  const complaints = page.getByTestId('function-complaints');
  await complaints.waitFor();

  // Complaints have no published script at Pizza Napoli: delegating them is refused, nothing changes.
  await page.getByTestId('toggle-complaints').check();
  await complaints.getByRole('button', { name: 'Save', exact: true }).click();
  await complaints.locator('.field-error', { hasText: 'script' }).waitFor();
  await screenshot('delegation-refused');
  expect((await delegation('complaints')).delegated).toBe(false);
  await complaints.getByRole('button', { name: 'Discard' }).click();

  // Information has both: kept in-house (with a destination), then delegated again.
  const information = page.getByTestId('function-information');
  await page.getByTestId('toggle-information').uncheck();
  await information.getByLabel('In-house destination').fill('infos@pizza-napoli.test');
  await information.getByRole('button', { name: 'Save', exact: true }).click();
  await information.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  expect(await delegation('information')).toMatchObject({ delegated: false });

  await page.getByTestId('toggle-information').check();
  await information.getByRole('button', { name: 'Save', exact: true }).click();
  await information.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  await screenshot('delegation-saved');
  expect(await delegation('information')).toMatchObject({ delegated: true });
  expect(browser.problems).toEqual([]);
});

async function delegation(fn: string): Promise<{ delegated: boolean }> {
  const body = (await browser.page.evaluate(async () => (await fetch('/api/t/pizza-napoli/delegations')).json())) as {
    functions: { function: string; delegated: boolean }[];
  };
  const found = body.functions.find((f) => f.function === fn);
  if (!found) throw new Error(`No ${fn} in the delegations`);
  return found;
}

/** What the server holds, read with the browser's own session. */
async function fetchHours(): Promise<{ mondaySlots: { start: string; end: string }[] }> {
  const { hours } = (await browser.page.evaluate(async () => (await fetch('/api/t/pizza-napoli/hours')).json())) as {
    hours: { schedules: { name: string; week: Record<string, { start: string; end: string }[]> }[] };
  };
  const service = hours.schedules.find((s) => s.name === 'Service');
  return { mondaySlots: service?.week.mon ?? [] };
}

async function publishedVersions(): Promise<number[]> {
  const body = (await browser.page.evaluate(async () => (await fetch('/api/t/pizza-napoli/scripts/order_taking/versions')).json())) as {
    versions: { version: number }[];
  };
  return body.versions.map((v) => v.version);
}
