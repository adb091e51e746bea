import { createHash } from 'node:crypto';
import { cardError, invalidRequest, noSuch } from '../errors.ts';
import { paginate } from '../objects.ts';
import {
  ADDRESS_FIELDS,
  allowOnly,
  applyMetadata,
  int,
  obj,
  oneOf,
  requiredStr,
  str,
  withNulls,
  type Params,
} from '../params.ts';
import type { Route } from '../router.ts';
import { update } from '../events.ts';
import { type Ctx } from '../sim.ts';
import { cardForNumber, luhnValid, testCardByPmId, type TestCard } from '../test-cards.ts';
import type { Customer, PaymentMethod } from '../types.ts';
import { newId, nowSeconds } from '../util.ts';
import { getCustomer } from './customers.ts';

function fingerprint(number: string): string {
  return createHash('sha256')
    .update(number)
    .digest('base64')
    .replace(/[^A-Za-z0-9]/g, '')
    .slice(0, 16);
}

function billingDetails(given: Params | undefined): Record<string, unknown> {
  return {
    address: withNulls(ADDRESS_FIELDS, given ? obj(given, 'address') : undefined),
    email: (given?.email as string | undefined) || null,
    name: (given?.name as string | undefined) || null,
    phone: (given?.phone as string | undefined) || null,
    tax_id: null,
  };
}

function expiryErrors(month: number, year: number): void {
  const now = new Date();
  const [thisYear, thisMonth] = [now.getUTCFullYear(), now.getUTCMonth() + 1];
  if (month < 1 || month > 12) {
    throw cardError({
      code: 'invalid_expiry_month',
      message: "Your card's expiration month is invalid.",
      param: 'card[exp_month]',
    });
  }
  if (year < thisYear || year > thisYear + 50) {
    throw cardError({
      code: 'invalid_expiry_year',
      message: "Your card's expiration year is invalid.",
      param: 'card[exp_year]',
    });
  }
  if (year === thisYear && month < thisMonth) {
    throw cardError({
      code: 'invalid_expiry_month',
      message: "Your card's expiration month is invalid.",
      param: 'card[exp_month]',
    });
  }
}

/** Stores a card PaymentMethod; the number stays in the simulator's private state. */
function storeCard(
  ctx: Ctx,
  card: TestCard,
  opts: { expMonth: number; expYear: number; cvc?: string; billing?: Params; metadata?: unknown },
): PaymentMethod {
  const pm: PaymentMethod = {
    id: newId('pm'),
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: billingDetails(opts.billing),
    card: {
      brand: card.brand,
      checks: {
        address_line1_check: null,
        address_postal_code_check: null,
        cvc_check: opts.cvc ? 'unchecked' : null,
      },
      country: card.country,
      display_brand: card.brand,
      exp_month: opts.expMonth,
      exp_year: opts.expYear,
      fingerprint: fingerprint(card.number),
      funding: card.funding,
      generated_from: null,
      last4: card.number.slice(-4),
      networks: { available: [card.brand], preferred: null },
      regulated_status: 'unregulated',
      three_d_secure_usage: { supported: true },
      wallet: null,
    },
    created: nowSeconds(),
    customer: null,
    customer_account: null,
    livemode: false,
    metadata: applyMetadata({}, opts.metadata),
    type: 'card',
  };
  ctx.sim.store.internal.cards[pm.id] = { number: card.number, setUp: false };
  return ctx.sim.store.put('payment_methods', pm);
}

export function createPaymentMethod(ctx: Ctx, params: Params): PaymentMethod {
  allowOnly(params, [
    'type',
    'card',
    'billing_details',
    'metadata',
    'allow_redisplay',
    'customer',
    'payment_method',
  ]);
  oneOf(params, 'type', ['card']);
  const card = obj(params, 'card');
  if (!card)
    throw invalidRequest('Missing required param: card.', {
      param: 'card',
      code: 'parameter_missing',
    });
  const number = String(card.number ?? '').replace(/\s+/g, '');
  if (!number)
    throw invalidRequest('Missing required param: card[number].', {
      param: 'card[number]',
      code: 'parameter_missing',
    });
  if (!luhnValid(number)) {
    throw cardError({
      code: 'incorrect_number',
      message: 'Your card number is incorrect.',
      param: 'card[number]',
    });
  }
  const expMonth = int(card, 'exp_month', { required: true })!;
  let expYear = int(card, 'exp_year', { required: true })!;
  if (expYear < 100) expYear += 2000;
  expiryErrors(expMonth, expYear);
  const cvc = str(card, 'cvc');
  if (cvc !== undefined && !/^\d{3,4}$/.test(cvc)) {
    throw cardError({
      code: 'invalid_cvc',
      message: "Your card's security code is invalid.",
      param: 'card[cvc]',
    });
  }
  return storeCard(ctx, cardForNumber(number), {
    expMonth,
    expYear,
    cvc,
    billing: obj(params, 'billing_details'),
    metadata: params.metadata,
  });
}

