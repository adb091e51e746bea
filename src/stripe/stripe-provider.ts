// The Stripe implementation of PaymentProvider: the only module that imports the `stripe` SDK.
//
// - API version pinned (the SDK's own, 2026-10-28.endive).
// - The SDK retries network errors, 409 and 5xx itself (maxNetworkRetries, exponential back-off
//   with jitter, honouring Stripe-Should-Retry) and reuses our idempotency key on each retry.
// - Stripe errors are translated here into AppErrors; card errors become ConfirmOutcomes.
// - Every call is timed and counted in Prometheus by operation, and is a span of its own when
//   tracing is on (the SDK's HTTP requests, retries included, are its children).
import Stripe from 'stripe';
import { AppError } from '../lib/errors.ts';
import { metrics } from '../lib/metrics.ts';
import { SpanKind, withSpan } from '../lib/tracing.ts';
import {
  PROVIDER_UNAVAILABLE,
  type Answer,
  type CardDetails,
  type CardSummary,
  type ConfirmOutcome,
  type CreateIntentInput,
  type IntentSnapshot,
  type IntentStatus,
  type PaymentProvider,
  type ProviderEvent,
  type RefundSnapshot,
} from './provider.ts';

export const STRIPE_API_VERSION = '2026-10-28.endive' as const;

export interface StripeProviderOptions {
  secretKey: string;
  /** The simulator's base URL; unset for Stripe itself. */
  apiBase?: string | undefined;
  maxNetworkRetries?: number;
  timeoutMs?: number;
  /**
   * Told about every call once it ends: its duration and whether Stripe was in trouble (5xx,
   * timeout, no connection; a card decline is an answer). The dashboard's recorder listens here.
   */
  onCall?: ((operation: string, ms: number, failed: boolean) => void) | undefined;
}

type WithResponse = { lastResponse?: { requestId?: string } };
const requestIdOf = (obj: unknown) => (obj as WithResponse)?.lastResponse?.requestId ?? null;

type CardFields = {
  brand: string | null;
  last4: string | null;
  exp_month: number | null;
  exp_year: number | null;
};

function toCardSummary(card: CardFields | null | undefined): CardSummary | null {
  if (!card?.brand || !card.last4) return null;
  return {
    brand: card.brand,
    last4: card.last4,
    expMonth: card.exp_month ?? null,
    expYear: card.exp_year ?? null,
  };
}

function toIntent(pi: Stripe.PaymentIntent): IntentSnapshot {
  const charge = typeof pi.latest_charge === 'object' && pi.latest_charge ? pi.latest_charge : null;
  const paymentMethod = typeof pi.payment_method === 'object' ? pi.payment_method : null;
  const err = pi.last_payment_error;
  return {
    id: pi.id,
    status: pi.status as IntentStatus,
    amount: pi.amount,
    currency: pi.currency,
    amountReceived: pi.amount_received ?? 0,
    amountCapturable: pi.amount_capturable ?? 0,
    captureMethod: pi.capture_method === 'manual' ? 'manual' : 'automatic',
    clientSecret: pi.client_secret ?? null,
    nextAction: (pi.next_action as Record<string, unknown> | null) ?? null,
    paymentMethodId:
      typeof pi.payment_method === 'string' ? pi.payment_method : (pi.payment_method?.id ?? null),
    card: toCardSummary(charge?.payment_method_details?.card) ?? toCardSummary(paymentMethod?.card),
    latestChargeId: typeof pi.latest_charge === 'string' ? pi.latest_charge : (charge?.id ?? null),
    amountRefunded: charge?.amount_refunded ?? 0,
    disputed: charge?.disputed ?? false,
    lastError: err
      ? {
          code: err.code ?? 'card_error',
          declineCode: err.decline_code ?? null,
          message: err.message ?? 'The card was declined.',
        }
      : null,
    metadata: (pi.metadata ?? {}) as Record<string, string>,
    created: pi.created,
  };
}

function toRefund(r: Stripe.Refund): RefundSnapshot {
  return {
    id: r.id,
    status: (r.status ?? 'pending') as RefundSnapshot['status'],
    amount: r.amount,
    currency: r.currency,
    paymentIntentId:
      typeof r.payment_intent === 'string' ? r.payment_intent : (r.payment_intent?.id ?? null),
    failureReason: r.failure_reason ?? null,
    metadata: (r.metadata ?? {}) as Record<string, string>,
  };
}

