// `npm run worker`: works background jobs without serving HTTP, for scaling workers apart from
// web servers. Any number of workers and servers can share one PostgreSQL.
import pino, { type Logger } from 'pino';
import { ConfigError, loadConfig, loadDotEnv } from '../config.ts';
import { loggerOptions } from '../lib/logger.ts';
import { stopTracing } from '../lib/tracing.ts';
import { buildApp } from '../server/app.ts';
import { allJobs, openInfrastructure } from '../server/runtime.ts';
import { LateBoundJobSender, startJobQueue, surviveDatabaseOutages } from './queue.ts';

async function run(): Promise<void> {
  loadDotEnv();
  // A worker works jobs whatever the servers are told (RUN_WORKERS=false leaves jobs to workers):
  // what depends on it, such as the database watch, runs here.
  const config = loadConfig({ ...process.env, RUN_WORKERS: 'true' });
  const logger: Logger = pino(loggerOptions(config.logLevel));
  surviveDatabaseOutages(logger);
  const infra = await openInfrastructure(config, logger);
  // The app is built (not listened on) so jobs use exactly the services the HTTP side uses.
  const jobSender = new LateBoundJobSender();
  const app = await buildApp({
    config,
    database: infra.database,
    jobs: jobSender,
    ...(infra.redis ? { redis: infra.redis } : {}),
  });
  await app.ready();
  const jobs = await startJobQueue({
    connectionString: infra.databaseUrl,
    jobs: allJobs(app),
    work: true,
    logger,
  });
  jobSender.attach(jobs);
  logger.info('worker started');
  const stop = async () => {
    await jobs.stop();
    await app.close();
    await infra.close();
    await stopTracing();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

run().catch((err) => {
  if (err instanceof ConfigError) console.error(`Paydeck worker cannot start.\n${err.message}`);
  else console.error('Paydeck worker failed:', err);
  process.exit(1);
});
