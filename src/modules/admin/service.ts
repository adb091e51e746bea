// The operator console's reads: payments with filters and totals, a payment's full story (a
// timeline of audit entries and Stripe events), customer lookup and the audit log. Actions
// (refund, capture, cancel) go straight to the shared payment and refund services.
import type { Db } from '../../db/client.ts';
import { notFound } from '../../lib/errors.ts';
import type { Services } from '../../server/services.ts';
import { verifyAuditChain } from '../audit/audit-log.ts';
import { publicPayment, publicRefund } from '../orders/service.ts';
import * as shared from '../merchant-api/repository.ts';
import { MerchantApiService } from '../merchant-api/service.ts';
import * as repo from './repository.ts';

export function publicAuditEntry(e: repo.AuditRow) {
  return {
    id: e.id,
    occurred_at: e.occurredAt.toISOString(),
    actor_type: e.actorType,
    actor_id: e.actorId,
    action: e.action,
    target_type: e.targetType,
    target_id: e.targetId,
    before: e.before ?? null,
    after: e.after ?? null,
    stripe_request_id: e.stripeRequestId,
    stripe_event_id: e.stripeEventId,
    ip: e.ip,
    request_id: e.requestId,
  };
}

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

export class AdminService {
  private readonly merchant: MerchantApiService;

  constructor(
    private readonly db: Db,
    private readonly services: Services,
  ) {
    this.merchant = new MerchantApiService(db, services);
  }

  async searchPayments(filter: shared.PaymentFilter, page: { limit: number; offset: number }) {
    const { rows, total } = await shared.searchPayments(this.db, filter, page);
    const emails = new Map(
      (await shared.usersByIds(this.db, [...new Set(rows.map((p) => p.userId))])).map((u) => [
        u.id,
        u.email,
      ]),
    );
    return {
      data: rows.map((p) => ({
        ...publicPayment(p),
        customer_id: p.userId,
        customer_email: emails.get(p.userId) ?? null,
      })),
      total,
      has_more: page.offset + rows.length < total,
    };
  }

  /** Everything about one payment, and a timeline of every change and Stripe event, oldest first. */
  async paymentDetail(id: string) {
    const payment = await shared.findPayment(this.db, id);
    if (!payment) throw notFound('Payment');
    const [order, refunds, [user]] = await Promise.all([
      this.services.orders.getFor(payment.orderId, null),
      shared.refundsOfPayment(this.db, payment.id),
      shared.usersByIds(this.db, [payment.userId]),
    ]);
    const [customer] = user ? await this.merchant.customerViews([user]) : [];
    const stripeIds = [
      payment.stripePaymentIntentId,
      payment.stripeChargeId,
      ...refunds.map((r) => r.stripeRefundId),
    ].filter((x): x is string => !!x);
    const [audit, events] = await Promise.all([
      repo.auditFor(this.db, [
        { type: 'payment', ids: [payment.id] },
        { type: 'order', ids: [payment.orderId] },
        { type: 'refund', ids: refunds.map((r) => r.id) },
      ]),
      repo.webhookEventsFor(this.db, stripeIds),
    ]);
    const timeline: TimelineEntry[] = [
      ...audit.map((e) => ({
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

  async findCustomers(q: string | undefined, page: shared.Page) {
    const rows = await shared.listCustomers(this.db, { q }, { ...page, limit: page.limit + 1 });
    return {
      data: await this.merchant.customerViews(rows.slice(0, page.limit)),
      has_more: rows.length > page.limit,
    };
  }

  async audit(
    filter: repo.AuditFilter,
    page: { limit: number; startingAfter?: number | undefined },
  ) {
    const rows = await repo.listAudit(this.db, filter, { ...page, limit: page.limit + 1 });
    return {
      data: rows.slice(0, page.limit).map(publicAuditEntry),
      has_more: rows.length > page.limit,
    };
  }

  async verifyAudit() {
    const result = await verifyAuditChain(this.db);
    return {
      ok: result.ok,
      checked: result.checked,
      first_broken: result.firstBroken
        ? { id: result.firstBroken.id, reason: result.firstBroken.reason }
        : null,
    };
  }
}
