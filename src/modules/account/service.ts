// The customer's own data: export everything we hold about them, and delete the account.
// Deletion removes the Stripe customer (and with it the saved cards), erases personal data here
// and keeps financial records (orders, payments, refunds, audit entries) under the now
// pseudonymous user id, as the law requires (see the Privacy Policy).
import type { Db, DbOrTx } from '../../db/client.ts';
import { paymentStatuses, type PaymentStatus } from '../../db/statuses.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError, conflict, notFound } from '../../lib/errors.ts';
import type { PaymentProvider } from '../../stripe/provider.ts';
import { appendAudit } from '../audit/audit-log.ts';
import type { Actor } from '../audit/actor.ts';
import type { AuditService } from '../audit/service.ts';
import { hasAccount } from '../auth/guests.ts';
import { verifyPassword } from '../auth/passwords.ts';
import type { AuthService } from '../auth/service.ts';
import type { CustomerEmailsService } from '../customer-emails/service.ts';
import type { StripeCustomersService } from '../customers/service.ts';
import type { DisputesService } from '../disputes/service.ts';
import type { IdempotencyRecords } from '../idempotency/service.ts';
import type { OrdersService } from '../orders/service.ts';
import { publicPaymentMethod, type PaymentMethodsService } from '../payment-methods/service.ts';
import type { PaymentsService } from '../payments/service.ts';
import type { WebhooksService } from '../webhooks/service.ts';

/** The components whose data about a customer the account exports or erases. */
export interface AccountDeps {
  db: Db;
  clock: Clock;
  provider: PaymentProvider;
  auth: AuthService;
  audit: AuditService;
  orders: OrdersService;
  payments: Pick<PaymentsService, 'closeOpenPaymentsOf' | 'records'>;
  paymentMethods: PaymentMethodsService;
  stripeCustomers: StripeCustomersService;
  disputes: Pick<DisputesService, 'ofPayments'>;
  webhooks: Pick<WebhooksService, 'eventsAbout'>;
  idempotency: Pick<IdempotencyRecords, 'forgetUser'>;
  /** The merchant's webhook events, written in the caller's transaction (merchant-webhooks). */
  events: { customerDeleted(tx: DbOrTx, userId: string): Promise<void> };
  /** Emails to the customer (customer-emails): their messages, and the deletion confirmation. */
  emails: Pick<CustomerEmailsService, 'messagesOf' | 'deleteMessagesOf' | 'accountDeleted'>;
}

/**
 * A Stripe event as the export shows it: a PaymentIntent's or SetupIntent's `client_secret` lets
 * whoever holds it confirm that intent from a browser, so it leaves nowhere — not even to its
 * customer, in a file that may be mailed around.
 */
function withoutClientSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutClientSecrets);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'client_secret')
      .map(([key, item]) => [key, withoutClientSecrets(item)]),
  );
}

/** One kind of data in the deletion's answer: what it was, how many, and (when kept) why. */
export interface DeletionItem {
  data: string;
  description: string;
  count: number;
  reason?: string;
}

export interface AccountDeletion {
  deleted_at: string;
  /** Payments that were waiting for 3-D Secure, canceled at Stripe before the deletion. */
  canceled_payments: string[];
  removed: DeletionItem[];
  kept_anonymised: DeletionItem[];
}

const BOOKKEEPING =
  'Bookkeeping and tax law require records of sales and payments to be kept for several years. ' +
  'They now refer only to an anonymous account number, without your name or email address.';

/** Why a payment still in this state stops the deletion, said to the customer. */
function stillOpenMessage(statuses: readonly PaymentStatus[]): { code: string; message: string } {
  if (statuses.some((s) => s === 'creating' || s === 'unknown'))
    return {
      code: 'payment_outcome_unknown',
      message:
        'We could not yet confirm with Stripe how a payment of yours ended. Your account was not deleted; try again in a few minutes.',
    };
  if (statuses.includes('requires_capture'))
    return {
      code: 'payment_in_progress',
      message:
        'A payment of yours is authorised and waiting for the merchant to capture or release it. Your account was not deleted; try again once it is settled.',
    };
  return {
    code: 'payment_in_progress',
    message:
      'A payment of yours is still being processed by your bank. Your account was not deleted; try again once it is settled.',
  };
}

export class AccountService {
  constructor(private readonly deps: AccountDeps) {}

