import { SimError, aboutIntent, cardError, noSuch, unexpectedState } from '../errors.ts';
import { paginate } from '../objects.ts';
import {
  allowOnly,
  applyMetadata,
  bool,
  nullableStr,
  oneOf,
  str,
  strArray,
  type Params,
} from '../params.ts';
import type { Route } from '../router.ts';
import { emit } from '../events.ts';
import { type Ctx } from '../sim.ts';
import type { PaymentMethod, SetupIntent, SetupIntentStatus } from '../types.ts';
import { clone, newId, nowSeconds, randomToken } from '../util.ts';
import { getCustomer } from './customers.ts';
import {
  checkClientSecret,
  checkReturnUrl,
  confirmationPaymentMethod,
  needsChallenge,
  DEFAULT_SETTINGS,
  configurationDetails,
  nextActionFor,
  paymentMethodSettings,
  intentRoute,
  usablePaymentMethod,
} from './intents.ts';
import { attachPaymentMethod, cardOf, markSetUp, resolvePaymentMethod } from './payment-methods.ts';

const USAGES = ['off_session', 'on_session'] as const;
const CONFIRM_PARAMS = [
  'allowed_payment_method_types',
  'client_secret',
  'mandate_data',
  'payment_method',
  'payment_method_data',
  'payment_method_options',
  'return_url',
  'use_stripe_sdk',
];
const CREATE_PARAMS = [
  ...CONFIRM_PARAMS.filter((p) => p !== 'client_secret'),
  'automatic_payment_methods',
  'confirm',
  'excluded_payment_method_types',
  'customer',
  'description',
  'metadata',
  'payment_method_types',
  'usage',
];

function getSetupIntent(ctx: Ctx, id: string): SetupIntent {
  const si = ctx.sim.store.get<SetupIntent>('setup_intents', id);
  if (!si) throw noSuch('setup_intent', id);
  return si;
}

function setStatus(ctx: Ctx, si: SetupIntent, status: SetupIntentStatus, eventType?: string): void {
  si.status = status;
  ctx.sim.store.changed();
  if (eventType) emit(ctx, eventType, si);
}

function create(ctx: Ctx, params: Params): SetupIntent {
  allowOnly(params, CREATE_PARAMS);
  const customerId = str(params, 'customer');
  if (customerId) getCustomer(ctx, customerId, 'customer');
  const settings = paymentMethodSettings(params) ?? DEFAULT_SETTINGS;
  const pmId = str(params, 'payment_method');
  const pm = pmId ? usablePaymentMethod(ctx, pmId) : null;
  const id = newId('seti');
  const si: SetupIntent = {
    id,
    object: 'setup_intent',
    allowed_payment_method_types: settings.allowed_payment_method_types,
    application: null,
    automatic_payment_methods: settings.automatic_payment_methods,
    cancellation_reason: null,
    client_secret: `${id}_secret_${randomToken(32)}`,
    created: nowSeconds(),
    customer: customerId ?? null,
    description: str(params, 'description') ?? null,
    excluded_payment_method_types: strArray(params, 'excluded_payment_method_types') ?? null,
    flow_directions: null,
    last_setup_error: null,
    latest_attempt: null,
    livemode: false,
    mandate: null,
    metadata: applyMetadata({}, params.metadata),
    next_action: null,
    on_behalf_of: null,
    payment_method: pm?.id ?? null,
    payment_method_configuration_details: configurationDetails(settings),
    payment_method_options: {
      card: { mandate_options: null, network: null, request_three_d_secure: 'automatic' },
    },
    payment_method_types: settings.payment_method_types,
    single_use_mandate: null,
    status: pm ? 'requires_confirmation' : 'requires_payment_method',
    usage: oneOf(params, 'usage', USAGES) ?? 'off_session',
  };
  const confirm = bool(params, 'confirm') ?? false;
  ctx.sim.store.put('setup_intents', si);
  emit(ctx, 'setup_intent.created', si);
  if (!confirm) return si;
  try {
    return confirmIntent(ctx, si, params);
  } catch (e) {
    throw e instanceof SimError ? aboutIntent(e, 'setup_intent', clone(si), true) : e;
  }
}

const CONFIRMABLE: SetupIntentStatus[] = [
  'requires_payment_method',
  'requires_confirmation',
  'requires_action',
];

function confirmIntent(ctx: Ctx, si: SetupIntent, params: Params): SetupIntent {
  if (!CONFIRMABLE.includes(si.status)) {
    throw unexpectedState(
      'setup_intent',
      `You cannot confirm this SetupIntent because it has a status of ${si.status}.`,
      si,
    );
  }
  const pm = confirmationPaymentMethod(ctx, si, params);
  if (!pm) {
    throw unexpectedState(
      'setup_intent',
      "You cannot confirm this SetupIntent because it's missing a payment method. Provide a " +
        '`payment_method` or `payment_method_data`.',
      si,
    );
  }
  const settings = paymentMethodSettings(params);
  const returnUrl = str(params, 'return_url');
  checkReturnUrl(ctx, settings ? { ...si, ...settings } : si, returnUrl);
  if (settings) Object.assign(si, settings);
  si.payment_method = pm.id;
  si.last_setup_error = null;
  const card = cardOf(ctx, pm);
  if (card.decline && !card.attachable) return fail(ctx, si, pm, card.decline);
  if (needsChallenge(ctx, si, pm)) {
    si.next_action = nextActionFor(ctx, si.id, returnUrl);
    setStatus(ctx, si, 'requires_action', 'setup_intent.requires_action');
    return si;
  }
  return succeed(ctx, si, pm);
}

