// Money is an integer number of the currency's minor unit, everywhere. This module is the one
// place that knows which currencies Paydeck accepts and Stripe's minimum charge for each
// (docs.stripe.com/currencies, minimum amounts). How many decimals a currency has comes from
// shared/currencies.ts, the table the web app formats amounts with too.
import { currencyDecimals, type CurrencyDecimals } from '../../shared/currencies.ts';

interface CurrencyRule {
  /** Digits after the decimal point in the minor unit Stripe expects. */
  exponent: CurrencyDecimals;
  /** Stripe's minimum charge, in minor units. */
  minimum: number;
}

// The currencies Paydeck accepts (the allowlist), with Stripe's minimum charge for each, in
// minor units: jpy and krw are zero-decimal, kwd, bhd, jod and omr three-decimal.
const MINIMUMS: Record<string, number> = {
  usd: 50,
  eur: 50,
  gbp: 30,
  aud: 50,
  cad: 50,
  chf: 50,
  nzd: 50,
  sgd: 50,
  hkd: 400,
  dkk: 250,
  nok: 300,
  sek: 300,
  pln: 200,
  czk: 1500,
  huf: 17500,
  ron: 200,
  bgn: 100,
  mxn: 1000,
  brl: 50,
  inr: 50,
  thb: 1000,
  myr: 200,
  aed: 200,
  jpy: 50,
  krw: 100,
  kwd: 500,
  bhd: 500,
  jod: 500,
  omr: 500,
};

export const SUPPORTED_CURRENCIES = Object.keys(MINIMUMS).sort();

/** Stripe's ceiling for a single charge: 8 digits in the minor unit. */
export const MAX_AMOUNT = 99_999_999;

export type MoneyProblem =
  | { code: 'currency_not_supported'; message: string }
  | { code: 'amount_invalid'; message: string }
  | { code: 'amount_too_small'; message: string }
  | { code: 'amount_too_large'; message: string };

export function isSupportedCurrency(currency: string): boolean {
  return Object.hasOwn(MINIMUMS, currency);
}

function rule(currency: string): CurrencyRule {
  if (!isSupportedCurrency(currency)) throw new Error(`unsupported currency ${currency}`);
  return { exponent: currencyDecimals(currency), minimum: MINIMUMS[currency]! };
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
    // Stryker disable next-line MethodExpression: Intl takes currency codes in either case.
    currency: currency.toUpperCase(),
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
  }).format(major);
}