  async export(userId: string) {
    const {
      auth,
      audit: auditLog,
      clock,
      orders,
      paymentMethods,
      payments,
      stripeCustomers,
    } = this.deps;
    const user = await auth.findUser(userId);
    if (!user) throw notFound('Account');
    const [{ acceptances, sessions: sessionRows }, cards, orderPage, stripeCustomerId, messages] =
      await Promise.all([
        auth.accountRecords(userId),
        paymentMethods.list(userId),
        orders.listForUser(userId, { limit: 100_000 }),
        stripeCustomers.findStripeCustomerId(userId),
        this.deps.emails.messagesOf(userId),
      ]);
    const paymentRows = await payments.records.ofCustomerIn(userId, paymentStatuses);
    const paymentIds = paymentRows.map((p) => p.id);
    const disputes = await this.deps.disputes.ofPayments(paymentIds);
    // Stripe's own copies of their payments, charges, refunds and disputes, as its events sent them.
    const stripeEvents = await this.deps.webhooks.eventsAbout(
      [
        ...paymentRows.flatMap((p) => [p.stripePaymentIntentId, p.stripeChargeId]),
        ...orderPage.data.flatMap((o) => o.refunds.map((r) => r.stripe_refund_id)),
        ...disputes.map((d) => d.stripe_dispute_id),
      ].filter((id): id is string => id !== null),
    );
    // Entries about their orders, payments, refunds and disputes are about them too, whoever acted.
    const audit = await auditLog.ofUser(userId, [
      ...orderPage.data.flatMap((o) => [o.id, ...o.refunds.map((r) => r.id)]),
      ...paymentIds,
      ...disputes.map((d) => d.id),
    ]);
    return {
      exported_at: clock.now().toISOString(),
      profile: {
        id: user.id,
        email: user.email,
        name: user.name,
        role: user.role,
        // What the merchant's backend recorded about them (merchant API); empty for most.
        metadata: user.metadata,
        created_at: user.createdAt.toISOString(),
        updated_at: user.updatedAt.toISOString(),
      },
      legal_acceptances: acceptances.map((a) => ({
        document: a.document,
        version: a.version,
        accepted_at: a.acceptedAt.toISOString(),
        ip: a.ip,
      })),
      sessions: sessionRows.map((s) => ({
        created_at: s.createdAt.toISOString(),
        last_seen_at: s.lastSeenAt.toISOString(),
        ip: s.ip,
        user_agent: s.userAgent,
      })),
      stripe_customer: stripeCustomerId ? { id: stripeCustomerId } : null,
      payment_methods: cards.map((card) => ({
        ...publicPaymentMethod(card),
        fingerprint: card.fingerprint,
      })),
      orders: orderPage.data,
      disputes,
      messages,
      stripe_events: stripeEvents.map((e) => ({
        id: e.stripeEventId,
        type: e.type,
        received_at: e.receivedAt.toISOString(),
        payload: withoutClientSecrets(e.payload),
      })),
      activity: audit.map((e) => ({
        at: e.occurredAt.toISOString(),
        action: e.action,
        by_you: e.actorType === 'user' && e.actorId === userId,
        actor_type: e.actorType,
        target_type: e.targetType,
        target_id: e.targetId,
        ip: e.ip,
        before: e.before,
        after: e.after,
      })),
    };
  }

  /**
   * Deletes the account once the customer has proved, with their current password, that it is
   * them. Payments still open are closed first: one waiting for 3-D Secure is canceled at Stripe,
   * one whose outcome we do not know is settled with Stripe; a payment still in flight after that
   * (unknown, processing, authorised) refuses the deletion with 409. The answer says what was
   * removed and what was kept, anonymised, and why.
   */
  async delete(userId: string, password: string, actor: Actor): Promise<AccountDeletion> {
    const user = await this.deps.auth.findUser(userId);
    if (!user) throw notFound('Account');
    // A session alone is not enough to erase an account: it may be a browser left signed in.
    if (!(await verifyPassword(user.passwordHash, password))) {
      throw new AppError(
        403,
        'password_invalid',
        'The password is incorrect. Your account was not deleted.',
        { field: 'password' },
      );
    }
    return this.erase(user, actor);
  }

  /**
   * The merchant deletes a customer it created (DELETE /api/v1/customers/:id): the same erasure
   * as an account holder's own, for a customer without a password. An account holder deletes
   * their account themselves, proving it with their password (409 `customer_has_account`); an
   * operator or an erased account is not found.
   */
  async deleteCustomer(userId: string, actor: Actor): Promise<AccountDeletion> {
    const user = await this.deps.auth.findLiveCustomer(userId);
    if (!user) throw notFound('Customer');
    if (!(await this.deps.auth.findGuest(userId))) throw hasAccount();
    return this.erase(user, actor);
  }

