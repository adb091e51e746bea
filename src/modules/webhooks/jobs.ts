import type { JobDefinition } from '../../jobs/queue.ts';
import { PROCESS_WEBHOOK_JOB, SWEEP_WEBHOOKS_JOB, type WebhooksService } from './service.ts';

/** Processes one stored Stripe event; a failure throws, so pg-boss retries with back-off. */
export function processWebhookJob(webhooks: WebhooksService): JobDefinition<{ eventId: string }> {
  return {
    name: PROCESS_WEBHOOK_JOB,
    retryLimit: 8,
    retryDelaySeconds: 5,
    // pg-boss fetches once per polling interval: a large batch, worked 16 at a time, keeps a burst
    // from queueing for seconds. A failing event is retried on its own.
    batchSize: 250,
    concurrency: 16,
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
