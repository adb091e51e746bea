// Refund route schemas: the merchant API's refunds and the console's refund action.
import { Type } from 'typebox';
import { refundStatuses } from '../../db/statuses.ts';
import {
  CreatedQuery,
  IdempotencyHeader,
  OrderIdParams,
  PageQuery,
  listOf,
  literals,
} from '../../lib/api-schemas.ts';
import { StrictObject, Uuid, errorResponses } from '../../lib/schemas.ts';
import { MinorAmount } from '../catalog/schemas.ts';
import { Refund } from '../orders/schemas.ts';
import { REFUND_REASONS } from './state.ts';

const merchantTags = ['merchant API'];
const adminTags = ['admin'];

export const RefundBody = Type.Optional(
  StrictObject({
    amount: Type.Optional(MinorAmount),
    reason: Type.Optional(
      Type.Union(
        REFUND_REASONS.map((r) => Type.Literal(r)),
        { title: 'RefundReason' },
      ),
    ),
  }),
);

// Merchant API (/api/v1) ------------------------------------------------------------------

export const merchantRefundOrderSchema = {
  operationId: 'refundMerchantOrder',
  tags: merchantTags,
  summary:
    'Refund a paid order: in full (no amount) or in part; several partial refunds are allowed',
  description:
    '200 when Stripe answered; 202 when the outcome is not known yet (it is settled in the background).',
  params: OrderIdParams,
  headers: IdempotencyHeader,
  body: RefundBody,
  response: { 200: Refund, 202: Refund, ...errorResponses(400, 401, 403, 404, 409, 422, 429, 503) },
};

export const listRefundsSchema = {
  operationId: 'listMerchantRefunds',
  tags: merchantTags,
  summary: 'List refunds, newest first',
  querystring: StrictObject({
    ...PageQuery,
    ...CreatedQuery,
    status: Type.Optional(literals(refundStatuses)),
    order_id: Type.Optional(Uuid),
    payment_id: Type.Optional(Uuid),
    customer_id: Type.Optional(Uuid),
  }),
  response: { 200: listOf(Refund, 'RefundList'), ...errorResponses(400, 401, 403, 429) },
};

export const getRefundSchema = {
  operationId: 'getMerchantRefund',
  tags: merchantTags,
  summary: 'One refund',
  params: StrictObject({ id: Uuid }),
  response: { 200: Refund, ...errorResponses(400, 401, 403, 404, 429) },
};

// Operator console (/api/admin) ------------------------------------------------------------

export const adminRefundOrderSchema = {
  operationId: 'adminRefundOrder',
  tags: adminTags,
  summary: 'Refund an order from the console (in full without amount)',
  params: OrderIdParams,
  body: RefundBody,
  response: { 200: Refund, 202: Refund, ...errorResponses(400, 401, 403, 404, 409, 422, 503) },
};
