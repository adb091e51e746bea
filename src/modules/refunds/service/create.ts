// Refunding: write (the refund row reserves its amount under the order lock), call Stripe with
// a key derived from the refund's id, settle. An unknown outcome is settled by the sync routine.
import { AppError, badRequest, conflict, notFound } from '../../../lib/errors.ts';
import { callProvider, type ProviderOutcome } from '../../../stripe/call-provider.ts';
import type { Answer, RefundSnapshot } from '../../../stripe/provider.ts';
import { appendAudit } from '../../audit/audit-log.ts';
import type { Actor } from '../../audit/actor.ts';
import { IDEMPOTENCY_RETENTION_MS } from '../../idempotency/plugin.ts';
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
  /** The client request (Idempotency-Key and caller, hashed) this refund answers, if any. */
  requestKey?: string | undefined;
}

type RefundAnswer = { refund: RefundRow; httpStatus: 200 | 202 };

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
    private readonly sync: { syncRefund(refundId: string, actor: Actor): Promise<RefundRow> },
  ) {}

  async refund(input: RefundInput, actor: Actor): Promise<RefundAnswer> {
    if (input.requestKey) {
      const earlier = await repo.findByRequestKey(this.deps.db, input.orderId, input.requestKey);
      // Keys live 24 hours (ADR 008); past that the same key is a new request, as at Stripe.
      if (
        earlier &&
        this.deps.clock.now().getTime() - earlier.createdAt.getTime() < IDEMPOTENCY_RETENTION_MS
      )
        return this.answerAgain(earlier, actor);
    }
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

  /**
   * The same client request again after its first answer was lost (the process died before the
   * key's record was completed): answer what that refund came to — settled with Stripe first if
   * it was left `creating`/`unknown` — and never reserve a second refund for it.
   */
  private async answerAgain(earlier: RefundRow, actor: Actor): Promise<RefundAnswer> {
    const refund = await this.sync.syncRefund(earlier.id, actor);
    if (refund.status === 'failed') {
      throw new AppError(402, 'refund_failed', refund.failureReason ?? 'The refund failed.', {
        details: { refund: { id: refund.id, status: refund.status } },
      });
    }
    if (refund.status === 'creating' || refund.status === 'unknown') {
      await this.deps.jobs.send(
        SYNC_REFUND_JOB,
        { refundId: refund.id },
        { startAfter: 5, singletonKey: refund.id },
      );
      return { refund, httpStatus: 202 };
    }
    return { refund, httpStatus: 200 };
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
        requestKey: input.requestKey ?? null,
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
