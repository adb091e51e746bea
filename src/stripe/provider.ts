// The payment provider, as the domain sees it. Domain code depends on this interface only; the
// Stripe implementation (stripe-provider.ts) is the one module that imports the `stripe` SDK.
// Every mutating call takes an idempotency key derived from our own record, so repeating one of
// our operations (after a crash, a timeout, a retry job) can never do it twice at Stripe.

export type IntentStatus =
  | 'requires_payment_method'
  | 'requires_confirmation'
  | 'requires_action'
  | 'processing'
  | 'requires_capture'
  | 'succeeded'
  | 'canceled';

export interface CardError {
  /** Stripe's error code, e.g. card_declined, expired_card, authentication_required. */
  code: string;
  /** The issuer's reason, e.g. insufficient_funds, when code is card_declined. */
  declineCode: string | null;
  message: string;
}

/** The card a payment was made with, as Stripe reports it (never the number). */
export interface CardSummary {
  brand: string;
  last4: string;
  expMonth: number | null;
  expYear: number | null;
}

export interface IntentSnapshot {
  id: string;
  status: IntentStatus;
  amount: number;
  currency: string;
  amountReceived: number;
  amountCapturable: number;
  captureMethod: 'automatic' | 'manual';
  clientSecret: string | null;
  nextAction: Record<string, unknown> | null;
  paymentMethodId: string | null;
  /**
   * From the latest charge's payment_method_details.card (or, for a declined confirmation, the
   * payment method Stripe's error carries); null while no charge has been attempted.
   */
  card: CardSummary | null;
  latestChargeId: string | null;
  /** From the latest charge, when it was expanded. */
  amountRefunded: number;
  disputed: boolean;
  lastError: CardError | null;
  metadata: Record<string, string>;
  /** Unix seconds. */
  created: number;
}

export interface RefundSnapshot {
  id: string;
  status: 'pending' | 'requires_action' | 'succeeded' | 'failed' | 'canceled';
  amount: number;
  currency: string;
  paymentIntentId: string | null;
  failureReason: string | null;
  metadata: Record<string, string>;
}

export interface CardDetails {
  id: string;
  customerId: string | null;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
  fingerprint: string | null;
}

export interface ProviderEvent {
  id: string;
  type: string;
  created: number;
  apiVersion: string | null;
  livemode: boolean;
  objectId: string | null;
  object: Record<string, unknown>;
  raw: Record<string, unknown>;
}

/** Every answer carries Stripe's request id, recorded in the audit log and the payment. */
export interface Answer<T> {
  value: T;
  requestId: string | null;
}

/** A confirmation that Stripe answered: either the intent, or a card error with the intent. */
export type ConfirmOutcome =
  | { kind: 'intent'; intent: IntentSnapshot; requestId: string | null }
  | {
      kind: 'card_error';
      error: CardError;
      intent: IntentSnapshot | null;
      requestId: string | null;
    };

export interface CreateIntentInput {
  amount: number;
  currency: string;
  customerId: string;
  paymentMethodId: string;
  captureMethod: 'automatic' | 'manual';
  offSession: boolean;
  /** Save the card on the customer for later off-session use. */
  setupFutureUsage?: 'off_session';
  metadata: Record<string, string>;
  description?: string;
}

export interface PaymentProvider {
  readonly name: string;
  createCustomer(
    input: { userId: string },
    idempotencyKey: string,
  ): Promise<Answer<{ id: string }>>;
  /** Deletes the customer at Stripe (its saved cards go with it). */
  deleteCustomer(customerId: string): Promise<Answer<void>>;
  createSetupIntent(
    customerId: string,
    idempotencyKey: string,
  ): Promise<Answer<{ id: string; clientSecret: string }>>;
  retrievePaymentMethod(id: string): Promise<Answer<CardDetails>>;
  attachPaymentMethod(
    id: string,
    customerId: string,
    idempotencyKey: string,
  ): Promise<Answer<CardDetails>>;
  detachPaymentMethod(id: string, idempotencyKey: string): Promise<Answer<void>>;
  setDefaultPaymentMethod(
    customerId: string,
    paymentMethodId: string,
    idempotencyKey: string,
  ): Promise<Answer<void>>;
  createAndConfirmIntent(input: CreateIntentInput, idempotencyKey: string): Promise<ConfirmOutcome>;
  retrieveIntent(id: string): Promise<Answer<IntentSnapshot>>;
  /** Finds the intent created for one of our payments (when we never learnt its id). */
  findIntentByPaymentId(paymentId: string): Promise<Answer<IntentSnapshot | null>>;
  captureIntent(
    id: string,
    amount: number | undefined,
    idempotencyKey: string,
  ): Promise<Answer<IntentSnapshot>>;
  cancelIntent(id: string, idempotencyKey: string): Promise<Answer<IntentSnapshot>>;
  createRefund(
    input: {
      paymentIntentId: string;
      amount: number;
      metadata: Record<string, string>;
      reason?: string;
    },
    idempotencyKey: string,
  ): Promise<Answer<RefundSnapshot>>;
  retrieveRefund(id: string): Promise<Answer<RefundSnapshot>>;
  listRefunds(paymentIntentId: string): Promise<Answer<RefundSnapshot[]>>;
  /** Verifies a webhook against each secret in turn; throws AppError 400 when none matches. */
  verifyWebhook(rawBody: Buffer, signatureHeader: string, secrets: string[]): ProviderEvent;
  createWebhookEndpoint(
    url: string,
    events: string[],
  ): Promise<Answer<{ id: string; secret: string }>>;
  listWebhookEndpoints(): Promise<Answer<Array<{ id: string; url: string }>>>;
  deleteWebhookEndpoint(id: string): Promise<Answer<void>>;
  /** Cheap authenticated call for readiness. */
  ping(): Promise<void>;
}

/** The AppError code for "Stripe did not answer": the outcome of a mutating call is unknown. */
export const PROVIDER_UNAVAILABLE = 'payment_provider_unavailable';
