import { defineConfig } from 'vitest/config';

// Unit and integration tests. Integration tests talk to a real PostgreSQL (DATABASE_URL, or the
// embedded PGlite when it is unset), real Redis when REDIS_URL is set, and the Stripe simulator.
export default defineConfig({
  test: {
    include: [
      'test/unit/**/*.test.ts',
      'test/integration/**/*.test.ts',
      'test/simulator/**/*.test.ts',
      // Runs only when STRIPE_TEST_SECRET_KEY is set (real Stripe test mode, needs the internet).
      'test/stripe-test-mode/**/*.test.ts',
    ],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
    reporters: ['default'],
    // An unhandled error fails the run, but Vitest prints it where it happened, far above the
    // summary, and CI keeps only the tail of the output: say it again at the very end too
    // (global-setup.ts prints what is collected here after the suite).
    onUnhandledError(error) {
      const said = (globalThis as { paydeckUnhandled?: string[] }).paydeckUnhandled ?? [];
      said.push(`${error.type}: ${error.stack ?? error.message}`.slice(0, 4000));
      (globalThis as { paydeckUnhandled?: string[] }).paydeckUnhandled = said;
    },
  },
});
