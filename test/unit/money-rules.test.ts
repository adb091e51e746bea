// Money (src/lib/money.ts), at its edges: the exact boundaries of what Stripe accepts, what the
// customer-facing messages say, and what a decimal amount in text may look like.
// (The property-based and everyday cases are in money.test.ts.)
import { describe, expect, it } from 'vitest';
import {
  MAX_AMOUNT,
  SUPPORTED_CURRENCIES,
  checkChargeAmount,
  formatMoney,
  isSupportedCurrency,
  minimumAmount,
  toMinorUnits,
} from '../../src/lib/money.ts';

describe('checkChargeAmount at its boundaries', () => {
  it('when the amount is zero, then it is invalid (a charge is positive)', () => {
    expect(checkChargeAmount(0, 'usd')).toEqual({
      code: 'amount_invalid',
      message: 'The amount must be a positive integer in the minor unit.',
    });
  });

  it('when the amount is not a safe integer, then it is invalid', () => {
    expect(checkChargeAmount(Number.MAX_SAFE_INTEGER + 1, 'usd')?.code).toBe('amount_invalid');
    expect(checkChargeAmount(Number.NaN, 'usd')?.code).toBe('amount_invalid');
    expect(checkChargeAmount(Number.POSITIVE_INFINITY, 'usd')?.code).toBe('amount_invalid');
  });

  it("when the amount is exactly Stripe's ceiling, then it is accepted; one more is too large", () => {
    expect(MAX_AMOUNT).toBe(99_999_999);
    expect(checkChargeAmount(MAX_AMOUNT, 'usd')).toBeUndefined();
    expect(checkChargeAmount(MAX_AMOUNT + 1, 'usd')).toEqual({
      code: 'amount_too_large',
      message: 'The amount must be at most $999,999.99.',
    });
  });

  it("when the amount is exactly the currency's minimum, then it is accepted; one less is too small", () => {
    for (const currency of SUPPORTED_CURRENCIES) {
      const minimum = minimumAmount(currency);
      expect(checkChargeAmount(minimum, currency), currency).toBeUndefined();
      // Three-decimal currencies only take multiples of 10: one step below is 10 less.
      const below =
        currency === 'kwd' || currency === 'bhd' || currency === 'jod' || currency === 'omr'
          ? minimum - 10
          : minimum - 1;
      expect(checkChargeAmount(below, currency)?.code, currency).toBe('amount_too_small');
    }
  });

  it('when the amount is too small, then the message names the minimum in money and the currency', () => {
    expect(checkChargeAmount(49, 'usd')?.message).toBe(
      "The amount must be at least $0.50 (Stripe's minimum for USD).",
    );
    expect(checkChargeAmount(49, 'jpy')?.message).toBe(
      "The amount must be at least ¥50 (Stripe's minimum for JPY).",
    );
  });

  it('when a three-decimal amount does not end in 0, then the message says so for that currency', () => {
    expect(checkChargeAmount(1505, 'kwd')).toEqual({
      code: 'amount_invalid',
      message:
        'Amounts in KWD must end in 0 (Stripe charges three-decimal currencies in multiples of 10).',
    });
    // The rule is about three-decimal currencies only.
    expect(checkChargeAmount(1505, 'usd')).toBeUndefined();
    expect(checkChargeAmount(1505, 'jpy')).toBeUndefined();
  });

  it('when the currency is unknown, then the message names it and lists the supported ones', () => {
    const problem = checkChargeAmount(1000, 'xyz');
    expect(problem?.code).toBe('currency_not_supported');
    expect(problem?.message).toBe(
      `Currency "xyz" is not supported. Use one of: ${SUPPORTED_CURRENCIES.join(', ')}.`,
    );
    expect(problem?.message).toContain('aed, aud, bgn');
  });

  it('when the currency is in upper case, then it is not one of ours (codes are lower case, as Stripe sends them)', () => {
    expect(isSupportedCurrency('USD')).toBe(false);
    expect(checkChargeAmount(1000, 'USD')?.code).toBe('currency_not_supported');
  });

  it('the currency check comes first: an unknown currency with a bad amount names the currency', () => {
    expect(checkChargeAmount(-1, 'xyz')?.code).toBe('currency_not_supported');
  });
});

describe('toMinorUnits: what a decimal amount may look like', () => {
  it('when the text has surrounding spaces, then they are ignored', () => {
    expect(toMinorUnits('  12.34\n', 'usd')).toBe(1234);
  });

  it('when the text has more than one decimal point, then it is refused and quoted', () => {
    expect(() => toMinorUnits('1.2.3', 'usd')).toThrow('not a decimal amount: 1.2.3');
  });

  it('when the whole or the fraction part is not only digits, then it is refused', () => {
    for (const text of ['12abc', '12.3x', '12.', '.5', '', '1e3', '0x10', '+1', '1,5', '12 .34']) {
      expect(() => toMinorUnits(text, 'usd'), JSON.stringify(text)).toThrow(/not a decimal amount/);
    }
  });

  it('when there are more decimals than the currency has, then the message names the currency', () => {
    expect(() => toMinorUnits('1.5', 'jpy')).toThrow('jpy has 0 decimals: 1.5');
    expect(() => toMinorUnits('1.2345', 'kwd')).toThrow('kwd has 3 decimals: 1.2345');
  });

  it('when there is no fraction, then the amount is whole major units in every exponent', () => {
    expect(toMinorUnits('7', 'usd')).toBe(700);
    expect(toMinorUnits('7', 'jpy')).toBe(7);
    expect(toMinorUnits('7', 'kwd')).toBe(7000);
    expect(toMinorUnits('0', 'usd')).toBe(0);
  });
});

describe('an unsupported currency anywhere else is a programming error, and says which', () => {
  it.each([
    ['minimumAmount', () => minimumAmount('xyz')],
    ['toMinorUnits', () => toMinorUnits('1', 'xyz')],
    ['formatMoney', () => formatMoney(100, 'xyz')],
  ])('%s throws naming the currency', (_name, call) => {
    expect(call).toThrow('unsupported currency xyz');
  });
});

describe('formatMoney', () => {
  it('uses the currency code whatever the locale, with the currency exponent', () => {
    // (Intl puts a no-break space before the euro sign.)
    expect(formatMoney(123_456, 'eur', 'de-DE')).toMatch(/^1\.234,56\s€$/);
    expect(formatMoney(5, 'usd')).toBe('$0.05');
    expect(formatMoney(50, 'jpy')).toBe('¥50');
  });
});
