// The operator console's reads that span components: payments with their customers' emails,
// and a payment's full story (a timeline of audit entries and Stripe events). Each part comes
// from its component's service; this channel only assembles.
import { publicAuditEntry, type AuditService } from '../audit/service.ts';
import type { CustomerDirectory } from '../customers/service.ts';
import type { OrdersService } from '../orders/service.ts';
import { publicPayment, type PaymentListFilter, type PaymentRecords } from '../payments/service.ts';
import { publicRefund, type RefundRecords } from '../refunds/service.ts';
import type { WebhooksService } from '../webhooks/service.ts';
import { notFound } from '../../lib/errors.ts';

export type TimelineEntry =
  | ({ kind: 'audit'; at: string } & ReturnType<typeof publicAuditEntry>)
  | {
      kind: 'webhook';
      at: string;
      stripe_event_id: string;
      type: string;
      object_id: string | null;
      status: string;
      attempts: number;
      last_error: string | null;
      stripe_created_at: string;
      processed_at: string | null;
    };

export interface AdminDeps {
  payments: PaymentRecords;
  refunds: RefundRecords;
  orders: OrdersService;
  customers: CustomerDirectory;
  audit: AuditService;
  webhooks: WebhooksService;
}

export class AdminService {
  constructor(private readonly deps: AdminDeps) {}

  async searchPayments(filter: PaymentListFilter, page: { limit: number; offset: number }) {
    const { rows, total, totalCapped, hasMore } = await this.deps.payments.search(filter, page);
    const emails = await this.deps.customers.emails([...new Set(rows.map((p) => p.userId))]);
    return {
      data: rows.map((p) => ({
        ...publicPayment(p),
        customer_id: p.userId,
        customer_email: emails.get(p.userId) ?? null,
      })),
      total,
      total_capped: totalCapped,
      has_more: hasMore,
    };
  }

  /** Everything about one payment, and a timeline of every change and Stripe event, oldest first. */
  async paymentDetail(id: string) {
    const { payments, refunds: refundRecords, orders, customers, audit, webhooks } = this.deps;
    const payment = await payments.find(id);
    if (!payment) throw notFound('Payment');
    const [order, refunds, customer] = await Promise.all([
      orders.getFor(payment.orderId, null),
      refundRecords.ofPayment(payment.id),
      customers.view(payment.userId),
    ]);
    const stripeIds = [
      payment.stripePaymentIntentId,
      payment.stripeChargeId,
      ...refunds.map((r) => r.stripeRefundId),
    ].filter((x): x is string => !!x);
    const [entries, events] = await Promise.all([
      audit.about([
        { type: 'payment', ids: [payment.id] },
        { type: 'order', ids: [payment.orderId] },
        { type: 'refund', ids: refunds.map((r) => r.id) },
      ]),
      webhooks.eventsAbout(stripeIds),
    ]);
    const timeline: TimelineEntry[] = [
      ...entries.map((e) => ({
        kind: 'audit' as const,
        at: e.occurredAt.toISOString(),
        ...publicAuditEntry(e),
      })),
      ...events.map((e) => ({
        kind: 'webhook' as const,
        at: e.receivedAt.toISOString(),
        stripe_event_id: e.stripeEventId,
        type: e.type,
        object_id: e.objectId,
        status: e.status,
        attempts: e.attempts,
        last_error: e.lastError,
        stripe_created_at: e.stripeCreatedAt.toISOString(),
        processed_at: e.processedAt?.toISOString() ?? null,
      })),
    ].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
    return {
      payment: publicPayment(payment),
      order,
      customer: customer ?? null,
      refunds: refunds.map(publicRefund),
      timeline,
    };
  }
}
