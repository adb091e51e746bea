// Operator API schemas (/api/admin): cookie session of an admin, CSRF token on every POST.
import { Type } from 'typebox';
import { paymentStatuses } from '../../db/statuses.ts';
import { Instant } from '../../lib/api-schemas.ts';
import { StrictObject, Uuid, errorResponses } from '../../lib/schemas.ts';
import { Customer } from '../customers/schemas.ts';
import { Order, Payment, Refund } from '../orders/schemas.ts';

const tags = ['admin'];
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(t: T) =>
  Type.Union([t, Type.Null()]);

export const AdminPayment = Type.Object(
  {
    ...Payment.properties,
    customer_id: Type.String(),
    customer_email: Nullable(Type.String()),
  },
  { title: 'AdminPayment' },
);

export const AuditEntry = Type.Object(
  {
    id: Type.Integer(),
    occurred_at: Type.String({ format: 'date-time' }),
    actor_type: Type.String(),
    actor_id: Nullable(Type.String()),
    action: Type.String(),
    target_type: Type.String(),
    target_id: Nullable(Type.String()),
    before: Type.Unknown(),
    after: Type.Unknown(),
    stripe_request_id: Nullable(Type.String()),
    stripe_event_id: Nullable(Type.String()),
    ip: Nullable(Type.String()),
    request_id: Nullable(Type.String()),
  },
  { title: 'AuditEntry' },
);

const TimelineAudit = Type.Object(
  {
    kind: Type.Literal('audit'),
    at: Type.String({ format: 'date-time' }),
    ...AuditEntry.properties,
  },
  { title: 'TimelineAuditEntry' },
);
const TimelineWebhook = Type.Object(
  {
    kind: Type.Literal('webhook'),
    at: Type.String({ format: 'date-time', description: 'When we received the event' }),
    stripe_event_id: Type.String(),
    type: Type.String(),
    object_id: Nullable(Type.String()),
    status: Type.String(),
    attempts: Type.Integer(),
    last_error: Nullable(Type.String()),
    stripe_created_at: Type.String({ format: 'date-time' }),
    processed_at: Nullable(Type.String({ format: 'date-time' })),
  },
  { title: 'TimelineWebhookEvent' },
);

export const listPaymentsSchema = {
  operationId: 'adminListPayments',
  tags,
  summary:
    'Payments for the console: filters, free-text search, numbered pages with a total (up to 10,000)',
  querystring: StrictObject({
    status: Type.Optional(Type.Union(paymentStatuses.map((s) => Type.Literal(s)))),
    created_gte: Type.Optional(Instant),
    created_lte: Type.Optional(Instant),
    amount_gte: Type.Optional(Type.Integer({ minimum: 0, maximum: 99_999_999 })),
    amount_lte: Type.Optional(Type.Integer({ minimum: 0, maximum: 99_999_999 })),
    customer_email: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 254,
        description: 'The customer’s exact email, case-insensitive (emails are encrypted at rest)',
      }),
    ),
    decline_code: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description:
          'Payment or order id, pi_…/ch_… id, the customer’s exact email, or whole words of their name',
      }),
    ),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 25 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000, default: 0 })),
  }),
  response: {
    200: Type.Object(
      {
        data: Type.Array(AdminPayment),
        total: Type.Integer({
          description: 'Payments matching the filters, counted up to 10,000 (see total_capped)',
        }),
        total_capped: Type.Boolean({
          description: 'More than 10,000 match: total stops there (narrow the filters)',
        }),
        has_more: Type.Boolean(),
      },
      { title: 'AdminPaymentList' },
    ),
    ...errorResponses(400, 401, 403),
  },
};

export const getPaymentSchema = {
  operationId: 'adminGetPayment',
  tags,
  summary:
    'One payment with its order, customer, refunds and a timeline of audit entries and Stripe events',
  params: StrictObject({ id: Uuid }),
  response: {
    200: Type.Object(
      {
        payment: Payment,
        order: Order,
        customer: Nullable(Customer),
        refunds: Type.Array(Refund),
        timeline: Type.Array(Type.Union([TimelineAudit, TimelineWebhook])),
      },
      { title: 'PaymentDetail' },
    ),
    ...errorResponses(400, 401, 403, 404),
  },
};

export const listAuditSchema = {
  operationId: 'adminListAuditEntries',
  tags,
  summary: 'The audit log, newest first',
  querystring: StrictObject({
    target_type: Type.Optional(Type.String({ minLength: 1, maxLength: 50 })),
    target_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    action: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    actor_type: Type.Optional(
      Type.Union(['user', 'admin', 'api_key', 'system', 'stripe'].map((s) => Type.Literal(s))),
    ),
    actor_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
    starting_after: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: Number.MAX_SAFE_INTEGER,
        description: 'The id of the last entry of the previous page',
      }),
    ),
  }),
  response: {
    200: Type.Object(
      { data: Type.Array(AuditEntry), has_more: Type.Boolean() },
      { title: 'AuditEntryList' },
    ),
    ...errorResponses(400, 401, 403),
  },
};

export const verifyAuditSchema = {
  operationId: 'adminVerifyAuditLog',
  tags,
  summary: 'Check the audit hash chain end to end',
  body: Type.Optional(StrictObject({})),
  response: {
    200: Type.Object(
      {
        ok: Type.Boolean(),
        checked: Type.Integer({ description: 'Sealed entries checked, in chain order.' }),
        unsealed: Type.Integer({
          description:
            'Entries committed but not yet given their place in the chain (sealed within about a second).',
        }),
        first_broken: Nullable(Type.Object({ id: Type.Integer(), reason: Type.String() })),
      },
      { title: 'AuditVerification' },
    ),
    ...errorResponses(401, 403),
  },
};
