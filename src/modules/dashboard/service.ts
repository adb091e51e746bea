// The console dashboard: every figure is an aggregate read from the database when asked, so it
// is right after a restart and the same whichever instance answers (ADR 020). Payments,
// refunds, disputes, webhooks and reconciliation each answer for their own table; this
// component owns the Stripe call minutes and reads the alerts firing now.
import type { Db } from '../../db/client.ts';
import type { PaymentStatus } from '../../db/statuses.ts';
import type { Clock } from '../../lib/clock.ts';
import type { AlertsService } from '../alerts/service.ts';
import type { DisputesService } from '../disputes/service.ts';
import type { PaymentRecords } from '../payments/service.ts';
import type { ReconciliationService } from '../reconciliation/service.ts';
import type { RefundRecords } from '../refunds/service.ts';
import type { WebhooksService } from '../webhooks/service.ts';
import type { DashboardFigures, DashboardWindow } from './schemas.ts';
import * as repo from './repository.ts';
import { readStripeCallSummary } from './stripe-calls.ts';

const HOUR = 3_600_000;

/** Each window's length and the width of its chart's buckets (a whole number of buckets). */
export const DASHBOARD_WINDOWS: Record<DashboardWindow, { ms: number; bucketMs: number }> = {
  '1h': { ms: HOUR, bucketMs: 5 * 60_000 },
  '24h': { ms: 24 * HOUR, bucketMs: HOUR },
  '7d': { ms: 7 * 24 * HOUR, bucketMs: 6 * HOUR },
  '30d': { ms: 30 * 24 * HOUR, bucketMs: 24 * HOUR },
};

/** The payments an operator may be waiting on: not yet answered, unknown, or with the customer. */
const WAITING_STATUSES = [
  'creating',
  'unknown',
  'requires_action',
] as const satisfies readonly PaymentStatus[];

export interface DashboardDeps {
  db: Db;
  clock: Clock;
  payments: Pick<PaymentRecords, 'figures' | 'waitingByAge'>;
  refunds: Pick<RefundRecords, 'figures'>;
  disputes: Pick<DisputesService, 'counts'>;
  webhooks: Pick<WebhooksService, 'backlog'>;
  reconciliation: Pick<ReconciliationService, 'latestRuns'>;
  alerts: Pick<AlertsService, 'firing'>;
}

const ratio = (part: number, whole: number) =>
  whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;

export class DashboardService {
  constructor(private readonly deps: DashboardDeps) {}

  /** Per-minute (and rolled-up hourly) Stripe call figures older than `before` (retention). */
  countStripeCallMinutesBefore(before: Date): Promise<number> {
    return repo.countStripeCallMinutesBefore(this.deps.db, before);
  }

  /** Deletes up to `limit` of them; returns how many. */
  deleteStripeCallMinutesBefore(before: Date, limit: number): Promise<number> {
    return repo.deleteStripeCallMinutesBefore(this.deps.db, before, limit);
  }

  async figures(window: DashboardWindow): Promise<DashboardFigures> {
    const { db, clock } = this.deps;
    const { ms, bucketMs } = DASHBOARD_WINDOWS[window];
    const until = clock.now();
    const since = new Date(until.getTime() - ms);
    const [payments, waiting, refunds, disputes, stripe, webhooks, [lastRun], alerts] =
      await Promise.all([
        this.deps.payments.figures(since, until, bucketMs / 1000),
        this.deps.payments.waitingByAge(WAITING_STATUSES, until),
        this.deps.refunds.figures(since, until),
        this.deps.disputes.counts(since, until),
        readStripeCallSummary(db, since, until),
        this.deps.webhooks.backlog(since, until),
        this.deps.reconciliation.latestRuns(1),
        this.deps.alerts.firing(),
      ]);

    const count = (status: PaymentStatus) =>
      payments.byStatus.filter((r) => r.status === status).reduce((n, r) => n + r.count, 0);
    const succeeded = count('succeeded');
    const failed = count('failed');
    const declined = payments.byStatus.reduce((n, r) => n + r.declined, 0);

    const currencies = new Map<string, DashboardFigures['payments']['by_currency'][number]>();
    for (const row of payments.byStatus) {
      const entry = currencies.get(row.currency) ?? {
        currency: row.currency,
        count: 0,
        amount: 0,
        succeeded_count: 0,
        succeeded_amount: 0,
      };
      entry.count += row.count;
      entry.amount += row.amount;
      if (row.status === 'succeeded') {
        entry.succeeded_count += row.count;
        entry.succeeded_amount += row.amountCaptured;
      }
      currencies.set(row.currency, entry);
    }

    // Every bucket of the window, empty ones included, so the chart's time axis is even.
    const byStart = new Map(payments.series.map((p) => [p.at.getTime(), p]));
    const points = Array.from({ length: ms / bucketMs }, (_, i) => {
      const at = since.getTime() + i * bucketMs;
      const found = byStart.get(at);
      return {
        at: new Date(at).toISOString(),
        succeeded: found?.succeeded ?? 0,
        failed: found?.failed ?? 0,
      };
    });

    const waitingByStatus = new Map(waiting.map((w) => [w.status, w]));
    return {
      window,
      since: since.toISOString(),
      until: until.toISOString(),
      payments: {
        count: payments.byStatus.reduce((n, r) => n + r.count, 0),
        succeeded,
        failed,
        canceled: count('canceled'),
        declined,
        success_rate: ratio(succeeded, succeeded + failed),
        authorization_rate: ratio(succeeded, succeeded + declined),
        by_currency: [...currencies.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
        series: { bucket_seconds: bucketMs / 1000, points },
      },
      decline_reasons: payments.declineReasons,
      refunds: {
        count: refunds.reduce((n, r) => n + r.count, 0),
        failed: refunds.reduce((n, r) => n + r.failed, 0),
        by_currency: refunds.map((r) => ({
          currency: r.currency,
          count: r.count,
          amount: r.amount,
        })),
      },
      disputes,
      stripe: {
        calls: stripe.calls,
        errors: stripe.errors,
        error_rate: Math.round(stripe.errorRate * 10_000) / 10_000,
        p50_ms: stripe.p50Ms,
        p99_ms: stripe.p99Ms,
      },
      webhooks: {
        backlog: webhooks.backlog,
        oldest_received_at: webhooks.oldestReceivedAt?.toISOString() ?? null,
        oldest_age_seconds: webhooks.oldestReceivedAt
          ? Math.max(0, Math.floor((until.getTime() - webhooks.oldestReceivedAt.getTime()) / 1000))
          : null,
        processed: webhooks.processed,
        failed: webhooks.failed,
        delay_p50_ms: webhooks.delayP50Ms,
        delay_p99_ms: webhooks.delayP99Ms,
      },
      waiting: WAITING_STATUSES.map((status) => ({
        status,
        under_5m: waitingByStatus.get(status)?.under5m ?? 0,
        from_5m_to_1h: waitingByStatus.get(status)?.from5mTo1h ?? 0,
        over_1h: waitingByStatus.get(status)?.over1h ?? 0,
      })),
      reconciliation: lastRun
        ? {
            run_id: lastRun.id,
            started_at: lastRun.startedAt.toISOString(),
            finished_at: lastRun.finishedAt?.toISOString() ?? null,
            discrepancies: lastRun.discrepancies,
            unfixed: lastRun.found.filter((d) => !d.fixed).length,
            error: lastRun.error,
          }
        : null,
      alerts: alerts.map((a) => ({
        rule_id: a.ruleId,
        summary: a.summary,
        since: a.since.toISOString(),
      })),
    };
  }
}
