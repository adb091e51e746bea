// Entry point: `npm start` (through scripts/start.ts) or `tsx src/server/main.ts` with settings
// in the environment. Exits with a message naming each bad setting.
import pino from 'pino';
import { ConfigError, loadConfig, loadDotEnv } from '../config.ts';
import { loggerOptions } from '../lib/logger.ts';
import { stopTracing } from '../lib/tracing.ts';
import { demoAccounts } from '../modules/demo/seed.ts';
import { startPaydeck } from './runtime.ts';
import { surviveDatabaseOutages } from '../jobs/queue.ts';

/**
 * Starts the server. `afterClose` runs once the server has stopped on a signal (scripts/start.ts
 * stops the in-process Stripe simulator there, after the last in-flight payment has its answer).
 */
export async function main(options: { afterClose?: () => Promise<void> } = {}): Promise<void> {
  loadDotEnv();
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Paydeck cannot start.\n${err.message}\nSee .env.example for every setting.`);
      process.exit(1);
    }
    throw err;
  }
  const logger = pino(loggerOptions(config.logLevel));
  surviveDatabaseOutages(logger);
  let running;
  try {
    running = await startPaydeck(config, { logger });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      console.error(
        `Paydeck cannot start: port ${config.port} on ${config.host} is already in use. ` +
          'Stop what is using it, or set PORT to a free port (e.g. PORT=3001 npm start).',
      );
      process.exit(1);
    }
    throw err;
  }

  const lines = [
    '',
    `  Paydeck is running at ${process.env.PUBLIC_URL ? config.publicUrl : running.url}  (Stripe: ${config.stripe.mode})`,
    `  Database: ${config.databaseUrl ? 'DATABASE_URL' : `embedded PGlite in ${config.dataDir}/pg`}; Redis: ${config.redisUrl ? 'REDIS_URL' : 'not configured (in-memory rate limits)'}`,
  ];
  if (config.seedDemoData) {
    lines.push('  Demo sign-in:');
    for (const a of demoAccounts)
      lines.push(`    ${a.role.padEnd(8)} ${a.email}  /  ${a.password}`);
  }
  console.log(lines.join('\n') + '\n');

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, graceMs: config.shutdownGraceMs }, 'shutting down');
    // Past the grace period the process exits 1: whatever was still running is settled by the
    // sweeper at the next start (ADR 014), and the orchestrator learns it was not clean.
    const force = setTimeout(() => {
      logger.error({ signal }, 'shutdown grace period over; exiting with work still running');
      process.exit(1);
    }, config.shutdownGraceMs).unref();
    let code = 0;
    try {
      // Stops accepting (new requests get 503), answers every in-flight request, lets running
      // jobs finish, then closes the pools.
      await running.close();
      await options.afterClose?.();
      // The last requests' spans, still buffered, are exported before the process ends.
      await stopTracing();
      logger.info({ signal }, 'stopped');
    } catch (err) {
      logger.error({ err }, 'shutdown failed');
      code = 1;
    } finally {
      clearTimeout(force);
      process.exit(code);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

const isEntry = process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (isEntry) {
  main().catch((err) => {
    console.error('Paydeck failed to start:', err);
    process.exit(1);
  });
}
