// Query pieces shared by the repositories' list functions: created-at ranges and keyset pages
// (newest first; the cursor is the last id of the previous page).
import { and, eq, gte, lt, lte, or, type SQL } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { CreatedRange } from '../lib/text-search.ts';
import type { DbOrTx } from './client.ts';

export function createdConditions(column: PgColumn, range: CreatedRange): SQL[] {
  const out: SQL[] = [];
  if (range.gte) out.push(gte(column, range.gte));
  if (range.lte) out.push(lte(column, range.lte));
  return out;
}

/** Rows strictly after the cursor row in (created_at desc, id desc) order. */
export async function afterCursor(
  tx: DbOrTx,
  table: PgTable,
  idColumn: PgColumn,
  createdColumn: PgColumn,
  cursorId: string | undefined,
) {
  if (!cursorId) return undefined;
  const [cursor] = (await tx
    .select({ id: idColumn, createdAt: createdColumn })
    .from(table)
    .where(eq(idColumn, cursorId))) as Array<{ id: string; createdAt: Date }>;
  if (!cursor) return undefined;
  return or(
    lt(createdColumn, cursor.createdAt),
    and(eq(createdColumn, cursor.createdAt), lt(idColumn, cursor.id)),
  );
}
