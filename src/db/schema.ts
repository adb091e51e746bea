// The database schema (Drizzle). SQL migrations in ./migrations are generated from this file
// with `npm run db:generate` and applied at start-up; hand-written SQL (triggers) lives in
// custom migrations beside them.
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  integer,
  index,
  inet,
  jsonb,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { orderStatuses, paymentStatuses, refundStatuses } from './statuses.ts';

export {
  orderStatuses,
  paymentStatuses,
  refundStatuses,
  type OrderStatus,
  type PaymentStatus,
  type RefundStatus,
} from './statuses.ts';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    /** Lower-cased; needed in clear for sign-in lookup. */
    email: text('email').notNull(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: text('role', { enum: ['customer', 'admin'] })
      .notNull()
      .default('customer'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('users_email_key').on(t.email)],
);

export const legalAcceptances = pgTable(
  'legal_acceptances',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    document: text('document', { enum: ['terms', 'privacy'] }).notNull(),
    version: text('version').notNull(),
    acceptedAt: timestamp('accepted_at', { withTimezone: true }).notNull().defaultNow(),
    ip: inet('ip'),
  },
  (t) => [index('legal_acceptances_user_idx').on(t.userId)],
);

export const sessions = pgTable(
  'sessions',
  {
    /** SHA-256 of the cookie token: a database leak does not hand out live sessions. */
    id: text('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    csrfToken: text('csrf_token').notNull(),
    createdAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    idleExpiresAt: timestamp('idle_expires_at', { withTimezone: true }).notNull(),
    absoluteExpiresAt: timestamp('absolute_expires_at', { withTimezone: true }).notNull(),
    ip: inet('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [
    index('sessions_user_idx').on(t.userId),
    index('sessions_expiry_idx').on(t.idleExpiresAt),
  ],
);

/**
 * Append-only audit log. Request transactions insert entries without touching the chain; the
 * sealer (modules/audit/sealer.ts) then gives each committed entry its place (`seq`), the hash of
 * the previous entry and its own hash. A trigger (custom migrations 0001, 0006) refuses DELETE,
 * TRUNCATE and every UPDATE except that one-time sealing of an unsealed entry.
 */
export const auditEntries = pgTable(
  'audit_entries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
    actorType: text('actor_type', {
      enum: ['user', 'admin', 'api_key', 'system', 'stripe'],
    }).notNull(),
    actorId: text('actor_id'),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id'),
    before: jsonb('before'),
    after: jsonb('after'),
    stripeRequestId: text('stripe_request_id'),
    stripeEventId: text('stripe_event_id'),
    ip: inet('ip'),
    requestId: text('request_id'),
    /** The entry's position in the chain, 1, 2, 3…; null until sealed. */
    seq: bigint('seq', { mode: 'number' }),
    prevHash: text('prev_hash'),
    hash: text('hash'),
  },
  (t) => [
    index('audit_entries_target_idx').on(t.targetType, t.targetId),
    uniqueIndex('audit_entries_hash_key').on(t.hash),
    uniqueIndex('audit_entries_seq_key').on(t.seq),
    // The sealer's work list stays small however long the log grows.
    index('audit_entries_unsealed_idx')
      .on(t.id)
      .where(sql`seq IS NULL`),
  ],
);

export const sqlNow = sql`now()`;

// ---------------------------------------------------------------------------------------------
// Payments core. Amounts are integers in the currency's minor unit (bigint columns read as JS
// numbers: Stripe's own limit, 99,999,999 minor units, is far below 2^53).
// ---------------------------------------------------------------------------------------------

const money = (name: string) => bigint(name, { mode: 'number' });
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

/** One Stripe customer per user, created lazily on the first card or payment. */
export const stripeCustomers = pgTable('stripe_customers', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  stripeCustomerId: text('stripe_customer_id').notNull().unique(),
  createdAt: createdAt(),
});

/** Cards saved in a customer's wallet: a reference and what a person needs to recognise it. */
export const paymentMethods = pgTable(
  'payment_methods',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    stripePaymentMethodId: text('stripe_payment_method_id').notNull().unique(),
    brand: text('brand').notNull(),
    last4: text('last4').notNull(),
    expMonth: integer('exp_month').notNull(),
    expYear: integer('exp_year').notNull(),
    fingerprint: text('fingerprint'),
    isDefault: boolean('is_default').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [index('payment_methods_user_idx').on(t.userId)],
);