  private async erase(
    user: { id: string; email: string; name: string },
    actor: Actor,
  ): Promise<AccountDeletion> {
    const { db, clock, provider, auth, audit, orders, payments, paymentMethods, stripeCustomers } =
      this.deps;
    const userId = user.id;
    const { canceled, stillOpen } = await payments.closeOpenPaymentsOf(userId, actor);
    if (stillOpen.length > 0) {
      const { code, message } = stillOpenMessage(stillOpen.map((p) => p.status));
      throw conflict(code, message, {
        details: { payments: stillOpen.map((p) => ({ id: p.id, status: p.status })) },
      });
    }

    // Counted before: what the answer tells the customer.
    const [{ acceptances, sessions }, cards, orderPage, auditEntries] = await Promise.all([
      auth.accountRecords(userId),
      paymentMethods.list(userId),
      orders.listForUser(userId, { limit: 100_000 }),
      audit.ofUser(userId),
    ]);
    const customer = await stripeCustomers.findStripeCustomerId(userId);
    let stripeRequestId: string | null = null;
    if (customer) {
      try {
        stripeRequestId = (await provider.deleteCustomer(customer)).requestId;
      } catch (err) {
        // Already deleted at Stripe: nothing left to remove there.
        if (!(err instanceof AppError && err.status === 404)) throw err;
      }
    }
    const now = clock.now();
    const { messages, storedAnswers } = await db.transaction(async (tx) => {
      await paymentMethods.forgetAll(tx, userId);
      await stripeCustomers.forget(tx, userId);
      const deletedMessages = await this.deps.emails.deleteMessagesOf(tx, userId);
      const deletedAnswers = await this.deps.idempotency.forgetUser(tx, userId);
      // The row stays (orders and payments refer to it) but holds nothing personal any more.
      await auth.erasePersonalData(tx, userId, now);
      await this.deps.events.customerDeleted(tx, userId);
      // The last message: to the address the account had, which the row keeps only until sent.
      await this.deps.emails.accountDeleted(tx, { email: user.email, name: user.name });
      await appendAudit(tx, {
        actorType: actor.type,
        actorId: actor.id,
        action: 'account.deleted',
        targetType: 'user',
        targetId: userId,
        after: {
          stripe_customer_deleted: Boolean(customer),
          personal_data: 'erased',
          canceled_payments: canceled.map((p) => p.id),
        },
        stripeRequestId,
        ip: actor.ip,
        requestId: actor.requestId,
        occurredAt: now,
      });
      return { messages: deletedMessages, storedAnswers: deletedAnswers };
    });
    await auth.personalDataErased();

    const orderRows = orderPage.data;
    const count = <T>(rows: T[]) => rows.length;
    return {
      deleted_at: now.toISOString(),
      canceled_payments: canceled.map((p) => p.id),
      removed: [
        {
          data: 'profile',
          description: 'Your name, email address and password',
          count: 1,
        },
        {
          data: 'sessions',
          description: 'Your sign-ins on every device, with their IP addresses and browsers',
          count: count(sessions),
        },
        {
          data: 'payment_methods',
          description: 'Your saved cards, here and at Stripe',
          count: count(cards),
        },
        {
          data: 'stripe_customer',
          description: 'Your customer record at Stripe',
          count: customer ? 1 : 0,
        },
        {
          data: 'legal_acceptance_ips',
          description:
            'The IP addresses recorded when you accepted the Terms of Service and the Privacy Policy',
          count: count(acceptances.filter((a) => a.ip !== null)),
        },
        {
          data: 'messages',
          description: 'Messages about your payments waiting to be sent to you',
          count: messages,
        },
        {
          data: 'stored_answers',
          description:
            'Copies of our answers to your recent requests, kept for a day so that a repeated request is answered the same',
          count: storedAnswers,
        },
      ],
      kept_anonymised: [
        {
          data: 'orders',
          description: 'Your orders and what they contained',
          count: count(orderRows),
          reason: BOOKKEEPING,
        },
        {
          data: 'payments',
          description:
            'Your payments, with the card brand and its last 4 digits as on a receipt (never the card number)',
          count: orderRows.reduce((n, o) => n + o.payments.length, 0),
          reason: BOOKKEEPING,
        },
        {
          data: 'refunds',
          description: 'Refunds of your payments',
          count: orderRows.reduce((n, o) => n + o.refunds.length, 0),
          reason: BOOKKEEPING,
        },
        {
          data: 'legal_acceptances',
          description: 'Which version of the Terms and the Privacy Policy you accepted, and when',
          count: count(acceptances),
          reason: 'Proof of the terms that applied to your past orders, in case of a dispute.',
        },
        {
          data: 'audit_entries',
          description: 'The security log of actions on your account and payments',
          count: count(auditEntries) + 1,
          reason:
            'The log is append-only and tamper-evident, kept for security and fraud prevention; it refers to the anonymous account number, with the IP address of each request until its retention period ends.',
        },
      ],
    };
  }
}
