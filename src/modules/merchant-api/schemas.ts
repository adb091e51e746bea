// Merchant API schemas: they validate, type and document (OpenAPI) every /api/v1 route.
import { Type } from 'typebox';
import { orderStatuses } from '../../db/statuses.ts';
import {
  CreatedQuery,
  IdempotencyHeader,
  OrderIdParams,
  PageQuery,
  literals,
} from '../../lib/api-schemas.ts';
import { StrictObject, Uuid, errorResponses } from '../../lib/schemas.ts';
import { Currency, MinorAmount } from '../catalog/schemas.ts';
import { Order, OrderItemsInput, OrderList } from '../orders/schemas.ts';
import { Metadata } from './metadata.ts';

const tags = ['merchant API'];

/**
 * An http(s) address of the merchant's site. `{ORDER_ID}` in it is replaced by the order's id.
 * Only http and https: a `javascript:` address would run in our checkout's origin.
 */
const ReturnUrl = (description: string) =>
  Type.String({
    minLength: 8,
    maxLength: 2048,
    pattern: '^https?://[^\\s]+$',
    description: `${description}. http(s) only; {ORDER_ID} is replaced by the order id.`,
  });

export const createOrderSchema = {
  operationId: 'createMerchantOrder',
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
    success_url: Type.Optional(ReturnUrl('Where the checkout sends the customer after paying')),
    cancel_url: Type.Optional(
      ReturnUrl('Where the checkout\'s "Cancel and return" link leads (the order stays open)'),
    ),
  }),
  response: { 201: Order, ...errorResponses(400, 401, 403, 404, 409, 422, 429) },
};

export const listOrdersSchema = {
  operationId: 'listMerchantOrders',
  tags,
  summary: 'List and search orders, newest first',
  querystring: StrictObject({
    ...PageQuery,
    ...CreatedQuery,
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
  operationId: 'getMerchantOrder',
  tags,
  summary: 'One order with its payments and refunds',
  params: OrderIdParams,
  response: { 200: Order, ...errorResponses(400, 401, 403, 404, 429) },
};
