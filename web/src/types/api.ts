// Names for the Paydeck API's shapes the customer pages use. The types themselves are generated
// from the server's OpenAPI document (generated/api.ts, `npm run api:types`), so they are the route
// schemas the server validates and serialises with. Amounts are integers in the currency's minor
// unit; format them with lib/money.ts.
import type { components, operations } from './generated/api';

type Schemas = components['schemas'];

/** The JSON body an operation (by its operationId) takes. */
export type JsonBody<Operation extends keyof operations> =
  NonNullable<operations[Operation]['requestBody']> extends {
    content: { 'application/json': infer Body };
  }
    ? NonNullable<Body>
    : never;

/** The query string an operation (by its operationId) takes. */
export type Query<Operation extends keyof operations> = NonNullable<
  operations[Operation]['parameters']['query']
>;

export type Product = Schemas['Product'];
export type ProductList = Schemas['ProductList'];
export type Payment = Schemas['Payment'];
export type Refund = Schemas['Refund'];
export type Order = Schemas['Order'];
export type OrderList = Schemas['OrderList'];
/** A saved card. `id` is the Stripe PaymentMethod id (pm_…). */
export type PaymentMethod = Schemas['PaymentMethod'];
export type PaymentMethodList = Schemas['PaymentMethodList'];
export type PayResponse = Schemas['PayResponse'];
export type SetupIntentResponse = Schemas['SetupIntent'];
export type Currency = Schemas['Currency'];
export type User = Schemas['User'];
/** GET /api/auth/session; `user` is null for a visitor. */
export type ApiSession = Schemas['Session'];
/** What the server lets the browser know (GET /api/config). */
export type BrowserConfig = Schemas['BrowserConfig'];
export type LegalDocument = Schemas['LegalDocument'];
/** DELETE /api/account: what was removed, and what was kept anonymised and why. */
export type AccountDeletion = Schemas['AccountDeletion'];

/** Orders in these states can still be paid from the checkout page. */
export function isPayable(order: Pick<Order, 'status'>): boolean {
  return order.status === 'open' || order.status === 'requires_action';
}
