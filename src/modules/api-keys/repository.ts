import { and, desc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { builtOnce } from '../../db/prepared.ts';
import { apiKeys } from '../../db/schema.ts';

export type ApiKeyRow = typeof apiKeys.$inferSelect;

export async function insertKey(
  tx: DbOrTx,
  values: typeof apiKeys.$inferInsert,
): Promise<ApiKeyRow> {
  const [row] = await tx.insert(apiKeys).values(values).returning();
  return row!;
}

export function listKeys(tx: DbOrTx): Promise<ApiKeyRow[]> {
  return tx.select().from(apiKeys).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}

export async function findKey(
  tx: DbOrTx,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<ApiKeyRow | undefined> {
  const query = tx.select().from(apiKeys).where(eq(apiKeys.id, id));
  const [row] = options.forUpdate ? await query.for('update') : await query;
  return row;
}

const keyByHash = builtOnce((db) =>
  db
    .select()
    .from(apiKeys)
    .where(eq(apiKeys.keyHash, sql.placeholder('keyHash')))
    .prepare(''),
);

export async function findByHash(tx: DbOrTx, keyHash: string): Promise<ApiKeyRow | undefined> {
  const built = keyByHash(tx);
  if (built) return (await built.execute({ keyHash }))[0];
  const [row] = await tx.select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash));
  return row;
}

export async function revokeKey(tx: DbOrTx, id: string, at: Date): Promise<ApiKeyRow> {
  const [row] = await tx
    .update(apiKeys)
    .set({ revokedAt: at })
    .where(eq(apiKeys.id, id))
    .returning();
  return row!;
}

/** Records a use, unless one was recorded after `notBefore` (at most one write per interval). */
export async function touchKey(tx: DbOrTx, id: string, at: Date, notBefore: Date): Promise<void> {
  await tx
    .update(apiKeys)
    .set({ lastUsedAt: at })
    .where(
      and(
        eq(apiKeys.id, id),
        isNull(apiKeys.revokedAt),
        or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, notBefore)),
      ),
    );
}
