// The alerting component in a running app: the operator routes, the flusher that adds this
// process's counted events to the database, and, in a process that works jobs, the database watch.
// The evaluation itself is a job (./jobs.ts).
import os from 'node:os';
import { randomBytes } from 'node:crypto';
import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { restoreCounts, takeCounts } from '../../lib/event-counts.ts';
import adminMailRoutes from '../mail/routes.ts';
import adminAlertRoutes from './routes.ts';
import { DatabaseWatch } from './database-watch.ts';
import { postToChat, sendEmail } from './notifier.ts';
import { DATABASE_RULE_ID } from './rules.ts';

/** How often counted events reach the database. */
const FLUSH_INTERVAL_MS = 5000;
/** How often the database is pinged, at most (more often when ALERT_DATABASE_DOWN_SECONDS is short). */
const WATCH_INTERVAL_MS = 10_000;
const PING_TIMEOUT_MS = 5000;

/** This process, in event_count_minutes. */
const instance = `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;

export default fp(
  async function alertsPlugin(app: FastifyInstance) {
    await app.register(adminAlertRoutes, { prefix: '/api/admin' });
    await app.register(adminMailRoutes, { prefix: '/api/admin' });
    const { alerts, mailer } = app.services;

    const flush = async () => {
      const counts = takeCounts();
      if (!counts.length) return;
      try {
        await alerts.flushEventCounts(instance, counts);
      } catch (err) {
        restoreCounts(counts);
        app.log.debug({ err }, 'event counts kept for the next flush');
      }
    };

    const { config } = app.ctx;
    const watch = new DatabaseWatch({
      thresholdMs: config.alerts.databaseDownMs,
      now: () => app.ctx.clock.now(),
      ping: async () => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            app.ctx.database.pool.query('SELECT 1'),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error('ping timed out')), PING_TIMEOUT_MS);
            }),
          ]);
        } finally {
          clearTimeout(timer);
        }
      },
      notify: async (kind, summary, at) => {
        const message = alerts.messageOf(DATABASE_RULE_ID, kind, summary, at);
        const sends: Promise<void>[] = [];
        // The catcher writes to the database: only a real mail server can carry this one.
        if (mailer?.kind === 'smtp' && config.alerts.emailTo.length)
          sends.push(sendEmail(mailer, config.alerts.emailTo, message));
        if (config.alerts.webhookUrl) sends.push(postToChat(config.alerts.webhookUrl, message));
        const results = await Promise.allSettled(sends);
        for (const r of results)
          if (r.status === 'rejected')
            app.log.error({ err: (r.reason as Error).message }, 'database alert not delivered');
        app.log.error({ alert: DATABASE_RULE_ID, kind }, summary);
        return results.some((r) => r.status === 'fulfilled');
      },
      record: (kind, summary, at, notified) =>
        alerts.recordExternal(DATABASE_RULE_ID, kind, summary, at, notified),
    });

    const timers: NodeJS.Timeout[] = [];
    app.addHook('onReady', async () => {
      timers.push(setInterval(() => void flush(), FLUSH_INTERVAL_MS));
      const every = Math.min(WATCH_INTERVAL_MS, Math.floor(config.alerts.databaseDownMs / 3));
      if (config.runWorkers) timers.push(setInterval(() => void watch.check(), every));
      for (const t of timers) t.unref();
    });
    app.addHook('onClose', async () => {
      for (const t of timers) clearInterval(t);
      await flush();
    });
  },
  { name: 'alerts', dependencies: ['auth'] },
);
