import { afterAll, beforeAll, expect, test } from 'vitest';
import { withTenant, type Tenant } from '@switchboard/db';
import { incomingCall, launchBrowser, pinDemoTenantForDesk, startDeskRouting, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * An operator lets an offer run out: the desk says, without a reload, that they are marked not
 * responding; the wallboard shows it in words; "I'm back" makes them available and the call that
 * waited is offered again.
 */
let server: TestServer;
let browser: TestBrowser;
let stopRouting: () => Promise<void>;
let pizza: Tenant;

const pizzaNumber = '+33142868209';

async function setOfferTimeout(seconds: number) {
  await withTenant(server.database.db, pizza.id, (tx) =>
    tx
      .insertInto('callSettings')
      .values({ tenantId: pizza.id, offerTimeoutSeconds: seconds, updatedBy: 'not-responding test' })
      .onConflict((oc) => oc.column('tenantId').doUpdateSet({ offerTimeoutSeconds: seconds }))
      .execute(),
  );
}

beforeAll(async () => {
  server = await startServer();
  const { db } = server.database;
  pizza = await pinDemoTenantForDesk(db, 'pizza-napoli', { number: pizzaNumber, fn: 'order_taking', hoursName: 'Test', signAgreement: true });
  await setOfferTimeout(5);
  stopRouting = startDeskRouting(db);
  browser = await launchBrowser('not-responding');
});

afterAll(async () => {
  await stopRouting?.();
  await browser?.close();
  await server?.close();
});

async function logIn(page: TestBrowser['page'], email: string) {
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('switchboard-demo');
  await page.getByRole('button', { name: 'Log in' }).click();
}

test('a missed offer marks the operator not responding on the desk and the wallboard, until "I\'m back"', async () => {
  const { page, screenshot, problems } = browser;
  await logIn(page, 'operator1@switchboard.test');
  await page.waitForURL('**/operator');
  await page.getByTestId('open-desk').click();
  await page.waitForURL('**/desk');
  await page.getByRole('button', { name: 'Go available' }).click();
  await page.getByTestId('desk-state').filter({ hasText: 'Available' }).waitFor();

  const incoming = await incomingCall(server, 'sim-missed-1', pizzaNumber, '+33611220099');
  expect(incoming.status).toBe(200);
  await page.getByTestId('offer').filter({ hasText: 'Pizza Napoli' }).waitFor();

  // Nobody answers: the banner comes with the presence event, no reload.
  const banner = page.getByTestId('not-responding');
  await banner.waitFor({ timeout: 15_000 });
  await expect(banner.textContent()).resolves.toContain('You missed a call — you are marked Not responding.');
  await expect(banner.textContent()).resolves.toContain('The Pizza Napoli call offered to you at');
  await page.getByTestId('desk-state').filter({ hasText: 'Not responding' }).waitFor();
  await expect(page.getByTestId('offer').count()).resolves.toBe(0);
  await screenshot('desk-not-responding');

  // The supervisor's wallboard says it in words, counted on top.
  const supervisor = await launchBrowser('not-responding-wallboard');
  try {
    await logIn(supervisor.page, 'supervisor@switchboard.test');
    await supervisor.page.getByRole('link', { name: 'Wallboard' }).click();
    await supervisor.page.waitForURL('**/wallboard');
    const row = supervisor.page.getByRole('region', { name: 'Operators' }).getByRole('listitem').filter({ hasText: 'Léa Martin' });
    await row.filter({ hasText: 'Not responding' }).waitFor();
    await expect(supervisor.page.getByTestId('kpi-not-responding').textContent()).resolves.toMatch(/^\s*1\s*$/);
    await supervisor.screenshot('wallboard-not-responding');
    expect(supervisor.problems).toEqual([]);
  } finally {
    await supervisor.close();
  }

  // "I'm back": available again, and the call that waited is offered again.
  await setOfferTimeout(60);
  await banner.getByRole('button', { name: 'I’m back' }).click();
  await page.getByTestId('desk-state').filter({ hasText: 'Available' }).waitFor();
  await page.getByTestId('offer').filter({ hasText: 'Pizza Napoli' }).waitFor();
  await expect(banner.count()).resolves.toBe(0);
  await screenshot('desk-back-offered-again');
  expect(problems).toEqual([]);
});
