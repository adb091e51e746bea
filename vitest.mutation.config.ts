import { defineConfig } from 'vitest/config';

// The unit tests alone, for mutation testing of the pure core modules (stryker.fast.config.mjs):
// no global setup, so no PostgreSQL, Redis or simulator, and each mutant runs in milliseconds.
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    testTimeout: 10_000,
    reporters: ['default'],
  },
});
