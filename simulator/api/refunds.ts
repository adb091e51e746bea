import { invalidRequest, noSuch } from '../errors.ts';
import { paginate } from '../objects.ts';
import { allowOnly, applyMetadata, int, oneOf, str, type Params } from '../params.ts';
import type { Route } from '../router.ts';
import { emit, update } from '../events.ts';
import { type Ctx } from '../sim.ts';
import type { Charge, PaymentIntent, Refund } from '../types.ts';
import { clone, newId, nowSeconds } from '../util.ts';
import { balanceTransaction, getCharge } from './charges.ts';
import { formatAmount } from './currencies.ts';
import { getPaymentIntent } from './payment-intents.ts';

const REASONS = ['duplicate', 'fraudulent', 'requested_by_customer'] as const;

function chargeToRefund(ctx: Ctx, params: Params): Charge {
  const chargeId = str(params, 'charge');
  const piId = str(params, 'payment_intent');
  if (chargeId && piId) {
    throw invalidRequest('You may only specify one of these parameters: charge, payment_intent.', {
      param: 'charge',
    });
  }
  if (chargeId) return getCharge(ctx, chargeId, 'charge');
  if (!piId) {
    throw invalidRequest(
      'One of the following params should be provided for this request: payment_intent or charge.',
      {
        param: 'payment_intent',
        code: 'parameter_missing',
      },
    );
  }
  const pi: PaymentIntent = getPaymentIntent(ctx, piId, 'payment_intent');
  const charge = pi.latest_charge
    ? ctx.sim.store.get<Charge>('charges', pi.latest_charge)
    : undefined;
  if (!charge || charge.status !== 'succeeded') {
    throw invalidRequest(
      `This PaymentIntent (${pi.id}) does not have a successful charge to refund.`,
      {
        param: 'payment_intent',
      },
    );
  }
  return charge;
}

function create(ctx: Ctx, params: Params): Refund {
  allowOnly(params, [
    'amount',
    'charge',
    'payment_intent',
    'metadata',
    'reason',
    'instructions_email',
  ]);
  const charge = chargeToRefund(ctx, params);
  if (!charge.captured) {
    throw invalidRequest(
      `Charge ${charge.id} has not been captured; cancel its PaymentIntent to release the authorization instead.`,
      { param: 'charge' },
    );
  }
  const left = charge.amount_captured - charge.amount_refunded;
  if (left <= 0) {
    throw invalidRequest(`Charge ${charge.id} has already been refunded.`, {
      code: 'charge_already_refunded',
    });
  }
  const amount = int(params, 'amount') ?? left;
  if (amount < 1) throw invalidRequest('Invalid positive integer', { param: 'amount' });
  if (amount > left) {
    throw invalidRequest(
      `Refund amount (${formatAmount(amount, charge.currency)}) is greater than unrefunded amount on charge (${formatAmount(left, charge.currency)})`,
      { param: 'amount' },
    );
  }
  const reason = oneOf(params, 'reason', REASONS) ?? null;
  const id = newId('re');
  const refund: Refund = {
    id,
    object: 'refund',
    amount,
    balance_transaction: balanceTransaction(ctx, id, 'refund', -amount, charge.currency),
    charge: charge.id,
    created: nowSeconds(),
    currency: charge.currency,
    customer: charge.customer,
    customer_account: null,
    destination_details: {
      card: {
        reference_status: 'available',
        reference_type: 'acquirer_reference_number',
        type: 'refund',
      },
      type: 'card',
    },
    metadata: applyMetadata({}, params.metadata),
    payment_intent: charge.payment_intent,
    payment_method: charge.payment_method,
    reason,
    receipt_number: null,
    source_transfer_reversal: null,
    status: 'succeeded',
    transfer_reversal: null,
  };
  ctx.sim.store.put('refunds', refund);
  emit(ctx, 'refund.created', refund);
  update(
    ctx,
    charge,
    (c) => {
      c.amount_refunded += amount;
      c.refunded = c.amount_refunded >= c.amount_captured;
      c.refunds = {
        ...c.refunds,
        data: [clone(refund), ...c.refunds.data],
        total_count: c.refunds.total_count + 1,
      };
    },
    'charge.refunded',
  );
  return refund;
}

function getRefund(ctx: Ctx, id: string): Refund {
  const refund = ctx.sim.store.get<Refund>('refunds', id);
  if (!refund) throw noSuch('refund', id);
  return refund;
}

function updateRefund(ctx: Ctx, params: Params, id: string): Refund {
  allowOnly(params, ['metadata']);
  const refund = getRefund(ctx, id);
  const before = clone(refund);
  update(
    ctx,
    refund,
    (r) => (r.metadata = applyMetadata(r.metadata ?? {}, params.metadata)),
    'refund.updated',
  );
  // The charge embeds its refunds: keep that copy current, and tell listeners of charge refunds.
  const charge = ctx.sim.store.get<Charge>('charges', refund.charge);
  if (charge && JSON.stringify(before) !== JSON.stringify(refund)) {
    charge.refunds = {
      ...charge.refunds,
      data: charge.refunds.data.map((r) => (r.id === id ? clone(refund) : r)),
    };
    emit(ctx, 'charge.refund.updated', refund, { metadata: before.metadata });
  }
  return refund;
}

export const refundRoutes: Route[] = [
  { method: 'POST', path: '/v1/refunds', handler: (ctx, p) => create(ctx, p) },
  { method: 'GET', path: '/v1/refunds/:id', handler: (ctx, _p, { id }) => getRefund(ctx, id!) },
  {
    method: 'POST',
    path: '/v1/refunds/:id',
    handler: (ctx, p, { id }) => updateRefund(ctx, p, id!),
  },
  {
    method: 'GET',
    path: '/v1/refunds',
    handler: (ctx, p) => {
      const [charge, pi] = [str(p, 'charge'), str(p, 'payment_intent')];
      const all = ctx.sim.store
        .newestFirst<Refund>('refunds')
        .filter((r) => (!charge || r.charge === charge) && (!pi || r.payment_intent === pi));
      return paginate(all, p, '/v1/refunds');
    },
  },
  {
    method: 'GET',
    path: '/v1/charges/:charge/refunds',
    handler: (ctx, p, { charge }) => {
      getCharge(ctx, charge!);
      const all = ctx.sim.store.newestFirst<Refund>('refunds').filter((r) => r.charge === charge);
      return paginate(all, p, `/v1/charges/${charge}/refunds`);
    },
  },
];