export const products = pgTable('products', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  description: text('description').notNull().default(''),
  unitAmount: money('unit_amount').notNull(),
  currency: text('currency').notNull(),
  active: boolean('active').notNull().default(true),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const orders = pgTable(
  'orders',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    status: text('status', { enum: orderStatuses }).notNull().default('open'),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    captureMethod: text('capture_method', { enum: ['automatic', 'manual'] })
      .notNull()
      .default('automatic'),
    description: text('description'),
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    amountRefunded: money('amount_refunded').notNull().default(0),
    createdBy: text('created_by').notNull(),
    /** The client request that created this order (hashed Idempotency-Key and caller; ADR 008). */
    requestKey: text('request_key'),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('orders_user_idx').on(t.userId, t.createdAt),
    index('orders_status_idx').on(t.status),
    index('orders_request_key_idx')
      .on(t.requestKey)
      .where(sql`request_key is not null`),
  ],
);

export const orderItems = pgTable(
  'order_items',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id),
    productId: uuid('product_id').references(() => products.id),
    name: text('name').notNull(),
    unitAmount: money('unit_amount').notNull(),
    quantity: integer('quantity').notNull(),
    amount: money('amount').notNull(),
  },
  (t) => [index('order_items_order_idx').on(t.orderId)],
);

export const payments = pgTable(
  'payments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    status: text('status', { enum: paymentStatuses }).notNull().default('creating'),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    captureMethod: text('capture_method', { enum: ['automatic', 'manual'] }).notNull(),
    offSession: boolean('off_session').notNull().default(false),
    /** Save the card for later (Stripe setup_future_usage) once this payment succeeds. */
    savePaymentMethod: boolean('save_payment_method').notNull().default(false),
    /** The Stripe idempotency key for creating the PaymentIntent: derived from our id, fixed. */
    stripeIdempotencyKey: text('stripe_idempotency_key').notNull().unique(),
    stripePaymentIntentId: text('stripe_payment_intent_id').unique(),
    stripePaymentMethodId: text('stripe_payment_method_id'),
    stripeChargeId: text('stripe_charge_id'),
    /**
     * The card as Stripe reported it when the payment settled (the charge's
     * payment_method_details.card): receipts name it after it leaves the wallet, or if it never
     * joined it. Null until Stripe has told us, and for payments recorded before we kept it.
     */
    cardBrand: text('card_brand'),
    cardLast4: text('card_last4'),
    cardExpMonth: integer('card_exp_month'),
    cardExpYear: integer('card_exp_year'),
    amountCaptured: money('amount_captured').notNull().default(0),
    amountRefunded: money('amount_refunded').notNull().default(0),
    failureCode: text('failure_code'),
    declineCode: text('decline_code'),
    failureMessage: text('failure_message'),
    lastStripeRequestId: text('last_stripe_request_id'),
    /** Off-session retry bookkeeping: which attempt this is, and the payment it retries. */
    attempt: integer('attempt').notNull().default(1),
    retryOf: uuid('retry_of'),
    /**
     * The client request that created this payment: a hash of its Idempotency-Key and caller.
     * A retry with that key whose first answer was lost (a crash before the key's record was
     * completed) is answered from this payment instead of being refused (ADR 008).
     */
    requestKey: text('request_key'),
    disputed: boolean('disputed').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('payments_order_idx').on(t.orderId),
    index('payments_user_idx').on(t.userId, t.createdAt),
    index('payments_status_idx').on(t.status, t.updatedAt),
    index('payments_created_idx').on(t.createdAt),
    index('payments_request_key_idx')
      .on(t.orderId, t.requestKey)
      .where(sql`request_key is not null`),
  ],
);

