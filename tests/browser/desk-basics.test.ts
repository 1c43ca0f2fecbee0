import { afterAll, beforeAll, expect, test } from 'vitest';
import { newId, withTenant, type Tenant } from '@switchboard/db';
import { incomingCall as postIncomingCall, launchBrowser, logInAs, pinDemoTenantForDesk, startDeskRouting, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * The desk basics every agent desktop has, as an operator meets them: the caller's local time is
 * right from the first second, a caller who called before is "returning", the greeting is the
 * script's first words, the company's initials sit beside its colour, codes read as words (desk and
 * portal), and the operator's own figures for today count the call just wrapped up.
 */
let server: TestServer;
let browser: TestBrowser;
let stopRouting: () => Promise<void>;
let pizza: Tenant;

const pizzaNumber = '+33142868209';
const caller = '+33622334455';
/** Codes that must never reach the screen as such. */
const rawCodes = ['order_taken', 'after_hours', 'order.items', 'order.fulfilment', 'customer.name', 'wrap_up', 'order_taking', 'info_given'];

async function earlierCall(values: { status: 'completed' | 'after_hours'; disposition: string | null; daysAgo: number }): Promise<void> {
  const at = new Date(Date.now() - values.daysAgo * 86_400_000);
  await withTenant(server.database.db, pizza.id, (tx) =>
    tx
      .insertInto('calls')
      .values({
        tenantId: pizza.id,
        id: newId(),
        externalId: `basics-${newId()}`,
        function: 'order_taking',
        dialledNumber: pizzaNumber,
        callerNumber: caller,
        status: values.status,
        disposition: values.disposition,
        offeredAt: at,
        answeredAt: values.status === 'completed' ? at : null,
        endedAt: at,
        afterHoursAction: values.status === 'after_hours' ? 'message' : null,
      })
      .execute(),
  );
}

beforeAll(async () => {
  server = await startServer();
  const { db } = server.database;
  // A wrap-up long enough that the page's clock, moved forward below, never sees it expire.
  pizza = await pinDemoTenantForDesk(db, 'pizza-napoli', { number: pizzaNumber, fn: 'order_taking', hoursName: 'Always', wrapUpSeconds: 600, updatedBy: 'desk basics test' });
  // The caller has called twice before, with no customer record: once for an order, once out of hours.
  await earlierCall({ status: 'completed', disposition: 'order_taken', daysAgo: 3 });
  await earlierCall({ status: 'after_hours', disposition: null, daysAgo: 1 });
  stopRouting = startDeskRouting(db);
  browser = await launchBrowser('desk-basics');
});

afterAll(async () => {
  await stopRouting?.();
  await browser?.close();
  await server?.close();
});

async function incomingCall(callId: string): Promise<void> {
  const res = await postIncomingCall(server, callId, pizzaNumber, caller);
  expect(res.status).toBe(200);
}

/** The page's own "now" in Paris, formatted as the desk's clocks format it. */
const parisNow = `new Intl.DateTimeFormat(undefined, { timeZone: 'Europe/Paris', weekday: 'short', hour: '2-digit', minute: '2-digit' }).format(new Date())`;

test("an operator's call from a returning caller: live local time, initials, one greeting, words not codes, and today's figures", async () => {
  const { page, screenshot } = browser;
  // The page's clock is ours to move: the caller's time must be right even after a long quiet spell.
  await page.clock.install();
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill('operator1@switchboard.test');
  await page.getByLabel('Password').fill('switchboard-demo');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL('**/operator');
  // The home page shows clients' clocks, then the desk (no clock while idle)...
  await page.locator('.clock-time').first().waitFor();
  await page.getByTestId('open-desk').click();
  await page.waitForURL('**/desk');
  await page.getByRole('button', { name: 'Go available' }).click();
  await page.getByText('Waiting for the next call').waitFor();
  const figures = page.getByTestId('my-figures');
  await figures.getByTestId('figures-total').filter({ hasText: '0 calls' }).waitFor();
  // ...and five minutes pass before the next call.
  await page.clock.fastForward('05:00');

  await incomingCall('basics-1');
  const offer = page.getByTestId('offer');
  await offer.filter({ hasText: 'Pizza Napoli' }).waitFor();
  await screenshot('offer');
  await page.getByTestId('accept').click();

  // Their time is the current time from the first second, not the time the last clock stopped at.
  const banner = page.getByTestId('client-banner');
  await banner.getByTestId('client-name').filter({ hasText: 'Pizza Napoli' }).waitFor();
  const [shown, expected] = [await banner.locator('.clock-time').textContent(), await page.evaluate(parisNow)];
  expect(shown).toBe(expected);

  // The company's initials beside its name, in its colour.
  await expect(banner.getByTestId('tenant-initials').textContent()).resolves.toBe('PN');

  // One greeting: the banner's is the script's first words.
  const greeting = (await page.getByTestId('greeting').locator('.say-text').textContent())!.replace(/[“”«»\u00a0\u202f]/g, ' ').trim();
  expect(greeting).toBe('Pizza Napoli, bonjour !');
  const firstStep = await page.getByTestId('script-step').locator('.say').textContent();
  expect(firstStep!.startsWith(greeting)).toBe(true);

  // A caller with earlier calls is returning, with how many and when last, though no customer record exists.
  const history = page.getByTestId('caller-history');
  await expect(history.getByTestId('caller-kind').textContent()).resolves.toMatch(/^Returning caller · 2 earlier calls · last /);
  await history.getByText('Commande prise').waitFor();
  await history.getByText('Out of hours').waitFor();

  // Through the script: what it captured is named by field, the suggested outcome by the client's words.
  const script = page.getByTestId('script-runner');
  await page.keyboard.press('n');
  await script.getByRole('button', { name: 'Livraison' }).click();
  for (const answer of ['Claire Martin', '1 Regina', '8 rue Oberkampf']) {
    await script.getByTestId('script-answer').fill(answer);
    await script.getByTestId('script-answer').press('Enter');
  }
  await script.getByRole('button', { name: 'Oui' }).click();
  // The satisfaction survey at the end of an order call (issue 14): a 0–10 and a 1–5 scale, then a multiple choice.
  await script.getByRole('button', { name: '9', exact: true }).click();
  await script.getByRole('button', { name: '4', exact: true }).click();
  await script.getByLabel('Le goût').check();
  await script.getByRole('button', { name: 'Valider les choix' }).click();
  await script.getByTestId('script-outcome').filter({ hasText: 'Suggested wrap-up: Commande prise' }).waitFor();
  await script.getByText('Order: items').waitFor();
  await screenshot('in-call');
  const text = (await page.getByTestId('call-workspace').innerText()) + (await banner.innerText());
  for (const code of rawCodes) expect(text, `"${code}" is on the desk`).not.toContain(code);

  // Wrapped up: the figures count it for the pizza chain.
  await page.keyboard.press('w');
  await page.getByTestId('wrap-up').waitFor();
  await page.getByTestId('wrap-up').getByRole('button', { name: 'Finish wrap-up' }).click();
  await page.getByText('Waiting for the next call').waitFor();
  await figures.getByTestId('figures-total').filter({ hasText: '1 call' }).waitFor();
  await expect(figures.locator('[data-tenant="pizza-napoli"]').innerText()).resolves.toMatch(/Pizza Napoli\s+1\s/);
  await screenshot('figures');
  // The survey's answers are kept with the call, typed, as a completed questionnaire (issue 14).
  const answers = await withTenant(server.database.db, pizza.id, async (tx) => ({
    sets: await tx.selectFrom('callAnswerSets').select(['completed', 'isSurvey']).execute(),
    values: await tx.selectFrom('callAnswers').select(['stepId', 'value']).where('stepId', 'in', ['recommend', 'ordering', 'liked']).orderBy('stepId').execute(),
  }));
  expect(answers.sets).toEqual([{ completed: true, isSurvey: true }]);
  expect(answers.values).toEqual([
    { stepId: 'liked', value: ['taste'] },
    { stepId: 'ordering', value: 4 },
    { stepId: 'recommend', value: 9 },
  ]);
  expect(browser.problems).toEqual([]);
});

test("the client portal's calls page shows statuses, outcomes and timelines in words", async () => {
  const { page, screenshot } = browser;
  await logInAs(page, server.url, 'admin@pizza-napoli.test', '/t/pizza-napoli');
  await page.goto(`${server.url}/t/pizza-napoli/calls`);
  const rows = page.getByRole('row').filter({ hasText: 'Order taking' });
  await rows.filter({ hasText: 'Out of hours' }).first().waitFor();
  await rows.filter({ hasText: 'Commande prise' }).first().waitFor();
  await rows.first().getByRole('button').click();
  await page.getByTestId('call-timeline').getByText('Wrap-up done').waitFor();
  await screenshot('portal-calls');
  const text = await page.locator('main').innerText();
  for (const code of [...rawCodes, 'wrap_up_done', 'offered_to', 'transferred_out']) expect(text, `"${code}" is on the calls page`).not.toContain(code);
  expect(browser.problems).toEqual([]);
});

test("an operator's company page has no Calls, Orders or Complaints, and those pages send them home", async () => {
  const { page, screenshot } = browser;
  await logInAs(page, server.url, 'operator1@switchboard.test', '/operator');
  await page.goto(`${server.url}/t/pizza-napoli`);
  const tabs = page.getByRole('navigation', { name: 'Company sections' });
  await tabs.getByRole('link', { name: 'Scripts' }).waitFor();
  await screenshot('operator-company-tabs');
  for (const name of ['Calls', 'Orders', 'Complaints']) await expect(tabs.getByRole('link', { name, exact: true }).count()).resolves.toBe(0);
  for (const list of ['calls', 'orders', 'complaints']) {
    await page.goto(`${server.url}/t/pizza-napoli/${list}`);
    await page.waitForURL('**/operator');
  }
  expect(browser.problems).toEqual([]);
});

/** Counts rings (oscillators started) and desktop notifications, and answers the permission prompt "allow". */
const alertSpy = `(() => {
  window.__alerts = { rings: 0, notes: [] };
  const Audio = window.AudioContext;
  if (Audio) window.AudioContext = class extends Audio { createOscillator() { window.__alerts.rings++; return super.createOscillator(); } };
  class FakeNotification {
    static permission = 'default';
    static async requestPermission() { FakeNotification.permission = 'granted'; return 'granted'; }
    constructor(title, options) { window.__alerts.notes.push({ title, body: options && options.body }); }
    close() {}
  }
  window.Notification = FakeNotification;
})()`;
const setVisibility = (state: 'visible' | 'hidden') =>
  `(() => { Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => '${state}' }); document.dispatchEvent(new Event('visibilitychange')); })()`;
const alerts = () => browser.page.evaluate('window.__alerts') as Promise<{ rings: number; notes: { title: string; body: string }[] }>;

async function takeAndFinish(): Promise<void> {
  const { page } = browser;
  await page.getByTestId('accept').click();
  await page.getByTestId('client-banner').waitFor();
  await page.keyboard.press('w');
  await page.getByLabel('Outcome').selectOption({ label: 'Commande prise' });
  await page.getByTestId('wrap-up').getByRole('button', { name: 'Finish wrap-up' }).click();
  await page.getByText('Waiting for the next call').waitFor();
}

test('an offer rings and notifies only while the desk is in the background, with permission asked from a button and a remembered mute', async () => {
  const { page, context } = browser;
  await context.addInitScript(alertSpy);
  await logInAs(page, server.url, 'operator1@switchboard.test', '/operator');
  await page.goto(`${server.url}/desk`);
  await page.getByTestId('desk-idle').waitFor();
  const goAvailable = page.getByRole('button', { name: 'Go available' });
  if (await goAvailable.isVisible()) await goAvailable.click();
  await page.getByText('Waiting for the next call').waitFor();
  // Nothing is asked on page load: the operator presses the button.
  await page.getByTestId('enable-notifications').click();
  await page.getByTestId('enable-notifications').waitFor({ state: 'detached' });

  // In front: the offer card only.
  await incomingCall('basics-front');
  await page.getByTestId('offer').waitFor();
  await page.waitForTimeout(500);
  await expect(alerts()).resolves.toEqual({ rings: 0, notes: [] });
  await takeAndFinish();

  // In the background: a ring and a desktop notification naming the client.
  await page.evaluate(setVisibility('hidden'));
  await incomingCall('basics-back');
  await page.getByTestId('offer').waitFor();
  await expect.poll(async () => (await alerts()).rings).toBeGreaterThan(0);
  await expect(alerts().then((a) => a.notes)).resolves.toEqual([{ title: 'Incoming call · Pizza Napoli', body: `Order taking · ${caller}` }]);
  await page.evaluate(setVisibility('visible'));
  await takeAndFinish();

  // Muted, and still muted after a reload: a background offer no longer rings.
  await page.getByTestId('mute-ring').click();
  await page.reload();
  await expect(page.getByTestId('mute-ring').getAttribute('aria-pressed')).resolves.toBe('true');
  await page.getByText('Waiting for the next call').waitFor();
  await page.evaluate(setVisibility('hidden'));
  await incomingCall('basics-muted');
  await page.getByTestId('offer').waitFor();
  await page.waitForTimeout(500);
  await expect(alerts().then((a) => a.rings)).resolves.toBe(0);
  expect(browser.problems).toEqual([]);
});
