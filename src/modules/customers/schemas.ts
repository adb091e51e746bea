// Customer route schemas: the merchant API's customers and the console's customer lookup.
import { Type } from 'typebox';
import { PageQuery, listOf } from '../../lib/api-schemas.ts';
import { StrictObject, Uuid, errorResponses } from '../../lib/schemas.ts';

const merchantTags = ['merchant API'];
const adminTags = ['admin'];

export const Customer = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    email: Type.String(),
    name: Type.String(),
    created_at: Type.String({ format: 'date-time' }),
    default_payment_method: Type.Union([
      Type.Object({ id: Type.String(), brand: Type.String(), last4: Type.String() }),
      Type.Null(),
    ]),
  },
  { title: 'Customer' },
);

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
