// Settling a payment with Stripe: the one routine that brings a payment in line with Stripe,
// used after 3-D Secure, by webhooks, by jobs and by the reconciler. Safe to run any number of
// times.
import { AppError, notFound } from '../../../lib/errors.ts';
import type { Actor } from '../../audit/actor.ts';
import { REDRIVE_AFTER_MS, REDRIVE_WINDOW_MS } from '../job-names.ts';
import * as repo from '../repository.ts';
import type { PaymentRow } from '../repository.ts';
import { eventAddsNothing, type EventClaim } from '../state.ts';
import { confirmIntent } from './confirm.ts';
import type { PaymentsDeps } from './deps.ts';
import type { OffSessionRetries } from './off-session-retries.ts';
import type { PaymentSettlement } from './settle.ts';

export class PaymentSync {
  constructor(
    private readonly deps: PaymentsDeps,
    private readonly settlement: PaymentSettlement,
    private readonly offSession: OffSessionRetries,
  ) {}

  /** Asks Stripe about a payment and records what it says. */
  async syncPayment(paymentId: string, actor: Actor, stripeEventId?: string): Promise<PaymentRow> {
    const payment = await repo.findPayment(this.deps.db, paymentId);
    if (!payment) throw notFound('Payment');
    if (payment.stripePaymentIntentId) {
      const answer = await this.deps.provider.retrieveIntent(payment.stripePaymentIntentId);
      const synced = await this.settlement.applyIntent(
        payment,
        { intent: answer.value, requestId: answer.requestId, stripeEventId: stripeEventId ?? null },
        actor,
      );
      await this.settlement.saveCardIfAsked(synced, actor);
      return synced;
    }
    if (payment.status !== 'creating' && payment.status !== 'unknown') return payment;
    return this.recoverUnconfirmed(payment, actor);
  }

  /**
   * A payment whose Stripe call may or may not have happened. Replaying the creation with the
   * same idempotency key is the authoritative question: Stripe answers with the intent it made
   * (no second charge), or makes it now if our request never arrived.
   */
  private async recoverUnconfirmed(payment: PaymentRow, actor: Actor): Promise<PaymentRow> {
    const { clock, customers, provider } = this.deps;
    const age = clock.now().getTime() - payment.createdAt.getTime();
    if (age < REDRIVE_AFTER_MS && payment.status === 'creating') return payment; // its request may still be running
    if (age < REDRIVE_WINDOW_MS) {
      const customerId = await customers.findStripeCustomerId(payment.userId);
      if (!customerId)
        throw new AppError(500, 'internal_error', `payment ${payment.id} has no Stripe customer`);
      const call = await confirmIntent(this.deps, payment, customerId);
      if (call.kind === 'unavailable') {
        if (call.retryLater) return this.settlement.markUnknown(payment.id, actor);
        throw call.error;
      }
      if (call.kind === 'refused')
        return this.settlement.applyRefusal(payment.id, call.error, actor);
      const outcome = call.value;
      const settled = await this.settlement.applyConfirmation(payment.id, outcome, actor);
      if (outcome.kind === 'card_error')
        await this.offSession.afterCardError(settled, outcome.error, actor);
      return settled;
    }
    // Too old to replay safely: look for it; if Stripe never saw it, it never charged.
    const found = await provider.findIntentByPaymentId(payment.id);
    if (found.value)
      return this.settlement.applyIntent(
        payment.id,
        { intent: found.value, requestId: found.requestId },
        actor,
      );
    return this.settlement.applyIntent(
      payment.id,
      {
        intent: null,
        failure: { code: 'not_created', message: 'The payment never reached Stripe.' },
        requestId: found.requestId,
      },
      actor,
    );
  }

  /**
   * Payments whose outcome we do not know — `creating` (the process may have died between
   * writing the row and hearing from Stripe) or `unknown` — that are older than `olderThanMs`,
   * oldest first. The sweeper (payments/jobs.ts) settles them after a crash or an outage.
   */
  unsettled(olderThanMs: number, limit: number): Promise<PaymentRow[]> {
    const before = new Date(this.deps.clock.now().getTime() - olderThanMs);
    return repo.unsettledBefore(this.deps.db, before, limit);
  }

  /** Finds our payment for a PaymentIntent (webhooks) and syncs it. */
  async syncByIntentId(
    intentId: string,
    actor: Actor,
    stripeEventId?: string,
    metadataPaymentId?: string,
    claim?: EventClaim,
  ): Promise<PaymentRow | undefined> {
    const { db, provider } = this.deps;
    let payment = await repo.findByIntentId(db, intentId);
    if (!payment && metadataPaymentId && /^[0-9a-f-]{36}$/.test(metadataPaymentId)) {
      payment = await repo.findPayment(db, metadataPaymentId);
      if (payment && payment.stripePaymentIntentId && payment.stripePaymentIntentId !== intentId)
        return undefined;
    }
    if (!payment) return undefined;
    if (!payment.stripePaymentIntentId) {
      const answer = await provider.retrieveIntent(intentId);
      return this.settlement.applyIntent(
        payment.id,
        { intent: answer.value, requestId: answer.requestId, stripeEventId: stripeEventId ?? null },
        actor,
      );
    }
    // Most events about a paid order trail the answer the pay request already recorded.
    if (claim && eventAddsNothing(payment, claim)) return payment;
    return this.syncPayment(payment.id, actor, stripeEventId);
  }

  /** The payment to sync for an order after the browser finished 3-D Secure. */
  async syncOrder(
    orderId: string,
    userId: string | null,
    actor: Actor,
  ): Promise<PaymentRow | undefined> {
    const order = await this.deps.orders.find(orderId);
    if (!order || (userId !== null && order.userId !== userId)) throw notFound('Order');
    const [latest] = await repo.paymentsOfOrders(this.deps.db, [orderId]);
    if (!latest) return undefined;
    return this.syncPayment(latest.id, actor);
  }
}
