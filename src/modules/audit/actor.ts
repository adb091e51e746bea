// Who is acting, for the audit log: a customer, an operator, an API key, a job, or Stripe.
import type { FastifyRequest } from 'fastify';
import type { ActorType } from './audit-log.ts';

export interface Actor {
  type: ActorType;
  id: string | null;
  ip: string | null;
  requestId: string | null;
}

export const systemActor = (what = 'system'): Actor => ({ type: 'system', id: what, ip: null, requestId: null });
export const stripeActor = (eventId: string): Actor => ({ type: 'stripe', id: eventId, ip: null, requestId: null });

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the merchant-API key authentication. */
    apiKey?: { id: string; scopes: string[] } | undefined;
  }
}

/** The actor behind an HTTP request: its API key, or its signed-in user. */
export function actorFrom(request: FastifyRequest): Actor {
  const base = { ip: request.ip ?? null, requestId: request.id };
  if (request.apiKey) return { type: 'api_key', id: request.apiKey.id, ...base };
  const user = request.session?.user;
  if (user) return { type: user.role === 'admin' ? 'admin' : 'user', id: user.id, ...base };
  return { type: 'system', id: null, ...base };
}
