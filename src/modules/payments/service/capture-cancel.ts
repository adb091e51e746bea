// Capture and cancel: an authorized (manual-capture) payment is captured, in full or in part;
// an order that has taken no money is canceled, releasing an authorization at Stripe.
import { badRequest, conflict, notFound } from '../../../lib/errors.ts';
import { answerOrThrow, callProvider } from '../../../stripe/call-provider.ts';
import { appendAudit } from '../../audit/audit-log.ts';
import type { Actor } from '../../audit/actor.ts';
import * as repo from '../repository.ts';
import type { PaymentRow } from '../repository.ts';
import type { PaymentsDeps } from './deps.ts';
import type { PaymentSettlement } from './settle.ts';

export class CaptureAndCancel {
  constructor(
    private readonly deps: PaymentsDeps,
    private readonly settlement: PaymentSettlement,
  ) {}

  async capture(orderId: string, amount: number | undefined, actor: Actor): Promise<PaymentRow> {
    const { db, orders, provider } = this.deps;
    const order = await orders.find(orderId);
    if (!order) throw notFound('Order');
    const payment = await repo.findActive(db, orderId);
    if (!payment || payment.status !== 'requires_capture') {
      throw conflict(
        'order_not_capturable',
        'Only an authorized (manual-capture) payment can be captured.',
      );
    }
    if (amount !== undefined && amount > payment.amount) {
      throw badRequest('amount_exceeds_authorized', `At most ${payment.amount} can be captured.`, {
        field: 'amount',
      });
    }
    const answer = answerOrThrow(
      await callProvider('payment_intents.capture', `paydeck-capture-${payment.id}`, (key) =>
        provider.captureIntent(payment.stripePaymentIntentId!, amount, key),
      ),
    );
    return this.settlement.applyIntent(
      payment.id,
      { intent: answer.value, requestId: answer.requestId },
      actor,
    );
  }

  /** Cancels an order that has taken no money; an authorized payment is released at Stripe. */
  async cancel(orderId: string, actor: Actor): Promise<void> {
    const { db, clock, orders, provider } = this.deps;
    const order = await orders.find(orderId);
    if (!order) throw notFound('Order');
    if (order.status === 'canceled') return;
    const payment = await repo.findActive(db, orderId);
    if (payment?.status === 'succeeded') {
      throw conflict('order_already_paid', 'A paid order cannot be canceled; refund it instead.');
    }
    if (
      payment &&
      (payment.status === 'creating' ||
        payment.status === 'unknown' ||
        payment.status === 'processing')
    ) {
      throw conflict(
        'order_payment_in_progress',
        'A payment for this order is still being processed; try again shortly.',
      );
    }
    const intentId = payment?.stripePaymentIntentId;
    if (payment && intentId) {
      const answer = answerOrThrow(
        await callProvider('payment_intents.cancel', `paydeck-cancel-${payment.id}`, (key) =>
          provider.cancelIntent(intentId, key),
        ),
      );
      await this.settlement.applyIntent(
        payment.id,
        { intent: answer.value, requestId: answer.requestId },
        actor,
      );
    }
    const now = clock.now();
    await db.transaction(async (tx) => {
      const locked = (await orders.lockForUpdate(tx, orderId))!;
      if (await repo.findActive(tx, orderId))
        throw conflict('order_payment_in_progress', 'A payment for this order is in progress.');
      await orders.update(tx, orderId, { status: 'canceled', updatedAt: now });
      await appendAudit(tx, {
        actorType: actor.type,
        actorId: actor.id,
        action: 'order.canceled',
        targetType: 'order',
        targetId: orderId,
        before: { status: locked.status },
        after: { status: 'canceled' },
        ip: actor.ip,
        requestId: actor.requestId,
        occurredAt: now,
      });
    });
  }
}
