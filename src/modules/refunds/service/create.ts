// Refunding: write (the refund row reserves its amount under the order lock), call Stripe with
// a key derived from the refund's id, settle. An unknown outcome is settled by the sync routine.
import { badRequest, conflict, notFound } from '../../../lib/errors.ts';
import { callProvider, type ProviderOutcome } from '../../../stripe/call-provider.ts';
import type { Answer, RefundSnapshot } from '../../../stripe/provider.ts';
import { appendAudit } from '../../audit/audit-log.ts';
import type { Actor } from '../../audit/actor.ts';
import { SYNC_REFUND_JOB } from '../job-names.ts';
import * as repo from '../repository.ts';
import type { RefundRow } from '../repository.ts';
import { RESERVING, type RefundReason } from '../state.ts';
import type { RefundsDeps } from './deps.ts';
import type { RefundSettlement } from './settle.ts';

export interface RefundInput {
  orderId: string;
  amount?: number | undefined;
  reason?: RefundReason | undefined;
}

/** Step 2: the refund at Stripe, with the idempotency key stored on the refund row. */
export function requestRefund(
  deps: Pick<RefundsDeps, 'provider'>,
  refund: RefundRow,
  paymentIntentId: string,
): Promise<ProviderOutcome<Answer<RefundSnapshot>>> {
  return callProvider('refunds.create', refund.stripeIdempotencyKey, (key) =>
    deps.provider.createRefund(
      {
        paymentIntentId,
        amount: refund.amount,
        metadata: { paydeck_refund_id: refund.id, paydeck_order_id: refund.orderId },
        ...(refund.reason ? { reason: refund.reason } : {}),
      },
      key,
    ),
  );
}

export class CreateRefund {
  constructor(
    private readonly deps: RefundsDeps,
    private readonly settlement: RefundSettlement,
  ) {}

  async refund(
    input: RefundInput,
    actor: Actor,
  ): Promise<{ refund: RefundRow; httpStatus: 200 | 202 }> {
    const refund = await this.reserve(input, actor);
    const payment = await this.deps.payments.find(refund.paymentId);
    const call = await requestRefund(this.deps, refund, payment!.stripePaymentIntentId!);
    if (call.kind === 'answered') {
      const { value, requestId } = call.value;
      return {
        refund: await this.settlement.apply(refund.id, value, requestId, actor),
        httpStatus: 200,
      };
    }
    if (call.kind === 'refused') {
      // Stripe refused it: nothing was refunded; release the reserved amount.
      await this.settlement.setStatus(refund.id, 'failed', call.error.message, actor);
      throw call.error;
    }
    const unknown = await this.settlement.setStatus(refund.id, 'unknown', null, actor);
    if (!call.retryLater) throw call.error;
    await this.deps.jobs.send(
      SYNC_REFUND_JOB,
      { refundId: refund.id },
      { startAfter: 5, singletonKey: refund.id },
    );
    return { refund: unknown, httpStatus: 202 };
  }

  /** Step 1: checks the amount against what is left and reserves it, under the order lock. */
  private async reserve(input: RefundInput, actor: Actor): Promise<RefundRow> {
    const { db, clock, orders, payments } = this.deps;
    const now = clock.now();
    return db.transaction(async (tx) => {
      const order = await orders.lockForUpdate(tx, input.orderId);
      if (!order) throw notFound('Order');
      const payment = await payments.lockSucceededOfOrder(tx, order.id);
      if (!payment) throw conflict('order_not_paid', 'Only a paid order can be refunded.');
      const reserved = await repo.sumForPayment(tx, payment.id, RESERVING);
      const refundable = payment.amountCaptured - reserved;
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
      const row = await repo.insertRefund(tx, {
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
      });
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
      return row;
    });
  }
}
