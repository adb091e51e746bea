// One Stripe customer per user, created on first need. Two parallel first payments must not
// create two customers: both use the same idempotency key (derived from the user id), so Stripe
// returns the same customer to both, and the insert keeps whichever row landed first.
import type { Db, DbOrTx } from '../../../db/client.ts';
import { answerOrThrow, callProvider } from '../../../stripe/call-provider.ts';
import type { PaymentProvider } from '../../../stripe/provider.ts';
import * as repo from '../repository.ts';

export class StripeCustomersService {
  constructor(
    private readonly db: Db,
    private readonly provider: PaymentProvider,
  ) {}

  findStripeCustomerId(userId: string): Promise<string | undefined> {
    return repo.findStripeCustomerId(this.db, userId);
  }

  async ensureStripeCustomer(userId: string): Promise<string> {
    const existing = await this.findStripeCustomerId(userId);
    if (existing) return existing;
    const created = answerOrThrow(
      await callProvider('customers.create', `paydeck-customer-${userId}`, (key) =>
        this.provider.createCustomer({ userId }, key),
      ),
    );
    await repo.insertStripeCustomer(this.db, userId, created.value.id);
    const stored = await this.findStripeCustomerId(userId);
    return stored ?? created.value.id;
  }

  /** Forgets the user's Stripe customer (account deletion; Stripe's copy is deleted first). */
  forget(tx: DbOrTx, userId: string): Promise<void> {
    return repo.deleteStripeCustomer(tx, userId);
  }
}
