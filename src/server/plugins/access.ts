// Who may call each route, decided from the route that matched — never from URL text.
//
// Every route declares `config: { auth }` (and `scope` for the merchant API). One onRequest hook
// reads `request.routeOptions.config` — the route the router matched after decoding the path —
// and enforces that declaration; CSRF, the Origin check, the per-key rate limit and the
// idempotency scope follow from it too. A route that declares nothing is refused to everyone,
// and start-up fails naming it (ADR 011). Comparing `request.url` with a prefix is how
// `/api/%761/customers` once answered without a key: the router decodes `%76`, `startsWith` does not.
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import { ACCESS_KINDS, type Access } from '../../lib/access.ts';
import { forbidden, unauthorized } from '../../lib/errors.ts';
import { enrolmentRequired } from '../../modules/auth/second-factor.ts';
import { safeEqual } from '../../lib/crypto.ts';
import { rateLimit } from '../../lib/rate-limits.ts';
import {
  API_KEY_SCOPES,
  insufficientScope,
  type ApiKeyScope,
} from '../../modules/api-keys/service.ts';

/** Kinds whose callers are browsers holding our session cookie: Origin and CSRF checks apply. */
const COOKIE_KINDS = new Set<Access>(['public', 'visitor', 'session', 'admin', 'second_factor']);
/** Kinds that identify a caller: the only ones whose requests may write audit entries or idempotency records. */
const IDENTIFIED_KINDS = new Set<Access>(['session', 'admin', 'api_key']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const MAX_SESSION_TOKEN_LENGTH = 100;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call this route (required on every route; see server/plugins/access.ts). */
    auth?: Access;
    /** The API-key scope an `api_key` route needs. */
    scope?: ApiKeyScope;
    /** false for `visitor` routes that run before a session exists (sign-in, sign-up). */
    csrf?: boolean;
    /**
     * A `session` route that a session opened by a checkout link may call too (ADR 030):
     * `order` when the route's `:id` is an order id, which must be that link's order; `any` for
     * the few others its checkout needs (cards, Terms, sign-out). Every other route refuses it.
     */
    checkoutLink?: 'order' | 'any';
  }
  interface FastifyInstance {
    /** Every registered route with its declaration, for the route-table test and the docs. */
    routeTable: DeclaredRoute[];
  }
}

export interface DeclaredRoute {
  method: string;
  url: string;
  auth: Access | undefined;
  scope: ApiKeyScope | undefined;
  idempotency: 'required' | 'optional' | undefined;
}

/** Why a route's declaration is unusable, or undefined when it is sound. */
function declarationProblem(
  route: DeclaredRoute,
  csrf: boolean | undefined,
  checkoutLink: 'order' | 'any' | undefined,
): string | undefined {
  if (route.auth === undefined) return 'declares no `config.auth`';
  if (!ACCESS_KINDS.includes(route.auth))
    return `declares an unknown auth kind "${String(route.auth)}"`;
  if (route.auth === 'api_key' && (!route.scope || !API_KEY_SCOPES.includes(route.scope)))
    return 'is an api_key route without a known `scope`';
  if (route.auth !== 'api_key' && route.scope !== undefined)
    return 'declares a `scope` but is not an api_key route';
  if (route.idempotency && !IDENTIFIED_KINDS.has(route.auth))
    return 'accepts Idempotency-Key but identifies no caller to scope it to';
  if (csrf === false && route.auth !== 'visitor')
    return 'turns CSRF off, which only visitor routes may do';
  if (checkoutLink !== undefined && route.auth !== 'session')
    return 'declares `checkoutLink`, which only session routes may do';
  return undefined;
}

