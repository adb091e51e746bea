// Named rate limits on top of @fastify/rate-limit's store (in memory, or Redis when REDIS_URL is
// set so every instance shares the counters). Each limit has its own key space — "sign-in per
// IP" and "pay per IP" never share a counter — and a route may stack several (per IP and per
// account). Exceeding one answers 429 `rate_limited` with Retry-After.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tooManyRequests } from './errors.ts';

export interface RateLimitRule {
  /** Names the counter, e.g. 'sign-in:ip'. */
  name: string;
  max: number;
  windowMs: number;
  /** What is counted; undefined skips the limit for this request. */
  key: (request: FastifyRequest) => string | undefined;
}

export const byIp = (request: FastifyRequest) => request.ip;

export function rateLimit(app: FastifyInstance, rule: RateLimitRule) {
  const check = app.createRateLimit({
    max: rule.max,
    timeWindow: rule.windowMs,
    keyGenerator: (request) => `${rule.name}:${rule.key(request) ?? ''}`,
  });
  return async function rateLimitHandler(request: FastifyRequest): Promise<void> {
    if (rule.key(request) === undefined) return;
    const result = await check(request);
    if (!result.isAllowed && result.isExceeded) throw tooManyRequests(result.ttlInSeconds);
  };
}
