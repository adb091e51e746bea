// Signed checkout links: an order's checkout_url that opens its checkout without an account
// (issue 15, ADR 030). The token is the expiry and a MAC of "order id and expiry" under the data
// key ring's MAC keys (lib/personal-data.ts): nothing is stored, any instance can check it, it
// cannot be moved to another order or extended, and it survives a key rotation while the old key
// is still in the ring.
import { blindIndex, blindIndexes } from '../../lib/personal-data.ts';
import { safeEqual } from '../../lib/crypto.ts';

const CONTEXT = 'checkout link v1';
/** `<expiry in unix seconds>.<key id>.<mac>`; key ids are [A-Za-z0-9_-]{1,16}. */
const TOKEN = /^(\d{1,12})\.([A-Za-z0-9_-]{1,16}\.[A-Za-z0-9_-]{43})$/;

export type CheckoutLinkCheck = 'valid' | 'expired' | 'invalid';

export class CheckoutLinks {
  constructor(
    private readonly publicUrl: string,
    private readonly ttlMs: number,
  ) {}

  /** The checkout page of an order, for its signed-in customer (no token). */
  plainUrlFor(orderId: string): string {
    return `${this.publicUrl}/checkout/${orderId}`;
  }

  /** The checkout URL of an order, valid for the configured time from `now`. */
  urlFor(orderId: string, now: Date): string {
    const expires = Math.floor((now.getTime() + this.ttlMs) / 1000);
    const token = `${expires}.${blindIndex(`${orderId}.${expires}`, CONTEXT)}`;
    return `${this.publicUrl}/checkout/${orderId}?token=${token}`;
  }

  /** Whether `token` was signed for this order and has not expired at `now`. */
  check(orderId: string, token: string, now: Date): CheckoutLinkCheck {
    const parts = TOKEN.exec(token);
    if (!parts) return 'invalid';
    const [, expires, mac] = parts as unknown as [string, string, string];
    const expected = blindIndexes(`${orderId}.${expires}`, CONTEXT);
    // Every key is compared (no early exit): the answer's timing says nothing about which.
    const signed = expected.map((candidate) => safeEqual(candidate, mac)).includes(true);
    if (!signed) return 'invalid';
    return Number(expires) * 1000 > now.getTime() ? 'valid' : 'expired';
  }
}