export default fp(
  async function accessPlugin(app: FastifyInstance) {
    const { config } = app.ctx;
    const allowedOrigins = new Set([config.publicOrigin, ...config.corsOrigins]);
    const table: DeclaredRoute[] = [];
    const registered: Array<{ method: string; url: string; route: RouteOptions }> = [];
    app.decorate('routeTable', table);

    // Read once every plugin has run: a scoped onRoute hook (withDeclaredAccess) may fill in a
    // third party's routes after this root hook has seen them.
    // (Fastify reuses the options object for a prefix's "/" twin route, so the URL is copied now.)
    app.addHook('onRoute', (route: RouteOptions) => {
      for (const method of [route.method].flat())
        registered.push({ method, url: route.url, route });
    });
    app.addHook('onReady', async () => {
      const problems: string[] = [];
      for (const { method, url, route } of registered) {
        const declared: DeclaredRoute = {
          method,
          url,
          auth: route.config?.auth,
          scope: route.config?.scope,
          idempotency: route.config?.idempotency,
        };
        table.push(declared);
        const problem = declarationProblem(
          declared,
          route.config?.csrf,
          route.config?.checkoutLink,
        );
        if (problem) problems.push(`${method} ${url} ${problem}`);
      }
      if (problems.length > 0) {
        throw new Error(
          `Every route must declare who may call it (config.auth). Refusing to start:\n  ${problems.join('\n  ')}`,
        );
      }
    });

    const perKey = rateLimit(app, {
      name: 'api:key',
      max: config.rateLimit.apiKeyPerSecond,
      windowMs: 1000,
      key: (request) => request.apiKey?.id,
    });

    function checkOrigin(request: FastifyRequest) {
      const origin = request.headers.origin;
      if (origin && !allowedOrigins.has(origin)) {
        throw forbidden(
          `Requests from ${origin} are not allowed: open Paydeck at ${config.publicOrigin} (PUBLIC_URL), or add the origin to CORS_ORIGINS.`,
          'origin_not_allowed',
        );
      }
      if (request.headers['sec-fetch-site'] === 'cross-site')
        throw forbidden('Cross-site requests are not allowed.', 'origin_not_allowed');
    }

    /**
     * A full session goes to `request.session`; a sign-in still waiting for its second factor goes
     * to `request.pendingSignIn` only, so no handler can mistake it for a signed-in user.
     */
    async function readSession(request: FastifyRequest) {
      const token = request.cookies[app.sessionCookieName];
      if (!token || token.length > MAX_SESSION_TOKEN_LENGTH) return;
      const resolved = await app.services.sessions.resolve(token);
      if (resolved?.secondFactorPending) request.pendingSignIn = resolved;
      else request.session = resolved ?? null;
    }

    async function requireSession(request: FastifyRequest, kind: Access) {
      await readSession(request);
      const session = kind === 'second_factor' ? request.pendingSignIn : request.session;
      if (kind === 'second_factor' && !session) {
        throw unauthorized(
          'No sign-in is waiting for a second factor: sign in with your password first.',
        );
      }
      if (kind !== 'visitor') {
        if (!session) {
          if (request.pendingSignIn)
            throw unauthorized(
              'Enter the code from your authenticator app to finish signing in.',
              'second_factor_required',
            );
          throw unauthorized();
        }
        if (kind === 'admin') {
          if (session.user.role !== 'admin')
            throw forbidden('This needs an operator (admin) account.');
          if (!app.services.secondFactor.allowsOperatorRoutes(session)) throw enrolmentRequired();
        }
        if (session.checkoutOrderId !== null && kind !== 'second_factor')
          checkCheckoutLinkSession(request, session.checkoutOrderId);
        if (kind !== 'second_factor') request.idempotencyScope = `user:${session.user.id}`;
      }
      if (
        session &&
        !SAFE_METHODS.has(request.method) &&
        request.routeOptions.config.csrf !== false
      ) {
        const sent = request.headers['x-csrf-token'];
        if (typeof sent !== 'string' || !safeEqual(sent, session.csrfToken)) {
          throw forbidden(
            'Missing or invalid CSRF token. Send the X-CSRF-Token header from GET /api/auth/session.',
            'csrf_token_invalid',
          );
        }
      }
    }

    /** A session from a checkout link opens its order's checkout and nothing else (ADR 030). */
    function checkCheckoutLinkSession(request: FastifyRequest, orderId: string) {
      const allowed = request.routeOptions.config.checkoutLink;
      const params = request.params as { id?: unknown } | undefined;
      if (allowed === 'any' || (allowed === 'order' && params?.id === orderId)) return;
      throw forbidden(
        'This checkout link opens only its own order. Sign in to your account for anything else.',
        'checkout_link_scope',
      );
    }

    async function requireApiKey(request: FastifyRequest, scope: ApiKeyScope | undefined) {
      const header = request.headers.authorization;
      const key = await app.services.apiKeys.authenticate(
        Array.isArray(header) ? header[0] : header,
      );
      request.apiKey = key;
      await perKey(request);
      if (!scope || !key.scopes.includes(scope)) throw insufficientScope(scope);
      request.idempotencyScope = `api_key:${key.id}`;
    }

    function requireMetricsToken(request: FastifyRequest) {
      const expected = config.metricsToken;
      if (expected && !safeEqual(request.headers.authorization ?? '', `Bearer ${expected}`)) {
        throw unauthorized('Send Authorization: Bearer <METRICS_TOKEN>.', 'metrics_token_invalid');
      }
    }

    app.addHook('onRequest', async (request) => {
      // No route matched: the not-found handler answers 404 and no handler runs.
      if (request.is404) return;
      const { auth: kind, scope } = request.routeOptions.config;
      if (kind !== undefined && COOKIE_KINDS.has(kind) && !SAFE_METHODS.has(request.method))
        checkOrigin(request);
      switch (kind) {
        case 'public':
          return;
        case 'visitor':
        case 'session':
        case 'admin':
        case 'second_factor':
          return requireSession(request, kind);
        case 'api_key':
          return requireApiKey(request, scope);
        case 'stripe_signature':
          // Verified by the handler on the raw body, which is not parsed yet here; it counts and
          // rate-limits failures (webhooks/routes.ts).
          return;
        case 'metrics_token':
          return requireMetricsToken(request);
        default:
          throw forbidden('This route is not available.', 'route_not_declared');
      }
    });
  },
  { name: 'access', dependencies: ['auth'] },
);
