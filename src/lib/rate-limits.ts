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

type Check = ReturnType<FastifyInstance['createRateLimit']>;
/** The key of the limit being checked, handed to the shared limiter's key generator. */
const CURRENT_KEY = Symbol('paydeck rate-limit key');
type KeyedRequest = FastifyRequest & { [CURRENT_KEY]?: string };

/**
 * Limiters by app (its context, the same object in every plugin) and name. @fastify/rate-limit
 * gives each `createRateLimit` a store of its own when counting in memory (with Redis they share
 * one key space), so a limit declared in two plugins — the second-factor codes of the sign-in step
 * and of enrolment — would count apart without Redis. Made once per name, they count together.
 */
const limiters = new WeakMap<
  object,
  Map<string, { max: number; windowMs: number; check: Check }>
>();

function limiterFor(app: FastifyInstance, rule: RateLimitRule): Check {
  let byName = limiters.get(app.ctx);
  if (!byName) limiters.set(app.ctx, (byName = new Map()));
  const known = byName.get(rule.name);
  if (known) {
    if (known.max !== rule.max || known.windowMs !== rule.windowMs)
      throw new Error(`Rate limit ${rule.name} is declared twice with different limits`);
    return known.check;
  }
  const check = app.createRateLimit({
    max: rule.max,
    timeWindow: rule.windowMs,
    keyGenerator: (request) => `${rule.name}:${(request as KeyedRequest)[CURRENT_KEY]}`,
  });
  byName.set(rule.name, { max: rule.max, windowMs: rule.windowMs, check });
  return check;
}

export function rateLimit(app: FastifyInstance, rule: RateLimitRule) {
  const check = limiterFor(app, rule);
  return async function rateLimitHandler(request: FastifyRequest): Promise<void> {
    const key = rule.key(request);
    if (key === undefined) return;
    // Read by the key generator as the check starts; a route's limits run one after another.
    (request as KeyedRequest)[CURRENT_KEY] = key;
    const result = await check(request);
    if (!result.isAllowed && result.isExceeded) throw tooManyRequests(result.ttlInSeconds);
  };
}
