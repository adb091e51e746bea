import type { JobDefinition } from '../../jobs/queue.ts';
import type { Clock } from '../../lib/clock.ts';
import type { SessionStore } from './sessions.ts';
import type { Logger } from 'pino';

const PURGE_BATCH = 1000;

/**
 * Deletes sessions expired (idle or absolute deadline) longer ago than RETENTION_EXPIRED_SESSIONS,
 * a batch at a time. The daily retention job does the same and records it in the audit log; this
 * one runs often so that expired sessions do not wait a day.
 */
export function sessionPurgeJob(
  sessions: SessionStore,
  logger: Logger,
  clock: Clock,
  retainExpiredMs: number,
): JobDefinition {
  return {
    name: 'sessions.purge',
    schedule: '*/10 * * * *',
    retryLimit: 2,
    handler: async () => {
      const before = new Date(clock.now().getTime() - retainExpiredMs);
      let purged = 0;
      for (;;) {
        const batch = await sessions.purgeExpired(before, PURGE_BATCH);
        purged += batch;
        if (batch < PURGE_BATCH) break;
      }
      if (purged > 0) logger.info({ purged }, 'expired sessions purged');
    },
  };
}
