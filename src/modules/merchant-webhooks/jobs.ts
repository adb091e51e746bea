import type { JobDefinition } from '../../jobs/queue.ts';
import { DELIVER_JOB, type MerchantWebhooksService } from './service.ts';

/**
 * Sends the merchant webhooks that are due. Every minute as a sweep (UTC cron), and sooner when a
 * change or a failed attempt nudges it: the deliveries themselves are leased, so runs that
 * overlap never send one twice.
 */
export function deliverMerchantWebhooksJob(service: MerchantWebhooksService): JobDefinition {
  return {
    name: DELIVER_JOB,
    schedule: '* * * * *',
    // A failed run leaves its deliveries due; the next run takes them.
    retryLimit: 0,
    handler: async () => {
      await service.deliver();
    },
  };
}
