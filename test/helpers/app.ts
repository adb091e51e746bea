// Builds a real Paydeck app for a test file: real database (the run's), real Redis when
// REDIS_URL is set, real plugins. Requests go through `inject` or a real port.
import { inject } from 'vitest';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/config.ts';
import { connectDatabase, type Database } from '../../src/db/client.ts';
import { buildApp } from '../../src/server/app.ts';
import type { Clock } from '../../src/lib/clock.ts';
import { randomToken } from '../../src/lib/crypto.ts';
import {
  DEFAULT_RETRY_LIMIT,
  LateBoundJobSender,
  type JobDefinition,
} from '../../src/jobs/queue.ts';
import { allJobs } from '../../src/server/runtime.ts';
import { startSimulator, type SimulatorHandle } from '../../simulator/index.ts';
import { TEST_DATA_ENCRYPTION_KEYS } from './keys.ts';

export interface TestApp {
  app: FastifyInstance;
  database: Database;
  config: Config;
  redis: Redis | undefined;
  /** Every log line the app wrote, as text. */
  logs: string[];
  /** The Stripe simulator this app talks to (through configuration, like production). */
  sim: SimulatorHandle;
  /** Jobs the app tried to queue and nobody has run yet (tests run them with `runJobs`). */
  jobs: QueuedJob[];
  /**
   * Works queued jobs (those `filter` picks, all by default) through the real handlers the worker
   * runs (`allJobs`), as pg-boss would: the data goes through JSON, and a job whose handler throws
   * is queued again with its retry count raised, until its definition's retry limit. Jobs the
   * handlers send are queued for a later call. `startAfter` is not waited for: a test runs a
   * job when it means its time to have come.
   */
  runJobs(filter?: (job: QueuedJob) => boolean): Promise<JobRun[]>;
  close(): Promise<void>;
}

/** A job the app sent: what pg-boss would have been given. */
export interface QueuedJob {
  name: string;
  data: object;
  options: { startAfter?: Date | number; singletonKey?: string };
  /** How many times a worker has already failed it (pg-boss's retryCount). */
  retryCount: number;
}

/** One job worked by `runJobs`: ok, or the error its handler threw. */
export interface JobRun {
  name: string;
  data: object;
  retryCount: number;
  ok: boolean;
  error?: string;
  /** Whether it was queued again for another try. */
  retried: boolean;
}

/**
 * `options` and `retryCount` are readable but not enumerable, so a test comparing a queued job
 * with `{ name, data }` (toEqual, toContainEqual) still matches it.
 */
function queuedJob(
  name: string,
  data: object,
  options: QueuedJob['options'],
  retryCount: number,
): QueuedJob {
  return Object.defineProperties(
    { name, data },
    { options: { value: options }, retryCount: { value: retryCount } },
  ) as QueuedJob;
}

export const testEnv: Record<string, string> = {
  STRIPE_SECRET_KEY: 'sk_test_paydeck_tests',
  STRIPE_PUBLISHABLE_KEY: 'pk_test_paydeck_tests',
  LOG_LEVEL: 'info',
  // Generous limits: rate limiting has its own tests with tight ones.
  RATE_LIMIT_AUTH_PER_MINUTE: '10000',
  RATE_LIMIT_AUTH_PER_EMAIL_PER_HOUR: '10000',
  RATE_LIMIT_PASSWORD_RESET_PER_EMAIL_PER_HOUR: '10000',
  RATE_LIMIT_PAY_PER_MINUTE: '10000',
  RATE_LIMIT_ADD_CARD_PER_HOUR: '10000',
  // The access test's route walk sends thousands of requests per key within seconds.
  RATE_LIMIT_API_KEY_PER_SECOND: '100000',
  DATA_ENCRYPTION_KEYS: TEST_DATA_ENCRYPTION_KEYS,
};

