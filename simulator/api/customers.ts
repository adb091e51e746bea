import { invalidRequest, noSuch } from '../errors.ts';
import { paginate, search } from '../objects.ts';
import {
  ADDRESS_FIELDS,
  allowOnly,
  applyMetadata,
  nullableStr,
  obj,
  str,
  strArray,
  withNulls,
  type Params,
} from '../params.ts';
import type { Route } from '../router.ts';
import { emit, update } from '../events.ts';
import { type Ctx } from '../sim.ts';
import type { Customer, PaymentMethod } from '../types.ts';
import { newId, nowSeconds, randomToken } from '../util.ts';
import { attachPaymentMethod, resolvePaymentMethod } from './payment-methods.ts';

const FIELDS = [
  'address',
  'description',
  'email',
  'invoice_settings',
  'metadata',
  'name',
  'payment_method',
  'phone',
  'preferred_locales',
  'shipping',
];

export function getCustomer(ctx: Ctx, id: string, param = 'id'): Customer {
  const customer = ctx.sim.store.get<Customer>('customers', id);
  if (!customer) throw noSuch('customer', id, param);
  return customer;
}

function shippingOf(params: Params): Record<string, unknown> | null | undefined {
  if (params.shipping === '') return null;
  const s = obj(params, 'shipping');
  if (!s) return undefined;
  return {
    address: withNulls(ADDRESS_FIELDS, obj(s, 'address')),
    name: typeof s.name === 'string' ? s.name : null,
    phone: typeof s.phone === 'string' ? s.phone : null,
  };
}

/** Fields that create and update share: each one only when given. */
function applyFields(ctx: Ctx, customer: Customer, params: Params): void {
  for (const field of ['description', 'email', 'name', 'phone'] as const) {
    const value = nullableStr(params, field);
    if (value !== undefined) customer[field] = value;
  }
  const address = params.address === '' ? null : obj(params, 'address');
  if (address !== undefined) customer.address = withNulls(ADDRESS_FIELDS, address ?? undefined);
  const shipping = shippingOf(params);
  if (shipping !== undefined) customer.shipping = shipping;
  const locales = strArray(params, 'preferred_locales');
  if (locales) customer.preferred_locales = locales;
  customer.metadata = applyMetadata(customer.metadata ?? {}, params.metadata);
  const settings = obj(params, 'invoice_settings');
  if (settings && 'default_payment_method' in settings) {
    const pmId = nullableStr(settings, 'default_payment_method');
    if (pmId) {
      const pm = ctx.sim.store.get<PaymentMethod>('payment_methods', pmId);
      if (!pm || pm.customer !== customer.id) {
        throw invalidRequest(
          `No such PaymentMethod: '${pmId}'; It's possible this PaymentMethod exists on one of ` +
            'your connected accounts, in which case you should retry this request on that account.',
          { param: 'invoice_settings[default_payment_method]', code: 'resource_missing' },
        );
      }
    }
    customer.invoice_settings = {
      ...customer.invoice_settings,
      default_payment_method: pmId ?? null,
    };
  }
}

function create(ctx: Ctx, params: Params): Customer {
  allowOnly(params, FIELDS);
  const customer: Customer = {
    id: newId('cus'),
    object: 'customer',
    address: null,
    balance: 0,
    created: nowSeconds(),
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    discount: null,
    email: null,
    invoice_prefix: randomToken(8).toUpperCase(),
    invoice_settings: {
      custom_fields: null,
      default_payment_method: null,
      footer: null,
      rendering_options: null,
    },
    livemode: false,
    metadata: {},
    name: null,
    next_invoice_sequence: 1,
    phone: null,
    preferred_locales: [],
    shipping: null,
    tax_exempt: 'none',
    test_clock: null,
  };
  // `payment_method` attaches before `invoice_settings.default_payment_method` can point at it.
  const pmParam = str(params, 'payment_method');
  const { invoice_settings, ...rest } = params;
  applyFields(ctx, customer, rest);
  ctx.sim.store.put('customers', customer);
  if (pmParam)
    attachPaymentMethod(ctx, resolvePaymentMethod(ctx, pmParam, 'payment_method'), customer);
  if (invoice_settings !== undefined) applyFields(ctx, customer, { invoice_settings });
  emit(ctx, 'customer.created', customer);
  return customer;
}

function updateCustomer(ctx: Ctx, params: Params, id: string): Customer {
  allowOnly(
    params,
    FIELDS.filter((f) => f !== 'payment_method'),
  );
  const customer = getCustomer(ctx, id);
  return update(ctx, customer, (c) => applyFields(ctx, c, params), 'customer.updated');
}

function remove(ctx: Ctx, id: string): { id: string; object: 'customer'; deleted: true } {
  const customer = getCustomer(ctx, id);
  // Deleting a customer detaches its payment methods (without events, as on Stripe).
  for (const pm of ctx.sim.store.collections.payment_methods.values()) {
    if ((pm as PaymentMethod).customer === id) (pm as PaymentMethod).customer = null;
  }
  ctx.sim.store.remove('customers', id);
  emit(ctx, 'customer.deleted', customer);
  return { id, object: 'customer', deleted: true };
}

function retrieve(ctx: Ctx, id: string): unknown {
  if (ctx.sim.store.internal.deleted[id] === 'customer')
    return { id, object: 'customer', deleted: true };
  return getCustomer(ctx, id);
}

export const customerRoutes: Route[] = [
  { method: 'POST', path: '/v1/customers', handler: (ctx, p) => create(ctx, p) },
  {
    method: 'GET',
    path: '/v1/customers/search',
    handler: (ctx, p) => search(ctx.sim.store.newestFirst('customers'), p, '/v1/customers/search'),
  },
  { method: 'GET', path: '/v1/customers/:id', handler: (ctx, _p, { id }) => retrieve(ctx, id!) },
  {
    method: 'POST',
    path: '/v1/customers/:id',
    handler: (ctx, p, { id }) => updateCustomer(ctx, p, id!),
  },
  { method: 'DELETE', path: '/v1/customers/:id', handler: (ctx, _p, { id }) => remove(ctx, id!) },
  {
    method: 'GET',
    path: '/v1/customers',
    handler: (ctx, p) => {
      const email = str(p, 'email');
      const all = ctx.sim.store.newestFirst<Customer>('customers');
      return paginate(email ? all.filter((c) => c.email === email) : all, p, '/v1/customers');
    },
  },
];