function toCard(pm: Stripe.PaymentMethod): CardDetails {
  if (!pm.card)
    throw new AppError(400, 'payment_method_not_card', 'Only card payment methods are supported.', {
      field: 'payment_method_id',
    });
  return {
    id: pm.id,
    customerId: typeof pm.customer === 'string' ? pm.customer : (pm.customer?.id ?? null),
    brand: pm.card.brand,
    last4: pm.card.last4,
    expMonth: pm.card.exp_month,
    expYear: pm.card.exp_year,
    fingerprint: pm.card.fingerprint ?? null,
  };
}

/** Stripe's trouble rather than an answer: a 5xx, a timeout or no connection at all. */
function isStripeTrouble(err: unknown): boolean {
  if (!(err instanceof Stripe.errors.StripeError)) return false;
  return (
    err.type === 'StripeConnectionError' ||
    err.type === 'StripeAPIError' ||
    (err.statusCode ?? 0) >= 500
  );
}

/** Translates a Stripe error into our error model. */
function translate(err: unknown, operation: string): AppError {
  if (err instanceof AppError) return err;
  if (!(err instanceof Stripe.errors.StripeError)) {
    return new AppError(500, 'internal_error', `Unexpected failure in ${operation}`, {
      cause: err,
    });
  }
  const requestId = err.requestId ?? null;
  const details = requestId ? { stripe_request_id: requestId } : undefined;
  switch (err.type) {
    case 'StripeConnectionError':
    case 'StripeAPIError':
    case 'StripeRateLimitError':
      return new AppError(
        503,
        PROVIDER_UNAVAILABLE,
        'The payment provider is not answering. Try again shortly.',
        {
          cause: err,
          ...(details ? { details } : {}),
        },
      );
    case 'StripeCardError':
      return new AppError(402, err.code ?? 'card_declined', err.message, {
        cause: err,
        details: { ...details, decline_code: err.decline_code ?? null },
      });
    case 'StripeInvalidRequestError':
      if (err.code === 'resource_missing') {
        return new AppError(404, 'not_found', 'The referenced payment object does not exist.', {
          cause: err,
          field: err.param ?? undefined,
        });
      }
      return new AppError(
        err.statusCode === 404 ? 404 : 400,
        err.code ?? 'invalid_request',
        err.message,
        {
          cause: err,
          ...(err.param ? { field: err.param } : {}),
          ...(details ? { details } : {}),
        },
      );
    default:
      // Authentication, permission, idempotency errors: our configuration or our bug.
      return new AppError(
        500,
        'payment_provider_error',
        `Stripe refused ${operation}: ${err.message}`,
        { cause: err },
      );
  }
}

export class StripeProvider implements PaymentProvider {
  readonly name = 'stripe';
  private readonly stripe: Stripe;
  private readonly onCall: StripeProviderOptions['onCall'];

  constructor(options: StripeProviderOptions) {
    this.onCall = options.onCall;
    const base = options.apiBase ? new URL(options.apiBase) : undefined;
    this.stripe = new Stripe(options.secretKey, {
      apiVersion: STRIPE_API_VERSION,
      maxNetworkRetries: options.maxNetworkRetries ?? 3,
      timeout: options.timeoutMs ?? 20_000,
      telemetry: false,
      appInfo: { name: 'Paydeck', version: '0.1.0' },
      ...(base
        ? {
            host: base.hostname,
            port: base.port || (base.protocol === 'https:' ? 443 : 80),
            protocol: base.protocol === 'https:' ? 'https' : 'http',
          }
        : {}),
    });
  }

