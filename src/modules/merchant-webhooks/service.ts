// Merchant webhooks (ADR 026): the merchant's backend registers endpoints and is told about
// changes as they happen, following the Standard Webhooks specification (standardwebhooks.com):
// a JSON body `{type, timestamp, data}`, headers webhook-id / webhook-timestamp /
// webhook-signature, signed with the official `standardwebhooks` library.
//
// Other components report changes through the one-line hooks below, inside the transaction that
// makes the change: the event and one delivery per subscribed endpoint are written there (an
// outbox), so an event exists exactly when its change committed. `deliver` (a pg-boss job) leases
// due deliveries with FOR UPDATE SKIP LOCKED, sends them through the SSRF guard of ./sender.ts and
// retries failures on the specification's schedule. An endpoint failing for a day is disabled,
// and the alert rule `merchant_webhook_endpoint_disabled` tells the operators.
import type { Logger } from 'pino';
import { Webhook } from 'standardwebhooks';
import type { Db, DbOrTx } from '../../db/client.ts';
import type { PaymentStatus, RefundStatus } from '../../db/statuses.ts';
import type { JobSender } from '../../jobs/queue.ts';
import type { Clock } from '../../lib/clock.ts';
import { randomBytes } from 'node:crypto';
import { badRequest, conflict, notFound } from '../../lib/errors.ts';
import { metrics } from '../../lib/metrics.ts';
import type { CreatedRange, Page } from '../../lib/text-search.ts';
import { appendAudit } from '../audit/audit-log.ts';
import type { Actor } from '../audit/actor.ts';
import type { DisputeRow } from '../disputes/service.ts';
import { publicRefund, type RefundRow } from '../refunds/service.ts';
import * as repo from './repository.ts';
import { isPrivateAddress, postWebhook } from './sender.ts';
import { isIP } from 'node:net';

export const MERCHANT_EVENT_TYPES = [
  'order.paid',
  'order.payment_failed',
  'order.requires_action',
  'order.canceled',
  'refund.succeeded',
  'refund.failed',
  'dispute.created',
  'dispute.closed',
  'customer.created',
  'customer.deleted',
] as const;
export type MerchantEventType = (typeof MERCHANT_EVENT_TYPES)[number];

export const DELIVER_JOB = 'merchant-webhooks.deliver';

/**
 * Waits after each failed attempt, from the Standard Webhooks specification: the first attempt
 * is immediate, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h — 8 attempts over about 28 hours.
 */
export const RETRY_DELAYS_MS = [
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];
/** How long a sender holds a delivery before another may try it (attempts take at most 10 s). */
const LEASE_MS = 60_000;
/** An endpoint whose every attempt failed for this long is disabled. */
export const DISABLE_AFTER_FAILING_MS = 24 * 3_600_000;
/** After a rotation, the old secret keeps signing (beside the new one) this long. */
export const PREVIOUS_SECRET_VALID_MS = 24 * 3_600_000;
const MAX_ENDPOINTS = 50;
const BATCH = 20;

const paymentEvents: Partial<Record<PaymentStatus, MerchantEventType>> = {
  succeeded: 'order.paid',
  failed: 'order.payment_failed',
  requires_action: 'order.requires_action',
  canceled: 'order.canceled',
};
const refundEvents: Partial<Record<RefundStatus, MerchantEventType>> = {
  succeeded: 'refund.succeeded',
  failed: 'refund.failed',
};
/** Stripe's dispute statuses that end a dispute. */
const CLOSED_DISPUTE = new Set(['won', 'lost', 'warning_closed', 'prevented']);

/** The order as the merchant API shows it, read in the caller's transaction (orders component). */
export interface OrderViews {
  viewIn(tx: DbOrTx, orderId: string): Promise<object | undefined>;
}

export interface MerchantWebhooksDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  jobs: JobSender;
  orders: OrderViews;
  /** Private targets and http:// allowed (MERCHANT_WEBHOOKS_ALLOW_PRIVATE). */
  allowPrivate: boolean;
}

