import type { JobDefinition } from '../../jobs/queue.ts';
import type { RetentionService } from './service.ts';

export const RETENTION_JOB = 'retention.apply';

/** Daily (UTC), at a quiet hour: everything past its retention period goes (ADR 024). */
export function retentionJob(retention: RetentionService): JobDefinition {
  return {
    name: RETENTION_JOB,
    schedule: '40 3 * * *',
    // A run cut short leaves nothing half-done (each batch commits on its own); the retry, or the
    // next day's run, carries on where it stopped.
    retryLimit: 3,
    retryDelaySeconds: 300,
    handler: async () => {
      await retention.run({ dryRun: false });
    },
  };
}
