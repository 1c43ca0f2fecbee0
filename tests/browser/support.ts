import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { serve } from '@hono/node-server';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createTestDatabase, jsonb, newId, withApp, withTenant, type Database, type Tenant, type UserKind } from '@switchboard/db';
import { createApp, EventHub, hashPassword, loadConfig, replaceHours, signTelephonyRequest, startRouting, type HoursDefinitionInput } from '@switchboard/api';
import { applyDemoIfNew } from '@switchboard/tenants';
import { ensureWebBuilt, repoRoot, webDist } from '../../scripts/src/build-web.ts';
import { findChromium } from '../../scripts/src/chromium.ts';

export { repoRoot, webDist };
export const resultsDir = join(repoRoot, 'test-results');

export interface TestServer {
  url: string;
  database: Database;
  seedUser(user: { email: string; password: string; displayName: string; kind: UserKind; mustChangePassword?: boolean }): Promise<string>;
  close(): Promise<void>;
}

/** The real app (API and built web app) on a fresh database, served over HTTP on 127.0.0.1. */
export async function startServer(options: { env?: Record<string, string>; port?: number } = {}): Promise<TestServer> {
  ensureWebBuilt();
  const database = await createTestDatabase();
  const config = { ...loadConfig(options.env ?? {}), loginSlowdownMs: 0 };
  const now = () => new Date();
  const events = new EventHub({ db: database.db, listen: database.listen, now });
  const app = createApp({ db: database.db, databaseKind: database.kind, config, now, events }, { webDist });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: options.port ?? 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    database,
    async seedUser(user) {
      const id = newId();
      const passwordHash = await hashPassword(user.password);
      const now = new Date();
      await withApp(database.db, (tx) =>
        tx
          .insertInto('users')
          .values({
            id,
            email: user.email,
            displayName: user.displayName,
            kind: user.kind,
            passwordHash,
            mustChangePassword: user.mustChangePassword ?? false,
            createdAt: now,
            updatedAt: now,
          })
          .execute(),
      );
      return id;
    },
    async close() {
      // Open event streams would keep the server from closing: end them first.
      await events.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.close();
    },
  };
}

export function chromiumPath(): string {
  const path = findChromium();
  if (!path) {
    throw new Error(
      `No Chromium found${process.env.CHROMIUM_PATH ? ` at ${process.env.CHROMIUM_PATH}` : ''}. The browser tests drive Debian's Chromium: ` +
        'install it with `apt-get update && apt-get install -y chromium`, or point CHROMIUM_PATH at a Chromium or Chrome binary.',
    );
  }
  return path;
}

export interface TestBrowser {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught page errors seen so far (CSP violations show up here). */
  problems: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Headless Chromium with a fresh profile that is deleted on close; screenshots go to test-results/<suite>/.
 * `locale` is the browser's language (en-GB unless said): `fr-FR` gives the app in French to an account
 * that has not chosen its language.
 */
export async function launchBrowser(suite: string, options: { locale?: string; args?: string[] } = {}): Promise<TestBrowser> {
  const executablePath = chromiumPath();
  const profile = mkdtempSync(join(tmpdir(), 'switchboard-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      // the browser's own language too, so date inputs read like the page (dd/mm/yyyy for fr-FR)
      `--lang=${options.locale ?? 'en-GB'}`,
      ...(options.args ?? []),
    ],
    viewport: { width: 1280, height: 860 },
    locale: options.locale ?? 'en-GB',
    timezoneId: 'Europe/Paris',
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // The browser logs every non-2xx fetch (e.g. /api/me before logging in); those are expected answers.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.push(`console: ${message.text()}`);
  });
  const dir = join(resultsDir, suite);
  mkdirSync(dir, { recursive: true });
  let step = 0;
  return {
    context,
    page,
    problems,
    async screenshot(name) {
      const path = join(dir, `${String(++step).padStart(2, '0')}-${name}.png`);
      await page.screenshot({ path, fullPage: true });
      return path;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs whoever is signed in out, then signs in with a demo account (password switchboard-demo), waiting for its landing page. */
export async function logInAs(page: Page, baseUrl: string, email: string, landing: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.evaluate(`fetch('/api/auth/logout', { method: 'POST' })`);
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('switchboard-demo');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`**${landing}`);
}

/** A schedule open around the clock, so a story does not depend on when the test runs. */
/** Logs the browser in through the API (the session cookie serves the pages it opens next). */
export async function logInThroughApi(browser: TestBrowser, baseUrl: string, user: { email: string; password: string }): Promise<void> {
  const res = await browser.page.request.post(`${baseUrl}/api/auth/login`, { data: { email: user.email, password: user.password }, headers: { origin: baseUrl } });
  if (res.status() !== 200) throw new Error(`Logging in ${user.email} answered ${res.status()}: ${await res.text()}`);
}

/** A screenshot under test-results/, also copied into `dir` when one is given (for reviewers). */
export async function screenshotInto(browser: TestBrowser, name: string, dir: string | undefined): Promise<void> {
  const path = await browser.screenshot(name);
  if (dir) {
    mkdirSync(dir, { recursive: true });
    copyFileSync(path, `${dir}/${basename(path)}`);
  }
}

export function allDayHours(name: string): HoursDefinitionInput {
  return {
    defaultSchedule: name,
    schedules: [{ name, week: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ start: '00:00', end: '24:00' }]])) as never }],
    overrides: [],
    functionSchedules: [],
  };
}

