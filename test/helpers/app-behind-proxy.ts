// A real Paydeck app whose database connections go through a TcpProxy, so a test can take the
// database away and give it back (a restart, a failover) while requests run. Everything else is
// as in createTestApp: the run's database, real Redis when REDIS_URL is set, the simulator.
import { inject } from 'vitest';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.ts';
import { connectDatabase } from '../../src/db/client.ts';
import { buildApp } from '../../src/server/app.ts';
import { randomToken } from '../../src/lib/crypto.ts';
import type { Clock } from '../../src/lib/clock.ts';
import { LateBoundJobSender } from '../../src/jobs/queue.ts';
import { startSimulator } from '../../simulator/index.ts';
import { testEnv, type QueuedJob, type TestApp } from './app.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

export interface AppBehindProxy extends TestApp {
  proxy: TcpProxy;
}

/**
 * The app, with `proxy.cut()` / `proxy.restore()` between it and PostgreSQL. Jobs are recorded,
 * not run. `routes` adds test-only routes (each declaring who may call it) before the app starts;
 * `clock` replaces the system clock.
 */
export async function createAppBehindProxy(
  options: { routes?: (app: FastifyInstance, proxy: TcpProxy) => void; clock?: Clock } = {},
): Promise<AppBehindProxy> {
  const databaseUrl = inject('databaseUrl');
  const target = new URL(databaseUrl);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const proxiedUrl = proxy.rewrite(databaseUrl);
  const sim = await startSimulator({ port: 0, quiet: true, webhookRetryBaseMs: 20 });
  const config = loadConfig({
    ...testEnv,
    STRIPE_API_BASE: sim.url,
    STRIPE_JS_URL: `${sim.url}/v3/`,
    STRIPE_SIMULATED: 'true',
    DATABASE_URL: proxiedUrl,
  });
  const database = connectDatabase(proxiedUrl, {
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
    jobs.push({ name, data, options, retryCount: 0 });
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
  options.routes?.(app, proxy);
  await app.ready();
  return {
    app,
    database,
    config,
    redis,
    logs,
    sim,
    jobs,
    proxy,
    runJobs() {
      throw new Error('createAppBehindProxy records jobs but does not run them.');
    },
    async close() {
      await proxy.restore();
      await app.close();
      await sim.close();
      await database.close();
      redis?.disconnect();
      await proxy.close();
    },
  };
}
