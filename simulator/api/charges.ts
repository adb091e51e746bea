import { invalidRequest, noSuch } from '../errors.ts';
import { paginate, search } from '../objects.ts';
import { allowOnly, applyMetadata, nullableStr, str, type Params } from '../params.ts';
import type { Route } from '../router.ts';
import { update } from '../events.ts';
import { type Ctx } from '../sim.ts';
import type { Decline } from '../test-cards.ts';
import type { Charge, PaymentIntent, PaymentMethod, StripeObject } from '../types.ts';
import { newId, nowSeconds, randomToken } from '../util.ts';
import { zeroDecimal } from './currencies.ts';

export function getCharge(ctx: Ctx, id: string, param = 'id'): Charge {
  const charge = ctx.sim.store.get<Charge>('charges', id);
  if (!charge) throw noSuch('charge', id, param);
  return charge;
}

/** A balance transaction for money moving: charge (minus Stripe's fee) or refund. */
export function balanceTransaction(
  ctx: Ctx,
  source: string,
  type: 'charge' | 'refund',
  amount: number,
  currency: string,
): string {
  const fee = type === 'refund' ? 0 : Math.round(amount * 0.029) + (zeroDecimal(currency) ? 0 : 30);
  const created = nowSeconds();
  const txn: StripeObject = {
    id: newId('txn'),
    object: 'balance_transaction',
    amount,
    available_on: created + 2 * 86400,
    balance_type: 'payments',
    created,
    currency,
    description: type === 'refund' ? 'REFUND FOR PAYMENT' : null,
    exchange_rate: null,
    fee,
    fee_details: fee
      ? [
          {
            amount: fee,
            application: null,
            currency,
            description: 'Stripe processing fees',
            type: 'stripe_fee',
          },
        ]
      : [],
    net: amount - fee,
    reporting_category: type,
    source,
    status: 'pending',
    type,
  };
  return ctx.sim.store.put('balance_transactions', txn).id;
}

function outcomeOf(decline: Decline | undefined): Record<string, unknown> {
  const base = {
    advice_code: null,
    network_advice_code: null,
    network_decline_code: null,
    risk_level: 'normal',
    risk_score: 32,
  };
  if (!decline) {
    return {
      ...base,
      network_status: 'approved_by_network',
      reason: null,
      seller_message: 'Payment complete.',
      type: 'authorized',
    };
  }
  const reason = decline.decline_code ?? decline.code;
  return {
    ...base,
    network_status: 'declined_by_network',
    reason: reason === 'generic_decline' ? null : reason,
    seller_message:
      reason === 'generic_decline'
        ? 'The bank did not return any further details with this decline.'
        : `The bank returned the decline code \`${reason}\`.`,
    type: 'issuer_declined',
  };
}

export interface ChargeAttempt {
  decline?: Decline;
  capture: boolean;
  /** How 3DS went, for `payment_method_details.card.three_d_secure`. */
  threeDS?: 'challenge' | 'frictionless';
}

