// A real Paydeck app whose database connections go through a TcpProxy, so a test can take the
// database away and give it back (a restart, a failover) while requests run. Everything else is
// createTestApp: the run's database (behind the proxy), real Redis when REDIS_URL is set, the
// simulator, jobs recorded and runnable.
import { inject } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../src/lib/clock.ts';
import { createTestApp, type TestApp } from './app.ts';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.ts';

export interface AppBehindProxy extends TestApp {
  proxy: TcpProxy;
}

/**
 * The app, with `proxy.cut()` / `proxy.restore()` between it and PostgreSQL. `routes` adds
 * test-only routes (each declaring who may call it) before the app starts; `clock` replaces the
 * system clock; `env` adds settings (as createTestApp's).
 */
export async function createAppBehindProxy(
  options: {
    routes?: (app: FastifyInstance, proxy: TcpProxy) => void;
    clock?: Clock;
    env?: Record<string, string>;
  } = {},
): Promise<AppBehindProxy> {
  const databaseUrl = inject('databaseUrl');
  const target = new URL(databaseUrl);
  const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const t = await createTestApp({
    databaseUrl: proxy.rewrite(databaseUrl),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.env ? { env: options.env } : {}),
    ...(options.routes ? { routes: (app: FastifyInstance) => options.routes!(app, proxy) } : {}),
  });
  return {
    ...t,
    proxy,
    async close() {
      await proxy.restore();
      await t.close();
      await proxy.close();
    },
  };
}
