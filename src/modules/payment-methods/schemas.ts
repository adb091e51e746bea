import { Type } from 'typebox';
import { StrictObject, errorResponses } from '../../lib/schemas.ts';

export const StripePaymentMethodId = Type.String({
  pattern: '^pm_[A-Za-z0-9_]{1,200}$',
  maxLength: 210,
});

export const PaymentMethod = Type.Object(
  {
    id: Type.String({ description: 'The Stripe PaymentMethod id (pm_…)' }),
    brand: Type.String(),
    last4: Type.String(),
    exp_month: Type.Integer(),
    exp_year: Type.Integer(),
    is_default: Type.Boolean(),
    created_at: Type.String({ format: 'date-time' }),
  },
  { title: 'PaymentMethod' },
);

const PaymentMethodParams = StrictObject({ id: Type.String({ minLength: 1, maxLength: 210 }) });

export const createSetupIntentSchema = {
  operationId: 'createSetupIntent',
  tags: ['wallet'],
  summary: 'Start saving a card: a SetupIntent for Stripe.js confirmCardSetup',
  response: {
    200: Type.Object(
      { client_secret: Type.String(), setup_intent_id: Type.String() },
      { title: 'SetupIntent' },
    ),
    ...errorResponses(401, 403, 429, 503),
  },
};
export const addPaymentMethodSchema = {
  operationId: 'addPaymentMethod',
  tags: ['wallet'],
  summary: 'Save a card collected by Stripe Elements (by its pm_… id)',
  body: StrictObject({ payment_method_id: StripePaymentMethodId }),
  response: {
    201: PaymentMethod,
    200: PaymentMethod,
    ...errorResponses(400, 401, 402, 403, 404, 429, 503),
  },
};
export const listPaymentMethodsSchema = {
  operationId: 'listPaymentMethods',
  tags: ['wallet'],
  summary: "The signed-in customer's saved cards",
  response: {
    200: Type.Object({ data: Type.Array(PaymentMethod) }, { title: 'PaymentMethodList' }),
    ...errorResponses(401),
  },
};
export const deletePaymentMethodSchema = {
  operationId: 'deletePaymentMethod',
  tags: ['wallet'],
  summary: 'Remove a saved card (detached at Stripe)',
  params: PaymentMethodParams,
  response: { 204: Type.Null(), ...errorResponses(401, 403, 404, 503) },
};
export const setDefaultPaymentMethodSchema = {
  operationId: 'setDefaultPaymentMethod',
  tags: ['wallet'],
  summary: 'Make a saved card the default',
  params: PaymentMethodParams,
  response: { 200: PaymentMethod, ...errorResponses(401, 403, 404, 503) },
};
