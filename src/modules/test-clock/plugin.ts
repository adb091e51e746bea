// Keeps this process's clock in step with the shared time-travel offset (simulated mode): read
// at start-up and every few seconds, since another instance or the console may have moved it.
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

const REFRESH_MS = 2_000;

export default fp(
  async function testClockPlugin(app: FastifyInstance) {
    const clock = app.services.testClock;
    if (!clock.available) return;
    let timer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      await clock.refresh();
      timer = setInterval(() => {
        clock.refresh().catch((err: unknown) => app.log.warn({ err }, 'test clock not read'));
      }, REFRESH_MS);
      timer.unref();
    });
    app.addHook('onClose', async () => clearInterval(timer));
  },
  { name: 'test-clock' },
);
