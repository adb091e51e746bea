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
  },
});
