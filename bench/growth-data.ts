// Data for the growth targets (SPEC.md §4: 1,000,000 payments, 5,000,000 audit entries), loaded
// in SQL into a scratch database, shared by bench/dashboard.ts and bench/console-lists.ts.
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { connectDatabase, type Database } from '../src/db/client.ts';
import { migrateDatabase } from '../src/db/migrate.ts';
import { buildApp } from '../src/server/app.ts';

/** Rows spread evenly over the last 365 days: `g` seconds-apart steps of one year ÷ count. */
export const paymentsSeed = (n: number) => `
SET session_replication_role = replica; -- bulk load: no triggers, no foreign-key checks
INSERT INTO users (id, email, name, password_hash)
  VALUES ('00000000-0000-0000-0000-000000000001', 'bench@example.test', 'Bench', 'x');
CREATE TEMP TABLE steps AS
  SELECT g, now() - g * (interval '365 days' / ${n}) AS at FROM generate_series(1, ${n}) g;
INSERT INTO orders (id, user_id, amount, currency, created_by, status, created_at, updated_at)
  SELECT md5('o' || g)::uuid, '00000000-0000-0000-0000-000000000001', 2500, 'usd', 'bench',
    'paid', at, at FROM steps;
INSERT INTO payments (id, order_id, user_id, status, amount, currency, capture_method,
  stripe_idempotency_key, stripe_payment_intent_id, amount_captured, failure_code, decline_code,
  created_at, updated_at)
SELECT md5('p' || g)::uuid, md5('o' || g)::uuid, '00000000-0000-0000-0000-000000000001',
  s.status, 1000 + (g % 50) * 100, CASE WHEN g % 7 = 0 THEN 'eur' ELSE 'usd' END, 'automatic',
  'pay_' || g, 'pi_' || g,
  CASE WHEN s.status = 'succeeded' THEN 1000 + (g % 50) * 100 ELSE 0 END,
  CASE WHEN s.status = 'failed' THEN (ARRAY['card_declined', 'card_declined', 'expired_card',
    'incorrect_cvc', 'not_created'])[1 + g % 5] END,
  CASE WHEN s.status = 'failed' AND g % 5 < 2 THEN (ARRAY['insufficient_funds',
    'generic_decline', 'lost_card', 'do_not_honor'])[1 + g % 4] END,
  at, at + interval '2 seconds'
FROM steps, LATERAL (SELECT CASE
  WHEN g % 100 < 85 THEN 'succeeded' WHEN g % 100 < 95 THEN 'failed'
  WHEN g % 100 < 98 THEN 'canceled' WHEN g % 100 < 99 THEN 'requires_action'
  WHEN g % 1000 = 999 THEN 'unknown' ELSE 'processing' END AS status) s;
INSERT INTO refunds (payment_id, order_id, amount, currency, status, stripe_idempotency_key,
  created_by_type, created_at, updated_at)
SELECT md5('p' || g)::uuid, md5('o' || g)::uuid, 500, 'usd',
  CASE WHEN g % 40 = 0 THEN 'failed' ELSE 'succeeded' END, 'ref_' || g, 'admin',
  at + interval '1 hour', at + interval '1 hour'
FROM steps WHERE g % 20 = 1;
INSERT INTO disputes (payment_id, stripe_dispute_id, stripe_charge_id, amount, currency, status,
  created_at, updated_at)
SELECT md5('p' || g)::uuid, 'dp_' || g, 'ch_' || g, 2500, 'usd',
  CASE WHEN g % 3 = 0 THEN 'needs_response' ELSE 'lost' END, at + interval '1 day', at
FROM steps WHERE g % 1000 = 1;
INSERT INTO webhook_events (stripe_event_id, type, object_id, stripe_created_at, payload,
  status, attempts, created_at, processed_at)
SELECT 'evt_' || g || '_' || k, 'payment_intent.succeeded', 'pi_' || g, at, '{}'::jsonb,
  CASE WHEN g < 10 THEN 'received' WHEN g % 500 = 0 THEN 'failed' ELSE 'processed' END, 1, at,
  CASE WHEN g < 10 OR g % 500 = 0 THEN NULL ELSE at + (g % 97) * interval '10 milliseconds' END
FROM steps, generate_series(1, 2) k;
INSERT INTO stripe_call_minutes (minute, instance, operation, calls, errors, latency_buckets)
SELECT date_trunc('minute', now()) - m * interval '1 minute', 'bench:' || i, op, 40,
  (m % 50 = 0)::int, ARRAY[2, 10, 15, 8, 3, 1, 1, 0, 0, 0]
FROM generate_series(0, 43199) m, generate_series(1, 2) i,
  unnest(ARRAY['payment_intents.create', 'payment_intents.retrieve', 'refunds.create',
    'customers.create', 'setup_intents.create', 'payment_methods.attach']) op;
INSERT INTO reconciliation_runs (started_at, finished_at, payments_checked, discrepancies)
  VALUES (now() - interval '5 minutes', now() - interval '4 minutes', 2000, 0);
SET session_replication_role = origin;
`;

