import type { JobDefinition } from '../../jobs/queue.ts';
import { PROCESS_WEBHOOK_JOB, SWEEP_WEBHOOKS_JOB, type WebhooksService } from './service.ts';

/** Processes one stored Stripe event; a failure throws, so pg-boss retries with back-off. */
export function processWebhookJob(webhooks: WebhooksService): JobDefinition<{ eventId: string }> {
  return {
    name: PROCESS_WEBHOOK_JOB,
    retryLimit: 8,
    retryDelaySeconds: 5,
    // Events of a batch are processed 8 at a time; a failing one is retried on its own.
    batchSize: 50,
    concurrency: 8,
    handler: async ({ eventId }) => {
      await webhooks.process(eventId);
    },
  };
}

/** Every five minutes: events stored whose processing job never ran are queued again. */
export function sweepWebhooksJob(webhooks: WebhooksService): JobDefinition {
  return {
    name: SWEEP_WEBHOOKS_JOB,
    schedule: '*/5 * * * *',
    retryLimit: 1,
    handler: async () => {
      await webhooks.sweep();
    },
  };
}
