import { afterAll, beforeAll, expect, test } from 'vitest';
import { newId, withTenant } from '@switchboard/db';
import { launchBrowser, logInThroughApi, screenshotInto, startServer, type TestBrowser, type TestServer } from './support.ts';
import { seedFloor, type Floor } from './wallboard-fixtures.ts';

/**
 * Issue 16: the client opens its portal on this month against the contract (each KPI on target, at risk or
 * missed), and reads its reports; provider staff compare the clients. Figures come from interval rows put in
 * the statistics tables (the fold is tested on its own), 30 days of them.
 */
let server: TestServer;
let floor: Floor;
const browsers: TestBrowser[] = [];
/** The screenshots are also kept where the work is reviewed (REPORTS_SHOTS_DIR), when set. */
const shotsDir = process.env.REPORTS_SHOTS_DIR;
const client = { email: 'director@pizza.test', password: 'reports-director-pass' };

beforeAll(async () => {
  server = await startServer();
  const now = new Date();
  floor = await seedFloor(server.database.db, now);
  const pizza = floor.tenants[0]!;
  const clientId = await server.seedUser({ ...client, displayName: 'Dora Director', kind: 'client_admin' });
  await withTenant(server.database.db, pizza.id, async (tx) => {
    await tx.insertInto('tenantMembers').values({ tenantId: pizza.id, userId: clientId, role: 'client_admin' }).execute();
    await tx
      .insertInto('serviceContracts')
      .values({ tenantId: pizza.id, id: newId(), function: null, effectiveFrom: '2020-01-01', serviceLevelPercent: 80, maxAbandonPercent: 5, asaSeconds: 30, ahtSeconds: 300, fcrPercent: 75, clientOperatorNames: 'pseudonym', createdAt: now, updatedAt: now, updatedBy: 'test' })
      .execute();
    // 30 days, 4 busy quarter hours a day (10:00–11:00 UTC), service level between ~70 % and 95 %.
    const rows = [];
    for (let d = 0; d < 30; d++) {
      for (let q = 0; q < 4; q++) {
        const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - d, 10, q * 15));
        if (start > now) continue;
        const offered = 20 + ((d * 7 + q * 3) % 11);
        const abandoned = (d + q) % 3;
        const answered = offered - abandoned;
        const inTarget = Math.round(answered * (0.72 + ((d * 13) % 25) / 100));
        rows.push({ tenantId: pizza.id, function: 'order_taking', intervalStart: start, offered, answered, answeredInTarget: inTarget, abandoned, answerWaitSeconds: answered * 14, handled: answered, talkSeconds: answered * 240, wrapSeconds: answered * 30, fcrBase: answered, fcrRepeated: Math.floor(answered / 6) });
      }
    }
    await tx.insertInto('queueIntervals').values(rows).execute();
    const operators = await tx.selectFrom('operatorAssignments').select('operatorId').execute();
    const quarter = new Date(Math.floor(now.getTime() / 86_400_000) * 86_400_000 + 10 * 3_600_000);
    await tx
      .insertInto('operatorIntervals')
      .values(operators.map((o, i) => ({ tenantId: pizza.id, operatorId: o.operatorId, function: 'order_taking', intervalStart: quarter > now ? new Date(quarter.getTime() - 86_400_000) : quarter, handled: 12 + i * 3, talkSeconds: (12 + i * 3) * 250, wrapSeconds: (12 + i * 3) * 25 })))
      .execute();
  });
});

afterAll(async () => {
  for (const b of browsers) await b.close();
  await server?.close();
});

test('the client sees its month against the contract on the Overview and reads its reports; staff compare the clients', async () => {
  for (const [lang, locale] of [['en', 'en-GB'], ['fr', 'fr-FR']] as const) {
    const b = await launchBrowser(`reports-${lang}`, { locale });
    browsers.push(b);
    await logInThroughApi(b, server.url, client);
    await b.page.goto(`${server.url}/t/pizza-napoli`);
    const glance = b.page.getByTestId('contract-at-a-glance');
    await glance.getByTestId('kpi-serviceLevel').waitFor();
    await b.page.getByTestId('today-volumes').or(glance.getByText(lang === 'en' ? 'No calls yet today.' : 'Aucun appel aujourd’hui pour l’instant.')).first().waitFor();
    await expect(glance.getByTestId('kpi-serviceLevel').textContent()).resolves.toMatch(lang === 'en' ? /at least 80/ : /80/);
    await screenshotInto(b, `overview-${lang}`, shotsDir);

    await b.page.goto(`${server.url}/t/pizza-napoli/reports`);
    await b.page.getByTestId('reports-sl-table').waitFor();
    await screenshotInto(b, `reports-service-level-${lang}`, shotsDir);
    await b.page.getByTestId('reports-tab-operators').click();
    await b.page.getByTestId('reports-operators-table').waitFor();
    // Pseudonyms, as the contract says: never a name.
    await expect(b.page.getByTestId('reports-operators-table').textContent()).resolves.not.toMatch(/Amélie|Chloé|Eva/);
    await screenshotInto(b, `reports-operators-${lang}`, shotsDir);
    await b.page.getByTestId('reports-tab-volumes').click();
    await b.page.getByTestId('reports-volumes-table').waitFor();
    await screenshotInto(b, `reports-volumes-${lang}`, shotsDir);
    expect(b.problems).toEqual([]);
  }

  const staff = await launchBrowser('reports-compare', { locale: 'en-GB' });
  browsers.push(staff);
  await logInThroughApi(staff, server.url, floor.supervisor);
  await staff.page.goto(`${server.url}/admin/reports`);
  await staff.page.getByTestId('compare-table').getByText('Pizza Napoli').waitFor();
  await screenshotInto(staff, 'compare-en', shotsDir);
  await staff.page.goto(`${server.url}/t/pizza-napoli/reports`);
  await staff.page.getByTestId('reports-tab-operators').click();
  await staff.page.getByTestId('reports-operators-table').getByText('Occupancy').waitFor();
  await screenshotInto(staff, 'reports-operators-staff-en', shotsDir);
  expect(staff.problems).toEqual([]);
}, 240_000);
