// Customer route schemas: the merchant API's customers and the console's customer lookup.
import { Type } from 'typebox';
import { IdempotencyHeader, PageQuery, listOf } from '../../lib/api-schemas.ts';
import { StrictObject, Uuid, errorResponses } from '../../lib/schemas.ts';
import { AccountDeletion } from '../account/schemas.ts';
import { Metadata } from '../merchant-api/metadata.ts';

const merchantTags = ['merchant API'];
const adminTags = ['admin'];

export const Customer = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    email: Type.String(),
    name: Type.String(),
    metadata: Type.Record(Type.String(), Type.String()),
    has_account: Type.Boolean({
      description:
        'The customer has a password and signs in to pay; false for a customer created by the API, who pays through the checkout_url of each order',
    }),
    created_at: Type.String({ format: 'date-time' }),
    default_payment_method: Type.Union([
      Type.Object({ id: Type.String(), brand: Type.String(), last4: Type.String() }),
      Type.Null(),
    ]),
  },
  { title: 'Customer' },
);

const CustomerName = Type.String({ maxLength: 200 });
const CustomerEmail = Type.String({ format: 'email', maxLength: 254 });

// Merchant API (/api/v1) ------------------------------------------------------------------

export const listCustomersSchema = {
  operationId: 'listMerchantCustomers',
  tags: merchantTags,
  summary: 'List customers, newest first',
  querystring: StrictObject({
    ...PageQuery,
    email: Type.Optional(
      Type.String({ minLength: 3, maxLength: 254, description: 'Exact email (case-insensitive)' }),
    ),
  }),
  response: { 200: listOf(Customer, 'CustomerList'), ...errorResponses(400, 401, 403, 429) },
};

export const getCustomerSchema = {
  operationId: 'getMerchantCustomer',
  tags: merchantTags,
  summary: 'One customer, with the brand and last 4 of their default card',
  params: StrictObject({ id: Uuid }),
  response: { 200: Customer, ...errorResponses(400, 401, 403, 404, 429) },
};

export const createCustomerSchema = {
  operationId: 'createMerchantCustomer',
  tags: merchantTags,
  summary: 'Create a customer without an account: they pay at the checkout_url of their orders',
  description:
    'The customer needs no password: each order created for them (customer_id) has a signed checkout_url that opens its checkout in a browser. A customer who later sets a password through "forgot password" becomes an account holder. 409 `email_taken` when the email already belongs to a customer or an account.',
  headers: IdempotencyHeader,
  body: StrictObject({
    email: CustomerEmail,
    name: Type.Optional(CustomerName),
    metadata: Type.Optional(Metadata),
  }),
  response: { 201: Customer, ...errorResponses(400, 401, 403, 409, 429) },
};

export const updateCustomerSchema = {
  operationId: 'updateMerchantCustomer',
  tags: merchantTags,
  summary: "Change a customer's email, name or metadata (metadata is replaced whole)",
  params: StrictObject({ id: Uuid }),
  body: StrictObject({
    email: Type.Optional(CustomerEmail),
    name: Type.Optional(CustomerName),
    metadata: Type.Optional(Metadata),
  }),
  response: { 200: Customer, ...errorResponses(400, 401, 403, 404, 409, 429) },
};

export const deleteCustomerSchema = {
  operationId: 'deleteMerchantCustomer',
  tags: merchantTags,
  summary:
    'Delete a customer: their personal data is erased, financial records are kept anonymised (as when they delete their own account)',
  params: StrictObject({ id: Uuid }),
  response: {
    200: Type.Object(
      { id: Type.String(), deleted: Type.Literal(true), deletion: AccountDeletion },
      { title: 'DeletedCustomer' },
    ),
    ...errorResponses(400, 401, 403, 404, 409, 429, 503),
  },
};

// Operator console (/api/admin) ------------------------------------------------------------

export const findCustomersSchema = {
  operationId: 'adminFindCustomers',
  tags: adminTags,
  summary:
    'Customer lookup by the exact email, whole words of the name, or the id (emails and names are encrypted at rest: no partial match)',
  querystring: StrictObject({
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
    starting_after: Type.Optional(Uuid),
  }),
  response: {
    200: Type.Object(
      { data: Type.Array(Customer), has_more: Type.Boolean() },
      { title: 'AdminCustomerList' },
    ),
    ...errorResponses(400, 401, 403),
  },
};
