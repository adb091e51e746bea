// The OpenAPI 3 document, generated from the route schemas (the same schemas that validate the
// requests), served at /docs/json, and a Swagger UI page at /docs. Registered before the routes
// so that @fastify/swagger sees every one of them.
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';

/**
 * Swagger UI injects one inline <style> at run time. Only the reference pages allow it, by its
 * hash (not 'unsafe-inline'); the rest of the app keeps style-src 'self'.
 */
const SWAGGER_UI_STYLE_HASH = "'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w='";

/** Which URLs belong in the document: the APIs and operational endpoints, not pages and assets. */
const DOCUMENTED = /^\/(api\/|webhooks\/|healthz$|readyz$|metrics$)/;

export default fp(
  async function docsPlugin(app: FastifyInstance) {
    const { config } = app.ctx;
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'Paydeck API',
          version: '1',
          description:
            'Merchant API (/api/v1): server-to-server, authenticated with a secret API key (`Authorization: Bearer pd_sk_…`) whose scopes ' +
            'must include the one each operation names. Every mutating POST accepts an `Idempotency-Key` header. Amounts are integers in the ' +
            "currency's minor unit; lists are `{data, has_more}` paged with `limit` and `starting_after`. Errors are " +
            '`{"error": {"code", "message", "request_id", "field"?}}`.\n\n' +
            'Customer (/api/…) and operator (/api/admin/…) APIs use the session cookie; their state-changing requests carry the ' +
            '`X-CSRF-Token` header from `GET /api/auth/session`.',
        },
        servers: [{ url: config.publicUrl }],
        components: {
          securitySchemes: {
            apiKey: { type: 'http', scheme: 'bearer', bearerFormat: 'pd_sk_…', description: 'A secret API key created in the console' },
            session: { type: 'apiKey', in: 'cookie', name: app.sessionCookieName, description: 'Set by POST /api/auth/login' },
            csrfToken: { type: 'apiKey', in: 'header', name: 'X-CSRF-Token', description: 'csrf_token from GET /api/auth/session' },
          },
        },
      },
      transform: ({ schema, url, route }) => {
        const base = (schema ?? {}) as FastifySchema & Record<string, unknown>;
        if (!DOCUMENTED.test(url)) return { schema: { ...base, hide: true } as FastifySchema, url };
        const methods = [route.method].flat();
        const mutating = methods.some((m) => !['GET', 'HEAD', 'OPTIONS'].includes(m));
        let extra: Record<string, unknown> = {};
        if (url.startsWith('/api/v1')) {
          const scope = (route.config as { scope?: string } | undefined)?.scope;
          extra = {
            security: [{ apiKey: [] }],
            ...(scope ? { 'x-required-scope': scope, description: [base.description, `Requires the \`${scope}\` scope.`].filter(Boolean).join('\n\n') } : {}),
          };
        } else if (url.startsWith('/api/') && !url.startsWith('/api/auth/login') && !url.startsWith('/api/auth/signup')) {
          extra = { security: [mutating ? { session: [], csrfToken: [] } : { session: [] }] };
        }
        return { schema: { ...base, ...extra } as FastifySchema, url };
      },
    });
    app.addHook('onSend', async (request, reply, payload) => {
      if (request.url === '/docs' || request.url.startsWith('/docs/') || request.url.startsWith('/docs?')) {
        const csp = reply.getHeader('content-security-policy');
        if (typeof csp === 'string') {
          reply.header('content-security-policy', csp.replace("style-src 'self'", `style-src 'self' ${SWAGGER_UI_STYLE_HASH}`));
        }
      }
      return payload;
    });
    await app.register(swaggerUi, {
      routePrefix: '/docs',
      // Swagger UI's page loads only its own scripts and styles from /docs/static: the global
      // CSP ('self') is enough. No validator badge (it would load an image from swagger.io).
      uiConfig: { validatorUrl: null, deepLinking: true, persistAuthorization: false },
      staticCSP: false,
    });
  },
  { name: 'docs', dependencies: ['auth'] },
);
