// What to tell a customer when a card fails, and whether trying again later can help.
// Codes from docs.stripe.com/declines/codes and docs.stripe.com/error-codes.

const customerMessages: Record<string, string> = {
  insufficient_funds: 'Your card has insufficient funds. Try another card.',
  lost_card: 'Your card was declined. Contact your bank or use another card.',
  stolen_card: 'Your card was declined. Contact your bank or use another card.',
  expired_card: 'Your card has expired. Use another card.',
  incorrect_cvc: "Your card's security code is incorrect. Check it and try again.",
  incorrect_number: 'Your card number is incorrect. Check it and try again.',
  processing_error: 'An error occurred while processing your card. Try again in a moment.',
  card_velocity_exceeded:
    'Your card has been declined for too many recent attempts. Try again later or use another card.',
  authentication_required:
    'Your bank needs you to confirm this payment. Complete the verification to continue.',
  payment_intent_authentication_failure:
    'We could not verify this payment with your bank. Try again or use another card.',
  // Stryker disable StringLiteral: these three say the generic text, which an empty text falls back to.
  generic_decline: 'Your card was declined. Try another card or contact your bank.',
  do_not_honor: 'Your card was declined. Try another card or contact your bank.',
  fraudulent: 'Your card was declined. Try another card or contact your bank.',
  // Stryker restore StringLiteral
  try_again_later: 'Your card was declined for now. Try again in a few minutes.',
};

export function customerMessage(code: string, declineCode: string | null): string {
  return (
    (declineCode && customerMessages[declineCode]) ||
    customerMessages[code] ||
    'Your card was declined. Try another card or contact your bank.'
  );
}

/**
 * Failure codes of a card's decline (Stripe's `card_error` codes): the issuer, or Stripe's check
 * of the card, said no. A failed payment with one of these, or with a decline code, was declined;
 * other failures (a payment that never reached Stripe, a request Stripe refused, a 3-D Secure
 * check the customer did not pass) were not, and do not count against the authorisation rate.
 */
export const CARD_DECLINE_CODES: readonly string[] = [
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
];

// Soft declines may succeed later; everything else (lost, stolen, expired, fraud, wrong
// details, authentication) must never be retried automatically.
const SOFT_DECLINES = new Set([
  'insufficient_funds',
  'processing_error',
  'try_again_later',
  'issuer_not_available',
  'reenter_transaction',
  'approve_with_id',
  'card_velocity_exceeded',
  'withdrawal_count_limit_exceeded',
  'generic_decline',
]);

export function isSoftDecline(code: string, declineCode: string | null): boolean {
  if (code === 'processing_error') return true;
  if (code !== 'card_declined') return false;
  return declineCode !== null && SOFT_DECLINES.has(declineCode);
}
