// Step 3 of write → call → settle: recording what Stripe said about a payment. Every change to
// a payment's status goes through `applyIntent`, under the order and payment row locks; the
// state machine makes a stale snapshot harmless (a transition backwards is skipped, not applied).
import type { DbOrTx } from '../../../db/client.ts';
import type { PaymentStatus } from '../../../db/statuses.ts';
import { notFound } from '../../../lib/errors.ts';
import { metrics } from '../../../lib/metrics.ts';
import type {
  CardError,
  CardSummary,
  ConfirmOutcome,
  IntentSnapshot,
} from '../../../stripe/provider.ts';
import { appendAudit } from '../../audit/audit-log.ts';
import type { Actor } from '../../audit/actor.ts';
import { customerMessage } from '../declines.ts';
import * as repo from '../repository.ts';
import type { PaymentRow } from '../repository.ts';
import { canTransition, orderStatusFor, statusFromIntent } from '../state.ts';
import type { PayableOrder, PaymentsDeps } from './deps.ts';

/** A payment by id, or the payment itself (id and order) when the caller holds it. */
export type PaymentRef = string | Pick<PaymentRow, 'id' | 'orderId'>;

export interface Settlement {
  intent: IntentSnapshot | null;
  cardError?: CardError | null;
  failure?: { code: string; message: string } | null;
  requestId: string | null;
  stripeEventId?: string | null;
}

/** The card Stripe reported, or the one already recorded when this answer names none. */
function cardColumns(card: CardSummary | null | undefined, current: PaymentRow) {
  if (!card) {
    return {
      cardBrand: current.cardBrand,
      cardLast4: current.cardLast4,
      cardExpMonth: current.cardExpMonth,
      cardExpYear: current.cardExpYear,
    };
  }
  return {
    cardBrand: card.brand,
    cardLast4: card.last4,
    cardExpMonth: card.expMonth,
    cardExpYear: card.expYear,
  };
}

export class PaymentSettlement {
  constructor(private readonly deps: PaymentsDeps) {}

  /**
   * Records Stripe's view of a payment, under the order and payment row locks. Callers holding
   * the payment pass it (its order never changes), which saves reading it once more.
   */
  async applyIntent(ref: PaymentRef, s: Settlement, actor: Actor): Promise<PaymentRow> {
    return (await this.record(ref, s, actor, false)).payment;
  }

  /**
   * applyConfirmation for the pay step, which answers with the order: also the order's view as
   * the settling transaction left it (read once there, for the merchant's event and the answer
   * alike). No view when nothing changed, or when Stripe answered with a card error.
   */
  async confirmWithOrderView(
    ref: PaymentRef,
    outcome: ConfirmOutcome,
    actor: Actor,
  ): Promise<{ payment: PaymentRow; order?: object | undefined }> {
    const { payment, order } = await this.record(
      ref,
      outcome.kind === 'intent'
        ? { intent: outcome.intent, requestId: outcome.requestId }
        : { intent: outcome.intent, cardError: outcome.error, requestId: outcome.requestId },
      actor,
      outcome.kind === 'intent',
    );
    return { payment, order };
  }

  private async record(
    ref: PaymentRef,
    s: Settlement,
    actor: Actor,
    withOrderView: boolean,
  ): Promise<{ payment: PaymentRow; order?: object | undefined }> {
    const { db, clock, orders, logger } = this.deps;
    const now = clock.now();
    const paymentId = typeof ref === 'string' ? ref : ref.id;
    const result = await db.transaction(async (tx) => {
      const orderId =
        typeof ref === 'string' ? (await repo.findPayment(tx, paymentId))?.orderId : ref.orderId;
      if (!orderId) throw notFound('Payment');
      // Lock order then payment: the same order as every other writer, so no deadlocks.
      const order = (await orders.lockForUpdate(tx, orderId))!;
      const current = (await repo.findPayment(tx, paymentId, { forUpdate: true }))!;

      let target: PaymentStatus;
      if (s.intent) target = statusFromIntent(s.intent);
      else if (s.cardError || s.failure) target = 'failed';
      else return { payment: current, changed: false };
      if (!canTransition(current.status, target)) {
        logger.info(
          { payment_id: paymentId, from: current.status, to: target },
          'stale payment update skipped',
        );
        return { payment: current, changed: false };
      }

      const error = s.cardError ?? s.intent?.lastError ?? null;
      const failed = target === 'failed';
      const next = {
        status: target,
        stripePaymentIntentId: current.stripePaymentIntentId ?? s.intent?.id ?? null,
        stripePaymentMethodId: s.intent?.paymentMethodId ?? current.stripePaymentMethodId,
        stripeChargeId: s.intent?.latestChargeId ?? current.stripeChargeId,
        ...cardColumns(s.intent?.card, current),
        amountCaptured:
          target === 'succeeded'
            ? (s.intent?.amountReceived ?? current.amount)
            : current.amountCaptured,
        disputed: current.disputed || (s.intent?.disputed ?? false),
        failureCode: failed
          ? (error?.code ?? s.failure?.code ?? current.failureCode)
          : current.failureCode,
        declineCode: failed ? (error?.declineCode ?? current.declineCode) : current.declineCode,
        failureMessage: failed
          ? error
            ? customerMessage(error.code, error.declineCode)
            : (s.failure?.message ?? current.failureMessage)
          : current.failureMessage,
        lastStripeRequestId: s.requestId ?? current.lastStripeRequestId,
      };
      const changed =
        next.status !== current.status ||
        next.stripePaymentIntentId !== current.stripePaymentIntentId ||
        next.amountCaptured !== current.amountCaptured ||
        next.stripeChargeId !== current.stripeChargeId ||
        next.cardBrand !== current.cardBrand ||
        next.cardLast4 !== current.cardLast4 ||
        next.disputed !== current.disputed;
      if (!changed) return { payment: current, changed: false };

      const after = await repo.updatePayment(tx, paymentId, { ...next, updatedAt: now });
      await this.updateOrderFor(tx, order, after, now);
      let view: Promise<object | undefined> | undefined;
      const orderView = () => (view ??= orders.viewIn(tx, order.id));
      await this.deps.events.paymentChanged(tx, order.id, current.status, after.status, orderView);
      await this.deps.notices.paymentChanged(tx, after, current.status);
      await this.audit(tx, actor, `payment.${target}`, current, after, {
        stripeRequestId: s.requestId,
        stripeEventId: s.stripeEventId ?? null,
      });
      return {
        payment: after,
        changed: current.status !== after.status,
        order: withOrderView ? await orderView() : undefined,
      };
    });
    if (result.changed) this.countOutcome(result.payment);
    return { payment: result.payment, order: result.order };
  }

