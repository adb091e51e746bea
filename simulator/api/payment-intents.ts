import {
  SimError,
  aboutIntent,
  cardError,
  invalidRequest,
  noSuch,
  unexpectedState,
} from '../errors.ts';
import { paginate, search } from '../objects.ts';
import {
  allowOnly,
  applyMetadata,
  bool,
  int,
  nullableStr,
  obj,
  oneOf,
  requiredStr,
  str,
  strArray,
  type Params,
} from '../params.ts';
import type { Route } from '../router.ts';
import { emit } from '../events.ts';
import { type Ctx } from '../sim.ts';
import { DECLINES, type Decline } from '../test-cards.ts';
import type { Charge, PaymentIntent, PaymentIntentStatus, PaymentMethod } from '../types.ts';
import { clone, newId, nowSeconds, randomToken } from '../util.ts';
import { createCharge, balanceTransaction } from './charges.ts';
import { checkAmount } from './currencies.ts';
import { getCustomer } from './customers.ts';
import { openDispute } from './disputes.ts';
import {
  checkClientSecret,
  checkReturnUrl,
  confirmationPaymentMethod,
  needsChallenge,
  DEFAULT_SETTINGS,
  configurationDetails,
  nextActionFor,
  offSessionOf,
  paymentMethodSettings,
  silentThreeDS,
  intentRoute,
  usablePaymentMethod,
} from './intents.ts';
import {
  attachPaymentMethod,
  cardOf,
  checkReusable,
  markSetUp,
  resolvePaymentMethod,
} from './payment-methods.ts';

const CAPTURE_METHODS = ['automatic', 'automatic_async', 'manual'] as const;
const FUTURE_USAGE = ['on_session', 'off_session'] as const;
const CONFIRM_PARAMS = [
  'allowed_payment_method_types',
  'capture_method',
  'client_secret',
  'error_on_requires_action',
  'excluded_payment_method_types',
  'mandate_data',
  'off_session',
  'payment_method',
  'payment_method_data',
  'payment_method_options',
  'payment_method_types',
  'receipt_email',
  'return_url',
  'setup_future_usage',
  'shipping',
  'use_stripe_sdk',
];
const CREATE_PARAMS = [
  ...CONFIRM_PARAMS.filter((p) => p !== 'client_secret'),
  'amount',
  'automatic_payment_methods',
  'confirm',
  'confirmation_method',
  'currency',
  'customer',
  'description',
  'metadata',
  'statement_descriptor',
  'statement_descriptor_suffix',
  'transfer_group',
];
const UPDATE_PARAMS = [
  'allowed_payment_method_types',
  'amount',
  'capture_method',
  'currency',
  'customer',
  'description',
  'metadata',
  'payment_method',
  'payment_method_options',
  'payment_method_types',
  'receipt_email',
  'setup_future_usage',
  'shipping',
  'statement_descriptor',
  'statement_descriptor_suffix',
  'transfer_group',
];

export function getPaymentIntent(ctx: Ctx, id: string, param = 'id'): PaymentIntent {
  const pi = ctx.sim.store.get<PaymentIntent>('payment_intents', id);
  if (!pi) throw noSuch('payment_intent', id, param);
  return pi;
}

function setStatus(
  ctx: Ctx,
  pi: PaymentIntent,
  status: PaymentIntentStatus,
  eventType?: string,
): void {
  pi.status = status;
  ctx.sim.store.changed();
  if (eventType) emit(ctx, eventType, pi);
}

function paymentMethodOptions(params: Params): Record<string, unknown> {
  const card = obj(obj(params, 'payment_method_options') ?? {}, 'card') ?? {};
  return {
    card: {
      installments: null,
      mandate_options: null,
      network: null,
      request_three_d_secure: (card.request_three_d_secure as string | undefined) ?? 'automatic',
    },
  };
}