/**
 * A PaymentMethod by id. Stripe's `pm_card_*` test ids are accepted anywhere a PaymentMethod is:
 * each use makes a fresh `pm_…` for that card, as Stripe does.
 */
export function resolvePaymentMethod(
  ctx: Ctx,
  id: string,
  param = 'payment_method',
): PaymentMethod {
  const existing = ctx.sim.store.get<PaymentMethod>('payment_methods', id);
  if (existing) return existing;
  const test = testCardByPmId(id);
  if (test) {
    const year = new Date().getUTCFullYear() + 1;
    return storeCard(ctx, test, { expMonth: 12, expYear: year });
  }
  throw noSuch('PaymentMethod', id, param);
}

export function cardOf(ctx: Ctx, pm: PaymentMethod): TestCard {
  const secret = ctx.sim.store.internal.cards[pm.id];
  return secret ? cardForNumber(secret.number) : cardForNumber('4242424242424242');
}

export function isSetUp(ctx: Ctx, pm: PaymentMethod): boolean {
  return ctx.sim.store.internal.cards[pm.id]?.setUp ?? false;
}

/**
 * Used for a payment without being attached to a customer, or detached from one: Stripe refuses
 * to attach it again or to put it on a PaymentIntent or SetupIntent.
 */
export function isConsumed(ctx: Ctx, pm: PaymentMethod): boolean {
  return !pm.customer && (ctx.sim.store.internal.cards[pm.id]?.consumed ?? false);
}

/** Stripe's refusal when a consumed PaymentMethod is given to a PaymentIntent or SetupIntent. */
export function checkReusable(ctx: Ctx, pm: PaymentMethod, param = 'payment_method'): void {
  if (!isConsumed(ctx, pm)) return;
  throw invalidRequest(
    'The provided PaymentMethod was previously used with a PaymentIntent without Customer ' +
      'attachment, shared with a connected account without Customer attachment, or was ' +
      'detached from a Customer. It may not be used again. To use a PaymentMethod multiple ' +
      'times, you must attach it to a Customer first.',
    { param },
  );
}

export function markSetUp(ctx: Ctx, pm: PaymentMethod): void {
  const secret = ctx.sim.store.internal.cards[pm.id];
  if (secret) secret.setUp = true;
  ctx.sim.store.changed();
}

/**
 * Attaches to a customer. Like Stripe, a card that simulates a decline is checked and refused
 * (except 4000000000000341, which attaches and declines later), and so is one that was detached
 * or used without a customer: detachment is permanent.
 */
export function attachPaymentMethod(
  ctx: Ctx,
  pm: PaymentMethod,
  customer: Customer,
): PaymentMethod {
  if (pm.customer === customer.id) return pm;
  if (pm.customer) {
    throw invalidRequest(
      'The payment method you provided has already been attached to a customer.',
      { param: 'payment_method' },
    );
  }
  if (isConsumed(ctx, pm)) {
    throw invalidRequest(
      'This PaymentMethod was previously used without being attached to a Customer or was ' +
        'detached from a Customer, and may not be used again.',
    );
  }
  const card = cardOf(ctx, pm);
  if (card.decline && !card.attachable) {
    throw cardError({ ...card.decline, payment_method: pm });
  }
  return update(ctx, pm, (p) => (p.customer = customer.id), 'payment_method.attached');
}

