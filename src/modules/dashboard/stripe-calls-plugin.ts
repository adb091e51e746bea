// Adds this process's Stripe call counts to the database every few seconds, and once more when
// the app closes, in every process that has the app (server and worker alike), as the audit
// sealer runs. A flush that fails keeps its counts in memory for the next one (bounded, see
// StripeCallRecorder.putBack), so a short database outage loses nothing. Once an hour it also
// folds minutes older than two days into hourly rows (rollUpStripeCalls).
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { isDatabaseUnavailable } from '../../db/client.ts';
import { flushStripeCalls, rollUpStripeCalls, type StripeCallRecorder } from './stripe-calls.ts';

/** How long a call may wait before the dashboard and the alert rules can see it. */
export const STRIPE_CALLS_FLUSH_INTERVAL_MS = 5_000;
const ROLL_UP_INTERVAL_MS = 3_600_000;

export default fp(
  async function stripeCallsPlugin(
    app: FastifyInstance,
    options: { recorder: StripeCallRecorder },
  ) {
    const { recorder } = options;
    const db = app.ctx.database.db;
    let running: Promise<void> | undefined;
    let droppedLogged = 0;
    let rolledUpAt = 0;
    const flush = () => {
      running ??= flushStripeCalls(db, recorder)
        .then(async () => {
          if (Date.now() - rolledUpAt < ROLL_UP_INTERVAL_MS) return;
          rolledUpAt = Date.now();
          // Housekeeping by the wall clock, not the app's: a test app whose clock runs years
          // ahead must not fold the minutes other processes are still reading.
          await rollUpStripeCalls(db, new Date());
        })
        .catch((err: unknown) => {
          if (isDatabaseUnavailable(err))
            app.log.debug({ err }, 'stripe call figures: database unreachable');
          else app.log.error({ err }, 'stripe call figures could not be stored');
        })
        .finally(() => {
          running = undefined;
          if (recorder.dropped > droppedLogged) {
            app.log.warn(
              { dropped: recorder.dropped - droppedLogged },
              'stripe call figures dropped: the database stayed unreachable too long',
            );
            droppedLogged = recorder.dropped;
          }
        });
      return running;
    };
    let timer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      timer = setInterval(() => void flush(), STRIPE_CALLS_FLUSH_INTERVAL_MS);
      timer.unref();
    });
    // Before the pools close: what this process counted is stored before it stops.
    app.addHook('onClose', async () => {
      clearInterval(timer);
      await running;
      await flush();
    });
  },
  { name: 'stripe-call-figures' },
);
