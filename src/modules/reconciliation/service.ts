// Reconciliation: our records against Stripe's. Webhooks can be lost or late and our own calls
// can end with an unknown outcome; every ten minutes the reconciler asks Stripe about payments
// and refunds that are not final or changed in the last day, records each difference it finds
// (ours vs theirs) and fixes it through the same sync routines webhooks use.
//
// Refunds are reconciled first, so that a payment's amount_refunded compared afterwards already
// reflects our own refunds brought up to date; refunds made outside Paydeck are imported.
import type { Logger } from 'pino';
import type { Db } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import { metrics } from '../../lib/metrics.ts';
import type { PaymentProvider } from '../../stripe/provider.ts';
import { systemActor } from '../audit/actor.ts';
import type { PaymentRow, PaymentsService } from '../payments/service.ts';
import { UNSETTLED_PAYMENT_STATUSES, statusFromIntent } from '../payments/state.ts';
import type { RefundRow, RefundsService } from '../refunds/service.ts';
import * as repo from './repository.ts';

export const RECONCILE_JOB = 'reconciliation.run';
const LOOKBACK_MS = 24 * 3_600_000;
/** A `creating` row this young may still have its Stripe call in flight: not drift yet. */
const IN_FLIGHT_MS = 10_000;
/** Bounds one run; the next run (ten minutes later) picks up the rest. */
const MAX_OBJECTS = 2_000;

type Compared = Record<string, string | number | boolean | null>;

const stringify = (v: string | number | boolean | null | undefined) =>
  v === null || v === undefined ? null : String(v);

export interface ReconciliationDeps {
  db: Db;
  clock: Clock;
  provider: PaymentProvider;
  payments: PaymentsService;
  refunds: RefundsService;
  logger: Logger;
}

export class ReconciliationService {
  private readonly actor = systemActor('reconciler');

  constructor(private readonly deps: ReconciliationDeps) {}

  async reconcile(): Promise<repo.RunRow & { found: repo.DiscrepancyRow[] }> {
    const { db, clock } = this.deps;
    const run = await repo.startRun(db, clock.now());
    const since = new Date(clock.now().getTime() - LOOKBACK_MS);
    const found: repo.NewDiscrepancy[] = [];
    const failures: string[] = [];
    const guarded = async (what: string, fn: () => Promise<repo.NewDiscrepancy[]>) => {
      try {
        found.push(...(await fn()));
      } catch (err) {
        // One object Stripe cannot answer about must not stop the run; the next run retries it.
        failures.push(`${what}: ${err instanceof Error ? err.message : String(err)}`);
        this.deps.logger.warn({ err, object: what }, 'reconciliation could not check an object');
      }
    };

    const refunds = (await this.deps.refunds.records.toCheck(since, MAX_OBJECTS)).filter(
      (r) => !this.inFlight(r),
    );
    for (const refund of refunds)
      await guarded(`refund ${refund.id}`, () => this.checkRefund(refund));
    const payments = (await this.deps.payments.records.toCheck(since, MAX_OBJECTS)).filter(
      (p) => !this.inFlight(p),
    );
    for (const payment of payments)
      await guarded(`payment ${payment.id}`, () => this.checkPayment(payment));

    for (const d of found)
      metrics.reconciliationDiscrepancies.inc({ object: d.objectType, field: d.field });
    await this.updateUnsettledGauge();
    const finished = await repo.finishRun(
      db,
      run.id,
      {
        finishedAt: clock.now(),
        paymentsChecked: payments.length,
        refundsChecked: refunds.length,
        error: failures.length
          ? `${failures.length} object(s) not checked; first: ${failures[0]}`.slice(0, 2000)
          : null,
      },
      found,
    );
    if (found.length)
      this.deps.logger.warn(
        { run_id: run.id, discrepancies: found.length },
        'reconciliation found drift',
      );
    return (await repo.runById(db, finished.id))!;
  }

  private inFlight(row: { status: string; createdAt: Date }): boolean {
    return (
      row.status === 'creating' &&
      this.deps.clock.now().getTime() - row.createdAt.getTime() < IN_FLIGHT_MS
    );
  }

  private async checkPayment(payment: PaymentRow): Promise<repo.NewDiscrepancy[]> {
    const ours = (p: PaymentRow): Compared => ({
      status: p.status,
      amount_captured: p.amountCaptured,
      amount_refunded: p.amountRefunded,
      disputed: p.disputed,
    });
    if (!payment.stripePaymentIntentId) {
      // We never learnt the intent: the sync routine re-drives the creation with its idempotency
      // key, which is the authoritative question "did Stripe make it?".
      const after = await this.deps.payments.syncPayment(payment.id, this.actor);
      return this.differences(
        'payment',
        payment.id,
        after.stripePaymentIntentId,
        ours(payment),
        ours(after),
        ours(after),
      );
    }
    const intent = (await this.deps.provider.retrieveIntent(payment.stripePaymentIntentId)).value;
    const theirs: Compared = {
      status: statusFromIntent(intent),
      amount_captured:
        intent.status === 'succeeded' ? intent.amountReceived : payment.amountCaptured,
      amount_refunded: intent.amountRefunded,
      disputed: intent.disputed,
    };
    const before = ours(payment);
    if (Object.keys(theirs).every((k) => theirs[k] === before[k])) return [];
    // Refunds made outside Paydeck are recorded first, so amount_refunded can agree after the fix.
    if (theirs.amount_refunded !== before.amount_refunded)
      await this.deps.refunds.importExternal(payment.id, this.actor);
    const after = await this.deps.payments.syncPayment(payment.id, this.actor);
    return this.differences('payment', payment.id, intent.id, before, theirs, ours(after));
  }

  private async checkRefund(refund: RefundRow): Promise<repo.NewDiscrepancy[]> {
    if (!refund.stripeRefundId) {
      const after = await this.deps.refunds.syncRefund(refund.id, this.actor);
      return this.differences(
        'refund',
        refund.id,
        after.stripeRefundId,
        { status: refund.status },
        { status: after.status },
        { status: after.status },
      );
    }
    const snapshot = (await this.deps.provider.retrieveRefund(refund.stripeRefundId)).value;
    if (snapshot.status === refund.status) return [];
    const after = await this.deps.refunds.syncRefund(refund.id, this.actor);
    return this.differences(
      'refund',
      refund.id,
      refund.stripeRefundId,
      { status: refund.status },
      { status: snapshot.status },
      { status: after.status },
    );
  }

  /** One discrepancy per field where ours differed from theirs; fixed when our record now agrees. */
  private differences(
    objectType: 'payment' | 'refund',
    objectId: string,
    stripeId: string | null,
    ours: Compared,
    theirs: Compared,
    afterFix: Compared,
  ): repo.NewDiscrepancy[] {
    return Object.keys(theirs)
      .filter((field) => ours[field] !== theirs[field])
      .map((field) => ({
        objectType,
        objectId,
        stripeId,
        field,
        ours: stringify(ours[field]),
        theirs: stringify(theirs[field]),
        fixed: afterFix[field] === theirs[field],
      }));
  }

  private async updateUnsettledGauge(): Promise<void> {
    const counts = await this.deps.payments.records.countByStatus(UNSETTLED_PAYMENT_STATUSES);
    for (const status of UNSETTLED_PAYMENT_STATUSES)
      metrics.paymentsInProgress.set({ status }, counts.get(status) ?? 0);
  }

  latestRuns(limit: number) {
    return repo.latestRuns(this.deps.db, limit);
  }
}
