import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  checkChargeAmount,
  formatMoney,
  minimumAmount,
  SUPPORTED_CURRENCIES,
  toMinorUnits,
} from '../../src/lib/money.ts';

describe('money', () => {
  it('converts decimal strings to minor units exactly, per currency exponent', () => {
    expect(toMinorUnits('12.34', 'usd')).toBe(1234);
    expect(toMinorUnits('0.1', 'usd')).toBe(10);
    expect(toMinorUnits('1234', 'jpy')).toBe(1234);
    expect(toMinorUnits('1.5', 'kwd')).toBe(1500);
    expect(() => toMinorUnits('1.5', 'jpy')).toThrow(/0 decimals/);
    expect(() => toMinorUnits('1.234', 'usd')).toThrow();
    expect(() => toMinorUnits('-1', 'usd')).toThrow();
  });

  it('never loses a cent converting any two-decimal amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 99_999_999 }), (cents) => {
        const text = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
        expect(toMinorUnits(text, 'eur')).toBe(cents);
      }),
    );
  });

  it("applies Stripe's minimum charge per currency", () => {
    expect(checkChargeAmount(49, 'usd')?.code).toBe('amount_too_small');
    expect(checkChargeAmount(50, 'usd')).toBeUndefined();
    expect(checkChargeAmount(29, 'gbp')?.code).toBe('amount_too_small');
    expect(checkChargeAmount(50, 'jpy')).toBeUndefined();
    expect(minimumAmount('jpy')).toBe(50);
  });

  it('refuses unknown currencies, non-integers, and three-decimal amounts not ending in 0', () => {
    expect(checkChargeAmount(1000, 'xyz')?.code).toBe('currency_not_supported');
    expect(checkChargeAmount(10.5, 'usd')?.code).toBe('amount_invalid');
    expect(checkChargeAmount(-100, 'usd')?.code).toBe('amount_invalid');
    expect(checkChargeAmount(1505, 'kwd')?.code).toBe('amount_invalid');
    expect(checkChargeAmount(1500, 'kwd')).toBeUndefined();
    expect(checkChargeAmount(100_000_000, 'usd')?.code).toBe('amount_too_large');
  });

  it('formats for people with the right number of decimals', () => {
    expect(formatMoney(1234, 'usd')).toBe('$12.34');
    expect(formatMoney(1234, 'jpy')).toBe('¥1,234');
    expect(formatMoney(1500, 'kwd')).toMatch(/KWD\s1\.500/);
  });

  it('every supported currency has a rule', () => {
    for (const c of SUPPORTED_CURRENCIES) expect(minimumAmount(c)).toBeGreaterThan(0);
  });
});
