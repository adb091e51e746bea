// `npm run db:migrate`: applies pending migrations to DATABASE_URL (or the embedded database).
import pino from 'pino';
import { loadConfig, loadDotEnv } from '../config.ts';
import { loggerOptions } from '../lib/logger.ts';
import { openInfrastructure } from '../server/runtime.ts';

loadDotEnv();
const config = loadConfig({
  STRIPE_SECRET_KEY: 'sk_test_unused_for_migrations',
  STRIPE_PUBLISHABLE_KEY: 'pk_test_unused_for_migrations',
  ...process.env,
});
const infra = await openInfrastructure(config, pino(loggerOptions('warn')));
await infra.close();
console.log('Migrations applied.');
