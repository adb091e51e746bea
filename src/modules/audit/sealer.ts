// Runs the audit sealer (sealAuditChain) every second in each process that has the app: the
// server and the worker alike. Sealers on several instances take turns through a try-lock, so
// running one per process costs one small query per second when there is nothing to seal, and
// the chain keeps being sealed as long as any process is up.
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { isDatabaseUnavailable } from '../../db/client.ts';
import { metrics } from '../../lib/metrics.ts';
import { sealAuditChain } from './audit-log.ts';

/** How long an entry may wait for its seal, at most, while the database is reachable. */
export const SEAL_INTERVAL_MS = 1000;

export default fp(
  async function auditSealerPlugin(app: FastifyInstance) {
    const db = app.ctx.database.db;
    let running: Promise<void> | undefined;
    const seal = () => {
      running ??= sealAuditChain(db)
        .then(({ sealed }) => void metrics.auditEntriesSealed.inc(sealed))
        .catch((err: unknown) => {
          metrics.auditSealFailures.inc();
          // Entries wait, unsealed but stored, until the next run succeeds.
          if (isDatabaseUnavailable(err))
            app.log.debug({ err }, 'audit sealer: database unreachable');
          else app.log.error({ err }, 'audit sealer failed');
        })
        .finally(() => {
          running = undefined;
        });
      return running;
    };
    let timer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      timer = setInterval(() => void seal(), SEAL_INTERVAL_MS);
      timer.unref();
    });
    // Before the pools close: seal what this process wrote, so a clean stop leaves nothing waiting.
    app.addHook('onClose', async () => {
      clearInterval(timer);
      await running;
      await seal();
    });
  },
  { name: 'audit-sealer' },
);
