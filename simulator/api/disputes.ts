import { invalidRequest, noSuch } from '../errors.ts';
import { paginate } from '../objects.ts';
import { allowOnly, applyMetadata, bool, obj, str, type Params } from '../params.ts';
import type { Route } from '../router.ts';
import { emit, update } from '../events.ts';
import { type Ctx } from '../sim.ts';
import type { Charge, Dispute } from '../types.ts';
import { newId, nowSeconds } from '../util.ts';

const EVIDENCE_FIELDS = [
  'access_activity_log',
  'billing_address',
  'cancellation_policy',
  'cancellation_policy_disclosure',
  'cancellation_rebuttal',
  'customer_communication',
  'customer_email_address',
  'customer_name',
  'customer_purchase_ip',
  'customer_signature',
  'duplicate_charge_documentation',
  'duplicate_charge_explanation',
  'duplicate_charge_id',
  'product_description',
  'receipt',
  'refund_policy',
  'refund_policy_disclosure',
  'refund_refusal_explanation',
  'service_date',
  'service_documentation',
  'shipping_address',
  'shipping_carrier',
  'shipping_date',
  'shipping_documentation',
  'shipping_tracking_number',
  'uncategorized_file',
  'uncategorized_text',
];

/** 4000000000000259: the payment succeeds, then the cardholder disputes it as fraudulent. */
export function openDispute(ctx: Ctx, charge: Charge): Dispute {
  const created = nowSeconds();
  const card = (charge.payment_method_details as { card: { brand: string } }).card;
  const dispute: Dispute = {
    id: newId('dp'),
    object: 'dispute',
    amount: charge.amount_captured,
    balance_transactions: [],
    charge: charge.id,
    created,
    currency: charge.currency,
    enhanced_eligibility_types: [],
    evidence: {
      ...Object.fromEntries(EVIDENCE_FIELDS.map((f) => [f, null])),
      enhanced_evidence: {},
    },
    evidence_details: {
      due_by: created + 7 * 86400,
      enhanced_eligibility: {},
      has_evidence: false,
      past_due: false,
      submission_count: 0,
    },
    intended_submission_method: null,
    is_charge_refundable: false,
    livemode: false,
    metadata: {},
    payment_intent: charge.payment_intent,
    payment_method_details: {
      card: {
        brand: card.brand,
        case_type: 'chargeback',
        network_reason_code: '10.4',
        network: card.brand,
      },
      type: 'card',
    },
    reason: 'fraudulent',
    status: 'needs_response',
  };
  ctx.sim.store.put('disputes', dispute);
  charge.disputed = true;
  ctx.sim.store.changed();
  emit(ctx, 'charge.dispute.created', dispute);
  return dispute;
}

function getDispute(ctx: Ctx, id: string): Dispute {
  const dispute = ctx.sim.store.get<Dispute>('disputes', id);
  if (!dispute) throw noSuch('dispute', id);
  return dispute;
}

function updateDispute(ctx: Ctx, params: Params, id: string): Dispute {
  allowOnly(params, ['evidence', 'metadata', 'submit']);
  const dispute = getDispute(ctx, id);
  return update(
    ctx,
    dispute,
    (d) => {
      d.metadata = applyMetadata(d.metadata ?? {}, params.metadata);
      const evidence = obj(params, 'evidence');
      if (evidence) {
        d.evidence = { ...(d.evidence as object), ...evidence };
        d.evidence_details = { ...(d.evidence_details as object), has_evidence: true };
      }
      if (bool(params, 'submit') !== false && evidence) {
        d.status = 'under_review';
        const details = d.evidence_details as { submission_count: number };
        d.evidence_details = { ...details, submission_count: details.submission_count + 1 };
      }
    },
    'charge.dispute.updated',
  );
}

function close(ctx: Ctx, id: string): Dispute {
  const dispute = getDispute(ctx, id);
  if (!['needs_response', 'warning_needs_response', 'under_review'].includes(dispute.status)) {
    throw invalidRequest(`This dispute is already closed (status ${dispute.status}).`);
  }
  update(ctx, dispute, (d) => (d.status = 'lost'), 'charge.dispute.updated');
  emit(ctx, 'charge.dispute.closed', dispute);
  return dispute;
}

export const disputeRoutes: Route[] = [
  { method: 'GET', path: '/v1/disputes/:id', handler: (ctx, _p, { id }) => getDispute(ctx, id!) },
  {
    method: 'POST',
    path: '/v1/disputes/:id',
    handler: (ctx, p, { id }) => updateDispute(ctx, p, id!),
  },
  { method: 'POST', path: '/v1/disputes/:id/close', handler: (ctx, _p, { id }) => close(ctx, id!) },
  {
    method: 'GET',
    path: '/v1/disputes',
    handler: (ctx, p) => {
      const [charge, pi] = [str(p, 'charge'), str(p, 'payment_intent')];
      const all = ctx.sim.store
        .newestFirst<Dispute>('disputes')
        .filter((d) => (!charge || d.charge === charge) && (!pi || d.payment_intent === pi));
      return paginate(all, p, '/v1/disputes');
    },
  },
];