function detach(ctx: Ctx, id: string): PaymentMethod {
  const pm = getPaymentMethod(ctx, id);
  if (!pm.customer) {
    throw invalidRequest(
      'The payment method you provided is not attached to a customer so detachment is impossible.',
      { param: 'payment_method' },
    );
  }
  const customer = ctx.sim.store.get<Customer>('customers', pm.customer);
  // Detachment is permanent: the card may not be attached or used for a payment again.
  const secret = ctx.sim.store.internal.cards[pm.id];
  if (secret) secret.consumed = true;
  update(ctx, pm, (p) => (p.customer = null), 'payment_method.detached');
  // A detached card can no longer be the customer's default.
  if (customer && customer.invoice_settings.default_payment_method === id) {
    update(
      ctx,
      customer,
      (c) => (c.invoice_settings = { ...c.invoice_settings, default_payment_method: null }),
      'customer.updated',
    );
  }
  return pm;
}

function getPaymentMethod(ctx: Ctx, id: string): PaymentMethod {
  const pm = ctx.sim.store.get<PaymentMethod>('payment_methods', id);
  if (!pm) throw noSuch('PaymentMethod', id);
  return pm;
}

function updatePaymentMethod(ctx: Ctx, params: Params, id: string): PaymentMethod {
  allowOnly(params, ['billing_details', 'card', 'metadata', 'allow_redisplay']);
  const pm = getPaymentMethod(ctx, id);
  // Everything is validated before the stored object changes.
  const metadata = applyMetadata(pm.metadata ?? {}, params.metadata);
  const billing = obj(params, 'billing_details');
  const card = obj(params, 'card');
  const month = (card && int(card, 'exp_month')) ?? pm.card.exp_month;
  const year = (card && int(card, 'exp_year')) ?? pm.card.exp_year;
  if (card) expiryErrors(month, year);
  return update(
    ctx,
    pm,
    (p) => {
      p.metadata = metadata;
      if (billing) p.billing_details = billingDetails({ ...p.billing_details, ...billing });
      p.card = { ...p.card, exp_month: month, exp_year: year };
    },
    'payment_method.updated',
  );
}

function list(ctx: Ctx, params: Params, customerId: string | undefined, url: string): unknown {
  if (customerId) getCustomer(ctx, customerId, 'customer');
  const type = str(params, 'type');
  const all = ctx.sim.store
    .newestFirst<PaymentMethod>('payment_methods')
    .filter((pm) => (!customerId || pm.customer === customerId) && (!type || pm.type === type));
  return paginate(all, params, url);
}

export const paymentMethodRoutes: Route[] = [
  {
    method: 'POST',
    path: '/v1/payment_methods',
    handler: (ctx, p) => createPaymentMethod(ctx, p),
    publishable: true,
  },
  {
    method: 'GET',
    path: '/v1/payment_methods',
    handler: (ctx, p) => list(ctx, p, str(p, 'customer'), '/v1/payment_methods'),
  },
  {
    method: 'GET',
    path: '/v1/payment_methods/:id',
    handler: (ctx, _p, { id }) => resolvePaymentMethod(ctx, id!, 'id'),
  },
  {
    method: 'POST',
    path: '/v1/payment_methods/:id',
    handler: (ctx, p, { id }) => updatePaymentMethod(ctx, p, id!),
  },
  {
    method: 'POST',
    path: '/v1/payment_methods/:id/attach',
    handler: (ctx, p, { id }) => {
      allowOnly(p, ['customer']);
      const customer = getCustomer(ctx, requiredStr(p, 'customer'), 'customer');
      return attachPaymentMethod(ctx, resolvePaymentMethod(ctx, id!, 'id'), customer);
    },
  },
  {
    method: 'POST',
    path: '/v1/payment_methods/:id/detach',
    handler: (ctx, p, { id }) => {
      allowOnly(p, []);
      return detach(ctx, id!);
    },
  },
  {
    method: 'GET',
    path: '/v1/customers/:customer/payment_methods',
    handler: (ctx, p, { customer }) =>
      list(ctx, p, customer!, `/v1/customers/${customer}/payment_methods`),
  },
  {
    method: 'GET',
    path: '/v1/customers/:customer/payment_methods/:id',
    handler: (ctx, _p, { customer, id }) => {
      const pm = getPaymentMethod(ctx, id!);
      if (pm.customer !== customer) throw noSuch('PaymentMethod', id!);
      return pm;
    },
  },
];
