// One Stripe customer per user, created on first need. Two parallel first payments must not
// create two customers: both use the same idempotency key (derived from the user id), so Stripe
// returns the same customer to both, and the insert keeps whichever row landed first.
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { stripeCustomers } from '../../db/schema.ts';
import type { PaymentProvider } from '../../stripe/provider.ts';

export class CustomersService {
  constructor(
    private readonly db: Db,
    private readonly provider: PaymentProvider,
  ) {}

  async findStripeCustomerId(userId: string): Promise<string | undefined> {
    const [row] = await this.db
      .select()
      .from(stripeCustomers)
      .where(eq(stripeCustomers.userId, userId));
    return row?.stripeCustomerId;
  }

  async ensureStripeCustomer(userId: string): Promise<string> {
    const existing = await this.findStripeCustomerId(userId);
    if (existing) return existing;
    const created = await this.provider.createCustomer({ userId }, `paydeck-customer-${userId}`);
    await this.db
      .insert(stripeCustomers)
      .values({ userId, stripeCustomerId: created.value.id })
      .onConflictDoNothing();
    const stored = await this.findStripeCustomerId(userId);
    return stored ?? created.value.id;
  }
}
