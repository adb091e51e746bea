// Payment route schemas: paying and settling (customers), charging, capturing, cancelling and
// listing (merchant API), capturing and cancelling (console).
import { Type } from 'typebox';
import { paymentStatuses } from '../../db/statuses.ts';
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
import { Order, Payment } from '../orders/schemas.ts';

const merchantTags = ['merchant API'];
const adminTags = ['admin'];

export const PayResponse = Type.Object(
  {
    order: Order,
    payment: Type.Object({
      id: Type.String(),
      status: Type.String(),
      client_secret: Type.Optional(Type.String()),
      next_action: Type.Optional(
        Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()]),
      ),
      failure_code: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      decline_code: Type.Optional(Type.Union([Type.String(), Type.Null()])),
      failure_message: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    }),
  },
  { title: 'PayResponse' },
);

export const payOrderSchema = {
  operationId: 'payOrder',
  tags: ['payments'],
  summary:
    'Pay an order with a saved card or a new pm_… from Stripe Elements (Idempotency-Key required)',
  params: StrictObject({ id: Uuid }),
  headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ maxLength: 255 })) }),
  body: Type.Optional(
    StrictObject({
      payment_method_id: Type.Optional(Type.String({ minLength: 1, maxLength: 210 })),
      save_payment_method: Type.Optional(Type.Boolean()),
    }),
  ),
  response: {
    200: PayResponse,
    202: PayResponse,
    ...errorResponses(400, 401, 402, 403, 404, 409, 422, 429, 503),
  },
};

export const syncOrderSchema = {
  operationId: 'syncOrderPayment',
  tags: ['payments'],
  summary: 'Settle an order after the browser finished 3-D Secure',
  params: StrictObject({ id: Uuid }),
  response: { 200: PayResponse, ...errorResponses(400, 401, 403, 404, 503) },
};

export const cancelOrderPaymentSchema = {
  operationId: 'cancelOrderPayment',
  tags: ['payments'],
  summary: 'Cancel my payment left waiting for 3-D Secure; the order can be paid again',
  description:
    'Cancels the PaymentIntent at Stripe. Repeating it answers the same order. ' +
    "Another customer's order is 404; a payment in any other state (paid, processing, authorised) is " +
    '409 `payment_not_cancelable`. If Stripe says the payment went through meanwhile, it is recorded as paid and 409 answers.',
  params: StrictObject({ id: Uuid }),
  headers: IdempotencyHeader,
  body: Type.Optional(StrictObject({})),
  response: { 200: Order, ...errorResponses(400, 401, 403, 404, 409, 422, 429, 503) },
};

// Merchant API (/api/v1) ------------------------------------------------------------------

export const chargeOrderSchema = {
  operationId: 'chargeMerchantOrder',
  tags: merchantTags,
  summary: "Charge the customer's saved card off-session",
  description:
    'Uses payment_method_id, or the default card. A decline answers 402 (`card_declined` with decline_code); soft declines are retried on a schedule. ' +
    '`authentication_required` (402) means the customer must come back to checkout_url to complete 3-D Secure; they are notified.',
  params: OrderIdParams,
  headers: IdempotencyHeader,
  body: Type.Optional(
    StrictObject({
      payment_method_id: Type.Optional(Type.String({ minLength: 1, maxLength: 210 })),
    }),
  ),
  response: {
    200: PayResponse,
    202: PayResponse,
    ...errorResponses(400, 401, 402, 403, 404, 409, 422, 429, 503),
  },
};

export const merchantCaptureOrderSchema = {
  operationId: 'captureMerchantOrder',
  tags: merchantTags,
  summary: 'Capture an authorized (manual-capture) order, in full or in part',
  params: OrderIdParams,
  headers: IdempotencyHeader,
  body: Type.Optional(StrictObject({ amount: Type.Optional(MinorAmount) })),
  response: { 200: Order, ...errorResponses(400, 401, 403, 404, 409, 422, 429, 503) },
};

export const merchantCancelOrderSchema = {
  operationId: 'cancelMerchantOrder',
  tags: merchantTags,
  summary: 'Cancel an order that has taken no money (an authorization is released)',
  params: OrderIdParams,
  headers: IdempotencyHeader,
  body: Type.Optional(StrictObject({})),
  response: { 200: Order, ...errorResponses(400, 401, 403, 404, 409, 422, 429, 503) },
};

export const listPaymentsSchema = {
  operationId: 'listMerchantPayments',
  tags: merchantTags,
  summary: 'List payments (attempts to pay orders), newest first',
  querystring: StrictObject({
    ...PageQuery,
    ...CreatedQuery,
    status: Type.Optional(literals(paymentStatuses)),
    customer_id: Type.Optional(Uuid),
    order_id: Type.Optional(Uuid),
    decline_code: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  }),
  response: { 200: listOf(Payment, 'PaymentList'), ...errorResponses(400, 401, 403, 429) },
};

export const getPaymentSchema = {
  operationId: 'getMerchantPayment',
  tags: merchantTags,
  summary: 'One payment',
  params: StrictObject({ id: Uuid }),
  response: { 200: Payment, ...errorResponses(400, 401, 403, 404, 429) },
};

// Operator console (/api/admin) ------------------------------------------------------------

export const adminCaptureOrderSchema = {
  operationId: 'adminCaptureOrder',
  tags: adminTags,
  summary: 'Capture an authorized order, in full or in part',
  params: OrderIdParams,
  body: Type.Optional(StrictObject({ amount: Type.Optional(MinorAmount) })),
  response: { 200: Order, ...errorResponses(400, 401, 403, 404, 409, 422, 503) },
};
export const adminCancelOrderSchema = {
  operationId: 'adminCancelOrder',
  tags: adminTags,
  summary: 'Cancel an order that has taken no money',
  params: OrderIdParams,
  body: Type.Optional(StrictObject({})),
  response: { 200: Order, ...errorResponses(400, 401, 403, 404, 409, 422, 503) },
};
