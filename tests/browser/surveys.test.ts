import { afterAll, beforeAll, expect, test } from 'vitest';
import { jsonb, newId, withTenant, type Tenant } from '@switchboard/db';
import { createTenant } from '@switchboard/api';
import { insertCall } from '../support/records.ts';
import { seedClientUser, type TestUser } from '../support/users.ts';
import { launchBrowser, logInThroughApi, screenshotInto, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * Issue 14 in the portal: a client admin reads its satisfaction survey's results — NPS, a 1–5 scale,
 * a multiple choice and the words of the comments — opens the calls behind one answer, in English and
 * in French.
 */
let server: TestServer;
let en: TestBrowser;
let fr: TestBrowser;
let pizza: Tenant;
let clientAdmin: TestUser;
const shotsDir = process.env.SHOTS_DIR;

const ask = (id: string, label: string, answer: Record<string, unknown>, next: string) => ({ id, type: 'ask', label, text: label, answer: { required: true, choices: [], min: null, max: null, ...answer }, next });
const body = {
  steps: [
    ask('nps', 'Would you recommend Pizza Napoli?', { type: 'scale_0_10' }, 'sat'),
    ask('sat', 'How satisfied are you with your order?', { type: 'scale_1_5' }, 'likes'),
    ask('likes', 'What did you like?', { type: 'multi_choice', choices: [{ value: 'taste', label: 'Taste' }, { value: 'speed', label: 'Delivery speed' }, { value: 'price', label: 'Price' }] }, 'comment'),
    ask('comment', 'Anything to add?', { type: 'text', required: false }, 'save'),
    { id: 'save', type: 'capture', captures: ['nps', 'sat', 'likes', 'comment'].map((s) => ({ target: `survey.${s}`, from: s })), next: 'done' },
    { id: 'done', type: 'end', text: 'Merci !', disposition: null },
  ],
};
const comments = ['Pizza délicieuse, livraison rapide', 'Pâte parfaite, pizza chaude', 'Livraison un peu lente', 'Très bonne pizza', 'Livreur sympathique'];

beforeAll(async () => {
  server = await startServer();
  const { db } = server.database;
  ({ tenant: pizza } = await createTenant(db, null, { slug: 'pizza-napoli', name: 'Pizza Napoli', legalName: 'Pizza Napoli SARL', timeZone: 'Europe/Paris', locale: 'fr-FR', currency: 'EUR' }, new Date()));
  clientAdmin = await seedClientUser(db, pizza, 'client_admin', { email: 'admin@pizza-napoli.test', displayName: 'Giulia Rossi' });
  const scriptId = newId();
  await withTenant(db, pizza.id, async (tx) => {
    await tx.insertInto('scripts').values({ tenantId: pizza.id, id: scriptId, function: 'surveys', draft: jsonb(body), draftUpdatedAt: new Date(), draftUpdatedBy: 'test', createdAt: new Date() }).execute();
    await tx.insertInto('scriptVersions').values({ tenantId: pizza.id, scriptId, version: 1, body: jsonb(body), publishedAt: new Date(), publishedBy: null, publishedByLabel: 'test' }).execute();
  });
  const nps = [10, 9, 9, 10, 8, 7, 9, 6, 10, 3, 9, 8, 10, 5, 9, 10, 7, 9, 10, 2];
  for (let i = 0; i < nps.length; i++) {
    const at = new Date(Date.now() - (i + 1) * 3_600_000);
    const callId = await insertCall(db, pizza, { function: 'surveys', offeredAt: at, answeredAfterSeconds: 4, talkSeconds: 90 });
    const values: Record<string, [string, unknown]> = { nps: ['scale_0_10', nps[i]], sat: ['scale_1_5', 1 + ((i * 3) % 5)], likes: ['multi_choice', i % 3 ? ['taste'] : ['taste', 'speed']] };
    if (i < 10) values.comment = ['text', comments[i % comments.length]];
    await withTenant(db, pizza.id, async (tx) => {
      await tx.insertInto('callAnswerSets').values({ tenantId: pizza.id, callId, scriptId, scriptVersion: 1, function: 'surveys', completed: true, isSurvey: true, answeredAt: at }).execute();
      for (const [stepId, [answerType, value]] of Object.entries(values))
        await tx.insertInto('callAnswers').values({ tenantId: pizza.id, callId, stepId, answerType, targets: [`survey.${stepId}`], value: jsonb(value) }).execute();
    });
  }
  en = await launchBrowser('surveys-en', { locale: 'en-GB' });
  fr = await launchBrowser('surveys-fr', { locale: 'fr-FR' });
});

afterAll(async () => {
  await en?.close();
  await fr?.close();
  await server?.close();
});

const shot = (browser: TestBrowser, name: string) => screenshotInto(browser, name, shotsDir);

const logIn = (browser: TestBrowser, user: TestUser) => logInThroughApi(browser, server.url, user);

test('a client admin reads its survey results and opens the calls behind an answer, in English and French', async () => {
  await logIn(en, clientAdmin);
  const { page } = en;
  await page.goto(`${server.url}/t/pizza-napoli/surveys`);
  await page.getByTestId('survey-nps').getByText('Net Promoter Score').waitFor();
  // 12 promoters, 4 passives, 4 detractors of 20: NPS +40
  await expect(page.getByTestId('survey-nps').textContent()).resolves.toContain('+40');
  await page.getByTestId('survey-question-comment').getByRole('button', { name: /pizza/ }).waitFor();
  await shot(en, 'surveys-en-results');
  await page.getByTestId('survey-question-likes').getByRole('button', { name: /Delivery speed/ }).click();
  await page.getByTestId('survey-drill').getByRole('link').first().waitFor();
  expect(await page.getByTestId('survey-drill').getByRole('link').count()).toBe(7);
  await shot(en, 'surveys-en-drill');
  await page.getByTestId('survey-drill').getByRole('link').first().click();
  await page.getByTestId('call-timeline').waitFor();

  await logIn(fr, clientAdmin);
  await fr.page.goto(`${server.url}/t/pizza-napoli/surveys`);
  await fr.page.getByRole('heading', { name: 'Résultats des enquêtes' }).waitFor();
  await fr.page.getByTestId('survey-nps').getByText('Promoteurs (9–10)', { exact: false }).waitFor();
  await shot(fr, 'surveys-fr-results');
});
