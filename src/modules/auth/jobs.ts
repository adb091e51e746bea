import type { JobDefinition } from '../../jobs/queue.ts';
import type { SessionStore } from './sessions.ts';
import type { Logger } from 'pino';

/** Deletes sessions past their idle or absolute deadline. */
export function sessionPurgeJob(sessions: SessionStore, logger: Logger): JobDefinition {
  return {
    name: 'sessions.purge',
    schedule: '*/10 * * * *',
    retryLimit: 2,
    handler: async () => {
      const purged = await sessions.purgeExpired();
      if (purged > 0) logger.info({ purged }, 'expired sessions purged');
    },
  };
}
