// The customer emails' words (src/modules/customer-emails/templates.ts): amounts in the
// currency's own minor units, values escaped in the HTML body, links present in both bodies.
import { describe, expect, it } from 'vitest';
import {
  confirmPayment,
  receipt,
  refundNotice,
} from '../../src/modules/customer-emails/templates.ts';

const base = {
  name: 'Ada',
  orderId: 'ord-1',
  description: 'Plan <b>"Pro"</b> & more',
  card: { brand: 'mastercard', last4: '4444' },
  orderUrl: 'https://shop.example/orders/ord-1',
};

describe('customer email templates', () => {
  it('when the order has no description, then the receipt and the refund notice name it once, by its number', () => {
    const plain = { ...base, description: '', amount: 2400, currency: 'usd' };
    for (const mail of [
      receipt({ ...plain, paidAt: new Date('2026-12-01') }),
      refundNotice(plain),
    ]) {
      expect(mail.text.split('ord-1').length - 1, mail.text).toBe(2); // the number and the link
      expect(mail.text).toContain('Order number: ord-1');
      expect(mail.text).not.toMatch(/^Order: /m);
    }
  });

  it('when the currency has no or three decimals, then the amount is written in its own units', () => {
    expect(
      receipt({ ...base, amount: 1500, currency: 'jpy', paidAt: new Date('2026-12-01') }).subject,
    ).toBe('Receipt: ¥1,500 paid');
    // Intl puts a no-break space between the code and the amount.
    expect(refundNotice({ ...base, amount: 1234, currency: 'kwd' }).text).toMatch(
      /We refunded KWD\s1\.234 to your card/,
    );
  });

  it('when the description holds markup, then the HTML body shows it as text and the text body as is', () => {
    const mail = receipt({
      ...base,
      amount: 4200,
      currency: 'usd',
      paidAt: new Date('2026-12-01'),
    });
    expect(mail.html).toContain('Plan &lt;b&gt;&quot;Pro&quot;&lt;/b&gt; &amp; more');
    expect(mail.html).not.toContain('<b>"Pro"</b>');
    expect(mail.text).toContain('Order: Plan <b>"Pro"</b> & more');
    expect(mail.text).toContain('Card: Mastercard ending in 4444');
    expect(mail.text).toContain('Date: 2026-12-01');
  });

  it('when a payment needs confirming, then both bodies carry the checkout link', () => {
    const mail = confirmPayment({
      ...base,
      amount: 2600,
      currency: 'eur',
      checkoutUrl: 'https://shop.example/checkout/ord-1?a=1&b=2',
    });
    expect(mail.subject).toBe('Action needed: confirm your payment of €26.00');
    expect(mail.text).toContain('Confirm the payment: https://shop.example/checkout/ord-1?a=1&b=2');
    expect(mail.html).toContain('href="https://shop.example/checkout/ord-1?a=1&amp;b=2"');
  });
});
