// The customer's wallet. Cards are collected by Stripe Elements; we receive only pm_… ids, check
// who owns them at Stripe before acting, and keep brand, last 4, expiry and fingerprint.
import type { Db, DbOrTx } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import { AppError, notFound } from '../../lib/errors.ts';
import { randomToken } from '../../lib/crypto.ts';
import { answerOrThrow, callProvider } from '../../stripe/call-provider.ts';
import type { CardDetails, PaymentProvider } from '../../stripe/provider.ts';
import { appendAudit } from '../audit/audit-log.ts';
import type { Actor } from '../audit/actor.ts';
import type { StripeCustomersService } from '../customers/service.ts';
import { customerMessage } from '../payments/declines.ts';
import * as repo from './repository.ts';

export function publicPaymentMethod(row: repo.PaymentMethodRow) {
  return {
    id: row.stripePaymentMethodId,
    brand: row.brand,
    last4: row.last4,
    exp_month: row.expMonth,
    exp_year: row.expYear,
    is_default: row.isDefault,
    created_at: row.createdAt.toISOString(),
  };
}

export class PaymentMethodsService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly provider: PaymentProvider,
    private readonly customers: Pick<StripeCustomersService, 'ensureStripeCustomer'>,
  ) {}

  async createSetupIntent(userId: string, idempotencyKey: string | undefined) {
    const customerId = await this.customers.ensureStripeCustomer(userId);
    const key = `paydeck-seti-${userId}-${idempotencyKey ?? randomToken(12)}`;
    const { value } = answerOrThrow(
      await callProvider('setup_intents.create', key, (k) =>
        this.provider.createSetupIntent(customerId, k),
      ),
    );
    return { client_secret: value.clientSecret, setup_intent_id: value.id };
  }

  /**
   * Checks a pm_… id can be used by this user: it exists at Stripe and belongs to nobody else.
   * Another customer's card answers 404, exactly like a card that does not exist.
   */
  async checkOwnership(
    userId: string,
    stripePaymentMethodId: string,
  ): Promise<{ card: CardDetails; customerId: string }> {
    const saved = await repo.findByStripeId(this.db, stripePaymentMethodId);
    if (saved && saved.userId !== userId) throw notFound('Payment method');
    const customerId = await this.customers.ensureStripeCustomer(userId);
    let card: CardDetails;
    try {
      card = (await this.provider.retrievePaymentMethod(stripePaymentMethodId)).value;
    } catch (err) {
      if (err instanceof AppError && err.status === 404) throw notFound('Payment method');
      throw err;
    }
    if (card.customerId && card.customerId !== customerId) throw notFound('Payment method');
    return { card, customerId };
  }

  /** Saves a card to the wallet (attaching it to the user's Stripe customer). Idempotent. */
  async add(
    userId: string,
    stripePaymentMethodId: string,
    actor: Actor,
  ): Promise<{ row: repo.PaymentMethodRow; created: boolean }> {
    const existing = await repo.findForUser(this.db, userId, stripePaymentMethodId);
    if (existing) return { row: existing, created: false };
    const { card, customerId } = await this.checkOwnership(userId, stripePaymentMethodId);
    let attached = card;
    let requestId: string | null = null;
    if (!card.customerId) {
      try {
        const answer = answerOrThrow(
          await callProvider(
            'payment_methods.attach',
            `paydeck-attach-${stripePaymentMethodId}-${customerId}`,
            (key) => this.provider.attachPaymentMethod(stripePaymentMethodId, customerId, key),
          ),
        );
        attached = answer.value;
        requestId = answer.requestId;
      } catch (err) {
        // Stripe refuses to attach cards that decline; say so in words a customer understands.
        if (err instanceof AppError && err.status === 402) {
          const declineCode = (err.details?.decline_code as string | null | undefined) ?? null;
          throw new AppError(402, err.code, customerMessage(err.code, declineCode), {
            details: { decline_code: declineCode },
            field: 'payment_method_id',
          });
        }
        throw err;
      }
    }
    return this.record(userId, customerId, attached, requestId, actor);
  }

  /** Records a card already attached at Stripe (e.g. saved during a payment). */
  async record(
    userId: string,
    customerId: string,
    card: CardDetails,
    stripeRequestId: string | null,
    actor: Actor,
  ): Promise<{ row: repo.PaymentMethodRow; created: boolean }> {
    const result = await this.db.transaction(async (tx) => {
      const isFirst = !(await repo.findDefault(tx, userId));
      const row = await repo.insert(tx, {
        userId,
        stripePaymentMethodId: card.id,
        brand: card.brand,
        last4: card.last4,
        expMonth: card.expMonth,
        expYear: card.expYear,
        fingerprint: card.fingerprint,
        isDefault: isFirst,
        createdAt: this.clock.now(),
      });
      if (!row) {
        const existing = await repo.findForUser(tx, userId, card.id);
        if (!existing) throw notFound('Payment method');
        return { row: existing, created: false };
      }
      await appendAudit(tx, {
        actorType: actor.type,
        actorId: actor.id,
        action: 'payment_method.added',
        targetType: 'payment_method',
        targetId: card.id,
        after: publicPaymentMethod(row),
        stripeRequestId,
        ip: actor.ip,
        requestId: actor.requestId,
        occurredAt: this.clock.now(),
      });
      return { row, created: true };
    });
    if (result.created && result.row.isDefault) {
      answerOrThrow(
        await callProvider(
          'customers.update',
          `paydeck-default-${customerId}-${card.id}-${result.row.id}`,
          (key) => this.provider.setDefaultPaymentMethod(customerId, card.id, key),
        ),
      );
    }
    return result;
  }

  list(userId: string) {
    return repo.listForUser(this.db, userId);
  }

  /** A card in the user's wallet, by our id or its pm_… id. */
  findSaved(userId: string, id: string): Promise<repo.PaymentMethodRow | undefined> {
    return repo.findForUser(this.db, userId, id);
  }

  findDefault(userId: string): Promise<repo.PaymentMethodRow | undefined> {
    return repo.findDefault(this.db, userId);
  }

  /** Whether anyone's wallet holds this pm_… id. */
  async isSaved(stripePaymentMethodId: string): Promise<boolean> {
    return (await repo.findByStripeId(this.db, stripePaymentMethodId)) !== undefined;
  }

  defaultCardsOf(userIds: string[]): Promise<repo.PaymentMethodRow[]> {
    return repo.defaultCards(this.db, userIds);
  }

  /** Forgets every card of the user (account deletion; Stripe's copies went with the customer). */
  forgetAll(tx: DbOrTx, userId: string): Promise<void> {
    return repo.removeAllOf(tx, userId);
  }

  async remove(userId: string, id: string, actor: Actor): Promise<void> {
    const row = await repo.findForUser(this.db, userId, id);
    if (!row) throw notFound('Payment method');
    try {
      answerOrThrow(
        await callProvider('payment_methods.detach', `paydeck-detach-${row.id}`, (key) =>
          this.provider.detachPaymentMethod(row.stripePaymentMethodId, key),
        ),
      );
    } catch (err) {
      // Already detached at Stripe (or gone): removing it here is still right.
      if (!(
        err instanceof AppError &&
        (err.status === 404 || err.code === 'payment_method_unexpected_state')
      ))
        throw err;
    }
    await this.db.transaction(async (tx) => {
      await repo.remove(tx, row.id);
      if (row.isDefault) {
        const [next] = await repo.listForUser(tx, userId);
        if (next) await repo.setDefault(tx, userId, next.id);
      }
      await appendAudit(tx, {
        actorType: actor.type,
        actorId: actor.id,
        action: 'payment_method.removed',
        targetType: 'payment_method',
        targetId: row.stripePaymentMethodId,
        before: publicPaymentMethod(row),
        ip: actor.ip,
        requestId: actor.requestId,
        occurredAt: this.clock.now(),
      });
    });
  }

  async setDefault(userId: string, id: string, actor: Actor): Promise<repo.PaymentMethodRow> {
    const row = await repo.findForUser(this.db, userId, id);
    if (!row) throw notFound('Payment method');
    const customerId = await this.customers.ensureStripeCustomer(userId);
    const answer = answerOrThrow(
      await callProvider(
        'customers.update',
        `paydeck-default-${customerId}-${row.stripePaymentMethodId}-${randomToken(8)}`,
        (key) => this.provider.setDefaultPaymentMethod(customerId, row.stripePaymentMethodId, key),
      ),
    );
    return this.db.transaction(async (tx) => {
      await repo.setDefault(tx, userId, row.id);
      await appendAudit(tx, {
        actorType: actor.type,
        actorId: actor.id,
        action: 'payment_method.default_set',
        targetType: 'payment_method',
        targetId: row.stripePaymentMethodId,
        stripeRequestId: answer.requestId,
        ip: actor.ip,
        requestId: actor.requestId,
        occurredAt: this.clock.now(),
      });
      return (await repo.findForUser(tx, userId, row.id))!;
    });
  }
}
