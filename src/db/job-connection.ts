// pg-boss inserting a job on one of our transactions' connections, so that the job is queued
// exactly when that transaction commits (ADR 032).
import { sql } from 'drizzle-orm';
import { fromDrizzle } from 'pg-boss';
import type { DbOrTx } from './client.ts';

/** The `db` option of pg-boss's `send` for a job written in `tx`. */
export function jobConnectionOf(tx: DbOrTx) {
  return fromDrizzle(tx, sql);
}
