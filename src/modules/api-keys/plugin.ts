// Authentication of the merchant API (/api/v1/*): `Authorization: Bearer pd_sk_…`, checked
// before anything else runs, then the scope the route declares (`config: { scope }`), then the
// per-key rate limit. Cookie sessions play no part here (auth/plugin.ts skips /api/v1).
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { rateLimit } from '../../lib/rate-limits.ts';
import { ApiKeysService, insufficientScope, type ApiKeyScope } from './service.ts';

/** Requests per key per second: Stripe's own default live-mode limit. */
const REQUESTS_PER_KEY_PER_SECOND = 100;

declare module 'fastify' {
  interface FastifyInstance {
    apiKeys: ApiKeysService;
  }
  interface FastifyContextConfig {
    /** The API-key scope a /api/v1 route needs. A v1 route without one refuses every key. */
    scope?: ApiKeyScope;
  }
}

export function isMerchantApi(url: string): boolean {
  return url === '/api/v1' || url.startsWith('/api/v1/') || url.startsWith('/api/v1?');
}

export default fp(
  async function apiKeysPlugin(app: FastifyInstance) {
    const service = new ApiKeysService(app.ctx.database.db, app.ctx.clock);
    app.decorate('apiKeys', service);
    const perKey = rateLimit(app, {
      name: 'api:key',
      max: REQUESTS_PER_KEY_PER_SECOND,
      windowMs: 1000,
      key: (request) => request.apiKey?.id,
    });

    app.addHook('onRequest', async (request) => {
      if (!isMerchantApi(request.url)) return;
      const header = request.headers.authorization;
      const key = await service.authenticate(Array.isArray(header) ? header[0] : header);
      request.apiKey = key;
      request.idempotencyScope = `api_key:${key.id}`;
      await perKey(request);
      if (request.is404) return; // the not-found handler answers
      const scope = request.routeOptions.config.scope;
      if (!scope || !key.scopes.includes(scope)) throw insufficientScope(scope);
    });
  },
  { name: 'api-keys', dependencies: ['auth'] },
);
