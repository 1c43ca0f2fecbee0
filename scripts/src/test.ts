import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { assertNodeVersion } from './node-version.ts';
import { ensureChromium } from './chromium.ts';
import { ensureWebBuilt, repoRoot } from './build-web.ts';
import { runErrorsFile } from './run-errors-reporter.ts';

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
const errorsFile = runErrorsFile(repoRoot);
rmSync(errorsFile, { force: true });

const vitest = join(repoRoot, 'node_modules', 'vitest', 'vitest.mjs');
const target = process.env.TEST_DATABASE_URL ? 'PostgreSQL (TEST_DATABASE_URL)' : 'embedded PGlite';
console.log(`Running the tests on ${target}…`);
const run = spawnSync(
  process.execPath,
  [vitest, 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${jsonFile}`, `--reporter=${join(repoRoot, 'scripts', 'src', 'run-errors-reporter.ts')}`, ...process.argv.slice(2)],
  { cwd: repoRoot, stdio: 'inherit' },
);

/** What failed the run outside any test (scripts/src/run-errors-reporter.ts). */
function readRunErrors(): { name: string; message: string; stack: string }[] {
  try {
    return (JSON.parse(readFileSync(errorsFile, 'utf8')) as { errors: { name: string; message: string; stack: string }[] }).errors;
  } catch {
    return [];
  }
}

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
  // An error outside any test (an unhandled rejection, a crashed worker) fails the run: each counts, by name.
  const runErrors = readRunErrors();
  if (runErrors.length) {
    console.log(`\n${runErrors.length} error(s) outside any test failed the run:`);
    for (const e of runErrors) console.log(`  ${e.name}: ${e.message}\n${e.stack.split('\n').slice(1, 4).join('\n')}`);
    failed += runErrors.length;
  }
  // A file that fails to load fails the run though none of its tests ran: count it.
  if (run.status !== 0 && failed === 0) failed = Math.max(1, report.numFailedTestSuites ?? 0);
} catch {
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed`);

process.exit(run.status === 0 && failed === 0 ? 0 : 1);
