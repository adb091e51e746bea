// Payment data for the components around payments: order views, the merchant API and console
// lists, reconciliation, refunds and disputes. They read and mark payments through this class,
// never through the repository or the table.
import type { Db, DbOrTx } from '../../../db/client.ts';
import type { PaymentStatus } from '../../../db/statuses.ts';
import { notFound } from '../../../lib/errors.ts';
import type { CreatedRange, Page } from '../../../lib/text-search.ts';
import * as repo from '../repository.ts';
import { publicPayment, type PaymentRow, type PublicPayment } from '../repository.ts';

export interface PaymentListFilter {
  status?: PaymentStatus | undefined;
  customerId?: string | undefined;
  orderId?: string | undefined;
  declineCode?: string | undefined;
  created?: CreatedRange;
  amountGte?: number | undefined;
  amountLte?: number | undefined;
  customerEmail?: string | undefined;
  /** Free text over our ids, Stripe ids and the customer's email. */
  q?: string | undefined;
}

/** Finds customers by a part of their email (the console's email filter and free text). */
export interface CustomerLookup {
  idsWithEmailContaining(text: string): Promise<string[]>;
}

export class PaymentRecords {
  constructor(
    private readonly db: Db,
    private readonly customers: CustomerLookup,
  ) {}

  find(id: string, tx: DbOrTx = this.db): Promise<PaymentRow | undefined> {
    return repo.findPayment(tx, id);
  }

  async get(id: string): Promise<PublicPayment> {
    const row = await repo.findPayment(this.db, id);
    if (!row) throw notFound('Payment');
    return publicPayment(row);
  }

  findByIntentId(intentId: string): Promise<PaymentRow | undefined> {
    return repo.findByIntentId(this.db, intentId);
  }

  /** Every payment of these orders, newest first, as the APIs show them. */
  async publicOfOrders(orderIds: string[], tx: DbOrTx = this.db): Promise<PublicPayment[]> {
    return (await repo.paymentsOfOrders(tx, orderIds)).map(publicPayment);
  }

  async list(filter: PaymentListFilter, page: Page) {
    const rows = await repo.listPayments(this.db, await this.resolve(filter), {
      ...page,
      limit: page.limit + 1,
    });
    return {
      data: rows.slice(0, page.limit).map(publicPayment),
      has_more: rows.length > page.limit,
    };
  }

  /** Offset pages with a total, for the console's numbered pages. */
  async search(filter: PaymentListFilter, page: { limit: number; offset: number }) {
    return repo.searchPayments(this.db, await this.resolve(filter), page);
  }

  /** Payments not yet final, and any payment changed since `since`, for the reconciler. */
  toCheck(since: Date, limit: number): Promise<PaymentRow[]> {
    return repo.paymentsToCheck(this.db, since, limit);
  }

  countByStatus(statuses: readonly PaymentStatus[]): Promise<Map<string, number>> {
    return repo.countByStatus(this.db, statuses);
  }

  customerHasPaymentIn(userId: string, statuses: readonly PaymentStatus[]): Promise<boolean> {
    return repo.customerHasPaymentIn(this.db, userId, statuses);
  }

  idsOfCustomer(userId: string): Promise<string[]> {
    return repo.idsOfCustomer(this.db, userId);
  }

  // -- inside another component's transaction (the order row is already locked) --------------

  /** The order's succeeded payment, locked: refunds reserve their amount against it. */
  lockSucceededOfOrder(tx: DbOrTx, orderId: string): Promise<PaymentRow | undefined> {
    return repo.findWithStatus(tx, orderId, 'succeeded', { forUpdate: true });
  }

  setAmountRefunded(tx: DbOrTx, id: string, amount: number, now: Date): Promise<PaymentRow> {
    return repo.updatePayment(tx, id, { amountRefunded: amount, updatedAt: now });
  }

  findByChargeOrIntent(tx: DbOrTx, chargeId: string, intentId: string | null) {
    return repo.findByChargeOrIntent(tx, chargeId, intentId);
  }

  lockForUpdate(tx: DbOrTx, id: string): Promise<PaymentRow | undefined> {
    return repo.findPayment(tx, id, { forUpdate: true });
  }

  async markDisputed(tx: DbOrTx, id: string, now: Date): Promise<void> {
    await repo.updatePayment(tx, id, { disputed: true, updatedAt: now });
  }

  private async resolve(filter: PaymentListFilter): Promise<repo.PaymentFilter> {
    const { customerEmail, ...rest } = filter;
    return {
      ...rest,
      ...(customerEmail
        ? { customerIdsByEmail: await this.customers.idsWithEmailContaining(customerEmail) }
        : {}),
      ...(filter.q
        ? { customerIdsByQ: await this.customers.idsWithEmailContaining(filter.q.trim()) }
        : {}),
    };
  }
}
