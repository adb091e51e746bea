import { defineConfig } from 'vitest/config';

// `npm run test:ops` (part of `npm test`): the deployment's files checked by Prometheus's and
// Alertmanager's own tools, and a real Prometheus scraping a running Paydeck until an alert
// fires. Needs Debian's `prometheus` and `prometheus-alertmanager` packages; each test that
// misses one fails saying so. .ci/run installs them.
export default defineConfig({
  test: {
    include: ['test/ops/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Each file starts what it needs (a system, a Prometheus); one at a time on two cores.
    fileParallelism: false,
  },
});