export interface DemoDeskPin {
  /** The number callers dial, and the function it reaches. */
  number: string;
  fn: string;
  /** The schedule's name; open around the clock. */
  hoursName: string;
  /** Wrap-up timing to pin (callSettings); left as the demo has it when absent. */
  wrapUpSeconds?: number;
  wrapUpExtensionSeconds?: number;
  /** Who the callSettings row says changed it. */
  updatedBy?: string;
  /** Sign operator1's confidentiality agreement for this tenant. */
  signAgreement?: boolean;
}

/**
 * Applies the demo (once) and pins a demo tenant where the demo depends on the clock or on timing:
 * hours open round the clock, a number for a function, optionally the wrap-up time, and operator1
 * with no hold-back (and, if asked, the agreement signed). Returns the tenant.
 */
export async function pinDemoTenantForDesk(db: Database['db'], slug: string, pin: DemoDeskPin): Promise<Tenant> {
  await applyDemoIfNew(db);
  const tenant = await withApp(db, (tx) => tx.selectFrom('tenants').selectAll().where('slug', '=', slug).executeTakeFirstOrThrow());
  const operator = await withApp(db, (tx) => tx.selectFrom('users').select('id').where('email', '=', 'operator1@switchboard.test').executeTakeFirstOrThrow());
  await withTenant(db, tenant.id, async (tx) => {
    await replaceHours(tx, tenant.id, null, allDayHours(pin.hoursName) as never);
    await tx.insertInto('phoneNumbers').values({ tenantId: tenant.id, number: pin.number, function: pin.fn }).onConflict((oc) => oc.doNothing()).execute();
    if (pin.wrapUpSeconds !== undefined) {
      const timing = { wrapUpSeconds: pin.wrapUpSeconds, ...(pin.wrapUpExtensionSeconds !== undefined ? { wrapUpExtensionSeconds: pin.wrapUpExtensionSeconds } : {}) };
      await tx
        .insertInto('callSettings')
        .values({ tenantId: tenant.id, ...timing, updatedBy: pin.updatedBy ?? 'browser test' })
        .onConflict((oc) => oc.column('tenantId').doUpdateSet(timing))
        .execute();
    }
    await tx
      .updateTable('operatorAssignments')
      .set(pin.signAgreement ? { routing: jsonb({}), confidentialityAgreementSignedAt: new Date('2026-01-12T09:00:00Z') } : { routing: jsonb({}) })
      .where('operatorId', '=', operator.id)
      .execute();
  });
  return tenant;
}

/** Routing as the server runs it, ticking fast enough for a test. Returns the stop function. */
export function startDeskRouting(db: Database['db']): () => Promise<void> {
  return startRouting({ db, now: () => new Date(), intervalMs: 200 });
}

const telephonySecret = loadConfig({}).telephonySecret;

/** A POST to the telephony boundary, signed as an adapter signs it. */
async function signedTelephonyPost(server: TestServer, path: string, payload: unknown): Promise<{ status: number; body: any }> {
  const body = JSON.stringify(payload);
  const res = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...signTelephonyRequest(telephonySecret, body, new Date(), { method: 'POST', path }) },
    body,
  });
  return { status: res.status, body: await res.json() };
}

/** What a telephony adapter sends when a call comes in, signed as the boundary requires. */
export async function incomingCall(server: TestServer, callId: string, dialled: string, caller: string): Promise<{ status: number; body: any }> {
  return signedTelephonyPost(server, '/api/telephony/calls', { callId, dialled, caller });
}

/** The digits a caller keyed after a handled call (post-call satisfaction), posted back as an adapter does. */
export async function reportSatisfaction(server: TestServer, callId: string, digits: { satisfaction?: string | null; solved?: string | null }): Promise<{ status: number; body: any }> {
  return signedTelephonyPost(server, `/api/telephony/calls/${callId}/satisfaction`, digits);
}

/** operator1 at the desk, available for calls (logged in through the login page). */
export async function openDeskAvailable(page: Page, baseUrl: string): Promise<void> {
  await logInAs(page, baseUrl, 'operator1@switchboard.test', '/operator');
  await page.getByTestId('open-desk').click();
  await page.waitForURL('**/desk');
  await page.getByTestId('desk-idle').waitFor();
  await page.getByRole('button', { name: 'Go available' }).click();
  await page.getByText('Waiting for the next call').waitFor();
}
