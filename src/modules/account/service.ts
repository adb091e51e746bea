// The customer's own data: export everything we hold about them, and delete the account.
// Deletion removes the Stripe customer (and with it the saved cards), erases personal data here
// and keeps financial records (orders, payments, refunds, audit entries) under the now
// pseudonymous user id, as the law requires (see the Privacy Policy).
import type { Db } from '../../db/client.ts';
import type { PaymentStatus } from '../../db/statuses.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError, conflict, notFound } from '../../lib/errors.ts';
import type { PaymentProvider } from '../../stripe/provider.ts';
import { appendAudit } from '../audit/audit-log.ts';
import type { Actor } from '../audit/actor.ts';
import type { AuditService } from '../audit/service.ts';
import { verifyPassword } from '../auth/passwords.ts';
import type { AuthService } from '../auth/service.ts';
import type { StripeCustomersService } from '../customers/service.ts';
import type { OrdersService } from '../orders/service.ts';
import { publicPaymentMethod, type PaymentMethodsService } from '../payment-methods/service.ts';
import type { PaymentRecords } from '../payments/service.ts';

const IN_FLIGHT: readonly PaymentStatus[] = [
  'creating',
  'unknown',
  'processing',
  'requires_action',
  'requires_capture',
];

/** The components whose data about a customer the account exports or erases. */
export interface AccountDeps {
  db: Db;
  clock: Clock;
  provider: PaymentProvider;
  auth: AuthService;
  audit: AuditService;
  orders: OrdersService;
  payments: Pick<PaymentRecords, 'customerHasPaymentIn'>;
  paymentMethods: PaymentMethodsService;
  stripeCustomers: StripeCustomersService;
}

export class AccountService {
  constructor(private readonly deps: AccountDeps) {}

  async export(userId: string) {
    const { auth, audit: auditLog, clock, orders, paymentMethods } = this.deps;
    const user = await auth.findUser(userId);
    if (!user) throw notFound('Account');
    const [{ acceptances, sessions: sessionRows }, cards, audit, orderPage] = await Promise.all([
      auth.accountRecords(userId),
      paymentMethods.list(userId),
      auditLog.ofUser(userId),
      orders.listForUser(userId, { limit: 100_000 }),
    ]);
    return {
      exported_at: clock.now().toISOString(),
      profile: {
        id: user.id,
        email: user.email,
        name: user.name,
        role: user.role,
        created_at: user.createdAt.toISOString(),
      },
      legal_acceptances: acceptances.map((a) => ({
        document: a.document,
        version: a.version,
        accepted_at: a.acceptedAt.toISOString(),
        ip: a.ip,
      })),
      payment_methods: cards.map(publicPaymentMethod),
      orders: orderPage.data,
      sessions: sessionRows.map((s) => ({
        created_at: s.createdAt.toISOString(),
        last_seen_at: s.lastSeenAt.toISOString(),
        ip: s.ip,
        user_agent: s.userAgent,
      })),
      activity: audit.map((e) => ({
        at: e.occurredAt.toISOString(),
        action: e.action,
        target_type: e.targetType,
        target_id: e.targetId,
      })),
    };
  }

  /** Deletes the account once the customer has proved, with their current password, that it is them. */
  async delete(userId: string, password: string, actor: Actor): Promise<void> {
    const { db, clock, provider, auth, payments, paymentMethods, stripeCustomers } = this.deps;
    const user = await auth.findUser(userId);
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
    if (await payments.customerHasPaymentIn(userId, IN_FLIGHT)) {
      throw conflict(
        'payment_in_progress',
        'A payment of yours is still being processed or awaiting capture. Try again once it is settled.',
      );
    }
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
    await db.transaction(async (tx) => {
      await paymentMethods.forgetAll(tx, userId);
      await stripeCustomers.forget(tx, userId);
      // The row stays (orders and payments refer to it) but holds nothing personal any more.
      await auth.erasePersonalData(tx, userId, now);
      await appendAudit(tx, {
        actorType: actor.type,
        actorId: actor.id,
        action: 'account.deleted',
        targetType: 'user',
        targetId: userId,
        after: { stripe_customer_deleted: Boolean(customer), personal_data: 'erased' },
        stripeRequestId,
        ip: actor.ip,
        requestId: actor.requestId,
        occurredAt: now,
      });
    });
  }
}
