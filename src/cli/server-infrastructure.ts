// What every maintenance command (admin:create, admin:reset-mfa, audit:verify, keys:rotate,
// retention) needs: the running server's configuration — `.env` read as `npm start` reads it, so
// the database and the data-encryption key ring are the server's (a key ring set only in .env and
// missed here would encrypt with another key) — and its database. Stripe is never called, so its
// keys may be placeholders; no job workers start.
import pino from 'pino';
import { ConfigError, loadConfig, loadDotEnv, type Config } from '../config.ts';
import { isDatabaseUnavailable } from '../db/client.ts';
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

/**
 * Runs a maintenance command and exits with its code. When it cannot run, the operator gets one
 * line saying why: an unreachable database names where it was looked for (host and port, never
 * the URL, which may hold a password), a bad setting names the setting; anything else is a bug
 * and keeps its stack.
 */
export function runMaintenanceCommand(tool: string, run: () => Promise<number>): void {
  run().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`${tool} could not run: ${whyItCouldNotRun(err)}`);
      process.exit(1);
    },
  );
}

function whyItCouldNotRun(err: unknown): string {
  if (err instanceof ConfigError) return err.message;
  if (isDatabaseUnavailable(err)) {
    const { address, port, code } = err as { address?: string; port?: number; code?: string };
    const where = address ? ` at ${address}${port ? `:${port}` : ''}` : '';
    return (
      `the database${where} is not reachable${code ? ` (${code})` : ''}. ` +
      'Is PostgreSQL running, and does DATABASE_URL (or .env) name it?'
    );
  }
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
