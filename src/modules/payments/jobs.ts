import type { Logger } from 'pino';
import type { JobDefinition } from '../../jobs/queue.ts';
import { systemActor } from '../audit/actor.ts';
import { REDRIVE_AFTER_MS as REFUND_REDRIVE_AFTER_MS } from '../refunds/job-names.ts';
import type { RefundsService } from '../refunds/service.ts';
import {
  OFF_SESSION_RETRY_JOB,
  REDRIVE_AFTER_MS,
  SETTLE_STALE_JOB,
  SYNC_PAYMENT_JOB,
} from './job-names.ts';
import type { PaymentsService } from './service.ts';

/** Settles a payment whose Stripe outcome is unknown (retried with back-off until it settles). */
export function syncPaymentJob(payments: PaymentsService): JobDefinition<{ paymentId: string }> {
  return {
    name: SYNC_PAYMENT_JOB,
    retryLimit: 10,
    retryDelaySeconds: 5,
    handler: async ({ paymentId }) => {
      const payment = await payments.syncPayment(paymentId, systemActor('sync-job'));
      // Still unknown (Stripe still unreachable): fail the job so pg-boss retries it later.
      if (payment.status === 'unknown' || payment.status === 'creating') {
        throw new Error(`payment ${paymentId} still ${payment.status}`);
      }
    },
  };
}

export function offSessionRetryJob(
  payments: PaymentsService,
): JobDefinition<{ orderId: string; attempt: number; retryOf: string }> {
  return {
    name: OFF_SESSION_RETRY_JOB,
    retryLimit: 3,
    handler: (data) => payments.retryOffSession(data, systemActor('off-session-retry')),
  };
}

/** How many unsettled payments and refunds one sweep takes on. */
const SWEEP_BATCH = 200;

/**
 * The safety net for crashes and outages: every minute (and at start-up, see runtime.ts) settle
 * each payment and refund still `creating`/`unknown` past the re-drive delay, through the same
 * sync routines as everything else. A sync job may have been lost with the process that was to
 * queue it; this finds the row itself. Safe to run on several instances at once: every sync is
 * idempotent under the payment's row lock and re-drives Stripe with the payment's own key.
 */
export function settleStaleJob(
  deps: { payments: PaymentsService; refunds: RefundsService },
  logger: Logger,
): JobDefinition<Record<string, never>> {
  const { payments, refunds } = deps;
  return {
    name: SETTLE_STALE_JOB,
    schedule: '* * * * *',
    retryLimit: 1,
    handler: async () => {
      const actor = systemActor('sweeper');
      let settled = 0;
      let failed = 0;
      for (const payment of await payments.unsettled(REDRIVE_AFTER_MS, SWEEP_BATCH)) {
        try {
          const after = await payments.syncPayment(payment.id, actor);
          if (after.status !== 'creating' && after.status !== 'unknown') settled++;
        } catch (err) {
          failed++;
          logger.warn({ err, payment_id: payment.id }, 'sweeper could not settle a payment');
        }
      }
      for (const refund of await refunds.unsettled(REFUND_REDRIVE_AFTER_MS, SWEEP_BATCH)) {
        try {
          await refunds.syncRefund(refund.id, actor);
        } catch (err) {
          failed++;
          logger.warn({ err, refund_id: refund.id }, 'sweeper could not settle a refund');
        }
      }
      if (settled || failed) logger.info({ settled, failed }, 'unsettled payments swept');
    },
  };
}
