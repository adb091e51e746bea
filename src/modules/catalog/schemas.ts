import { Type } from 'typebox';
import { StrictObject, Uuid, errorResponses } from '../../lib/schemas.ts';
import { SUPPORTED_CURRENCIES } from '../../lib/money.ts';

export const Currency = Type.Union(
  SUPPORTED_CURRENCIES.map((c) => Type.Literal(c)),
  { title: 'Currency', description: 'Lower-case ISO 4217 code from the supported list' },
);
export const MinorAmount = Type.Integer({
  minimum: 1,
  maximum: 99_999_999,
  description: 'Integer, in the minor unit',
});

export const Product = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    description: Type.String(),
    unit_amount: Type.Integer(),
    currency: Type.String(),
    active: Type.Boolean(),
  },
  { title: 'Product' },
);

const ProductList = Type.Object({ data: Type.Array(Product) }, { title: 'ProductList' });

export const catalogSchema = {
  operationId: 'listCatalog',
  tags: ['catalog'],
  summary: 'Products for sale',
  response: { 200: ProductList },
};

const ProductFields = {
  name: Type.String({ minLength: 1, maxLength: 120 }),
  description: Type.String({ maxLength: 1000 }),
  unit_amount: MinorAmount,
  currency: Currency,
  active: Type.Boolean(),
};

export const adminListProductsSchema = {
  operationId: 'adminListProducts',
  tags: ['admin'],
  summary: 'All products, active or not',
  response: { 200: ProductList, ...errorResponses(401, 403) },
};
export const adminCreateProductSchema = {
  operationId: 'adminCreateProduct',
  tags: ['admin'],
  summary: 'Add a product',
  body: StrictObject({
    name: ProductFields.name,
    description: Type.Optional(ProductFields.description),
    unit_amount: ProductFields.unit_amount,
    currency: ProductFields.currency,
    active: Type.Optional(ProductFields.active),
  }),
  response: { 201: Product, ...errorResponses(400, 401, 403) },
};
export const adminUpdateProductSchema = {
  operationId: 'adminUpdateProduct',
  tags: ['admin'],
  summary: 'Change a product (orders already placed keep their prices)',
  params: StrictObject({ id: Uuid }),
  body: StrictObject({
    name: Type.Optional(ProductFields.name),
    description: Type.Optional(ProductFields.description),
    unit_amount: Type.Optional(ProductFields.unit_amount),
    currency: Type.Optional(ProductFields.currency),
    active: Type.Optional(ProductFields.active),
  }),
  response: { 200: Product, ...errorResponses(400, 401, 403, 404) },
};
