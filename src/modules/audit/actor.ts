// Who is acting, for the audit log: a customer, an operator, an API key, a job, or Stripe.
import type { FastifyRequest } from 'fastify';
import { unauthorized } from '../../lib/errors.ts';
import type { ActorType } from './audit-log.ts';

export interface Actor {
  type: ActorType;
  id: string | null;
  ip: string | null;
  requestId: string | null;
}

export const systemActor = (what = 'system'): Actor => ({
  type: 'system',
  id: what,
  ip: null,
  requestId: null,
});
export const stripeActor = (eventId: string): Actor => ({
  type: 'stripe',
  id: eventId,
  ip: null,
  requestId: null,
});

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the merchant-API key authentication. */
    apiKey?: { id: string; scopes: string[] } | undefined;
  }
}

/**
 * The actor behind an HTTP request: its API key, or its signed-in user. A request without an
 * identified caller never writes audit entries: it is refused here (401) rather than recorded
 * as `system`, which only jobs and the reconciler may be.
 */
export function actorFrom(request: FastifyRequest): Actor {
  const base = { ip: request.ip ?? null, requestId: request.id };
  if (request.apiKey) return { type: 'api_key', id: request.apiKey.id, ...base };
  const user = request.session?.user;
  if (user) return { type: user.role === 'admin' ? 'admin' : 'user', id: user.id, ...base };
  throw unauthorized();
}
