import { afterAll, beforeAll, expect, test } from 'vitest';
import { applyDemoIfNew } from '@switchboard/tenants';
import { launchBrowser, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * A client admin prices its delegation on the Functions tab: typing the expected volumes (a number
 * input gives numbers) updates the estimate of every metric the function is charged for — handled
 * minutes and orders at Pizza Napoli's negotiated order price — and the delegate switch says its state.
 */
let server: TestServer;
let browser: TestBrowser;

beforeAll(async () => {
  server = await startServer();
  await applyDemoIfNew(server.database.db);
  browser = await launchBrowser('functions');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Pizza Napoli's money (EUR) as its admin reads it (an en-GB browser), spaces aside (ICU versions differ in which space they use). */
const euros = (minor: number) => new Intl.NumberFormat('en-GB', { style: 'currency', currency: 'EUR' }).format(minor / 100).replace(/\s/g, '');
const squeeze = (text: string | null) => (text ?? '').replace(/\s/g, '');

test('typing volumes prices every metric of a function, and the delegate switch states its state', async () => {
  const { page, screenshot } = browser;
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill('admin@pizza-napoli.test');
  await page.getByLabel('Password').fill('switchboard-demo');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL('**/t/pizza-napoli');
  await page.goto(`${server.url}/t/pizza-napoli/functions`);

  const orders = page.getByTestId('function-order_taking');
  await orders.waitFor();
  // The per-order price is the one negotiated for Pizza Napoli, said to be theirs.
  const perOrder = orders.getByTestId('volume-order_taking-order');
  await expect(perOrder.textContent().then(squeeze)).resolves.toContain(euros(95));
  await expect(perOrder.textContent()).resolves.toContain('your price');

  // 1,200 handled minutes at €0.75 and 400 orders at €0.95.
  await orders.getByLabel('Handled minutes').fill('1200');
  await orders.getByLabel('Orders').fill('400');
  const subtotal = orders.getByTestId('subtotal-order_taking');
  const expected = euros(1200 * 75 + 400 * 95);
  await expect.poll(() => subtotal.textContent().then(squeeze), { timeout: 10_000 }).toContain(expected);
  await expect(orders.getByTestId('volume-order_taking-order').textContent().then(squeeze)).resolves.toContain(euros(400 * 95));

  // The breakdown names the delegated function's metrics and the platform fee; the total is the server's own.
  const breakdown = page.getByTestId('estimate-breakdown');
  await expect(breakdown.textContent()).resolves.toMatch(/Order taking.*1,200 handled minutes, 400 orders/);
  await expect(breakdown.textContent()).resolves.toContain('Platform fee');
  const serverTotal = (await page.evaluate(async () => {
    // Telesales is delegated too (the demo's outbound campaign), at its expected 4,000 handled minutes a month.
    const res = await fetch('/api/t/pizza-napoli/delegations/estimate?volumes=order_taking.handled_minute:1200,order_taking.order:400,telesales.handled_minute:4000&delegated=order_taking,information,telesales');
    return (await res.json()) as { totalMinor: number };
  })).totalMinor;
  await expect.poll(() => page.getByTestId('estimate-total').textContent().then(squeeze), { timeout: 10_000 }).toBe(euros(serverTotal));
  await screenshot('estimate-typed');

  // The switch: a fixed label, its state in aria-checked and words, the saved state in a badge.
  const complaints = page.getByTestId('function-complaints');
  const toggle = complaints.getByRole('switch', { name: 'Delegate to the provider' });
  await expect(toggle.getAttribute('aria-checked')).resolves.toBe('false');
  await expect(complaints.getByTestId('delegation-status').textContent()).resolves.toContain('Kept in-house');
  await expect(complaints.getByTestId('switch-state').textContent()).resolves.toContain('your own team handles these calls');
  await toggle.check();
  await expect(toggle.getAttribute('aria-checked')).resolves.toBe('true');
  await expect(complaints.getByTestId('switch-state').textContent()).resolves.toContain('will be delegated when you save');
  await expect(complaints.getByTestId('delegation-status').textContent()).resolves.toContain('Kept in-house');
  await expect(complaints.getByText('Delegate to the provider').count()).resolves.toBe(1);
  await screenshot('switch-pending');
  await complaints.getByRole('button', { name: 'Discard' }).click();
  await expect(toggle.getAttribute('aria-checked')).resolves.toBe('false');

  // Saving keeps the main volume; the delegated badge stays.
  await orders.getByRole('button', { name: 'Save', exact: true }).click();
  await orders.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
  await expect(orders.getByTestId('delegation-status').textContent()).resolves.toContain('Delegated');
  const saved = (await page.evaluate(async () => (await (await fetch('/api/t/pizza-napoli/delegations')).json()) as { functions: { function: string; expectedMonthlyVolume: number }[] }))
    .functions.find((f) => f.function === 'order_taking');
  expect(saved?.expectedMonthlyVolume).toBe(1200);

  expect(browser.problems).toEqual([]);
});