export interface TestAppOptions {
  env?: Record<string, string>;
  clock?: Clock;
  stripeTestMode?: { secretKey: string; publishableKey: string };
  /** Where the app connects (default: the run's database); e.g. a TcpProxy in front of it. */
  databaseUrl?: string;
  /**
   * The session cache's revocation counter (Redis). Each app gets its own by default, so another
   * test file's sign-outs never empty its cache; apps playing one deployment share one.
   */
  sessionCacheKey?: string;
  /** Test-only routes (each declaring who may call it), added before the app starts. */
  routes?: (app: FastifyInstance) => void;
}

export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const databaseUrl = options.databaseUrl ?? inject('databaseUrl');
  const sim = await startSimulator({ port: 0, quiet: true, webhookRetryBaseMs: 20 });
  // Stripe test mode (opt-in suite): the real Stripe API instead of the simulator.
  const stripeEnv = options.stripeTestMode
    ? {
        STRIPE_SECRET_KEY: options.stripeTestMode.secretKey,
        STRIPE_PUBLISHABLE_KEY: options.stripeTestMode.publishableKey,
      }
    : { STRIPE_API_BASE: sim.url, STRIPE_JS_URL: `${sim.url}/v3/`, STRIPE_SIMULATED: 'true' };
  const config = loadConfig({
    ...testEnv,
    ...stripeEnv,
    ...options.env,
    DATABASE_URL: databaseUrl,
  });
  // The embedded database serialises every test file's statements: allow long waits for it.
  const database = connectDatabase(databaseUrl, {
    max: 5,
    ...(process.env.DATABASE_URL ? {} : { connectionTimeoutMs: 60_000 }),
  });
  const redis = process.env.REDIS_URL ? new Redis(process.env.REDIS_URL) : undefined;
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const jobs: QueuedJob[] = [];
  const jobSender = new LateBoundJobSender();
  jobSender.send = async (name, data, options = {}) => {
    jobs.push(queuedJob(name, data, options, 0));
  };
  jobSender.sendMany = async (name, many, options = {}) => {
    for (const { data, singletonKey } of many)
      jobs.push(
        queuedJob(name, data, { ...(singletonKey ? { singletonKey } : {}), ...options }, 0),
      );
  };
  const app = await buildApp({
    jobs: jobSender,
    config,
    database,
    ...(redis ? { redis } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    logStream,
    rateLimitNamespace: `test-rl-${randomToken(6)}:`,
    sessionCacheKey: options.sessionCacheKey ?? `test-sessions-${randomToken(6)}`,
  });
  options.routes?.(app);
  await app.ready();
  const definitions = new Map<string, JobDefinition>(
    allJobs(app).map((job) => [job.name, job as unknown as JobDefinition]),
  );
  let jobIds = 0;
  return {
    app,
    database,
    config,
    redis,
    logs,
    sim,
    jobs,
    async runJobs(filter = () => true) {
      const due = jobs.filter(filter);
      for (const job of due) jobs.splice(jobs.indexOf(job), 1);
      const runs: JobRun[] = [];
      for (const job of due) {
        const definition = definitions.get(job.name);
        if (!definition)
          throw new Error(`No worker handles the job "${job.name}" (it is not in allJobs).`);
        try {
          await definition.handler(JSON.parse(JSON.stringify(job.data)) as object, {
            id: `test-job-${++jobIds}`,
            retryCount: job.retryCount,
          });
          runs.push({
            name: job.name,
            data: job.data,
            retryCount: job.retryCount,
            ok: true,
            retried: false,
          });
        } catch (err) {
          const retried = job.retryCount < (definition.retryLimit ?? DEFAULT_RETRY_LIMIT);
          if (retried) jobs.push(queuedJob(job.name, job.data, job.options, job.retryCount + 1));
          runs.push({
            name: job.name,
            data: job.data,
            retryCount: job.retryCount,
            ok: false,
            error: (err as Error).message,
            retried,
          });
        }
      }
      return runs;
    },
    async close() {
      await app.close();
      await sim.close();
      await database.close();
      redis?.disconnect();
    },
  };
}

let counter = 0;
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}.${Date.now().toString(36)}.${process.pid}.${counter++}@example.test`;
}
