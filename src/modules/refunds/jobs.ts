import type { JobDefinition } from '../../jobs/queue.ts';
import { systemActor } from '../audit/actor.ts';
import { SYNC_REFUND_JOB } from './job-names.ts';
import type { RefundsService } from './service.ts';

/** Settles a refund whose Stripe outcome is unknown (retried with back-off until it settles). */
export function syncRefundJob(refunds: RefundsService): JobDefinition<{ refundId: string }> {
  return {
    name: SYNC_REFUND_JOB,
    retryLimit: 10,
    retryDelaySeconds: 5,
    handler: async ({ refundId }) => {
      const refund = await refunds.syncRefund(refundId, systemActor('sync-job'));
      if (refund.status === 'unknown' || refund.status === 'creating')
        throw new Error(`refund ${refundId} still ${refund.status}`);
    },
  };
}
