// What every maintenance command (admin:create, admin:reset-mfa, audit:verify, keys:rotate,
// retention) needs: the running server's configuration — `.env` read as `npm start` reads it, so
// the database and the data-encryption key ring are the server's (a key ring set only in .env and
// missed here would encrypt with another key) — and its database. Stripe is never called, so its
// keys may be placeholders; no job workers start.
import pino from 'pino';
import { loadConfig, loadDotEnv, type Config } from '../config.ts';
import { loggerOptions } from '../lib/logger.ts';
import { openInfrastructure } from '../server/runtime.ts';

export async function openServerInfrastructure(tool: string) {
  loadDotEnv();
  const config: Config = loadConfig({
    STRIPE_SECRET_KEY: `sk_test_unused_for_${tool}`,
    STRIPE_PUBLISHABLE_KEY: `pk_test_unused_for_${tool}`,
    ...process.env,
    LOG_LEVEL: 'warn',
    RUN_WORKERS: 'false',
  });
  const infra = await openInfrastructure(config, pino(loggerOptions('warn')));
  return { config, infra };
}
