// Stripe webhooks: verify, store, acknowledge, then process (STYLE.md §9).
//
// Intake does the least it can: the signature is checked on the raw body against every accepted
// secret, the event is stored under its unique Stripe id (a duplicate delivery changes nothing),
// a processing job is queued, and Stripe gets its 2xx. Processing never trusts the event's copy
// of an object: it re-reads the object from Stripe through the payments and refunds services, so
// duplicates and out-of-order arrivals all converge on Stripe's current state.
import type { Logger } from 'pino';
import { Value } from 'typebox/value';
import type { Db } from '../../db/client.ts';
import type { JobSender } from '../../jobs/queue.ts';
import type { Clock } from '../../lib/clock.ts';
import { badRequest, conflict, notFound } from '../../lib/errors.ts';
import { GroupCommit } from '../../lib/group-commit.ts';
import { metrics } from '../../lib/metrics.ts';
import { countEvent, countedEventNames } from '../../lib/event-counts.ts';
import { fieldPath, findInputProblem } from '../../lib/schemas.ts';
import type { PaymentProvider, ProviderEvent, RefundSnapshot } from '../../stripe/provider.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { stripeActor, type Actor } from '../audit/actor.ts';
import { disputeFromStripe, type DisputesService } from '../disputes/service.ts';
import type { PaymentsService } from '../payments/service.ts';
import type { RefundsService } from '../refunds/service.ts';
import * as repo from './repository.ts';
import { StripeEventEnvelope } from './schemas.ts';
import type { WebhookSecrets } from './secrets.ts';

export const PROCESS_WEBHOOK_JOB = 'webhooks.process';
export const SWEEP_WEBHOOKS_JOB = 'webhooks.sweep';
/** A stored event still `received` after this long lost its job; the sweep queues it again. */
const SWEEP_AFTER_MS = 5 * 60_000;
/**
 * Intake commits running at once before deliveries wait to be stored together (ADR 037): a few,
 * so that one slow commit does not hold every delivery, and far fewer than the pool's connections.
 */
export const INTAKE_COMMITS_IN_FLIGHT = 4;
/** Processing's grouped reads and outcome writes running at once before they group (ADR 037). */
const PROCESSING_STATEMENTS_IN_FLIGHT = 2;
/** Events in one grouped read or outcome write at most: a fetched job batch. */
const PROCESSING_GROUP_MAX = 250;
/** Deliveries stored in one commit at most: one statement's parameters stay well under PostgreSQL's limit. */
const INTAKE_BATCH_MAX = 200;

export type ReceiveResult = 'accepted' | 'duplicate';
type Outcome = 'processed' | 'ignored';

const CHARGE_EVENTS = new Set([
  'charge.succeeded',
  'charge.failed',
  'charge.captured',
  'charge.refunded',
  'charge.updated',
]);
const REFUND_EVENTS = new Set([
  'refund.created',
  'refund.updated',
  'refund.failed',
  'charge.refund.updated',
]);

/**
 * The Stripe events Paydeck's endpoint subscribes to: registered at the simulator on start-up,
 * and listed in the README for the endpoint an operator creates in Stripe's dashboard. Every
 * type processing acts on, less three that only repeat another event of the same change:
 * `payment_intent.created` (nothing to settle yet), and `charge.succeeded` / `charge.failed`
 * (sent with `payment_intent.succeeded` / `payment_intent.payment_failed`, which carry the
 * outcome). A delivery of those three is still stored and processed like any other (an endpoint
 * created with more events, a replay): leaving them out only spares two of every three events
 * a payment would send (ADR 032).
 */
export const SUBSCRIBED_STRIPE_EVENTS = [
  'payment_intent.amount_capturable_updated',
  'payment_intent.canceled',
  'payment_intent.payment_failed',
  'payment_intent.processing',
  'payment_intent.requires_action',
  'payment_intent.succeeded',
  'charge.captured',
  'charge.refunded',
  'charge.updated',
  'charge.dispute.created',
  'charge.dispute.updated',
  'charge.dispute.closed',
  'charge.dispute.funds_withdrawn',
  'charge.dispute.funds_reinstated',
  ...REFUND_EVENTS,
];

const idOf = (value: unknown): string | null =>
  typeof value === 'string'
    ? value
    : typeof (value as { id?: unknown } | null)?.id === 'string'
      ? (value as { id: string }).id
      : null;

/**
 * Why a verified event cannot be stored — a field of the wrong shape, or a string PostgreSQL
 * cannot hold — as a 400 naming the field; undefined when it can be.
 */