function create(ctx: Ctx, params: Params): PaymentIntent {
  allowOnly(params, CREATE_PARAMS);
  const amount = int(params, 'amount', { required: true })!;
  const currency = requiredStr(params, 'currency').toLowerCase();
  checkAmount(amount, currency);
  const customerId = str(params, 'customer');
  if (customerId) getCustomer(ctx, customerId, 'customer');
  const confirm = bool(params, 'confirm') ?? false;
  const offSession = offSessionOf(params);
  if (offSession !== undefined && !confirm) {
    throw invalidRequest('You can only use `off_session` when `confirm=true`.', {
      param: 'off_session',
    });
  }
  if (str(params, 'return_url') && !confirm) {
    throw invalidRequest('You can only use `return_url` when `confirm=true`.', {
      param: 'return_url',
    });
  }
  const settings = paymentMethodSettings(params) ?? DEFAULT_SETTINGS;
  const pmId = str(params, 'payment_method');
  const pm = pmId ? usablePaymentMethod(ctx, pmId) : null;
  const id = newId('pi');
  const pi: PaymentIntent = {
    id,
    object: 'payment_intent',
    amount,
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application: null,
    allowed_payment_method_types: settings.allowed_payment_method_types,
    application_fee_amount: null,
    automatic_payment_methods: settings.automatic_payment_methods,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: oneOf(params, 'capture_method', CAPTURE_METHODS) ?? 'automatic_async',
    client_secret: `${id}_secret_${randomToken(25)}`,
    confirmation_method:
      oneOf(params, 'confirmation_method', ['automatic', 'manual']) ?? 'automatic',
    created: nowSeconds(),
    currency,
    customer: customerId ?? null,
    customer_account: null,
    description: str(params, 'description') ?? null,
    excluded_payment_method_types: strArray(params, 'excluded_payment_method_types') ?? null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    managed_payments: { enabled: false },
    metadata: applyMetadata({}, params.metadata),
    next_action: null,
    on_behalf_of: null,
    payment_method: pm?.id ?? null,
    payment_method_configuration_details: configurationDetails(settings),
    payment_method_options: paymentMethodOptions(params),
    payment_method_types: settings.payment_method_types,
    payment_record: null,
    processing: null,
    receipt_email: str(params, 'receipt_email') ?? null,
    review: null,
    setup_future_usage: oneOf(params, 'setup_future_usage', FUTURE_USAGE) ?? null,
    shipping: (obj(params, 'shipping') as Record<string, unknown> | undefined) ?? null,
    source: null,
    statement_descriptor: str(params, 'statement_descriptor') ?? null,
    statement_descriptor_suffix: str(params, 'statement_descriptor_suffix') ?? null,
    status: pm ? 'requires_confirmation' : 'requires_payment_method',
    transfer_data: null,
    transfer_group: str(params, 'transfer_group') ?? null,
  };
  if (confirm && pm) checkPaymentMethodUsable(ctx, pi, pm);
  ctx.sim.store.put('payment_intents', pi);
  emit(ctx, 'payment_intent.created', pi);
  if (confirm) {
    const { amount: _a, currency: _c, customer: _cu, confirm: _co, ...confirmParams } = params;
    try {
      return confirmIntent(ctx, pi, confirmParams);
    } catch (e) {
      // The intent exists now (as on Stripe, e.g. a missing return_url): the error carries it
      // and is saved for idempotent replay, so a retry does not create a second one.
      throw e instanceof SimError ? aboutIntent(e, 'payment_intent', clone(pi), true) : e;
    }
  }
  return pi;
}

const CONFIRMABLE: PaymentIntentStatus[] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
];

