import type { JobDefinition } from '../../jobs/queue.ts';
import { RECONCILE_JOB, type ReconciliationService } from './service.ts';

/** Every ten minutes (UTC cron): compare our payments and refunds with Stripe's. */
export function reconcileJob(reconciliation: ReconciliationService): JobDefinition {
  return {
    name: RECONCILE_JOB,
    schedule: '*/10 * * * *',
    // A failed run is not retried: the next scheduled one covers the same ground.
    retryLimit: 0,
    handler: async () => {
      await reconciliation.reconcile();
    },
  };
}
