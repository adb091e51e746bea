// Assembles a running Paydeck from a Config: database (embedded or external), migrations,
// Redis, the HTTP app, the job queue and demo data. Used by main.ts, the worker and tests.
import { machineClock } from '../lib/clock.ts';
import { deliverMerchantWebhooksJob } from '../modules/merchant-webhooks/jobs.ts';
import { sendCustomerEmailsJob } from '../modules/customer-emails/jobs.ts';
import path from 'node:path';
import { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { connectDatabase, type Database } from '../db/client.ts';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../db/embedded.ts';
import { migrateDatabase } from '../db/migrate.ts';
import { walkEncryptedTables } from '../db/key-rotation.ts';
import {
  LateBoundJobSender,
  startJobQueue,
  type JobDefinition,
  type JobQueue,
} from '../jobs/queue.ts';
import { idempotencyReaperJob } from '../modules/idempotency/plugin.ts';
import { offSessionRetryJob, settleStaleJob, syncPaymentJob } from '../modules/payments/jobs.ts';
import { REDRIVE_AFTER_MS, SETTLE_STALE_JOB } from '../modules/payments/job-names.ts';
import { syncRefundJob } from '../modules/refunds/jobs.ts';
import { loggerOptions } from '../lib/logger.ts';
import { installKeyRing } from '../lib/personal-data.ts';
import { buildApp } from './app.ts';
import { sessionPurgeJob } from '../modules/auth/jobs.ts';
import { seedDemoData } from '../modules/demo/seed.ts';
import { processWebhookJob, sweepWebhooksJob } from '../modules/webhooks/jobs.ts';
import { registerSimulatorEndpoint } from '../modules/webhooks/registration.ts';
import { reconcileJob } from '../modules/reconciliation/jobs.ts';
import { evaluateAlertsJob } from '../modules/alerts/jobs.ts';
import { retentionJob } from '../modules/retention/jobs.ts';

export interface Infrastructure {
  database: Database;
  databaseUrl: string;
  redis: Redis | undefined;
  embedded: EmbeddedDatabase | undefined;
  close(): Promise<void>;
}

/** Opens the database (starting the embedded one if DATABASE_URL is unset), migrates, connects Redis. */
export async function openInfrastructure(
  config: Config,
  logger: Logger,
  options: { embeddedInMemory?: boolean } = {},
): Promise<Infrastructure> {
  installKeyRing(config, (message) => logger.warn(message));
  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    const dataDir = options.embeddedInMemory ? undefined : path.join(config.dataDir, 'pg');
    logger.info({ dataDir: dataDir ?? 'memory' }, 'starting embedded PostgreSQL (PGlite)');
    embedded = await startEmbeddedDatabase(dataDir ? { dataDir } : {});
    databaseUrl = embedded.url;
  }
  // The embedded database runs one statement batch at a time, so waits for it are longer.
  const database = connectDatabase(databaseUrl, {
    max: 20,
    ...(embedded ? { connectionTimeoutMs: 60_000 } : {}),
  });
  await migrateDatabase(database.pool);
  // Rows written before personal data was encrypted (ADR 027) are encrypted once, here.
  const converted = await walkEncryptedTables(database.db, 'plaintext');
  const changed = converted.tables.reduce((n, t) => n + t.changed, 0);
  if (changed) logger.info({ rows: changed }, 'personal data written before encryption encrypted');
  const redis = config.redisUrl
    ? new Redis(config.redisUrl, {
        maxRetriesPerRequest: 2,
        connectTimeout: 2000,
        enableOfflineQueue: true,
      })
    : undefined;
  redis?.on('error', (err) => logger.warn({ err: err.message }, 'redis error'));
  return {
    database,
    databaseUrl,
    redis,
    embedded,
    async close() {
      redis?.disconnect();
      await database.close();
      await embedded?.close();
    },
  };
}

export function allJobs(app: FastifyInstance): JobDefinition<never>[] {
  const { services, ctx } = app;
  const logger = app.log as unknown as Logger;
  return [
    sessionPurgeJob(
      services.sessions,
      logger,
      // Sessions expire in the machine's time, whatever the test clock says (ADR 031).
      machineClock(ctx.clock),
      ctx.config.retention.expiredSessions,
    ),
    idempotencyReaperJob(services.idempotency, ctx.clock, ctx.config.retention.idempotencyKeys),
    syncPaymentJob(services.payments),
    syncRefundJob(services.refunds),
    offSessionRetryJob(services.payments),
    settleStaleJob(services, logger),
    processWebhookJob(services.webhooks),
    sweepWebhooksJob(services.webhooks),
    reconcileJob(services.reconciliation),
    evaluateAlertsJob(services.alerts),
    retentionJob(services.retention),
    deliverMerchantWebhooksJob(services.merchantWebhooks),
    sendCustomerEmailsJob(services.customerEmails),
  ] as JobDefinition<never>[];
}

export interface RunningPaydeck {
  app: FastifyInstance;
  infra: Infrastructure;
  jobs: JobQueue;
  url: string;
  seeded: boolean;
  close(): Promise<void>;
}

export async function startPaydeck(
  config: Config,
  options: {
    logger?: Logger;
    embeddedInMemory?: boolean;
    logStream?: NodeJS.WritableStream;
    rateLimitNamespace?: string;
  } = {},
): Promise<RunningPaydeck> {
  const logger = options.logger ?? pino(loggerOptions(config.logLevel));
  const infra = await openInfrastructure(config, logger, options);
  const jobSender = new LateBoundJobSender();
  const app = await buildApp({
    config,
    database: infra.database,
    jobs: jobSender,
    ...(infra.redis ? { redis: infra.redis } : {}),
    ...(options.logStream ? { logStream: options.logStream } : {}),
    ...(options.rateLimitNamespace ? { rateLimitNamespace: options.rateLimitNamespace } : {}),
  });
  const jobs = await startJobQueue({
    connectionString: infra.databaseUrl,
    jobs: allJobs(app),
    work: config.runWorkers,
    logger,
  });
  jobSender.attach(jobs);
  app.readinessChecks.set('job_queue', () => jobs.ping());
  // After a crash, payments left `creating`/`unknown` are settled now and once more when the
  // youngest of them is old enough to re-drive, not only at the next minute's sweep.
  await jobs.send(SETTLE_STALE_JOB, {});
  await jobs.send(SETTLE_STALE_JOB, {}, { startAfter: Math.ceil(REDRIVE_AFTER_MS / 1000) + 2 });
  const seeded = config.seedDemoData ? await seedDemoData(app.services.auth) : false;
  if (config.seedDemoData) await app.services.catalog.seedDemo();
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const url = `${config.tls ? 'https' : 'http'}://localhost:${port}`;
  if (config.stripe.mode === 'simulated') {
    try {
      await registerSimulatorEndpoint(
        app.services.provider,
        config.publicUrl,
        app.services.webhookSecrets,
        config.dataDir,
      );
    } catch (err) {
      // Not fatal: the reconciler settles payments without webhooks, only later.
      logger.error({ err }, 'could not register the webhook endpoint at the simulator');
    }
  }

  let closing: Promise<void> | undefined;
  return {
    app,
    infra,
    jobs,
    url,
    seeded,
    close() {
      closing ??= (async () => {
        await app.close();
        await jobs.stop();
        await infra.close();
      })();
      return closing;
    },
  };
}
