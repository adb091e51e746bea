// Decline classification (src/modules/payments/declines.ts): which declines an off-session
// charge may retry later, and what a customer is told. Codes from docs.stripe.com/declines/codes.
import { describe, expect, it } from 'vitest';
import {
  CARD_DECLINE_CODES,
  customerMessage,
  isSoftDecline,
} from '../../src/modules/payments/declines.ts';

const GENERIC = 'Your card was declined. Try another card or contact your bank.';

describe('soft and hard declines', () => {
  it.each([
    'insufficient_funds',
    'processing_error',
    'try_again_later',
    'issuer_not_available',
    'reenter_transaction',
    'approve_with_id',
    'card_velocity_exceeded',
    'withdrawal_count_limit_exceeded',
    'generic_decline',
  ])(
    'when a card is declined with %s, then it is a soft decline (a later retry may succeed)',
    (declineCode) => {
      expect(isSoftDecline('card_declined', declineCode)).toBe(true);
    },
  );

  it.each([
    'lost_card',
    'stolen_card',
    'pickup_card',
    'restricted_card',
    'fraudulent',
    'merchant_blacklist',
    'security_violation',
    'expired_card',
    'incorrect_cvc',
    'incorrect_number',
    'invalid_account',
    'card_not_supported',
    'do_not_honor',
    'transaction_not_allowed',
    'authentication_required',
    'not_a_stripe_decline_code',
  ])(
    'when a card is declined with %s, then it is a hard decline (never retried automatically)',
    (declineCode) => {
      expect(isSoftDecline('card_declined', declineCode)).toBe(false);
    },
  );

  it('when a card is declined with no decline code, then it is not retried', () => {
    expect(isSoftDecline('card_declined', null)).toBe(false);
  });

  it('when Stripe answers processing_error (a code, not a decline code), then it is soft', () => {
    expect(isSoftDecline('processing_error', null)).toBe(true);
    expect(isSoftDecline('processing_error', 'processing_error')).toBe(true);
  });

  it.each([
    ['expired_card', null],
    ['incorrect_cvc', null],
    ['incorrect_number', null],
    ['authentication_required', null],
    ['payment_intent_authentication_failure', null],
    ['card_decline_rate_limit_exceeded', null],
  ])('when the error code is %s, then it is not retried', (code, declineCode) => {
    expect(isSoftDecline(code, declineCode)).toBe(false);
  });

  it('when a soft decline code comes with another error code than card_declined, then it is not retried', () => {
    expect(isSoftDecline('expired_card', 'insufficient_funds')).toBe(false);
    expect(isSoftDecline('authentication_required', 'generic_decline')).toBe(false);
  });
});

describe('what the customer is told', () => {
  it.each([
    ['card_declined', 'insufficient_funds', /insufficient funds/i],
    ['card_declined', 'card_velocity_exceeded', /too many recent attempts/i],
    ['card_declined', 'try_again_later', /try again in a few minutes/i],
    ['card_declined', 'generic_decline', /declined/i],
    ['card_declined', 'do_not_honor', /declined/i],
    ['expired_card', null, /expired/i],
    ['incorrect_cvc', null, /security code is incorrect/i],
    ['incorrect_number', null, /card number is incorrect/i],
    ['processing_error', null, /error occurred while processing/i],
    ['authentication_required', null, /confirm this payment/i],
    ['payment_intent_authentication_failure', null, /could not verify/i],
  ])('when the error is %s / %s, then the message says so', (code, declineCode, expected) => {
    expect(customerMessage(code, declineCode)).toMatch(expected);
  });

  it('when the decline code is known, then it decides the message over the error code', () => {
    expect(customerMessage('card_declined', 'insufficient_funds')).toBe(
      'Your card has insufficient funds. Try another card.',
    );
    expect(customerMessage('card_declined', 'expired_card')).toBe(
      customerMessage('expired_card', null),
    );
  });

  it('when the decline code is unknown, then the error code decides the message', () => {
    expect(customerMessage('incorrect_cvc', 'something_new')).toBe(
      customerMessage('incorrect_cvc', null),
    );
  });

  it('when neither code is known, then the generic decline message is used', () => {
    expect(customerMessage('something_else', null)).toBe(GENERIC);
    expect(customerMessage('card_declined', 'something_new')).toBe(GENERIC);
    expect(customerMessage('', null)).toBe(GENERIC);
  });

  it.each(['lost_card', 'stolen_card', 'fraudulent', 'pickup_card', 'merchant_blacklist'])(
    'when the card is declined as %s, then the message does not tell the person holding it why',
    (declineCode) => {
      const message = customerMessage('card_declined', declineCode);
      expect(message).toMatch(/declined/i);
      expect(message).not.toMatch(/lost|stolen|fraud|blacklist|pick ?up/i);
    },
  );
});

describe('which failures count as the card declining (the dashboard’s authorisation rate)', () => {
  it.each([
    'card_declined',
    'expired_card',
    'incorrect_cvc',
    'incorrect_number',
    'incorrect_zip',
    'invalid_cvc',
    'invalid_expiry_month',
    'invalid_expiry_year',
    'invalid_number',
    'processing_error',
    'authentication_required',
    'card_decline_rate_limit_exceeded',
  ])(
    'when a payment failed with %s (a card_error: the issuer said no), then it is a decline',
    (code) => {
      expect(CARD_DECLINE_CODES).toContain(code);
    },
  );

  it.each([
    'payment_intent_authentication_failure',
    'api_connection_error',
    'rate_limit',
    'resource_missing',
    'parameter_invalid_integer',
    '',
  ])(
    'when a payment failed with %s (not the card: Stripe, 3-D Secure or our request), then it is not',
    (code) => {
      expect(CARD_DECLINE_CODES).not.toContain(code);
    },
  );
});
