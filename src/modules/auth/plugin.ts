// Cookie sessions: the cookie and the signed-in user (the session store is app.services.sessions).
// Who may call which route, and the CSRF and Origin checks that go with the session cookie, are
// decided from the matched route's declaration in server/plugins/access.ts.
import fp from 'fastify-plugin';
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { unauthorized } from '../../lib/errors.ts';
import { toPublicUser } from './service.ts';
import type { ResolvedSession } from './sessions.ts';
import type { User } from './schemas.ts';

declare module 'fastify' {
  interface FastifyInstance {
    sessionCookieName: string;
    setSessionCookie: (reply: FastifyReply, token: string) => void;
    clearSessionCookie: (reply: FastifyReply) => void;
  }
  interface FastifyRequest {
    /** A full session (never one still waiting for its second factor). */
    session: ResolvedSession | null;
    /** A sign-in whose password was right and whose second factor is still to come (ADR 023). */
    pendingSignIn: ResolvedSession | null;
  }
}

/** The signed-in user, for handlers of `session` and `admin` routes. */
export function currentUser(request: FastifyRequest): User {
  if (!request.session) throw unauthorized();
  return toPublicUser(request.session.user);
}

export default fp(
  async function authPlugin(app: FastifyInstance) {
    const { config } = app.ctx;
    const cookieName = config.secureCookies ? '__Host-paydeck_session' : 'paydeck_session';

    await app.register(cookie);
    app.decorate('sessionCookieName', cookieName);
    app.decorateRequest('session', null);
    app.decorateRequest('pendingSignIn', null);

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
      reply.clearCookie(cookieName, {
        path: '/',
        httpOnly: true,
        secure: config.secureCookies,
        sameSite: 'lax',
      });
    });
  },
  { name: 'auth' },
);
