import { afterAll, beforeAll, expect, test } from 'vitest';
import { applyDemoIfNew } from '@switchboard/tenants';
import { loadConfig, signTelephonyRequest } from '@switchboard/api';
import { launchBrowser, logInThroughApi, screenshotInto, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * Pizza Napoli's admin builds a keypad menu for the Paris orders line on "Phone menus": the server refuses
 * an empty prompt (the message sits under that prompt), then saves; the keypad preview walks the menu in
 * the browser (sub-menu, a key that is not offered, a function's queue); a recording is uploaded with its
 * progress. The same menu in French. Screenshots go to SHOTS_DIR as well as test-results/.
 */
let server: TestServer;
let en: TestBrowser;
let fr: TestBrowser;
const shots = process.env.SHOTS_DIR;
const admin = { email: 'admin@pizza-napoli.test', password: 'switchboard-demo' };
const number = '+33142868201';

/** The smallest WAV the server accepts: RIFF/WAVE header, one silent sample. */
function tinyWav(): Buffer {
  const data = Buffer.alloc(2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

beforeAll(async () => {
  server = await startServer();
  await applyDemoIfNew(server.database.db);
  en = await launchBrowser('ivr');
  fr = await launchBrowser('ivr-fr', { locale: 'fr-FR' });
});

afterAll(async () => {
  await en?.close();
  await fr?.close();
  await server?.close();
});

test('the admin builds a menu, sees the server refuse an empty prompt beside it, saves, and walks it on the keypad', async () => {
  const { page } = en;
  await logInThroughApi(en, server.url, admin);
  await page.goto(`${server.url}/t/pizza-napoli`);
  await page.getByRole('link', { name: 'Phone menus' }).click();
  await page.waitForURL('**/t/pizza-napoli/phone-menus');
  await page.getByTestId(`ivr-number-${number}`).click();
  await page.getByTestId('ivr-empty').getByText('This number has no menu: its calls go straight to Order taking.').waitFor();
  await page.getByTestId('ivr-audio-empty').waitFor();
  await screenshotInto(en, 'ivr-empty', shots);

  await page.getByTestId('ivr-create').click();
  await page.getByTestId('node-main-prompt-text').fill('For orders press 1, for our restaurants and allergens press 2.');
  await page.getByTestId('ivr-choice-main-0').getByLabel('What the choice is (for you)').fill('Orders');
  // A sub-menu, reached by key 2, whose prompt is left empty for now.
  await page.getByTestId('ivr-new-node').fill('restaurants');
  await page.getByTestId('ivr-add-node').click();
  await page.getByTestId('ivr-add-choice-main').click();
  await page.getByTestId('node-main-choice-1-kind').selectOption('menu');
  await page.getByTestId('node-main-choice-1-node').selectOption('restaurants');
  await page.getByTestId('ivr-add-choice-restaurants').click();
  await page.getByTestId('node-restaurants-choice-0-function').selectOption('information');
  await page.getByTestId('ivr-save').click();
  // Refused, and said beside the empty prompt; nothing saved.
  await page.getByTestId('node-restaurants-prompt-error').waitFor();
  expect(await page.getByTestId('node-restaurants-prompt-text').getAttribute('aria-invalid')).toBe('true');
  await screenshotInto(en, 'ivr-validation-error', shots);
  const before = await page.request.get(`${server.url}/api/t/pizza-napoli/ivr-menus/${encodeURIComponent(number)}`);
  expect((await before.json()).definition).toBeNull();

  await page.getByTestId('node-restaurants-prompt-text').fill('For allergens press 1. To go back press star.');
  await page.getByTestId('ivr-add-choice-restaurants').click();
  await page.getByTestId('ivr-choice-restaurants-1').getByLabel('Key', { exact: true }).selectOption('*');
  await page.getByTestId('node-restaurants-choice-1-kind').selectOption('menu');
  await page.getByTestId('node-restaurants-choice-1-node').selectOption('main');
  await page.getByTestId('ivr-save').click();
  await page.getByTestId('ivr-notice').getByText('The menu is saved').waitFor();
  const saved = await (await page.request.get(`${server.url}/api/t/pizza-napoli/ivr-menus/${encodeURIComponent(number)}`)).json();
  expect(saved.definition.nodes.restaurants.choices.map((c: { key: string }) => c.key)).toEqual(['1', '*']);
  expect(saved.enabled).toBe(true);

  // The keypad preview: 2 → the sub-menu, 9 is not offered (heard again), * back, 2, 1 → the information queue.
  const preview = page.getByTestId('ivr-preview');
  const screen = preview.getByTestId('ivr-preview-screen');
  await screen.getByText('For orders press 1').waitFor();
  await preview.getByTestId('ivr-key-2').click();
  await screen.getByText('For allergens press 1').waitFor();
  await preview.getByTestId('ivr-key-9').click();
  await screen.getByText('not a choice here').waitFor();
  await preview.getByTestId('ivr-key-*').click();
  await screen.getByText('For orders press 1').waitFor();
  await preview.getByTestId('ivr-key-2').click();
  await preview.getByTestId('ivr-key-1').click();
  await screen.getByTestId('ivr-preview-outcome').getByText('The call joins the queue of Information & advice.').waitFor();
  expect(await preview.getByTestId('ivr-key-5').isDisabled()).toBe(true);
  await screenshotInto(en, 'ivr-preview-walked', shots);

  // The menu's figures: none yet; then two callers through the telephony boundary — one to the orders
  // queue, one still listening — and the page shows them.
  await page.getByTestId('ivr-figures-empty').getByText('No caller has heard this menu in the last 7 days.').waitFor();
  for (const keys of ['1', '']) {
    const body = JSON.stringify({ callId: `figures-${keys || 'none'}-${Date.now()}`, dialled: number, caller: '+33612345678', ...(keys ? { keys } : {}) });
    const res = await fetch(`${server.url}/api/telephony/calls`, { method: 'POST', headers: { 'content-type': 'application/json', ...signTelephonyRequest(loadConfig({}).telephonySecret, body, new Date(), { method: 'POST', path: '/api/telephony/calls' }) }, body });
    expect(res.status).toBe(200);
  }
  await page.reload();
  await page.getByTestId(`ivr-number-${number}`).click();
  await page.getByTestId('ivr-figures-entered').getByText('2 calls heard the menu').waitFor();
  const said = async (id: string) => (await page.getByTestId(id).textContent())!.replace(/\s+/g, ' ').trim();
  expect(await said('ivr-figures-routed')).toBe('Reached a service 1 (50%)');
  expect(await said('ivr-figures-inMenu')).toBe('In the menu now 1 (50%)');
  await page.getByTestId('ivr-figures').getByText('Order taking').waitFor();
  await screenshotInto(en, 'ivr-figures', shots);

  // A recording, uploaded with its progress, then listed.
  await page.getByTestId('ivr-audio-upload').setInputFiles({ name: 'welcome.wav', mimeType: 'audio/wav', buffer: tinyWav() });
  await page.getByTestId('ivr-audio').getByText('welcome', { exact: true }).waitFor();
  await page.getByTestId('ivr-audio').getByText('Not used by a menu').waitFor();

  // Chosen as the hold music: saved at once, marked in the list, and what the server now plays.
  const uploaded = (await (await page.request.get(`${server.url}/api/t/pizza-napoli/audio`)).json()).audio.find((a: { name: string }) => a.name === 'welcome');
  await page.getByTestId('ivr-hold-music-select').selectOption(uploaded.id);
  await page.getByTestId('ivr-hold-music-saved').getByText('Hold music saved.').waitFor();
  await page.getByTestId('ivr-hold-music-badge').waitFor();
  const listed = (await (await page.request.get(`${server.url}/api/t/pizza-napoli/audio`)).json()).audio;
  expect(listed.filter((a: { holdMusic: boolean }) => a.holdMusic).map((a: { id: string }) => a.id)).toEqual([uploaded.id]);
  await screenshotInto(en, 'ivr-hold-music', shots);
  expect(en.problems).toEqual([]);
});

test('the same menu in French: the page, the preview and a server error read in French', async () => {
  const { page } = fr;
  await logInThroughApi(fr, server.url, admin);
  await page.goto(`${server.url}/t/pizza-napoli/phone-menus`);
  await page.getByRole('heading', { name: 'Menus téléphoniques' }).waitFor();
  await page.getByTestId(`ivr-number-${number}`).click();
  await page.getByTestId('ivr-enabled').waitFor();
  // Emptying the first prompt: refused in French beside it.
  await page.getByTestId('node-main-prompt-text').fill('');
  await page.getByTestId('ivr-save').click();
  await page.getByTestId('node-main-prompt-error').waitFor();
  await screenshotInto(fr, 'menus-erreur', shots);
  await page.getByTestId('node-main-prompt-text').fill('Pour commander, tapez 1. Pour nos restaurants et les allergènes, tapez 2.');
  await page.getByTestId('ivr-save').click();
  await page.getByTestId('ivr-notice').getByText('Le menu est enregistré').waitFor();
  const preview = page.getByTestId('ivr-preview');
  await preview.getByTestId('ivr-key-silence').click();
  await preview.getByTestId('ivr-preview-restart').click();
  await preview.getByTestId('ivr-key-1').click();
  await preview.getByTestId('ivr-preview-outcome').getByText('L’appel rejoint la file de Prise de commande.').waitFor();
  await screenshotInto(fr, 'menus-essai', shots);
  await page.getByTestId('ivr-figures-entered').getByText('2 appels ont entendu le menu').waitFor();
  await page.getByTestId('ivr-figures').getByText('Ont rejoint un service').waitFor();
  await screenshotInto(fr, 'menus-chiffres', shots);
  // The hold music, back to the carrier's default, in French.
  await page.getByTestId('ivr-hold-music').getByRole('heading', { name: "Musique d'attente" }).waitFor();
  await page.getByTestId('ivr-hold-music-select').selectOption('');
  await page.getByTestId('ivr-hold-music-saved').getByText("Musique d'attente enregistrée.").waitFor();
  await screenshotInto(fr, 'musique-attente', shots);
  expect(fr.problems).toEqual([]);
});
