// Payment data for the components around payments: order views, the merchant API and console
// lists, reconciliation, refunds and disputes. They read and mark payments through this class,
// never through the repository or the table.
import type { Db, DbOrTx } from '../../../db/client.ts';
import type { PaymentStatus } from '../../../db/statuses.ts';
import { notFound } from '../../../lib/errors.ts';
import type { CreatedRange, Page } from '../../../lib/text-search.ts';
import { CARD_DECLINE_CODES } from '../declines.ts';
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
  /** Free text over our ids, Stripe ids, the customer's exact email and their name's words. */
  q?: string | undefined;
}

/**
 * Finds customers by their exact email or the words of their name (the console's customer filter
 * and free text); emails and names are encrypted, so never by a part of them (ADR 027).
 */
export interface CustomerLookup {
  idsMatching(text: string): Promise<string[]>;
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

  /** The customer's payments in one of `statuses`, oldest first. */
  ofCustomerIn(userId: string, statuses: readonly PaymentStatus[]): Promise<PaymentRow[]> {
    return repo.ofCustomerIn(this.db, userId, statuses);
  }

  idsOfCustomer(userId: string): Promise<string[]> {
    return repo.idsOfCustomer(this.db, userId);
  }

  /**
   * The console dashboard's figures for payments created in [since, until): counts and sums by
   * status and currency, the most frequent decline codes, and succeeded/failed per bucket.
   */
  async figures(since: Date, until: Date, bucketSeconds: number) {
    const [byStatus, declineReasons, series] = await Promise.all([
      repo.figuresByStatus(this.db, since, until, CARD_DECLINE_CODES),
      repo.topDeclineCodes(this.db, since, until, CARD_DECLINE_CODES, 10),
      repo.outcomeSeries(this.db, since, until, bucketSeconds),
    ]);
    return { byStatus, declineReasons, series };
  }

  /**
   * Payments created in [since, until) that reached an outcome: succeeded (or authorised, waiting
   * for capture) and failed. The success-rate alert rules read these.
   */
  async outcomes(since: Date, until: Date): Promise<{ succeeded: number; failed: number }> {
    const rows = await repo.figuresByStatus(this.db, since, until, CARD_DECLINE_CODES);
    const sum = (statuses: PaymentStatus[]) =>
      rows.filter((r) => statuses.includes(r.status)).reduce((n, r) => n + r.count, 0);
    return { succeeded: sum(['succeeded', 'requires_capture']), failed: sum(['failed']) };
  }

  /** Payments still `creating` or `unknown` that were created before `before`. */
  unsettledCount(before: Date): Promise<number> {
    return repo.countUnsettledBefore(this.db, before);
  }

  /** Payments waiting in each of `statuses`, by time in it: under 5 minutes, 5–60 minutes, over 1 hour. */
  waitingByAge(statuses: readonly PaymentStatus[], now: Date) {
    return repo.waitingByAge(this.db, statuses, now);
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
        ? { customerIdsByEmail: await this.customers.idsMatching(customerEmail) }
        : {}),
      ...(filter.q ? { customerIdsByQ: await this.customers.idsMatching(filter.q.trim()) } : {}),
    };
  }
}
