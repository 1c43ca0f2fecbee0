import { afterAll, beforeAll, expect, test } from 'vitest';
import {
  incomingCall,
  launchBrowser,
  logInThroughApi,
  openDeskAvailable,
  pinDemoTenantForDesk,
  reportSatisfaction,
  screenshotInto,
  startDeskRouting,
  startServer,
  type TestBrowser,
  type TestServer,
} from './support.ts';

/**
 * Issue 14 end to end: an operator runs the pizza chain's order script on the desk, its satisfaction
 * questions included (0–10, 1–5, a multiple choice), and wraps up; the pizza chain's client admin, whose
 * Surveys page is open meanwhile, sees that answer counted without reloading; the caller's keypad score,
 * posted through the signed telephony boundary, appears on the Satisfaction page the same way. Then the
 * same pages in French — in an American English browser, whose native date fields would read
 * mm/dd/yyyy: the portal's date fields read jj/mm/aaaa.
 */
let server: TestServer;
let desk: TestBrowser;
let portal: TestBrowser;
let stopRouting: () => Promise<void>;
const pizzaNumber = '+33142868201';
const shotsDir = process.env.SHOTS_DIR;

beforeAll(async () => {
  server = await startServer();
  const { db } = server.database;
  await pinDemoTenantForDesk(db, 'pizza-napoli', { number: pizzaNumber, fn: 'order_taking', hoursName: 'Test pizza-napoli', wrapUpSeconds: 600, updatedBy: 'survey test', signAgreement: true });
  stopRouting = startDeskRouting(db);
  desk = await launchBrowser('survey-answers-desk');
  portal = await launchBrowser('survey-answers-portal', { locale: 'en-US' });
});

afterAll(async () => {
  await stopRouting?.();
  await desk?.close();
  await portal?.close();
  await server?.close();
});

const shot = (browser: TestBrowser, name: string) => screenshotInto(browser, `survey-answers-${name}`, shotsDir);

interface Results {
  calls: number;
  completions: number;
  questions: { stepId: string; answered: number; counts: { value: string; count: number }[]; mean: number | null; nps: { score: number } | null }[];
}

