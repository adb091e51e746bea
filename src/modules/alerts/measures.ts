// The measurements the alert rules name (rules.ts `measure`): each reads the database over the
// rule's window and says how much happened (`volume`) and the value compared with the threshold.
import type { Db } from '../../db/client.ts';
import type { DisputesService } from '../disputes/service.ts';
import type { PaymentRecords } from '../payments/service.ts';
import type { ReconciliationService } from '../reconciliation/service.ts';
import type { RefundRecords } from '../refunds/service.ts';
import type { WebhooksService } from '../webhooks/service.ts';
import type { MerchantWebhooksService } from '../merchant-webhooks/service.ts';
import { readStripeCallSummary } from '../dashboard/stripe-calls.ts';
import * as repo from './repository.ts';
import type { AlertRule, MeasureName } from './rules.ts';

export interface Measurement {
  value: number;
  /** How many events the value stands on, where a rule asks for a minimum. */
  volume?: number;
  /** A sentence for people: the value in words. */
  detail: string;
}

/** What the rules read, each from the component that owns it (ADR 015). */
export interface MeasureSources {
  payments: Pick<PaymentRecords, 'outcomes' | 'unsettledCount'>;
  refunds: Pick<RefundRecords, 'figures'>;
  disputes: Pick<DisputesService, 'counts'>;
  webhooks: Pick<WebhooksService, 'backlog'>;
  reconciliation: Pick<ReconciliationService, 'latestRuns'>;
  merchantWebhooks: Pick<MerchantWebhooksService, 'disabledForFailureCount'>;
}

export interface MeasureContext {
  db: Db;
  now: Date;
  jobSchema: string;
  sources: MeasureSources;
}

const percent = (x: number) => `${(x * 100).toFixed(1)} %`;
const minutesAgo = (now: Date, minutes: number) => new Date(now.getTime() - minutes * 60_000);

/** The previous day's decline rate never counts as lower than this, so one decline is no spike. */
const BASELINE_FLOOR = 0.05;

type Measure = (ctx: MeasureContext, rule: AlertRule) => Promise<Measurement>;

export const measures: Record<MeasureName, Measure> = {
  async payment_success_rate({ sources, now }, rule) {
    const { succeeded, failed } = await sources.payments.outcomes(
      minutesAgo(now, rule.windowMinutes),
      now,
    );
    const volume = succeeded + failed;
    const value = volume ? succeeded / volume : 1;
    return {
      value,
      volume,
      detail: volume
        ? `${percent(value)} of ${volume} payments succeeded in the last ${rule.windowMinutes} minutes`
        : `no payment finished in the last ${rule.windowMinutes} minutes`,
    };
  },

  async decline_rate_vs_previous_day({ sources, now }, rule) {
    const windowStart = minutesAgo(now, rule.windowMinutes);
    const recent = await sources.payments.outcomes(windowStart, now);
    const before = await sources.payments.outcomes(
      minutesAgo(now, rule.windowMinutes + 24 * 60),
      windowStart,
    );
    const rate = (o: { succeeded: number; failed: number }) =>
      o.succeeded + o.failed ? o.failed / (o.succeeded + o.failed) : 0;
    const volume = recent.succeeded + recent.failed;
    const value = rate(recent) / Math.max(rate(before), BASELINE_FLOOR);
    return {
      value,
      volume,
      detail: `${percent(rate(recent))} declined in the last ${rule.windowMinutes} minutes against ${percent(rate(before))} over the day before`,
    };
  },

  async stripe_error_rate({ db, now }, rule) {
    const {
      calls,
      errors,
      errorRate: value,
    } = await readStripeCallSummary(db, minutesAgo(now, rule.windowMinutes));
    return {
      value,
      volume: calls,
      detail: `${errors} of ${calls} Stripe calls failed (5xx, timeout or connection) in the last ${rule.windowMinutes} minutes`,
    };
  },

  async stripe_latency_p99_ms({ db, now }, rule) {
    const { calls, p99Ms } = await readStripeCallSummary(db, minutesAgo(now, rule.windowMinutes));
    const value = p99Ms ?? 0;
    return {
      value,
      volume: calls,
      detail: calls
        ? `Stripe calls p99 ${Math.round(value)} ms over ${calls} calls in the last ${rule.windowMinutes} minutes`
        : `no Stripe call in the last ${rule.windowMinutes} minutes`,
    };
  },

  async webhook_signature_failures({ db, now }, rule) {
    const value = await repo.countedEvents(
      db,
      WEBHOOK_BAD_SIGNATURE,
      minutesAgo(now, rule.windowMinutes),
    );
    return {
      value,
      detail: `${value} webhooks refused for their signature in the last ${rule.windowMinutes} minutes`,
    };
  },

  async webhook_oldest_unprocessed_minutes({ sources, now }) {
    const { oldestReceivedAt } = await sources.webhooks.backlog(now, now);
    const value = oldestReceivedAt
      ? Math.max(0, (now.getTime() - oldestReceivedAt.getTime()) / 60_000)
      : 0;
    return {
      value,
      detail: `the oldest unprocessed Stripe event has waited ${value.toFixed(1)} minutes`,
    };
  },

  async payments_unresolved({ sources, now }, rule) {
    const value = await sources.payments.unsettledCount(minutesAgo(now, rule.windowMinutes));
    return {
      value,
      detail: `${value} payments creating or unknown for over ${rule.windowMinutes} minutes`,
    };
  },

  async reconciliation_unfixed_drift({ sources }) {
    // The latest run that finished: one still running has not said anything yet.
    const runs = await sources.reconciliation.latestRuns(5);
    const last = runs.find((r) => r.finishedAt !== null);
    const value = last ? last.found.filter((d) => !d.fixed).length : 0;
    return { value, detail: `the last reconciliation left ${value} differences unfixed` };
  },

  async job_backlog({ db, now, jobSchema }, rule) {
    const value = await repo.jobBacklog(db, jobSchema, minutesAgo(now, rule.windowMinutes));
    return {
      value,
      detail: `${value} jobs waiting for a worker for over ${rule.windowMinutes} minutes`,
    };
  },

  async disputes_opened({ sources, now }, rule) {
    const { opened: value } = await sources.disputes.counts(
      minutesAgo(now, rule.windowMinutes),
      now,
    );
    return {
      value,
      detail: `${value} disputes opened in the last ${rule.windowMinutes / 60} hours`,
    };
  },

  async refunds_failed({ sources, now }, rule) {
    const byCurrency = await sources.refunds.figures(minutesAgo(now, rule.windowMinutes), now);
    const value = byCurrency.reduce((n, c) => n + c.failed, 0);
    return {
      value,
      detail: `${value} refunds made in the last ${rule.windowMinutes / 60} hours failed`,
    };
  },

  async merchant_webhook_endpoints_disabled({ sources }) {
    const value = await sources.merchantWebhooks.disabledForFailureCount();
    return {
      value,
      detail: `${value} merchant webhook endpoints disabled after failing for 24 hours`,
    };
  },
};

/** The event_count_minutes name of a webhook refused for its signature. */
export const WEBHOOK_BAD_SIGNATURE = 'webhook_bad_signature';

/** Whether a measurement breaches its rule: past the threshold, on enough volume. */
export function breaches(rule: AlertRule, m: Measurement): boolean {
  if (rule.minVolume !== undefined && (m.volume ?? 0) < rule.minVolume) return false;
  if (rule.above !== undefined && m.value > rule.above) return true;
  if (rule.below !== undefined && m.value < rule.below) return true;
  return false;
}
