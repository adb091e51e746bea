// Refunds: full, partial, several partials — never more than was captured. Same shape as
// payments: write (the refund row reserves its amount under the order lock), call Stripe with a
// key derived from the refund's id, settle; an unknown outcome is settled by the sync routine.
import { and, eq, inArray, notInArray, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db, DbOrTx } from '../../db/client.ts';
import { orders, payments, refunds, type RefundStatus } from '../../db/schema.ts';
import type { JobSender } from '../../jobs/queue.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError, badRequest, conflict, notFound } from '../../lib/errors.ts';
import { metrics } from '../../lib/metrics.ts';
import {
  PROVIDER_UNAVAILABLE,
  type PaymentProvider,
  type RefundSnapshot,
} from '../../stripe/provider.ts';
import { appendAudit } from '../audit/audit-log.ts';
import type { Actor } from '../audit/actor.ts';
import * as orderRepo from '../orders/repository.ts';
import { orderStatusFor } from '../payments/state.ts';

type RefundRow = orderRepo.RefundRow;

export const SYNC_REFUND_JOB = 'refunds.sync';
const REDRIVE_AFTER_MS = 10_000;
const REDRIVE_WINDOW_MS = 23 * 3_600_000;

/** Refunds that hold part of the captured amount (everything but the ones that gave up). */
const RESERVING: RefundStatus[] = [
  'creating',
  'unknown',
  'pending',
  'requires_action',
  'succeeded',
];
/** Refunds counted in amount_refunded: Stripe accepted them. */
const COUNTED: RefundStatus[] = ['pending', 'requires_action', 'succeeded'];

const refundTransitions: Record<RefundStatus, RefundStatus[]> = {
  creating: ['unknown', 'pending', 'requires_action', 'succeeded', 'failed', 'canceled'],
  unknown: ['pending', 'requires_action', 'succeeded', 'failed', 'canceled'],
  pending: ['requires_action', 'succeeded', 'failed', 'canceled'],
  requires_action: ['pending', 'succeeded', 'failed', 'canceled'],
  succeeded: ['failed'], // Stripe can fail a refund after reporting success (e.g. closed card)
  failed: [],
  canceled: [],
};

export const REFUND_REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;

export interface RefundInput {
  orderId: string;
  amount?: number | undefined;
  reason?: (typeof REFUND_REASONS)[number] | undefined;
}

