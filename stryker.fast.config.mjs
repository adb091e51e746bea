// Mutation testing, fast set: the pure core modules against the unit tests only (no database).
// `npm run mutation:fast` — a few minutes on two cores; fails below thresholds.break, so CI can
// hold the floor. The slow set (services against the integration tests) is stryker.core.config.mjs.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * `file:start-end`: the lines of one method of a larger file, from its signature to the closing
 * brace at the same indentation, found by name so that the range follows the file as it changes.
 */
function methodLines(file, source, signature) {
  const lines = source.split('\n');
  const start = lines.findIndex((line) => line.startsWith(signature));
  const indent = signature.match(/^\s*/)[0];
  const end = lines.findIndex((line, i) => i > start && line === `${indent}}`);
  if (start < 0 || end < 0)
    throw new Error(`stryker.fast.config.mjs: ${signature.trim()} not found in ${file}`);
  return `${file}:${start + 1}-${end + 1}`;
}
const stripeProvider = readFileSync('src/stripe/stripe-provider.ts', 'utf8');

export default {
  testRunner: 'vitest',
  vitest: { configFile: 'vitest.mutation.config.ts', related: true },
  coverageAnalysis: 'perTest',
  // Globs where a folder is being reorganised; stryker.core.config.mjs leaves these files out.
  mutate: [
    'src/lib/money.ts',
    // How many decimals each currency has (the server and the web app read the same table).
    'shared/currencies.ts',
    'src/lib/canonical-json.ts',
    'src/modules/payments/**/state.ts',
    'src/modules/payments/**/declines.ts',
    'src/modules/refunds/**/state.ts',
    // The hash chain; its storage (repository.ts) is replaced by an in-memory table in the test.
    'src/modules/audit/audit-log.ts',
    // Webhook signature verification: the one pure method of the Stripe provider.
    methodLines('src/stripe/stripe-provider.ts', stripeProvider, '  verifyWebhook('),
  ],
  // Static mutants too (the currency rules, the transition tables, the soft declines and the
  // messages are data read when a module loads): each one reloads the unit tests, which is cheap.
  ignoreStatic: false,
  concurrency: Number(process.env.STRYKER_CONCURRENCY ?? 2),
  timeoutMS: 10_000,
  thresholds: { high: 95, low: 90, break: 90 },
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/fast/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/fast/mutation.json' },
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  // The sandbox lives outside the tree, so that lint, Prettier and the other test runs never see
  // the instrumented copy while a run is in progress.
  tempDirName:
    process.env.STRYKER_TMP ?? path.join(os.tmpdir(), `paydeck-stryker-fast-${process.pid}`),
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
