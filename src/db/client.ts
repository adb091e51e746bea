import pg from 'pg';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { countStatement } from '../lib/metrics.ts';
import * as schema from './schema.ts';

export type Db = NodePgDatabase<typeof schema>;
/** A transaction handle: same query API as Db. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export interface Database {
  db: Db;
  pool: pg.Pool;
  close(): Promise<void>;
}

/**
 * A pg client that counts every statement it sends, by the route that sent it
 * (paydeck_db_statements_total): round trips per request are a figure `npm run bench` reports
 * that does not depend on the machine's load.
 */
class CountingClient extends pg.Client {
  override query(...args: unknown[]): never {
    countStatement();
    return (super.query as (...a: unknown[]) => never)(...args);
  }
}

// Timestamps as JS Dates, bigint counters as numbers only where we chose `mode: 'number'`.
export function connectDatabase(
  url: string,
  options: { max?: number; connectionTimeoutMs?: number } = {},
): Database {
  const pool = new pg.Pool({
    connectionString: url,
    Client: CountingClient,
    max: options.max ?? 10,
    // A statement that hangs must not hold a payment lock forever.
    statement_timeout: 30_000,
    // Also how long a request waits for a free connection when the pool is busy.
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', () => {});
  // Nor may a checked-out one: pg emits 'error' on a client whose connection drops, and the pool
  // listens only while the client is idle — a transaction open during a restart would otherwise
  // throw an uncaught error. Its queries fail on their own; the pool discards the client when it
  // is released (it is no longer queryable), so the pool heals as soon as the database is back.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = drizzle(pool, { schema });
  return { db, pool, close: () => pool.end() };
}

/**
 * SQLSTATEs that say the database cannot serve us right now (not that the statement was wrong):
 * class 08 (connection exception), 57P01–57P03 (administrator or crash shutdown, cannot connect
 * now: a restart or failover), 53300 (too many connections).
 */
function isUnavailableSqlState(code: string): boolean {
  return (
    code.startsWith('08') ||
    code === '57P01' ||
    code === '57P02' ||
    code === '57P03' ||
    code === '53300'
  );
}

/** Socket-level failures reaching the database server. */
const UNAVAILABLE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Messages pg and pg-pool give connection failures that carry no code. */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/, // unexpectedly, or due to connection timeout
  /^timeout exceeded when trying to connect/, // no pool client within connectionTimeoutMillis
  /^Client has encountered a connection error and is not queryable/,
  /^Connection ended unexpectedly/,
  /^Query read timeout/,
];

/**
 * Whether `err` — or what it wraps (drizzle wraps driver errors as `cause`; a connect to several
 * addresses fails as an AggregateError) — means the database is unreachable or going away, as
 * opposed to a bug or a constraint. Such a failure is answered 503 with Retry-After: nothing the
 * client sent was wrong, and the same request will work once the database is back.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  const seen = new Set<unknown>();
  const queue: unknown[] = [err];
  while (queue.length > 0) {
    const current = queue.shift();
    if (!current || typeof current !== 'object' || seen.has(current)) continue;
    seen.add(current);
    const { code, message, cause, errors } = current as {
      code?: unknown;
      message?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    if (
      typeof code === 'string' &&
      (UNAVAILABLE_SOCKET_CODES.has(code) ||
        (/^[0-9A-Z]{5}$/.test(code) && isUnavailableSqlState(code)))
    )
      return true;
    if (
      typeof message === 'string' &&
      UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))
    )
      return true;
    queue.push(cause);
    if (Array.isArray(errors)) queue.push(...errors);
  }
  return false;
}