function eventShapeError(raw: unknown) {
  const [first] = Value.Errors(StripeEventEnvelope, raw);
  if (first) {
    const missing =
      first.keyword === 'required'
        ? (first.params as { requiredProperties?: string[] }).requiredProperties?.[0]
        : undefined;
    const field =
      [...first.instancePath.split('/').filter(Boolean), ...(missing ? [missing] : [])].join('.') ||
      'event';
    return badRequest(
      'webhook_event_invalid',
      `The event's ${field} ${missing ? 'is missing' : first.message}.`,
      { field },
    );
  }
  const found = findInputProblem(raw);
  if (found) {
    const field = fieldPath(found.path) || 'event';
    return found.problem === 'too_deep'
      ? badRequest('webhook_event_invalid', `The event nests too deeply at ${field}.`, { field })
      : badRequest(
          'invalid_characters',
          `The event's ${field} holds a NUL character or an unpaired surrogate, which cannot be stored.`,
          { field },
        );
  }
  return undefined;
}

/** The fields of a Stripe refund object the refunds service needs to find our refund. */
function refundFromStripe(object: Record<string, unknown>): RefundSnapshot | null {
  if (typeof object.id !== 'string') return null;
  return {
    id: object.id,
    status: (typeof object.status === 'string'
      ? object.status
      : 'pending') as RefundSnapshot['status'],
    amount: typeof object.amount === 'number' ? object.amount : 0,
    currency: typeof object.currency === 'string' ? object.currency : '',
    paymentIntentId: idOf(object.payment_intent),
    failureReason: typeof object.failure_reason === 'string' ? object.failure_reason : null,
    metadata: (object.metadata as Record<string, string> | undefined) ?? {},
  };
}

export interface WebhookDeps {
  db: Db;
  clock: Clock;
  provider: PaymentProvider;
  payments: PaymentsService;
  refunds: RefundsService;
  disputes: DisputesService;
  jobs: JobSender;
  secrets: WebhookSecrets;
  logger: Logger;
}

/** A delivery refused for its signature: for Prometheus, and for the in-app alert rule. */
function refusedForSignature(): void {
  metrics.webhooksReceived.inc({ result: 'bad_signature' });
  countEvent(countedEventNames.webhookBadSignature);
}

export class WebhooksService {
  constructor(private readonly deps: WebhookDeps) {}

  /** Verifies a delivery's signature; throws AppError 400 (and counts it) when it does not hold. */
  verify(rawBody: Buffer | undefined, signature: string | undefined): ProviderEvent {
    if (!signature) {
      refusedForSignature();
      throw badRequest('webhook_signature_missing', 'The Stripe-Signature header is missing.', {
        field: 'stripe-signature',
      });
    }
    try {
      return this.deps.provider.verifyWebhook(
        rawBody ?? Buffer.alloc(0),
        signature,
        this.deps.secrets.all(),
      );
    } catch (err) {
      refusedForSignature();
      throw err;
    }
  }

  /**
   * Deliveries arriving together are stored together (ADR 037): one transaction, one multi-row
   * insert, one job insert, one commit for all of them, each acknowledged only after it.
   */
  private readonly intake = new GroupCommit<ProviderEvent, ReceiveResult>({
    commit: (events) => this.storeTogether(events),
    maxInFlight: INTAKE_COMMITS_IN_FLIGHT,
    maxBatch: INTAKE_BATCH_MAX,
  });

  /** Stores a verified event once and queues its processing; resolves once that has committed. */
  async receive(event: ProviderEvent): Promise<ReceiveResult> {
    const malformed = eventShapeError(event.raw);
    if (malformed) {
      metrics.webhooksReceived.inc({ result: 'malformed' });
      throw malformed;
    }
    const result = await this.intake.submit(event);
    metrics.webhooksReceived.inc({ result });
    return result;
  }

  /**
   * The events and their processing jobs commit together: no event stored without its job (the
   * sweep stays for jobs lost with a queue that was not attached). An event already stored, or
   * twice in this group, is a duplicate: the first delivery of it is the one accepted.
   */
  private async storeTogether(events: ProviderEvent[]): Promise<ReceiveResult[]> {
    const receivedAt = this.deps.clock.now();
    const firstOfEach = [...new Map(events.map((e) => [e.id, e])).values()];
    return this.deps.db.transaction(async (tx) => {
      const inserted = new Set(
        await repo.insertEvents(
          tx,
          firstOfEach.map((event) => ({
            stripeEventId: event.id,
            type: event.type,
            objectId: event.objectId,
            apiVersion: event.apiVersion,
            livemode: event.livemode,
            stripeCreatedAt: new Date(event.created * 1000),
            payload: event.raw,
            receivedAt,
          })),
        ),
      );
      if (inserted.size > 0)
        await this.deps.jobs.sendMany(
          PROCESS_WEBHOOK_JOB,
          [...inserted].map((eventId) => ({ data: { eventId }, singletonKey: eventId })),
          { within: tx },
        );
      // delete: a second delivery of the same event in this group finds it gone, a duplicate.
      return events.map((event) => (inserted.delete(event.id) ? 'accepted' : 'duplicate'));
    });
  }

