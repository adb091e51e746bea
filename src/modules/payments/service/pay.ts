// Paying an order: write → call → settle (ARCHITECTURE.md, "Payment flow").
//
//  1. In one transaction: lock the order, insert the payment (`creating`) with a Stripe
//     idempotency key derived from its id, audit it.
//  2. Call Stripe with that key (confirm.ts, through callProvider).
//  3. Record the outcome (settle.ts). If Stripe did not answer, the payment is `unknown`, and
//     the sync routine (sync.ts) settles it later.
//
// No Stripe call ever happens inside a database transaction.
import { isUniqueViolation } from '../../../db/errors.ts';
import { AppError, badRequest, conflict, notFound } from '../../../lib/errors.ts';
import { metrics } from '../../../lib/metrics.ts';
import { answerOrThrow, callProvider } from '../../../stripe/call-provider.ts';
import type { CardError } from '../../../stripe/provider.ts';
import { appendAudit } from '../../audit/audit-log.ts';
import type { Actor } from '../../audit/actor.ts';
import { IDEMPOTENCY_RETENTION_MS } from '../../idempotency/plugin.ts';
import { customerMessage } from '../declines.ts';
import { SYNC_PAYMENT_JOB } from '../job-names.ts';
import * as repo from '../repository.ts';
import type { PaymentRow } from '../repository.ts';
import { confirmIntent } from './confirm.ts';
import type { PayableOrder, PayInput, PayResult, PaymentsDeps } from './deps.ts';
import type { OffSessionRetries } from './off-session-retries.ts';
import type { PaymentSettlement } from './settle.ts';
import type { PaymentSync } from './sync.ts';

function assertPayable(order: PayableOrder): void {
  if (order.status === 'canceled') throw conflict('order_canceled', 'This order was canceled.');
  if (['authorized', 'paid', 'partially_refunded', 'refunded'].includes(order.status)) {
    throw conflict('order_already_paid', 'This order is already paid.');
  }
}

function inProgressError() {
  return conflict(
    'order_payment_in_progress',
    'A payment for this order is already in progress or complete.',
  );
}

function declineError(payment: PaymentRow, error: CardError): AppError {
  return new AppError(
    402,
    error.code === 'authentication_required' ? 'authentication_required' : 'card_declined',
    customerMessage(error.code, error.declineCode),
    {
      details: {
        decline_code: error.declineCode,
        stripe_code: error.code,
        payment: { id: payment.id, status: payment.status },
        order_id: payment.orderId,
      },
    },
  );
}

export class PayStep {
  constructor(
    private readonly deps: PaymentsDeps,
    private readonly settlement: PaymentSettlement,
    private readonly sync: PaymentSync,
    private readonly offSession: OffSessionRetries,
  ) {}

  async pay(input: PayInput, actor: Actor): Promise<PayResult> {
    if (input.requestKey) {
      const earlier = await repo.findByRequestKey(this.deps.db, input.orderId, input.requestKey);
      // Keys live 24 hours (ADR 008); past that the same key is a new request, as at Stripe.
      const current =
        earlier &&
        this.deps.clock.now().getTime() - earlier.createdAt.getTime() < IDEMPOTENCY_RETENTION_MS;
      if (earlier && current) {
        const again = await this.answerAgain(earlier, input, actor);
        if (again) return again;
      }
    }
    const order = await this.deps.orders.find(input.orderId);
    if (!order || (input.userId !== null && order.userId !== input.userId)) throw notFound('Order');
    assertPayable(order);

    const paymentMethodId = await this.resolvePaymentMethod(order.userId, input.paymentMethodId);
    const customerId = await this.deps.customers.ensureStripeCustomer(order.userId);
    // Only an order waiting for 3-D Secure can hold an abandoned attempt (orderStatusFor).
    if (order.status === 'requires_action') await this.releaseAbandonedAttempt(order.id, actor);

    const offSession = input.offSession ?? false;
    const payment = await this.recordIntent(order.id, actor, {
      paymentMethodId,
      offSession,
      savePaymentMethod: !offSession && (input.savePaymentMethod ?? false),
      attempt: input.attempt ?? 1,
      retryOf: input.retryOf ?? null,
      requestKey: input.requestKey ?? null,
    });

    metrics.paymentAttempts.inc({ currency: payment.currency, off_session: String(offSession) });
    const call = await confirmIntent(this.deps, payment, customerId);
    if (call.kind === 'unavailable') {
      const unknown = await this.settlement.markUnknown(payment.id, actor);
      if (!call.retryLater) throw call.error;
      await this.deps.jobs.send(
        SYNC_PAYMENT_JOB,
        { paymentId: payment.id },
        { startAfter: 5, singletonKey: payment.id },
      );
      return { httpStatus: 202, payment: unknown, clientSecret: null, nextAction: null };
    }
    if (call.kind === 'refused') {
      await this.settlement.applyRefusal(payment.id, call.error, actor);
      throw call.error;
    }

    const outcome = call.value;
    const { payment: settled, order: view } = await this.settlement.confirmWithOrderView(
      payment,
      outcome,
      actor,
    );
    if (outcome.kind === 'card_error') {
      await this.offSession.afterCardError(settled, outcome.error, actor);
      throw declineError(settled, outcome.error);
    }
    await this.settlement.saveCardIfAsked(settled, actor);
    return {
      httpStatus: 200,
      payment: settled,
      order: view,
      clientSecret: settled.status === 'requires_action' ? outcome.intent.clientSecret : null,
      nextAction: settled.status === 'requires_action' ? outcome.intent.nextAction : null,
    };
  }

