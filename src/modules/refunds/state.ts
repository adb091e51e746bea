// The refund state machine and the statuses that count towards a payment's refunded amount.
import type { RefundStatus } from '../../db/statuses.ts';

export const REFUND_REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;
export type RefundReason = (typeof REFUND_REASONS)[number];

/** Refunds that hold part of the captured amount (everything but the ones that gave up). */
export const RESERVING: readonly RefundStatus[] = [
  'creating',
  'unknown',
  'pending',
  'requires_action',
  'succeeded',
];
/** Refunds counted in amount_refunded: Stripe accepted them. */
export const COUNTED: readonly RefundStatus[] = ['pending', 'requires_action', 'succeeded'];

const refundTransitions: Record<RefundStatus, readonly RefundStatus[]> = {
  creating: ['unknown', 'pending', 'requires_action', 'succeeded', 'failed', 'canceled'],
  unknown: ['pending', 'requires_action', 'succeeded', 'failed', 'canceled'],
  pending: ['requires_action', 'succeeded', 'failed', 'canceled'],
  requires_action: ['pending', 'succeeded', 'failed', 'canceled'],
  succeeded: ['failed'], // Stripe can fail a refund after reporting success (e.g. closed card)
  failed: [],
  canceled: [],
};

/** Whether a refund may move from one status to a different one. */
export function canMoveRefund(from: RefundStatus, to: RefundStatus): boolean {
  return refundTransitions[from].includes(to);
}
