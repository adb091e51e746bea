// When a webhook may be settled from its own object instead of re-reading Stripe
// (eventAddsNothing in src/modules/payments/state.ts, ADR 019). Every "false" here is a case
// where skipping the re-read could leave a payment wrong.
import { describe, expect, it } from 'vitest';
import { eventAddsNothing, type EventClaim } from '../../src/modules/payments/state.ts';
import type { PaymentStatus } from '../../src/db/statuses.ts';

const paid = {
  status: 'succeeded' as PaymentStatus,
  amountCaptured: 2500,
  stripeChargeId: 'ch_1',
  disputed: false,
  savePaymentMethod: false,
};
const intent = (status: string, amount = 2500, chargeId: string | null = 'ch_1'): EventClaim => ({
  object: 'payment_intent',
  status,
  amount,
  chargeId,
});
const charge = (over: Partial<EventClaim> = {}): EventClaim => ({
  object: 'charge',
  status: 'succeeded',
  amount: 2500,
  chargeId: 'ch_1',
  disputed: false,
  ...over,
});

describe('a webhook about a PaymentIntent', () => {
  it('that repeats the recorded success (same amount, same charge) adds nothing', () => {
    expect(eventAddsNothing(paid, intent('succeeded'))).toBe(true);
  });

  it.each(['requires_payment_method', 'requires_confirmation', 'requires_action', 'processing'])(
    'from before a recorded success (%s) adds nothing: it cannot move a final payment',
    (status) => {
      expect(eventAddsNothing(paid, intent(status, 0, null))).toBe(true);
    },
  );

  it('that reports success with another amount or charge is re-read from Stripe', () => {
    expect(eventAddsNothing(paid, intent('succeeded', 2000))).toBe(false);
    expect(eventAddsNothing(paid, intent('succeeded', 2500, 'ch_2'))).toBe(false);
    expect(eventAddsNothing(paid, intent('succeeded', 2500, null))).toBe(false);
    expect(eventAddsNothing(paid, intent('succeeded', '2500' as unknown as number))).toBe(false);
  });

  it.each([
    'creating',
    'unknown',
    'requires_action',
    'processing',
    'requires_capture',
    'failed',
  ] as PaymentStatus[])('about a payment still %s is re-read from Stripe', (status) => {
    for (const s of ['succeeded', 'requires_payment_method', 'canceled', 'requires_capture'])
      expect(eventAddsNothing({ ...paid, status }, intent(s))).toBe(false);
  });

  it('about a canceled payment adds nothing unless it claims success (a contradiction: re-read)', () => {
    const canceled = { ...paid, status: 'canceled' as PaymentStatus, amountCaptured: 0 };
    expect(eventAddsNothing(canceled, intent('canceled', 0, null))).toBe(true);
    expect(eventAddsNothing(canceled, intent('requires_capture', 0, null))).toBe(true);
    expect(eventAddsNothing(canceled, intent('succeeded'))).toBe(false);
  });

  it('about a payment whose card is still to be saved is re-read (the sync saves it)', () => {
    expect(eventAddsNothing({ ...paid, savePaymentMethod: true }, intent('succeeded'))).toBe(false);
    expect(eventAddsNothing({ ...paid, savePaymentMethod: true }, intent('processing'))).toBe(
      false,
    );
  });
});

describe('a webhook about a Charge', () => {
  it('that repeats the recorded success adds nothing', () => {
    expect(eventAddsNothing(paid, charge())).toBe(true);
  });

  it('that differs in status, amount, charge or dispute flag is re-read from Stripe', () => {
    expect(eventAddsNothing(paid, charge({ status: 'pending' }))).toBe(false);
    expect(eventAddsNothing(paid, charge({ status: 'failed' }))).toBe(false);
    expect(eventAddsNothing(paid, charge({ amount: 1000 }))).toBe(false);
    expect(eventAddsNothing(paid, charge({ chargeId: 'ch_2' }))).toBe(false);
    expect(eventAddsNothing(paid, charge({ disputed: true }))).toBe(false);
    expect(eventAddsNothing({ ...paid, disputed: true }, charge({ disputed: true }))).toBe(true);
  });

  it('about a payment that is not succeeded is re-read, even a canceled one', () => {
    for (const status of [
      'requires_capture',
      'processing',
      'canceled',
      'failed',
    ] as PaymentStatus[])
      expect(eventAddsNothing({ ...paid, status }, charge())).toBe(false);
  });

  it('about a payment whose card is still to be saved is re-read', () => {
    expect(eventAddsNothing({ ...paid, savePaymentMethod: true }, charge())).toBe(false);
  });
});