  /**
   * Processes a stored event: the job handler. Safe to run twice; an event already settled is
   * skipped (a replay first sets it back to `received`). A failure is recorded and rethrown so
   * that pg-boss retries the job.
   */
  async process(eventId: string): Promise<repo.WebhookEventRow> {
    const row = await this.processingReads.submit(eventId);
    if (!row) throw notFound('Webhook event');
    if (row.status === 'processed' || row.status === 'ignored') return row;
    let outcome: Outcome;
    try {
      outcome = await this.dispatch(row);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await this.recordOutcome(row, {
        status: 'failed',
        lastError: message.slice(0, 1000),
        at: this.deps.clock.now(),
      });
      metrics.webhooksProcessed.inc({ type: row.type, outcome: 'failed' });
      this.deps.logger.warn(
        { err, stripe_event_id: eventId, type: row.type },
        'webhook processing failed',
      );
      throw err;
    }
    const now = this.deps.clock.now();
    const processed = await this.recordOutcome(row, { status: outcome, lastError: null, at: now });
    metrics.webhooksProcessed.inc({ type: row.type, outcome });
    metrics.webhookLag.observe(Math.max(0, (now.getTime() - row.stripeCreatedAt.getTime()) / 1000));
    return processed;
  }

  /**
   * The events a worker processes at once are read in one statement, and their outcomes written
   * in one (ADR 037): two statements per event were a quarter of the server's CPU in the bench.
   * An event processed alone still reads and writes at once.
   */
  private readonly processingReads = new GroupCommit<string, repo.WebhookEventRow | undefined>({
    commit: async (ids) => {
      const rows = await repo.findManyByStripeId(this.deps.db, [...new Set(ids)]);
      const byId = new Map(rows.map((row) => [row.stripeEventId, row]));
      return ids.map((id) => byId.get(id));
    },
    maxInFlight: PROCESSING_STATEMENTS_IN_FLIGHT,
    maxBatch: PROCESSING_GROUP_MAX,
  });

  private readonly outcomeWrites = new GroupCommit<repo.EventOutcome, void>({
    commit: async (outcomes) => {
      // The same event twice in a group (two runs of its job at once): the later outcome wins,
      // as it would with one statement each.
      await repo.recordOutcomes(this.deps.db, [
        ...new Map(outcomes.map((o) => [o.stripeEventId, o])).values(),
      ]);
      return outcomes.map(() => undefined);
    },
    maxInFlight: PROCESSING_STATEMENTS_IN_FLIGHT,
    maxBatch: PROCESSING_GROUP_MAX,
  });

  /** Records an outcome; answers the event as it now stands, from the row in hand. */
  private async recordOutcome(
    row: repo.WebhookEventRow,
    outcome: Omit<repo.EventOutcome, 'stripeEventId'>,
  ): Promise<repo.WebhookEventRow> {
    await this.outcomeWrites.submit({ stripeEventId: row.stripeEventId, ...outcome });
    return {
      ...row,
      status: outcome.status,
      lastError: outcome.lastError,
      attempts: row.attempts + 1,
      processedAt: outcome.status === 'failed' ? null : outcome.at,
    };
  }

  private async dispatch(row: repo.WebhookEventRow): Promise<Outcome> {
    const payload = row.payload as { data?: { object?: Record<string, unknown> } } | null;
    const object = payload?.data?.object ?? {};
    const actor = stripeActor(row.stripeEventId);
    const type = row.type;

    if (type.startsWith('payment_intent.')) {
      const intentId = idOf(object.id);
      if (!intentId) return 'ignored';
      const metadata = (object.metadata as Record<string, string> | undefined) ?? {};
      const synced = await this.deps.payments.syncByIntentId(
        intentId,
        actor,
        row.stripeEventId,
        metadata.paydeck_payment_id,
        {
          object: 'payment_intent',
          status: object.status,
          amount: object.amount_received,
          chargeId: idOf(object.latest_charge),
        },
      );
      return synced ? 'processed' : 'ignored';
    }
    if (type.startsWith('charge.dispute.')) {
      const dispute = disputeFromStripe(object);
      if (!dispute) return 'ignored';
      await this.deps.disputes.record(dispute, actor, row.stripeEventId);
      return 'processed';
    }
    if (REFUND_EVENTS.has(type)) {
      const refund = refundFromStripe(object);
      if (!refund) return 'ignored';
      return (await this.deps.refunds.syncByStripeRefund(refund, actor, row.stripeEventId))
        ? 'processed'
        : 'ignored';
    }
    if (CHARGE_EVENTS.has(type)) {
      const intentId = idOf(object.payment_intent);
      if (!intentId) return 'ignored';
      const synced = await this.deps.payments.syncByIntentId(
        intentId,
        actor,
        row.stripeEventId,
        undefined,
        {
          object: 'charge',
          status: object.status,
          amount: object.amount_captured,
          chargeId: object.id,
          disputed: object.disputed,
        },
      );
      if (type === 'charge.refunded')
        await this.syncChargeRefunds(object, intentId, actor, row.stripeEventId);
      return synced ? 'processed' : 'ignored';
    }
    return 'ignored';
  }

