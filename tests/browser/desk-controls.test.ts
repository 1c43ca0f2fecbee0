import { afterAll, beforeAll, expect, test } from 'vitest';
import { jsonb, withApp, withTenant, type Tenant } from '@switchboard/db';
import { loadConfig, signTelephonyRequest } from '@switchboard/api';
import { incomingCall, launchBrowser, pinDemoTenantForDesk, screenshotInto, startDeskRouting, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * Issue 17, the desk's carrier controls: an operator on a bank call puts the caller on hold (key H, a timer
 * runs), consults the bank's fraud desk from the transfer picker (key C) with the caller on hold, brings all
 * three together, comes back, consults again and hands over; the adapter's polling status follows each step.
 * Then a French operator's desk during hold and consultation.
 */
let server: TestServer;
let browser: TestBrowser;
let french: TestBrowser;
let stopRouting: () => Promise<void>;
let bank: Tenant;

const bankNumber = '+4969907012311';
const shots = '/work/wt/shots';
const secret = loadConfig({}).telephonySecret;

beforeAll(async () => {
  server = await startServer();
  const { db } = server.database;
  bank = await pinDemoTenantForDesk(db, 'banque-horizon', { number: bankNumber, fn: 'information', hoursName: 'Test', wrapUpSeconds: 600, updatedBy: 'desk controls test' });
  // The French part is operator2's (operator1 is in wrap-up by then): no hold-back either.
  const operator2 = await withApp(db, (tx) => tx.selectFrom('users').select('id').where('email', '=', 'operator2@switchboard.test').executeTakeFirstOrThrow());
  await withTenant(db, bank.id, (tx) => tx.updateTable('operatorAssignments').set({ routing: jsonb({}) }).where('operatorId', '=', operator2.id).execute());
  stopRouting = startDeskRouting(db);
  browser = await launchBrowser('desk-controls');
  french = await launchBrowser('desk-controls-fr', { locale: 'fr-FR' });
});

afterAll(async () => {
  await stopRouting?.();
  await browser?.close();
  await french?.close();
  await server?.close();
});

async function status(callId: string): Promise<any> {
  const path = `/api/telephony/calls/${callId}`;
  const res = await fetch(`${server.url}${path}`, { headers: signTelephonyRequest(secret, '', new Date(), { method: 'GET', path }) });
  expect(res.status).toBe(200);
  return res.json();
}

async function takeCall(b: TestBrowser, email: string, externalId: string, available: RegExp) {
  const { page } = b;
  // Through the login form's fields (their labels are in the browser's language).
  await page.goto(`${server.url}/login`);
  await page.locator('input[type=email]').fill(email);
  await page.locator('input[type=password]').fill('switchboard-demo');
  await page.locator('input[type=password]').press('Enter');
  await page.waitForURL('**/operator');
  await page.getByTestId('open-desk').click();
  await page.waitForURL('**/desk');
  await page.getByRole('button', { name: available }).click();
  const { id } = (await incomingCall(server, externalId, bankNumber, '+4915112345678')).body as { id: string };
  await page.getByTestId('offer').filter({ hasText: 'Banque Horizon' }).waitFor();
  await page.keyboard.press('a');
  await page.getByTestId('carrier-controls').waitFor();
  return id;
}

