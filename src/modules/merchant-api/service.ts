// The merchant API's domain entry point: who the customer is, what the filters mean, and the
// views the API returns. Orders, payments and refunds themselves are the shared services'
// business; this module only translates.
import type { Db } from '../../db/client.ts';
import { badRequest, notFound } from '../../lib/errors.ts';
import type { Services } from '../../server/services.ts';
import type { Actor } from '../audit/actor.ts';
import { publicPayment, publicRefund } from '../orders/service.ts';
import * as repo from './repository.ts';

export function publicCustomer(user: repo.UserRow, card: repo.PaymentMethodRow | undefined) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    created_at: user.createdAt.toISOString(),
    default_payment_method: card
      ? { id: card.stripePaymentMethodId, brand: card.brand, last4: card.last4 }
      : null,
  };
}

/** `created_gte=2026-01-31` / `created_gte=1769817600`: an ISO date-time or unix seconds. */
export function parseInstant(value: string | undefined, field: string): Date | undefined {
  if (value === undefined) return undefined;
  const date = /^\d{1,11}$/.test(value) ? new Date(Number(value) * 1000) : new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw badRequest(
      'validation_failed',
      `${field} must be an ISO 8601 date-time or unix seconds.`,
      { field },
    );
  }
  return date;
}

export function createdRange(query: {
  created_gte?: string | undefined;
  created_lte?: string | undefined;
}): repo.CreatedRange {
  return {
    gte: parseInstant(query.created_gte, 'created_gte'),
    lte: parseInstant(query.created_lte, 'created_lte'),
  };
}

export interface MerchantCreateOrder {
  customer_id?: string | undefined;
  customer_email?: string | undefined;
  amount?: number | undefined;
  currency?: string | undefined;
  items?: Array<{ product_id: string; quantity: number }> | undefined;
  capture_method?: 'automatic' | 'manual' | undefined;
  description?: string | undefined;
  metadata?: Record<string, string> | undefined;
}

export class MerchantApiService {
  constructor(
    private readonly db: Db,
    private readonly services: Services,
  ) {}

  /** The customer an order is for: by id or by email, exactly one of them; 404 if unknown. */
  async resolveCustomer(input: {
    customer_id?: string | undefined;
    customer_email?: string | undefined;
  }): Promise<repo.UserRow> {
    if (input.customer_id && input.customer_email) {
      throw badRequest('validation_failed', 'Give customer_id or customer_email, not both.', {
        field: 'customer_email',
      });
    }
    if (!input.customer_id && !input.customer_email) {
      throw badRequest('validation_failed', 'customer_id or customer_email is required.', {
        field: 'customer_id',
      });
    }
    const user = await repo.findCustomer(
      this.db,
      input.customer_id ? { id: input.customer_id } : { email: input.customer_email! },
    );
    if (!user) throw notFound('Customer');
    return user;
  }

  async createOrder(input: MerchantCreateOrder, actor: Actor) {
    const customer = await this.resolveCustomer(input);
    const order = await this.services.orders.create(
      {
        userId: customer.id,
        items: input.items,
        amount: input.amount,
        currency: input.currency,
        captureMethod: input.capture_method,
        description: input.description,
        metadata: input.metadata,
      },
      actor,
    );
    return this.services.orders.getFor(order.id, null);
  }

  listOrders(filter: repo.OrderFilter, page: repo.Page) {
    return this.services.orders.list(repo.orderConditions(filter), page);
  }

  async listPayments(filter: repo.PaymentFilter, page: repo.Page) {
    const rows = await repo.listPayments(this.db, filter, { ...page, limit: page.limit + 1 });
    return {
      data: rows.slice(0, page.limit).map(publicPayment),
      has_more: rows.length > page.limit,
    };
  }

  async getPayment(id: string) {
    const row = await repo.findPayment(this.db, id);
    if (!row) throw notFound('Payment');
    return publicPayment(row);
  }

  async listRefunds(filter: repo.RefundFilter, page: repo.Page) {
    const rows = await repo.listRefunds(this.db, filter, { ...page, limit: page.limit + 1 });
    return {
      data: rows.slice(0, page.limit).map(publicRefund),
      has_more: rows.length > page.limit,
    };
  }

  async getRefund(id: string) {
    const row = await repo.findRefund(this.db, id);
    if (!row) throw notFound('Refund');
    return publicRefund(row);
  }

  async listCustomers(filter: repo.CustomerFilter, page: repo.Page) {
    const rows = await repo.listCustomers(this.db, filter, { ...page, limit: page.limit + 1 });
    const data = await this.customerViews(rows.slice(0, page.limit));
    return { data, has_more: rows.length > page.limit };
  }

  async getCustomer(id: string) {
    const user = await repo.findCustomer(this.db, { id });
    if (!user) throw notFound('Customer');
    return (await this.customerViews([user]))[0]!;
  }

  async customerViews(rows: repo.UserRow[]) {
    const cards = new Map(
      (
        await repo.defaultCards(
          this.db,
          rows.map((u) => u.id),
        )
      ).map((c) => [c.userId, c]),
    );
    return rows.map((u) => publicCustomer(u, cards.get(u.id)));
  }
}
