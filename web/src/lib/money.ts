// Money arrives from the server as an integer in the currency's minor unit. This is the one
// place that turns it into text. Which currencies have 0 or 3 decimals (Stripe's rules) comes from
// shared/currencies.ts, the table the server checks amounts with.
import { currencyDecimals } from '../../../shared/currencies';

const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(currency: string, locale: string | undefined): Intl.NumberFormat {
  const key = `${locale ?? ''}:${currency}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    const decimals = currencyDecimals(currency);
    formatter = new Intl.NumberFormat(locale, {
      style: 'currency',
      currency: currency.toUpperCase(),
      minimumFractionDigits: decimals,
      maximumFractionDigits: decimals,
    });
    formatters.set(key, formatter);
  }
  return formatter;
}

/**
 * `formatMoney(2400, 'usd')` → "$24.00"; `formatMoney(500, 'jpy')` → "¥500";
 * `formatMoney(1500, 'kwd')` → "KWD 1.500". Integer arithmetic only: the division happens once,
 * on an exact power of ten, just for display.
 */
export function formatMoney(amount: number, currency: string, locale?: string): string {
  const decimals = currencyDecimals(currency);
  return formatterFor(currency, locale).format(amount / 10 ** decimals);
}

/**
 * What a person typed, in major units ("12.5", "1,234.50", "¥500" without the symbol), as an
 * integer in the currency's minor unit: `parseMoney('12.5', 'usd')` → 1250,
 * `parseMoney('500', 'jpy')` → 500, `parseMoney('1.5', 'kwd')` → 1500. String arithmetic only, so
 * no float ever rounds a cent. Null when the text is not an amount in that currency (letters,
 * a negative sign, more decimals than the currency has). Commas and spaces are read as
 * thousands separators; a decimal comma is not supported.
 */
export function parseMoney(text: string, currency: string): number | null {
  const decimals = currencyDecimals(currency);
  const cleaned = text.trim().replace(/[,\s]/g, '');
  const parts = cleaned.split('.');
  const [whole = '', fraction = ''] = parts;
  if (parts.length > 2 || !/^\d+$/.test(whole) || !/^\d*$/.test(fraction)) return null;
  if (fraction.length > decimals) return null;
  const minor = Number(whole) * 10 ** decimals + Number(fraction.padEnd(decimals, '0') || '0');
  return Number.isSafeInteger(minor) ? minor : null;
}

/** The inverse, for pre-filling an input: `toMajorText(1250, 'usd')` → "12.50" (no symbol, no grouping). */
export function toMajorText(amount: number, currency: string): string {
  const decimals = currencyDecimals(currency);
  if (decimals === 0) return String(amount);
  const digits = String(Math.abs(amount)).padStart(decimals + 1, '0');
  const sign = amount < 0 ? '-' : '';
  return `${sign}${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}
