// Money is an integer number of the currency's minor unit, everywhere. This module is the one
// place that knows how many decimals a currency has and Stripe's minimum charge for it
// (docs.stripe.com/currencies: zero-decimal and three-decimal currencies, minimum amounts).

interface CurrencyRule {
  /** Digits after the decimal point in the minor unit Stripe expects. */
  exponent: 0 | 2 | 3;
  /** Stripe's minimum charge, in minor units. */
  minimum: number;
}

// The currencies Paydeck accepts (the allowlist), with Stripe's rules for each.
const CURRENCIES: Record<string, CurrencyRule> = {
  usd: { exponent: 2, minimum: 50 },
  eur: { exponent: 2, minimum: 50 },
  gbp: { exponent: 2, minimum: 30 },
  aud: { exponent: 2, minimum: 50 },
  cad: { exponent: 2, minimum: 50 },
  chf: { exponent: 2, minimum: 50 },
  nzd: { exponent: 2, minimum: 50 },
  sgd: { exponent: 2, minimum: 50 },
  hkd: { exponent: 2, minimum: 400 },
  dkk: { exponent: 2, minimum: 250 },
  nok: { exponent: 2, minimum: 300 },
  sek: { exponent: 2, minimum: 300 },
  pln: { exponent: 2, minimum: 200 },
  czk: { exponent: 2, minimum: 1500 },
  huf: { exponent: 2, minimum: 17500 },
  ron: { exponent: 2, minimum: 200 },
  bgn: { exponent: 2, minimum: 100 },
  mxn: { exponent: 2, minimum: 1000 },
  brl: { exponent: 2, minimum: 50 },
  inr: { exponent: 2, minimum: 50 },
  thb: { exponent: 2, minimum: 1000 },
  myr: { exponent: 2, minimum: 200 },
  aed: { exponent: 2, minimum: 200 },
  // Zero-decimal: the amount is in whole units.
  jpy: { exponent: 0, minimum: 50 },
  krw: { exponent: 0, minimum: 100 },
  // Three-decimal: Stripe requires the last digit to be 0.
  kwd: { exponent: 3, minimum: 500 },
  bhd: { exponent: 3, minimum: 500 },
  jod: { exponent: 3, minimum: 500 },
  omr: { exponent: 3, minimum: 500 },
};

export const SUPPORTED_CURRENCIES = Object.keys(CURRENCIES).sort();

/** Stripe's ceiling for a single charge: 8 digits in the minor unit. */
export const MAX_AMOUNT = 99_999_999;

export type MoneyProblem =
  | { code: 'currency_not_supported'; message: string }
  | { code: 'amount_invalid'; message: string }
  | { code: 'amount_too_small'; message: string }
  | { code: 'amount_too_large'; message: string };

export function isSupportedCurrency(currency: string): boolean {
  return Object.hasOwn(CURRENCIES, currency);
}

function rule(currency: string): CurrencyRule {
  const found = CURRENCIES[currency];
  if (!found) throw new Error(`unsupported currency ${currency}`);
  return found;
}

export function minimumAmount(currency: string): number {
  return rule(currency).minimum;
}

/** What is wrong with charging `amount` minor units of `currency`, or undefined if nothing. */
export function checkChargeAmount(amount: number, currency: string): MoneyProblem | undefined {
  if (!isSupportedCurrency(currency)) {
    return {
      code: 'currency_not_supported',
      message: `Currency "${currency}" is not supported. Use one of: ${SUPPORTED_CURRENCIES.join(', ')}.`,
    };
  }
  if (!Number.isSafeInteger(amount) || amount <= 0) {
    return {
      code: 'amount_invalid',
      message: 'The amount must be a positive integer in the minor unit.',
    };
  }
  const { exponent, minimum } = rule(currency);
  if (exponent === 3 && amount % 10 !== 0) {
    return {
      code: 'amount_invalid',
      message: `Amounts in ${currency.toUpperCase()} must end in 0 (Stripe charges three-decimal currencies in multiples of 10).`,
    };
  }
  if (amount < minimum) {
    return {
      code: 'amount_too_small',
      message: `The amount must be at least ${formatMoney(minimum, currency)} (Stripe's minimum for ${currency.toUpperCase()}).`,
    };
  }
  if (amount > MAX_AMOUNT) {
    return {
      code: 'amount_too_large',
      message: `The amount must be at most ${formatMoney(MAX_AMOUNT, currency)}.`,
    };
  }
  return undefined;
}

/** Converts a decimal string in major units ("12.34") to minor units, exactly (no floats). */
export function toMinorUnits(major: string, currency: string): number {
  const { exponent } = rule(currency);
  const parts = major.trim().split('.');
  const [whole = '', fraction = ''] = parts;
  const digits = /^\d+$/;
  if (parts.length > 2 || !digits.test(whole) || (parts.length === 2 && !digits.test(fraction))) {
    throw new Error(`not a decimal amount: ${major}`);
  }
  if (fraction.length > exponent) throw new Error(`${currency} has ${exponent} decimals: ${major}`);
  return Number(whole) * 10 ** exponent + Number(fraction.padEnd(exponent, '0') || '0');
}

/** Formats minor units for people: "$12.34", "¥1,234", "KWD 1.500". */
export function formatMoney(amount: number, currency: string, locale = 'en-US'): string {
  const { exponent } = rule(currency);
  const major = amount / 10 ** exponent;
  return new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: currency.toUpperCase(),
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(major);
}