export class RefundsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly provider: PaymentProvider,
    private readonly jobs: JobSender,
    private readonly logger: Logger,
  ) {}

  async refund(
    input: RefundInput,
    actor: Actor,
  ): Promise<{ refund: RefundRow; httpStatus: 200 | 202 }> {
    const refund = await this.reserve(input, actor);
    const [payment] = await this.db
      .select()
      .from(payments)
      .where(eq(payments.id, refund.paymentId));
    try {
      const answer = await this.provider.createRefund(
        {
          paymentIntentId: payment!.stripePaymentIntentId!,
          amount: refund.amount,
          metadata: { paydeck_refund_id: refund.id, paydeck_order_id: refund.orderId },
          ...(refund.reason ? { reason: refund.reason } : {}),
        },
        refund.stripeIdempotencyKey,
      );
      return {
        refund: await this.apply(refund.id, answer.value, answer.requestId, actor),
        httpStatus: 200,
      };
    } catch (err) {
      if (err instanceof AppError && err.code === PROVIDER_UNAVAILABLE) {
        const unknown = await this.setStatus(refund.id, 'unknown', null, actor);
        await this.jobs.send(
          SYNC_REFUND_JOB,
          { refundId: refund.id },
          { startAfter: 5, singletonKey: refund.id },
        );
        return { refund: unknown, httpStatus: 202 };
      }
      if (err instanceof AppError && err.status < 500) {
        // Stripe refused it: nothing was refunded; release the reserved amount.
        await this.setStatus(refund.id, 'failed', err.message, actor);
        throw err;
      }
      await this.setStatus(refund.id, 'unknown', null, actor);
      throw err;
    }
  }

  /** Step 1: checks the amount against what is left and reserves it, under the order lock. */
  private async reserve(input: RefundInput, actor: Actor): Promise<RefundRow> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const order = await orderRepo.findOrder(tx, input.orderId, { forUpdate: true });
      if (!order) throw notFound('Order');
      const [payment] = await tx
        .select()
        .from(payments)
        .where(and(eq(payments.orderId, order.id), eq(payments.status, 'succeeded')))
        .for('update');
      if (!payment) throw conflict('order_not_paid', 'Only a paid order can be refunded.');
      const [{ reserved }] = (await tx
        .select({ reserved: sql<string>`coalesce(sum(${refunds.amount}), 0)` })
        .from(refunds)
        .where(and(eq(refunds.paymentId, payment.id), inArray(refunds.status, RESERVING)))) as [
        { reserved: string },
      ];
      const refundable = payment.amountCaptured - Number(reserved);
      if (refundable <= 0)
        throw conflict(
          'charge_already_refunded',
          'This payment has already been refunded in full.',
        );
      const amount = input.amount ?? refundable;
      if (amount > refundable) {
        throw badRequest(
          'refund_exceeds_captured',
          `At most ${refundable} (in the minor unit) can still be refunded.`,
          {
            field: 'amount',
            details: { refundable },
          },
        );
      }
      const id = crypto.randomUUID();
      const [row] = await tx
        .insert(refunds)
        .values({
          id,
          paymentId: payment.id,
          orderId: order.id,
          amount,
          currency: payment.currency,
          status: 'creating',
          reason: input.reason ?? null,
          stripeIdempotencyKey: `paydeck-refund-${id}`,
          createdByType: actor.type,
          createdById: actor.id,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      await appendAudit(tx, {
        actorType: actor.type,
        actorId: actor.id,
        action: 'refund.created',
        targetType: 'refund',
        targetId: id,
        after: {
          order_id: order.id,
          payment_id: payment.id,
          amount,
          currency: payment.currency,
          reason: input.reason ?? null,
        },
        ip: actor.ip,
        requestId: actor.requestId,
        occurredAt: now,
      });
      return row!;
    });
  }

  private setStatus(
    refundId: string,
    status: 'unknown' | 'failed',
    failureReason: string | null,
    actor: Actor,
  ) {
    return this.transition(refundId, { status, failureReason }, null, null, actor);
  }

  /** Records Stripe's view of a refund. */
  apply(
    refundId: string,
    snapshot: RefundSnapshot,
    requestId: string | null,
    actor: Actor,
    stripeEventId?: string,
  ) {
    return this.transition(
      refundId,
      {
        status: snapshot.status,
        stripeRefundId: snapshot.id,
        failureReason: snapshot.failureReason,
      },
      requestId,
      stripeEventId ?? null,
      actor,
    );
  }

  /** Changes a refund's status and keeps the payment's and order's refunded totals in step. */
  private async transition(
    refundId: string,
    next: { status: RefundStatus; stripeRefundId?: string; failureReason?: string | null },
    requestId: string | null,
    stripeEventId: string | null,
    actor: Actor,
  ): Promise<RefundRow> {
    const now = this.clock.now();
    const result = await this.db.transaction(async (tx) => {
      const [head] = await tx
        .select({ orderId: refunds.orderId })
        .from(refunds)
        .where(eq(refunds.id, refundId));
      if (!head) throw notFound('Refund');
      const order = (await orderRepo.findOrder(tx, head.orderId, { forUpdate: true }))!;
      const [current] = await tx
        .select()
        .from(refunds)
        .where(eq(refunds.id, refundId))
        .for('update');
      const before = current!;
      const statusChanges = next.status !== before.status;
      if (statusChanges && !refundTransitions[before.status].includes(next.status)) {
        this.logger.info(
          { refund_id: refundId, from: before.status, to: next.status },
          'stale refund update skipped',
        );
        return { refund: before, changed: false };
      }
      if (
        !statusChanges &&
        (next.stripeRefundId ?? before.stripeRefundId) === before.stripeRefundId
      ) {
        return { refund: before, changed: false };
      }
      const [after] = await tx
        .update(refunds)
        .set({
          status: next.status,
          stripeRefundId: before.stripeRefundId ?? next.stripeRefundId ?? null,
          failureReason: next.failureReason ?? before.failureReason,
          lastStripeRequestId: requestId ?? before.lastStripeRequestId,
          updatedAt: now,
        })
        .where(eq(refunds.id, refundId))
        .returning();
      await this.recomputeTotals(tx, order, before.paymentId, now);
      await appendAudit(tx, {
        actorType: actor.type,
        actorId: actor.id,
        action: `refund.${next.status}`,
        targetType: 'refund',
        targetId: refundId,
        before: { status: before.status, stripe_refund_id: before.stripeRefundId },
        after: {
          status: after!.status,
          stripe_refund_id: after!.stripeRefundId,
          failure_reason: after!.failureReason,
        },
        stripeRequestId: requestId,
        stripeEventId,
        ip: actor.ip,
        requestId: actor.requestId,
        occurredAt: now,
      });
      return { refund: after!, changed: statusChanges };
    });
    if (result.changed && ['succeeded', 'failed', 'canceled'].includes(result.refund.status)) {
      metrics.refunds.inc({ outcome: result.refund.status, currency: result.refund.currency });
    }
    return result.refund;
  }

  private async recomputeTotals(
    tx: DbOrTx,
    order: orderRepo.OrderRow,
    paymentId: string,
    now: Date,
  ): Promise<void> {
    const [{ total }] = (await tx
      .select({ total: sql<string>`coalesce(sum(${refunds.amount}), 0)` })
      .from(refunds)
      .where(and(eq(refunds.paymentId, paymentId), inArray(refunds.status, COUNTED)))) as [
      { total: string },
    ];
    const refunded = Number(total);
    const [payment] = await tx
      .update(payments)
      .set({ amountRefunded: refunded, updatedAt: now })
      .where(eq(payments.id, paymentId))
      .returning();
    const status = orderStatusFor(payment!, { ...order, amountRefunded: refunded });
    await tx
      .update(orders)
      .set({ amountRefunded: refunded, status, updatedAt: now })
      .where(eq(orders.id, order.id));
  }

  /** Brings a refund in line with Stripe; re-drives its creation when Stripe never answered. */
  async syncRefund(refundId: string, actor: Actor, stripeEventId?: string): Promise<RefundRow> {
    const [refund] = await this.db.select().from(refunds).where(eq(refunds.id, refundId));
    if (!refund) throw notFound('Refund');
    if (refund.stripeRefundId) {
      const answer = await this.provider.retrieveRefund(refund.stripeRefundId);
      return this.apply(refund.id, answer.value, answer.requestId, actor, stripeEventId);
    }
    if (refund.status !== 'creating' && refund.status !== 'unknown') return refund;
    const age = this.clock.now().getTime() - refund.createdAt.getTime();
    if (age < REDRIVE_AFTER_MS && refund.status === 'creating') return refund;
    const [payment] = await this.db
      .select()
      .from(payments)
      .where(eq(payments.id, refund.paymentId));
    if (age < REDRIVE_WINDOW_MS) {
      try {
        const answer = await this.provider.createRefund(
          {
            paymentIntentId: payment!.stripePaymentIntentId!,
            amount: refund.amount,
            metadata: { paydeck_refund_id: refund.id, paydeck_order_id: refund.orderId },
            ...(refund.reason ? { reason: refund.reason } : {}),
          },
          refund.stripeIdempotencyKey,
        );
        return this.apply(refund.id, answer.value, answer.requestId, actor);
      } catch (err) {
        if (err instanceof AppError && err.code === PROVIDER_UNAVAILABLE)
          return this.setStatus(refund.id, 'unknown', null, actor);
        if (err instanceof AppError && err.status < 500)
          return this.setStatus(refund.id, 'failed', err.message, actor);
        throw err;
      }
    }
    const listed = await this.provider.listRefunds(payment!.stripePaymentIntentId!);
    const found = listed.value.find((r) => r.metadata.paydeck_refund_id === refund.id);
    if (found) return this.apply(refund.id, found, listed.requestId, actor);
    return this.setStatus(refund.id, 'failed', 'The refund never reached Stripe.', actor);
  }

  /** Webhook entry: our refund for a Stripe refund, by id or by its metadata. */
  async syncByStripeRefund(
    snapshot: RefundSnapshot,
    actor: Actor,
    stripeEventId: string,
  ): Promise<RefundRow | undefined> {
    let [refund] = await this.db
      .select()
      .from(refunds)
      .where(eq(refunds.stripeRefundId, snapshot.id));
    const metaId = snapshot.metadata.paydeck_refund_id;
    if (!refund && metaId && /^[0-9a-f-]{36}$/.test(metaId)) {
      [refund] = await this.db.select().from(refunds).where(eq(refunds.id, metaId));
    }
    if (!refund && !metaId && snapshot.paymentIntentId) {
      // Made outside Paydeck (e.g. in Stripe's dashboard) on one of our payments: record it.
      const [payment] = await this.db
        .select()
        .from(payments)
        .where(eq(payments.stripePaymentIntentId, snapshot.paymentIntentId));
      if (payment) await this.importExternal(payment.id, actor, stripeEventId);
      [refund] = await this.db
        .select()
        .from(refunds)
        .where(eq(refunds.stripeRefundId, snapshot.id));
      return refund;
    }
    if (!refund) return undefined;
    // Re-read from Stripe rather than trusting the event's copy: order of arrival never matters.
    const answer = await this.provider.retrieveRefund(snapshot.id);
    return this.apply(refund.id, answer.value, answer.requestId, actor, stripeEventId);
  }

  /**
   * Records refunds Stripe has for a payment that we have no row for — refunds made outside
   * Paydeck — so our refunded totals match Stripe's. Returns how many were imported.
   */
  async importExternal(paymentId: string, actor: Actor, stripeEventId?: string): Promise<number> {
    const [payment] = await this.db.select().from(payments).where(eq(payments.id, paymentId));
    if (!payment?.stripePaymentIntentId) return 0;
    const listed = await this.provider.listRefunds(payment.stripePaymentIntentId);
    const now = this.clock.now();
    let imported = 0;
    for (const snapshot of listed.value) {
      if (snapshot.metadata.paydeck_refund_id) continue; // ours; the sync routine follows it
      const done = await this.db.transaction(async (tx) => {
        const order = (await orderRepo.findOrder(tx, payment.orderId, { forUpdate: true }))!;
        const [exists] = await tx
          .select({ id: refunds.id })
          .from(refunds)
          .where(eq(refunds.stripeRefundId, snapshot.id));
        if (exists) return false;
        const id = crypto.randomUUID();
        await tx.insert(refunds).values({
          id,
          paymentId: payment.id,
          orderId: payment.orderId,
          amount: snapshot.amount,
          currency: snapshot.currency,
          status: snapshot.status,
          stripeIdempotencyKey: `stripe-external-${snapshot.id}`,
          stripeRefundId: snapshot.id,
          failureReason: snapshot.failureReason,
          lastStripeRequestId: listed.requestId,
          createdByType: 'stripe',
          createdById: null,
          createdAt: now,
          updatedAt: now,
        });
        await this.recomputeTotals(tx, order, payment.id, now);
        await appendAudit(tx, {
          actorType: actor.type,
          actorId: actor.id,
          action: 'refund.imported',
          targetType: 'refund',
          targetId: id,
          after: {
            stripe_refund_id: snapshot.id,
            amount: snapshot.amount,
            status: snapshot.status,
            payment_id: payment.id,
          },
          stripeRequestId: listed.requestId,
          stripeEventId: stripeEventId ?? null,
          ip: actor.ip,
          requestId: actor.requestId,
          occurredAt: now,
        });
        return true;
      });
      if (done) imported++;
    }
    return imported;
  }

  /** Refunds not yet final, for the reconciler. */
  unsettled(): Promise<RefundRow[]> {
    return this.db
      .select()
      .from(refunds)
      .where(notInArray(refunds.status, ['succeeded', 'failed', 'canceled']));
  }
}