/** The charge a confirmation creates: succeeded (captured or not) or failed. */
export function createCharge(
  ctx: Ctx,
  pi: PaymentIntent,
  pm: PaymentMethod,
  attempt: ChargeAttempt,
): Charge {
  const id = newId('ch');
  const ok = !attempt.decline;
  const captured = ok && attempt.capture;
  const card = pm.card;
  const charge: Charge = {
    id,
    object: 'charge',
    amount: pi.amount,
    amount_captured: captured ? pi.amount : 0,
    amount_refunded: 0,
    application: null,
    application_fee: null,
    application_fee_amount: null,
    balance_transaction: captured
      ? balanceTransaction(ctx, id, 'charge', pi.amount, pi.currency)
      : null,
    billing_details: pm.billing_details,
    calculated_statement_descriptor: 'PAYDECK',
    captured,
    created: nowSeconds(),
    currency: pi.currency,
    customer: pi.customer,
    description: (pi.description as string | null) ?? null,
    disputed: false,
    failure_balance_transaction: null,
    failure_code: attempt.decline?.code ?? null,
    failure_message: attempt.decline?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: { ...(pi.metadata ?? {}) },
    on_behalf_of: null,
    outcome: outcomeOf(attempt.decline),
    paid: ok,
    payment_intent: pi.id,
    payment_method: pm.id,
    payment_method_details: {
      card: {
        amount_authorized: ok ? pi.amount : null,
        authorization_code: ok ? String(100000 + Math.floor(Math.random() * 900000)) : null,
        brand: card.brand,
        checks: card.checks,
        country: card.country,
        exp_month: card.exp_month,
        exp_year: card.exp_year,
        extended_authorization: { status: 'disabled' },
        fingerprint: card.fingerprint,
        funding: card.funding,
        incremental_authorization: { status: 'unavailable' },
        installments: null,
        last4: card.last4,
        mandate: null,
        multicapture: { status: 'unavailable' },
        network: card.brand,
        network_token: { used: false },
        network_transaction_id: ok ? randomToken(15) : null,
        overcapture: { maximum_amount_capturable: pi.amount, status: 'unavailable' },
        regulated_status: 'unregulated',
        three_d_secure: attempt.threeDS
          ? {
              authentication_flow: attempt.threeDS,
              electronic_commerce_indicator: '05',
              exemption_indicator: null,
              result: 'authenticated',
              result_reason: null,
              transaction_id: randomToken(36),
              version: '2.2.0',
            }
          : null,
        wallet: null,
      },
      type: 'card',
    },
    receipt_email: (pi.receipt_email as string | null) ?? null,
    receipt_number: null,
    receipt_url: ok ? `https://pay.stripe.com/receipts/payment/${randomToken(40)}` : null,
    refunded: false,
    refunds: {
      object: 'list',
      data: [],
      has_more: false,
      total_count: 0,
      url: `/v1/charges/${id}/refunds`,
    },
    review: null,
    shipping: (pi.shipping as Record<string, unknown> | null) ?? null,
    source: null,
    source_transfer: null,
    statement_descriptor: (pi.statement_descriptor as string | null) ?? null,
    statement_descriptor_suffix: (pi.statement_descriptor_suffix as string | null) ?? null,
    status: ok ? 'succeeded' : 'failed',
    transfer_data: null,
    transfer_group: null,
  };
  return ctx.sim.store.put('charges', charge);
}

function updateCharge(ctx: Ctx, params: Params, id: string): Charge {
  allowOnly(params, [
    'description',
    'metadata',
    'receipt_email',
    'shipping',
    'fraud_details',
    'transfer_group',
  ]);
  const charge = getCharge(ctx, id);
  return update(
    ctx,
    charge,
    (c) => {
      c.metadata = applyMetadata(c.metadata ?? {}, params.metadata);
      for (const field of ['description', 'receipt_email', 'transfer_group'] as const) {
        const value = nullableStr(params, field);
        if (value !== undefined) c[field] = value;
      }
    },
    'charge.updated',
  );
}

export const chargeRoutes: Route[] = [
  {
    method: 'GET',
    path: '/v1/charges/search',
    handler: (ctx, p) => search(ctx.sim.store.newestFirst('charges'), p, '/v1/charges/search'),
  },
  { method: 'GET', path: '/v1/charges/:id', handler: (ctx, _p, { id }) => getCharge(ctx, id!) },
  {
    method: 'POST',
    path: '/v1/charges/:id',
    handler: (ctx, p, { id }) => updateCharge(ctx, p, id!),
  },
  {
    method: 'GET',
    path: '/v1/charges',
    handler: (ctx, p) => {
      const [pi, customer] = [str(p, 'payment_intent'), str(p, 'customer')];
      const all = ctx.sim.store
        .newestFirst<Charge>('charges')
        .filter((c) => (!pi || c.payment_intent === pi) && (!customer || c.customer === customer));
      return paginate(all, p, '/v1/charges');
    },
  },
  {
    method: 'POST',
    path: '/v1/charges',
    handler: () => {
      // The app uses PaymentIntents; the legacy Charges API is deliberately not simulated.
      throw invalidRequest(
        'The simulator supports PaymentIntents only; create a PaymentIntent instead.',
      );
    },
  },
  {
    method: 'GET',
    path: '/v1/balance_transactions/:id',
    handler: (ctx, _p, { id }) => {
      const txn = ctx.sim.store.get('balance_transactions', id!);
      if (!txn) throw noSuch('balance transaction', id!);
      return txn;
    },
  },
];
