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

export interface TestApp {
  app: FastifyInstance;
  database: Database;
  config: Config;
  redis: Redis | undefined;
  /** Every log line the app wrote, as text. */
  logs: string[];
  close(): Promise<void>;
}

export const testEnv: Record<string, string> = {
  STRIPE_SECRET_KEY: 'sk_test_paydeck_tests',
  STRIPE_PUBLISHABLE_KEY: 'pk_test_paydeck_tests',
  LOG_LEVEL: 'info',
  // Generous limits: rate limiting has its own tests with tight ones.
  RATE_LIMIT_AUTH_PER_MINUTE: '10000',
  RATE_LIMIT_AUTH_PER_EMAIL_PER_HOUR: '10000',
};

export async function createTestApp(
  options: { env?: Record<string, string>; clock?: Clock } = {},
): Promise<TestApp> {
  const config = loadConfig({ ...testEnv, ...options.env, DATABASE_URL: inject('databaseUrl') });
  const database = connectDatabase(inject('databaseUrl'), { max: 5 });
  const redis = process.env.REDIS_URL ? new Redis(process.env.REDIS_URL) : undefined;
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const app = await buildApp({
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
    async close() {
      await app.close();
      await database.close();
      redis?.disconnect();
    },
  };
}

let counter = 0;
export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}.${Date.now().toString(36)}.${process.pid}.${counter++}@example.test`;
}
