// The database schema (Drizzle). SQL migrations in ./migrations are generated from this file
// with `npm run db:generate` and applied at start-up; hand-written SQL (triggers) lives in
// custom migrations beside them.
import { sql } from 'drizzle-orm';
import {
  bigint,
  doublePrecision,
  bigserial,
  boolean,
  integer,
  index,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
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
    /** Lower-cased, then encrypted (ADR 027); found through email_index. */
    email: text('email').notNull(),
    /** Encrypted (ADR 027); found through name_index. */
    name: text('name').notNull(),
    /** Keyed blind index of the email (src/db/sealed-users.ts): sign-in, uniqueness, search. */
    emailIndex: text('email_index'),
    /** One keyed blind index per word of the name: the console's search by name. */
    nameIndex: text('name_index').array(),
    /**
     * argon2id; or a marker starting with '!' that no password matches: '!guest' for a customer
     * the merchant API created (they pay through signed checkout links until they set a password
     * by "forgot password"), '!deleted' for an erased account.
     */
    passwordHash: text('password_hash').notNull(),
    /** The merchant's own keys and values (merchant API), as on orders. */
    metadata: jsonb('metadata').$type<Record<string, string>>().notNull().default({}),
    role: text('role', { enum: ['customer', 'admin'] })
      .notNull()
      .default('customer'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('users_email_index_key').on(t.emailIndex),
    index('users_name_index_idx').using('gin', t.nameIndex),
  ],
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
    /** Encrypted (ADR 027). */
    ip: text('ip'),
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
    /** Encrypted, as is the user agent (ADR 027). */
    ip: text('ip'),
    userAgent: text('user_agent'),
    /**
     * The password was right but the account has a second factor that was not given yet (ADR 023):
     * such a session opens nothing but the sign-in's second step, and expires within minutes.
     */
    secondFactorPending: boolean('second_factor_pending').notNull().default(false),
    /**
     * Opened from a signed checkout link (orders/checkout-links.ts), not by a password: such a
     * session opens only the checkout of this one order (routes declaring `checkoutLink`).
     */
    checkoutOrderId: uuid('checkout_order_id'),
  },
  (t) => [
    index('sessions_user_idx').on(t.userId),
    index('sessions_expiry_idx').on(t.idleExpiresAt),
  ],
);

/**
 * An operator's TOTP second factor (ADR 023). A row with `confirmed_at` null is an enrolment that
 * was started and not yet confirmed with a code; it is not a second factor yet.
 */
export const operatorTotp = pgTable('operator_totp', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  /** Base32 RFC 6238 secret, encrypted (ADR 027): opened to compute codes. */
  secret: text('secret').notNull(),
  confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
  /** The last 30-second time step whose code was accepted: a code is never accepted twice. */
  lastUsedStep: bigint('last_used_step', { mode: 'number' }),
  createdAt: createdAt(),
});

/** One-time recovery codes of an operator's second factor, stored as SHA-256 hashes only. */
export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    createdAt: createdAt(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('recovery_codes_user_code_key').on(t.userId, t.codeHash)],
);