test('hold with a timer, consult the fraud desk, three-way, back, hand over', async () => {
  const { page } = browser;
  const callId = await takeCall(browser, 'operator1@switchboard.test', 'controls-en-1', /^Go available$/);

  await page.keyboard.press('h');
  await page.locator('[data-testid="carrier-controls"][data-held="true"]').waitFor();
  await page.getByTestId('hold-status').filter({ hasText: 'On hold' }).waitFor();
  await page.waitForTimeout(2200);
  await expect(page.getByTestId('hold-timer').textContent()).resolves.toMatch(/0:0[2-9]/);
  expect(await status(callId)).toMatchObject({ held: true, muted: false, consult: null });
  await screenshotInto(browser, 'desk-on-hold-en', shots);
  await page.getByTestId('hold-toggle').click();
  await page.locator('[data-testid="carrier-controls"][data-held="false"]').waitFor();
  await page.getByTestId('hold-total').waitFor();

  await page.keyboard.press('m');
  await page.getByTestId('muted-status').waitFor();
  expect((await status(callId)).muted).toBe(true);
  await page.keyboard.press('m');
  await page.locator('[data-testid="carrier-controls"][data-muted="false"]').waitFor();

  await page.keyboard.press('c');
  const dialog = page.getByRole('dialog', { name: 'Consult before handing over' });
  await dialog.getByText("Banque Horizon's own lines").waitFor();
  // Only the bank's own lines: nobody consults a skill queue.
  await expect(dialog.getByText('Operators with a skill').count()).resolves.toBe(0);
  await dialog.getByLabel('Find a destination').fill('Betrug');
  await expect(dialog.getByRole('radio', { name: 'Betrugsabteilung' }).isChecked()).resolves.toBe(true);
  await screenshotInto(browser, 'desk-consult-picker-en', shots);
  await dialog.getByRole('button', { name: 'Call them' }).click();
  const panel = page.getByTestId('consult-panel');
  await panel.filter({ hasText: 'Consulting Betrugsabteilung' }).waitFor();
  expect(await status(callId)).toMatchObject({ held: true, consult: { kind: 'consult', target: '+4969907012399', label: 'Betrugsabteilung' } });
  await screenshotInto(browser, 'desk-consulting-en', shots);

  await panel.getByRole('button', { name: 'Three-way' }).click();
  await panel.filter({ hasText: 'Three-way call with Betrugsabteilung' }).waitFor();
  expect(await status(callId)).toMatchObject({ held: false, consult: { kind: 'conference' } });
  await screenshotInto(browser, 'desk-three-way-en', shots);
  await panel.getByRole('button', { name: 'End three-way' }).click();
  await page.locator('[data-testid="carrier-controls"][data-consult="none"]').waitFor();

  await page.keyboard.press('c');
  await dialog.getByRole('button', { name: 'Call them' }).click();
  await panel.getByRole('button', { name: 'Hand over' }).click();
  await page.getByTestId('wrap-up').waitFor();
  expect(await status(callId)).toMatchObject({ status: 'transferred_out', held: false, consult: null });
  const kinds = await withTenant(server.database.db, bank.id, (tx) => tx.selectFrom('callEvents').select('kind').where('callId', '=', callId).orderBy('at').orderBy('id').execute());
  expect(kinds.map((k) => k.kind).slice(4)).toEqual([
    'held',
    'resumed',
    'muted',
    'unmuted',
    'consult_started',
    'conference_started',
    'conference_ended',
    'consult_started',
    'consult_handed_over',
    'transferred_out',
  ]);
  expect(browser.problems).toEqual([]);
});

test('the desk in French during hold and consultation', async () => {
  const { page } = french;
  const callId = await takeCall(french, 'operator2@switchboard.test', 'controls-fr-1', /^Passer disponible$/);
  await page.getByRole('button', { name: /Mettre en attente/ }).click();
  await page.getByTestId('hold-status').filter({ hasText: 'En attente' }).waitFor();
  await page.waitForTimeout(1200);
  await screenshotInto(french, 'desk-on-hold-fr', shots);
  await page.getByRole('button', { name: /Reprendre/ }).click();
  await page.locator('[data-testid="carrier-controls"][data-held="false"]').waitFor();

  await page.getByRole('button', { name: /Consulter/ }).click();
  const dialog = page.getByRole('dialog', { name: 'Consulter avant de transférer' });
  await dialog.getByRole('radio', { name: 'Betrugsabteilung' }).check();
  await dialog.getByRole('button', { name: 'Appeler' }).click();
  await page.getByTestId('consult-panel').filter({ hasText: 'Consultation : Betrugsabteilung' }).waitFor();
  await page.waitForTimeout(1200);
  await screenshotInto(french, 'desk-consulting-fr', shots);
  expect((await status(callId)).consult).toMatchObject({ kind: 'consult' });
  await page.getByRole('button', { name: "Revenir à l'appelant" }).click();
  await page.locator('[data-testid="carrier-controls"][data-consult="none"]').waitFor();
  expect(french.problems).toEqual([]);
});
