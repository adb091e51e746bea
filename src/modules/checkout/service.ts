// Opening an order's checkout from its signed link (ADR 030): the link is checked here, the
// session it opens is the auth component's (auth/guests.ts).
import type { Clock } from '../../lib/clock.ts';
import { AppError, forbidden } from '../../lib/errors.ts';
import type { GuestCustomers } from '../auth/guests.ts';
import type { RequestMeta, SignedIn } from '../auth/service.ts';
import type { OrdersService } from '../orders/service.ts';
import type { CheckoutLinks } from './links.ts';

const invalidLink = () =>
  forbidden(
    'This checkout link is not valid. Use the link exactly as you received it.',
    'checkout_link_invalid',
  );

export class CheckoutSessions {
  constructor(
    private readonly deps: {
      clock: Clock;
      links: CheckoutLinks;
      orders: OrdersService;
      guests: GuestCustomers;
    },
  ) {}

  /**
   * A session for the order's customer that opens only this order's checkout, when `token` is
   * this order's link and has not expired. An unknown order answers like a wrong token: the
   * answer does not tell which order ids exist.
   */
  async open(
    orderId: string,
    token: string,
    meta: RequestMeta,
    previousSessionId?: string,
  ): Promise<SignedIn> {
    const { clock, links, orders, guests } = this.deps;
    const check = links.check(orderId, token, clock.now());
    if (check === 'invalid') throw invalidLink();
    if (check === 'expired') {
      throw new AppError(
        410,
        'checkout_link_expired',
        'This checkout link has expired. Ask the shop for a new one.',
      );
    }
    const order = await orders.find(orderId);
    if (!order) throw invalidLink();
    return guests.openCheckout(order, meta, previousSessionId);
  }
}