  /** Records Stripe's answer to a confirmation: the intent, or a card error with its intent. */
  applyConfirmation(ref: PaymentRef, outcome: ConfirmOutcome, actor: Actor): Promise<PaymentRow> {
    if (outcome.kind === 'intent')
      return this.applyIntent(ref, { intent: outcome.intent, requestId: outcome.requestId }, actor);
    return this.applyIntent(
      ref,
      { intent: outcome.intent, cardError: outcome.error, requestId: outcome.requestId },
      actor,
    );
  }

  /** Stripe refused the request itself (e.g. a payment method it cannot use): no charge exists. */
  applyRefusal(
    paymentId: string,
    error: { code: string; message: string },
    actor: Actor,
  ): Promise<PaymentRow> {
    return this.applyIntent(
      paymentId,
      { intent: null, failure: { code: error.code, message: error.message }, requestId: null },
      actor,
    );
  }

  /** Stripe did not answer: a `creating` payment becomes `unknown` until the sync routine runs. */
  async markUnknown(paymentId: string, actor: Actor): Promise<PaymentRow> {
    const { db, clock } = this.deps;
    return db.transaction(async (tx) => {
      const row = await repo.findPayment(tx, paymentId, { forUpdate: true });
      if (!row || row.status !== 'creating') return row!;
      const updated = await repo.updatePayment(tx, paymentId, {
        status: 'unknown',
        updatedAt: clock.now(),
      });
      await this.audit(tx, actor, 'payment.outcome_unknown', row, updated, {});
      return updated;
    });
  }

  /** Saves the card a payment used, when the customer asked and the payment went through. */
  async saveCardIfAsked(payment: PaymentRow, actor: Actor): Promise<void> {
    const { cards, customers, provider, logger } = this.deps;
    if (!payment.savePaymentMethod || !payment.stripePaymentMethodId) return;
    if (payment.status !== 'succeeded' && payment.status !== 'requires_capture') return;
    if (await cards.isSaved(payment.stripePaymentMethodId)) return;
    const customerId = await customers.findStripeCustomerId(payment.userId);
    if (!customerId) return;
    try {
      const card = await provider.retrievePaymentMethod(payment.stripePaymentMethodId);
      if (card.value.customerId !== customerId) return;
      await cards.record(payment.userId, customerId, card.value, card.requestId, actor);
    } catch (err) {
      // The payment itself succeeded; failing to remember the card must not turn it into an error.
      logger.warn({ err, payment_id: payment.id }, 'could not save the card used for a payment');
    }
  }

  private async updateOrderFor(
    tx: DbOrTx,
    order: PayableOrder,
    payment: PaymentRow,
    now: Date,
  ): Promise<void> {
    const status = orderStatusFor(payment, order);
    const paidAt = payment.status === 'succeeded' ? (order.paidAt ?? now) : order.paidAt;
    if (status === order.status && paidAt === order.paidAt) return;
    await this.deps.orders.update(tx, order.id, { status, paidAt, updatedAt: now });
  }

  private countOutcome(payment: PaymentRow): void {
    if (
      !['succeeded', 'failed', 'canceled', 'requires_capture', 'requires_action'].includes(
        payment.status,
      )
    )
      return;
    metrics.paymentOutcomes.inc({
      outcome: payment.status,
      currency: payment.currency,
      decline_code: payment.declineCode ?? payment.failureCode ?? '',
    });
    if (payment.status === 'succeeded')
      metrics.paymentAmount.inc({ currency: payment.currency }, payment.amountCaptured);
  }

  private async audit(
    tx: DbOrTx,
    actor: Actor,
    action: string,
    before: PaymentRow,
    after: PaymentRow,
    stripe: { stripeRequestId?: string | null; stripeEventId?: string | null },
  ): Promise<void> {
    const snapshot = (p: PaymentRow) => ({
      status: p.status,
      amount_captured: p.amountCaptured,
      amount_refunded: p.amountRefunded,
      stripe_payment_intent_id: p.stripePaymentIntentId,
      failure_code: p.failureCode,
      decline_code: p.declineCode,
    });
    await appendAudit(tx, {
      actorType: actor.type,
      actorId: actor.id,
      action,
      targetType: 'payment',
      targetId: after.id,
      before: snapshot(before),
      after: snapshot(after),
      stripeRequestId: stripe.stripeRequestId ?? null,
      stripeEventId: stripe.stripeEventId ?? null,
      ip: actor.ip,
      requestId: actor.requestId,
      occurredAt: this.deps.clock.now(),
    });
  }
}
