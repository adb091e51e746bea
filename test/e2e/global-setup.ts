import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { chromiumPath } from '../../playwright.config.ts';
import { startSystem } from '../helpers/system.ts';

// Browser tests need a Chromium (playwright.config.ts finds one); say exactly what to install
// instead of failing obscurely.
// Then the whole system starts once for the run; tests read its URLs from the environment.
export default async function globalSetup(): Promise<() => Promise<void>> {
  // eslint-disable-next-line security/detect-non-literal-fs-filename -- a configured executable path
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `End-to-end tests need Chromium at ${chromiumPath}. Run \`npm install\` (it brings ` +
        '@sparticuz/chromium), install the system one (`sudo apt-get install -y chromium`), or ' +
        'set CHROMIUM_PATH.',
    );
  }
  // The server's logs go to a file the security spec scans for card numbers.
  const logFile = path.resolve('test-results', 'e2e-server.log');
  rmSync(logFile, { force: true });
  // Two retention periods off their defaults: the Privacy Policy page must show these (privacy.spec.ts).
  const system = await startSystem(
    { RETENTION_WEBHOOK_PAYLOADS: '45d', RETENTION_AUDIT_IPS: '60d' },
    { logFile },
  );
  process.env.E2E_LOG_FILE = logFile;
  process.env.E2E_BASE_URL = system.baseUrl;
  process.env.E2E_SIMULATOR_URL = system.simulatorUrl;
  process.env.E2E_DATABASE_URL = system.databaseUrl;
  return () => system.close();
}
