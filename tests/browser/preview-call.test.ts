import { afterAll, beforeAll, expect, test } from 'vitest';
import { sql } from 'kysely';
import { withApp, withTenant, type Tenant } from '@switchboard/db';
import { createWrapUpCode, dialerPass, loadConfig, replaceRules, rules, signTelephonyRequest } from '@switchboard/api';
import { seedCampaign, seedContacts } from '../support/outbound.ts';
import { launchBrowser, logInThroughApi, openDeskAvailable, pinDemoTenantForDesk, screenshotInto, startDeskRouting, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * Issue 15 at the desk: the dialer reserves the operator for a preview contact of the pizza chain's
 * campaign; they read the card (number masked as the client's rules say, the callee's clock, the list's
 * fields, an earlier attempt) — in English, and the same card in French — press D, the test plays the
 * adapter (signed progress: answered), the desk shows the outbound call with the campaign's
 * dispositions as the wrap-up choices, and the operator wraps up with one of them.
 */
let server: TestServer;
let desk: TestBrowser;
let deskFr: TestBrowser;
let stopRouting: () => Promise<void>;
let tenant: Tenant;
const shotsDir = process.env.SHOTS_DIR;
const phone = '+33655501234';

beforeAll(async () => {
  server = await startServer();
  const { db } = server.database;
  tenant = await pinDemoTenantForDesk(db, 'pizza-napoli', { number: '+33142868209', fn: 'order_taking', hoursName: 'Test pizza-napoli', wrapUpSeconds: 600, updatedBy: 'preview test', signAgreement: true });
  const operator = await withApp(db, (tx) => tx.selectFrom('users').select('id').where('email', '=', 'operator1@switchboard.test').executeTakeFirstOrThrow());
  await withTenant(db, tenant.id, async (tx) => {
    await tx.updateTable('operatorAssignments').set({ skills: sql`array_append(skills, 'telesales')` }).where('operatorId', '=', operator.id).execute();
    const current = rules.defaultRules();
    await replaceRules(tx, tenant.id, null, { ...current, classification: { ...current.classification, 'customer.phone': 'sensitive' }, operatorVisibility: 'last_four' }, new Date());
    for (const [code, label] of [
      ['order_placed_now', 'Ordered now'],
      ['not_interested', 'Not interested'],
      ['call_back_later', 'Call back later'],
    ] as const) {
      const exists = await tx.selectFrom('wrapUpCodes').select('code').where('code', '=', code).executeTakeFirst();
      if (!exists) await createWrapUpCode(tx, tenant.id, null, { code, label, active: true }, new Date());
    }
  });
  const campaign = await seedCampaign(db, tenant, {
    name: 'Winter menu launch',
    mode: 'preview',
    rulesProfile: 'none',
    dispositions: [
      { code: 'order_placed_now', outcome: 'success', usageMetric: 'sale' },
      { code: 'not_interested', outcome: 'refused' },
      { code: 'call_back_later', outcome: 'done' },
    ],
  });
  await seedContacts(db, tenant, campaign, [{ phone, name: 'Claire Martin', timeZone: 'Europe/Paris', fields: { 'Last order': 'Regina, 2 weeks ago', 'Loyalty card': 'Gold' } }]);
  stopRouting = startDeskRouting(db);
  desk = await launchBrowser('preview-call');
  deskFr = await launchBrowser('preview-call-fr', { locale: 'fr-FR' });
});

afterAll(async () => {
  await stopRouting?.();
  await desk?.close();
  await deskFr?.close();
  await server?.close();
});

const shot = (browser: TestBrowser, name: string) => screenshotInto(browser, `preview-call-${name}`, shotsDir);
const telephonySecret = loadConfig({}).telephonySecret;

async function progress(attemptId: string, event: string): Promise<{ status: number; body: any }> {
  const path = `/api/telephony/dials/${attemptId}/progress`;
  const body = JSON.stringify({ event });
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...signTelephonyRequest(telephonySecret, body, new Date(), { method: 'POST', path }) }, body });
  return { status: res.status, body: await res.json() };
}

