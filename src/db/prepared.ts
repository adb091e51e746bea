// Queries drizzle builds once instead of at every call: turning the query builder's objects into
// SQL text is a large share of the server's CPU on the pay path (ADR 029). Each is built on
// first use for a database handle and kept; a call inside a transaction gets undefined and uses
// the ordinary builder (a prepared query is bound to the pool, not to the transaction's
// connection).
//
// The statements go to PostgreSQL unnamed, so it still parses each one: named statements would
// collide in the embedded database, whose clients share one PGlite session (ADR 009), and do not
// survive a transaction-mode pooler.
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Db, DbOrTx } from './client.ts';

export function builtOnce<Q>(build: (db: Db) => Q): (db: DbOrTx) => Q | undefined {
  const built = new WeakMap<Db, Q>();
  return (db) => {
    if (db instanceof PgTransaction) return undefined;
    const root = db as Db;
    let query = built.get(root);
    if (query === undefined) {
      query = build(root);
      built.set(root, query);
    }
    return query;
  };
}
