// The order's status from its payment (src/modules/payments/state.ts), for the combinations the
// table in payment-state.test.ts does not reach: a failed payment on an order that was
// authorized, and refunds at the edges of the captured amount.
import { describe, expect, it } from 'vitest';
import { orderStatuses, type OrderStatus } from '../../src/db/statuses.ts';
import { orderStatusFor } from '../../src/modules/payments/state.ts';

const order = (status: OrderStatus, amountRefunded = 0) => ({
  amount: 8000,
  amountRefunded,
  status,
});

describe("the order's status from its payment, edges", () => {
  it('when a payment fails, then the order reopens whatever status it had (unless canceled)', () => {
    for (const status of orderStatuses.filter((s) => s !== 'canceled')) {
      expect(orderStatusFor({ status: 'failed', amountCaptured: 0 }, order(status)), status).toBe(
        'open',
      );
    }
  });

  it('when there is no payment, then the order is open whatever status it had (unless canceled)', () => {
    for (const status of orderStatuses.filter((s) => s !== 'canceled')) {
      expect(orderStatusFor(undefined, order(status)), status).toBe('open');
    }
    expect(orderStatusFor(undefined, order('canceled'))).toBe('canceled');
  });

  it('when refunds reach exactly the captured amount, then refunded; one unit less, partially', () => {
    const paid = { status: 'succeeded' as const, amountCaptured: 6000 };
    expect(orderStatusFor(paid, order('paid', 6000))).toBe('refunded');
    expect(orderStatusFor(paid, order('paid', 5999))).toBe('partially_refunded');
    expect(orderStatusFor(paid, order('paid', 1))).toBe('partially_refunded');
    expect(orderStatusFor(paid, order('paid', 0))).toBe('paid');
  });
});
