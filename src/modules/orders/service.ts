// Orders: what a customer owes. Prices come from the catalog on the server (or from the
// merchant API's explicit amount); amount and currency never change after creation (the
// database refuses it too).
import type { Db, DbOrTx } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import { badRequest, notFound } from '../../lib/errors.ts';
import { checkChargeAmount } from '../../lib/money.ts';
import type { Page } from '../../lib/text-search.ts';
import { appendAudit } from '../audit/audit-log.ts';
import type { Actor } from '../audit/actor.ts';
import type { CatalogService } from '../catalog/service.ts';
import { IDEMPOTENCY_RETENTION_MS } from '../idempotency/plugin.ts';
import type { PublicPayment } from '../payments/service.ts';
import type { PublicRefund } from '../refunds/service.ts';
import type { CheckoutLinks } from '../checkout/links.ts';
import * as repo from './repository.ts';

export interface CreateOrderInput {
  userId: string;
  items?: Array<{ product_id: string; quantity: number }> | undefined;
  amount?: number | undefined;
  currency?: string | undefined;
  captureMethod?: 'automatic' | 'manual' | undefined;
  description?: string | undefined;
  metadata?: Record<string, string> | undefined;
  /** Where the checkout sends the customer after paying / from its "cancel" link. */
  successUrl?: string | undefined;
  cancelUrl?: string | undefined;
  /** The client request (Idempotency-Key and caller, hashed) this order answers, if any. */
  requestKey?: string | undefined;
}

/**
 * The payments and refunds an order view shows, from their own components (wired in
 * server/services.ts): orders never read those tables.
 */
export interface OrderAttachments {
  payments: { publicOfOrders(orderIds: string[], tx?: DbOrTx): Promise<PublicPayment[]> };
  refunds: { publicOfOrders(orderIds: string[], tx?: DbOrTx): Promise<PublicRefund[]> };
}

export type OrderView = ReturnType<OrdersService['view']>;

export class OrdersService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly catalog: CatalogService,
    private readonly checkoutLinks: CheckoutLinks,
    private readonly attachments: OrderAttachments,
  ) {}

  async create(input: CreateOrderInput, actor: Actor): Promise<repo.OrderRow> {
    // The same client request again after its first answer was lost (the process died before the
    // key's record was completed): the order it created, not a second one a backend could charge
    // again (ADR 008). Keys live 24 hours.
    if (input.requestKey) {
      const earlier = await repo.findByRequestKey(this.db, input.requestKey);
      if (
        earlier &&
        this.clock.now().getTime() - earlier.createdAt.getTime() < IDEMPOTENCY_RETENTION_MS
      )
        return earlier;
    }
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
          successUrl: input.successUrl ?? null,
          cancelUrl: input.cancelUrl ?? null,
          createdBy: actor.type,
          requestKey: input.requestKey ?? null,
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

  /**
   * An order as its owner (`userId`) or the merchant and operators (`null`) see it; 404 for
   * anyone else. Only the merchant's view carries a signed checkout link (ADR 030): a customer's
   * own view never hands out a fresh one, so a link cannot renew itself.
   */
  async getFor(orderId: string, userId: string | null): Promise<OrderView> {
    const order = await repo.findOrder(this.db, orderId);
    if (!order || (userId !== null && order.userId !== userId)) throw notFound('Order');
    return (await this.views(this.db, [order], userId === null))[0]!;
  }

  async list(filter: repo.OrderFilter, options: Page, signedLinks = true) {
    const rows = await repo.listOrders(this.db, filter, { ...options, limit: options.limit + 1 });
    const page = rows.slice(0, options.limit);
    return {
      data: await this.views(this.db, page, signedLinks),
      has_more: rows.length > options.limit,
    };
  }

  listForUser(userId: string, options: Page) {
    return this.list({ customerId: userId }, options, false);
  }

  /** A view for its customer: the checkout link without its signature (see getFor). */
  forCustomer(view: OrderView): OrderView {
    return { ...view, checkout_url: this.checkoutLinks.plainUrlFor(view.id) };
  }

  // -- for payments, refunds and disputes, which keep an order's status in step --------------

  find(orderId: string): Promise<repo.OrderRow | undefined> {
    return repo.findOrder(this.db, orderId);
  }

  /** Locks the order row: every payment, refund and dispute writer locks the order first. */
  lockForUpdate(tx: DbOrTx, orderId: string): Promise<repo.OrderRow | undefined> {
    return repo.findOrder(tx, orderId, { forUpdate: true });
  }

  /** The order as the merchant API shows it, read in the caller's transaction (webhook events). */
  async viewIn(tx: DbOrTx, orderId: string): Promise<OrderView | undefined> {
    const order = await repo.findOrder(tx, orderId);
    if (!order) return undefined;
    // One after another: a transaction is one connection.
    const items = await repo.itemsOf(tx, [order.id]);
    const payments = await this.attachments.payments.publicOfOrders([order.id], tx);
    const refunds = await this.attachments.refunds.publicOfOrders([order.id], tx);
    return this.view(order, items, payments, refunds);
  }

  update(tx: DbOrTx, orderId: string, values: repo.OrderChanges): Promise<repo.OrderRow> {
    return repo.updateOrder(tx, orderId, values);
  }

  private async views(tx: DbOrTx, rows: repo.OrderRow[], signedLinks: boolean) {
    const ids = rows.map((o) => o.id);
    const [items, payments, refunds] = await Promise.all([
      repo.itemsOf(tx, ids),
      this.attachments.payments.publicOfOrders(ids, tx),
      this.attachments.refunds.publicOfOrders(ids, tx),
    ]);
    return rows.map((o) =>
      this.view(
        o,
        items.filter((i) => i.orderId === o.id),
        payments.filter((p) => p.order_id === o.id),
        refunds.filter((r) => r.order_id === o.id),
        signedLinks,
      ),
    );
  }

  view(
    o: repo.OrderRow,
    items: repo.OrderItemRow[],
    payments: PublicPayment[],
    refunds: PublicRefund[],
    signedLink = true,
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
      payments,
      refunds,
      created_at: o.createdAt.toISOString(),
      paid_at: o.paidAt?.toISOString() ?? null,
      // Signed for the merchant: it opens the checkout without an account, for this order only,
      // until it expires.
      checkout_url: signedLink
        ? this.checkoutLinks.urlFor(o.id, this.clock.now())
        : this.checkoutLinks.plainUrlFor(o.id),
      success_url: o.successUrl?.replaceAll('{ORDER_ID}', o.id) ?? null,
      cancel_url: o.cancelUrl?.replaceAll('{ORDER_ID}', o.id) ?? null,
    };
  }
}