/**
 * Append-only audit log. Request transactions insert entries without touching the chain; the
 * sealer (modules/audit/sealer.ts) then gives each committed entry its place (`seq`), the hash of
 * the previous entry and its own hash. A trigger (custom migrations 0001, 0006, 0010, 0014, 0019)
 * refuses DELETE, TRUNCATE and every UPDATE except that one-time sealing of an unsealed entry, the
 * erasure of a sealed entry's IP and salt from version 2 on (ADR 024), and an IP's re-encryption.
 * From version 3 (ADR 036) the hashed content is rendered by the database (audit_content_v3).
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
    /**
     * Encrypted (ADR 027); erased by the retention job (ADR 024). The chain covers ip_commitment
     * instead (versions 2 and 3) or the plain IP, decrypted to verify (version 1).
     */
    ip: text('ip'),
    requestId: text('request_id'),
    /**
     * Which formula the entry's hash uses: 1 (before ADR 024) hashes the IP itself, so that IP
     * can never be erased; 2 hashes ip_commitment, an HMAC of the IP keyed with ip_salt; 3 (ADR
     * 036) hashes the same fields as rendered by PostgreSQL, which can then check it itself.
     */
    hashVersion: smallint('hash_version').notNull().default(1),
    /** Random per entry; erased with the IP, after which the commitment names no one. */
    ipSalt: text('ip_salt'),
    ipCommitment: text('ip_commitment'),
    /** The entry's position in the chain, 1, 2, 3…; null until sealed. */
    seq: bigint('seq', { mode: 'number' }),
    prevHash: text('prev_hash'),
    hash: text('hash'),
  },
  (t) => [
    index('audit_entries_target_idx').on(t.targetType, t.targetId),
    // The console's audit log filtered by who acted or by action, newest first (ADR 035).
    index('audit_entries_actor_idx').on(t.actorType, t.actorId, t.id),
    index('audit_entries_action_idx').on(t.action, t.id),
    uniqueIndex('audit_entries_hash_key').on(t.hash),
    uniqueIndex('audit_entries_seq_key').on(t.seq),
    // The sealer's work list stays small however long the log grows.
    index('audit_entries_unsealed_idx')
      .on(t.id)
      .where(sql`seq IS NULL`),
    // The retention job's work list: entries whose IP may still be erased (ADR 024).
    index('audit_entries_ip_held_idx')
      .on(t.occurredAt)
      .where(sql`ip_salt IS NOT NULL`),
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
    /** Where the checkout sends the customer after paying, and where its "cancel" link leads. */
    successUrl: text('success_url'),
    cancelUrl: text('cancel_url'),
    paidAt: timestamp('paid_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('orders_user_idx').on(t.userId, t.createdAt),
    // Lists newest first (the merchant API's orders), keyset on (created_at, id): ADR 035.
    index('orders_created_idx').on(t.createdAt, t.id),
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
    // The console's decline-code filter and its search by charge id (ADR 035); few payments
    // carry a decline code, so that index stays small.
    index('payments_decline_code_idx')
      .on(t.declineCode)
      .where(sql`decline_code is not null`),
    index('payments_charge_idx').on(t.stripeChargeId),
    // The console's amount filter: a narrow range must not read every payment (ADR 035).
    index('payments_amount_idx').on(t.amount),
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
    // An order's refunds: every order view and the API's refunds of one order (ADR 035).
    index('refunds_order_idx').on(t.orderId),
    index('refunds_status_idx').on(t.status),
    // The console dashboard's refunds in a window (a range scan, like payments_created_idx).
    index('refunds_created_idx').on(t.createdAt),
    index('refunds_request_key_idx')
      .on(t.orderId, t.requestKey)
      .where(sql`request_key is not null`),
  ],
);

export const disputes = pgTable(
  'disputes',
  {
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
  },
  // The console dashboard: disputes opened in a window, and those open now.
  (t) => [index('disputes_created_idx').on(t.createdAt), index('disputes_status_idx').on(t.status)],
);

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
    // processed_at too: the dashboard's processing delay is then an index-only scan.
    index('webhook_events_status_idx').on(t.status, t.receivedAt, t.processedAt),
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

/**
 * Emails to customers (receipts, refund notices, "confirm this payment", password resets …),
 * written in the transaction of the change that causes them and sent by the customer-emails job
 * (ADR 028). `sent_at` is when the row was done with: sent, skipped (nobody to send it to) or
 * given up; `outcome` says which.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull(),
    createdAt: createdAt(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    outcome: text('outcome').$type<'sent' | 'skipped' | 'failed'>(),
    /** Sending attempts so far (each claim counts one). */
    attempts: integer('attempts').notNull().default(0),
    /** A sender holds the row until then; another may take it after. */
    leasedUntil: timestamp('leased_until', { withTimezone: true }),
    /** When the every-minute sweep may try it (the change's own job tries it at once). */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    lastError: text('last_error'),
  },
  (t) => [
    index('outbox_unsent_idx').on(t.sentAt),
    index('outbox_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`sent_at is null`),
  ],
);

