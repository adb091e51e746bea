// The access kinds a route declares (`config: { auth }`), and a helper to declare one for every
// route of a third-party plugin. The declarations are enforced by server/plugins/access.ts.
import type {
  FastifyContextConfig,
  FastifyInstance,
  FastifyPluginAsync,
  FastifyPluginCallback,
  FastifyPluginOptions,
} from 'fastify';

/**
 * - `public`: anyone; no identity is read (health, configuration, legal texts, catalog, pages).
 * - `visitor`: anyone; a session is read when its cookie is sent (sign-in, sign-up, session).
 * - `session`: a signed-in user (customer or operator), by session cookie.
 * - `admin`: a signed-in operator (with a second factor when OPERATOR_MFA=required, ADR 023).
 * - `second_factor`: a sign-in whose password was right and whose second factor is still to come
 *   (the sign-in's second step, and nothing else).
 * - `api_key`: the merchant API: `Authorization: Bearer pd_sk_…` holding the route's `scope`.
 * - `stripe_signature`: Stripe's webhook deliveries; the handler verifies the signature on the
 *   raw body before any work.
 * - `metrics_token`: Prometheus; `Authorization: Bearer <METRICS_TOKEN>` when one is configured.
 */
export const ACCESS_KINDS = [
  'public',
  'visitor',
  'session',
  'admin',
  'second_factor',
  'api_key',
  'stripe_signature',
  'metrics_token',
] as const;
export type Access = (typeof ACCESS_KINDS)[number];

/** Registers an encapsulated plugin whose routes (a third party's, e.g. Swagger UI) all get one declaration. */
export function withDeclaredAccess<Options extends FastifyPluginOptions>(
  declaration: { auth: Access } & FastifyContextConfig,
  plugin: FastifyPluginAsync<Options> | FastifyPluginCallback<Options>,
) {
  return async function declared(app: FastifyInstance, options: Options) {
    app.addHook('onRoute', (route) => {
      route.config = { ...declaration, ...route.config };
    });
    await app.register(plugin, options);
  };
}