/** Confirmation: 3DS when the card needs it, otherwise the charge. */
function confirmIntent(ctx: Ctx, pi: PaymentIntent, params: Params): PaymentIntent {
  if (!CONFIRMABLE.includes(pi.status)) {
    throw unexpectedState(
      'payment_intent',
      pi.status === 'succeeded'
        ? 'You cannot confirm this PaymentIntent because it has already succeeded after being previously confirmed.'
        : `You cannot confirm this PaymentIntent because it has a status of ${pi.status}. Only a ` +
            'PaymentIntent with one of the following statuses may be confirmed: ' +
            `${CONFIRMABLE.join(', ')}.`,
      pi,
    );
  }
  const pm = confirmationPaymentMethod(ctx, pi, params);
  if (!pm) {
    throw unexpectedState(
      'payment_intent',
      "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm " +
        'the PaymentIntent, provide a `payment_method` or `payment_method_data`.',
      pi,
    );
  }
  checkPaymentMethodUsable(ctx, pi, pm);
  const settings = paymentMethodSettings(params);
  const returnUrl = str(params, 'return_url');
  checkReturnUrl(ctx, settings ? { ...pi, ...settings } : pi, returnUrl);
  if (settings) Object.assign(pi, settings);
  const offSession = offSessionOf(params) ?? false;
  const sfu = oneOf(params, 'setup_future_usage', FUTURE_USAGE);
  const capture = oneOf(params, 'capture_method', CAPTURE_METHODS);
  // From here on the request executes: failures are declines, stored for idempotent replay.
  pi.payment_method = pm.id;
  if (sfu) pi.setup_future_usage = sfu;
  if (capture) pi.capture_method = capture;
  const receipt = str(params, 'receipt_email');
  if (receipt) pi.receipt_email = receipt;
  if (params.payment_method_options) pi.payment_method_options = paymentMethodOptions(params);
  pi.last_payment_error = null;
  if (needsChallenge(ctx, pi, pm)) {
    if (offSession || bool(params, 'error_on_requires_action')) {
      return decline(ctx, pi, pm, DECLINES.authenticationRequired);
    }
    pi.next_action = nextActionFor(ctx, pi.id, returnUrl);
    setStatus(ctx, pi, 'requires_action', 'payment_intent.requires_action');
    return pi;
  }
  const authenticated = ctx.sim.store.internal.authenticated[pi.id];
  return charge(ctx, pi, pm, authenticated ? 'challenge' : silentThreeDS(ctx, pm));
}

/**
 * An unattached PaymentMethod is single-use (and a detached one unusable); an attached one
 * belongs to its customer.
 */
function checkPaymentMethodUsable(ctx: Ctx, pi: PaymentIntent, pm: PaymentMethod): void {
  if (pm.customer && pm.customer !== pi.customer) {
    throw invalidRequest(
      pi.customer
        ? `The PaymentMethod ${pm.id} does not belong to the Customer ${pi.customer}. Please ` +
            'use a PaymentMethod that belongs to this Customer.'
        : `The PaymentMethod ${pm.id} belongs to the Customer ${pm.customer}. Please include ` +
            'the Customer in the `customer` parameter on the PaymentIntent.',
      { param: 'payment_method' },
    );
  }
  checkReusable(ctx, pm);
}

type ThreeDSFlow = 'challenge' | 'frictionless' | undefined;

/**
 * Charges the card, at once or (when the control API set `processing_ms`) after a spell in
 * `processing`; then nobody waits for the answer, so a decline only shows in events and state.
 */
function charge(
  ctx: Ctx,
  pi: PaymentIntent,
  pm: PaymentMethod,
  threeDS: ThreeDSFlow,
): PaymentIntent {
  const delay = ctx.sim.processingMs;
  if (delay <= 0) return settle(ctx, pi, pm, threeDS);
  pi.processing = { type: 'card', card: { customer_notification: null } };
  pi.next_action = null;
  setStatus(ctx, pi, 'processing', 'payment_intent.processing');
  ctx.sim.later(delay, () => {
    if (pi.status !== 'processing') return; // canceled meanwhile
    pi.processing = null;
    try {
      settle(ctx.sim.systemCtx(), pi, pm, threeDS);
    } catch (e) {
      if (!(e instanceof SimError)) throw e;
    }
  });
  return pi;
}

