import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Preloaded into an API process a benchmark starts (`node --import tsx --import ./bench-counter.ts …`):
 * counts the SQL statements and the transactions Kysely runs in that process, and writes the counts to
 * BENCH_COUNTS_FILE on SIGUSR2, so a benchmark reads them at the start and end of its window. It costs
 * nothing between signals (no timer). Kysely's query executor is not exported, so its module is
 * imported by file: the same file, hence the same class, the app's Kysely runs.
 */

const file = process.env.BENCH_COUNTS_FILE;
if (file) {
  const require = createRequire(join(import.meta.dirname, '..', '..', 'db', 'package.json'));
  const kyselyDist = dirname(require.resolve('kysely'));
  const { QueryExecutorBase } = (await import(pathToFileURL(join(kyselyDist, 'query-executor', 'query-executor-base.js')).href)) as {
    QueryExecutorBase: { prototype: { executeQuery: (...args: unknown[]) => Promise<unknown> } };
  };
  const { TransactionBuilder } = (await import(pathToFileURL(join(kyselyDist, 'index.js')).href)) as {
    TransactionBuilder: { prototype: { execute: (...args: unknown[]) => Promise<unknown> } };
  };
  const counts = { statements: 0, transactions: 0 };
  // Statements by their first words, so a benchmark can say which ones an idle process still sends.
  const bySql = new Map<string, number>();
  const executeQuery = QueryExecutorBase.prototype.executeQuery;
  QueryExecutorBase.prototype.executeQuery = function (this: unknown, ...args: unknown[]) {
    counts.statements++;
    const text = (args[0] as { sql?: string } | undefined)?.sql ?? '';
    const key = text.replace(/\s+/g, ' ').trim().slice(0, 90);
    bySql.set(key, (bySql.get(key) ?? 0) + 1);
    return executeQuery.apply(this, args);
  };
  const execute = TransactionBuilder.prototype.execute;
  TransactionBuilder.prototype.execute = function (this: unknown, ...args: unknown[]) {
    counts.transactions++;
    return execute.apply(this, args);
  };
  process.on('SIGUSR2', () => {
    // With --expose-gc (BENCH_GC=1), collect first: the heap figures are then what is live.
    (globalThis as { gc?: () => void }).gc?.();
    writeFileSync(file, JSON.stringify({ ...counts, bySql: Object.fromEntries(bySql), memory: process.memoryUsage(), at: Date.now() }));
  });
}
