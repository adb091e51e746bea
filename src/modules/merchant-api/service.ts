// The merchant API's own step: creating an order for a customer named by id or email. Orders,
// payments, refunds and customers themselves are their components' business; this channel
// only translates.
import type { Actor } from '../audit/actor.ts';
import type { CustomerDirectory } from '../customers/service.ts';
import type { OrdersService } from '../orders/service.ts';

export interface MerchantCreateOrder {
  customer_id?: string | undefined;
  customer_email?: string | undefined;
  amount?: number | undefined;
  currency?: string | undefined;
  items?: Array<{ product_id: string; quantity: number }> | undefined;
  capture_method?: 'automatic' | 'manual' | undefined;
  description?: string | undefined;
  metadata?: Record<string, string> | undefined;
  success_url?: string | undefined;
  cancel_url?: string | undefined;
}

export class MerchantApiService {
  constructor(private readonly deps: { customers: CustomerDirectory; orders: OrdersService }) {}

  async createOrder(input: MerchantCreateOrder, actor: Actor, requestKey?: string) {
    const customer = await this.deps.customers.resolve(input);
    const order = await this.deps.orders.create(
      {
        userId: customer.id,
        items: input.items,
        amount: input.amount,
        currency: input.currency,
        captureMethod: input.capture_method,
        description: input.description,
        metadata: input.metadata,
        successUrl: input.success_url,
        cancelUrl: input.cancel_url,
        requestKey,
      },
      actor,
    );
    return this.deps.orders.getFor(order.id, null);
  }
}
