// Entry point: `npm start` (through scripts/start.ts) or `tsx src/server/main.ts` with settings
// in the environment. Exits with a message naming each bad setting.
import pino from 'pino';
import { ConfigError, loadConfig, loadDotEnv } from '../config.ts';
import { loggerOptions } from '../lib/logger.ts';
import { demoAccounts } from '../modules/demo/seed.ts';
import { startPaydeck } from './runtime.ts';
import { surviveDatabaseOutages } from '../jobs/queue.ts';

export async function main(): Promise<void> {
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
  const running = await startPaydeck(config, { logger });

  const lines = [
    '',
    `  Paydeck is running at ${running.url}  (Stripe: ${config.stripe.mode})`,
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
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 20_000).unref();
    try {
      await running.close();
    } finally {
      clearTimeout(force);
      process.exit(0);
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
