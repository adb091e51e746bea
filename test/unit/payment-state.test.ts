// The payment state machine (src/modules/payments/state.ts): every transition, allowed or not,
// against a table written out here by hand, and the database trigger that enforces the same
// rules (migration 0003) compared with it. Also how an intent maps to our status and how a
// payment and its refunds decide the order's status.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  orderStatuses,
  paymentStatuses,
  type OrderStatus,
  type PaymentStatus,
} from '../../src/db/schema.ts';
import {
  ACTIVE_PAYMENT_STATUSES,
  UNSETTLED_PAYMENT_STATUSES,
  canTransition,
  isFinal,
  orderStatusFor,
  statusFromIntent,
} from '../../src/modules/payments/state.ts';
import type { IntentSnapshot, IntentStatus } from '../../src/stripe/provider.ts';

// What each status may become (a status may always "become" itself: a repeated snapshot).
const ALLOWED: Record<PaymentStatus, PaymentStatus[]> = {
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

const pairs = paymentStatuses.flatMap((from) => paymentStatuses.map((to) => [from, to] as const));
const allowedPairs = pairs.filter(([from, to]) => from !== to && ALLOWED[from].includes(to));
const forbiddenPairs = pairs.filter(([from, to]) => from !== to && !ALLOWED[from].includes(to));

describe('payment transitions', () => {
  it('when the table here is compared with the statuses in the schema, then it names every status', () => {
    expect(Object.keys(ALLOWED).sort()).toEqual([...paymentStatuses].sort());
    expect(allowedPairs.length + forbiddenPairs.length).toBe(
      paymentStatuses.length * (paymentStatuses.length - 1),
    );
  });

  it.each(allowedPairs)('when a payment is %s, then it may become %s', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it.each(forbiddenPairs)('when a payment is %s, then it may not become %s', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it.each(paymentStatuses.map((s) => [s]))(
    'when a payment is %s and the same status arrives again, then it is accepted (no change)',
    (status) => {
      expect(canTransition(status, status)).toBe(true);
    },
  );

  it('when a payment has succeeded, then no later snapshot can make it failed, canceled or anything else', () => {
    for (const to of paymentStatuses.filter((s) => s !== 'succeeded'))
      expect(canTransition('succeeded', to), `succeeded → ${to}`).toBe(false);
  });

  it('when a payment is authorized (requires_capture), then a decline cannot fail it: only capture, processing or cancel follow', () => {
    expect(canTransition('requires_capture', 'failed')).toBe(false);
    expect(canTransition('requires_capture', 'requires_action')).toBe(false);
    expect(
      paymentStatuses
        .filter((to) => to !== 'requires_capture' && canTransition('requires_capture', to))
        .sort(),
    ).toEqual(['canceled', 'processing', 'succeeded']);
  });

  it('when any status is followed, then nothing ever goes back to creating or unknown except creating → unknown', () => {
    for (const from of paymentStatuses) {
      if (from !== 'creating')
        expect(canTransition(from, 'creating'), `${from} → creating`).toBe(false);
      if (from !== 'creating' && from !== 'unknown')
        expect(canTransition(from, 'unknown'), `${from} → unknown`).toBe(false);
    }
    expect(canTransition('creating', 'unknown')).toBe(true);
  });

  it('when asked which statuses are final, then exactly succeeded, failed and canceled are', () => {
    expect(paymentStatuses.filter((s) => isFinal(s)).sort()).toEqual([
      'canceled',
      'failed',
      'succeeded',
    ]);
  });

  it('when a status is final, then it can become nothing else', () => {
    for (const from of paymentStatuses.filter((s) => isFinal(s))) {
      expect(
        paymentStatuses.filter((to) => to !== from && canTransition(from, to)),
        from,
      ).toEqual([]);
    }
  });

  it('when a payment holds the order, then its status is active; failed and canceled release it', () => {
    expect([...ACTIVE_PAYMENT_STATUSES].sort()).toEqual([
      'creating',
      'processing',
      'requires_action',
      'requires_capture',
      'succeeded',
      'unknown',
    ]);
    expect([...UNSETTLED_PAYMENT_STATUSES].sort()).toEqual([
      'creating',
      'processing',
      'requires_action',
      'unknown',
    ]);
  });
});

describe('the database trigger mirrors the state machine', () => {
  // The last definition of payments_check_transition() across the migrations is the live one.
  function triggerTable(): Record<string, string[]> {
    const dir = path.resolve(import.meta.dirname, '../../src/db/migrations');
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.sql'))
      .sort();
    let body: string | undefined;
    for (const file of files) {
      // eslint-disable-next-line security/detect-non-literal-fs-filename -- the repo's own migration files
      const sql = readFileSync(path.join(dir, file), 'utf8');
      const match = /FUNCTION payments_check_transition\(\)[\s\S]*?\$\$ LANGUAGE plpgsql/.exec(sql);
      if (match) body = match[0];
    }
    if (!body) throw new Error('payments_check_transition() not found in the migrations');
    const table: Record<string, string[]> = {};
    for (const m of body.matchAll(/WHEN '(\w+)' THEN ARRAY\[([^\]]*)\]/g)) {
      table[m[1]!] = [...m[2]!.matchAll(/'(\w+)'/g)].map((x) => x[1]!);
    }
    return table;
  }

  it('when every pair of statuses is put to the trigger and to canTransition, then they agree', () => {
    const db = triggerTable();
    expect(Object.keys(db).length).toBeGreaterThan(0);
    for (const [from, to] of pairs) {
      const dbAllows = from === to || (db[from] ?? []).includes(to);
      expect(canTransition(from, to), `${from} → ${to}: trigger says ${dbAllows}`).toBe(dbAllows);
    }
  });
});

function intent(status: IntentStatus, over: Partial<IntentSnapshot> = {}): IntentSnapshot {
  return {
    id: 'pi_test',
    status,
    amount: 5000,
    currency: 'usd',
    amountReceived: status === 'succeeded' ? 5000 : 0,
    amountCapturable: status === 'requires_capture' ? 5000 : 0,
    captureMethod: 'automatic',
    clientSecret: null,
    nextAction: null,
    paymentMethodId: 'pm_card_visa',
    card: null,
    latestChargeId: null,
    amountRefunded: 0,
    disputed: false,
    lastError: null,
    metadata: {},
    created: 0,
    ...over,
  };
}

describe('our status for a Stripe PaymentIntent', () => {
  it.each<[IntentStatus, PaymentStatus]>([
    ['succeeded', 'succeeded'],
    ['requires_capture', 'requires_capture'],
    ['processing', 'processing'],
    ['requires_action', 'requires_action'],
    ['requires_confirmation', 'requires_action'],
    ['canceled', 'canceled'],
    // After a confirmation, back to requires_payment_method means the attempt failed.
    ['requires_payment_method', 'failed'],
  ])('when the intent is %s, then the payment is %s', (stripeStatus, ours) => {
    expect(statusFromIntent(intent(stripeStatus))).toBe(ours);
  });
});

describe("the order's status from its payment", () => {
  const order = (
    over: { amount?: number; amountRefunded?: number; status?: OrderStatus } = {},
  ) => ({
    amount: 8000,
    amountRefunded: 0,
    status: 'processing' as OrderStatus,
    ...over,
  });
  const payment = (status: PaymentStatus, amountCaptured = 0) => ({ status, amountCaptured });

  it.each<[string, PaymentStatus | undefined, OrderStatus]>([
    ['no payment', undefined, 'open'],
    ['a failed payment', 'failed', 'open'],
    ['a payment being created', 'creating', 'processing'],
    ['a payment with an unknown outcome', 'unknown', 'processing'],
    ['a processing payment', 'processing', 'processing'],
    ['a payment waiting for 3-D Secure', 'requires_action', 'requires_action'],
    ['an authorized payment', 'requires_capture', 'authorized'],
  ])('when the order has %s, then it is %s', (_label, status, expected) => {
    expect(orderStatusFor(status ? payment(status) : undefined, order())).toBe(expected);
  });

  it('when a payment succeeds with nothing refunded, then the order is paid', () => {
    expect(orderStatusFor(payment('succeeded', 8000), order())).toBe('paid');
  });

  it('when an authorized order is canceled at Stripe, then the order is canceled; an unpaid one reopens', () => {
    expect(orderStatusFor(payment('canceled'), order({ status: 'authorized' }))).toBe('canceled');
    expect(orderStatusFor(payment('canceled'), order({ status: 'requires_action' }))).toBe('open');
    expect(orderStatusFor(payment('canceled'), order({ status: 'processing' }))).toBe('open');
  });

  it('when the order itself was canceled, then it stays canceled whatever its payment says', () => {
    for (const status of paymentStatuses) {
      expect(orderStatusFor(payment(status), order({ status: 'canceled' })), status).toBe(
        'canceled',
      );
    }
  });

  it('when the whole amount captured is refunded, then the order is refunded', () => {
    expect(
      orderStatusFor(payment('succeeded', 8000), order({ amountRefunded: 8000, status: 'paid' })),
    ).toBe('refunded');
  });

  it('when part of the captured amount is refunded, then the order is partially_refunded', () => {
    expect(
      orderStatusFor(payment('succeeded', 8000), order({ amountRefunded: 7999, status: 'paid' })),
    ).toBe('partially_refunded');
    expect(
      orderStatusFor(payment('succeeded', 8000), order({ amountRefunded: 1, status: 'paid' })),
    ).toBe('partially_refunded');
  });

  it('when only part of the order was captured and all of that is refunded, then the order is refunded (not partially)', () => {
    expect(
      orderStatusFor(
        payment('succeeded', 6000),
        order({ amount: 8000, amountRefunded: 6000, status: 'paid' }),
      ),
    ).toBe('refunded');
  });

  it('when only part of the order was captured and less than that is refunded, then the order is partially_refunded', () => {
    expect(
      orderStatusFor(
        payment('succeeded', 6000),
        order({ amount: 8000, amountRefunded: 5999, status: 'paid' }),
      ),
    ).toBe('partially_refunded');
  });

  it('when the result is computed for any payment status, then it is one of the order statuses', () => {
    for (const status of paymentStatuses) {
      for (const before of orderStatuses) {
        expect(orderStatuses).toContain(
          orderStatusFor(payment(status, 100), order({ status: before, amountRefunded: 0 })),
        );
      }
    }
  });
});
