import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { assertNodeVersion } from './node-version.ts';
import { ensureChromium } from './chromium.ts';
import { ensureWebBuilt, repoRoot } from './build-web.ts';

/**
 * `pnpm test`: every test of every package in one Vitest run, on the embedded database, or on the
 * PostgreSQL server in TEST_DATABASE_URL. Builds the web app fresh for the browser tests, then ends
 * with one line `N passed, N failed` (also kept in test-results/summary.json for .ci/run).
 */
assertNodeVersion();
ensureChromium();
ensureWebBuilt({ force: true });

const resultsDir = join(repoRoot, 'test-results');
mkdirSync(resultsDir, { recursive: true });
const jsonFile = join(resultsDir, 'vitest.json');
rmSync(jsonFile, { force: true });

const vitest = join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');
const target = process.env.TEST_DATABASE_URL ? 'PostgreSQL (TEST_DATABASE_URL)' : 'embedded PGlite';
console.log(`Running the tests on ${target}…`);
const run = spawnSync(
  process.execPath,
  [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${jsonFile}`, ...process.argv.slice(2)],
  { cwd: repoRoot, stdio: 'inherit' },
);

let passed = 0;
let failed = 0;
try {
  const report = JSON.parse(readFileSync(jsonFile, 'utf8')) as {
    numPassedTests: number;
    numFailedTests: number;
    numFailedTestSuites?: number;
  };
  passed = report.numPassedTests;
  failed = report.numFailedTests;
  // A file that fails to load fails the run though none of its tests ran: count it.
  if (run.status !== 0 && failed === 0) failed = Math.max(1, report.numFailedTestSuites ?? 0);
} catch {
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(run.status === 0 && failed === 0 ? 0 : 1);
