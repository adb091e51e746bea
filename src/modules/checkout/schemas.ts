// Checkout link schemas: they validate, type and document (OpenAPI) the route.
import { Type } from 'typebox';
import { StrictObject, Uuid, errorResponses } from '../../lib/schemas.ts';
import { SessionResponse } from '../auth/schemas.ts';

export const openCheckoutSchema = {
  operationId: 'openCheckout',
  tags: ['checkout'],
  summary: "Open an order's checkout from its signed link (checkout_url), without an account",
  description:
    "The checkout page sends the `token` of its URL. The answer is a session (cookie) that opens only this order's checkout: the order, paying it, saving the card for later with the customer's consent, and accepting the Terms. A customer who has a password is answered 403 `sign_in_required`; a wrong token 403 `checkout_link_invalid`; an expired one 410 `checkout_link_expired`.",
  body: StrictObject({
    order_id: Uuid,
    token: Type.String({ minLength: 1, maxLength: 200 }),
  }),
  response: { 200: SessionResponse, ...errorResponses(400, 403, 410, 429) },
};
