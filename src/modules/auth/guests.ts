// Customers without a password (ADR 030): the merchant API creates them, and they pay through
// signed checkout links. A link opens a session that reaches only that order's checkout; the
// customer becomes an account holder the day they set a password through "forgot password".
import type { Db, DbOrTx } from '../../db/client.ts';
import { isUniqueViolation } from '../../db/errors.ts';
import type { Clock } from '../../lib/clock.ts';
import { conflict, forbidden, notFound } from '../../lib/errors.ts';
import { appendAudit } from '../audit/audit-log.ts';
import type { Actor } from '../audit/actor.ts';
import * as repo from './repository.ts';
import { normaliseEmail, toPublicUser, type RequestMeta, type SignedIn } from './service.ts';
import type { SessionStore } from './sessions.ts';

export interface GuestInput {
  email: string;
  name?: string | undefined;
  metadata?: Record<string, string> | undefined;
}

export interface CustomerChanges {
  email?: string | undefined;
  name?: string | undefined;
  metadata?: Record<string, string> | undefined;
}

const emailTaken = () =>
  conflict('email_taken', 'A customer with this email already exists.', { field: 'email' });

/** What the merchant API may not do to a customer who signs in with a password. */
export const hasAccount = () =>
  conflict(
    'customer_has_account',
    'This customer has an account with a password: they change their email and delete their account themselves.',
    { field: 'email' },
  );

export class GuestCustomers {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly sessions: SessionStore,
    private readonly events: {
      customerCreated(tx: DbOrTx, user: repo.UserRow): Promise<void>;
    },
  ) {}

  /** A customer without a password; 409 `email_taken` when the email already has a user. */
  async create(input: GuestInput, actor: Actor): Promise<repo.UserRow> {
    const now = this.clock.now();
    return this.db.transaction(async (tx) => {
      const user = await repo.insertUser(tx, {
        email: normaliseEmail(input.email),
        name: input.name?.trim() ?? '',
        passwordHash: repo.GUEST_PASSWORD_HASH,
        role: 'customer',
        metadata: input.metadata ?? {},
      });
      if (!user) throw emailTaken();
      await this.events.customerCreated(tx, user);
      await appendAudit(tx, {
        actorType: actor.type,
        actorId: actor.id,
        action: 'customer.created',
        targetType: 'user',
        targetId: user.id,
        after: { role: 'customer', guest: true, metadata_keys: Object.keys(user.metadata) },
        ip: actor.ip,
        requestId: actor.requestId,
        occurredAt: now,
      });
      return user;
    });
  }

  /**
   * Changes a customer's email, name or metadata (not an operator's; not an erased account). The
   * email only of a customer without a password: moving an account holder's address would let
   * whoever holds the API key reset their password and take the account (ADR 030).
   */
  async update(userId: string, changes: CustomerChanges, actor: Actor): Promise<repo.UserRow> {
    const now = this.clock.now();
    const email = changes.email === undefined ? undefined : normaliseEmail(changes.email);
    try {
      return await this.sessions.changing(async (tx) => {
        // Read and locked in the change's transaction: an erasure or another change committing
        // meanwhile is seen, never written over.
        const user = await repo.findUserForUpdate(tx, userId);
        if (!user || user.role !== 'customer' || repo.isErased(user)) throw notFound('Customer');
        if (email !== undefined && email !== user.email && !repo.isGuest(user)) throw hasAccount();
        const updated = await repo.updateCustomer(
          tx,
          user,
          { email, name: changes.name?.trim(), metadata: changes.metadata },
          now,
        );
        await appendAudit(tx, {
          actorType: actor.type,
          actorId: actor.id,
          action: 'customer.updated',
          targetType: 'user',
          targetId: user.id,
          // Which fields changed, never their values: they are personal data.
          after: {
            changed: Object.keys(changes).filter(
              (k) => changes[k as keyof CustomerChanges] !== undefined,
            ),
          },
          ip: actor.ip,
          requestId: actor.requestId,
          occurredAt: now,
        });
        return updated;
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw emailTaken();
      throw err;
    }
  }

  /**
   * Opens a session for the customer of an order whose checkout link was checked: it reaches
   * only that order's checkout. A customer with a password signs in instead (403
   * `sign_in_required`), so a forwarded link never opens an account.
   */
  async openCheckout(
    order: { id: string; userId: string },
    meta: RequestMeta,
    previousSessionId?: string,
  ): Promise<SignedIn> {
    return this.sessions.replacing(previousSessionId, async (tx) => {
      // Checked in the transaction, row locked: a password set meanwhile (reset) is seen.
      const user = await repo.findUserForUpdate(tx, order.userId);
      if (!user || !repo.isGuest(user)) {
        throw forbidden(
          'This customer has an account: sign in to pay this order.',
          'sign_in_required',
        );
      }
      const session = await this.sessions.create(tx, user.id, meta, { checkoutOrderId: order.id });
      await appendAudit(tx, {
        actorType: 'user',
        actorId: user.id,
        action: 'session.created',
        targetType: 'order',
        targetId: order.id,
        after: { by: 'checkout_link' },
        ip: meta.ip,
        requestId: meta.requestId,
        occurredAt: this.clock.now(),
      });
      return { user: toPublicUser(user), secondFactorPending: false, ...session };
    });
  }
}
