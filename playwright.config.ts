import { existsSync } from 'node:fs';
import { defineConfig } from '@playwright/test';

// End-to-end tests drive a Chromium already on the machine: CHROMIUM_PATH, else the system's
// (Debian's `chromium`), else the one `npm install` brought (@sparticuz/chromium ships its binary
// inside the package and unpacks it to the temporary folder, offline). Playwright's own browser
// download is not used: it needs the internet.
async function findChromium(): Promise<string> {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  const system = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((path) =>
    // eslint-disable-next-line security/detect-non-literal-fs-filename -- fixed candidate paths
    existsSync(path),
  );
  if (system) return system;
  const { default: bundled } = await import('@sparticuz/chromium');
  return bundled.executablePath();
}

export const chromiumPath = await findChromium();

export default defineConfig({
  testDir: 'test/e2e',
  testMatch: '**/*.spec.ts',
  timeout: 60_000,
  workers: 1,
  reporter: [['list']],
  outputDir: 'test-results/e2e',
  globalSetup: './test/e2e/global-setup.ts',
  use: {
    launchOptions: {
      executablePath: chromiumPath,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    },
    screenshot: 'only-on-failure',
    trace: 'off',
  },
});
