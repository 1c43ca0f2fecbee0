import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { jsonb, newId, withApp, withTenant } from '@switchboard/db';
import { applyDemoIfNew } from '@switchboard/tenants';
import { launchBrowser, startServer, type TestBrowser, type TestServer } from './support.ts';

/**
 * Issue 16, quality: the pizza chain's quality settings (its manager listed as a client evaluator), the
 * week's calls to evaluate drawn with the button, and a calibration session closed with its spread, in
 * English and in French.
 */
let server: TestServer;
let calibrationId: string;

beforeAll(async () => {
  server = await startServer();
  const db = server.database.db;
  await applyDemoIfNew(db);
  const tenant = await withApp(db, (tx) => tx.selectFrom('tenants').selectAll().where('slug', '=', 'pizza-napoli').executeTakeFirstOrThrow());
  const people = await withApp(db, (tx) =>
    tx.selectFrom('users').select(['id', 'email']).where('email', 'in', ['operator1@switchboard.test', 'operator2@switchboard.test', 'supervisor@switchboard.test', 'admin@switchboard.test']).execute(),
  );
  const idOf = (email: string) => people.find((p) => p.email === email)!.id;
  const now = new Date();
  await withTenant(db, tenant.id, async (tx) => {
    // Twelve finished calls over the last hours (this week on the company's calendar, unless it is Monday early: then last week's too).
    const callIds: string[] = [];
    for (let i = 0; i < 12; i++) {
      const id = newId();
      const at = new Date(now.getTime() - (i + 1) * 10 * 60_000);
      const operatorId = idOf(i % 2 ? 'operator2@switchboard.test' : 'operator1@switchboard.test');
      await tx
        .insertInto('calls')
        .values({ tenantId: tenant.id, id, externalId: `q-${id}`, function: 'order_taking', dialledNumber: '+33142868201', callerNumber: '+33612345678', status: 'completed', afterHoursAction: null, operatorId, offeredAt: at, answeredAt: at, endedAt: new Date(at.getTime() + (60 + i * 40) * 1000), endedBy: 'operator' })
        .execute();
      callIds.push(id);
    }
    await tx
      .insertInto('complaints')
      .values({ tenantId: tenant.id, id: newId(), number: 9001, callId: callIds[2]!, customerId: null, category: 'late', severity: 'medium', description: 'Cold pizza', dueAt: now, createdBy: null, createdAt: now, updatedAt: now })
      .execute();
    await tx.insertInto('callEvents').values({ tenantId: tenant.id, id: newId(), callId: callIds[3]!, at: now, kind: 'transfer', operatorId: idOf('operator2@switchboard.test'), detail: jsonb({}) }).execute();
    const formId = newId();
    await tx.insertInto('qualityForms').values({ tenantId: tenant.id, id: formId, name: 'Order taking', createdAt: now, updatedAt: now, updatedBy: 'seed' }).execute();
    const definition = {
      sections: [
        {
          id: 's1',
          title: 'Call',
          questions: [
            { id: 'greet', text: 'Greets with the restaurant’s name', kind: 'yes_no', weight: 1, naAllowed: false, critical: false },
            { id: 'order', text: 'Reads the order back', kind: 'yes_no_partial', weight: 2, naAllowed: false, critical: false },
            { id: 'upsell', text: 'Offers a drink or dessert', kind: 'yes_no', weight: 1, naAllowed: true, critical: false },
            { id: 'tone', text: 'Warm tone', kind: 'scale', scaleMax: 5, weight: 1, naAllowed: false, critical: false },
          ],
        },
      ],
    };
    await tx.insertInto('qualityFormVersions').values({ tenantId: tenant.id, formId, version: 1, definition: jsonb(definition), status: 'published', publishedAt: now, publishedBy: 'seed', createdAt: now, createdBy: 'seed' }).execute();
    // A closed session, two of three evaluators having submitted, and an open one.
    const evaluators = [idOf('supervisor@switchboard.test'), idOf('admin@switchboard.test')];
    for (const [n, status] of (['closed', 'open'] as const).entries()) {
      const id = newId();
      if (status === 'closed') calibrationId = id;
      await tx
        .insertInto('qualityCalibrations')
        .values({ tenantId: tenant.id, id, callId: callIds[n]!, formId, formVersion: 1, evaluatorIds: evaluators, status, createdAt: new Date(now.getTime() - (2 - n) * 3_600_000), createdBy: 'Supervisor', closedAt: status === 'closed' ? now : null })
        .execute();
      const answers = [
        { greet: { answer: 'yes' }, order: { answer: 'partial' }, upsell: { answer: 'na' }, tone: { answer: 4 } },
        { greet: { answer: 'yes' }, order: { answer: 'no' }, upsell: { answer: 'yes' }, tone: { answer: 5 } },
      ];
      for (const [i, evaluatorId] of evaluators.entries()) {
        if (status === 'open' && i === 1) continue;
        await tx
          .insertInto('qualityEvaluations')
          .values({ tenantId: tenant.id, id: newId(), callId: callIds[n]!, operatorId: idOf('operator1@switchboard.test'), evaluatorId, evaluatorLabel: 'Evaluator', formId, formVersion: 1, calibrationId: id, answers: jsonb(answers[i]), status: 'submitted', score: i ? 50 : 70, submittedAt: now, createdAt: now, updatedAt: now })
          .execute();
      }
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
  { lang: 'en', locale: 'en-GB', draw: 'Draw now', settings: 'Quality settings', complaint: 'Complaint', agreement: 'Agreement', open: 'Open' },
  { lang: 'fr', locale: 'fr-FR', draw: 'Tirer maintenant', settings: 'Réglages qualité', complaint: 'Réclamation', agreement: 'Accord', open: 'Ouverte' },
] as const;

for (const l of languages) {
  test(`a supervisor sets the sampling, draws the week's calls and reads a closed calibration (${l.lang})`, async () => {
    const browser = await launchBrowser(`quality-${l.lang}`, { locale: l.locale });
    try {
      const { page, screenshot, problems } = browser;
      await logIn(browser, 'supervisor@switchboard.test');

      await page.goto(`${server.url}/t/pizza-napoli/quality/settings`);
      await page.getByRole('heading', { name: l.settings }).waitFor();
      await page.getByTestId('quality-samples').fill('3');
      await page.locator('button[type="submit"]').click();
      await page.locator('.alert-success').waitFor();
      keep(await screenshot('01-settings'), l.lang);

      await page.goto(`${server.url}/t/pizza-napoli/quality/sampling`);
      await page.getByTestId('quality-sampling').waitFor();
      await page.getByRole('button', { name: l.draw }).click();
      await page.getByTestId('sampling-table').waitFor();
      const rows = await page.getByTestId('sampling-table').locator('tbody tr').count();
      expect(rows).toBeGreaterThan(0);
      expect(rows).toBeLessThanOrEqual(6);
      keep(await screenshot('02-sampling'), l.lang);

      await page.goto(`${server.url}/t/pizza-napoli/quality/calibration/${calibrationId}`);
      await page.getByTestId('calibration-spread').waitFor();
      await page.getByTestId('calibration-list').getByText(l.open).waitFor();
      keep(await screenshot('03-calibration'), l.lang);
      expect(problems).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 120_000);
}
