// The OpenAPI 3 document, generated from the route schemas (the same schemas that validate the
// requests), served at /docs/json, and a Swagger UI page at /docs. Registered before the routes
// so that @fastify/swagger sees every one of them.
import fp from 'fastify-plugin';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema } from 'fastify';
import { NamedSchemas, withoutJsonSchemaOnlyKeywords } from './named-schemas.ts';
import { withDeclaredAccess, type Access } from '../../lib/access.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set on Swagger UI's own routes, whose page needs one inline style allowed by hash. */
    docsPage?: boolean;
  }
}

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
    // Titled sub-schemas of the routes' bodies and responses, as components.schemas (named-schemas.ts).
    const named = new NamedSchemas();
    app.addHook('onRoute', (route) => {
      const schema = route.schema as Record<string, unknown> | undefined;
      if (!schema || schema.hide) return;
      named.collect(schema.body);
      named.collect(schema.response);
    });
    const operationIds = new Map<string, string>();
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
          schemas: named.components,
          securitySchemes: {
            apiKey: {
              type: 'http',
              scheme: 'bearer',
              bearerFormat: 'pd_sk_…',
              description: 'A secret API key created in the console',
            },
            session: {
              type: 'apiKey',
              in: 'cookie',
              name: app.sessionCookieName,
              description: 'Set by POST /api/auth/login',
            },
            csrfToken: {
              type: 'apiKey',
              in: 'header',
              name: 'X-CSRF-Token',
              description: 'csrf_token from GET /api/auth/session',
            },
            metricsToken: {
              type: 'http',
              scheme: 'bearer',
              description: 'METRICS_TOKEN, when one is configured',
            },
          },
        },
      },
      transform: ({ schema, url, route }) => {
        const base = (schema ?? {}) as FastifySchema & Record<string, unknown>;
        if (!DOCUMENTED.test(url)) return { schema: { ...base, hide: true } as FastifySchema, url };
        const methods = [route.method].flat();
        const mutating = methods.some((m) => !['GET', 'HEAD', 'OPTIONS'].includes(m));
        // Security entries follow the route's declaration (server/plugins/access.ts), like the check itself.
        const declared = route.config as { auth?: Access; scope?: string } | undefined;
        let extra: Record<string, unknown> = {};
        if (declared?.auth === 'api_key') {
          const scope = declared.scope;
          extra = {
            security: [{ apiKey: [] }],
            ...(scope
              ? {
                  'x-required-scope': scope,
                  description: [base.description, `Requires the \`${scope}\` scope.`]
                    .filter(Boolean)
                    .join('\n\n'),
                }
              : {}),
          };
        } else if (
          declared?.auth === 'session' ||
          declared?.auth === 'admin' ||
          declared?.auth === 'second_factor'
        ) {
          extra = { security: [mutating ? { session: [], csrfToken: [] } : { session: [] }] };
        } else if (declared?.auth === 'metrics_token') {
          extra = { security: [{ metricsToken: [] }, {}] };
        } else {
          extra = { security: [] };
        }
        // Every documented operation is named (the generated web types are keyed by it), once.
        const operationId = base.operationId;
        const where = `${methods.join(',')} ${url}`;
        if (typeof operationId !== 'string' || !operationId) {
          throw new Error(`OpenAPI: ${where} has no operationId in its schema`);
        }
        const other = operationIds.get(operationId);
        if (other !== undefined && other !== where) {
          throw new Error(`OpenAPI: operationId "${operationId}" is used by ${other} and ${where}`);
        }
        operationIds.set(operationId, where);
        return { schema: { ...named.referenced(base), ...extra } as FastifySchema, url };
      },
      transformObject: (document) =>
        'openapiObject' in document
          ? withoutJsonSchemaOnlyKeywords(document.openapiObject)
          : document.swaggerObject,
    });
    app.addHook('onSend', async (request, reply, payload) => {
      if (request.routeOptions.config.docsPage) {
        const csp = reply.getHeader('content-security-policy');
        if (typeof csp === 'string') {
          reply.header(
            'content-security-policy',
            csp.replace("style-src 'self'", `style-src 'self' ${SWAGGER_UI_STYLE_HASH}`),
          );
        }
      }
      return payload;
    });
    // Swagger UI registers its own routes: all of them are public pages.
    await app.register(withDeclaredAccess({ auth: 'public', docsPage: true }, swaggerUi), {
      routePrefix: '/docs',
      // Swagger UI's page loads only its own scripts and styles from /docs/static: the global
      // CSP ('self') is enough. No validator badge (it would load an image from swagger.io).
      uiConfig: { validatorUrl: null, deepLinking: true, persistAuthorization: false },
      staticCSP: false,
    });
  },
  { name: 'docs', dependencies: ['auth'] },
);
