// Security headers, HTTPS handling, CORS, compression and the caching rules of SPEC.md:
// API and payment responses `no-store`, HTML `no-cache`, content-hashed assets immutable.
import fp from 'fastify-plugin';
import helmet from '@fastify/helmet';
import cors from '@fastify/cors';
import compress from '@fastify/compress';
import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Content-hashed files: cached for a year when found. */
    immutable?: boolean;
    /** Answers plain HTTP too (health checks from inside the network), never redirected. */
    plainHttp?: boolean;
  }
}

/** The origins Stripe.js needs (docs.stripe.com/security/guide#content-security-policy). */
function stripeOrigins(jsUrl: string, apiBase: string | undefined) {
  const extra = new Set<string>();
  extra.add(new URL(jsUrl).origin);
  if (apiBase) extra.add(new URL(apiBase).origin);
  const list = [...extra];
  const unique = (...origins: string[]) => [...new Set(origins)];
  return {
    script: unique('https://js.stripe.com', ...list),
    frame: unique('https://js.stripe.com', 'https://hooks.stripe.com', ...list),
    connect: unique('https://api.stripe.com', ...list),
  };
}

export default fp(
  async function securityPlugin(app: FastifyInstance) {
    const { config } = app.ctx;
    const stripe = stripeOrigins(config.stripe.jsUrl, config.stripe.apiBase);
    const assetOrigin = /^https?:\/\//.test(config.assetBaseUrl)
      ? [new URL(config.assetBaseUrl).origin]
      : [];

    await app.register(helmet, {
      contentSecurityPolicy: {
        useDefaults: false,
        directives: {
          defaultSrc: ["'self'"],
          scriptSrc: ["'self'", ...assetOrigin, ...stripe.script],
          styleSrc: ["'self'", ...assetOrigin],
          imgSrc: ["'self'", 'data:', 'https://*.stripe.com', ...assetOrigin],
          fontSrc: ["'self'", ...assetOrigin],
          connectSrc: ["'self'", ...stripe.connect],
          frameSrc: stripe.frame,
          frameAncestors: ["'none'"],
          formAction: ["'self'"],
          baseUri: ["'self'"],
          objectSrc: ["'none'"],
          ...(config.secureCookies ? { upgradeInsecureRequests: [] } : {}),
        },
      },
      // HSTS only makes sense when we are actually served over HTTPS.
      strictTransportSecurity: config.secureCookies
        ? { maxAge: 31_536_000, includeSubDomains: true }
        : false,
      crossOriginEmbedderPolicy: false,
    });

    if (config.corsOrigins.length > 0) {
      await app.register(cors, {
        origin: config.corsOrigins,
        credentials: true,
        allowedHeaders: ['Content-Type', 'Authorization', 'Idempotency-Key', 'X-CSRF-Token'],
        exposedHeaders: ['Idempotent-Replayed', 'X-Request-Id', 'Retry-After'],
      });
    }

    await app.register(compress, { global: true, threshold: 1024 });

    // Behind a TLS-terminating proxy (TRUST_PROXY), plain HTTP is redirected to HTTPS — always to
    // PUBLIC_URL's origin, never to the Host or X-Forwarded-Host the request sent, which an
    // attacker chooses. Health checks from inside the network keep answering over HTTP.
    if (config.secureCookies && config.trustProxy) {
      app.addHook('onRequest', async (request, reply) => {
        if (request.protocol === 'http' && !request.routeOptions.config.plainHttp) {
          return reply.redirect(`${config.publicOrigin}${request.url}`, 301);
        }
      });
    }

    app.addHook('onSend', async (request, reply, payload) => {
      reply.header('x-request-id', request.id);
      if (reply.hasHeader('cache-control')) return payload;
      if (request.routeOptions.config.immutable) {
        reply.header(
          'cache-control',
          reply.statusCode === 200 ? 'public, max-age=31536000, immutable' : 'no-store',
        );
      } else if (String(reply.getHeader('content-type') ?? '').startsWith('text/html')) {
        reply.header('cache-control', 'no-cache');
      } else {
        reply.header('cache-control', 'no-store');
      }
      return payload;
    });
  },
  { name: 'security', dependencies: [] },
);
