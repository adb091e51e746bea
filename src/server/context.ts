// The infrastructure every part of the app may use — configuration, database, Redis, clock —
// decorated on the Fastify instance as `app.ctx`. The domain services are built from it once,
// in services.ts (`app.services`); nothing here knows about a business component.
import type { Redis } from 'ioredis';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import type { Clock } from '../lib/clock.ts';

export interface AppContext {
  config: Config;
  database: Database;
  redis: Redis | undefined;
  clock: Clock;
  /** Prefix for shared rate-limit counters, so parallel test apps do not share them. */
  rateLimitNamespace: string;
  /** The Redis key of the session cache's revocation counter (ADR 029): one per deployment. */
  sessionCacheKey: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    ctx: AppContext;
  }
}
