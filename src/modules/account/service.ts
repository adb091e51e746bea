// The customer's own data: export everything we hold about them, and delete the account.
// Deletion removes the Stripe customer (and with it the saved cards), erases personal data here
// and keeps financial records (orders, payments, refunds, audit entries) under the now
// pseudonymous user id, as the law requires (see the Privacy Policy).
import { and, eq, inArray, or } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import {
  auditEntries,
  legalAcceptances,
  paymentMethods,
  payments,
  sessions,
  stripeCustomers,
  users,
} from '../../db/schema.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError, conflict, notFound } from '../../lib/errors.ts';
import type { PaymentProvider } from '../../stripe/provider.ts';
import { appendAudit } from '../audit/audit-log.ts';
import type { Actor } from '../audit/actor.ts';
import { verifyPassword } from '../auth/passwords.ts';
import type { OrdersService } from '../orders/service.ts';
import { publicPaymentMethod } from '../payment-methods/service.ts';

const IN_FLIGHT = [
  'creating',
  'unknown',
  'processing',
  'requires_action',
  'requires_capture',
] as const;

export class AccountService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly provider: PaymentProvider,
    private readonly orders: OrdersService,
  ) {}

  async export(userId: string) {
    const [user] = await this.db.select().from(users).where(eq(users.id, userId));
    if (!user) throw notFound('Account');
    const [acceptances, cards, sessionRows, audit, orderPage] = await Promise.all([
      this.db.select().from(legalAcceptances).where(eq(legalAcceptances.userId, userId)),
      this.db.select().from(paymentMethods).where(eq(paymentMethods.userId, userId)),
      this.db.select().from(sessions).where(eq(sessions.userId, userId)),
      this.db
        .select()
        .from(auditEntries)
        .where(or(eq(auditEntries.actorId, userId), eq(auditEntries.targetId, userId))),
      this.orders.listForUser(userId, { limit: 100_000 }),
    ]);
    return {
      exported_at: this.clock.now().toISOString(),
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
    const [user] = await this.db
      .select({ passwordHash: users.passwordHash })
      .from(users)
      .where(eq(users.id, userId));
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
    const busy = await this.db
      .select({ id: payments.id })
      .from(payments)
      .where(and(eq(payments.userId, userId), inArray(payments.status, [...IN_FLIGHT])))
      .limit(1);
    if (busy.length) {
      throw conflict(
        'payment_in_progress',
        'A payment of yours is still being processed or awaiting capture. Try again once it is settled.',
      );
    }
    const [customer] = await this.db
      .select()
      .from(stripeCustomers)
      .where(eq(stripeCustomers.userId, userId));
    let stripeRequestId: string | null = null;
    if (customer) {
      try {
        stripeRequestId = (await this.provider.deleteCustomer(customer.stripeCustomerId)).requestId;
      } catch (err) {
        // Already deleted at Stripe: nothing left to remove there.
        if (!(err instanceof AppError && err.status === 404)) throw err;
      }
    }
    const now = this.clock.now();
    await this.db.transaction(async (tx) => {
      await tx.delete(paymentMethods).where(eq(paymentMethods.userId, userId));
      await tx.delete(stripeCustomers).where(eq(stripeCustomers.userId, userId));
      await tx.delete(sessions).where(eq(sessions.userId, userId));
      // The row stays (orders and payments refer to it) but holds nothing personal any more.
      await tx
        .update(users)
        .set({
          email: `deleted-${userId}@deleted.invalid`,
          name: 'Deleted user',
          passwordHash: '!deleted',
          updatedAt: now,
        })
        .where(eq(users.id, userId));
      await tx
        .update(legalAcceptances)
        .set({ ip: null })
        .where(eq(legalAcceptances.userId, userId));
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