/** The charge itself: success (captured now or later) or a decline. */
function settle(
  ctx: Ctx,
  pi: PaymentIntent,
  pm: PaymentMethod,
  threeDS: ThreeDSFlow,
): PaymentIntent {
  const card = cardOf(ctx, pm);
  const failure = ctx.sim.store.internal.authenticated[pi.id]
    ? (card.declineAfterAuth ?? card.decline)
    : card.decline;
  delete ctx.sim.store.internal.authenticated[pi.id];
  if (failure) return decline(ctx, pi, pm, failure, threeDS);
  const manual = pi.capture_method === 'manual';
  const ch = createCharge(ctx, pi, pm, { capture: !manual, threeDS });
  pi.latest_charge = ch.id;
  pi.next_action = null;
  if (pi.setup_future_usage) {
    if (pi.customer) attachPaymentMethod(ctx, pm, getCustomer(ctx, pi.customer, 'customer'));
    markSetUp(ctx, pm);
  }
  const secret = ctx.sim.store.internal.cards[pm.id];
  if (secret && !pm.customer) secret.consumed = true;
  emit(ctx, 'charge.succeeded', ch);
  if (manual) {
    pi.amount_capturable = pi.amount;
    setStatus(ctx, pi, 'requires_capture', 'payment_intent.amount_capturable_updated');
  } else {
    pi.amount_received = pi.amount;
    setStatus(ctx, pi, 'succeeded', 'payment_intent.succeeded');
    if (card.dispute) openDispute(ctx, ch);
  }
  return pi;
}

/**
 * A declined attempt: a failed charge, the intent back to `requires_payment_method` with
 * `last_payment_error`, and HTTP 402 carrying the intent.
 */
function decline(
  ctx: Ctx,
  pi: PaymentIntent,
  pm: PaymentMethod,
  failure: Decline,
  threeDS?: ThreeDSFlow,
): never {
  const ch = createCharge(ctx, pi, pm, { decline: failure, capture: false, threeDS });
  const error = cardError({ ...failure, charge: ch.id, payment_method: clone(pm) });
  pi.latest_charge = ch.id;
  pi.last_payment_error = { ...error.body };
  pi.payment_method = null;
  pi.next_action = null;
  emit(ctx, 'charge.failed', ch);
  setStatus(ctx, pi, 'requires_payment_method', 'payment_intent.payment_failed');
  error.body.payment_intent = clone(pi);
  throw error;
}

/** The customer finished the 3DS challenge (`POST /_sim/3ds/:id/complete`). */
export function completeAuthentication(ctx: Ctx, pi: PaymentIntent): PaymentIntent {
  requireAction(pi);
  ctx.sim.store.internal.authenticated[pi.id] = true;
  const pm = resolvePaymentMethod(ctx, pi.payment_method!);
  if (pi.confirmation_method === 'manual') {
    // Manual confirmation: the server confirms again; the challenge is not asked twice.
    pi.next_action = null;
    setStatus(ctx, pi, 'requires_confirmation');
    return pi;
  }
  try {
    return charge(ctx, pi, pm, 'challenge');
  } catch (e) {
    if (e instanceof SimError && e.body.type === 'card_error') return pi;
    throw e;
  }
}

/** The customer failed (or abandoned) the 3DS challenge. */
export function failAuthentication(ctx: Ctx, pi: PaymentIntent): PaymentIntent {
  requireAction(pi);
  const pm = pi.payment_method
    ? ctx.sim.store.get<PaymentMethod>('payment_methods', pi.payment_method)
    : undefined;
  pi.last_payment_error = {
    type: 'invalid_request_error',
    code: 'payment_intent_authentication_failure',
    doc_url: 'https://stripe.com/docs/error-codes/payment-intent-authentication-failure',
    message:
      'The provided PaymentMethod has failed authentication. You can provide payment_method_data ' +
      'or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
    payment_method: pm ? clone(pm) : null,
  };
  pi.payment_method = null;
  pi.next_action = null;
  setStatus(ctx, pi, 'requires_payment_method', 'payment_intent.payment_failed');
  return pi;
}

