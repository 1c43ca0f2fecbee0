import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createTestDatabase, newId, withApp, type Database, type UserKind } from '@switchboard/db';
import { createApp, EventHub, hashPassword, loadConfig } from '@switchboard/api';
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
export async function startServer(): Promise<TestServer> {
  ensureWebBuilt();
  const database = await createTestDatabase();
  const config = { ...loadConfig({}), loginSlowdownMs: 0 };
  const now = () => new Date();
  const events = new EventHub({ db: database.db, listen: database.listen, now });
  const app = createApp({ db: database.db, databaseKind: database.kind, config, now, events }, { webDist });
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
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

/** Headless Chromium with a fresh profile that is deleted on close; screenshots go to test-results/<suite>/. */
export async function launchBrowser(suite: string): Promise<TestBrowser> {
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
    ],
    viewport: { width: 1280, height: 860 },
    locale: 'en-GB',
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

/** Logs in through the login page as a demo user (password switchboard-demo), from wherever the page is. */
export async function logInAs(page: Page, baseUrl: string, email: string, landing: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('switchboard-demo');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(landing);
}