  /** charge.refunded: every refund of the charge (embedded in the event, else listed at Stripe). */
  private async syncChargeRefunds(
    charge: Record<string, unknown>,
    intentId: string,
    actor: Actor,
    eventId: string,
  ): Promise<void> {
    const embedded = (charge.refunds as { data?: Array<Record<string, unknown>> } | undefined)
      ?.data;
    const snapshots = embedded
      ? embedded.map(refundFromStripe).filter((r): r is RefundSnapshot => r !== null)
      : (await this.deps.provider.listRefunds(intentId)).value;
    for (const snapshot of snapshots)
      await this.deps.refunds.syncByStripeRefund(snapshot, actor, eventId);
  }

  // ------------------------------------------------------------------------------------------
  // The operator's event log
  // ------------------------------------------------------------------------------------------

  list(filters: repo.EventFilters, options: { limit: number; startingAfter?: string | undefined }) {
    return repo
      .listEvents(this.deps.db, filters, { ...options, limit: options.limit + 1 })
      .then((rows) => ({
        data: rows.slice(0, options.limit),
        hasMore: rows.length > options.limit,
      }));
  }

  /** Stripe events about any of the given Stripe objects, by arrival (a payment's timeline). */
  /** Backlog, failures and processing delay, for the console dashboard. */
  backlog(since: Date, until: Date): Promise<repo.WebhookBacklog> {
    return repo.backlog(this.deps.db, since, until);
  }

  eventsAbout(objectIds: string[]): Promise<repo.WebhookEventRow[]> {
    return repo.eventsAbout(this.deps.db, objectIds);
  }

  async get(eventId: string): Promise<repo.WebhookEventRow> {
    const row = await repo.findByStripeId(this.deps.db, eventId);
    if (!row) throw notFound('Webhook event');
    return row;
  }

  /** Queues an event for processing again, whatever its status; audited. */
  async replay(eventId: string, actor: Actor): Promise<repo.WebhookEventRow> {
    const now = this.deps.clock.now();
    const row = await this.deps.db.transaction(async (tx) => {
      const before = await repo.findByStripeId(tx, eventId);
      if (!before) throw notFound('Webhook event');
      if (before.payload === null) {
        throw conflict(
          'webhook_payload_deleted',
          'This event was processed long ago and its payload was deleted under the retention policy (RETENTION_WEBHOOK_PAYLOADS), so it cannot be replayed.',
        );
      }
      const after = (await repo.markReceived(tx, eventId))!;
      await appendAudit(tx, {
        actorType: actor.type,
        actorId: actor.id,
        action: 'webhook_event.replayed',
        targetType: 'webhook_event',
        targetId: eventId,
        before: { status: before.status, attempts: before.attempts },
        after: { status: after.status },
        stripeEventId: eventId,
        ip: actor.ip,
        requestId: actor.requestId,
        occurredAt: now,
      });
      return after;
    });
    await this.deps.jobs.send(PROCESS_WEBHOOK_JOB, { eventId });
    return row;
  }

  /** Settled events whose payload is past its retention period (processed before `before`). */
  countExpiredPayloads(before: Date): Promise<number> {
    return repo.countExpiredPayloads(this.deps.db, before);
  }

  /** Drops up to `limit` of those payloads, keeping the events themselves; returns how many. */
  dropExpiredPayloads(before: Date, limit: number): Promise<number> {
    return repo.dropExpiredPayloads(this.deps.db, before, limit);
  }

  /** Queues again the events whose processing job was lost. */
  async sweep(): Promise<number> {
    const stale = await repo.staleReceived(
      this.deps.db,
      new Date(this.deps.clock.now().getTime() - SWEEP_AFTER_MS),
      500,
    );
    for (const { stripeEventId } of stale) {
      await this.deps.jobs.send(
        PROCESS_WEBHOOK_JOB,
        { eventId: stripeEventId },
        { singletonKey: stripeEventId },
      );
    }
    return stale.length;
  }
}