/** Set up: the card is attached to the customer and marked ready for off-session payments. */
function succeed(ctx: Ctx, si: SetupIntent, pm: PaymentMethod): SetupIntent {
  if (si.customer) attachPaymentMethod(ctx, pm, getCustomer(ctx, si.customer, 'customer'));
  markSetUp(ctx, pm);
  delete ctx.sim.store.internal.authenticated[si.id];
  si.next_action = null;
  setStatus(ctx, si, 'succeeded', 'setup_intent.succeeded');
  return si;
}

function fail(
  ctx: Ctx,
  si: SetupIntent,
  pm: PaymentMethod,
  decline: Parameters<typeof cardError>[0],
): never {
  const error = cardError({ ...decline, payment_method: clone(pm) });
  si.last_setup_error = { ...error.body };
  si.payment_method = null;
  si.next_action = null;
  setStatus(ctx, si, 'requires_payment_method', 'setup_intent.setup_failed');
  error.body.setup_intent = clone(si);
  throw error;
}

export function completeSetupAuthentication(ctx: Ctx, si: SetupIntent): SetupIntent {
  requireAction(si);
  ctx.sim.store.internal.authenticated[si.id] = true;
  try {
    return succeed(ctx, si, resolvePaymentMethod(ctx, si.payment_method!));
  } catch (e) {
    if (e instanceof SimError && e.body.type === 'card_error') return si;
    throw e;
  }
}

export function failSetupAuthentication(ctx: Ctx, si: SetupIntent): SetupIntent {
  requireAction(si);
  const pm = si.payment_method
    ? ctx.sim.store.get<PaymentMethod>('payment_methods', si.payment_method)
    : undefined;
  si.last_setup_error = {
    type: 'invalid_request_error',
    code: 'setup_intent_authentication_failure',
    doc_url: 'https://stripe.com/docs/error-codes/setup-intent-authentication-failure',
    message:
      'The latest attempt to set up the payment method has failed because authentication failed.',
    payment_method: pm ? clone(pm) : null,
  };
  si.payment_method = null;
  si.next_action = null;
  setStatus(ctx, si, 'requires_payment_method', 'setup_intent.setup_failed');
  return si;
}

function requireAction(si: SetupIntent): void {
  if (si.status !== 'requires_action') {
    throw unexpectedState(
      'setup_intent',
      `This SetupIntent has a status of ${si.status}; there is no authentication to settle.`,
      si,
    );
  }
}

function cancel(ctx: Ctx, si: SetupIntent, params: Params): SetupIntent {
  allowOnly(params, ['cancellation_reason']);
  const reason = oneOf(params, 'cancellation_reason', [
    'abandoned',
    'duplicate',
    'requested_by_customer',
  ]);
  if (!CONFIRMABLE.includes(si.status)) {
    throw unexpectedState(
      'setup_intent',
      `You cannot cancel this SetupIntent because it has a status of ${si.status}. Only a SetupIntent with one of the following statuses may be canceled: ${CONFIRMABLE.join(', ')}.`,
      si,
    );
  }
  si.cancellation_reason = reason ?? null;
  si.next_action = null;
  setStatus(ctx, si, 'canceled', 'setup_intent.canceled');
  return si;
}

function updateIntent(ctx: Ctx, si: SetupIntent, params: Params): SetupIntent {
  allowOnly(params, [
    'customer',
    'description',
    'metadata',
    'payment_method',
    'payment_method_types',
  ]);
  const customerId = str(params, 'customer');
  if (customerId) si.customer = getCustomer(ctx, customerId, 'customer').id;
  const description = nullableStr(params, 'description');
  if (description !== undefined) si.description = description;
  si.metadata = applyMetadata(si.metadata ?? {}, params.metadata);
  const pmId = str(params, 'payment_method');
  if (pmId) {
    si.payment_method = usablePaymentMethod(ctx, pmId).id;
    if (si.status === 'requires_payment_method') si.status = 'requires_confirmation';
  }
  ctx.sim.store.changed();
  return si;
}

/** Routes on one intent; errors carry it, as on Stripe. */
const withIntent = intentRoute('setup_intent', getSetupIntent);

export const setupIntentRoutes: Route[] = [
  { method: 'POST', path: '/v1/setup_intents', handler: (ctx, p) => create(ctx, p) },
  {
    method: 'GET',
    path: '/v1/setup_intents/:id',
    publishable: true,
    handler: withIntent((ctx, si, p) => {
      allowOnly(p, ['client_secret']);
      checkClientSecret(ctx, si, p);
      return si;
    }),
  },
  { method: 'POST', path: '/v1/setup_intents/:id', handler: withIntent(updateIntent) },
  {
    method: 'POST',
    path: '/v1/setup_intents/:id/confirm',
    publishable: true,
    handler: withIntent((ctx, si, p) => {
      allowOnly(p, CONFIRM_PARAMS);
      checkClientSecret(ctx, si, p);
      return confirmIntent(ctx, si, p);
    }),
  },
  { method: 'POST', path: '/v1/setup_intents/:id/cancel', handler: withIntent(cancel) },
  {
    method: 'GET',
    path: '/v1/setup_intents',
    handler: (ctx, p) => {
      const [customer, pm] = [str(p, 'customer'), str(p, 'payment_method')];
      const all = ctx.sim.store
        .newestFirst<SetupIntent>('setup_intents')
        .filter((s) => (!customer || s.customer === customer) && (!pm || s.payment_method === pm));
      return paginate(all, p, '/v1/setup_intents');
    },
  },
];
