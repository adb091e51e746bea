// The refund state machine (src/modules/refunds/state.ts): every move, allowed or not, against a
// table written out here by hand, and which refunds hold or count towards the captured amount.
import { describe, expect, it } from 'vitest';
import { refundStatuses, type RefundStatus } from '../../src/db/statuses.ts';
import { COUNTED, RESERVING, canMoveRefund } from '../../src/modules/refunds/state.ts';

// What each refund status may become. Stripe can fail a refund after reporting success.
const ALLOWED: Record<RefundStatus, RefundStatus[]> = {
  creating: ['unknown', 'pending', 'requires_action', 'succeeded', 'failed', 'canceled'],
  unknown: ['pending', 'requires_action', 'succeeded', 'failed', 'canceled'],
  pending: ['requires_action', 'succeeded', 'failed', 'canceled'],
  requires_action: ['pending', 'succeeded', 'failed', 'canceled'],
  succeeded: ['failed'],
  failed: [],
  canceled: [],
};

describe('refund transitions', () => {
  const pairs = refundStatuses.flatMap((from) => refundStatuses.map((to) => [from, to] as const));

  it.each(pairs)('%s → %s is allowed exactly when the table says so', (from, to) => {
    expect(canMoveRefund(from, to)).toBe(ALLOWED[from].includes(to));
  });

  it('a refund never moves back to creating, and failed and canceled are final', () => {
    for (const from of refundStatuses) expect(canMoveRefund(from, 'creating')).toBe(false);
    for (const to of refundStatuses) {
      expect(canMoveRefund('failed', to)).toBe(false);
      expect(canMoveRefund('canceled', to)).toBe(false);
    }
  });

  it('staying in the same status is not a move', () => {
    for (const status of refundStatuses) expect(canMoveRefund(status, status)).toBe(false);
  });
});

describe('refunds that hold or count towards the captured amount', () => {
  it('every refund that has not given up holds its amount', () => {
    expect([...RESERVING].sort()).toEqual(
      ['creating', 'pending', 'requires_action', 'succeeded', 'unknown'].sort(),
    );
  });

  it('only refunds Stripe accepted count as refunded, and each of them also holds its amount', () => {
    expect([...COUNTED].sort()).toEqual(['pending', 'requires_action', 'succeeded']);
    for (const status of COUNTED) expect(RESERVING).toContain(status);
  });
});
