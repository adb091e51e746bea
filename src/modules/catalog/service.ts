// The catalog: products with server-side prices. Orders copy name and price at creation, so a
// later price change never alters an order.
import type { Db, DbOrTx } from '../../db/client.ts';
import type { Clock } from '../../lib/clock.ts';
import { badRequest, notFound } from '../../lib/errors.ts';
import { checkChargeAmount } from '../../lib/money.ts';
import { appendAudit } from '../audit/audit-log.ts';
import type { Actor } from '../audit/actor.ts';
import * as repo from './repository.ts';
import type { ProductRow } from './repository.ts';

export type { ProductRow } from './repository.ts';

export function publicProduct(p: ProductRow) {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    unit_amount: p.unitAmount,
    currency: p.currency,
    active: p.active,
  };
}

export interface ProductInput {
  name?: string;
  description?: string;
  unit_amount?: number;
  currency?: string;
  active?: boolean;
}

export const demoProducts = [
  {
    name: 'Espresso beans, 1 kg',
    description: 'Single-origin, roasted weekly.',
    unitAmount: 2400,
    currency: 'usd',
  },
  {
    name: 'Pour-over kettle',
    description: 'Gooseneck, 1 litre, stainless steel.',
    unitAmount: 5900,
    currency: 'usd',
  },
  {
    name: 'Ceramic dripper',
    description: 'Hand-thrown; fits #2 filters.',
    unitAmount: 3200,
    currency: 'usd',
  },
  { name: 'Paper filters (100)', description: 'Unbleached.', unitAmount: 600, currency: 'usd' },
  {
    name: 'Barista course',
    description: 'A two-hour class, online.',
    unitAmount: 12000,
    currency: 'usd',
  },
];

export class CatalogService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  listActive(): Promise<ProductRow[]> {
    return repo.listProducts(this.db, { activeOnly: true });
  }

  listAll(): Promise<ProductRow[]> {
    return repo.listProducts(this.db, { activeOnly: false });
  }

  findMany(tx: DbOrTx, ids: string[]): Promise<ProductRow[]> {
    return repo.findProducts(tx, ids);
  }

  async create(
    input: Required<Pick<ProductInput, 'name' | 'unit_amount' | 'currency'>> & ProductInput,
    actor: Actor,
  ) {
    this.checkPrice(input.unit_amount, input.currency);
    return this.db.transaction(async (tx) => {
      const [row] = await repo.insertProducts(tx, [
        {
          name: input.name.trim(),
          description: input.description ?? '',
          unitAmount: input.unit_amount,
          currency: input.currency,
          active: input.active ?? true,
          createdAt: this.clock.now(),
          updatedAt: this.clock.now(),
        },
      ]);
      await this.audit(tx, 'product.created', row!, null, actor);
      return row!;
    });
  }

  async update(id: string, input: ProductInput, actor: Actor) {
    return this.db.transaction(async (tx) => {
      const before = await repo.findProductForUpdate(tx, id);
      if (!before) throw notFound('Product');
      const unitAmount = input.unit_amount ?? before.unitAmount;
      const currency = input.currency ?? before.currency;
      this.checkPrice(unitAmount, currency);
      const row = await repo.updateProduct(tx, id, {
        ...(input.name !== undefined ? { name: input.name.trim() } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.active !== undefined ? { active: input.active } : {}),
        unitAmount,
        currency,
        updatedAt: this.clock.now(),
      });
      await this.audit(tx, 'product.updated', row, before, actor);
      return row;
    });
  }

  /** Seeds the demo catalog when there are no products at all. */
  async seedDemo(): Promise<void> {
    if (await repo.hasProducts(this.db)) return;
    const now = this.clock.now().getTime();
    await repo.insertProducts(
      this.db,
      // Distinct creation times keep the demo catalog in a stable order.
      demoProducts.map((p, i) => ({
        ...p,
        createdAt: new Date(now + i),
        updatedAt: new Date(now + i),
      })),
    );
  }

  private checkPrice(amount: number, currency: string) {
    const problem = checkChargeAmount(amount, currency);
    if (problem && problem.code !== 'amount_too_small') {
      throw badRequest(problem.code, problem.message, {
        field: problem.code === 'currency_not_supported' ? 'currency' : 'unit_amount',
      });
    }
  }

  private async audit(
    tx: DbOrTx,
    action: string,
    after: ProductRow,
    before: ProductRow | null,
    actor: Actor,
  ) {
    await appendAudit(tx, {
      actorType: actor.type,
      actorId: actor.id,
      action,
      targetType: 'product',
      targetId: after.id,
      before: before ? publicProduct(before) : null,
      after: publicProduct(after),
      ip: actor.ip,
      requestId: actor.requestId,
      occurredAt: this.clock.now(),
    });
  }
}
