// What the refund steps share, and what they need from orders and payments (wired in
// server/services.ts): refunds never read those components' tables.
import type { Logger } from 'pino';
import type { Db, DbOrTx } from '../../../db/client.ts';
import type { OrderStatus, RefundStatus } from '../../../db/statuses.ts';
import type { RefundRow } from '../repository.ts';
import type { JobSender } from '../../../jobs/queue.ts';
import type { Clock } from '../../../lib/clock.ts';
import type { PaymentProvider } from '../../../stripe/provider.ts';
import type { PaymentRecords } from '../../payments/service.ts';

export interface RefundableOrder {
  id: string;
  /** The customer the order belongs to. */
  userId: string;
  status: OrderStatus;
  amount: number;
  amountRefunded: number;
}

export interface RefundOrderLedger {
  lockForUpdate(tx: DbOrTx, orderId: string): Promise<RefundableOrder | undefined>;
  update(
    tx: DbOrTx,
    orderId: string,
    values: { amountRefunded: number; status: OrderStatus; updatedAt: Date },
  ): Promise<unknown>;
}

export type RefundPayments = Pick<
  PaymentRecords,
  'find' | 'findByIntentId' | 'lockSucceededOfOrder' | 'setAmountRefunded' | 'idsOfCustomer'
>;

/** The merchant's webhook events, written in the caller's transaction (merchant-webhooks). */
export interface RefundEvents {
  refundChanged(tx: DbOrTx, from: RefundStatus, refund: RefundRow): Promise<void>;
}

/** Emails to the customer, written in the caller's transaction (customer-emails). */
export interface RefundNotices {
  /** A refund's status changed: a refund notice once it succeeded. */
  refundChanged(
    tx: DbOrTx,
    from: RefundStatus,
    refund: RefundRow,
    customerId: string,
  ): Promise<void>;
}

export interface RefundsDeps {
  db: Db;
  clock: Clock;
  provider: PaymentProvider;
  jobs: JobSender;
  logger: Logger;
  orders: RefundOrderLedger;
  payments: RefundPayments;
  events: RefundEvents;
  notices: RefundNotices;
}
