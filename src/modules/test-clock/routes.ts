// /api/admin/test-clock: the console's time travel (simulated mode only).
import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { actorFrom } from '../audit/actor.ts';
import { advanceTestClockSchema, getTestClockSchema } from './schemas.ts';

export async function adminTestClockRoutes(base: FastifyInstance) {
  const app = base.withTypeProvider<TypeBoxTypeProvider>();
  const { services } = app;

  app.get('/test-clock', { schema: getTestClockSchema, config: { auth: 'admin' } }, async () =>
    services.testClock.status(),
  );

  app.post(
    '/test-clock/advance',
    // A retried request must not move the clock twice: an Idempotency-Key replays the first move.
    { schema: advanceTestClockSchema, config: { auth: 'admin', idempotency: 'optional' } },
    async (request) => services.testClock.advance(request.body.seconds, actorFrom(request)),
  );
}