export const refunds = pgTable(
  'refunds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    paymentId: uuid('payment_id')
      .notNull()
      .references(() => payments.id),
    orderId: uuid('order_id')
      .notNull()
      .references(() => orders.id),
    amount: money('amount').notNull(),
    currency: text('currency').notNull(),
    status: text('status', { enum: refundStatuses }).notNull().default('creating'),
    reason: text('reason'),
    stripeIdempotencyKey: text('stripe_idempotency_key').notNull().unique(),
    stripeRefundId: text('stripe_refund_id').unique(),
    failureReason: text('failure_reason'),
    lastStripeRequestId: text('last_stripe_request_id'),
    /** The client request that created this refund (hashed Idempotency-Key and caller; ADR 008). */
    requestKey: text('request_key'),
    createdByType: text('created_by_type').notNull(),
    createdById: text('created_by_id'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('refunds_payment_idx').on(t.paymentId),
    index('refunds_status_idx').on(t.status),
    index('refunds_request_key_idx')
      .on(t.orderId, t.requestKey)
      .where(sql`request_key is not null`),
  ],
);

export const disputes = pgTable('disputes', {
  id: uuid('id').primaryKey().defaultRandom(),
  paymentId: uuid('payment_id').references(() => payments.id),
  stripeDisputeId: text('stripe_dispute_id').notNull().unique(),
  stripeChargeId: text('stripe_charge_id').notNull(),
  amount: money('amount').notNull(),
  currency: text('currency').notNull(),
  status: text('status').notNull(),
  reason: text('reason'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

/** Stripe events as received: stored under their unique id before any processing. */
export const webhookEvents = pgTable(
  'webhook_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    stripeEventId: text('stripe_event_id').notNull().unique(),
    type: text('type').notNull(),
    objectId: text('object_id'),
    apiVersion: text('api_version'),
    livemode: boolean('livemode').notNull().default(false),
    stripeCreatedAt: timestamp('stripe_created_at', { withTimezone: true }).notNull(),
    payload: jsonb('payload'),
    status: text('status', { enum: ['received', 'processed', 'ignored', 'failed'] })
      .notNull()
      .default('received'),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    receivedAt: createdAt(),
    processedAt: timestamp('processed_at', { withTimezone: true }),
  },
  (t) => [
    index('webhook_events_status_idx').on(t.status, t.receivedAt),
    index('webhook_events_object_idx').on(t.objectId),
  ],
);

/** Our own Idempotency-Key records (SPEC.md §3), scoped to the caller. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    method: text('method').notNull(),
    path: text('path').notNull(),
    requestHash: text('request_hash').notNull(),
    state: text('state', { enum: ['in_progress', 'completed'] })
      .notNull()
      .default('in_progress'),
    responseStatus: integer('response_status'),
    responseBody: text('response_body'),
    lockedAt: timestamp('locked_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex('idempotency_keys_scope_key').on(t.scope, t.key),
    index('idempotency_keys_expiry_idx').on(t.expiresAt),
  ],
);

export const apiKeys = pgTable('api_keys', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  /** The first characters of the key, to recognise it in lists. */
  prefix: text('prefix').notNull(),
  keyHash: text('key_hash').notNull().unique(),
  scopes: jsonb('scopes').$type<string[]>().notNull(),
  createdBy: uuid('created_by').references(() => users.id),
  createdAt: createdAt(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
});

/** Messages to customers (e.g. "come back and authenticate this payment"), sent by a job. */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull(),
    createdAt: createdAt(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [index('outbox_unsent_idx').on(t.sentAt)],
);

export const reconciliationRuns = pgTable('reconciliation_runs', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull(),
  finishedAt: timestamp('finished_at', { withTimezone: true }),
  paymentsChecked: integer('payments_checked').notNull().default(0),
  refundsChecked: integer('refunds_checked').notNull().default(0),
  discrepancies: integer('discrepancies').notNull().default(0),
  error: text('error'),
});

export const reconciliationDiscrepancies = pgTable(
  'reconciliation_discrepancies',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: bigint('run_id', { mode: 'number' })
      .notNull()
      .references(() => reconciliationRuns.id),
    objectType: text('object_type', { enum: ['payment', 'refund'] }).notNull(),
    objectId: uuid('object_id').notNull(),
    stripeId: text('stripe_id'),
    field: text('field').notNull(),
    ours: text('ours'),
    theirs: text('theirs'),
    fixed: boolean('fixed').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [index('reconciliation_discrepancies_run_idx').on(t.runId)],
);
