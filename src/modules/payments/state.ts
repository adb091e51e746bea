// The payment state machine. The database enforces the same transitions (trigger in migration
// 0003); keeping them here lets the domain skip a stale update instead of failing on it.
import type { OrderStatus, PaymentStatus } from '../../db/statuses.ts';
import type { IntentSnapshot } from '../../stripe/provider.ts';

const transitions: Record<PaymentStatus, readonly PaymentStatus[]> = {
  creating: [
    'unknown',
    'requires_action',
    'processing',
    'requires_capture',
    'succeeded',
    'failed',
    'canceled',
  ],
  unknown: ['requires_action', 'processing', 'requires_capture', 'succeeded', 'failed', 'canceled'],
  requires_action: ['processing', 'requires_capture', 'succeeded', 'failed', 'canceled'],
  processing: ['requires_action', 'requires_capture', 'succeeded', 'failed', 'canceled'],
  requires_capture: ['processing', 'succeeded', 'canceled'],
  succeeded: [],
  failed: [],
  canceled: [],
};

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return from === to || transitions[from].includes(to);
}

/** States in which a payment holds the order: in flight, authorised or paid. */
export const ACTIVE_PAYMENT_STATUSES: readonly PaymentStatus[] = [
  'creating',
  'unknown',
  'requires_action',
  'processing',
  'requires_capture',
  'succeeded',
];
export const UNSETTLED_PAYMENT_STATUSES: readonly PaymentStatus[] = [
  'creating',
  'unknown',
  'processing',
  'requires_action',
];

export function isFinal(status: PaymentStatus): boolean {
  return transitions[status].length === 0;
}

/** What a webhook's own object says about a payment (a PaymentIntent or its Charge). */
export interface EventClaim {
  object: 'payment_intent' | 'charge';
  /** The object's Stripe status. */
  status: unknown;
  /** PaymentIntent `amount_received`, or Charge `amount_captured`. */
  amount: unknown;
  /** PaymentIntent `latest_charge`, or the Charge's own id. */
  chargeId: unknown;
  /** Charge `disputed` (absent on a PaymentIntent). */
  disputed?: unknown;
}

/**
 * True when a webhook can only repeat or trail what is already recorded, so asking Stripe again
 * would change nothing: the payment is succeeded or canceled — final at Stripe too — and the
 * event either describes an earlier moment (created, requires_action…: it cannot move a final
 * payment) or the same outcome with the same charge and amount. Anything else — a payment not
 * final, a different amount or charge, a dispute flag, a card still to be saved — is settled by
 * re-reading Stripe as before (ADR 019).
 */
export function eventAddsNothing(
  payment: {
    status: PaymentStatus;
    amountCaptured: number;
    stripeChargeId: string | null;
    disputed: boolean;
    savePaymentMethod: boolean;
  },
  claim: EventClaim,
): boolean {
  if (payment.savePaymentMethod) return false;
  const sameOutcome =
    claim.status === 'succeeded' &&
    claim.amount === payment.amountCaptured &&
    claim.chargeId === payment.stripeChargeId;
  if (claim.object === 'charge') {
    return payment.status === 'succeeded' && sameOutcome && claim.disputed === payment.disputed;
  }
  if (payment.status === 'canceled') return claim.status !== 'succeeded';
  if (payment.status !== 'succeeded') return false;
  return claim.status !== 'succeeded' || sameOutcome;
}

/**
 * Our status for a Stripe PaymentIntent. `requires_payment_method` after a confirmation means
 * the attempt failed (declined, or authentication failed): this payment is over, the order can
 * be paid again with a new payment.
 */
export function statusFromIntent(intent: IntentSnapshot): PaymentStatus {
  switch (intent.status) {
    case 'succeeded':
      return 'succeeded';
    case 'requires_capture':
      return 'requires_capture';
    case 'processing':
      return 'processing';
    case 'requires_action':
    case 'requires_confirmation':
      return 'requires_action';
    case 'canceled':
      return 'canceled';
    case 'requires_payment_method':
      return 'failed';
  }
}

/** The order's status, from its payment's status and what has been refunded. */
export function orderStatusFor(
  payment: { status: PaymentStatus; amountCaptured: number } | undefined,
  order: { amount: number; amountRefunded: number; status: OrderStatus },
): OrderStatus {
  if (order.status === 'canceled') return 'canceled';
  switch (payment?.status) {
    case undefined:
    case 'failed':
      return 'open';
    case 'canceled':
      return order.status === 'authorized' ? 'canceled' : 'open';
    case 'creating':
    case 'unknown':
    case 'processing':
      return 'processing';
    case 'requires_action':
      return 'requires_action';
    case 'requires_capture':
      return 'authorized';
    case 'succeeded':
      if (order.amountRefunded <= 0) return 'paid';
      return order.amountRefunded >= payment.amountCaptured ? 'refunded' : 'partially_refunded';
  }
}
