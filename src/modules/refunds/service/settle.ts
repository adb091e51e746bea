// Recording a refund's status: every change goes through `transition`, under the order and
// refund row locks, and keeps the payment's and the order's refunded totals in step.
import type { DbOrTx } from '../../../db/client.ts';
import type { RefundStatus } from '../../../db/statuses.ts';
import { notFound } from '../../../lib/errors.ts';
import { metrics } from '../../../lib/metrics.ts';
import type { RefundSnapshot } from '../../../stripe/provider.ts';
import { appendAudit } from '../../audit/audit-log.ts';
import type { Actor } from '../../audit/actor.ts';
import { orderStatusFor } from '../../payments/state.ts';
import * as repo from '../repository.ts';
import type { RefundRow } from '../repository.ts';
import { COUNTED, canMoveRefund } from '../state.ts';
import type { RefundableOrder, RefundsDeps } from './deps.ts';

export class RefundSettlement {
  constructor(private readonly deps: RefundsDeps) {}

  setStatus(
    refundId: string,
    status: 'unknown' | 'failed',
    failureReason: string | null,
    actor: Actor,
  ): Promise<RefundRow> {
    return this.transition(refundId, { status, failureReason }, null, null, actor);
  }

  /** Records Stripe's view of a refund. */
  apply(
    refundId: string,
    snapshot: RefundSnapshot,
    requestId: string | null,
    actor: Actor,
    stripeEventId?: string,
  ): Promise<RefundRow> {
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
    const { db, clock, orders, logger } = this.deps;
    const now = clock.now();
    const result = await db.transaction(async (tx) => {
      const head = await repo.findRefund(tx, refundId);
      if (!head) throw notFound('Refund');
      const order = (await orders.lockForUpdate(tx, head.orderId))!;
      const before = (await repo.findRefund(tx, refundId, { forUpdate: true }))!;
      const statusChanges = next.status !== before.status;
      if (statusChanges && !canMoveRefund(before.status, next.status)) {
        logger.info(
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
      const after = await repo.updateRefund(tx, refundId, {
        status: next.status,
        stripeRefundId: before.stripeRefundId ?? next.stripeRefundId ?? null,
        failureReason: next.failureReason ?? before.failureReason,
        lastStripeRequestId: requestId ?? before.lastStripeRequestId,
        updatedAt: now,
      });
      await this.recomputeTotals(tx, order, before.paymentId, now);
      await this.deps.events.refundChanged(tx, before.status, after);
      await this.deps.notices.refundChanged(tx, before.status, after, order.userId);
      await appendAudit(tx, {
        actorType: actor.type,
        actorId: actor.id,
        action: `refund.${next.status}`,
        targetType: 'refund',
        targetId: refundId,
        before: { status: before.status, stripe_refund_id: before.stripeRefundId },
        after: {
          status: after.status,
          stripe_refund_id: after.stripeRefundId,
          failure_reason: after.failureReason,
        },
        stripeRequestId: requestId,
        stripeEventId,
        ip: actor.ip,
        requestId: actor.requestId,
        occurredAt: now,
      });
      return { refund: after, changed: statusChanges };
    });
    if (result.changed && ['succeeded', 'failed', 'canceled'].includes(result.refund.status)) {
      metrics.refunds.inc({ outcome: result.refund.status, currency: result.refund.currency });
    }
    return result.refund;
  }

  /** The payment's and the order's amount_refunded, from the refunds Stripe accepted. */
  async recomputeTotals(
    tx: DbOrTx,
    order: RefundableOrder,
    paymentId: string,
    now: Date,
  ): Promise<void> {
    const refunded = await repo.sumForPayment(tx, paymentId, COUNTED);
    const payment = await this.deps.payments.setAmountRefunded(tx, paymentId, refunded, now);
    const status = orderStatusFor(payment, { ...order, amountRefunded: refunded });
    await this.deps.orders.update(tx, order.id, {
      amountRefunded: refunded,
      status,
      updatedAt: now,
    });
  }
}
