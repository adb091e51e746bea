// Refund data for the components around refunds: order views, the merchant API, the console's
// payment detail and the reconciler.
import type { Db, DbOrTx } from '../../../db/client.ts';
import type { RefundStatus } from '../../../db/statuses.ts';
import { notFound } from '../../../lib/errors.ts';
import type { CreatedRange, Page } from '../../../lib/text-search.ts';
import * as repo from '../repository.ts';
import { publicRefund, type PublicRefund, type RefundRow } from '../repository.ts';
import type { RefundPayments } from './deps.ts';

export interface RefundListFilter {
  status?: RefundStatus | undefined;
  orderId?: string | undefined;
  paymentId?: string | undefined;
  customerId?: string | undefined;
  created?: CreatedRange;
}

export class RefundRecords {
  constructor(
    private readonly db: Db,
    private readonly payments: Pick<RefundPayments, 'idsOfCustomer'>,
  ) {}

  /** Every refund of these orders, newest first, as the APIs show them. */
  async publicOfOrders(orderIds: string[], tx: DbOrTx = this.db): Promise<PublicRefund[]> {
    return (await repo.refundsOfOrders(tx, orderIds)).map(publicRefund);
  }

  /** A payment's refunds, oldest first. */
  ofPayment(paymentId: string): Promise<RefundRow[]> {
    return repo.refundsOfPayment(this.db, paymentId);
  }

  async get(id: string): Promise<PublicRefund> {
    const row = await repo.findRefund(this.db, id);
    if (!row) throw notFound('Refund');
    return publicRefund(row);
  }

  async list(filter: RefundListFilter, page: Page) {
    const { customerId, ...rest } = filter;
    const rows = await repo.listRefunds(
      this.db,
      {
        ...rest,
        ...(customerId
          ? { paymentIdsOfCustomer: await this.payments.idsOfCustomer(customerId) }
          : {}),
      },
      { ...page, limit: page.limit + 1 },
    );
    return {
      data: rows.slice(0, page.limit).map(publicRefund),
      has_more: rows.length > page.limit,
    };
  }

  /** Refunds created in [since, until) by currency: count, failed, amount refunded (dashboard). */
  figures(since: Date, until: Date) {
    return repo.figuresByCurrency(this.db, since, until);
  }

  /** Refunds not yet final, and any refund changed since `since`, for the reconciler. */
  toCheck(since: Date, limit: number): Promise<RefundRow[]> {
    return repo.refundsToCheck(this.db, since, limit);
  }
}
