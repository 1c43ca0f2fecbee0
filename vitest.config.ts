import { defineConfig } from 'vitest/config';

// One run over every package: unit tests beside the code, cross-package tests in tests/.
// TEST_DATABASE_URL switches every database test from in-memory PGlite to that server.
export default defineConfig({
  test: {
    include: ['{api,db,tenants,scripts,tests}/**/*.test.ts'],
    exclude: ['**/node_modules/**', 'web/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