test('a preview contact: the card in English and French, Dial, the callee answers, the campaign’s dispositions at wrap-up', async () => {
  const { page } = desk;
  await openDeskAvailable(page, server.url);
  // Inbound calls are served first: the dialer leaves a newly available operator alone for a second.
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  const report = await dialerPass(server.database.db, new Date());
  expect(report.previews).toBe(1);

  // The desk hears of the reservation (a presence event) and shows the card.
  const card = page.getByTestId('preview-card');
  await card.waitFor();
  await card.getByTestId('client-name').filter({ hasText: 'Pizza Napoli' }).waitFor();
  await card.getByText('Winter menu launch').first().waitFor();
  await expect(card.getByTestId('contact-phone').textContent()).resolves.toBe('•••• 1234');
  expect(await page.content()).not.toContain('55501234');
  await card.getByText('Regina, 2 weeks ago').waitFor();
  await card.getByTestId('contact-history-empty').waitFor();
  await page.getByTestId('desk-state').filter({ hasText: 'Outbound call' }).waitFor();
  await shot(desk, 'card-en');

  // The same card in French, for the same operator in a French browser.
  await logInThroughApi(deskFr, server.url, { email: 'operator1@switchboard.test', password: 'switchboard-demo' });
  await deskFr.page.goto(`${server.url}/desk`);
  const cardFr = deskFr.page.getByTestId('preview-card');
  await cardFr.getByRole('button', { name: /Appeler/ }).waitFor();
  await cardFr.getByText('Première tentative : jamais appelé.').waitFor();
  await shot(deskFr, 'card-fr');

  // D dials: the desk says it is calling until the adapter reports.
  const attemptId = (await page.evaluate(`fetch('/api/desk/state').then((r) => r.json()).then((s) => s.dialing.attemptId)`)) as string;
  await page.keyboard.press('d');
  await page.getByTestId('placing').filter({ hasText: 'Calling…' }).waitFor();
  expect((await progress(attemptId, 'ringing')).status).toBe(200);
  await page.getByTestId('placing').filter({ hasText: 'Ringing…' }).waitFor();
  await shot(desk, 'ringing-en');
  const answered = await progress(attemptId, 'answered');
  expect(answered.body).toMatchObject({ action: 'connect' });

  // The outbound call: the contact, the campaign, Schedule callback and Do not call.
  const workspace = page.getByTestId('call-workspace');
  await workspace.getByTestId('outbound-bar').filter({ hasText: 'Winter menu launch' }).waitFor();
  await workspace.getByTestId('outbound-contact').getByText('Claire Martin').waitFor();
  await workspace.getByTestId('schedule-callback').click();
  await page.getByTestId('callback-dialog').waitFor();
  await shot(desk, 'callback-en');
  await page.getByTestId('callback-dialog').getByRole('button', { name: 'Cancel' }).click();
  await shot(desk, 'call-en');

  // W ends the talk; the wrap-up offers the campaign's dispositions only.
  await page.keyboard.press('w');
  const select = page.locator('#wrap-disposition');
  await select.waitFor();
  // The campaign's dispositions only, by code (the demo tenant may already have a code under its own label).
  expect(await select.locator('option:not([value=""])').evaluateAll((options) => options.map((o) => (o as HTMLOptionElement).value))).toEqual(['order_placed_now', 'not_interested', 'call_back_later']);
  await select.selectOption('not_interested');
  await shot(desk, 'wrap-up-en');
  await page.getByTestId('wrap-up').getByRole('button', { name: 'Finish wrap-up' }).click();
  await page.getByTestId('desk-idle').waitFor();

  const contact = await withTenant(server.database.db, tenant.id, (tx) => tx.selectFrom('campaignContacts').select(['state', 'disposition']).where('phone', '=', phone).executeTakeFirstOrThrow());
  expect(contact).toEqual({ state: 'done', disposition: 'not_interested' });
  expect(desk.problems).toEqual([]);
});
