import type { JobDefinition } from '../../jobs/queue.ts';
import type { AlertsService } from './service.ts';

export const EVALUATE_ALERTS_JOB = 'alerts.evaluate';

/** Every minute (UTC cron): evaluate the rules, then send what is due (new and retried). */
export function evaluateAlertsJob(alerts: AlertsService): JobDefinition {
  return {
    name: EVALUATE_ALERTS_JOB,
    schedule: '* * * * *',
    // The next minute's run covers the same ground; a retry would only pile up behind it.
    retryLimit: 0,
    handler: async () => {
      await alerts.evaluate();
      await alerts.deliver();
    },
  };
}
