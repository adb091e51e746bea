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
import { LateBoundJobSender } from '../../src/jobs/queue.ts';
import { startSimulator, type SimulatorHandle } from '../../simulator/index.ts';

export interface TestApp {
  app: FastifyInstance;
  database: Database;
  config: Config;
  redis: Redis | undefined;
  /** Every log line the app wrote, as text. */
  logs: string[];
  /** The Stripe simulator this app talks to (through configuration, like production). */
  sim: SimulatorHandle;
  /** Jobs the app tried to queue (tests run them by hand). */
  jobs: Array<{ name: string; data: object }>;
  close(): Promise<void>;
}

export const testEnv: Record<string, string> = {
  STRIPE_SECRET_KEY: 'sk_test_paydeck_tests',
  STRIPE_PUBLISHABLE_KEY: 'pk_test_paydeck_tests',
  LOG_LEVEL: 'info',
  // Generous limits: rate limiting has its own tests with tight ones.
  RATE_LIMIT_AUTH_PER_MINUTE: '10000',
  RATE_LIMIT_AUTH_PER_EMAIL_PER_HOUR: '10000',
  RATE_LIMIT_PAY_PER_MINUTE: '10000',
  RATE_LIMIT_ADD_CARD_PER_HOUR: '10000',
};

export async function createTestApp(
  options: { env?: Record<string, string>; clock?: Clock; stripeTestMode?: { secretKey: string; publishableKey: string } } = {},
): Promise<TestApp> {
  const sim = await startSimulator({ port: 0, quiet: true, webhookRetryBaseMs: 20 });
  // Stripe test mode (opt-in suite): the real Stripe API instead of the simulator.
  const stripeEnv = options.stripeTestMode
    ? { STRIPE_SECRET_KEY: options.stripeTestMode.secretKey, STRIPE_PUBLISHABLE_KEY: options.stripeTestMode.publishableKey }
    : { STRIPE_API_BASE: sim.url, STRIPE_JS_URL: `${sim.url}/v3/`, STRIPE_SIMULATED: 'true' };
  const config = loadConfig({
    ...testEnv,
    ...stripeEnv,
    ...options.env,
    DATABASE_URL: inject('databaseUrl'),
  });
  // The embedded database serialises every test file's statements: allow long waits for it.
  const database = connectDatabase(inject('databaseUrl'), {
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
  const jobs: Array<{ name: string; data: object }> = [];
  const jobSender = new LateBoundJobSender();
  jobSender.send = async (name, data) => {
    jobs.push({ name, data });
  };
  const app = await buildApp({
    jobs: jobSender,
    config,
    database,
    ...(redis ? { redis } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    logStream,
    rateLimitNamespace: `test-rl-${randomToken(6)}:`,
  });
  await app.ready();
  return {
    app,
    database,
    config,
    redis,
    logs,
    sim,
    jobs,
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
