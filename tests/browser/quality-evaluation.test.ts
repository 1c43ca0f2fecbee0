import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { jsonb, newId, withApp, withTenant } from '@switchboard/db';
import { applyDemoIfNew } from '@switchboard/tenants';
import { launchBrowser, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * Issue 16, quality: the provider's supervisor evaluates one of the pizza chain's calls on the evaluation
 * page (the call's timeline beside the form), submits it and reads the score; the operator who took the
 * call finds it under "My evaluations" from their home page and acknowledges it with a comment — in
 * English and in French.
 */
let server: TestServer;
const calls: Record<string, string> = {};
let formId = '';

const definition = {
  sections: [
    {
      id: 'greeting',
      title: 'Accueil',
      questions: [
        { id: 'q_greet', text: 'Annonce le nom de la pizzeria', kind: 'yes_no', weight: 2, naAllowed: false, critical: false },
        { id: 'q_name', text: 'Demande le nom du client', kind: 'yes_no_partial', weight: 1, naAllowed: true, critical: false },
      ],
    },
    {
      id: 'order',
      title: 'Commande',
      questions: [
        { id: 'q_tone', text: 'Ton aimable', kind: 'scale', scaleMax: 5, weight: 1, naAllowed: false, critical: false },
        { id: 'q_recap', text: 'Récapitule la commande et le total', kind: 'yes_no', weight: 1, naAllowed: false, critical: true },
      ],
    },
  ],
};

beforeAll(async () => {
  server = await startServer();
  const db = server.database.db;
  await applyDemoIfNew(db);
  const tenant = await withApp(db, (tx) => tx.selectFrom('tenants').selectAll().where('slug', '=', 'pizza-napoli').executeTakeFirstOrThrow());
  const operator = await withApp(db, (tx) => tx.selectFrom('users').select('id').where('email', '=', 'operator1@switchboard.test').executeTakeFirstOrThrow());
  const now = new Date();
  await withTenant(db, tenant.id, async (tx) => {
    formId = newId();
    await tx.insertInto('qualityForms').values({ tenantId: tenant.id, id: formId, name: 'Qualité des commandes', createdAt: now, updatedAt: now, updatedBy: 'test' }).execute();
    await tx
      .insertInto('qualityFormVersions')
      .values({ tenantId: tenant.id, formId, version: 1, definition: jsonb(definition), status: 'published', publishedAt: now, publishedBy: 'test', createdAt: now, createdBy: 'test' })
      .execute();
    // One finished order call per language, taken by the demo's first operator a minute ago.
    for (const [i, lang] of ['en', 'fr'].entries()) {
      const id = newId();
      calls[lang] = id;
      const at = new Date(now.getTime() - (i + 1) * 60_000);
      const ended = new Date(at.getTime() + 150_000);
      await tx
        .insertInto('calls')
        .values({ tenantId: tenant.id, id, externalId: `quality-${id}`, function: 'order_taking', dialledNumber: '+33142868201', callerNumber: '+33612345678', status: 'completed', operatorId: operator.id, offeredAt: at, answeredAt: new Date(at.getTime() + 8_000), endedAt: ended, endedBy: 'caller', wrapUpEndedAt: new Date(ended.getTime() + 20_000) })
        .execute();
      for (const [kind, after] of [['offered', 0], ['answered', 8], ['ended', 150]] as const) {
        await tx.insertInto('callEvents').values({ tenantId: tenant.id, id: newId(), callId: id, at: new Date(at.getTime() + after * 1000), kind, operatorId: kind === 'offered' ? null : operator.id, detail: jsonb({}) }).execute();
      }
    }
  });
});

afterAll(async () => {
  await server?.close();
});

const shots = process.env.SHOTS_DIR;
function keep(path: string, lang: string) {
  if (!shots) return;
  mkdirSync(shots, { recursive: true });
  copyFileSync(path, join(shots, `quality-${lang}-${basename(path)}`));
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
  { lang: 'en', locale: 'en-GB', tab: 'Quality', score: '85', acknowledged: /Acknowledged on/ },
  { lang: 'fr', locale: 'fr-FR', tab: 'Qualité', score: '85', acknowledged: /Lue le/ },
] as const;

for (const l of languages) {
  test(`a supervisor evaluates a call, the operator reads and acknowledges it (${l.lang})`, async () => {
    const browser = await launchBrowser(`quality-${l.lang}`, { locale: l.locale });
    try {
      const { page, screenshot, problems } = browser;
      await logIn(browser, 'supervisor@switchboard.test');
      await page.goto(`${server.url}/t/pizza-napoli`);
      await page.getByRole('link', { name: l.tab, exact: true }).click();
      await page.waitForURL('**/t/pizza-napoli/quality');
      await page.getByTestId('quality-forms').getByText('Qualité des commandes').waitFor();
      await page.getByTestId('quality-start-call').locator(`option[value="${calls[l.lang]}"]`).waitFor({ state: 'attached' });
      await page.getByTestId('quality-start-call').selectOption(calls[l.lang]!);
      await page.getByTestId('quality-start-form').selectOption(formId);
      keep(await screenshot('quality-list'), l.lang);
      await page.getByTestId('quality-start-submit').click();
      await page.waitForURL('**/t/pizza-napoli/quality/evaluations/**');
      await page.getByTestId('evaluation-timeline').locator('li').nth(2).waitFor();

      // greet yes (2) + name partly (0.5) + tone 4/5 (0.75) + recap yes (1) = 4.25 / 5.
      await page.locator('[data-question="q_greet"] input[value="yes"]').check();
      await page.locator('[data-question="q_name"] input[value="partial"]').check();
      await page.locator('[data-question="q_tone"] input[value="4"]').check();
      await page.locator('[data-question="q_recap"] input[value="yes"]').check();
      await page.getByTestId('evaluation-comment').fill(l.lang === 'fr' ? 'Appel clair, pensez à demander le nom.' : 'Clear call; ask for the name next time.');
      keep(await screenshot('evaluation-draft'), l.lang);
      await page.getByTestId('evaluation-submit').click();
      await page.getByTestId('evaluation-score').filter({ hasText: l.score }).waitFor();
      keep(await screenshot('evaluation-submitted'), l.lang);

      await page.goto(`${server.url}/t/pizza-napoli/quality/forms/${formId}`);
      await page.getByTestId('form-name').waitFor();
      keep(await screenshot('form-editor'), l.lang);

      await page.evaluate(`fetch('/api/auth/logout', { method: 'POST' })`);
      await logIn(browser, 'operator1@switchboard.test');
      await page.goto(`${server.url}/operator`);
      await page.getByTestId('my-evaluations').click();
      await page.waitForURL('**/operator/evaluations');
      const pizza = page.locator('[data-tenant="pizza-napoli"]');
      const mine = pizza.locator('article').filter({ has: page.getByTestId('own-reply') }).first();
      await mine.getByTestId('own-score').filter({ hasText: l.score }).waitFor();
      await mine.getByTestId('own-reply').fill(l.lang === 'fr' ? 'Merci, noté.' : 'Thanks, noted.');
      keep(await screenshot('my-evaluations'), l.lang);
      await mine.getByTestId('own-acknowledge').click();
      await pizza.getByTestId('own-acknowledged').filter({ hasText: l.acknowledged }).first().waitFor();
      keep(await screenshot('my-evaluations-acknowledged'), l.lang);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  });
}