test('the operator answers the survey on the desk; the client admin sees it counted, and the caller’s keypad score, live', async () => {
  // The client admin's Surveys page is open before any questionnaire is answered.
  await logInThroughApi(portal, server.url, { email: 'admin@pizza-napoli.test', password: 'switchboard-demo' });
  const admin = portal.page;
  await admin.goto(`${server.url}/t/pizza-napoli/surveys`);
  await admin.getByText('No questionnaire answered yet').waitFor();

  // The operator takes a pizza call that came in through the signed boundary.
  const { page } = desk;
  await openDeskAvailable(page, server.url);
  const arrived = await incomingCall(server, 'sim-survey-1', pizzaNumber, '+33611223344');
  expect(arrived).toMatchObject({ status: 200, body: { tenant: 'pizza-napoli', function: 'order_taking', outcome: 'queued' } });
  const callId = arrived.body.id as string;
  await page.getByTestId('offer').filter({ hasText: 'Pizza Napoli' }).waitFor();
  await page.keyboard.press('a');
  await page.getByTestId('client-banner').getByTestId('client-name').filter({ hasText: 'Pizza Napoli' }).waitFor();

  // The order script, then its three satisfaction questions, answered on the desk.
  const script = page.getByTestId('script-runner');
  await script.getByText(/Pizza Napoli, bonjour/).first().waitFor();
  await page.keyboard.press('n');
  await script.getByRole('button', { name: 'À emporter' }).click();
  await script.getByTestId('script-answer').fill('Claire Martin');
  await script.getByTestId('script-answer').press('Enter');
  await script.getByTestId('script-answer').fill('Une Regina moyenne');
  await script.getByTestId('script-answer').press('Enter');
  await script.getByTestId('script-answer').fill('Vers 20 h');
  await script.getByTestId('script-answer').press('Enter');
  await script.getByRole('button', { name: 'Oui' }).click();
  await script.getByText(/recommanderiez-vous Pizza Napoli/).waitFor();
  await script.getByRole('button', { name: '9', exact: true }).click();
  await script.getByText(/comment s'est passée votre commande/).waitFor();
  await script.getByRole('button', { name: '4', exact: true }).click();
  await script.getByLabel('Le goût').check();
  await script.getByLabel('Les prix').check();
  await shot(desk, 'desk-survey-answered');
  await script.getByRole('button', { name: 'Valider les choix' }).click();
  await script.getByTestId('script-outcome').filter({ hasText: 'Merci Claire Martin' }).waitFor();

  // `W`: the operator hangs up (the caller is then asked the keypad survey) and wraps up; the answers go with it.
  await page.keyboard.press('w');
  const wrap = page.getByTestId('wrap-up');
  await wrap.waitFor();
  await shot(desk, 'desk-wrap-up');
  await wrap.getByRole('button', { name: 'Finish wrap-up' }).click();
  await page.getByText('Waiting for the next call').waitFor();
  expect(desk.problems).toEqual([]);

  // The client admin's page, never reloaded, now shows the questionnaire with this one answer counted.
  const recommend = admin.getByTestId('survey-question-recommend');
  await recommend.getByText('1 answer').waitFor();
  await admin.getByTestId('survey-nps').getByText('+100').waitFor();
  await admin.getByTestId('survey-question-ordering').getByText('1 answer').waitFor();
  await admin.getByTestId('survey-question-liked').getByRole('button', { name: /Le goût/ }).waitFor();
  await shot(portal, 'surveys-live-en');
  // What the page read is what the desk answered: stored, and counted by the server.
  const { version, results } = (await admin.evaluate(async () => {
    const list = (await (await fetch('/api/t/pizza-napoli/surveys')).json()) as { items: { scriptId: string; version: number; function: string }[] };
    const q = list.items.find((i) => i.function === 'order_taking')!;
    return { version: q.version, results: await (await fetch(`/api/t/pizza-napoli/surveys/${q.scriptId}/results?version=${q.version}`)).json() };
  })) as { version: number; results: Results };
  expect(version).toBeGreaterThanOrEqual(1);
  expect(results).toMatchObject({ calls: 1, completions: 1 });
  const question = (id: string) => results.questions.find((q) => q.stepId === id)!;
  expect(question('recommend').counts.find((c) => c.value === '9')?.count).toBe(1);
  expect(question('recommend').nps?.score).toBe(100);
  expect(question('ordering').mean).toBe(4);
  expect(Object.fromEntries(question('liked').counts.map((c) => [c.value, c.count]))).toEqual({ taste: 1, speed: 0, price: 1, offers: 0 });

  // The Satisfaction tab is open when the caller's keypad answers arrive through the signed boundary.
  await admin.getByRole('link', { name: 'Satisfaction', exact: true }).click();
  await admin.waitForURL('**/t/pizza-napoli/satisfaction');
  await admin.getByText('No survey answers in this period').waitFor();
  expect(await reportSatisfaction(server, callId, { satisfaction: '4', solved: '1' })).toMatchObject({ status: 200, body: { recorded: true, outcome: 'answered', score: 4, solved: true } });
  await admin.getByTestId('csat-overall').getByText('4.00').waitFor();
  await admin.getByTestId('csat-overall').getByText(/^100(\.0)?\s?%$/).first().waitFor();
  await admin.getByRole('cell', { name: 'Léa Martin' }).waitFor();
  await expect(admin.getByTestId('csat-export-csv').getAttribute('href')).resolves.toMatch(/^\/api\/t\/pizza-napoli\/satisfaction\.csv\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}&lang=en&format=csv$/);
  await shot(portal, 'satisfaction-live-en');
  expect(portal.problems).toEqual([]);
});

test('in French, in an American English browser: the same results, and date fields that read jj/mm/aaaa', async () => {
  const admin = portal.page;
  const chosen = await admin.request.put(`${server.url}/api/me/language`, { data: { language: 'fr' }, headers: { origin: server.url } });
  expect(chosen.status()).toBe(200);
  await admin.goto(`${server.url}/t/pizza-napoli/satisfaction`);
  await admin.getByRole('heading', { name: 'Satisfaction des appelants' }).waitFor();
  await admin.getByTestId('csat-overall').getByText('4,00').waitFor();
  await shot(portal, 'satisfaction-fr');

  await admin.goto(`${server.url}/t/pizza-napoli/surveys`);
  await admin.getByRole('heading', { name: 'Résultats des enquêtes' }).waitFor();
  await admin.getByTestId('survey-question-recommend').getByText('1 réponse').waitFor();
  // The labels wrap their fields (and, once said, the field's error): named by their first word.
  const from = admin.getByLabel(/^Du/);
  const to = admin.getByLabel(/^Au/);
  await expect(from.getAttribute('placeholder')).resolves.toBe('jj/mm/aaaa');
  // Typed the French way: read as 1 December, written back the French way, sent as an ISO date.
  await from.fill('1/12/2026');
  await from.blur();
  await expect(from.inputValue()).resolves.toBe('01/12/2026');
  await expect(admin.getByTestId('surveys-export-csv').getAttribute('href')).resolves.toContain('from=2026-12-01');
  // Not a date of the calendar: said beside the field, and no date is kept.
  await to.fill('31/02/2026');
  await to.blur();
  await admin.getByRole('alert').filter({ hasText: 'Saisissez une date au format jj/mm/aaaa.' }).waitFor();
  await expect(to.getAttribute('aria-invalid')).resolves.toBe('true');
  await expect(admin.getByTestId('surveys-export-csv').getAttribute('href')).resolves.not.toContain('to=');
  await shot(portal, 'surveys-fr-date-fields');
  expect(portal.problems).toEqual([]);
});
