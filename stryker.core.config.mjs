// Mutation testing, core set: the services of the core modules against the unit and integration
// tests (PostgreSQL, Redis, the Stripe simulator). Slow — each mutant re-runs the integration
// tests that reach it — so it is not part of CI: run it with `npm run mutation` (after the fast
// set) or `npm run mutation:core`, with the same DATABASE_URL / REDIS_URL as `npm test`.
// Narrow a run to one module: `npm run mutation:core -- --mutate 'src/modules/webhooks/**/*.ts'
// --testFiles 'test/integration/webhooks.test.ts'`. Results are kept (incremental), so a second
// run only re-tests mutants whose code or tests changed.
import os from 'node:os';
import path from 'node:path';

// A narrowed run can keep its results apart: MUTATION_REPORT_DIR=reports/mutation/webhooks.
const reportDir = process.env.MUTATION_REPORT_DIR ?? 'reports/mutation/core';

export default {
  testRunner: 'vitest',
  // Not `related`: every integration test reaches the services through the app; perTest coverage
  // picks the tests that run each mutant.
  vitest: { configFile: 'vitest.mutation.core.config.ts', related: false },
  coverageAnalysis: 'perTest',
  // Globs rather than file names: these folders are reorganised from time to time.
  // The pure parts (money, canonical JSON, payment and refund states, declines, the audit hash
  // chain, webhook signatures) are the fast set: stryker.fast.config.mjs.
  mutate: [
    'src/modules/payments/**/*.ts',
    '!src/modules/payments/**/state.ts',
    '!src/modules/payments/**/declines.ts',
    'src/modules/refunds/**/*.ts',
    '!src/modules/refunds/**/state.ts',
    'src/modules/idempotency/**/*.ts',
    'src/modules/webhooks/**/*.ts',
    'src/modules/reconciliation/**/*.ts',
    'src/modules/audit/**/*.ts',
    '!src/modules/audit/audit-log.ts',
    // Command-line entry points (e.g. the audit chain check) are not services.
    '!src/**/*-main.ts',
    'src/server/plugins/access.ts',
    // Declarations only (request/response schemas): nothing to mutate that a test could observe.
    '!src/modules/**/schemas.ts',
  ],
  ignoreStatic: true,
  // One runner: the integration tests share one database and the machine with everything else.
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 1),
  timeoutMS: 30_000,
  timeoutFactor: 2,
  dryRunTimeoutMinutes: 60,
  incremental: true,
  incrementalFile: `${reportDir}/stryker-incremental.json`,
  thresholds: { high: 90, low: 80, break: null },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `${reportDir}/mutation.html` },
  jsonReporter: { fileName: `${reportDir}/mutation.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  // Outside the tree, so that lint, Prettier and other test runs never see the instrumented copy.
  tempDirName:
    process.env.STRYKER_TMP ?? path.join(os.tmpdir(), `paydeck-stryker-core-${process.pid}`),
  // Top-level folders the tests do not read (a leading slash: `docs` alone would match src/modules/docs).
  ignorePatterns: [
    '/.data',
    '/dist',
    '/reports',
    '/coverage',
    '/test-results',
    '/playwright-report',
    '/docs',
  ],
  cleanTempDir: true,
};