  /**
   * The same client request again (same Idempotency-Key, same caller) after its first answer was
   * lost: the process died after the payment was written and before the key's record was
   * completed, so the key no longer replays anything. Answer what that payment came to — settled
   * with Stripe first if it was left `creating`/`unknown` — rather than refuse the order as
   * already paid or in progress. Undefined when the first attempt never reached Stripe: then
   * the retry pays afresh.
   */
  private async answerAgain(
    earlier: PaymentRow,
    input: PayInput,
    actor: Actor,
  ): Promise<PayResult | undefined> {
    if (input.userId !== null && earlier.userId !== input.userId) throw notFound('Order');
    const payment = await this.sync.syncPayment(earlier.id, actor);
    switch (payment.status) {
      case 'failed':
        if (payment.failureCode === 'not_created') return undefined;
        throw declineError(payment, {
          code: payment.failureCode ?? 'card_declined',
          declineCode: payment.declineCode,
          message: payment.failureMessage ?? '',
        });
      case 'creating':
      case 'unknown':
        await this.deps.jobs.send(
          SYNC_PAYMENT_JOB,
          { paymentId: payment.id },
          { startAfter: 5, singletonKey: payment.id },
        );
        return { httpStatus: 202, payment, clientSecret: null, nextAction: null };
      case 'requires_action': {
        // The challenge the first answer carried: the intent's client secret and next action.
        const intent = await this.deps.provider.retrieveIntent(payment.stripePaymentIntentId!);
        return {
          httpStatus: 200,
          payment,
          clientSecret: intent.value.clientSecret,
          nextAction: intent.value.nextAction,
        };
      }
      default:
        return { httpStatus: 200, payment, clientSecret: null, nextAction: null };
    }
  }

  /** The Stripe payment method to charge: one given (ownership checked), or the default card. */
  private async resolvePaymentMethod(userId: string, given: string | undefined): Promise<string> {
    const { cards } = this.deps;
    if (given) {
      const saved = await cards.findSaved(userId, given);
      if (saved) return saved.stripePaymentMethodId;
      if (!given.startsWith('pm_')) throw notFound('Payment method');
      await cards.checkOwnership(userId, given);
      return given;
    }
    const fallback = await cards.findDefault(userId);
    if (!fallback) {
      throw badRequest('payment_method_required', 'Choose a saved card or enter a new one.', {
        field: 'payment_method_id',
      });
    }
    return fallback.stripePaymentMethodId;
  }

  /**
   * A customer who left a 3-D Secure challenge and comes back with another card: the earlier
   * attempt still holds the order. Settle it with Stripe; if it is still waiting, cancel it.
   */
  private async releaseAbandonedAttempt(orderId: string, actor: Actor): Promise<void> {
    const waiting = await repo.findWithStatus(this.deps.db, orderId, 'requires_action');
    if (!waiting?.stripePaymentIntentId) return;
    const synced = await this.sync.syncPayment(waiting.id, actor);
    if (synced.status !== 'requires_action') return;
    const answer = answerOrThrow(
      await callProvider('payment_intents.cancel', `paydeck-cancel-${synced.id}`, (key) =>
        this.deps.provider.cancelIntent(synced.stripePaymentIntentId!, key),
      ),
    );
    await this.settlement.applyIntent(
      synced.id,
      { intent: answer.value, requestId: answer.requestId },
      actor,
    );
  }

  /** Step 1: the payment row, in the order's lock. A second attempt on a held order is refused. */
  private async recordIntent(
    orderId: string,
    actor: Actor,
    details: {
      paymentMethodId: string;
      offSession: boolean;
      savePaymentMethod: boolean;
      attempt: number;
      retryOf: string | null;
      requestKey: string | null;
    },
  ): Promise<PaymentRow> {
    const { db, clock, orders } = this.deps;
    const now = clock.now();
    try {
      return await db.transaction(async (tx) => {
        const order = (await orders.lockForUpdate(tx, orderId))!;
        assertPayable(order);
        // A payment still in flight or holding money refuses this one through the partial
        // unique index payments_one_active_per_order (caught below): no read first, one round
        // trip less, and no window between a read and the insert.
        const id = crypto.randomUUID();
        const payment = await repo.insertPayment(tx, {
          id,
          orderId,
          userId: order.userId,
          status: 'creating',
          amount: order.amount,
          currency: order.currency,
          captureMethod: order.captureMethod,
          offSession: details.offSession,
          savePaymentMethod: details.savePaymentMethod,
          stripeIdempotencyKey: `paydeck-payment-${id}`,
          stripePaymentMethodId: details.paymentMethodId,
          attempt: details.attempt,
          retryOf: details.retryOf,
          requestKey: details.requestKey,
          createdAt: now,
          updatedAt: now,
        });
        await orders.update(tx, orderId, { status: 'processing', updatedAt: now });
        await appendAudit(tx, {
          actorType: actor.type,
          actorId: actor.id,
          action: 'payment.created',
          targetType: 'payment',
          targetId: id,
          after: {
            order_id: orderId,
            status: 'creating',
            amount: order.amount,
            currency: order.currency,
            off_session: details.offSession,
            attempt: details.attempt,
          },
          ip: actor.ip,
          requestId: actor.requestId,
          occurredAt: now,
        });
        return payment;
      });
    } catch (err) {
      // payments_one_active_per_order: another payment of this order is in flight or took money.
      if (isUniqueViolation(err)) throw inProgressError();
      throw err;
    }
  }
}
