// Data access for the catalog: the only code that reads or writes `products`.
import { asc, eq, inArray } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { products } from '../../db/schema.ts';

export type ProductRow = typeof products.$inferSelect;
export type NewProduct = typeof products.$inferInsert;
export type ProductChanges = Partial<
  Pick<NewProduct, 'name' | 'description' | 'active' | 'unitAmount' | 'currency' | 'updatedAt'>
>;

/** Oldest first, then by name. */
export function listProducts(tx: DbOrTx, options: { activeOnly: boolean }): Promise<ProductRow[]> {
  return tx
    .select()
    .from(products)
    .where(options.activeOnly ? eq(products.active, true) : undefined)
    .orderBy(asc(products.createdAt), asc(products.name));
}

export function findProducts(tx: DbOrTx, ids: string[]): Promise<ProductRow[]> {
  return ids.length
    ? tx.select().from(products).where(inArray(products.id, ids))
    : Promise.resolve([]);
}

export async function findProductForUpdate(
  tx: DbOrTx,
  id: string,
): Promise<ProductRow | undefined> {
  const [row] = await tx.select().from(products).where(eq(products.id, id)).for('update');
  return row;
}

export async function insertProducts(tx: DbOrTx, values: NewProduct[]): Promise<ProductRow[]> {
  return tx.insert(products).values(values).returning();
}

export async function updateProduct(
  tx: DbOrTx,
  id: string,
  values: ProductChanges,
): Promise<ProductRow> {
  const [row] = await tx.update(products).set(values).where(eq(products.id, id)).returning();
  return row!;
}

export async function hasProducts(tx: DbOrTx): Promise<boolean> {
  const [any] = await tx.select({ id: products.id }).from(products).limit(1);
  return any !== undefined;
}
