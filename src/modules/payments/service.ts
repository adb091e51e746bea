// The payments component's entry point for routes, jobs and other components. Each step lives
// in its own file under ./service/: pay.ts (write → call → settle), settle.ts (recording what
// Stripe said), sync.ts (asking Stripe again), capture-cancel.ts, abandon.ts (the customer
// cancels a payment waiting for 3-D Secure), off-session-retries.ts, and
// records.ts (payment data other components read).
import type { Actor } from '../audit/actor.ts';
import type { PaymentRow } from './repository.ts';
import type { EventClaim } from './state.ts';
import { PaymentAbandonment, type ClosedPayments } from './service/abandon.ts';
import { CaptureAndCancel } from './service/capture-cancel.ts';
import type { PayInput, PayResult, PaymentsDeps } from './service/deps.ts';
import { OffSessionRetries, type OffSessionRetry } from './service/off-session-retries.ts';
import { PayStep } from './service/pay.ts';
import type { PaymentRecords } from './service/records.ts';
import { PaymentSettlement } from './service/settle.ts';
import { PaymentSync } from './service/sync.ts';

export { publicPayment, type PaymentRow, type PublicPayment } from './repository.ts';
export type { ClosedPayments } from './service/abandon.ts';
export type { PayInput, PayResult } from './service/deps.ts';
export { PaymentRecords, type PaymentListFilter } from './service/records.ts';

export class PaymentsService {
  private readonly settlement: PaymentSettlement;
  private readonly offSession: OffSessionRetries;
  private readonly sync: PaymentSync;
  private readonly payStep: PayStep;
  private readonly captureAndCancel: CaptureAndCancel;
  private readonly abandonment: PaymentAbandonment;

  constructor(
    deps: PaymentsDeps,
    /** Payment data for other components (lists, order views, refunds, disputes). */
    readonly records: PaymentRecords,
  ) {
    this.settlement = new PaymentSettlement(deps);
    this.offSession = new OffSessionRetries(deps);
    this.sync = new PaymentSync(deps, this.settlement, this.offSession);
    this.payStep = new PayStep(deps, this.settlement, this.sync, this.offSession);
    this.captureAndCancel = new CaptureAndCancel(deps, this.settlement);
    this.abandonment = new PaymentAbandonment(deps, this.settlement, this.sync);
  }

  pay(input: PayInput, actor: Actor): Promise<PayResult> {
    return this.payStep.pay(input, actor);
  }

  capture(orderId: string, amount: number | undefined, actor: Actor): Promise<PaymentRow> {
    return this.captureAndCancel.capture(orderId, amount, actor);
  }

  cancel(orderId: string, actor: Actor): Promise<void> {
    return this.captureAndCancel.cancel(orderId, actor);
  }

  /** The customer cancels their own payment left waiting for 3-D Secure; the order is payable again. */
  cancelForCustomer(orderId: string, userId: string, actor: Actor): Promise<PaymentRow> {
    return this.abandonment.cancelForCustomer(orderId, userId, actor);
  }

  /** Before account deletion: unknown outcomes settled, payments waiting for 3-D Secure canceled. */
  closeOpenPaymentsOf(userId: string, actor: Actor): Promise<ClosedPayments> {
    return this.abandonment.closeOpenPaymentsOf(userId, actor);
  }

  syncPayment(paymentId: string, actor: Actor, stripeEventId?: string): Promise<PaymentRow> {
    return this.sync.syncPayment(paymentId, actor, stripeEventId);
  }

  syncByIntentId(
    intentId: string,
    actor: Actor,
    stripeEventId?: string,
    metadataPaymentId?: string,
    claim?: EventClaim,
  ): Promise<PaymentRow | undefined> {
    return this.sync.syncByIntentId(intentId, actor, stripeEventId, metadataPaymentId, claim);
  }

  syncOrder(orderId: string, userId: string | null, actor: Actor): Promise<PaymentRow | undefined> {
    return this.sync.syncOrder(orderId, userId, actor);
  }

  unsettled(olderThanMs: number, limit: number): Promise<PaymentRow[]> {
    return this.sync.unsettled(olderThanMs, limit);
  }

  retryOffSession(data: OffSessionRetry, actor: Actor): Promise<void> {
    return this.offSession.retry(data, actor, (input, a) => this.pay(input, a));
  }
}
