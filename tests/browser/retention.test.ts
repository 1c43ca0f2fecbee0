import { copyFileSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { applyDemoIfNew } from '@switchboard/tenants';
import { loadRules, replaceRules, runRetentionOnce } from '@switchboard/api';
import { newId, withTenant, type Tenant } from '@switchboard/db';
import { insertCall } from '../support/records.ts';
import { launchBrowser, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * A client admin sees on the confidentiality rules page when the retention job last ran and what it
 * removed: "never run yet" first, then, once a run has removed an old call and customer, the counts.
 */
let server: TestServer;
let browser: TestBrowser;

beforeAll(async () => {
  server = await startServer();
  await applyDemoIfNew(server.database.db);
  browser = await launchBrowser('retention');
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Also kept where the team looks at screenshots of this slice. */
async function shot(name: string) {
  const path = await browser.screenshot(name);
  try {
    mkdirSync('/work/wt/shots', { recursive: true });
    copyFileSync(path, `/work/wt/shots/retention-${name}.png`);
  } catch {
    // Only a convenience for reviewers; the test's own copy is under test-results/.
  }
}

test('the rules page shows the retention runs: never run yet, then what the last run removed', async () => {
  const { page } = browser;
  const db = server.database.db;
  await page.goto(`${server.url}/login`);
  await page.getByLabel('Email').fill('admin@pizza-napoli.test');
  await page.getByLabel('Password').fill('switchboard-demo');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL('**/t/pizza-napoli');

  await page.goto(`${server.url}/t/pizza-napoli/rules`);
  await page.getByTestId('retention-never').waitFor();
  await page.getByTestId('retention-runs').scrollIntoViewIfNeeded();
  await shot('never-run');

  const tenant = (await db.selectFrom('tenants').selectAll().where('slug', '=', 'pizza-napoli').executeTakeFirstOrThrow()) as Tenant;
  const now = new Date();
  await withTenant(db, tenant.id, async (tx) => replaceRules(tx, tenant.id, null, { ...(await loadRules(tx)), retention: { personalDataDays: 30, recordingsDays: 30 } }, now));
  const old = new Date(now.getTime() - 60 * 24 * 3600_000);
  await withTenant(db, tenant.id, (tx) =>
    tx.insertInto('customers').values({ tenantId: tenant.id, id: newId(), phone: '+33699887766', name: 'Jeanne Ancienne', createdAt: old, updatedAt: old }).execute(),
  );
  await insertCall(db, tenant, { callerNumber: '+33699887766', offeredAt: old, answeredAfterSeconds: 5, talkSeconds: 60 });
  await runRetentionOnce({ db, now: () => new Date() });

  await page.reload();
  const removed = page.getByTestId('retention-removed');
  await removed.waitFor();
  await expect(removed.textContent()).resolves.toMatch(/Customer records deleted\s*1/);
  await expect(removed.textContent()).resolves.toMatch(/caller’s number, notes and wrap-up draft\s*1/);
  await expect(page.getByTestId('retention-runs').textContent()).resolves.not.toMatch(/Jeanne|\+33699/);
  await page.getByTestId('retention-runs').scrollIntoViewIfNeeded();
  await shot('last-run');
  expect(browser.problems).toEqual([]);
});
