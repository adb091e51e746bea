// Payments: write → call → settle (ARCHITECTURE.md, "Payment flow").
//
//  1. In one transaction: lock the order, insert the payment (`creating`) with a Stripe
//     idempotency key derived from its id, audit it.
//  2. Call Stripe with that key.
//  3. In a second transaction: record the outcome. If Stripe did not answer, the payment is
//     `unknown`, and `syncPayment` — the one routine that brings a payment in line with Stripe,
//     used after 3-D Secure, by webhooks, by jobs and by the reconciler — settles it later.
//
// No Stripe call ever happens inside a database transaction. The payment row lock (taken in
// `applyIntent`) serialises every change to one payment; the state machine makes a stale
// snapshot harmless (a transition backwards is skipped, not applied).
import { and, asc, eq, inArray, lt } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Db, DbOrTx } from '../../db/client.ts';
import { orders, outbox, payments, stripeCustomers, type PaymentStatus } from '../../db/schema.ts';
import type { JobSender } from '../../jobs/queue.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError, badRequest, conflict, notFound } from '../../lib/errors.ts';
import { metrics } from '../../lib/metrics.ts';
import {
  PROVIDER_UNAVAILABLE,
  type CardError,
  type CardSummary,
  type ConfirmOutcome,
  type IntentSnapshot,
  type PaymentProvider,
} from '../../stripe/provider.ts';
import { appendAudit } from '../audit/audit-log.ts';
import type { Actor } from '../audit/actor.ts';
import type { CustomersService } from '../customers/service.ts';
import * as orderRepo from '../orders/repository.ts';
import type { OrdersService } from '../orders/service.ts';
import * as pmRepo from '../payment-methods/repository.ts';
import type { PaymentMethodsService } from '../payment-methods/service.ts';
import { customerMessage, isSoftDecline } from './declines.ts';
import {
  ACTIVE_PAYMENT_STATUSES,
  canTransition,
  orderStatusFor,
  statusFromIntent,
} from './state.ts';

type PaymentRow = orderRepo.PaymentRow;
type OrderRow = orderRepo.OrderRow;

export const SYNC_PAYMENT_JOB = 'payments.sync';
export const OFF_SESSION_RETRY_JOB = 'payments.retry_off_session';
export const SETTLE_STALE_JOB = 'payments.settle_stale';

/** How long a `creating` payment may wait before the sync routine re-drives its Stripe call. */
export const REDRIVE_AFTER_MS = 10_000;
/** Stripe keeps idempotency keys 24 hours; past that a re-drive could charge twice. */
const REDRIVE_WINDOW_MS = 23 * 3_600_000;

export interface PayInput {
  orderId: string;
  /** The order's owner, when a customer pays; null when an operator or API key acts. */
  userId: string | null;
  paymentMethodId?: string | undefined;
  savePaymentMethod?: boolean | undefined;
  offSession?: boolean;
  attempt?: number;
  retryOf?: string | null;
}

export interface PayResult {
  httpStatus: 200 | 202;
  payment: PaymentRow;
  clientSecret: string | null;
  nextAction: Record<string, unknown> | null;
}

export interface PaymentsOptions {
  /** Minutes between off-session retries after a soft decline, one entry per retry. */
  offSessionRetryDelaysMinutes: number[];
}

interface Settlement {
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

function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code === '23505' || e?.cause?.code === '23505';
}