function requireAction(pi: PaymentIntent): void {
  if (pi.status !== 'requires_action') {
    throw unexpectedState(
      'payment_intent',
      `This PaymentIntent has a status of ${pi.status}; there is no authentication to settle.`,
      pi,
    );
  }
}

function capture(ctx: Ctx, pi: PaymentIntent, params: Params): PaymentIntent {
  allowOnly(params, [
    'amount_to_capture',
    'metadata',
    'statement_descriptor',
    'statement_descriptor_suffix',
    'final_capture',
  ]);
  if (pi.status !== 'requires_capture') {
    throw unexpectedState(
      'payment_intent',
      `This PaymentIntent could not be captured because it has a status of ${pi.status}. Only a ` +
        'PaymentIntent with one of the following statuses may be captured: requires_capture.',
      pi,
    );
  }
  const amount = int(params, 'amount_to_capture') ?? pi.amount_capturable;
  if (amount < 1 || amount > pi.amount_capturable) {
    throw invalidRequest(
      `The amount_to_capture (${amount}) must be between 1 and the amount capturable (${pi.amount_capturable}).`,
      { param: 'amount_to_capture' },
    );
  }
  const ch = ctx.sim.store.get<Charge>('charges', pi.latest_charge!)!;
  const before = {
    captured: ch.captured,
    amount_captured: ch.amount_captured,
    balance_transaction: null,
  };
  ch.captured = true;
  ch.amount_captured = amount;
  ch.balance_transaction = balanceTransaction(ctx, ch.id, 'charge', amount, ch.currency);
  emit(ctx, 'charge.captured', ch, before);
  pi.metadata = applyMetadata(pi.metadata ?? {}, params.metadata);
  pi.amount_received = amount;
  pi.amount_capturable = 0;
  setStatus(ctx, pi, 'succeeded', 'payment_intent.succeeded');
  if (cardOf(ctx, resolvePaymentMethod(ctx, ch.payment_method!)).dispute) openDispute(ctx, ch);
  return pi;
}

const CANCELABLE: PaymentIntentStatus[] = [
  'requires_payment_method',
  'requires_capture',
  'requires_confirmation',
  'requires_action',
  'processing',
];
/** Stripe's message lists requires_reauthorization too (a status cards never reach here). */
const CANCELABLE_MESSAGE =
  'requires_payment_method, requires_capture, requires_reauthorization, requires_confirmation, requires_action, processing';

function cancel(ctx: Ctx, pi: PaymentIntent, params: Params): PaymentIntent {
  allowOnly(params, ['cancellation_reason']);
  const reason = oneOf(params, 'cancellation_reason', [
    'duplicate',
    'fraudulent',
    'requested_by_customer',
    'abandoned',
  ]);
  if (!CANCELABLE.includes(pi.status)) {
    throw unexpectedState(
      'payment_intent',
      `You cannot cancel this PaymentIntent because it has a status of ${pi.status}. Only a ` +
        `PaymentIntent with one of the following statuses may be canceled: ${CANCELABLE_MESSAGE}.`,
      pi,
    );
  }
  if (pi.status === 'requires_capture') {
    // Releasing an authorization shows on the charge as a full refund of the uncaptured amount.
    const ch = ctx.sim.store.get<Charge>('charges', pi.latest_charge!)!;
    const before = { amount_refunded: ch.amount_refunded, refunded: ch.refunded };
    ch.amount_refunded = ch.amount;
    ch.refunded = true;
    emit(ctx, 'charge.refunded', ch, before);
  }
  pi.canceled_at = nowSeconds();
  pi.cancellation_reason = reason ?? null;
  pi.amount_capturable = 0;
  pi.next_action = null;
  setStatus(ctx, pi, 'canceled', 'payment_intent.canceled');
  return pi;
}

