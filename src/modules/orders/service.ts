// Orders: what a customer owes. Prices come from the catalog on the server (or from the
// merchant API's explicit amount); amount and currency never change after creation (the
// database refuses it too).
import { eq, type SQL } from 'drizzle-orm';
import type { Db, DbOrTx } from '../../db/client.ts';
import { orders } from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';
import { badRequest, notFound } from '../../lib/errors.ts';
import { checkChargeAmount } from '../../lib/money.ts';
import { appendAudit } from '../audit/audit-log.ts';
import type { Actor } from '../audit/actor.ts';
import type { CatalogService } from '../catalog/service.ts';
import * as repo from './repository.ts';

export interface CreateOrderInput {
  userId: string;
  items?: Array<{ product_id: string; quantity: number }> | undefined;
  amount?: number | undefined;
  currency?: string | undefined;
  captureMethod?: 'automatic' | 'manual' | undefined;
  description?: string | undefined;
  metadata?: Record<string, string> | undefined;
}

export function publicPayment(p: repo.PaymentRow) {
  return {
    id: p.id,
    order_id: p.orderId,
    status: p.status,
    amount: p.amount,
    currency: p.currency,
    amount_captured: p.amountCaptured,
    amount_refunded: p.amountRefunded,
    capture_method: p.captureMethod,
    off_session: p.offSession,
    attempt: p.attempt,
    stripe_payment_intent_id: p.stripePaymentIntentId,
    payment_method_id: p.stripePaymentMethodId,
    card:
      p.cardBrand && p.cardLast4
        ? {
            brand: p.cardBrand,
            last4: p.cardLast4,
            exp_month: p.cardExpMonth,
            exp_year: p.cardExpYear,
          }
        : null,
    failure_code: p.failureCode,
    decline_code: p.declineCode,
    failure_message: p.failureMessage,
    disputed: p.disputed,
    created_at: p.createdAt.toISOString(),
    updated_at: p.updatedAt.toISOString(),
  };
}

export function publicRefund(r: repo.RefundRow) {
  return {
    id: r.id,
    payment_id: r.paymentId,
    order_id: r.orderId,
    amount: r.amount,
    currency: r.currency,
    status: r.status,
    reason: r.reason,
    stripe_refund_id: r.stripeRefundId,
    failure_reason: r.failureReason,
    created_at: r.createdAt.toISOString(),
  };
}

export type OrderView = ReturnType<OrdersService['view']>;

export class OrdersService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly catalog: CatalogService,
    private readonly publicUrl: string,
  ) {}

  async create(input: CreateOrderInput, actor: Actor): Promise<repo.OrderRow> {
    let amount: number;
    let currency: string;
    let items: Array<{
      productId: string;
      name: string;
      unitAmount: number;
      quantity: number;
      amount: number;
    }> = [];

    if (input.items?.length) {
      if (input.amount !== undefined || input.currency !== undefined) {
        throw badRequest(
          'validation_failed',
          'Give either items or amount and currency, not both.',
          { field: 'amount' },
        );
      }
      const ids = [...new Set(input.items.map((i) => i.product_id))];
      const found = new Map((await this.catalog.findMany(this.db, ids)).map((p) => [p.id, p]));
      items = input.items.map((item, index) => {
        const product = found.get(item.product_id);
        if (!product || !product.active) {
          throw badRequest(
            'product_unavailable',
            'This product does not exist or is no longer for sale.',
            {
              field: `items.${index}.product_id`,
            },
          );
        }
        return {
          productId: product.id,
          name: product.name,
          unitAmount: product.unitAmount,
          quantity: item.quantity,
          amount: product.unitAmount * item.quantity,
        };
      });
      const currencies = new Set(input.items.map((i) => found.get(i.product_id)!.currency));
      if (currencies.size > 1) {
        throw badRequest('mixed_currencies', 'All items of an order must be in one currency.', {
          field: 'items',
        });
      }
      currency = [...currencies][0]!;
      amount = items.reduce((sum, i) => sum + i.amount, 0);
    } else if (input.amount !== undefined && input.currency !== undefined) {
      amount = input.amount;
      currency = input.currency;
    } else {
      throw badRequest('validation_failed', 'Give items, or amount and currency.', {
        field: 'items',
      });
    }

    const problem = checkChargeAmount(amount, currency);
    if (problem) {
      throw badRequest(problem.code, problem.message, {
        field:
          problem.code === 'currency_not_supported'
            ? 'currency'
            : input.items?.length
              ? 'items'
              : 'amount',
      });
    }

    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const order = await repo.insertOrder(
        tx,
        {
          userId: input.userId,
          amount,
          currency,
          captureMethod: input.captureMethod ?? 'automatic',
          description: input.description ?? null,
          metadata: input.metadata ?? {},
          createdBy: actor.type,
          createdAt: now,
          updatedAt: now,
        },
        items,
      );
      await appendAudit(tx, {
        actorType: actor.type,
        actorId: actor.id,
        action: 'order.created',
        targetType: 'order',
        targetId: order.id,
        after: {
          amount,
          currency,
          customer_id: input.userId,
          capture_method: order.captureMethod,
          items: items.length,
        },
        ip: actor.ip,
        requestId: actor.requestId,
        occurredAt: now,
      });
      return order;
    });
  }

  /** An order as its owner (or an operator) sees it; 404 for anyone else. */
  async getFor(orderId: string, userId: string | null): Promise<OrderView> {
    const order = await repo.findOrder(this.db, orderId);
    if (!order || (userId !== null && order.userId !== userId)) throw notFound('Order');
    return (await this.views(this.db, [order]))[0]!;
  }

  async list(filters: SQL[], options: { limit: number; startingAfter?: string | undefined }) {
    const rows = await repo.listOrders(this.db, filters, { ...options, limit: options.limit + 1 });
    const page = rows.slice(0, options.limit);
    return { data: await this.views(this.db, page), has_more: rows.length > options.limit };
  }

  listForUser(userId: string, options: { limit: number; startingAfter?: string | undefined }) {
    return this.list([eq(orders.userId, userId)], options);
  }

  async views(tx: DbOrTx, rows: repo.OrderRow[]) {
    const ids = rows.map((o) => o.id);
    const [items, payments, refunds] = await Promise.all([
      repo.itemsOf(tx, ids),
      repo.paymentsOf(tx, ids),
      repo.refundsOf(tx, ids),
    ]);
    return rows.map((o) =>
      this.view(
        o,
        items.filter((i) => i.orderId === o.id),
        payments.filter((p) => p.orderId === o.id),
        refunds.filter((r) => r.orderId === o.id),
      ),
    );
  }

  view(
    o: repo.OrderRow,
    items: repo.OrderItemRow[],
    payments: repo.PaymentRow[],
    refunds: repo.RefundRow[],
  ) {
    return {
      id: o.id,
      customer_id: o.userId,
      status: o.status,
      amount: o.amount,
      currency: o.currency,
      amount_refunded: o.amountRefunded,
      capture_method: o.captureMethod,
      description: o.description,
      metadata: o.metadata,
      items: items.map((i) => ({
        product_id: i.productId,
        name: i.name,
        unit_amount: i.unitAmount,
        quantity: i.quantity,
        amount: i.amount,
      })),
      payments: payments.map(publicPayment),
      refunds: refunds.map(publicRefund),
      created_at: o.createdAt.toISOString(),
      paid_at: o.paidAt?.toISOString() ?? null,
      checkout_url: `${this.publicUrl}/checkout/${o.id}`,
    };
  }
}
