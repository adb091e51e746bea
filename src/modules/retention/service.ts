// Retention, enforced (issue 12; ADR 024): every class of data the Privacy Policy promises to
// drop is deleted or anonymised once older than its period (RETENTION_* settings). Each class's
// rows are reached through the component that owns them (ADR 015); this service only decides
// the cut-offs, works in bounded batches, and records what it did as one audit entry. The daily
// job and `npm run retention` both call `run`.
import type { Logger } from 'pino';
import type { RetentionSettings } from '../../config.ts';
import type { Db } from '../../db/client.ts';
import { machineClock, type Clock } from '../../lib/clock.ts';
import type { AlertsService } from '../alerts/service.ts';
import { appendAudit } from '../audit/audit-log.ts';
import type { AuditService } from '../audit/service.ts';
import type { AuthService } from '../auth/service.ts';
import type { SessionStore } from '../auth/sessions.ts';
import type { DashboardService } from '../dashboard/service.ts';
import type { IdempotencyRecords } from '../idempotency/service.ts';
import type { MerchantWebhooksService } from '../merchant-webhooks/service.ts';
import { countCaughtMail, deleteCaughtMail } from '../mail/mailer.ts';
import type { CustomerEmailsService } from '../customer-emails/service.ts';
import type { WebhooksService } from '../webhooks/service.ts';

/** The classes of data with a retention period, in the order they are worked. */
export const RETENTION_CLASSES = [
  'webhook_payloads',
  'sent_outbox',
  'expired_sessions',
  'idempotency_keys',
  'audit_ips',
  'deleted_accounts',
  'caught_mail',
  'alert_notifications',
  'metric_minutes',
  'merchant_events',
] as const;
export type RetentionClassName = (typeof RETENTION_CLASSES)[number];

/** Each class's setting, for messages and the policy. */
export const RETENTION_SETTING: Record<RetentionClassName, keyof RetentionSettings> = {
  webhook_payloads: 'webhookPayloads',
  sent_outbox: 'sentOutbox',
  expired_sessions: 'expiredSessions',
  idempotency_keys: 'idempotencyKeys',
  audit_ips: 'auditIps',
  deleted_accounts: 'deletedAccounts',
  caught_mail: 'caughtMail',
  alert_notifications: 'alertNotifications',
  metric_minutes: 'metricMinutes',
  merchant_events: 'merchantEvents',
};

/** Rows changed per statement: small enough that no statement holds its locks for long. */
export const RETENTION_BATCH_SIZE = 1000;

interface DataClass {
  /** What happens to a row past its period. */
  effect: 'deleted' | 'payload dropped' | 'ip erased';
  /** Sessions expire in the machine's time, not the test clock's (ADR 031). */
  machineTime?: true;
  count(before: Date): Promise<number>;
  /** Deletes or anonymises up to `limit` rows older than `before`; answers how many. */
  purge(before: Date, limit: number): Promise<number>;
  /** Rows past the cut-off that stay anyway, and why (reported, never touched). */
  held?(before: Date): Promise<{ count: number; reason: string }>;
}

export interface ClassReport {
  name: RetentionClassName;
  period_ms: number;
  /** Rows older than this (each class's own clock: processed, sent, expired, occurred…). */
  cutoff: string;
  effect: DataClass['effect'];
  /** Rows deleted or anonymised (a dry run: rows that would be). */
  count: number;
  held?: { count: number; reason: string };
}

export interface RetentionReport {
  dry_run: boolean;
  ran_at: string;
  classes: ClassReport[];
}

export interface RetentionDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  settings: RetentionSettings;
  webhooks: Pick<WebhooksService, 'countExpiredPayloads' | 'dropExpiredPayloads'>;
  emails: Pick<CustomerEmailsService, 'countSentMessages' | 'deleteSentMessages'>;
  sessions: Pick<SessionStore, 'countExpired' | 'purgeExpired'>;
  idempotency: Pick<IdempotencyRecords, 'countCompletedBefore' | 'deleteCompletedBefore'>;
  audit: Pick<AuditService, 'countIpsToErase' | 'eraseIps'>;
  auth: Pick<AuthService, 'countDeletedAccountLeftovers' | 'deleteDeletedAccountLeftovers'>;
  alerts: Pick<
    AlertsService,
    | 'countSentNotifications'
    | 'deleteSentNotifications'
    | 'countEventMinutesBefore'
    | 'deleteEventMinutesBefore'
  >;
  dashboard: Pick<
    DashboardService,
    'countStripeCallMinutesBefore' | 'deleteStripeCallMinutesBefore'
  >;
  merchantWebhooks: Pick<
    MerchantWebhooksService,
    'countExpiredEvents' | 'countExpiredEventsInDelivery' | 'deleteExpiredEvents'
  >;
  batchSize?: number;
}

export class RetentionService {
  private readonly classes: Record<RetentionClassName, DataClass>;

