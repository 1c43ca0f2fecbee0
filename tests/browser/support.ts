import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { createTestDatabase, newId, withApp, type Database, type UserKind } from '@switchboard/db';
import { createApp, hashPassword, loadConfig } from '@switchboard/api';

export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const webDir = join(repoRoot, 'web');
export const webDist = join(webDir, 'dist');
export const resultsDir = join(repoRoot, 'test-results');

/** Builds web/dist with Vite when it is missing (delete it to test fresh changes to web/). */
export function ensureWebBuilt(): void {
  if (existsSync(join(webDist, 'index.html'))) return;
  // vite/bin/vite.js is not in Vite's package exports; its package.json is, and the bin sits beside it.
  const vite = join(dirname(createRequire(join(webDir, 'package.json')).resolve('vite/package.json')), 'bin', 'vite.js');
  execFileSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], { cwd: webDir, stdio: 'inherit' });
}

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
  const app = createApp({ db: database.db, databaseKind: database.kind, config, now: () => new Date() }, { webDist });
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
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await database.close();
    },
  };
}

export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
  if (!existsSync(path)) {
    throw new Error(
      `No Chromium at ${path}. The browser tests drive Debian's Chromium: install it with ` +
        '`apt-get update && apt-get install -y chromium`, or point CHROMIUM_PATH at a Chromium or Chrome binary.',
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
