import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchBrowser, startServer, type TestBrowser, type TestServer } from './support.ts';
import { queueCall, seedFloor, type Floor } from './wallboard-fixtures.ts';

let server: TestServer;
let browser: TestBrowser;
let floor: Floor;

beforeAll(async () => {
  server = await startServer();
  floor = await seedFloor(server.database.db, new Date());
  browser = await launchBrowser('wallboard');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

test('a supervisor opens the wallboard from the navigation and sees a new call arrive without reloading', async () => {
  const { page, screenshot, problems } = browser;
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(floor.supervisor.email);
  await page.getByLabel('Password').fill(floor.supervisor.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('link', { name: 'Wallboard' }).click();
  await page.waitForURL('**/wallboard');

  const pizza = page.getByRole('region', { name: 'Pizza Napoli' });
  const orders = pizza.getByRole('row', { name: /Order taking/ });
  await orders.waitFor();
  await page.getByText(/^Live/).waitFor();
  // The two calls the floor has waiting for Pizza Napoli's order taking.
  await expect(orders.locator('td:nth-child(2)').textContent()).resolves.toMatch(/^\s*2\s*$/);
  await page.getByRole('region', { name: 'Operators' }).getByText('Amélie Laurent').waitFor();
  await page.locator('canvas').first().waitFor();
  await screenshot('wallboard');

  await queueCall(server.database.db, floor.tenants[0]!.id, 'order_taking', new Date());
  await orders.locator('td:nth-child(2)').filter({ hasText: /^\s*3\s*$/ }).waitFor();
  await screenshot('wallboard-live-update');
  expect(problems).toEqual([]);
});
