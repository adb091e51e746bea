import { Type } from 'typebox';
import { StrictObject, Uuid, errorResponses } from '../../lib/schemas.ts';

export const OrderItem = Type.Object(
  {
    product_id: Type.Union([Type.String(), Type.Null()]),
    name: Type.String(),
    unit_amount: Type.Integer(),
    quantity: Type.Integer(),
    amount: Type.Integer(),
  },
  { title: 'OrderItem' },
);

/** Brand, last 4 and expiry of the card a payment used, like Stripe's payment_method_details.card. */
export const PaymentCard = Type.Object(
  {
    brand: Type.String({ description: 'visa, mastercard, amex, …' }),
    last4: Type.String(),
    exp_month: Type.Union([Type.Integer(), Type.Null()]),
    exp_year: Type.Union([Type.Integer(), Type.Null()]),
  },
  { title: 'PaymentCard' },
);

export const Payment = Type.Object(
  {
    id: Type.String(),
    order_id: Type.String(),
    status: Type.String(),
    amount: Type.Integer(),
    currency: Type.String(),
    amount_captured: Type.Integer(),
    amount_refunded: Type.Integer(),
    capture_method: Type.String(),
    off_session: Type.Boolean(),
    attempt: Type.Integer(),
    stripe_payment_intent_id: Type.Union([Type.String(), Type.Null()]),
    payment_method_id: Type.Union([Type.String(), Type.Null()]),
    card: Type.Union([PaymentCard, Type.Null()], {
      description:
        'The card as Stripe reported it when the payment was attempted; null until Stripe has said',
    }),
    failure_code: Type.Union([Type.String(), Type.Null()]),
    decline_code: Type.Union([Type.String(), Type.Null()]),
    failure_message: Type.Union([Type.String(), Type.Null()]),
    disputed: Type.Boolean(),
    created_at: Type.String(),
    updated_at: Type.String(),
  },
  { title: 'Payment' },
);

export const Refund = Type.Object(
  {
    id: Type.String(),
    payment_id: Type.String(),
    order_id: Type.String(),
    amount: Type.Integer(),
    currency: Type.String(),
    status: Type.String(),
    reason: Type.Union([Type.String(), Type.Null()]),
    stripe_refund_id: Type.Union([Type.String(), Type.Null()]),
    failure_reason: Type.Union([Type.String(), Type.Null()]),
    created_at: Type.String(),
  },
  { title: 'Refund' },
);

export const Order = Type.Object(
  {
    id: Type.String(),
    customer_id: Type.String(),
    status: Type.String(),
    amount: Type.Integer(),
    currency: Type.String(),
    amount_refunded: Type.Integer(),
    capture_method: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    metadata: Type.Record(Type.String(), Type.String()),
    items: Type.Array(OrderItem),
    payments: Type.Array(Payment),
    refunds: Type.Array(Refund),
    created_at: Type.String(),
    paid_at: Type.Union([Type.String(), Type.Null()]),
    checkout_url: Type.String({
      description:
        "Opens this order's checkout, also for a customer without an account (signed, expires after CHECKOUT_LINK_TTL, 7 days by default; a new one is issued with every read of the order)",
    }),
    success_url: Type.Union([Type.String(), Type.Null()]),
    cancel_url: Type.Union([Type.String(), Type.Null()]),
  },
  { title: 'Order' },
);

export const OrderList = Type.Object(
  { data: Type.Array(Order), has_more: Type.Boolean() },
  { title: 'OrderList' },
);

export const ListQuery = StrictObject({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  starting_after: Type.Optional(Uuid),
});

export const OrderItemsInput = Type.Array(
  StrictObject({ product_id: Uuid, quantity: Type.Integer({ minimum: 1, maximum: 100 }) }),
  { minItems: 1, maxItems: 50 },
);

export const createOrderSchema = {
  operationId: 'createOrder',
  tags: ['orders'],
  summary: 'Create an order from catalog items (priced on the server)',
  body: StrictObject({ items: OrderItemsInput }),
  response: { 201: Order, ...errorResponses(400, 401, 403, 409, 422) },
};
export const listOrdersSchema = {
  operationId: 'listOrders',
  tags: ['orders'],
  summary: "The signed-in customer's orders, newest first",
  querystring: ListQuery,
  response: { 200: OrderList, ...errorResponses(400, 401) },
};
export const getOrderSchema = {
  operationId: 'getOrder',
  tags: ['orders'],
  summary: 'One order with its payments and refunds',
  params: StrictObject({ id: Uuid }),
  response: { 200: Order, ...errorResponses(400, 401, 404) },
};
