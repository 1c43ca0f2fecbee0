import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Tenant } from '@switchboard/db';
import { incomingCall as postIncomingCall, launchBrowser, pinDemoTenantForDesk, startDeskRouting, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * The switching story: an operator who serves a pizza chain and a bank takes a pizza call
 * that arrives through the signed telephony boundary, takes the order, wraps up, then takes a bank
 * call — and nothing of the pizza chain (name, items, caller) is left on the page. The pizza chain's
 * client admin then finds the order in its portal.
 */
let server: TestServer;
let browser: TestBrowser;
let stopRouting: () => Promise<void>;
let pizza: Tenant;
let bank: Tenant;

const pizzaNumber = '+33142868201';
const bankNumber = '+4969907012300';
const pizzaCaller = '+33611223344';
const bankCaller = '+4915112345678';

beforeAll(async () => {
  server = await startServer();
  const { db } = server.database;

  // Pinned where the demo depends on the clock or on timing: hours, the bank's 20 s hold-back for
  // this operator, and wrap-up times short enough to expire while a slow machine takes screenshots.
  const pin = { wrapUpSeconds: 600, updatedBy: 'desk test', signAgreement: true };
  pizza = await pinDemoTenantForDesk(db, 'pizza-napoli', { number: pizzaNumber, fn: 'order_taking', hoursName: 'Test pizza-napoli', ...pin });
  bank = await pinDemoTenantForDesk(db, 'banque-horizon', { number: bankNumber, fn: 'information', hoursName: 'Test banque-horizon', ...pin });
  stopRouting = startDeskRouting(db);
  browser = await launchBrowser('desk');
});

afterAll(async () => {
  await stopRouting?.();
  await browser?.close();
  await server?.close();
});

/** What a telephony adapter sends when a call comes in, signed as the boundary requires. */
const incomingCall = (callId: string, dialled: string, caller: string) => postIncomingCall(server, callId, dialled, caller);

/** The page's text and markup outside the queue and figures panels (which list every client the operator serves, by design). */
async function deskOutsideQueues(): Promise<{ text: string; html: string }> {
  // A string, so this Node-typed file need not know the DOM's types.
  return browser.page.evaluate(`(() => {
    const clone = document.body.cloneNode(true);
    clone.querySelector('[data-testid="queues"]')?.remove();
    clone.querySelector('[data-testid="my-figures"]')?.remove();
    document.body.append(clone);
    const result = { text: clone.innerText, html: clone.outerHTML };
    clone.remove();
    return result;
  })()`);
}

test('an operator takes a pizza order, wraps up, then a bank call, and nothing of the pizza chain stays on the desk', async () => {
  const { page, screenshot } = browser;
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill('operator1@switchboard.test');
  await page.getByLabel('Password').fill('switchboard-demo');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL('**/operator');
  await page.getByTestId('open-desk').click();
  await page.waitForURL('**/desk');
  await page.getByTestId('desk-idle').waitFor();
  await screenshot('desk-offline');

  // A break has a reason, shown with the state; then available for calls.
  await page.getByLabel('Break reason').selectOption('Lunch');
  await page.getByRole('button', { name: 'Take a break' }).click();
  await page.getByTestId('desk-state').filter({ hasText: 'On a break · Lunch' }).waitFor();
  await page.getByText('You are on a break').waitFor();
  await page.getByRole('button', { name: 'Go available' }).click();
  await page.getByTestId('desk-state').filter({ hasText: 'Available' }).waitFor();
  await page.getByText('Waiting for the next call').waitFor();
  await screenshot('desk-idle-available');

  // A pizza call through the signed boundary: queued, then offered to this operator.
  const pizzaCall = await incomingCall('sim-pizza-1', pizzaNumber, pizzaCaller);
  expect(pizzaCall).toMatchObject({ status: 200, body: { tenant: 'pizza-napoli', function: 'order_taking', outcome: 'queued' } });
  const offer = page.getByTestId('offer');
  await offer.filter({ hasText: 'Pizza Napoli' }).waitFor();
  await expect(offer.textContent()).resolves.toContain(pizzaCaller);
  await screenshot('offer-pizza');

  // Accepted with the keyboard: the desk switches loudly to the pizza chain.
  await page.keyboard.press('a');
  const banner = page.getByTestId('client-banner');
  await banner.getByTestId('client-name').filter({ hasText: 'Pizza Napoli' }).waitFor();
  await expect(banner.getAttribute('style')).resolves.toMatch(/background: (#c0392b|rgb\(192, 57, 43\))/);
  await page.getByTestId('greeting').filter({ hasText: 'Pizza Napoli, bonjour !' }).waitFor();

  // The script, step by step: `N` past the greeting, answers checked as typed.
  const script = page.getByTestId('script-runner');
  await script.getByText('Pizza Napoli, bonjour ! En ce moment : 2 pizzas achetées, la 3e offerte.').waitFor();
  await page.keyboard.press('n');
  await script.getByRole('button', { name: 'Livraison' }).click();
  // A required answer left empty is refused beside the field, and the script stays on the question.
  await script.getByTestId('script-answer').press('Enter');
  await script.getByRole('alert').filter({ hasText: 'This question needs an answer.' }).waitFor();
  await script.getByText("À quel nom, s'il vous plaît ?").waitFor();
  await script.getByTestId('script-answer').fill('Claire Martin');
  await script.getByTestId('script-answer').press('Enter');
  await script.getByTestId('script-answer').fill('2 Margherita grandes et un cola');
  await script.getByTestId('script-answer').press('Enter');
  await script.getByTestId('script-answer').fill('8 rue Oberkampf, 75011 Paris, code 1234');
  await script.getByTestId('script-answer').press('Enter');
  await script.getByText("Je récapitule : 2 Margherita grandes et un cola, au nom de Claire Martin. C'est bien ça ?").waitFor();
  // The pizza chain's script is French: so are the runner's own words (issue 12).
  await script.getByRole('button', { name: 'Oui' }).click();
  // The satisfaction survey at the end of an order call (issue 14): a 0–10 and a 1–5 scale, then a multiple choice.
  await script.getByRole('button', { name: '9', exact: true }).click();
  await script.getByRole('button', { name: '4', exact: true }).click();
  await script.getByLabel('Le goût').check();
  await script.getByRole('button', { name: 'Valider les choix' }).click();
  await script.getByTestId('script-outcome').filter({ hasText: 'Merci Claire Martin' }).waitFor();

  // The knowledge panel searches the pizza chain's own catalog and FAQ, in French.
  const knowledge = page.getByTestId('knowledge-panel');
  await knowledge.getByRole('searchbox').fill('livraison zones');
  await knowledge.getByRole('button', { name: 'Search' }).click();
  await knowledge.getByText('Dans quelles zones livrez-vous ?').waitFor();

  // The order form starts from what the script captured; prices come back from the server.
  const order = page.getByTestId('order-form');
  await expect(order.getByLabel('Customer name').inputValue()).resolves.toBe('Claire Martin');
  await expect(order.getByLabel(/Delivery address/).inputValue()).resolves.toBe('8 rue Oberkampf, 75011 Paris, code 1234');
  await order.getByLabel('Item 1', { exact: true }).selectOption({ label: 'Pizza Margherita — €9.50' });
  await order.getByLabel('Taille of item 1').selectOption('Grande (33 cm)');
  await order.getByLabel('Qty').first().fill('2');
  await order.getByRole('button', { name: 'Add an item' }).click();
  await order.getByLabel('Item 2', { exact: true }).selectOption({ label: 'Cola 33 cl — €3.00' });
  await screenshot('on-call-pizza');
  await order.getByRole('button', { name: 'Place order' }).click();
  const placed = page.getByTestId('order-placed');
  await placed.waitFor();
  // Money in the viewer's language (en-GB here), in the client's currency.
  await expect(placed.textContent()).resolves.toMatch(/Order #1 placed — total €28\.00/);

  // The probe used after the switch sees the pizza chain while its call is on (so its silence later means something).
  const during = await deskOutsideQueues();
  for (const trace of ['Pizza Napoli', 'bonjour', 'Margherita', 'Claire Martin', pizzaCaller]) expect(during.text).toContain(trace);

  // `W`: hang up and wrap up with the client's own disposition.
  await page.keyboard.press('w');
  const wrap = page.getByTestId('wrap-up');
  await wrap.waitFor();
  await page.getByTestId('wrap-up-countdown').waitFor();
  await expect(page.getByLabel('Outcome').inputValue()).resolves.toBe('order_taken');
  await page.getByLabel('Notes').fill('Livraison au 3e étage.');
  await screenshot('wrap-up-pizza');
  await wrap.getByRole('button', { name: 'Finish wrap-up' }).click();
  await page.getByText('Waiting for the next call').waitFor();
  await expect(page.getByTestId('call-workspace').count()).resolves.toBe(0);

  // A bank call: the banner switches to the bank.
  const bankCall = await incomingCall('sim-bank-1', bankNumber, bankCaller);
  expect(bankCall).toMatchObject({ status: 200, body: { tenant: 'banque-horizon', function: 'information', outcome: 'queued' } });
  await page.getByTestId('offer').filter({ hasText: 'Banque Horizon' }).waitFor();
  await page.keyboard.press('a');
  await banner.getByTestId('client-name').filter({ hasText: 'Banque Horizon' }).waitFor();
  await page.getByTestId('greeting').filter({ hasText: 'Banque Horizon, guten Tag' }).waitFor();
  await page.getByTestId('script-runner').waitFor();
  await screenshot('on-call-bank');

  // Nothing of the pizza chain is left: not its name, slug, colour, greeting, items, caller or customer.
  const { text, html } = await deskOutsideQueues();
  for (const trace of ['Pizza Napoli', 'pizza-napoli', 'bonjour', 'Margherita', 'Cola', 'Claire Martin', 'Oberkampf', pizzaCaller, '#c0392b', 'rgb(192, 57, 43)']) {
    expect(text, `"${trace}" is still on the desk`).not.toContain(trace);
    expect(html, `"${trace}" is still in the desk's markup`).not.toContain(trace);
  }
  await expect(page.title()).resolves.toBe('Banque Horizon · Desk');

  // The caller wants to complain: the call goes to the bank's complaints specialists, this operator to wrap-up.
  await page.getByRole('button', { name: 'Transfer…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Transfer the call' });
  await dialog.getByLabel(/Complaints/).check();
  await dialog.getByLabel(/Note for whoever takes it/).fill('Möchte sich über Kontogebühren beschweren.');
  await screenshot('transfer-bank');
  await dialog.getByRole('button', { name: 'Transfer', exact: true }).click();
  await page.getByTestId('wrap-up').waitFor();
  expect(browser.problems).toEqual([]);
});

test("the pizza chain's client admin sees the new order in its portal", async () => {
  const { page, screenshot } = browser;
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL('**/login');
  await page.getByLabel('Email').fill('admin@pizza-napoli.test');
  await page.getByLabel('Password').fill('switchboard-demo');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL('**/t/pizza-napoli');
  await page.goto(`${server.url}/t/pizza-napoli/orders`);
  const row = page.getByRole('row').filter({ hasText: 'Claire Martin' });
  await row.waitFor();
  // Money in the viewer's language (an en-GB browser): the tenant's currency, English digits.
  await expect(row.textContent()).resolves.toMatch(/€28\.00/);
  await screenshot('portal-orders');

  const orders = (await page.evaluate(async () => (await fetch('/api/t/pizza-napoli/orders')).json())) as { items: { number: number; totalMinor: number }[] };
  expect(orders.items).toHaveLength(1);
  expect(orders.items[0]).toMatchObject({ number: 1, totalMinor: 2800 });
  // The call itself, wrapped up with the pizza chain's own disposition; the bank's call is not the pizza chain's to see.
  const calls = (await page.evaluate(async () => (await fetch('/api/t/pizza-napoli/calls')).json())) as { items: { disposition: string | null; status: string }[] };
  expect(calls.items).toEqual([expect.objectContaining({ disposition: 'order_taken', status: 'completed' })]);
  expect(browser.problems).toEqual([]);
});
