// Liveness and readiness. /healthz answers as long as the process runs; /readyz checks our own
// dependencies (the database, Redis when configured, the job queue once started) and says which
// failed. Stripe is not one of them (ADR 021): a Stripe outage is the same for every instance, so
// taking them all out of the load balancer would only turn "payments fail" into "nothing
// answers"; it raises an alert instead (ops/prometheus/alerts.yml, PaydeckStripeUnavailable).
import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

const Check = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
  error: Type.Optional(Type.String()),
});
const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
  checks: Type.Record(Type.String(), Check),
});

export type ReadinessCheck = () => Promise<void>;

declare module 'fastify' {
  interface FastifyInstance {
    /** Extra readiness checks registered at start-up (the job queue); only our own dependencies. */
    readinessChecks: Map<string, ReadinessCheck>;
  }
}

async function withTimeout(check: ReadinessCheck, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Why a check failed, in a few words. A refused connection to a host with several addresses
 * fails as an AggregateError with an empty message, so the code stands in for it.
 */
function describeFailure(err: unknown): string {
  const { message, code } = (err ?? {}) as { message?: unknown; code?: unknown };
  const text =
    typeof message === 'string' && message ? message : typeof code === 'string' ? code : 'failed';
  return text.slice(0, 200);
}

export default async function healthRoutes(app: FastifyInstance) {
  const { database, redis } = app.ctx;
  app.readinessChecks.set('database', async () => {
    await database.pool.query('SELECT 1');
  });
  if (redis) {
    app.readinessChecks.set('redis', async () => {
      await redis.ping();
    });
  }

  app.get(
    '/healthz',
    {
      config: { auth: 'public', plainHttp: true },
      schema: {
        operationId: 'getHealth',
        tags: ['health'],
        summary: 'Liveness: the process answers',
        response: { 200: Type.Object({ status: Type.Literal('ok') }) },
      },
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/readyz',
    {
      config: { auth: 'public', plainHttp: true },
      schema: {
        operationId: 'getReadiness',
        tags: ['health'],
        summary:
          'Readiness: our own dependencies (database, Redis, job queue) answer; 503 names the ones that do not. Stripe is not checked.',
        response: { 200: Readiness, 503: Readiness },
      },
    },
    async (_request, reply) => {
      const entries = await Promise.all(
        [...app.readinessChecks].map(async ([name, check]) => {
          try {
            await withTimeout(check, 3000);
            return [name, { status: 'ok' as const }] as const;
          } catch (err) {
            return [name, { status: 'error' as const, error: describeFailure(err) }] as const;
          }
        }),
      );
      const checks = Object.fromEntries(entries);
      const ok = entries.every(([, c]) => c.status === 'ok');
      return reply.status(ok ? 200 : 503).send({ status: ok ? 'ok' : 'error', checks });
    },
  );
}
