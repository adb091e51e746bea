// What the payment steps share: their dependencies, and what they need from the components
// around them. The orders, wallet and Stripe-customer services satisfy these interfaces (wired
// in server/services.ts); payments never imports those components.
import type { Logger } from 'pino';
import type { Db, DbOrTx } from '../../../db/client.ts';
import type { OrderStatus, PaymentStatus } from '../../../db/statuses.ts';
import type { JobSender } from '../../../jobs/queue.ts';
import type { Clock } from '../../../lib/clock.ts';
import type { CardDetails, PaymentProvider } from '../../../stripe/provider.ts';
import type { Actor } from '../../audit/actor.ts';
import type { PaymentRow } from '../repository.ts';

/** The order fields a payment reads and keeps in step. */
export interface PayableOrder {
  id: string;
  userId: string;
  status: OrderStatus;
  amount: number;
  currency: string;
  captureMethod: 'automatic' | 'manual';
  amountRefunded: number;
  paidAt: Date | null;
}

export interface OrderLedger {
  find(orderId: string): Promise<PayableOrder | undefined>;
  /** Locks the order row: every payment, refund and dispute writer locks the order first. */
  lockForUpdate(tx: DbOrTx, orderId: string): Promise<PayableOrder | undefined>;
  update(
    tx: DbOrTx,
    orderId: string,
    values: { status?: OrderStatus; paidAt?: Date | null; updatedAt: Date },
  ): Promise<unknown>;
  /** The order as its owner and the merchant API see it, read in the caller's transaction. */
  viewIn(tx: DbOrTx, orderId: string): Promise<object | undefined>;
}

export interface CardWallet {
  /** A card in the user's wallet, by our id or its pm_… id. */
  findSaved(userId: string, id: string): Promise<{ stripePaymentMethodId: string } | undefined>;
  findDefault(userId: string): Promise<{ stripePaymentMethodId: string } | undefined>;
  isSaved(stripePaymentMethodId: string): Promise<boolean>;
  /** 404 unless the pm_… id exists at Stripe and belongs to nobody else. */
  checkOwnership(userId: string, stripePaymentMethodId: string): Promise<unknown>;
  record(
    userId: string,
    customerId: string,
    card: CardDetails,
    stripeRequestId: string | null,
    actor: Actor,
  ): Promise<unknown>;
}

export interface StripeCustomers {
  findStripeCustomerId(userId: string): Promise<string | undefined>;
  ensureStripeCustomer(userId: string): Promise<string>;
}

/** The merchant's webhook events, written in the caller's transaction (merchant-webhooks). */
export interface PaymentEvents {
  paymentChanged(
    tx: DbOrTx,
    orderId: string,
    from: PaymentStatus,
    to: PaymentStatus,
    /** The order's view after the change, read at most once per transaction (OrderLedger.viewIn). */
    orderView: () => Promise<object | undefined>,
  ): Promise<void>;
}

/** Emails to the customer, written in the caller's transaction (customer-emails). */
export interface PaymentNotices {
  /** A payment's status changed: a receipt once it succeeded. */
  paymentChanged(tx: DbOrTx, payment: PaymentRow, from: PaymentStatus): Promise<void>;
  /** An off-session payment needs the customer: "confirm your payment", with the checkout link. */
  authenticationNeeded(tx: DbOrTx, payment: PaymentRow): Promise<void>;
}

export interface PaymentsOptions {
  /** Minutes between off-session retries after a soft decline, one entry per retry. */
  offSessionRetryDelaysMinutes: number[];
}

export interface PaymentsDeps {
  db: Db;
  clock: Clock;
  provider: PaymentProvider;
  jobs: JobSender;
  logger: Logger;
  orders: OrderLedger;
  cards: CardWallet;
  customers: StripeCustomers;
  events: PaymentEvents;
  notices: PaymentNotices;
  options: PaymentsOptions;
}

export interface PayInput {
  orderId: string;
  /** The order's owner, when a customer pays; null when an operator or API key acts. */
  userId: string | null;
  paymentMethodId?: string | undefined;
  savePaymentMethod?: boolean | undefined;
  offSession?: boolean;
  attempt?: number;
  retryOf?: string | null;
  /** The client request (Idempotency-Key and caller, hashed) this payment answers, if any. */
  requestKey?: string | undefined;
}

export interface PayResult {
  httpStatus: 200 | 202;
  payment: PaymentRow;
  /**
   * The order's view as the settling transaction left it (OrderLedger.viewIn), when the payment
   * was settled here: the answer is built from it instead of reading the order again.
   */
  order?: object | undefined;
  clientSecret: string | null;
  nextAction: Record<string, unknown> | null;
}
