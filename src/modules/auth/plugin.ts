// Cookie sessions, CSRF protection and the guards routes use (requireUser, requireAdmin).
//
// CSRF: a state-changing request that is authenticated by the session cookie must carry the
// session's token in X-CSRF-Token (synchronizer token). Independently, any state-changing
// /api request whose Origin (or Sec-Fetch-Site) says it came from another site is refused, which
// also protects sign-in and sign-up, the two routes that run before a session exists.
import fp from 'fastify-plugin';
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { forbidden, unauthorized } from '../../lib/errors.ts';
import { safeEqual } from '../../lib/crypto.ts';
import { AuthService, toPublicUser } from './service.ts';
import { SessionStore, type ResolvedSession } from './sessions.ts';
import type { User } from './schemas.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyInstance {
    authService: AuthService;
    sessionStore: SessionStore;
    sessionCookieName: string;
    requireUser: (request: FastifyRequest) => Promise<void>;
    requireAdmin: (request: FastifyRequest) => Promise<void>;
    setSessionCookie: (reply: FastifyReply, token: string) => void;
    clearSessionCookie: (reply: FastifyReply) => void;
  }
  interface FastifyRequest {
    session: ResolvedSession | null;
  }
  interface FastifyContextConfig {
    /** false for routes that run before a session exists (sign-in, sign-up). */
    csrf?: boolean;
  }
}

/** The signed-in user, for handlers behind requireUser. */
export function currentUser(request: FastifyRequest): User {
  if (!request.session) throw unauthorized();
  return toPublicUser(request.session.user);
}

function isCookieApi(url: string): boolean {
  return url.startsWith('/api/') && !url.startsWith('/api/v1/');
}

export default fp(
  async function authPlugin(app: FastifyInstance) {
    const { config, database, clock } = app.ctx;
    const sessionStore = new SessionStore(database.db, clock, config.session);
    const cookieName = config.secureCookies ? '__Host-paydeck_session' : 'paydeck_session';
    const allowedOrigins = new Set([config.publicOrigin, ...config.corsOrigins]);

    await app.register(cookie);
    app.decorate('sessionStore', sessionStore);
    app.decorate('authService', new AuthService(database.db, clock, sessionStore));
    app.decorate('sessionCookieName', cookieName);
    app.decorateRequest('session', null);

    app.decorate('setSessionCookie', (reply: FastifyReply, token: string) => {
      reply.setCookie(cookieName, token, {
        httpOnly: true,
        secure: config.secureCookies,
        sameSite: 'lax',
        path: '/',
        maxAge: Math.floor(config.session.absoluteTimeoutMs / 1000),
      });
    });
    app.decorate('clearSessionCookie', (reply: FastifyReply) => {
      reply.clearCookie(cookieName, { path: '/', httpOnly: true, secure: config.secureCookies, sameSite: 'lax' });
    });

    app.addHook('onRequest', async (request) => {
      if (!isCookieApi(request.url)) return;
      const unsafe = !SAFE_METHODS.has(request.method);
      if (unsafe) {
        const origin = request.headers.origin;
        if (origin && !allowedOrigins.has(origin)) {
          throw forbidden(`Requests from ${origin} are not allowed.`, 'origin_not_allowed');
        }
        if (request.headers['sec-fetch-site'] === 'cross-site') {
          throw forbidden('Cross-site requests are not allowed.', 'origin_not_allowed');
        }
      }
      const token = request.cookies[cookieName];
      if (token && token.length <= 100) request.session = (await sessionStore.resolve(token)) ?? null;

      if (unsafe && request.session && request.routeOptions.config.csrf !== false) {
        const sent = request.headers['x-csrf-token'];
        if (typeof sent !== 'string' || !safeEqual(sent, request.session.csrfToken)) {
          throw forbidden('Missing or invalid CSRF token. Send the X-CSRF-Token header from GET /api/auth/session.', 'csrf_token_invalid');
        }
      }
    });

    app.decorate('requireUser', async (request: FastifyRequest) => {
      if (!request.session) throw unauthorized();
    });
    app.decorate('requireAdmin', async (request: FastifyRequest) => {
      if (!request.session) throw unauthorized();
      if (request.session.user.role !== 'admin') throw forbidden('This needs an operator (admin) account.');
    });
  },
  { name: 'auth' },
);
