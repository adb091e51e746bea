// Merchant API schemas: they validate, type and document (OpenAPI) every /api/v1 route.
import { Type } from 'typebox';
import { orderStatuses, paymentStatuses, refundStatuses } from '../../db/schema.ts';
import { StrictObject, Uuid, errorResponses } from '../../lib/schemas.ts';
import { Currency, MinorAmount } from '../catalog/schemas.ts';
import { Order, OrderItemsInput, OrderList, Payment, Refund } from '../orders/schemas.ts';
import { PayResponse } from '../payments/schemas.ts';
import { REFUND_REASONS } from '../refunds/service.ts';

const literals = <T extends readonly string[]>(values: T, description?: string) =>
  Type.Union(
    values.map((v) => Type.Literal(v)),
    description ? { description } : {},
  );

export const Customer = Type.Object({
  id: Type.String({ format: 'uuid' }),
  email: Type.String(),
  name: Type.String(),
  created_at: Type.String({ format: 'date-time' }),
  default_payment_method: Type.Union([
    Type.Object({ id: Type.String(), brand: Type.String(), last4: Type.String() }),
    Type.Null(),
  ]),
});

const list = <T extends ReturnType<typeof Type.Object>>(item: T) =>
  Type.Object({
    data: Type.Array(item),
    has_more: Type.Boolean({
      description: 'More results after the last one: pass its id as starting_after',
    }),
  });

const Instant = Type.String({
  maxLength: 40,
  pattern: '^(\\d{1,11}|\\d{4}-\\d{2}-\\d{2}([T ][0-9:.]+(Z|[+-]\\d{2}:?\\d{2})?)?)$',
  description: 'ISO 8601 date or date-time, or unix seconds',
});

const Page = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 10 })),
  starting_after: Type.Optional(Uuid),
};
const Created = {
  created_gte: Type.Optional(Instant),
  created_lte: Type.Optional(Instant),
};
const OrderIdParams = StrictObject({ id: Uuid });
const IdempotencyHeader = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      maxLength: 255,
      description:
        'A unique value per operation (e.g. a UUID); retries with the same key replay the first response',
    }),
  ),
});

export const Metadata = Type.Record(Type.String(), Type.String({ maxLength: 500 }), {
  maxProperties: 20,
  propertyNames: { minLength: 1, maxLength: 40, pattern: '^[A-Za-z0-9_.:-]+$' },
  description: 'Up to 20 keys (1–40 of [A-Za-z0-9_.:-]), string values up to 500 characters',
});

const tags = ['merchant API'];

export const createOrderSchema = {
  tags,
  summary:
    'Create an order for a customer; the customer pays it at checkout_url (or charge it off-session)',
  description: 'Give customer_id or customer_email, and either amount + currency or catalog items.',
  headers: IdempotencyHeader,
  body: StrictObject({
    customer_id: Type.Optional(Uuid),
    customer_email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
    amount: Type.Optional(MinorAmount),
    currency: Type.Optional(Currency),
    items: Type.Optional(OrderItemsInput),
    capture_method: Type.Optional(
      literals(['automatic', 'manual'] as const, 'manual: authorize now, capture later'),
    ),
    description: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    metadata: Type.Optional(Metadata),
  }),
  response: { 201: Order, ...errorResponses(400, 401, 403, 404, 409, 422, 429) },
};

export const listOrdersSchema = {
  tags,
  summary: 'List and search orders, newest first',
  querystring: StrictObject({
    ...Page,
    ...Created,
    status: Type.Optional(literals(orderStatuses)),
    customer_id: Type.Optional(Uuid),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Matches the order id, the description or a metadata value',
      }),
    ),
  }),
  response: { 200: OrderList, ...errorResponses(400, 401, 403, 429) },
};

export const getOrderSchema = {
  tags,
  summary: 'One order with its payments and refunds',
  params: OrderIdParams,
  response: { 200: Order, ...errorResponses(400, 401, 403, 404, 429) },
};

export const chargeOrderSchema = {
  tags,
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

export const captureOrderSchema = {
  tags,
  summary: 'Capture an authorized (manual-capture) order, in full or in part',
  params: OrderIdParams,
  headers: IdempotencyHeader,
  body: Type.Optional(StrictObject({ amount: Type.Optional(MinorAmount) })),
  response: { 200: Order, ...errorResponses(400, 401, 403, 404, 409, 422, 429, 503) },
};

export const cancelOrderSchema = {
  tags,
  summary: 'Cancel an order that has taken no money (an authorization is released)',
  params: OrderIdParams,
  headers: IdempotencyHeader,
  body: Type.Optional(StrictObject({})),
  response: { 200: Order, ...errorResponses(400, 401, 403, 404, 409, 422, 429, 503) },
};

export const RefundBody = Type.Optional(
  StrictObject({
    amount: Type.Optional(MinorAmount),
    reason: Type.Optional(literals(REFUND_REASONS)),
  }),
);

export const refundOrderSchema = {
  tags,
  summary:
    'Refund a paid order: in full (no amount) or in part; several partial refunds are allowed',
  description:
    '200 when Stripe answered; 202 when the outcome is not known yet (it is settled in the background).',
  params: OrderIdParams,
  headers: IdempotencyHeader,
  body: RefundBody,
  response: { 200: Refund, 202: Refund, ...errorResponses(400, 401, 403, 404, 409, 422, 429, 503) },
};

export const listPaymentsSchema = {
  tags,
  summary: 'List payments (attempts to pay orders), newest first',
  querystring: StrictObject({
    ...Page,
    ...Created,
    status: Type.Optional(literals(paymentStatuses)),
    customer_id: Type.Optional(Uuid),
    order_id: Type.Optional(Uuid),
    decline_code: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  }),
  response: { 200: list(Payment), ...errorResponses(400, 401, 403, 429) },
};

export const getPaymentSchema = {
  tags,
  summary: 'One payment',
  params: StrictObject({ id: Uuid }),
  response: { 200: Payment, ...errorResponses(400, 401, 403, 404, 429) },
};

export const listRefundsSchema = {
  tags,
  summary: 'List refunds, newest first',
  querystring: StrictObject({
    ...Page,
    ...Created,
    status: Type.Optional(literals(refundStatuses)),
    order_id: Type.Optional(Uuid),
    payment_id: Type.Optional(Uuid),
    customer_id: Type.Optional(Uuid),
  }),
  response: { 200: list(Refund), ...errorResponses(400, 401, 403, 429) },
};

export const getRefundSchema = {
  tags,
  summary: 'One refund',
  params: StrictObject({ id: Uuid }),
  response: { 200: Refund, ...errorResponses(400, 401, 403, 404, 429) },
};

export const listCustomersSchema = {
  tags,
  summary: 'List customers, newest first',
  querystring: StrictObject({
    ...Page,
    email: Type.Optional(
      Type.String({ minLength: 3, maxLength: 254, description: 'Exact email (case-insensitive)' }),
    ),
  }),
  response: { 200: list(Customer), ...errorResponses(400, 401, 403, 429) },
};

export const getCustomerSchema = {
  tags,
  summary: 'One customer, with the brand and last 4 of their default card',
  params: StrictObject({ id: Uuid }),
  response: { 200: Customer, ...errorResponses(400, 401, 403, 404, 429) },
};
