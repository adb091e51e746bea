import type { JobDefinition } from '../../jobs/queue.ts';
import { SEND_JOB, type CustomerEmailsService } from './service.ts';

/**
 * Sends emails to customers. With `outboxId`: the nudge a change sends for its message, retried
 * by pg-boss (with backoff) while the mail server fails. Without: the every-minute sweep (UTC
 * cron), which sends whatever a lost or early nudge left. Rows are claimed, so overlapping runs
 * never send one message twice.
 */
export function sendCustomerEmailsJob(
  service: CustomerEmailsService,
): JobDefinition<{ outboxId?: number }> {
  return {
    name: SEND_JOB,
    schedule: '* * * * *',
    retryLimit: 5,
    retryDelaySeconds: 10,
    handler: async (data) => {
      if (typeof data.outboxId === 'number') await service.sendOne(data.outboxId);
      else await service.sweep();
    },
  };
}