  /** Times a call, counts its outcome, traces it, tells the listener, translates its errors. */
  private call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    return withSpan(
      `stripe ${operation}`,
      {
        kind: SpanKind.CLIENT,
        attributes: { 'paydeck.stripe.operation': operation },
        // A decline is Stripe's answer, not a failed call.
        isFailure: (err) => !(err instanceof Stripe.errors.StripeCardError),
      },
      async (span) => {
        const end = metrics.stripeCalls.startTimer({ operation });
        let result: T;
        try {
          result = await fn();
        } catch (err) {
          const type = err instanceof Stripe.errors.StripeError ? err.type : 'unknown';
          const seconds = end({ outcome: type === 'StripeCardError' ? 'card_error' : 'error' });
          metrics.stripeErrors.inc({ operation, type });
          span.setAttribute('paydeck.stripe.error_type', type);
          if (err instanceof Stripe.errors.StripeError && err.requestId)
            span.setAttribute('paydeck.stripe.request_id', err.requestId);
          this.onCall?.(operation, seconds * 1000, isStripeTrouble(err));
          throw err;
        }
        // Outside the try: a listener can never turn an answer into an error.
        this.onCall?.(operation, end({ outcome: 'ok' }) * 1000, false);
        const requestId = requestIdOf(result);
        if (requestId) span.setAttribute('paydeck.stripe.request_id', requestId);
        return result;
      },
    );
  }

  private async answer<T, R>(
    operation: string,
    fn: () => Promise<R>,
    map: (r: R) => T,
  ): Promise<Answer<T>> {
    try {
      const result = await this.call(operation, fn);
      return { value: map(result), requestId: requestIdOf(result) };
    } catch (err) {
      throw translate(err, operation);
    }
  }

  createCustomer(input: { userId: string }, idempotencyKey: string) {
    // No name or email at Stripe: the customer is ours by metadata only (less personal data).
    return this.answer(
      'customers.create',
      () =>
        this.stripe.customers.create(
          { metadata: { paydeck_user_id: input.userId } },
          { idempotencyKey },
        ),
      (c) => ({ id: c.id }),
    );
  }

  deleteCustomer(customerId: string) {
    return this.answer(
      'customers.del',
      () => this.stripe.customers.del(customerId),
      () => undefined,
    );
  }

  createSetupIntent(customerId: string, idempotencyKey: string) {
    return this.answer(
      'setup_intents.create',
      () =>
        this.stripe.setupIntents.create(
          { customer: customerId, usage: 'off_session', allowed_payment_method_types: ['card'] },
          { idempotencyKey },
        ),
      (si) => ({ id: si.id, clientSecret: si.client_secret ?? '' }),
    );
  }

  retrievePaymentMethod(id: string) {
    return this.answer(
      'payment_methods.retrieve',
      () => this.stripe.paymentMethods.retrieve(id),
      toCard,
    );
  }

  attachPaymentMethod(id: string, customerId: string, idempotencyKey: string) {
    return this.answer(
      'payment_methods.attach',
      () => this.stripe.paymentMethods.attach(id, { customer: customerId }, { idempotencyKey }),
      toCard,
    );
  }

  detachPaymentMethod(id: string, idempotencyKey: string) {
    return this.answer(
      'payment_methods.detach',
      () => this.stripe.paymentMethods.detach(id, {}, { idempotencyKey }),
      () => undefined,
    );
  }

  setDefaultPaymentMethod(customerId: string, paymentMethodId: string, idempotencyKey: string) {
    return this.answer(
      'customers.update',
      () =>
        this.stripe.customers.update(
          customerId,
          { invoice_settings: { default_payment_method: paymentMethodId } },
          { idempotencyKey },
        ),
      () => undefined,
    );
  }

  async createAndConfirmIntent(
    input: CreateIntentInput,
    idempotencyKey: string,
  ): Promise<ConfirmOutcome> {
    const params: Stripe.PaymentIntentCreateParams = {
      amount: input.amount,
      currency: input.currency,
      customer: input.customerId,
      payment_method: input.paymentMethodId,
      allowed_payment_method_types: ['card'],
      capture_method: input.captureMethod,
      confirm: true,
      metadata: input.metadata,
      expand: ['latest_charge'],
      ...(input.description ? { description: input.description } : {}),
      ...(input.offSession ? { off_session: true } : {}),
      ...(input.setupFutureUsage && !input.offSession
        ? { setup_future_usage: input.setupFutureUsage }
        : {}),
    };
    try {
      const pi = await this.call('payment_intents.create', () =>
        this.stripe.paymentIntents.create(params, { idempotencyKey }),
      );
      return { kind: 'intent', intent: toIntent(pi), requestId: requestIdOf(pi) };
    } catch (err) {
      if (err instanceof Stripe.errors.StripeCardError) {
        // A declined intent has let go of its payment method; Stripe's error still carries it.
        const intent = err.payment_intent ? toIntent(err.payment_intent) : null;
        return {
          kind: 'card_error',
          error: {
            code: err.code ?? 'card_declined',
            declineCode: err.decline_code ?? null,
            message: err.message,
          },
          intent: intent
            ? { ...intent, card: intent.card ?? toCardSummary(err.payment_method?.card) }
            : null,
          requestId: err.requestId ?? null,
        };
      }
      throw translate(err, 'payment_intents.create');
    }
  }

  retrieveIntent(id: string) {
    return this.answer(
      'payment_intents.retrieve',
      () => this.stripe.paymentIntents.retrieve(id, { expand: ['latest_charge'] }),
      toIntent,
    );
  }

  async findIntentByPaymentId(paymentId: string): Promise<Answer<IntentSnapshot | null>> {
    const found = await this.answer(
      'payment_intents.search',
      () =>
        this.stripe.paymentIntents.search({
          query: `metadata['paydeck_payment_id']:'${paymentId}'`,
          limit: 2,
        }),
      (r) => r.data,
    );
    const first = found.value[0];
    if (!first) return { value: null, requestId: found.requestId };
    // Search results are not expanded; fetch the full object.
    return this.retrieveIntent(first.id);
  }

  captureIntent(id: string, amount: number | undefined, idempotencyKey: string) {
    return this.answer(
      'payment_intents.capture',
      () =>
        this.stripe.paymentIntents.capture(
          id,
          {
            ...(amount !== undefined ? { amount_to_capture: amount } : {}),
            expand: ['latest_charge'],
          },
          { idempotencyKey },
        ),
      toIntent,
    );
  }

  cancelIntent(id: string, idempotencyKey: string) {
    return this.answer(
      'payment_intents.cancel',
      () =>
        this.stripe.paymentIntents.cancel(id, { expand: ['latest_charge'] }, { idempotencyKey }),
      toIntent,
    );
  }

  createRefund(
    input: {
      paymentIntentId: string;
      amount: number;
      metadata: Record<string, string>;
      reason?: string;
    },
    idempotencyKey: string,
  ) {
    return this.answer(
      'refunds.create',
      () =>
        this.stripe.refunds.create(
          {
            payment_intent: input.paymentIntentId,
            amount: input.amount,
            metadata: input.metadata,
            ...(input.reason ? { reason: input.reason as Stripe.RefundCreateParams.Reason } : {}),
          },
          { idempotencyKey },
        ),
      toRefund,
    );
  }

  retrieveRefund(id: string) {
    return this.answer('refunds.retrieve', () => this.stripe.refunds.retrieve(id), toRefund);
  }

  listRefunds(paymentIntentId: string) {
    return this.answer(
      'refunds.list',
      () => this.stripe.refunds.list({ payment_intent: paymentIntentId, limit: 100 }),
      (list) => list.data.map(toRefund),
    );
  }

  verifyWebhook(rawBody: Buffer, signatureHeader: string, secrets: string[]): ProviderEvent {
    let lastError: unknown;
    for (const secret of secrets) {
      let event: Stripe.Event;
      try {
        event = this.stripe.webhooks.constructEvent(rawBody, signatureHeader, secret, 300);
      } catch (err) {
        lastError = err;
        continue;
      }
      // The signature held; whether the body is an event at all (`null`, an array, no
      // data.object) is for the intake's envelope check to say, naming the field.
      const fields = event as unknown as Partial<Record<string, unknown>> | null;
      const data = fields?.data as { object?: unknown } | null | undefined;
      const object =
        typeof data?.object === 'object' && data.object !== null
          ? (data.object as Record<string, unknown>)
          : {};
      return {
        id: event?.id,
        type: event?.type,
        created: event?.created,
        apiVersion: event?.api_version ?? null,
        livemode: event?.livemode,
        objectId: typeof object.id === 'string' ? object.id : null,
        object,
        raw: fields as Record<string, unknown>,
      } as ProviderEvent;
    }
    const message = (lastError as Error | undefined)?.message ?? 'no webhook secret configured';
    throw new AppError(
      400,
      'webhook_signature_invalid',
      `Webhook signature verification failed: ${message.split('\n')[0]}`,
    );
  }

  createWebhookEndpoint(url: string, events: string[]) {
    return this.answer(
      'webhook_endpoints.create',
      () =>
        this.stripe.webhookEndpoints.create({
          url,
          enabled_events: events as Stripe.WebhookEndpointCreateParams.EnabledEvent[],
          api_version: STRIPE_API_VERSION,
        }),
      (we) => ({ id: we.id, secret: we.secret ?? '' }),
    );
  }

  listWebhookEndpoints() {
    return this.answer(
      'webhook_endpoints.list',
      () => this.stripe.webhookEndpoints.list({ limit: 100 }),
      (list) => list.data.map((we) => ({ id: we.id, url: we.url })),
    );
  }

  deleteWebhookEndpoint(id: string) {
    return this.answer(
      'webhook_endpoints.del',
      () => this.stripe.webhookEndpoints.del(id),
      () => undefined,
    );
  }

  async ping(): Promise<void> {
    await this.answer(
      'customers.list',
      () => this.stripe.customers.list({ limit: 1 }),
      () => undefined,
    );
  }
}
