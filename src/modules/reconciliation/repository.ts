// Data access for reconciliation: the runs and the discrepancies they recorded. What to check
// comes from the payments and refunds services.
import { desc, eq, inArray, lt } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client.ts';
import { reconciliationDiscrepancies, reconciliationRuns } from '../../db/schema.ts';

export type RunRow = typeof reconciliationRuns.$inferSelect;
export type DiscrepancyRow = typeof reconciliationDiscrepancies.$inferSelect;
export type NewDiscrepancy = Omit<
  typeof reconciliationDiscrepancies.$inferInsert,
  'runId' | 'id' | 'createdAt'
>;

export async function startRun(tx: DbOrTx, at: Date): Promise<RunRow> {
  const [row] = await tx.insert(reconciliationRuns).values({ startedAt: at }).returning();
  return row!;
}

export async function finishRun(
  tx: DbOrTx,
  runId: number,
  values: {
    finishedAt: Date;
    paymentsChecked: number;
    refundsChecked: number;
    error: string | null;
  },
  found: NewDiscrepancy[],
): Promise<RunRow> {
  return tx.transaction(async (inner) => {
    if (found.length)
      await inner.insert(reconciliationDiscrepancies).values(found.map((d) => ({ ...d, runId })));
    const [row] = await inner
      .update(reconciliationRuns)
      .set({ ...values, discrepancies: found.length })
      .where(eq(reconciliationRuns.id, runId))
      .returning();
    return row!;
  });
}

/** The latest runs, newest first, each with its discrepancies. */
export async function latestRuns(
  tx: DbOrTx,
  limit: number,
  before?: number,
): Promise<Array<RunRow & { found: DiscrepancyRow[] }>> {
  const runs = await tx
    .select()
    .from(reconciliationRuns)
    .where(before !== undefined ? lt(reconciliationRuns.id, before) : undefined)
    .orderBy(desc(reconciliationRuns.id))
    .limit(limit);
  if (!runs.length) return [];
  const rows = await tx
    .select()
    .from(reconciliationDiscrepancies)
    .where(
      inArray(
        reconciliationDiscrepancies.runId,
        runs.map((r) => r.id),
      ),
    )
    .orderBy(reconciliationDiscrepancies.id);
  return runs.map((run) => ({ ...run, found: rows.filter((d) => d.runId === run.id) }));
}

export async function runById(tx: DbOrTx, id: number) {
  const [run] = await latestRuns(tx, 1, id + 1);
  return run && run.id === id ? run : undefined;
}
