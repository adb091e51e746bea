// Customers as the merchant API and the console see them: lookup by id or email, lists, and
// the public view with the default card (from the wallet, wired in server/services.ts).
import type { Db } from '../../../db/client.ts';
import { badRequest, notFound } from '../../../lib/errors.ts';
import type { Page } from '../../../lib/text-search.ts';
import * as repo from '../repository.ts';
import type { CustomerRow } from '../repository.ts';

export interface DefaultCard {
  userId: string;
  stripePaymentMethodId: string;
  brand: string;
  last4: string;
}

export interface DefaultCards {
  defaultCardsOf(userIds: string[]): Promise<DefaultCard[]>;
}

export function publicCustomer(user: CustomerRow, card: DefaultCard | undefined) {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    metadata: user.metadata,
    // A password hash, not a marker ('!guest' for the API's customers, '!deleted').
    has_account: !user.passwordHash.startsWith('!'),
    created_at: user.createdAt.toISOString(),
    default_payment_method: card
      ? { id: card.stripePaymentMethodId, brand: card.brand, last4: card.last4 }
      : null,
  };
}
export type PublicCustomer = ReturnType<typeof publicCustomer>;

export class CustomerDirectory {
  constructor(
    private readonly db: Db,
    private readonly cards: DefaultCards,
  ) {}

  /** The customer an order is for: by id or by email, exactly one of them; 404 if unknown. */
  async resolve(input: {
    customer_id?: string | undefined;
    customer_email?: string | undefined;
  }): Promise<CustomerRow> {
    if (input.customer_id && input.customer_email) {
      throw badRequest('validation_failed', 'Give customer_id or customer_email, not both.', {
        field: 'customer_email',
      });
    }
    if (!input.customer_id && !input.customer_email) {
      throw badRequest('validation_failed', 'customer_id or customer_email is required.', {
        field: 'customer_id',
      });
    }
    const user = await repo.findCustomer(
      this.db,
      input.customer_id ? { id: input.customer_id } : { email: input.customer_email! },
    );
    if (!user) throw notFound('Customer');
    return user;
  }

  async list(filter: repo.CustomerFilter, page: Page) {
    const rows = await repo.listCustomers(this.db, filter, { ...page, limit: page.limit + 1 });
    const data = await this.views(rows.slice(0, page.limit));
    return { data, has_more: rows.length > page.limit };
  }

  async get(id: string): Promise<PublicCustomer> {
    const user = await repo.findCustomer(this.db, { id });
    if (!user) throw notFound('Customer');
    return (await this.views([user]))[0]!;
  }

  /** The public view of a user (any role), or undefined when there is no such user. */
  async view(userId: string): Promise<PublicCustomer | undefined> {
    const [user] = await repo.usersByIds(this.db, [userId]);
    return user ? (await this.views([user]))[0] : undefined;
  }

  /** Emails by user id (the console's payment list). */
  async emails(userIds: string[]): Promise<Map<string, string>> {
    return new Map((await repo.usersByIds(this.db, userIds)).map((u) => [u.id, u.email]));
  }

  /** Users with exactly this email, or every word of `text` in their name. */
  idsMatching(text: string): Promise<string[]> {
    return repo.idsMatching(this.db, text);
  }

  private async views(rows: CustomerRow[]): Promise<PublicCustomer[]> {
    const cards = new Map(
      (await this.cards.defaultCardsOf(rows.map((u) => u.id))).map((c) => [c.userId, c]),
    );
    return rows.map((u) => publicCustomer(u, cards.get(u.id)));
  }
}
