// `npm run audit:verify`: walks the audit hash chain and names the first broken entry.
// Exit code 0 when intact, 2 when broken, 1 when it could not run.
import pino from 'pino';
import { loadConfig } from '../config.ts';
import { loggerOptions } from '../lib/logger.ts';
import { openInfrastructure } from '../server/runtime.ts';
import { verifyAuditChain } from '../modules/audit/audit-log.ts';

async function run(): Promise<number> {
  // Verification needs only the database; Stripe settings are irrelevant here.
  const config = loadConfig({
    STRIPE_SECRET_KEY: 'sk_test_unused_for_audit',
    STRIPE_PUBLISHABLE_KEY: 'pk_test_unused_for_audit',
    ...process.env,
    LOG_LEVEL: 'warn',
  });
  const infra = await openInfrastructure(config, pino(loggerOptions('warn')));
  try {
    const result = await verifyAuditChain(infra.database.db);
    if (result.ok) {
      console.log(`Audit chain intact: ${result.checked} entries verified.`);
      return 0;
    }
    const broken = result.firstBroken!;
    console.error(
      `Audit chain BROKEN at entry ${broken.id} (${broken.reason.replace('_', ' ')}); ` +
        `${result.checked} entries before it verified.`,
    );
    return 2;
  } finally {
    await infra.close();
  }
}

run().then(
  (code) => process.exit(code),
  (err) => {
    console.error('audit:verify failed to run:', err);
    process.exit(1);
  },
);
