import type { Services } from '../../server/services.ts';
import type { JobDefinition } from '../../jobs/queue.ts';
import { systemActor } from '../audit/actor.ts';
import { OFF_SESSION_RETRY_JOB, SYNC_PAYMENT_JOB } from './service.ts';
import { SYNC_REFUND_JOB } from '../refunds/service.ts';

/** Settles a payment whose Stripe outcome is unknown (retried with back-off until it settles). */
export function syncPaymentJob(services: Services): JobDefinition<{ paymentId: string }> {
  return {
    name: SYNC_PAYMENT_JOB,
    retryLimit: 10,
    retryDelaySeconds: 5,
    handler: async ({ paymentId }) => {
      const payment = await services.payments.syncPayment(paymentId, systemActor('sync-job'));
      // Still unknown (Stripe still unreachable): fail the job so pg-boss retries it later.
      if (payment.status === 'unknown' || payment.status === 'creating') {
        throw new Error(`payment ${paymentId} still ${payment.status}`);
      }
    },
  };
}

export function syncRefundJob(services: Services): JobDefinition<{ refundId: string }> {
  return {
    name: SYNC_REFUND_JOB,
    retryLimit: 10,
    retryDelaySeconds: 5,
    handler: async ({ refundId }) => {
      const refund = await services.refunds.syncRefund(refundId, systemActor('sync-job'));
      if (refund.status === 'unknown' || refund.status === 'creating') throw new Error(`refund ${refundId} still ${refund.status}`);
    },
  };
}

export function offSessionRetryJob(services: Services): JobDefinition<{ orderId: string; attempt: number; retryOf: string }> {
  return {
    name: OFF_SESSION_RETRY_JOB,
    retryLimit: 3,
    handler: (data) => services.payments.retryOffSession(data, systemActor('off-session-retry')),
  };
}