export class PaymentsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly provider: PaymentProvider,
    private readonly customers: CustomersService,
    private readonly paymentMethods: PaymentMethodsService,
    private readonly orders: OrdersService,
    private readonly jobs: JobSender,
    private readonly logger: Logger,
    private readonly options: PaymentsOptions,
  ) {}

  // ------------------------------------------------------------------------------------------
  // Paying
  // ------------------------------------------------------------------------------------------

  async pay(input: PayInput, actor: Actor): Promise<PayResult> {
    const order = await orderRepo.findOrder(this.db, input.orderId);
    if (!order || (input.userId !== null && order.userId !== input.userId)) throw notFound('Order');
    this.assertPayable(order);

    const paymentMethodId = await this.resolvePaymentMethod(order.userId, input.paymentMethodId);
    const customerId = await this.customers.ensureStripeCustomer(order.userId);
    await this.releaseAbandonedAttempt(order.id, actor);

    const offSession = input.offSession ?? false;
    const payment = await this.recordIntent(order.id, actor, {
      paymentMethodId,
      offSession,
      savePaymentMethod: !offSession && (input.savePaymentMethod ?? false),
      attempt: input.attempt ?? 1,
      retryOf: input.retryOf ?? null,
    });

    metrics.paymentAttempts.inc({ currency: payment.currency, off_session: String(offSession) });
    let outcome: ConfirmOutcome;
    try {
      outcome = await this.provider.createAndConfirmIntent(
        this.intentInput(payment, customerId),
        payment.stripeIdempotencyKey,
      );
    } catch (err) {
      return this.handleCallFailure(payment, err, actor);
    }

    const settled = await this.settleOutcome(payment.id, outcome, actor);
    if (outcome.kind === 'card_error') {
      await this.afterCardError(settled, outcome.error, actor);
      throw this.declineError(settled, outcome.error);
    }
    await this.saveCardIfAsked(settled, actor);
    return {
      httpStatus: 200,
      payment: settled,
      clientSecret: settled.status === 'requires_action' ? outcome.intent.clientSecret : null,
      nextAction: settled.status === 'requires_action' ? outcome.intent.nextAction : null,
    };
  }

  private assertPayable(order: OrderRow): void {
    if (order.status === 'canceled') throw conflict('order_canceled', 'This order was canceled.');
    if (['authorized', 'paid', 'partially_refunded', 'refunded'].includes(order.status)) {
      throw conflict('order_already_paid', 'This order is already paid.');
    }
  }

  /** The Stripe payment method to charge: one given (ownership checked), or the default card. */
  private async resolvePaymentMethod(userId: string, given: string | undefined): Promise<string> {
    if (given) {
      const saved = await pmRepo.findForUser(this.db, userId, given);
      if (saved) return saved.stripePaymentMethodId;
      if (!given.startsWith('pm_')) throw notFound('Payment method');
      await this.paymentMethods.checkOwnership(userId, given);
      return given;
    }
    const fallback = await pmRepo.findDefault(this.db, userId);
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
    const [waiting] = await this.db
      .select()
      .from(payments)
      .where(and(eq(payments.orderId, orderId), eq(payments.status, 'requires_action')));
    if (!waiting?.stripePaymentIntentId) return;
    const synced = await this.syncPayment(waiting.id, actor);
    if (synced.status !== 'requires_action') return;
    const answer = await this.provider.cancelIntent(
      synced.stripePaymentIntentId!,
      `paydeck-cancel-${synced.id}`,
    );
    await this.applyIntent(synced.id, { intent: answer.value, requestId: answer.requestId }, actor);
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
    },
  ): Promise<PaymentRow> {
    const now = this.clock.now();
    try {
      return await this.db.transaction(async (tx) => {
        const order = (await orderRepo.findOrder(tx, orderId, { forUpdate: true }))!;
        this.assertPayable(order);
        const active = await tx
          .select({ id: payments.id, status: payments.status })
          .from(payments)
          .where(
            and(
              eq(payments.orderId, orderId),
              inArray(payments.status, [...ACTIVE_PAYMENT_STATUSES]),
            ),
          );
        if (active.length) throw this.inProgressError();
        const id = crypto.randomUUID();
        const [payment] = await tx
          .insert(payments)
          .values({
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
            createdAt: now,
            updatedAt: now,
          })
          .returning();
        await orderRepo.updateOrder(tx, orderId, { status: 'processing', updatedAt: now });
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
        return payment!;
      });
    } catch (err) {
      // The partial unique index is the last line of defence against a concurrent second payment.
      if (isUniqueViolation(err)) throw this.inProgressError();
      throw err;
    }
  }

  private inProgressError() {
    return conflict(
      'order_payment_in_progress',
      'A payment for this order is already in progress or complete.',
    );
  }

  private intentInput(payment: PaymentRow, customerId: string) {
    return {
      amount: payment.amount,
      currency: payment.currency,
      customerId,
      paymentMethodId: payment.stripePaymentMethodId!,
      captureMethod: payment.captureMethod,
      offSession: payment.offSession,
      ...(payment.savePaymentMethod ? { setupFutureUsage: 'off_session' as const } : {}),
      metadata: {
        paydeck_payment_id: payment.id,
        paydeck_order_id: payment.orderId,
        ...(payment.savePaymentMethod ? { paydeck_save_payment_method: 'true' } : {}),
      },
    };
  }

  /** Step 2 failed. Unknown outcome: keep the payment open for the sync job. Refusal: failed. */
  private async handleCallFailure(
    payment: PaymentRow,
    err: unknown,
    actor: Actor,
  ): Promise<PayResult> {
    if (err instanceof AppError && err.code === PROVIDER_UNAVAILABLE) {
      const unknown = await this.markUnknown(payment.id, actor);
      await this.jobs.send(
        SYNC_PAYMENT_JOB,
        { paymentId: payment.id },
        { startAfter: 5, singletonKey: payment.id },
      );
      return { httpStatus: 202, payment: unknown, clientSecret: null, nextAction: null };
    }
    if (err instanceof AppError && err.status < 500) {
      // Stripe refused the request itself (e.g. a payment method it cannot use): no charge exists.
      await this.applyIntent(
        payment.id,
        { intent: null, failure: { code: err.code, message: err.message }, requestId: null },
        actor,
      );
      throw err;
    }
    await this.markUnknown(payment.id, actor);
    throw err;
  }

  private async markUnknown(paymentId: string, actor: Actor): Promise<PaymentRow> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx
        .select()
        .from(payments)
        .where(eq(payments.id, paymentId))
        .for('update');
      if (!row || row.status !== 'creating') return row!;
      const [updated] = await tx
        .update(payments)
        .set({ status: 'unknown', updatedAt: this.clock.now() })
        .where(eq(payments.id, paymentId))
        .returning();
      await this.audit(tx, actor, 'payment.outcome_unknown', row, updated!, {});
      return updated!;
    });
  }

  private settleOutcome(
    paymentId: string,
    outcome: ConfirmOutcome,
    actor: Actor,
  ): Promise<PaymentRow> {
    if (outcome.kind === 'intent')
      return this.applyIntent(
        paymentId,
        { intent: outcome.intent, requestId: outcome.requestId },
        actor,
      );
    return this.applyIntent(
      paymentId,
      { intent: outcome.intent, cardError: outcome.error, requestId: outcome.requestId },
      actor,
    );
  }

  private declineError(payment: PaymentRow, error: CardError): AppError {
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

  /** Off-session failures: authentication → ask the customer; soft decline → retry later. */
  private async afterCardError(payment: PaymentRow, error: CardError, actor: Actor): Promise<void> {
    if (!payment.offSession) return;
    if (error.code === 'authentication_required') {
      const now = this.clock.now();
      await this.db.transaction(async (tx) => {
        await orderRepo.updateOrder(tx, payment.orderId, {
          status: 'requires_action',
          updatedAt: now,
        });
        await tx.insert(outbox).values({
          userId: payment.userId,
          kind: 'payment_requires_authentication',
          payload: {
            order_id: payment.orderId,
            payment_id: payment.id,
            amount: payment.amount,
            currency: payment.currency,
            checkout_path: `/checkout/${payment.orderId}`,
          },
          createdAt: now,
        });
        await appendAudit(tx, {
          actorType: actor.type,
          actorId: actor.id,
          action: 'order.awaiting_customer_authentication',
          targetType: 'order',
          targetId: payment.orderId,
          after: { payment_id: payment.id },
          ip: actor.ip,
          requestId: actor.requestId,
          occurredAt: now,
        });
      });
      return;
    }
    const delays = this.options.offSessionRetryDelaysMinutes;
    if (isSoftDecline(error.code, error.declineCode) && payment.attempt <= delays.length) {
      const delayMinutes = delays[payment.attempt - 1]!;
      await this.jobs.send(
        OFF_SESSION_RETRY_JOB,
        { orderId: payment.orderId, attempt: payment.attempt + 1, retryOf: payment.id },
        {
          startAfter: new Date(this.clock.now().getTime() + delayMinutes * 60_000),
          singletonKey: `${payment.orderId}:${payment.attempt + 1}`,
        },
      );
      this.logger.info(
        { payment_id: payment.id, attempt: payment.attempt, delay_minutes: delayMinutes },
        'off-session retry scheduled',
      );
    }
  }

  /** A scheduled off-session retry: only if the order is still waiting for money. */
  async retryOffSession(
    data: { orderId: string; attempt: number; retryOf: string },
    actor: Actor,
  ): Promise<void> {
    const order = await orderRepo.findOrder(this.db, data.orderId);
    if (!order || order.status !== 'open') return;
    // Jobs are delivered at least once: a retry that already made its attempt must not try the card again.
    const [done] = await this.db
      .select({ id: payments.id })
      .from(payments)
      .where(eq(payments.retryOf, data.retryOf));
    if (done) return;
    try {
      await this.pay(
        {
          orderId: data.orderId,
          userId: null,
          offSession: true,
          attempt: data.attempt,
          retryOf: data.retryOf,
        },
        actor,
      );
    } catch (err) {
      // A decline is an outcome, recorded on the payment; anything else makes the job retry.
      if (!(err instanceof AppError && err.status < 500)) throw err;
    }
  }

  private async saveCardIfAsked(payment: PaymentRow, actor: Actor): Promise<void> {
    if (!payment.savePaymentMethod || !payment.stripePaymentMethodId) return;
    if (payment.status !== 'succeeded' && payment.status !== 'requires_capture') return;
    if (await pmRepo.findByStripeId(this.db, payment.stripePaymentMethodId)) return;
    const [customer] = await this.db
      .select()
      .from(stripeCustomers)
      .where(eq(stripeCustomers.userId, payment.userId));
    if (!customer) return;
    try {
      const card = await this.provider.retrievePaymentMethod(payment.stripePaymentMethodId);
      if (card.value.customerId !== customer.stripeCustomerId) return;
      await this.paymentMethods.record(
        payment.userId,
        customer.stripeCustomerId,
        card.value,
        card.requestId,
        actor,
      );
    } catch (err) {
      // The payment itself succeeded; failing to remember the card must not turn it into an error.
      this.logger.warn(
        { err, payment_id: payment.id },
        'could not save the card used for a payment',
      );
    }
  }

  // ------------------------------------------------------------------------------------------
  // Settling: the one routine that brings a payment in line with Stripe
  // ------------------------------------------------------------------------------------------

  /** Asks Stripe about a payment and records what it says. Safe to run any number of times. */
  async syncPayment(paymentId: string, actor: Actor, stripeEventId?: string): Promise<PaymentRow> {
    const [payment] = await this.db.select().from(payments).where(eq(payments.id, paymentId));
    if (!payment) throw notFound('Payment');
    if (payment.stripePaymentIntentId) {
      const answer = await this.provider.retrieveIntent(payment.stripePaymentIntentId);
      const synced = await this.applyIntent(
        payment.id,
        { intent: answer.value, requestId: answer.requestId, stripeEventId: stripeEventId ?? null },
        actor,
      );
      await this.saveCardIfAsked(synced, actor);
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
    const age = this.clock.now().getTime() - payment.createdAt.getTime();
    if (age < REDRIVE_AFTER_MS && payment.status === 'creating') return payment; // its request may still be running
    if (age < REDRIVE_WINDOW_MS) {
      const [customer] = await this.db
        .select()
        .from(stripeCustomers)
        .where(eq(stripeCustomers.userId, payment.userId));
      if (!customer)
        throw new AppError(500, 'internal_error', `payment ${payment.id} has no Stripe customer`);
      let outcome: ConfirmOutcome;
      try {
        outcome = await this.provider.createAndConfirmIntent(
          this.intentInput(payment, customer.stripeCustomerId),
          payment.stripeIdempotencyKey,
        );
      } catch (err) {
        if (err instanceof AppError && err.code === PROVIDER_UNAVAILABLE)
          return this.markUnknown(payment.id, actor);
        if (err instanceof AppError && err.status < 500) {
          return this.applyIntent(
            payment.id,
            { intent: null, failure: { code: err.code, message: err.message }, requestId: null },
            actor,
          );
        }
        throw err;
      }
      const settled = await this.settleOutcome(payment.id, outcome, actor);
      if (outcome.kind === 'card_error') await this.afterCardError(settled, outcome.error, actor);
      return settled;
    }
    // Too old to replay safely: look for it; if Stripe never saw it, it never charged.
    const found = await this.provider.findIntentByPaymentId(payment.id);
    if (found.value)
      return this.applyIntent(
        payment.id,
        { intent: found.value, requestId: found.requestId },
        actor,
      );
    return this.applyIntent(
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
  async unsettled(olderThanMs: number, limit: number): Promise<PaymentRow[]> {
    const before = new Date(this.clock.now().getTime() - olderThanMs);
    return this.db
      .select()
      .from(payments)
      .where(and(inArray(payments.status, ['creating', 'unknown']), lt(payments.createdAt, before)))
      .orderBy(asc(payments.createdAt))
      .limit(limit);
  }

  /** Finds our payment for a PaymentIntent (webhooks) and syncs it. */
  async syncByIntentId(
    intentId: string,
    actor: Actor,
    stripeEventId?: string,
    metadataPaymentId?: string,
  ): Promise<PaymentRow | undefined> {
    let [payment] = await this.db
      .select()
      .from(payments)
      .where(eq(payments.stripePaymentIntentId, intentId));
    if (!payment && metadataPaymentId && /^[0-9a-f-]{36}$/.test(metadataPaymentId)) {
      [payment] = await this.db.select().from(payments).where(eq(payments.id, metadataPaymentId));
      if (payment && payment.stripePaymentIntentId && payment.stripePaymentIntentId !== intentId)
        return undefined;
    }
    if (!payment) return undefined;
    if (!payment.stripePaymentIntentId) {
      const answer = await this.provider.retrieveIntent(intentId);
      return this.applyIntent(
        payment.id,
        { intent: answer.value, requestId: answer.requestId, stripeEventId: stripeEventId ?? null },
        actor,
      );
    }
    return this.syncPayment(payment.id, actor, stripeEventId);
  }

  /** Step 3: records Stripe's view of a payment, under the order and payment row locks. */
  async applyIntent(paymentId: string, s: Settlement, actor: Actor): Promise<PaymentRow> {
    const now = this.clock.now();
    const result = await this.db.transaction(async (tx) => {
      const [head] = await tx
        .select({ orderId: payments.orderId })
        .from(payments)
        .where(eq(payments.id, paymentId));
      if (!head) throw notFound('Payment');
      // Lock order then payment: the same order as every other writer, so no deadlocks.
      const order = (await orderRepo.findOrder(tx, head.orderId, { forUpdate: true }))!;
      const [before] = await tx
        .select()
        .from(payments)
        .where(eq(payments.id, paymentId))
        .for('update');
      const current = before!;

      let target: PaymentStatus;
      if (s.intent) target = statusFromIntent(s.intent);
      else if (s.cardError || s.failure) target = 'failed';
      else return { payment: current, changed: false };
      if (!canTransition(current.status, target)) {
        this.logger.info(
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

      const [after] = await tx
        .update(payments)
        .set({ ...next, updatedAt: now })
        .where(eq(payments.id, paymentId))
        .returning();
      await this.updateOrderFor(tx, order, after!, now);
      await this.audit(tx, actor, `payment.${target}`, current, after!, {
        stripeRequestId: s.requestId,
        stripeEventId: s.stripeEventId ?? null,
      });
      return { payment: after!, changed: current.status !== after!.status };
    });
    if (result.changed) this.countOutcome(result.payment);
    return result.payment;
  }

  private async updateOrderFor(
    tx: DbOrTx,
    order: OrderRow,
    payment: PaymentRow,
    now: Date,
  ): Promise<void> {
    const status = orderStatusFor(payment, order);
    const paidAt = payment.status === 'succeeded' ? (order.paidAt ?? now) : order.paidAt;
    if (status === order.status && paidAt === order.paidAt) return;
    await tx.update(orders).set({ status, paidAt, updatedAt: now }).where(eq(orders.id, order.id));
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
      occurredAt: this.clock.now(),
    });
  }

  // ------------------------------------------------------------------------------------------
  // Capture and cancel (manual-capture orders)
  // ------------------------------------------------------------------------------------------

  private async activePayment(orderId: string): Promise<PaymentRow | undefined> {
    const [row] = await this.db
      .select()
      .from(payments)
      .where(
        and(eq(payments.orderId, orderId), inArray(payments.status, [...ACTIVE_PAYMENT_STATUSES])),
      );
    return row;
  }

  async capture(orderId: string, amount: number | undefined, actor: Actor): Promise<PaymentRow> {
    const order = await orderRepo.findOrder(this.db, orderId);
    if (!order) throw notFound('Order');
    const payment = await this.activePayment(orderId);
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
    const answer = await this.provider.captureIntent(
      payment.stripePaymentIntentId!,
      amount,
      `paydeck-capture-${payment.id}`,
    );
    return this.applyIntent(
      payment.id,
      { intent: answer.value, requestId: answer.requestId },
      actor,
    );
  }

  /** Cancels an order that has taken no money; an authorized payment is released at Stripe. */
  async cancel(orderId: string, actor: Actor): Promise<void> {
    const order = await orderRepo.findOrder(this.db, orderId);
    if (!order) throw notFound('Order');
    if (order.status === 'canceled') return;
    const payment = await this.activePayment(orderId);
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
    if (payment?.stripePaymentIntentId) {
      const answer = await this.provider.cancelIntent(
        payment.stripePaymentIntentId,
        `paydeck-cancel-${payment.id}`,
      );
      await this.applyIntent(
        payment.id,
        { intent: answer.value, requestId: answer.requestId },
        actor,
      );
    }
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      const locked = (await orderRepo.findOrder(tx, orderId, { forUpdate: true }))!;
      const stillActive = await tx
        .select({ id: payments.id })
        .from(payments)
        .where(
          and(
            eq(payments.orderId, orderId),
            inArray(payments.status, [...ACTIVE_PAYMENT_STATUSES]),
          ),
        );
      if (stillActive.length)
        throw conflict('order_payment_in_progress', 'A payment for this order is in progress.');
      await orderRepo.updateOrder(tx, orderId, { status: 'canceled', updatedAt: now });
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

  /** The payment to sync for an order after the browser finished 3-D Secure. */
  async syncOrder(
    orderId: string,
    userId: string | null,
    actor: Actor,
  ): Promise<PaymentRow | undefined> {
    const order = await orderRepo.findOrder(this.db, orderId);
    if (!order || (userId !== null && order.userId !== userId)) throw notFound('Order');
    const [latest] = await orderRepo.paymentsOf(this.db, [orderId]);
    if (!latest) return undefined;
    return this.syncPayment(latest.id, actor);
  }

  viewOrder(orderId: string, userId: string | null) {
    return this.orders.getFor(orderId, userId);
  }
}