/**
 * `n` sealed audit entries, five per payment of `paymentsSeed` (created, confirmed, settled…),
 * oldest first over the same year. Their hashes are placeholders: these entries are for reading
 * (the console's audit list), not for `audit:verify`.
 */
export const auditSeed = (n: number, payments: number) => `
INSERT INTO audit_entries (occurred_at, actor_type, actor_id, action, target_type, target_id,
  before, after, request_id, hash_version, seq, prev_hash, hash)
SELECT now() - (${n} - g) * (interval '365 days' / ${n}),
  (ARRAY['user', 'system', 'stripe', 'admin', 'api_key'])[1 + g % 5], 'actor_' || (g % 1000),
  (ARRAY['payment.created', 'payment.succeeded', 'order.paid', 'payment.failed',
    'refund.created'])[1 + g % 5],
  CASE WHEN g % 5 = 2 THEN 'order' WHEN g % 5 = 4 THEN 'refund' ELSE 'payment' END,
  md5('p' || (1 + (g / 5) % ${payments}))::uuid::text,
  '{"status":"creating"}'::jsonb, '{"status":"succeeded"}'::jsonb, 'req_' || g, 2, g,
  CASE WHEN g > 1 THEN md5((g - 1)::text) || md5('h' || (g - 1)) END, md5(g::text) || md5('h' || g)
FROM generate_series(1, ${n}) g;
`;

/** DATABASE_URL, or the process ends saying that `script` needs it. */
export function serverUrlFor(script: string): string {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error(
      `${script} needs DATABASE_URL (a PostgreSQL server it may create a database on).`,
    );
    process.exit(1);
  }
  return url;
}

export interface ScratchDatabase {
  databaseUrl: string;
  database: Database;
  /** A client without a statement timeout, for loading and EXPLAIN. */
  loader: pg.Client;
}

/** A fresh, migrated database on DATABASE_URL's server, dropped after `use` however it ends. */
export async function withScratchDatabase<T>(
  serverUrl: string,
  prefix: string,
  use: (scratch: ScratchDatabase) => Promise<T>,
): Promise<T> {
  const name = `${prefix}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const databaseUrl = url.toString();
  try {
    const database = connectDatabase(databaseUrl, { max: 10, connectionTimeoutMs: 30_000 });
    await migrateDatabase(database.pool);
    const loader = new pg.Client({ connectionString: databaseUrl, statement_timeout: 0 });
    await loader.connect();
    try {
      return await use({ databaseUrl, database, loader });
    } finally {
      await loader.end();
      await database.close();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

export interface SentStatement {
  text: string;
  values: unknown[];
}

/**
 * Keeps every statement the database's pool sends from now on in the returned list (empty it to
 * start again), so that the slow ones can be EXPLAINed exactly as sent.
 */
export function recordStatements(database: Database): SentStatement[] {
  const sent: SentStatement[] = [];
  const query = database.pool.query.bind(database.pool) as (...args: unknown[]) => unknown;
  (database.pool as unknown as { query: unknown }).query = (q: unknown, v?: unknown) => {
    const statement = q as { text?: string; values?: unknown[] };
    if (typeof statement.text === 'string')
      sent.push({ text: statement.text, values: statement.values ?? (v as unknown[]) ?? [] });
    return query(q, v);
  };
  return sent;
}

/** Paydeck's app on the scratch database (no server, no jobs), its services called directly. */
export async function benchApp(scratch: ScratchDatabase) {
  const config = loadConfig({
    STRIPE_SECRET_KEY: 'sk_test_bench',
    STRIPE_PUBLISHABLE_KEY: 'pk_test_bench',
    STRIPE_API_BASE: 'http://127.0.0.1:9',
    STRIPE_SIMULATED: 'true',
    DATABASE_URL: scratch.databaseUrl,
    LOG_LEVEL: 'error',
  });
  const app = await buildApp({ config, database: scratch.database, logger: false });
  await app.ready();
  return app;
}

/** EXPLAIN ANALYZE of a statement as sent: its execution time and the big tables it scans whole. */
export async function explain(
  loader: pg.Client,
  statement: SentStatement,
): Promise<{ executionTime: string; seqScans: string[] }> {
  const plan = await loader.query({
    text: `EXPLAIN (ANALYZE) ${statement.text}`,
    values: statement.values,
  });
  const lines = plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']!);
  const seqScans = lines
    .map((l) => /Seq Scan on (\w+)/.exec(l)?.[1])
    .filter((table): table is string => BIG_TABLES.includes(table ?? ''));
  return {
    executionTime: lines.find((l) => l.startsWith('Execution Time')) ?? '',
    seqScans,
  };
}

/** The tables the growth data makes large: a sequential scan of one is a miss. */
const BIG_TABLES = ['payments', 'orders', 'audit_entries', 'webhook_events', 'refunds'];
