import { afterAll, beforeAll, expect, test } from 'vitest';
import { jsonb, withApp, withTenant, type Tenant } from '@switchboard/db';
import { applyDemoIfNew } from '@switchboard/tenants';
import { loadConfig, replaceHours, signTelephonyRequest, startRouting, type HoursDefinitionInput } from '@switchboard/api';
import { launchBrowser, startServer, type TestBrowser, type TestServer } from './support.ts';

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
const secret = loadConfig({}).telephonySecret;
const allDay: HoursDefinitionInput = {
  defaultSchedule: 'Test',
  schedules: [{ name: 'Test', week: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ start: '00:00', end: '24:00' }]])) as never }],
  overrides: [],
  functionSchedules: [],
};

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
  await applyDemoIfNew(db);
  pizza = await withApp(db, (tx) => tx.selectFrom('tenants').selectAll().where('slug', '=', 'pizza-napoli').executeTakeFirstOrThrow());
  const operator = await withApp(db, (tx) => tx.selectFrom('users').select('id').where('email', '=', 'operator1@switchboard.test').executeTakeFirstOrThrow());
  await withTenant(db, pizza.id, async (tx) => {
    await replaceHours(tx, pizza.id, null, allDay as never);
    await tx.insertInto('phoneNumbers').values({ tenantId: pizza.id, number: pizzaNumber, function: 'order_taking' }).onConflict((oc) => oc.doNothing()).execute();
    await tx
      .updateTable('operatorAssignments')
      .set({ routing: jsonb({}), confidentialityAgreementSignedAt: new Date('2026-01-12T09:00:00Z') })
      .where('operatorId', '=', operator.id)
      .execute();
  });
  await setOfferTimeout(5);
  stopRouting = startRouting({ db, now: () => new Date(), intervalMs: 200 });
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

  const body = JSON.stringify({ callId: 'sim-missed-1', dialled: pizzaNumber, caller: '+33611220099' });
  const incoming = await fetch(`${server.url}/api/telephony/calls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signTelephonyRequest(secret, body, new Date()) },
    body,
  });
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
