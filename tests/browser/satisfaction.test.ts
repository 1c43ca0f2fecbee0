import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { jsonb, newId, withApp, withTenant } from '@switchboard/db';
import { applyDemoIfNew } from '@switchboard/tenants';
import { launchBrowser, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * Issue 14, post-call satisfaction: the pizza chain surveys its order calls (its demo file turns it on);
 * its client admin reads the figures — average, the 1–5 bars, the share solved, per operator — and the
 * provider's wallboard shows today's CSAT, in English and in French.
 */
let server: TestServer;

/** Ten scored surveys (mean 3.8) today for the pizza chain's order taking, by its two demo operators, and one caller who hung up. */
const scores: [number | null, boolean | null, 'operator1' | 'operator2'][] = [
  [5, true, 'operator1'], [5, true, 'operator1'], [4, true, 'operator1'], [4, true, 'operator2'], [5, true, 'operator2'],
  [3, true, 'operator2'], [2, false, 'operator2'], [4, true, 'operator1'], [1, false, 'operator2'], [5, null, 'operator1'], [null, null, 'operator1'],
];

beforeAll(async () => {
  server = await startServer();
  const db = server.database.db;
  await applyDemoIfNew(db);
  const tenant = await withApp(db, (tx) => tx.selectFrom('tenants').selectAll().where('slug', '=', 'pizza-napoli').executeTakeFirstOrThrow());
  const operators = await withApp(db, (tx) => tx.selectFrom('users').select(['id', 'email']).where('email', 'in', ['operator1@switchboard.test', 'operator2@switchboard.test']).execute());
  const idOf = (who: string) => operators.find((o) => o.email.startsWith(who))!.id;
  const now = new Date();
  await withTenant(db, tenant.id, async (tx) => {
    for (const [i, [score, solved, who]] of scores.entries()) {
      const id = newId();
      const at = new Date(now.getTime() - (i + 1) * 60_000);
      await tx
        .insertInto('calls')
        .values({ tenantId: tenant.id, id, externalId: `csat-${id}`, function: 'order_taking', dialledNumber: '+33142868201', callerNumber: '+33612345678', status: 'completed', afterHoursAction: null, operatorId: idOf(who), offeredAt: at, answeredAt: at, endedAt: at, endedBy: 'operator' })
        .execute();
      const outcome = score === null ? 'not_answered' : solved === null ? 'partial' : 'answered';
      await tx.insertInto('callSatisfaction').values({ tenantId: tenant.id, callId: id, function: 'order_taking', operatorId: idOf(who), askedSolved: true, score, solved, outcome, callEndedAt: at, recordedAt: at }).execute();
      await tx.insertInto('callEvents').values({ tenantId: tenant.id, id: newId(), callId: id, at, kind: 'satisfaction', operatorId: idOf(who), detail: jsonb({ outcome, score, solved }) }).execute();
    }
  });
});

afterAll(async () => {
  await server?.close();
});

/** SHOTS_DIR set: a copy of each screenshot goes there too (for a reviewer), besides test-results/. */
const shots = process.env.SHOTS_DIR;
function keep(path: string, lang: string) {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  copyFileSync(path, join(shots, `csat-${lang}-${basename(path)}`));
}

async function logIn(browser: TestBrowser, email: string) {
  const { page } = browser;
  await page.goto(`${server.url}/login`);
  await page.locator('input[type="email"]').fill(email);
  await page.locator('input[type="password"]').fill('switchboard-demo');
  await page.locator('button[type="submit"]').click();
  await page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

const languages = [
  { lang: 'en', locale: 'en-GB', average: '3.80', tab: 'Satisfaction', csatSetting: 'Satisfaction survey for Order taking', wallboard: /CSAT 3\.8\/5 \(10 answers\)/ },
  { lang: 'fr', locale: 'fr-FR', average: '3,80', tab: 'Satisfaction', csatSetting: 'Enquête de satisfaction pour Prise de commande', wallboard: /CSAT 3,8\/5 \(10 réponses\)/ },
] as const;

for (const l of languages) {
  test(`the client admin reads the pizza chain's satisfaction, and the provider the wallboard's CSAT (${l.lang})`, async () => {
    const browser = await launchBrowser(`satisfaction-${l.lang}`, { locale: l.locale });
    try {
      const { page, screenshot, problems } = browser;
      await logIn(browser, 'admin@pizza-napoli.test');
      await page.goto(`${server.url}/t/pizza-napoli`);
      await page.getByRole('link', { name: l.tab, exact: true }).click();
      await page.waitForURL('**/t/pizza-napoli/satisfaction');
      const overall = page.getByTestId('csat-overall');
      await overall.getByText(l.average).waitFor();
      await page.locator('canvas').first().waitFor();
      // Per operator, by the names the portal's calls already show the client.
      await page.getByRole('cell', { name: 'Léa Martin' }).waitFor();
      keep(await screenshot('portal-summary'), l.lang);

      await page.goto(`${server.url}/t/pizza-napoli/call-handling`);
      const setting = page.getByLabel(l.csatSetting);
      await setting.waitFor();
      expect(await setting.inputValue()).toBe('scoreAndSolved');
      keep(await screenshot('call-handling-survey'), l.lang);

      await page.evaluate(`fetch('/api/auth/logout', { method: 'POST' })`);
      await logIn(browser, 'admin@switchboard.test');
      await page.goto(`${server.url}/wallboard`);
      const pizza = page.getByRole('region', { name: 'Pizza Napoli' });
      await pizza.getByTestId('csat-today').filter({ hasText: l.wallboard }).waitFor();
      keep(await screenshot('wallboard'), l.lang);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
}