/** "Forgot password": one row per emailed link; only the token's SHA-256 is stored. */
export const passwordResets = pgTable(
  'password_resets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull().unique(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [index('password_resets_user_idx').on(t.userId)],
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

// Stripe calls per minute, per process and operation: the console dashboard and the alert rules
// read Stripe's latency and error rate from here, so the figures survive a restart and add up
// across instances. Each process adds its counts once a few seconds (an upsert per minute).
export const stripeCallMinutes = pgTable(
  'stripe_call_minutes',
  {
    minute: timestamp('minute', { withTimezone: true }).notNull(),
    instance: text('instance').notNull(),
    operation: text('operation').notNull(),
    calls: integer('calls').notNull().default(0),
    /** 5xx answers, timeouts and connection errors: Stripe's trouble, not a card's decline. */
    errors: integer('errors').notNull().default(0),
    /** Counts per latency bucket; the bounds are fixed in code (STRIPE_LATENCY_BUCKETS_MS). */
    latencyBuckets: integer('latency_buckets').array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.minute, t.instance, t.operation] })],
);

// Alerting: one row per rule with its current state, and the history of every transition.
export const alertStates = pgTable('alert_states', {
  ruleId: text('rule_id').primaryKey(),
  state: text('state', { enum: ['ok', 'pending', 'firing'] }).notNull(),
  /** When the current state began. */
  since: timestamp('since', { withTimezone: true }).notNull(),
  value: doublePrecision('value'),
  summary: text('summary'),
  evaluatedAt: timestamp('evaluated_at', { withTimezone: true }).notNull(),
  notifiedAt: timestamp('notified_at', { withTimezone: true }),
  acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
  acknowledgedBy: uuid('acknowledged_by').references(() => users.id, { onDelete: 'set null' }),
  silencedUntil: timestamp('silenced_until', { withTimezone: true }),
});

export const alertEvents = pgTable(
  'alert_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    ruleId: text('rule_id').notNull(),
    kind: text('kind', {
      enum: ['pending', 'firing', 'resolved', 'reminder', 'acknowledged', 'silenced'],
    }).notNull(),
    value: doublePrecision('value'),
    summary: text('summary').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('alert_events_created_idx').on(t.createdAt)],
);

/** One delivery of an alert event to one channel, sent by a job with retries (an outbox). */
export const alertNotifications = pgTable(
  'alert_notifications',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    eventId: bigint('event_id', { mode: 'number' })
      .notNull()
      .references(() => alertEvents.id),
    channel: text('channel', { enum: ['email', 'webhook'] }).notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** A sender's lease, then the back-off after a failed attempt: not tried again before. */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: createdAt(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
  },
  (t) => [index('alert_notifications_unsent_idx').on(t.sentAt)],
);

// The local mail catcher: with no SMTP_URL in simulated mode, outgoing mail is kept here and the
// console shows it, so a new user sees every message without a mail server.
export const caughtMail = pgTable(
  'caught_mail',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    fromAddress: text('from_address').notNull(),
    /** Encrypted, as are text and html (ADR 027). */
    toAddresses: text('to_addresses').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html'),
    createdAt: createdAt(),
  },
  (t) => [index('caught_mail_created_idx').on(t.createdAt)],
);

// Events counted per minute, per process: those that leave no row of their own (a webhook refused
// for its signature is never stored), for the alert rules. Each process adds its counts once a few
// seconds, like stripe_call_minutes.
export const eventCountMinutes = pgTable(
  'event_count_minutes',
  {
    minute: timestamp('minute', { withTimezone: true }).notNull(),
    instance: text('instance').notNull(),
    name: text('name').notNull(),
    count: integer('count').notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.name, t.minute, t.instance] })],
);

// Merchant webhooks (ADR 026): the events the merchant's backend may receive, the endpoints it
// registered, and the outbox of deliveries with every attempt. An event and its deliveries are
// written in the transaction of the change they describe.
export const merchantEvents = pgTable(
  'merchant_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    type: text('type').notNull(),
    /** The object as the merchant API shows it, at the moment of the change. */
    data: jsonb('data').notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    index('merchant_events_created_idx').on(t.createdAt, t.id),
    index('merchant_events_type_created_idx').on(t.type, t.createdAt),
  ],
);