export interface EndpointInput {
  url: string;
  events: MerchantEventType[];
  description?: string | undefined;
}

export function publicEndpoint(row: repo.EndpointRow, now: Date) {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events,
    status: row.status,
    disabled_reason: row.disabledReason,
    disabled_at: row.disabledAt?.toISOString() ?? null,
    failing_since: row.failingSince?.toISOString() ?? null,
    previous_secret_expires_at:
      row.previousSecretExpiresAt && row.previousSecretExpiresAt > now
        ? row.previousSecretExpiresAt.toISOString()
        : null,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

export function publicEvent(row: repo.EventRow) {
  return {
    id: row.id,
    type: row.type,
    timestamp: row.createdAt.toISOString(),
    data: row.data as Record<string, unknown>,
  };
}

/** The body every endpoint receives for an event (the same bytes on every attempt). */
export function bodyOf(event: repo.EventRow): string {
  return JSON.stringify({
    type: event.type,
    timestamp: event.createdAt.toISOString(),
    data: event.data,
  });
}

/** A new signing secret: whsec_ and 32 random bytes in base64, as the specification describes. */
function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** webhook-signature: one `v1,…` per secret that signs now, space-separated. */
export function signatureHeader(
  endpoint: Pick<repo.EndpointRow, 'secret' | 'previousSecret' | 'previousSecretExpiresAt'>,
  messageId: string,
  at: Date,
  body: string,
): string {
  const secrets = [endpoint.secret];
  if (
    endpoint.previousSecret &&
    endpoint.previousSecretExpiresAt &&
    endpoint.previousSecretExpiresAt > at
  )
    secrets.push(endpoint.previousSecret);
  return secrets.map((s) => new Webhook(s).sign(messageId, at, body)).join(' ');
}

export class MerchantWebhooksService {
  constructor(private readonly deps: MerchantWebhooksDeps) {}

  // --- Hooks: called by other components inside the transaction of their change -------------

  /** A payment's status changed: order.paid, order.payment_failed, … (payments, settle step). */
  async paymentChanged(
    tx: DbOrTx,
    orderId: string,
    from: PaymentStatus,
    to: PaymentStatus,
    orderView: () => Promise<object | undefined> = () => this.deps.orders.viewIn(tx, orderId),
  ): Promise<void> {
    const type = paymentEvents[to];
    if (!type || from === to) return;
    const order = await orderView();
    if (order) await this.emit(tx, type, order);
  }

  /** A refund's status changed: refund.succeeded or refund.failed (refunds, settle step). */
  async refundChanged(tx: DbOrTx, from: RefundStatus, refund: RefundRow): Promise<void> {
    const type = refundEvents[refund.status];
    if (type && from !== refund.status) await this.emit(tx, type, publicRefund(refund));
  }

  /** A dispute was recorded or moved on: dispute.created, dispute.closed (disputes). */
  async disputeChanged(tx: DbOrTx, before: DisputeRow | null, after: DisputeRow): Promise<void> {
    const closed = CLOSED_DISPUTE.has(after.status) && !CLOSED_DISPUTE.has(before?.status ?? '');
    if (!before) await this.emit(tx, 'dispute.created', disputeView(after));
    if (closed) await this.emit(tx, 'dispute.closed', disputeView(after));
  }

  /** A customer account was created (auth: sign-up, or created by tooling). */
  async customerCreated(
    tx: DbOrTx,
    user: { id: string; email: string; name: string; role: string },
  ): Promise<void> {
    if (user.role !== 'customer') return;
    const { id, email, name } = user;
    await this.emit(tx, 'customer.created', {
      id,
      email,
      name,
      created_at: this.deps.clock.now().toISOString(),
    });
  }

  /** A customer deleted their account: only the id is sent, the personal data is gone. */
  async customerDeleted(tx: DbOrTx, userId: string): Promise<void> {
    await repo.eraseCustomerFromEvents(tx, userId);
    await this.emit(tx, 'customer.deleted', {
      id: userId,
      deleted: true,
      deleted_at: this.deps.clock.now().toISOString(),
    });
  }

  private async emit(tx: DbOrTx, type: MerchantEventType, data: object): Promise<void> {
    const { queued } = await repo.insertEventWithDeliveries(tx, {
      type,
      data,
      createdAt: this.deps.clock.now(),
    });
    // A nudge so delivery starts within seconds; sent outside the transaction and not awaited
    // (a payment does not wait for the queue). If it runs before the commit it finds nothing,
    // and the job's every-minute run picks the delivery up.
    if (queued) this.nudge(new Date(this.deps.clock.now().getTime() + 1000));
  }

  private nudge(at: Date): void {
    this.deps.jobs
      .send(DELIVER_JOB, {}, { startAfter: at })
      .catch((err: unknown) =>
        this.deps.logger.warn({ err }, 'merchant webhook delivery not nudged; the sweep will'),
      );
  }

  // --- Endpoints ------------------------------------------------------------------------------

  /** Creates an endpoint; the returned secret is shown once. */
  /** Retention (ADR 024): events, their deliveries and attempts, once every delivery finished. */
  countExpiredEvents(before: Date) {
    return repo.countExpiredEvents(this.deps.db, before);
  }

  countExpiredEventsInDelivery(before: Date) {
    return repo.countExpiredEventsInDelivery(this.deps.db, before);
  }

  deleteExpiredEvents(before: Date, limit: number) {
    return repo.deleteExpiredEvents(this.deps.db, before, limit);
  }

  async create(input: EndpointInput, actor: Actor) {
    this.checkUrl(input.url);
    const now = this.deps.clock.now();
    const secret = newSecret();
    const row = await this.deps.db.transaction(async (tx) => {
      if ((await repo.countEndpoints(tx)) >= MAX_ENDPOINTS)
        throw conflict('too_many_endpoints', `At most ${MAX_ENDPOINTS} webhook endpoints.`);
      const inserted = await repo.insertEndpoint(tx, {
        url: input.url,
        description: input.description ?? null,
        events: [...new Set(input.events)],
        secret,
        createdAt: now,
        updatedAt: now,
      });
      await this.audit(tx, actor, 'webhook_endpoint.created', inserted.id, null, inserted);
      return inserted;
    });
    return { endpoint: publicEndpoint(row, now), secret };
  }

  async list() {
    const now = this.deps.clock.now();
    return (await repo.listEndpoints(this.deps.db, MAX_ENDPOINTS)).map((r) =>
      publicEndpoint(r, now),
    );
  }

  async get(id: string) {
    const row = await repo.findEndpoint(this.deps.db, id);
    if (!row) throw notFound('Webhook endpoint');
    return publicEndpoint(row, this.deps.clock.now());
  }

  /** Changes the URL, events or description, or disables / re-enables the endpoint. */
  async update(
    id: string,
    input: Partial<EndpointInput> & { status?: 'enabled' | 'disabled' | undefined },
    actor: Actor,
  ) {
    if (input.url !== undefined) this.checkUrl(input.url);
    const now = this.deps.clock.now();
    const row = await this.deps.db.transaction(async (tx) => {
      const before = await repo.findEndpoint(tx, id, { forUpdate: true });
      if (!before) throw notFound('Webhook endpoint');
      const statusChanges = input.status !== undefined && input.status !== before.status;
      const after = await repo.updateEndpoint(tx, id, {
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.events !== undefined ? { events: [...new Set(input.events)] } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(statusChanges
          ? input.status === 'disabled'
            ? { status: 'disabled' as const, disabledReason: 'manual' as const, disabledAt: now }
            : { status: 'enabled' as const, disabledReason: null, disabledAt: null }
          : {}),
        // Re-enabled: its failures so far no longer count towards disabling it again.
        ...(statusChanges && input.status === 'enabled' ? { failingSince: null } : {}),
        updatedAt: now,
      });
      await this.audit(tx, actor, 'webhook_endpoint.updated', id, before, after);
      return after;
    });
    if (row.status === 'enabled') this.nudge(now);
    return publicEndpoint(row, now);
  }

  /** Deletes an endpoint with its delivery log; its events stay listed. */
  async remove(id: string, actor: Actor) {
    const now = this.deps.clock.now();
    await this.deps.db.transaction(async (tx) => {
      const before = await repo.findEndpoint(tx, id, { forUpdate: true });
      if (!before) throw notFound('Webhook endpoint');
      await repo.deleteEndpoint(tx, id);
      await this.audit(tx, actor, 'webhook_endpoint.deleted', id, before, null);
    });
    return { id, deleted: true as const, deleted_at: now.toISOString() };
  }

  /** A new secret; the old one keeps signing beside it for 24 hours. */
  async rotateSecret(id: string, actor: Actor) {
    const now = this.deps.clock.now();
    const secret = newSecret();
    const row = await this.deps.db.transaction(async (tx) => {
      const before = await repo.findEndpoint(tx, id, { forUpdate: true });
      if (!before) throw notFound('Webhook endpoint');
      const after = await repo.updateEndpoint(tx, id, {
        secret,
        previousSecret: before.secret,
        previousSecretExpiresAt: new Date(now.getTime() + PREVIOUS_SECRET_VALID_MS),
        updatedAt: now,
      });
      await this.audit(tx, actor, 'webhook_endpoint.secret_rotated', id, before, after);
      return after;
    });
    return { endpoint: publicEndpoint(row, now), secret };
  }

  /** Queues one more delivery of an event to an endpoint (whatever happened to earlier ones). */
  async resend(endpointId: string, eventId: string, actor: Actor) {
    const now = this.deps.clock.now();
    const delivery = await this.deps.db.transaction(async (tx) => {
      const endpoint = await repo.findEndpoint(tx, endpointId);
      if (!endpoint) throw notFound('Webhook endpoint');
      const event = await repo.findEvent(tx, eventId);
      if (!event) throw notFound('Event');
      const row = await repo.insertDelivery(tx, { endpointId, eventId, at: now });
      await appendAudit(tx, {
        actorType: actor.type,
        actorId: actor.id,
        action: 'webhook_endpoint.resent',
        targetType: 'webhook_endpoint',
        targetId: endpointId,
        after: { event_id: eventId, event_type: event.type, delivery_id: row.id },
        ip: actor.ip,
        requestId: actor.requestId,
        occurredAt: now,
      });
      return { row, type: event.type };
    });
    this.nudge(now);
    return deliveryView(delivery.row, delivery.type, []);
  }

  /** The endpoint's delivery log: deliveries newest first, each with its attempts. */
  async deliveries(
    endpointId: string,
    page: { limit: number; startingAfter?: number | undefined },
  ) {
    await this.get(endpointId);
    const rows = await repo.deliveriesOf(this.deps.db, endpointId, {
      ...page,
      limit: page.limit + 1,
    });
    return {
      data: rows.slice(0, page.limit).map((r) => deliveryView(r.delivery, r.type, r.attempts)),
      has_more: rows.length > page.limit,
    };
  }

  /** For the alert rule: endpoints disabled because they kept failing. */
  disabledForFailureCount(): Promise<number> {
    return repo.countDisabledForFailure(this.deps.db);
  }

  // --- Events -----------------------------------------------------------------------------------

  async listEvents(filter: { type?: string | undefined; created: CreatedRange }, page: Page) {
    const rows = await repo.listEvents(this.deps.db, filter, { ...page, limit: page.limit + 1 });
    return { data: rows.slice(0, page.limit).map(publicEvent), has_more: rows.length > page.limit };
  }

  async getEvent(id: string) {
    const row = await repo.findEvent(this.deps.db, id);
    if (!row) throw notFound('Event');
    return publicEvent(row);
  }

  // --- Delivery ---------------------------------------------------------------------------------

  /** Sends every delivery that is due; returns how many were delivered and how many failed. */
  async deliver(): Promise<{ delivered: number; failed: number }> {
    let delivered = 0;
    let failed = 0;
    for (;;) {
      const now = this.deps.clock.now();
      const due = await repo.claimDue(this.deps.db, now, new Date(now.getTime() + LEASE_MS), BATCH);
      if (!due.length) return { delivered, failed };
      const results = await Promise.all(due.map((claim) => this.attempt(claim)));
      delivered += results.filter(Boolean).length;
      failed += results.filter((ok) => !ok).length;
    }
  }

  private async attempt({ delivery, event, endpoint }: repo.ClaimedDelivery): Promise<boolean> {
    const { db, clock, logger } = this.deps;
    const body = bodyOf(event);
    const sentAt = clock.now();
    const headers = {
      'webhook-id': event.id,
      'webhook-timestamp': String(Math.floor(sentAt.getTime() / 1000)),
      'webhook-signature': signatureHeader(endpoint, event.id, sentAt, body),
    };
    const started = performance.now();
    let status: number | null = null;
    let responseBody: string | null = null;
    let error: string | null = null;
    try {
      const response = await postWebhook({
        url: endpoint.url,
        headers,
        body,
        allowPrivate: this.deps.allowPrivate,
      });
      status = response.status;
      responseBody = response.body;
      if (status < 200 || status > 299)
        error =
          status >= 300 && status < 400
            ? `answered ${status}: redirects are not followed`
            : `answered ${status}`;
    } catch (err) {
      error = (err as Error).message.slice(0, 500);
    }
    const durationMs = performance.now() - started;
    const ok = error === null;
    const now = clock.now();
    const delayMs = RETRY_DELAYS_MS[delivery.attempts - 1];
    const gaveUp = !ok && delayMs === undefined;
    metrics.merchantWebhookDeliveries.inc({
      outcome: ok ? 'delivered' : gaveUp ? 'failed' : 'retrying',
    });
    metrics.merchantWebhookDuration.observe(durationMs / 1000);
    const nextAttemptAt = ok || gaveUp ? now : new Date(now.getTime() + delayMs!);
    let disabled = false;
    await db.transaction(async (tx) => {
      // The endpoint first (FOR NO KEY UPDATE: the attempt row's foreign key only takes KEY
      // SHARE on it), so attempts of one endpoint finishing together queue instead of deadlocking.
      const current = await repo.findEndpoint(tx, endpoint.id, { forUpdate: true });
      if (!current) return;
      const recorded = await repo.recordAttempt(
        tx,
        delivery,
        {
          endpointId: endpoint.id,
          attemptedAt: sentAt,
          durationMs: Math.round(durationMs),
          request: { url: endpoint.url, headers },
          responseStatus: status,
          responseBody,
          error,
        },
        {
          status: ok ? 'delivered' : gaveUp ? 'failed' : 'pending',
          nextAttemptAt,
          lastError: error,
          deliveredAt: ok ? now : null,
        },
      );
      if (!recorded) return;
      disabled = await this.trackHealth(tx, current, ok, now);
    });
    if (!ok) {
      logger.warn(
        { endpoint_id: endpoint.id, delivery_id: delivery.id, attempt: delivery.attempts, error },
        gaveUp ? 'merchant webhook given up' : 'merchant webhook not delivered; will retry',
      );
      if (!gaveUp && !disabled) this.nudge(nextAttemptAt);
    }
    return ok;
  }

  /** Keeps failing_since, and disables an endpoint that has failed for a day. */
  private async trackHealth(tx: DbOrTx, endpoint: repo.EndpointRow, ok: boolean, now: Date) {
    const endpointId = endpoint.id;
    if (ok) {
      if (endpoint.failingSince) await repo.updateEndpoint(tx, endpointId, { failingSince: null });
      return false;
    }
    const failingSince = endpoint.failingSince ?? now;
    if (
      endpoint.status === 'enabled' &&
      now.getTime() - failingSince.getTime() >= DISABLE_AFTER_FAILING_MS
    ) {
      const after = await repo.updateEndpoint(tx, endpointId, {
        failingSince,
        status: 'disabled',
        disabledReason: 'failing',
        disabledAt: now,
        updatedAt: now,
      });
      await this.audit(
        tx,
        { type: 'system', id: 'merchant-webhooks', ip: null, requestId: null },
        'webhook_endpoint.disabled',
        endpointId,
        endpoint,
        after,
      );
      return true;
    }
    if (!endpoint.failingSince) await repo.updateEndpoint(tx, endpointId, { failingSince });
    return false;
  }

  /** https:// always; http:// only where private targets are allowed; no credentials in it. */
  private checkUrl(raw: string): void {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw badRequest('invalid_url', 'url must be an absolute https:// URL.', { field: 'url' });
    }
    const httpAllowed = this.deps.allowPrivate;
    if (url.protocol !== 'https:' && !(httpAllowed && url.protocol === 'http:'))
      throw badRequest(
        'invalid_url',
        httpAllowed ? 'url must be http:// or https://.' : 'url must be https://.',
        { field: 'url' },
      );
    if (url.username || url.password)
      throw badRequest('invalid_url', 'url must not carry a user name or password.', {
        field: 'url',
      });
    const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (
      !httpAllowed &&
      (host === 'localhost' || host.endsWith('.localhost') || isPrivateLiteral(host))
    )
      throw badRequest('url_not_allowed', 'url must point at a public address.', {
        field: 'url',
      });
  }

  private async audit(
    tx: DbOrTx,
    actor: Actor,
    action: string,
    endpointId: string,
    before: repo.EndpointRow | null,
    after: repo.EndpointRow | null,
  ): Promise<void> {
    // Never the secrets: only which one signs, by its last characters.
    const view = (e: repo.EndpointRow) => ({
      url: e.url,
      events: e.events,
      description: e.description,
      status: e.status,
      disabled_reason: e.disabledReason,
      secret_ends_with: e.secret.slice(-4),
    });
    await appendAudit(tx, {
      actorType: actor.type,
      actorId: actor.id,
      action,
      targetType: 'webhook_endpoint',
      targetId: endpointId,
      before: before ? view(before) : null,
      after: after ? view(after) : null,
      ip: actor.ip,
      requestId: actor.requestId,
      occurredAt: this.deps.clock.now(),
    });
  }
}

function isPrivateLiteral(host: string): boolean {
  return isIP(host) !== 0 && isPrivateAddress(host);
}

function disputeView(d: DisputeRow) {
  return {
    id: d.id,
    stripe_dispute_id: d.stripeDisputeId,
    payment_id: d.paymentId,
    amount: d.amount,
    currency: d.currency,
    status: d.status,
    reason: d.reason,
    created_at: d.createdAt.toISOString(),
  };
}

function deliveryView(d: repo.DeliveryRow, type: string, log: repo.AttemptRow[]) {
  return {
    id: d.id,
    event_id: d.eventId,
    event_type: type,
    status: d.status,
    attempt_count: log.length,
    next_attempt_at: d.status === 'pending' ? d.nextAttemptAt.toISOString() : null,
    delivered_at: d.deliveredAt?.toISOString() ?? null,
    last_error: d.lastError,
    created_at: d.createdAt.toISOString(),
    attempts: log.map((a) => ({
      attempted_at: a.attemptedAt.toISOString(),
      duration_ms: a.durationMs,
      request: a.request as { url: string; headers: Record<string, string> },
      response_status: a.responseStatus,
      response_body: a.responseBody,
      error: a.error,
    })),
  };
}
