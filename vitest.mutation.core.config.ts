import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

// The unit and integration tests (PostgreSQL, Redis, the Stripe simulator), for mutation testing
// of the core services (stryker.core.config.mjs). Same settings and global setup (one fresh
// database) as vitest.config.ts, without the simulator's own tests and Stripe test mode; the
// Stryker runner runs the files one at a time in a single worker.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
  },
});
