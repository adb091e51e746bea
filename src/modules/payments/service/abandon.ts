// A customer walking away from a payment: the 3-D Secure challenge they started and never
// finished is canceled at Stripe, so the order can be paid again (issue 12), and a customer
// deleting their account has every payment still waiting on them closed first.
//
// Stripe has the last word. The intent is read first, and one that went through meanwhile (say
// the customer finished the challenge in another tab) is recorded as Stripe has it: a paid or
// authorised payment is recorded as such, never canceled. The cancellation is asked with the
// payment's own idempotency key (the same as the merchant's cancel), and when Stripe refuses it
// (the intent went on between the two calls) the sync routine records what Stripe says.
import type { PaymentStatus } from '../../../db/statuses.ts';
import { conflict, notFound, type AppError } from '../../../lib/errors.ts';
import { callProvider } from '../../../stripe/call-provider.ts';
import type { Actor } from '../../audit/actor.ts';
import * as repo from '../repository.ts';
import type { PaymentRow } from '../repository.ts';
import type { PaymentsDeps } from './deps.ts';
import type { PaymentSettlement } from './settle.ts';
import type { PaymentSync } from './sync.ts';

/** Why a payment in this state cannot be canceled by its customer. */
const NOT_CANCELABLE: Partial<Record<PaymentStatus, string>> = {
  succeeded: 'This payment went through: the order is paid, so there is nothing to cancel.',
  requires_capture:
    'This payment is authorised and waiting for the merchant to capture or release it; it cannot be canceled here.',
  processing: 'Your bank is still processing this payment; it cannot be canceled now.',
  creating: 'This payment is still being processed; it cannot be canceled now.',
  unknown: 'This payment is still being confirmed with Stripe; it cannot be canceled now.',
  failed: 'This payment did not go through: there is nothing to cancel, the order can be paid.',
};

function notCancelable(status: PaymentStatus): AppError {
  return conflict(
    'payment_not_cancelable',
    NOT_CANCELABLE[status] ?? 'This payment cannot be canceled.',
    { details: { payment_status: status } },
  );
}

/** What closing a customer's open payments did, and what it could not close. */
export interface ClosedPayments {
  /** Payments that waited for the customer (3-D Secure) and are now canceled. */
  canceled: PaymentRow[];
  /** Payments still in flight: unknown after asking Stripe, processing, or authorised. */
  stillOpen: PaymentRow[];
}

export class PaymentAbandonment {
  constructor(
    private readonly deps: PaymentsDeps,
    private readonly settlement: PaymentSettlement,
    private readonly sync: PaymentSync,
  ) {}

  /**
   * Cancels the customer's own payment waiting for 3-D Secure on this order. Safe to repeat:
   * once the order's latest payment is canceled, asking again answers it unchanged. Another
   * customer's order is a 404; a payment in any other state a 409 `payment_not_cancelable`.
   */
  async cancelForCustomer(orderId: string, userId: string, actor: Actor): Promise<PaymentRow> {
    const order = await this.deps.orders.find(orderId);
    if (!order || order.userId !== userId) throw notFound('Order');
    const [latest] = await repo.paymentsOfOrders(this.deps.db, [orderId]);
    if (!latest)
      throw conflict('payment_not_cancelable', 'This order has no payment to cancel.', {
        details: { payment_status: null },
      });
    if (latest.status === 'canceled') return latest;
    if (latest.status !== 'requires_action') throw notCancelable(latest.status);
    const settled = await this.cancelWaiting(latest, actor);
    if (settled.status !== 'canceled') throw notCancelable(settled.status);
    return settled;
  }

  /**
   * Before an account is deleted: payments whose outcome we do not know are settled with Stripe
   * first (one may turn out to wait for 3-D Secure, or to be paid), then every payment waiting
   * for the customer is canceled. Returns what is left in flight, which the caller refuses on.
   */
  async closeOpenPaymentsOf(userId: string, actor: Actor): Promise<ClosedPayments> {
    const { db } = this.deps;
    for (const payment of await repo.ofCustomerIn(db, userId, ['creating', 'unknown'])) {
      await this.sync.syncPayment(payment.id, actor);
    }
    const canceled: PaymentRow[] = [];
    for (const payment of await repo.ofCustomerIn(db, userId, ['requires_action'])) {
      const settled = await this.cancelWaiting(payment, actor);
      if (settled.status === 'canceled') canceled.push(settled);
    }
    const stillOpen = await repo.ofCustomerIn(db, userId, [
      'creating',
      'unknown',
      'requires_action',
      'processing',
      'requires_capture',
    ]);
    return { canceled, stillOpen };
  }

  /**
   * Cancels a `requires_action` payment at Stripe and records the answer. Stripe's view is read
   * first: an intent the customer finished meanwhile may be authorised (manual capture) or
   * processing, both of which Stripe would cancel, releasing money the customer meant to pay, so
   * only an intent still waiting for them is canceled. When Stripe refuses (the intent went on
   * between the two calls), what it says about the intent is recorded instead.
   */
  private async cancelWaiting(payment: PaymentRow, actor: Actor): Promise<PaymentRow> {
    const current = await this.sync.syncPayment(payment.id, actor);
    const intentId = current.stripePaymentIntentId;
    if (current.status !== 'requires_action' || !intentId) return current;
    const call = await callProvider(
      'payment_intents.cancel',
      `paydeck-cancel-${payment.id}`,
      (key) => this.deps.provider.cancelIntent(intentId, key),
    );
    if (call.kind === 'refused') {
      this.deps.logger.info(
        { payment_id: payment.id, code: call.error.code },
        'Stripe refused to cancel a payment waiting for 3-D Secure; settling it from Stripe',
      );
      return this.sync.syncPayment(payment.id, actor);
    }
    // Unknown whether it was canceled: the payment stays as it is, and the webhook or the
    // reconciler settles it; the customer is told to try again.
    if (call.kind === 'unavailable') throw call.error;
    return this.settlement.applyIntent(
      current,
      { intent: call.value.value, requestId: call.value.requestId },
      actor,
    );
  }
}
