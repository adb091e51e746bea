import { Type } from 'typebox';
import { StrictObject, Uuid, errorResponses } from '../../lib/schemas.ts';
import { Order } from '../orders/schemas.ts';

export const PayResponse = Type.Object({
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
});

export const payOrderSchema = {
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
  tags: ['payments'],
  summary: 'Settle an order after the browser finished 3-D Secure',
  params: StrictObject({ id: Uuid }),
  response: { 200: PayResponse, ...errorResponses(400, 401, 403, 404, 503) },
};
