// Off-session payments (the merchant charges a saved card without the customer present). When
// the card needs the customer — authentication — the order waits for them and they are told;
// when the issuer declines softly, the charge is retried later, a bounded number of times.
import { AppError } from '../../../lib/errors.ts';
import type { CardError } from '../../../stripe/provider.ts';
import { appendAudit } from '../../audit/audit-log.ts';
import type { Actor } from '../../audit/actor.ts';
import { isSoftDecline } from '../declines.ts';
import { OFF_SESSION_RETRY_JOB } from '../job-names.ts';
import * as repo from '../repository.ts';
import type { PaymentRow } from '../repository.ts';
import type { PayInput, PayResult, PaymentsDeps } from './deps.ts';

export interface OffSessionRetry {
  orderId: string;
  attempt: number;
  retryOf: string;
}

export class OffSessionRetries {
  constructor(private readonly deps: PaymentsDeps) {}

  /** Off-session failures: authentication → ask the customer; soft decline → retry later. */
  async afterCardError(payment: PaymentRow, error: CardError, actor: Actor): Promise<void> {
    if (!payment.offSession) return;
    const { db, clock, jobs, logger, orders, options } = this.deps;
    if (error.code === 'authentication_required') {
      const now = clock.now();
      await db.transaction(async (tx) => {
        await orders.update(tx, payment.orderId, { status: 'requires_action', updatedAt: now });
        await this.deps.notices.authenticationNeeded(tx, payment);
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
    const delays = options.offSessionRetryDelaysMinutes;
    if (isSoftDecline(error.code, error.declineCode) && payment.attempt <= delays.length) {
      const delayMinutes = delays[payment.attempt - 1]!;
      await jobs.send(
        OFF_SESSION_RETRY_JOB,
        { orderId: payment.orderId, attempt: payment.attempt + 1, retryOf: payment.id },
        {
          startAfter: new Date(clock.now().getTime() + delayMinutes * 60_000),
          singletonKey: `${payment.orderId}:${payment.attempt + 1}`,
        },
      );
      logger.info(
        { payment_id: payment.id, attempt: payment.attempt, delay_minutes: delayMinutes },
        'off-session retry scheduled',
      );
    }
  }

  /** A scheduled off-session retry: only if the order is still waiting for money. */
  async retry(
    data: OffSessionRetry,
    actor: Actor,
    pay: (input: PayInput, actor: Actor) => Promise<PayResult>,
  ): Promise<void> {
    const order = await this.deps.orders.find(data.orderId);
    if (!order || order.status !== 'open') return;
    // Jobs are delivered at least once: a retry that already made its attempt must not try the card again.
    if (await repo.retryExists(this.deps.db, data.retryOf)) return;
    try {
      await pay(
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
}
