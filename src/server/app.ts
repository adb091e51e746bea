// Builds the Fastify application: a plugin tree that can be exercised with `inject` in tests
// without listening on a port. Every domain service is built once by createServices
// (services.ts) and decorated as `app.services`; plugins and routes only take from it.
// Start-up concerns (database, migrations, job queue, listening) live in runtime.ts.
import { readFileSync } from 'node:fs';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { OffsetClock, systemClock, type Clock } from '../lib/clock.ts';
import { SESSION_EPOCH_KEY } from '../modules/auth/session-cache.ts';
import { randomToken } from '../lib/crypto.ts';
import { tooManyRequests } from '../lib/errors.ts';
import { acceptedRequestId, loggerOptions } from '../lib/logger.ts';
import { countStatementsFor } from '../lib/metrics.ts';
import { traceIdOf, tracingStarted } from '../lib/tracing.ts';
import type { Redis } from 'ioredis';
import type { AppContext } from './context.ts';
import { installKeyRing } from '../lib/personal-data.ts';
import errorsPlugin, { clientErrorResponse, routeFrameworkError } from './plugins/errors.ts';
import validationPlugin from './plugins/validation.ts';
import securityPlugin from './plugins/security.ts';
import accessPlugin from './plugins/access.ts';
import webAppPlugin from './plugins/web-app.ts';
import gracefulClosePlugin from './plugins/graceful-close.ts';
import authPlugin from '../modules/auth/plugin.ts';
import authRoutes from '../modules/auth/routes.ts';
import checkoutRoutes from '../modules/checkout/routes.ts';
import { adminSessionRoutes, securityRoutes } from '../modules/auth/security-routes.ts';
import legalRoutes from '../modules/legal/routes.ts';
import healthRoutes from '../modules/health/routes.ts';
import configRoutes from '../modules/health/config-routes.ts';
import idempotencyPlugin from '../modules/idempotency/plugin.ts';
import { adminCatalogRoutes, catalogRoutes } from '../modules/catalog/routes.ts';
import orderRoutes from '../modules/orders/routes.ts';
import paymentMethodRoutes from '../modules/payment-methods/routes.ts';
import accountRoutes from '../modules/account/routes.ts';
import { LateBoundJobSender } from '../jobs/queue.ts';
import type { PaymentProvider } from '../stripe/provider.ts';
import { StripeProvider } from '../stripe/stripe-provider.ts';
import { createServices } from './services.ts';
import apiKeyAdminRoutes from '../modules/api-keys/routes.ts';
import merchantApiRoutes from '../modules/merchant-api/routes.ts';
import {
  adminWebhookEndpointRoutes,
  merchantWebhookRoutes,
} from '../modules/merchant-webhooks/routes.ts';
import adminRoutes from '../modules/admin/routes.ts';
import { adminCustomerRoutes, merchantCustomerRoutes } from '../modules/customers/routes.ts';
import {
  adminPaymentRoutes,
  customerPaymentRoutes,
  merchantPaymentRoutes,
} from '../modules/payments/routes.ts';
import { adminRefundRoutes, merchantRefundRoutes } from '../modules/refunds/routes.ts';
import docsPlugin from '../modules/docs/plugin.ts';
import type { Logger } from 'pino';
import webhooksPlugin from '../modules/webhooks/plugin.ts';
import reconciliationPlugin from '../modules/reconciliation/plugin.ts';
import metricsPlugin from '../modules/metrics/plugin.ts';
import auditSealerPlugin from '../modules/audit/sealer.ts';
import alertsPlugin from '../modules/alerts/plugin.ts';
import testClockPlugin from '../modules/test-clock/plugin.ts';
import { adminTestClockRoutes } from '../modules/test-clock/routes.ts';
import { adminDashboardRoutes } from '../modules/dashboard/routes.ts';
import stripeCallsPlugin from '../modules/dashboard/stripe-calls-plugin.ts';
import { StripeCallRecorder } from '../modules/dashboard/stripe-calls.ts';