export const merchantWebhookEndpoints = pgTable('merchant_webhook_endpoints', {
  id: uuid('id').primaryKey().defaultRandom(),
  url: text('url').notNull(),
  description: text('description'),
  /** Event types sent to this endpoint. */
  events: jsonb('events').$type<string[]>().notNull(),
  /** The signing secret (whsec_…): kept in clear, since every delivery is signed with it. */
  secret: text('secret').notNull(),
  /** The secret before the last rotation, still signing until previous_secret_expires_at. */
  previousSecret: text('previous_secret'),
  previousSecretExpiresAt: timestamp('previous_secret_expires_at', { withTimezone: true }),
  status: text('status', { enum: ['enabled', 'disabled'] })
    .notNull()
    .default('enabled'),
  /** Why it is disabled: by a person, or automatically after failing too long. */
  disabledReason: text('disabled_reason', { enum: ['manual', 'failing'] }),
  disabledAt: timestamp('disabled_at', { withTimezone: true }),
  /** The first failed attempt since the last successful one; null while it answers. */
  failingSince: timestamp('failing_since', { withTimezone: true }),
  createdAt: createdAt(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/** One event to one endpoint: the outbox row a delivery job leases, sends and marks. */
export const merchantWebhookDeliveries = pgTable(
  'merchant_webhook_deliveries',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => merchantWebhookEndpoints.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id')
      .notNull()
      .references(() => merchantEvents.id),
    status: text('status', { enum: ['pending', 'delivered', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    /** A sender's lease, then the back-off after a failed attempt: not tried again before. */
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull().defaultNow(),
    lastError: text('last_error'),
    createdAt: createdAt(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
  },
  (t) => [
    index('merchant_webhook_deliveries_due_idx')
      .on(t.nextAttemptAt)
      .where(sql`${t.status} = 'pending'`),
    index('merchant_webhook_deliveries_endpoint_idx').on(t.endpointId, t.id),
  ],
);

/** Every HTTP attempt of a delivery, for the endpoint's delivery log. */
export const merchantWebhookAttempts = pgTable(
  'merchant_webhook_attempts',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deliveryId: bigint('delivery_id', { mode: 'number' })
      .notNull()
      .references(() => merchantWebhookDeliveries.id, { onDelete: 'cascade' }),
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => merchantWebhookEndpoints.id, { onDelete: 'cascade' }),
    attemptedAt: timestamp('attempted_at', { withTimezone: true }).notNull(),
    durationMs: integer('duration_ms').notNull(),
    /** The URL and the webhook-* headers sent (the body is the event's). */
    request: jsonb('request').notNull(),
    responseStatus: integer('response_status'),
    /** The first 4 KB of the answer. */
    responseBody: text('response_body'),
    error: text('error'),
  },
  (t) => [index('merchant_webhook_attempts_endpoint_idx').on(t.endpointId, t.id)],
);

/**
 * `npm run keys:rotate` (and the start-up conversion of rows written before encryption, ADR 027):
 * how far each walk over an encrypted table got, so an interrupted run resumes there.
 */
export const dataEncryptionProgress = pgTable('data_encryption_progress', {
  /** `rotate:<table>` or `plaintext:<table>`: one walk over one table. */
  task: text('task').primaryKey(),
  /** The active key the walk re-encrypts to; a walk for another key starts again. */
  keyId: text('key_id').notNull(),
  /** The last row id done (as text: tables have uuid, bigint or text ids). */
  lastId: text('last_id'),
  doneAt: timestamp('done_at', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Time travel in simulated mode (ADR 031): how far Paydeck's clock runs ahead of the machine's,
 * shared by every instance and worker. One row; absent means no travel.
 */
export const testClock = pgTable('test_clock', {
  id: smallint('id').primaryKey().default(1),
  offsetMs: bigint('offset_ms', { mode: 'number' }).notNull().default(0),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
