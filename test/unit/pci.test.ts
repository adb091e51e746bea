import { describe, expect, it } from 'vitest';
import { findCardNumbers, luhnValid } from '../helpers/pci.ts';

const digitsOf = (text: string) => findCardNumbers(text).map((hit) => hit.digits);

describe('findCardNumbers', () => {
  it('when a Luhn-valid card number appears plainly, then it is found with its position', () => {
    const text = 'payment_method[card][number]=4242424242424242&cvc=123';
    const [hit] = findCardNumbers(text);
    expect(hit).toEqual({
      digits: '4242424242424242',
      match: '4242424242424242',
      index: text.indexOf('4242'),
    });
  });

  it('when test cards of every length and network appear, then each is found', () => {
    const cards = [
      '4000002760003184', // Visa, 3-D Secure
      '5555555555554444', // Mastercard
      '2223003122003222', // Mastercard 2-series
      '378282246310005', // Amex, 15 digits
      '6011111111111117', // Discover
      '3056930009020004', // Diners, 16
      '36227206271667', // Diners, 14
      '4222222222222', // Visa, 13 digits
      '6200000000000005', // UnionPay
      '6205500000000000004', // UnionPay, 19 digits
    ];
    for (const card of cards) expect(digitsOf(`{"n":"${card}"}`), card).toEqual([card]);
  });

  it('when the number is written in groups with spaces, dashes, plus signs or %20, then it is found', () => {
    expect(digitsOf('card: 4242 4242 4242 4242.')).toEqual(['4242424242424242']);
    expect(digitsOf('card=4000-0027-6000-3184')).toEqual(['4000002760003184']);
    expect(digitsOf('amex 3782 822463 10005 ok')).toEqual(['378282246310005']);
    expect(digitsOf('number=4242+4242+4242+4242&exp=12')).toEqual(['4242424242424242']);
    expect(digitsOf('/pay?n=4242%204242%204242%204242')).toEqual(['4242424242424242']);
  });

  it('when the expiry or CVC follows the grouped number, then the number is still found', () => {
    expect(digitsOf('4242 4242 4242 4242 12 34 123')).toEqual(['4242424242424242']);
    expect(digitsOf('x 4000 0027 6000 3184 1234')).toEqual(['4000002760003184']);
  });

  it('when several numbers appear, then each is reported once', () => {
    expect(digitsOf('a 4242424242424242 b 5555 5555 5555 4444 c 4242424242424242')).toEqual([
      '4242424242424242',
      '5555555555554444',
      '4242424242424242',
    ]);
  });

  it('when a 16-digit number fails the Luhn check, then it is not reported', () => {
    expect(digitsOf('4242424242424241')).toEqual([]);
    expect(digitsOf('4242 4242 4242 4243')).toEqual([]);
  });

  it('when a Luhn-valid run is too short or too long to be a card, then it is not reported', () => {
    expect(luhnValid('424242424242')).toBe(true);
    expect(digitsOf('424242424242')).toEqual([]); // 12 digits
    expect(luhnValid('42424242424242424242')).toBe(true);
    expect(digitsOf('42424242424242424242')).toEqual([]); // 20 digits: not cut into windows
    expect(digitsOf('x4242424242424242424242424242y')).toEqual([]);
  });

  it('when ordinary data is scanned (timestamps, UUIDs, amounts, Stripe ids), then nothing is reported', () => {
    const ordinary = [
      '{"time":1712345678907,"pid":4242,"amount":10700}', // epoch milliseconds, Luhn-valid
      '12345678-1234-4234-8234-424242424242', // UUID whose groups are all digits
      '55555555-5555-4555-8555-555555554444',
      // All-digit groups inside a UUID whose other groups hold letters (seen in a real run)
      '"key":"a1b2c3d4-6657-8029-9927-7e4fab12cd34"',
      'pi_3PqR4242abcDEF4242 pm_1Nx42424242XYZ',
      '2024-06-01T12:34:56.789Z 10.0.0.1:4242',
      'phone +1 415 555 0100, order 42 of 4242',
    ];
    expect(luhnValid('1712345678907')).toBe(true);
    for (const text of ordinary) expect(digitsOf(text), text).toEqual([]);
  });

  it('when a card number stands between JSON quotes, form separators or words, then it is still found', () => {
    expect(digitsOf('{"number":"4242424242424242"}')).toEqual(['4242424242424242']);
    expect(digitsOf('card[number]=4242424242424242&card[cvc]=123')).toEqual(['4242424242424242']);
    expect(digitsOf('paid with 4242 4242 4242 4242.')).toEqual(['4242424242424242']);
  });

  it('when a Luhn-valid number starts with a digit no card network issues, then it is not reported', () => {
    expect(luhnValid('7992739871300')).toBe(true);
    expect(digitsOf('ref 7992739871300')).toEqual([]);
    expect(luhnValid('0000000000000000')).toBe(true);
    expect(digitsOf('0000000000000000')).toEqual([]);
  });
});

describe('luhnValid', () => {
  it('accepts the classic example and rejects a changed digit', () => {
    expect(luhnValid('79927398713')).toBe(true);
    expect(luhnValid('79927398710')).toBe(false);
  });
});
