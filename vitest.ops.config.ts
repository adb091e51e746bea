import { defineConfig } from 'vitest/config';

// `npm run test:ops`: the deployment's files checked by Prometheus's and Alertmanager's own
// tools (Debian packages `prometheus`, `prometheus-alertmanager`). Kept out of `npm test` so that
// the suite needs nothing but Node.js; .ci/run installs the tools and runs this too.
export default defineConfig({
  test: {
    include: ['test/ops/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