export interface BuildAppOptions {
  config: Config;
  database: Database;
  redis?: Redis;
  clock?: Clock;
  /** pino options, or false to silence logs; a stream for tests that read the logs. */
  logger?: boolean | Record<string, unknown>;
  logStream?: NodeJS.WritableStream;
  rateLimitNamespace?: string;
  /** The session cache's revocation counter in Redis; tests give each app group its own. */
  sessionCacheKey?: string;
  /** The payment provider; by default Stripe (or the simulator) from the configuration. */
  provider?: PaymentProvider;
  /** Forwards jobs to the queue once it is attached (runtime.ts does that after start-up). */
  jobs?: LateBoundJobSender;
}

export function providerFromConfig(
  config: Config,
  stripeCalls?: StripeCallRecorder,
): PaymentProvider {
  return new StripeProvider({
    secretKey: config.stripe.secretKey!,
    apiBase: config.stripe.apiBase,
    timeoutMs: config.stripe.timeoutMs,
    maxNetworkRetries: config.stripe.maxNetworkRetries,
    onCall: stripeCalls && ((operation, ms, failed) => stripeCalls.record(operation, ms, failed)),
  });
}

function readTls(tls: { certFile: string; keyFile: string }) {
  // Paths come from the operator's configuration, never from a request.
  /* eslint-disable security/detect-non-literal-fs-filename */
  return { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) };
  /* eslint-enable security/detect-non-literal-fs-filename */
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const logOptions = loggerOptions(config.logLevel);
  const app = Fastify({
    logger:
      options.logger === false
        ? false
        : options.logStream
          ? { ...logOptions, stream: options.logStream }
          : logOptions,
    // A valid X-Request-Id from the caller or the proxy in front is kept (answered in the header
    // of the same name, security.ts), so one id follows a request through every log.
    genReqId: (req) => acceptedRequestId(req.headers['x-request-id']) ?? `req_${randomToken(12)}`,
    // With tracing off, request logs still carry the caller's trace id from a valid `traceparent`;
    // with it on, every line gets the ids of its own span instead (logger.ts, ADR 021).
    childLoggerFactory(logger, bindings, childOptions, req) {
      const traceId = tracingStarted() ? undefined : traceIdOf(req.headers.traceparent);
      return logger.child(traceId ? { ...bindings, trace_id: traceId } : bindings, childOptions);
    },
    // Request lines are logged by our own hook below (rounded timings, route pattern only).
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: config.trustProxy,
    bodyLimit: 64 * 1024,
    routerOptions: { maxParamLength: 200 },
    // URLs the router refuses (bad percent-encoding, over-long parameters) get our error and headers.
    frameworkErrors: routeFrameworkError,
    // Requests Node's parser refuses (e.g. headers over 16 KB) get our error shape too.
    clientErrorHandler: clientErrorResponse,
    ...(config.tls ? { https: readTls(config.tls) } : {}),
  });

  // Personal data is sealed and opened by the repositories under this ring (ADR 027).
  installKeyRing(config, (message) => app.log.warn(message));
  const ctx: AppContext = {
    config,
    database: options.database,
    redis: options.redis,
    // With the simulator, Paydeck's clock can travel forward with it (ADR 031).
    clock:
      config.stripe.mode === 'simulated'
        ? new OffsetClock(options.clock ?? systemClock)
        : (options.clock ?? systemClock),
    rateLimitNamespace: options.rateLimitNamespace ?? 'paydeck-rl:',
    sessionCacheKey: options.sessionCacheKey ?? SESSION_EPOCH_KEY,
  };
  app.decorate('ctx', ctx);
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request completed',
    );
  });
  // First of the request hooks, so every statement a request sends (session, idempotency key,
  // handler) is counted under its route pattern (paydeck_db_statements_total).
  app.addHook('onRequest', (request, _reply, done) =>
    countStatementsFor(request.routeOptions.url ?? 'unmatched', done),
  );
  app.decorate('readinessChecks', new Map());
  // Stripe calls counted per minute in memory, stored by stripeCallsPlugin (the dashboard's figures).
  const stripeCalls = new StripeCallRecorder(ctx.clock);
  const provider = options.provider ?? providerFromConfig(config, stripeCalls);
  const jobs =
    options.jobs ??
    new LateBoundJobSender((name) =>
      app.log.warn({ job: name }, 'job not queued: no queue attached'),
    );
  // A job "at" a travelled time is due when the database's clock, which does not travel, says so.
  const travelled = ctx.clock;
  if (travelled instanceof OffsetClock) jobs.realTimeOf = (at) => at - travelled.offsetMs;
  app.decorate('services', createServices(ctx, provider, jobs, app.log as unknown as Logger));

  await app.register(gracefulClosePlugin);
  await app.register(errorsPlugin);
  await app.register(validationPlugin);
  await app.register(securityPlugin);
  await app.register(rateLimit, {
    global: false,
    ...(ctx.redis ? { redis: ctx.redis } : {}),
    nameSpace: ctx.rateLimitNamespace,
    // Limits are applied per route through src/lib/rate-limits.ts; this only provides the store.
    errorResponseBuilder: (_request, context) => tooManyRequests(context.ttl / 1000),
  });
  await app.register(authPlugin);
  // Before any route: it reads every route's declaration of who may call it.
  await app.register(accessPlugin);
  await app.register(idempotencyPlugin);
  await app.register(docsPlugin);

  await app.register(healthRoutes);
  await app.register(configRoutes);
  await app.register(authRoutes, { prefix: '/api/auth' });
  await app.register(securityRoutes, { prefix: '/api/auth' });
  await app.register(checkoutRoutes, { prefix: '/api/checkout' });
  await app.register(legalRoutes, { prefix: '/api/legal' });
  await app.register(catalogRoutes);
  await app.register(orderRoutes, { prefix: '/api/orders' });
  await app.register(customerPaymentRoutes, { prefix: '/api/orders' });
  await app.register(paymentMethodRoutes);
  await app.register(accountRoutes);
  await app.register(adminCatalogRoutes, { prefix: '/api/admin' });
  await app.register(webhooksPlugin);
  await app.register(reconciliationPlugin);
  await app.register(metricsPlugin);
  await app.register(auditSealerPlugin);
  await app.register(alertsPlugin);
  await app.register(testClockPlugin);
  await app.register(stripeCallsPlugin, { recorder: stripeCalls });
  await app.register(apiKeyAdminRoutes, { prefix: '/api/admin' });
  // The merchant API (/api/v1) and the console's API (/api/admin): each component registers
  // its routes for each channel.
  await app.register(merchantApiRoutes, { prefix: '/api/v1' });
  await app.register(merchantPaymentRoutes, { prefix: '/api/v1' });
  await app.register(merchantRefundRoutes, { prefix: '/api/v1' });
  await app.register(merchantCustomerRoutes, { prefix: '/api/v1' });
  await app.register(merchantWebhookRoutes, { prefix: '/api/v1' });
  await app.register(adminRoutes, { prefix: '/api/admin' });
  await app.register(adminSessionRoutes, { prefix: '/api/admin' });
  await app.register(adminPaymentRoutes, { prefix: '/api/admin' });
  await app.register(adminRefundRoutes, { prefix: '/api/admin' });
  await app.register(adminCustomerRoutes, { prefix: '/api/admin' });
  await app.register(adminDashboardRoutes, { prefix: '/api/admin' });
  await app.register(adminTestClockRoutes, { prefix: '/api/admin' });
  await app.register(adminWebhookEndpointRoutes, { prefix: '/api/admin' });

  await app.register(webAppPlugin);
  return app;
}
