// The API-key service, decorated on the root app. Authentication of the merchant API
// (`Authorization: Bearer pd_sk_…`), the scope check and the per-key rate limit run in
// server/plugins/access.ts for every route that declares `config: { auth: 'api_key', scope }`.
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { ApiKeysService } from './service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    apiKeys: ApiKeysService;
  }
}

export default fp(
  async function apiKeysPlugin(app: FastifyInstance) {
    app.decorate('apiKeys', new ApiKeysService(app.ctx.database.db, app.ctx.clock));
  },
  { name: 'api-keys' },
);
