// One currency table (shared/currencies.ts) for the server and the web app: both sides must read
// the same number of decimals for every currency, and agree with Stripe's lists.
import { describe, expect, it } from 'vitest';
import {
  THREE_DECIMAL_CURRENCIES,
  ZERO_DECIMAL_CURRENCIES,
  currencyDecimals,
} from '../../shared/currencies.ts';
import * as server from '../../src/lib/money.ts';
import * as web from '../../web/src/lib/money.ts';

/** Every code either side has a rule for. */
const ALL_CODES = [
  ...new Set([
    ...server.SUPPORTED_CURRENCIES,
    ...ZERO_DECIMAL_CURRENCIES,
    ...THREE_DECIMAL_CURRENCIES,
  ]),
];

describe('the shared currency table', () => {
  it("when read, then it holds Stripe's zero- and three-decimal currencies, lower-case, each once", () => {
    expect([...ZERO_DECIMAL_CURRENCIES].sort()).toEqual(
      // docs.stripe.com/currencies#zero-decimal
      [
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
      ],
    );
    expect([...THREE_DECIMAL_CURRENCIES].sort()).toEqual(['bhd', 'jod', 'kwd', 'omr', 'tnd']);
    expect(ZERO_DECIMAL_CURRENCIES.filter((c) => THREE_DECIMAL_CURRENCIES.includes(c))).toEqual([]);
  });

  it('when a code is given in upper case, then it has the same decimals', () => {
    for (const code of ALL_CODES) {
      expect(currencyDecimals(code.toUpperCase()), code).toBe(currencyDecimals(code));
    }
    expect(currencyDecimals('usd')).toBe(2);
  });
});

describe('server and web money rules', () => {
  it('when the web reads "1" in any currency, then it gets 10^decimals of the shared table', () => {
    for (const code of ALL_CODES) {
      expect(web.parseMoney('1', code), code).toBe(10 ** currencyDecimals(code));
      expect(web.toMajorText(10 ** currencyDecimals(code), code), code).toBe(
        currencyDecimals(code) === 0 ? '1' : `1.${'0'.repeat(currencyDecimals(code))}`,
      );
    }
  });

  it('when the server and the web convert or format an amount in a supported currency, then they agree', () => {
    for (const code of server.SUPPORTED_CURRENCIES) {
      const decimals = currencyDecimals(code);
      expect(server.toMinorUnits('1', code), code).toBe(10 ** decimals);
      // The same decimal text means the same minor units on both sides.
      const text = decimals === 0 ? '1234' : `12.${'3'.repeat(decimals)}`;
      expect(web.parseMoney(text, code), `${code} ${text}`).toBe(server.toMinorUnits(text, code));
      // And one decimal more than the currency has is refused by both.
      const tooPrecise = `1.${'1'.repeat(decimals + 1)}`;
      expect(web.parseMoney(tooPrecise, code), `${code} ${tooPrecise}`).toBeNull();
      expect(() => server.toMinorUnits(tooPrecise, code), `${code} ${tooPrecise}`).toThrow();
      // Both format a minor-unit amount the same way (en-US).
      expect(web.formatMoney(123_450, code, 'en-US'), code).toBe(
        server.formatMoney(123_450, code, 'en-US'),
      );
    }
  });
});
