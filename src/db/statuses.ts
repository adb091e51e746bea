// The status vocabularies of orders, payments and refunds. The schema uses them as column enums;
// domain code (state machines, request schemas) imports them from here, so it needs no Drizzle.

export const orderStatuses = [
  'open',
  'processing',
  'requires_action',
  'authorized',
  'paid',
  'partially_refunded',
  'refunded',
  'canceled',
] as const;
export type OrderStatus = (typeof orderStatuses)[number];

export const paymentStatuses = [
  // Our row exists; Stripe has not answered yet (or we crashed before asking).
  'creating',
  // We asked Stripe and do not know what happened (timeout, reset, 5xx after retries):
  // the sync job asks Stripe and settles it.
  'unknown',
  'requires_action',
  'processing',
  'requires_capture',
  'succeeded',
  'failed',
  'canceled',
] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];

export const refundStatuses = [
  'creating',
  'unknown',
  'pending',
  'requires_action',
  'succeeded',
  'failed',
  'canceled',
] as const;
export type RefundStatus = (typeof refundStatuses)[number];
