// Disputes (chargebacks), recorded from Stripe's charge.dispute.* events. A dispute row is keyed
// by Stripe's id; its payment is flagged `disputed` (with an audit entry) so operators and the
// reconciler see it. Events may arrive in any order: a status never moves back to an earlier
// stage of the dispute's life.
import type { Db, DbOrTx } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import { metrics } from '../../lib/metrics.ts';
import { appendAudit } from '../audit/audit-log.ts';
import type { Actor } from '../audit/actor.ts';
import type { PaymentRecords } from '../payments/service.ts';
import * as repo from './repository.ts';
import type { DisputeRow } from './repository.ts';

export type { DisputeRow } from './repository.ts';

/** What a dispute needs from orders and payments (wired in server/services.ts). */
export interface DisputeDeps {
  orders: { lockForUpdate(tx: DbOrTx, orderId: string): Promise<unknown> };
  payments: Pick<PaymentRecords, 'findByChargeOrIntent' | 'lockForUpdate' | 'markDisputed'>;
  /** The merchant's webhook events, written in the caller's transaction (merchant-webhooks). */
  events: {
    disputeChanged(tx: DbOrTx, before: DisputeRow | null, after: DisputeRow): Promise<void>;
  };
}

export interface DisputeSnapshot {
  id: string;
  chargeId: string;
  paymentIntentId: string | null;
  amount: number;
  currency: string;
  status: string;
  reason: string | null;
}

/** Stripe's dispute statuses by stage: open → under review → closed. */
const STAGE: Record<string, number> = {
  warning_needs_response: 0,
  needs_response: 0,
  warning_under_review: 1,
  under_review: 1,
  warning_closed: 2,
  won: 2,
  lost: 2,
  prevented: 2,
};
const stageOf = (status: string) => STAGE[status] ?? 0;
/** Statuses in which a dispute still waits for the merchant or the bank. */
const OPEN_STATUSES = Object.keys(STAGE).filter((status) => stageOf(status) < 2);

/** Reads the fields we keep from a Stripe dispute object (as found in an event). */
export function disputeFromStripe(object: Record<string, unknown>): DisputeSnapshot | null {
  const idOf = (v: unknown) =>
    typeof v === 'string'
      ? v
      : typeof (v as { id?: unknown })?.id === 'string'
        ? (v as { id: string }).id
        : null;
  const chargeId = idOf(object.charge);
  if (typeof object.id !== 'string' || !chargeId) return null;
  return {
    id: object.id,
    chargeId,
    paymentIntentId: idOf(object.payment_intent),
    amount: typeof object.amount === 'number' ? object.amount : 0,
    currency: typeof object.currency === 'string' ? object.currency : '',
    status: typeof object.status === 'string' ? object.status : 'needs_response',
    reason: typeof object.reason === 'string' ? object.reason : null,
  };
}

export class DisputesService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly deps: DisputeDeps,
  ) {}

  /** For the console dashboard: disputes opened in [since, until), and disputes open now. */
  counts(since: Date, until: Date): Promise<{ opened: number; open: number }> {
    return repo.counts(this.db, since, until, OPEN_STATUSES);
  }

  /** Disputes of these payments, as a customer's data export shows them. */
  async ofPayments(paymentIds: string[]) {
    return (await repo.ofPayments(this.db, paymentIds)).map((d) => ({
      id: d.id,
      payment_id: d.paymentId,
      stripe_dispute_id: d.stripeDisputeId,
      amount: d.amount,
      currency: d.currency,
      status: d.status,
      reason: d.reason,
      created_at: d.createdAt.toISOString(),
      updated_at: d.updatedAt.toISOString(),
    }));
  }

  /** Records or updates a dispute and flags its payment. Safe to run any number of times. */
  async record(
    dispute: DisputeSnapshot,
    actor: Actor,
    stripeEventId: string | null,
  ): Promise<DisputeRow> {
    const now = this.clock.now();
    let opened = false;
    const recorded = await this.db.transaction(async (tx) => {
      const { orders, payments } = this.deps;
      const payment = await payments.findByChargeOrIntent(
        tx,
        dispute.chargeId,
        dispute.paymentIntentId,
      );
      // Same lock order as every payment writer (order, then payment): no deadlocks.
      if (payment) {
        await orders.lockForUpdate(tx, payment.orderId);
        const locked = await payments.lockForUpdate(tx, payment.id);
        payment.disputed = locked!.disputed;
      }

      const existing = await repo.findByStripeIdForUpdate(tx, dispute.id);
      let row: DisputeRow;
      if (!existing) {
        const inserted = await repo.insertIfNew(tx, {
          paymentId: payment?.id ?? null,
          stripeDisputeId: dispute.id,
          stripeChargeId: dispute.chargeId,
          amount: dispute.amount,
          currency: dispute.currency,
          status: dispute.status,
          reason: dispute.reason,
          createdAt: now,
          updatedAt: now,
        });
        // A concurrent run inserted it first: its row stands, this run only flags the payment.
        row = inserted ?? (await repo.findByStripeId(tx, dispute.id))!;
        opened = Boolean(inserted);
        await this.audit(tx, actor, 'dispute.created', null, row, stripeEventId, now);
      } else if (
        stageOf(dispute.status) >= stageOf(existing.status) &&
        dispute.status !== existing.status
      ) {
        row = await repo.updateDispute(tx, existing.id, {
          status: dispute.status,
          reason: dispute.reason ?? existing.reason,
          paymentId: existing.paymentId ?? payment?.id ?? null,
          updatedAt: now,
        });
        await this.audit(tx, actor, 'dispute.updated', existing, row, stripeEventId, now);
      } else {
        row = existing;
      }

      if (payment && !payment.disputed) {
        await payments.markDisputed(tx, payment.id, now);
        await appendAudit(tx, {
          actorType: actor.type,
          actorId: actor.id,
          action: 'payment.disputed',
          targetType: 'payment',
          targetId: payment.id,
          before: { disputed: false },
          after: { disputed: true, stripe_dispute_id: dispute.id },
          stripeEventId,
          ip: actor.ip,
          requestId: actor.requestId,
          occurredAt: now,
        });
      }
      return row;
    });
    // Counted once committed: a rolled-back transaction opened nothing.
    if (opened) metrics.disputesOpened.inc({ currency: recorded.currency });
    return recorded;
  }

  private async audit(
    tx: DbOrTx,
    actor: Actor,
    action: string,
    before: DisputeRow | null,
    after: DisputeRow,
    stripeEventId: string | null,
    now: Date,
  ): Promise<void> {
    await this.deps.events.disputeChanged(tx, before, after);
    const view = (d: DisputeRow) => ({
      status: d.status,
      reason: d.reason,
      amount: d.amount,
      currency: d.currency,
      payment_id: d.paymentId,
    });
    await appendAudit(tx, {
      actorType: actor.type,
      actorId: actor.id,
      action,
      targetType: 'dispute',
      targetId: after.id,
      before: before ? view(before) : null,
      after: view(after),
      stripeEventId,
      ip: actor.ip,
      requestId: actor.requestId,
      occurredAt: now,
    });
  }
}
