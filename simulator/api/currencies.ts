// Currency rules Stripe applies to amounts (docs.stripe.com/currencies).
import { invalidRequest } from '../errors.ts';

const ZERO_DECIMAL = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);
const THREE_DECIMAL = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

/** Minimum charge amounts, in the currency's smallest unit (docs.stripe.com/currencies#minimum-and-maximum-charge-amounts). */
const MINIMUMS: Record<string, number> = {
  usd: 50,
  aed: 200,
  aud: 50,
  bgn: 100,
  brl: 50,
  cad: 50,
  chf: 50,
  czk: 1500,
  dkk: 250,
  eur: 50,
  gbp: 30,
  hkd: 400,
  huf: 17500,
  inr: 50,
  jpy: 50,
  mxn: 1000,
  myr: 200,
  nok: 300,
  nzd: 50,
  pln: 200,
  ron: 200,
  sek: 300,
  sgd: 50,
  thb: 1000,
};
const SYMBOLS: Record<string, string> = { usd: '$', eur: '€', gbp: '£', jpy: '¥', inr: '₹' };
const MAX_AMOUNT = 99_999_999;

export function zeroDecimal(currency: string): boolean {
  return ZERO_DECIMAL.has(currency);
}

/** An amount as Stripe writes it in messages: `$25.00`, or `25.00 SEK` without a symbol. */
export function formatAmount(amount: number, currency: string): string {
  const decimals = zeroDecimal(currency) ? 0 : THREE_DECIMAL.has(currency) ? 3 : 2;
  const value = (amount / 10 ** decimals).toFixed(decimals);
  const symbol = SYMBOLS[currency];
  return symbol ? `${symbol}${value}` : `${value} ${currency.toUpperCase()}`;
}

/** "$0.50 usd", as in `amount_too_small` messages. */
function display(amount: number, currency: string): string {
  const decimals = zeroDecimal(currency) ? 0 : THREE_DECIMAL.has(currency) ? 3 : 2;
  const value = (amount / 10 ** decimals).toFixed(decimals);
  return `${SYMBOLS[currency] ?? ''}${value} ${currency}`;
}

/** Validates a currency code and an amount for a charge, with Stripe's errors. */
export function checkAmount(amount: number, currency: string, param = 'amount'): void {
  if (!/^[a-z]{3}$/.test(currency)) {
    throw invalidRequest(`Invalid currency: ${currency}.`, { param: 'currency' });
  }
  if (amount < 1) {
    throw invalidRequest('This value must be greater than or equal to 1.', { param });
  }
  const min = MINIMUMS[currency] ?? 50;
  if (amount < min) {
    throw invalidRequest(`Amount must be at least ${display(min, currency)}`, {
      param,
      code: 'amount_too_small',
    });
  }
  if (amount > MAX_AMOUNT) {
    throw invalidRequest(`Amount must be no more than ${display(MAX_AMOUNT, currency)}`, {
      param,
      code: 'amount_too_large',
    });
  }
  if (THREE_DECIMAL.has(currency) && amount % 10 !== 0) {
    throw invalidRequest(
      'Amounts in this currency must be a multiple of 10 (the last digit must be 0).',
      {
        param,
        code: 'invalid_charge_amount',
      },
    );
  }
}
