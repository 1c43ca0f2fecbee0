import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Reporter, SerializedError, TestModule, TestRunEndReason } from 'vitest/node';

/**
 * What fails a run without failing a test — an unhandled rejection or exception after a test ended, a
 * worker that crashed — is not in Vitest's JSON report, and a CI log cut short loses it. This reporter
 * keeps it in test-results/run-errors.json; `pnpm test` counts and names each one (scripts/src/test.ts),
 * and .ci/run repeats them under "what failed".
 */
export const runErrorsFile = (root: string) => join(root, 'test-results', 'run-errors.json');

export default class RunErrorsReporter implements Reporter {
  private root = process.cwd();

  onInit(ctx: { config: { root: string } }): void {
    this.root = ctx.config.root;
  }

  onTestRunEnd(_modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<SerializedError>, reason: TestRunEndReason): void {
    const file = runErrorsFile(this.root);
    mkdirSync(dirname(file), { recursive: true });
    const errors = unhandledErrors.map((e) => ({
      name: String(e.name ?? 'Error'),
      message: String(e.message ?? '').slice(0, 500),
      stack: String(e.stack ?? '').split('\n').slice(0, 8).join('\n'),
    }));
    writeFileSync(file, JSON.stringify({ reason, errors }, null, 2));
  }
}