  constructor(private readonly deps: RetentionDeps) {
    const { db, webhooks, emails, sessions, idempotency, audit, auth, alerts, dashboard } = deps;
    const { merchantWebhooks } = deps;
    this.classes = {
      webhook_payloads: {
        effect: 'payload dropped',
        count: (before) => webhooks.countExpiredPayloads(before),
        purge: (before, limit) => webhooks.dropExpiredPayloads(before, limit),
      },
      sent_outbox: {
        effect: 'deleted',
        count: (before) => emails.countSentMessages(before),
        purge: (before, limit) => emails.deleteSentMessages(before, limit),
      },
      expired_sessions: {
        effect: 'deleted',
        machineTime: true,
        count: (before) => sessions.countExpired(before),
        purge: (before, limit) => sessions.purgeExpired(before, limit),
      },
      idempotency_keys: {
        effect: 'deleted',
        count: (before) => idempotency.countCompletedBefore(before),
        purge: (before, limit) => idempotency.deleteCompletedBefore(before, limit),
      },
      audit_ips: {
        effect: 'ip erased',
        count: async (before) => (await audit.countIpsToErase(before)).erasable,
        purge: (before, limit) => audit.eraseIps(before, limit),
        held: async (before) => ({
          count: (await audit.countIpsToErase(before)).keptByOldFormula,
          reason:
            'entries sealed before ADR 024 hash the IP itself; erasing it would break the chain',
        }),
      },
      deleted_accounts: {
        effect: 'deleted',
        count: (before) => auth.countDeletedAccountLeftovers(before),
        purge: (before, limit) => auth.deleteDeletedAccountLeftovers(before, limit),
      },
      caught_mail: {
        effect: 'deleted',
        count: (before) => countCaughtMail(db, before),
        purge: (before, limit) => deleteCaughtMail(db, before, limit),
      },
      alert_notifications: {
        effect: 'deleted',
        count: (before) => alerts.countSentNotifications(before),
        purge: (before, limit) => alerts.deleteSentNotifications(before, limit),
      },
      metric_minutes: {
        effect: 'deleted',
        count: async (before) =>
          (await dashboard.countStripeCallMinutesBefore(before)) +
          (await alerts.countEventMinutesBefore(before)),
        purge: async (before, limit) => {
          const calls = await dashboard.deleteStripeCallMinutesBefore(before, limit);
          // One batch of either table per call: `run` calls again while a batch comes back full.
          if (calls === limit) return calls;
          return calls + (await alerts.deleteEventMinutesBefore(before, limit - calls));
        },
      },
      merchant_events: {
        effect: 'deleted',
        count: (before) => merchantWebhooks.countExpiredEvents(before),
        purge: (before, limit) => merchantWebhooks.deleteExpiredEvents(before, limit),
        held: async (before) => ({
          count: await merchantWebhooks.countExpiredEventsInDelivery(before),
          reason: 'a delivery to an endpoint is still being retried',
        }),
      },
    };
  }

  /**
   * Works every class: a dry run only counts; otherwise each class is purged a batch at a time
   * until a batch comes back short, and the counts are written to the audit log as one entry.
   * Running twice is harmless: the second run finds nothing left.
   */
  async run(options: { dryRun: boolean }): Promise<RetentionReport> {
    const { clock, settings, logger } = this.deps;
    const batchSize = this.deps.batchSize ?? RETENTION_BATCH_SIZE;
    const now = clock.now();
    const classes: ClassReport[] = [];
    for (const name of RETENTION_CLASSES) {
      const dataClass = this.classes[name];
      const periodMs = settings[RETENTION_SETTING[name]];
      const from = dataClass.machineTime ? machineClock(clock).now() : now;
      const before = new Date(from.getTime() - periodMs);
      let count = 0;
      if (options.dryRun) {
        count = await dataClass.count(before);
      } else {
        for (;;) {
          const batch = await dataClass.purge(before, batchSize);
          count += batch;
          if (batch < batchSize) break;
        }
      }
      const held = await dataClass.held?.(before);
      classes.push({
        name,
        period_ms: periodMs,
        cutoff: before.toISOString(),
        effect: dataClass.effect,
        count,
        ...(held?.count ? { held } : {}),
      });
    }
    const report: RetentionReport = { dry_run: options.dryRun, ran_at: now.toISOString(), classes };
    if (!options.dryRun) {
      await this.deps.db.transaction((tx) =>
        appendAudit(tx, {
          actorType: 'system',
          actorId: 'retention',
          action: 'retention.applied',
          targetType: 'retention',
          after: {
            classes: Object.fromEntries(
              classes.map((c) => [
                c.name,
                {
                  count: c.count,
                  cutoff: c.cutoff,
                  effect: c.effect,
                  ...(c.held ? { held: c.held.count } : {}),
                },
              ]),
            ),
          },
          occurredAt: now,
        }),
      );
      logger.info(
        { retention: Object.fromEntries(classes.map((c) => [c.name, c.count])) },
        'retention applied',
      );
    }
    return report;
  }
}
