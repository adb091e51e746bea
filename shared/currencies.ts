// How many decimals each currency's minor unit has, by Stripe's rules (docs.stripe.com/currencies):
// the one table the server (src/lib/money.ts) and the web app (web/src/lib/money.ts) both use.
// Pure data and functions, no Node or browser API, so that either side can import it.

/** Zero-decimal currencies: the amount is in whole units (500 JPY is `500`). */
export const ZERO_DECIMAL_CURRENCIES: readonly string[] = [
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
];

/**
 * Three-decimal currencies: the amount is in thousandths (5.120 KWD is `5120`), and Stripe
 * requires its last digit to be 0.
 */
export const THREE_DECIMAL_CURRENCIES: readonly string[] = ['bhd', 'jod', 'kwd', 'omr', 'tnd'];

export type CurrencyDecimals = 0 | 2 | 3;

/** Digits after the decimal point in the minor unit of `currency` (an ISO 4217 code, any case). */
export function currencyDecimals(currency: string): CurrencyDecimals {
  const code = currency.toLowerCase();
  if (ZERO_DECIMAL_CURRENCIES.includes(code)) return 0;
  if (THREE_DECIMAL_CURRENCIES.includes(code)) return 3;
  return 2;
}