function updateIntent(ctx: Ctx, pi: PaymentIntent, params: Params): PaymentIntent {
  allowOnly(params, UPDATE_PARAMS);
  const editable = ['requires_payment_method', 'requires_confirmation', 'requires_action'].includes(
    pi.status,
  );
  const onlyMetadata = Object.keys(params).every((k) =>
    ['metadata', 'description', 'expand'].includes(k),
  );
  if (!editable && !onlyMetadata) {
    throw unexpectedState(
      'payment_intent',
      `This PaymentIntent's parameters cannot be updated because it has a status of ${pi.status}.`,
      pi,
    );
  }
  const amount = int(params, 'amount');
  const currency = str(params, 'currency')?.toLowerCase();
  if (amount !== undefined || currency) checkAmount(amount ?? pi.amount, currency ?? pi.currency);
  const customerId = str(params, 'customer');
  if (customerId) getCustomer(ctx, customerId, 'customer');
  const pmId = str(params, 'payment_method');
  const pm = pmId ? usablePaymentMethod(ctx, pmId) : undefined;
  if (amount !== undefined) pi.amount = amount;
  if (currency) pi.currency = currency;
  if (customerId) pi.customer = customerId;
  for (const field of [
    'description',
    'receipt_email',
    'statement_descriptor',
    'statement_descriptor_suffix',
    'transfer_group',
  ] as const) {
    const value = nullableStr(params, field);
    if (value !== undefined) pi[field] = value;
  }
  const sfu =
    params.setup_future_usage === '' ? null : oneOf(params, 'setup_future_usage', FUTURE_USAGE);
  if (sfu !== undefined) pi.setup_future_usage = sfu;
  const capture = oneOf(params, 'capture_method', CAPTURE_METHODS);
  if (capture) pi.capture_method = capture;
  const settings = paymentMethodSettings(params);
  if (settings) Object.assign(pi, settings);
  if (params.payment_method_options) pi.payment_method_options = paymentMethodOptions(params);
  pi.metadata = applyMetadata(pi.metadata ?? {}, params.metadata);
  if (pm) {
    pi.payment_method = pm.id;
    if (pi.status === 'requires_payment_method') pi.status = 'requires_confirmation';
  }
  ctx.sim.store.changed();
  return pi;
}

/** Routes on one intent; errors carry it, as on Stripe. */
const withIntent = intentRoute('payment_intent', getPaymentIntent);

export const paymentIntentRoutes: Route[] = [
  { method: 'POST', path: '/v1/payment_intents', handler: (ctx, p) => create(ctx, p) },
  {
    method: 'GET',
    path: '/v1/payment_intents/search',
    handler: (ctx, p) =>
      search(ctx.sim.store.newestFirst('payment_intents'), p, '/v1/payment_intents/search'),
  },
  {
    method: 'GET',
    path: '/v1/payment_intents/:id',
    publishable: true,
    handler: withIntent((ctx, pi, p) => {
      allowOnly(p, ['client_secret']);
      checkClientSecret(ctx, pi, p);
      return pi;
    }),
  },
  { method: 'POST', path: '/v1/payment_intents/:id', handler: withIntent(updateIntent) },
  {
    method: 'POST',
    path: '/v1/payment_intents/:id/confirm',
    publishable: true,
    handler: withIntent((ctx, pi, p) => {
      allowOnly(p, CONFIRM_PARAMS);
      checkClientSecret(ctx, pi, p);
      return confirmIntent(ctx, pi, p);
    }),
  },
  { method: 'POST', path: '/v1/payment_intents/:id/capture', handler: withIntent(capture) },
  { method: 'POST', path: '/v1/payment_intents/:id/cancel', handler: withIntent(cancel) },
  {
    method: 'GET',
    path: '/v1/payment_intents',
    handler: (ctx, p) => {
      const customer = str(p, 'customer');
      const all = ctx.sim.store.newestFirst<PaymentIntent>('payment_intents');
      return paginate(
        customer ? all.filter((pi) => pi.customer === customer) : all,
        p,
        '/v1/payment_intents',
      );
    },
  },
];
