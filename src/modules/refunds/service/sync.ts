// Bringing refunds in line with Stripe: re-driving a refund whose creation has no known
// outcome, following Stripe's refund events, and importing refunds made outside Paydeck.
import { notFound } from '../../../lib/errors.ts';
import type { RefundSnapshot } from '../../../stripe/provider.ts';
import { appendAudit } from '../../audit/audit-log.ts';
import type { Actor } from '../../audit/actor.ts';
import { REDRIVE_AFTER_MS, REDRIVE_WINDOW_MS } from '../job-names.ts';
import * as repo from '../repository.ts';
import type { RefundRow } from '../repository.ts';
import { requestRefund } from './create.ts';
import type { RefundsDeps } from './deps.ts';
import type { RefundSettlement } from './settle.ts';

export class RefundSync {
  constructor(
    private readonly deps: RefundsDeps,
    private readonly settlement: RefundSettlement,
  ) {}

  /** Brings a refund in line with Stripe; re-drives its creation when Stripe never answered. */
  async syncRefund(refundId: string, actor: Actor, stripeEventId?: string): Promise<RefundRow> {
    const { db, clock, provider, payments } = this.deps;
    const refund = await repo.findRefund(db, refundId);
    if (!refund) throw notFound('Refund');
    if (refund.stripeRefundId) {
      const answer = await provider.retrieveRefund(refund.stripeRefundId);
      return this.settlement.apply(refund.id, answer.value, answer.requestId, actor, stripeEventId);
    }
    if (refund.status !== 'creating' && refund.status !== 'unknown') return refund;
    const age = clock.now().getTime() - refund.createdAt.getTime();
    if (age < REDRIVE_AFTER_MS && refund.status === 'creating') return refund;
    const payment = await payments.find(refund.paymentId);
    if (age < REDRIVE_WINDOW_MS) {
      const call = await requestRefund(this.deps, refund, payment!.stripePaymentIntentId!);
      if (call.kind === 'answered')
        return this.settlement.apply(refund.id, call.value.value, call.value.requestId, actor);
      if (call.kind === 'refused')
        return this.settlement.setStatus(refund.id, 'failed', call.error.message, actor);
      if (call.retryLater) return this.settlement.setStatus(refund.id, 'unknown', null, actor);
      throw call.error;
    }
    const listed = await provider.listRefunds(payment!.stripePaymentIntentId!);
    const found = listed.value.find((r) => r.metadata.paydeck_refund_id === refund.id);
    if (found) return this.settlement.apply(refund.id, found, listed.requestId, actor);
    return this.settlement.setStatus(
      refund.id,
      'failed',
      'The refund never reached Stripe.',
      actor,
    );
  }

  /** Webhook entry: our refund for a Stripe refund, by id or by its metadata. */
  async syncByStripeRefund(
    snapshot: RefundSnapshot,
    actor: Actor,
    stripeEventId: string,
  ): Promise<RefundRow | undefined> {
    const { db, provider, payments } = this.deps;
    let refund = await repo.findByStripeId(db, snapshot.id);
    const metaId = snapshot.metadata.paydeck_refund_id;
    if (!refund && metaId && /^[0-9a-f-]{36}$/.test(metaId)) {
      refund = await repo.findRefund(db, metaId);
    }
    if (!refund && !metaId && snapshot.paymentIntentId) {
      // Made outside Paydeck (e.g. in Stripe's dashboard) on one of our payments: record it.
      const payment = await payments.findByIntentId(snapshot.paymentIntentId);
      if (payment) await this.importExternal(payment.id, actor, stripeEventId);
      return repo.findByStripeId(db, snapshot.id);
    }
    if (!refund) return undefined;
    // Re-read from Stripe rather than trusting the event's copy: order of arrival never matters.
    const answer = await provider.retrieveRefund(snapshot.id);
    return this.settlement.apply(refund.id, answer.value, answer.requestId, actor, stripeEventId);
  }

  /**
   * Records refunds Stripe has for a payment that we have no row for — refunds made outside
   * Paydeck — so our refunded totals match Stripe's. Returns how many were imported.
   */
  async importExternal(paymentId: string, actor: Actor, stripeEventId?: string): Promise<number> {
    const { db, clock, provider, payments, orders } = this.deps;
    const payment = await payments.find(paymentId);
    if (!payment?.stripePaymentIntentId) return 0;
    const listed = await provider.listRefunds(payment.stripePaymentIntentId);
    const now = clock.now();
    let imported = 0;
    for (const snapshot of listed.value) {
      if (snapshot.metadata.paydeck_refund_id) continue; // ours; the sync routine follows it
      const done = await db.transaction(async (tx) => {
        const order = (await orders.lockForUpdate(tx, payment.orderId))!;
        if (await repo.findByStripeId(tx, snapshot.id)) return false;
        const id = crypto.randomUUID();
        await repo.insertRefund(tx, {
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
        await this.settlement.recomputeTotals(tx, order, payment.id, now);
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

  /** Refunds not yet final, for the sweeper. */
  unsettled(olderThanMs: number, limit: number): Promise<RefundRow[]> {
    const before = new Date(this.deps.clock.now().getTime() - olderThanMs);
    return repo.unsettledBefore(this.deps.db, before, limit);
  }
}
