// Stripe's test cards (shared/reference/stripe-test-cards.md, docs.stripe.com/testing): one
// table, looked up by card number or by `pm_card_*` id. Everything the simulator does with a
// card (attach, set up, charge, authenticate) reads its behaviour from here.

export interface Decline {
  code: string;
  decline_code?: string;
  message: string;
}

/**
 * - `always`: every payment and setup needs 3DS; off-session payments fail with
 *   `authentication_required`.
 * - `unless_set_up`: needs 3DS until the card was set up (SetupIntent or setup_future_usage).
 * - `optional` / `frictionless`: 3DS happens without a challenge.
 */
export type ThreeDS = 'none' | 'always' | 'unless_set_up' | 'optional' | 'frictionless';

export interface TestCard {
  number: string;
  brand: 'visa' | 'mastercard' | 'amex' | 'discover';
  funding: 'credit' | 'debit';
  country: string;
  pmId?: string;
  /** Declined when charged. Also refused on attach/setup unless `attachable`. */
  decline?: Decline;
  attachable?: boolean;
  threeDS?: ThreeDS;
  /** Declined after a successful authentication. */
  declineAfterAuth?: Decline;
  /** The payment succeeds, then a dispute opens. */
  dispute?: boolean;
}

const DECLINED = 'Your card was declined.';

export const DECLINES = {
  generic: { code: 'card_declined', decline_code: 'generic_decline', message: DECLINED },
  insufficientFunds: {
    code: 'card_declined',
    decline_code: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  lost: { code: 'card_declined', decline_code: 'lost_card', message: DECLINED },
  stolen: { code: 'card_declined', decline_code: 'stolen_card', message: DECLINED },
  expired: {
    code: 'expired_card',
    decline_code: 'expired_card',
    message: 'Your card has expired.',
  },
  incorrectCvc: {
    code: 'incorrect_cvc',
    decline_code: 'incorrect_cvc',
    message: "Your card's security code is incorrect.",
  },
  processingError: {
    code: 'processing_error',
    decline_code: 'processing_error',
    message: 'An error occurred while processing your card. Try again in a little bit.',
  },
  velocity: {
    code: 'card_declined',
    decline_code: 'card_velocity_exceeded',
    message:
      'Your card was declined for making repeated attempts too frequently or exceeding its amount limit.',
  },
  authenticationRequired: {
    code: 'authentication_required',
    decline_code: 'authentication_required',
    message: 'Your card was declined. This transaction requires authentication.',
  },
} satisfies Record<string, Decline>;

const visa = { brand: 'visa', funding: 'credit', country: 'US' } as const;

export const TEST_CARDS: readonly TestCard[] = [
  { ...visa, number: '4242424242424242', pmId: 'pm_card_visa' },
  { ...visa, number: '4000056655665556', pmId: 'pm_card_visa_debit', funding: 'debit' },
  { ...visa, brand: 'mastercard', number: '5555555555554444', pmId: 'pm_card_mastercard' },
  { ...visa, brand: 'amex', number: '378282246310005', pmId: 'pm_card_amex' },
  { ...visa, brand: 'discover', number: '6011111111111117', pmId: 'pm_card_discover' },
  {
    ...visa,
    number: '4000000000000002',
    pmId: 'pm_card_visa_chargeDeclined',
    decline: DECLINES.generic,
  },
  {
    ...visa,
    number: '4000000000009995',
    pmId: 'pm_card_visa_chargeDeclinedInsufficientFunds',
    decline: DECLINES.insufficientFunds,
  },
  {
    ...visa,
    number: '4000000000009987',
    pmId: 'pm_card_visa_chargeDeclinedLostCard',
    decline: DECLINES.lost,
  },
  {
    ...visa,
    number: '4000000000009979',
    pmId: 'pm_card_visa_chargeDeclinedStolenCard',
    decline: DECLINES.stolen,
  },
  {
    ...visa,
    number: '4000000000000069',
    pmId: 'pm_card_chargeDeclinedExpiredCard',
    decline: DECLINES.expired,
  },
  {
    ...visa,
    number: '4000000000000127',
    pmId: 'pm_card_chargeDeclinedIncorrectCvc',
    decline: DECLINES.incorrectCvc,
  },
  {
    ...visa,
    number: '4000000000000119',
    pmId: 'pm_card_chargeDeclinedProcessingError',
    decline: DECLINES.processingError,
  },
  {
    ...visa,
    number: '4000000000006975',
    pmId: 'pm_card_visa_chargeDeclinedVelocityLimitExceeded',
    decline: DECLINES.velocity,
  },
  {
    ...visa,
    number: '4000000000000341',
    pmId: 'pm_card_chargeCustomerFail',
    decline: DECLINES.generic,
    attachable: true,
  },
  {
    ...visa,
    number: '4000002760003184',
    pmId: 'pm_card_authenticationRequired',
    country: 'DE',
    threeDS: 'always',
  },
  {
    ...visa,
    number: '4000002500003155',
    pmId: 'pm_card_authenticationRequiredOnSetup',
    country: 'FR',
    threeDS: 'unless_set_up',
  },
  { ...visa, number: '4000008400001629', threeDS: 'always', declineAfterAuth: DECLINES.generic },
  {
    ...visa,
    number: '4000008260003178',
    country: 'GB',
    threeDS: 'always',
    declineAfterAuth: DECLINES.insufficientFunds,
  },
  { ...visa, number: '4000000000003055', threeDS: 'optional' },
  { ...visa, number: '4000000032200000', threeDS: 'frictionless' },
  { ...visa, number: '4000000000000259', pmId: 'pm_card_createDispute', dispute: true },
];

const byNumber = new Map(TEST_CARDS.map((c) => [c.number, c]));
const byPmId = new Map(TEST_CARDS.filter((c) => c.pmId).map((c) => [c.pmId!, c]));

export function testCardByPmId(id: string): TestCard | undefined {
  return byPmId.get(id);
}

/** Any Luhn-valid number is a card; unknown ones simply succeed, like Stripe's other test cards. */
export function cardForNumber(number: string): TestCard {
  return (
    byNumber.get(number) ?? { number, brand: brandOf(number), funding: 'credit', country: 'US' }
  );
}

function brandOf(number: string): TestCard['brand'] {
  if (/^3[47]/.test(number)) return 'amex';
  if (/^(5[1-5]|2[2-7])/.test(number)) return 'mastercard';
  if (/^6(011|5)/.test(number)) return 'discover';
  return 'visa';
}

export function luhnValid(number: string): boolean {
  if (!/^\d{12,19}$/.test(number)) return false;
  let sum = 0;
  for (let i = 0; i < number.length; i++) {
    let d = Number(number[number.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
