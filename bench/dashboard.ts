// The console dashboard's figures against SPEC.md §4's growth target: ≤ 300 ms with 1,000,000
// payments stored (ADR 020). Needs DATABASE_URL (real PostgreSQL): it creates a scratch
// database, fills it in SQL (payments over a year, refunds, disputes, two webhook events per
// payment, 30 days of Stripe call minutes for 2 instances × 6 operations, folded by the hourly
// roll-up as a running server would have), times GET /api/admin/dashboard's service for each
// window, EXPLAINs the statements it sends for one hour, and drops the database.
//
// Run: npx tsx bench/dashboard.ts [payments=1000000]
// Exits 1 when a window's median is over 300 ms or the 1-hour figures scan payments sequentially.
import pg from 'pg';
import { loadConfig } from '../src/config.ts';
import { connectDatabase } from '../src/db/client.ts';
import { migrateDatabase } from '../src/db/migrate.ts';
import { rollUpStripeCalls } from '../src/modules/dashboard/stripe-calls.ts';
import { buildApp } from '../src/server/app.ts';

const TARGET_MS = 300;
const RUNS = 7;
const payments = Number(process.argv[2] ?? 1_000_000);
const serverUrl = process.env.DATABASE_URL;
if (!serverUrl) {
  console.error(
    'bench/dashboard.ts needs DATABASE_URL (a PostgreSQL server it may create a database on).',
  );
  process.exit(1);
}

/** Rows spread evenly over the last 365 days: `g` seconds-apart steps of one year ÷ count. */
const seed = (n: number) => `
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

const name = `paydeck_bench_dashboard_${Date.now()}`;
const admin = new pg.Client({ connectionString: serverUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(serverUrl);
url.pathname = `/${name}`;
const databaseUrl = url.toString();
let missed = false;
try {
  const database = connectDatabase(databaseUrl, { max: 10, connectionTimeoutMs: 30_000 });
  await migrateDatabase(database.pool);
  let started = performance.now();
  const loader = new pg.Client({ connectionString: databaseUrl, statement_timeout: 0 });
  await loader.connect();
  await loader.query(seed(payments));
  console.log(
    `seeded ${payments.toLocaleString()} payments in ${((performance.now() - started) / 1000).toFixed(0)} s`,
  );
  started = performance.now();
  await rollUpStripeCalls(database.db, new Date());
  console.log(`rolled up Stripe call minutes in ${(performance.now() - started).toFixed(0)} ms`);
  await loader.query('VACUUM ANALYZE');

  // Every statement the service sends, kept so the 1-hour ones can be EXPLAINed as sent.
  const sent: Array<{ text: string; values: unknown[] }> = [];
  const query = database.pool.query.bind(database.pool) as (...args: unknown[]) => unknown;
  (database.pool as unknown as { query: unknown }).query = (q: unknown, v?: unknown) => {
    const statement = q as { text?: string; values?: unknown[] };
    if (typeof statement.text === 'string')
      sent.push({ text: statement.text, values: statement.values ?? (v as unknown[]) ?? [] });
    return query(q, v);
  };
  const config = loadConfig({
    STRIPE_SECRET_KEY: 'sk_test_bench',
    STRIPE_PUBLISHABLE_KEY: 'pk_test_bench',
    STRIPE_API_BASE: 'http://127.0.0.1:9',
    STRIPE_SIMULATED: 'true',
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'error',
  });
  const app = await buildApp({ config, database, logger: false });
  await app.ready();
  for (const window of ['1h', '24h', '7d', '30d'] as const) {
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await app.services.dashboard.figures(window);
      times.push(performance.now() - t0);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(RUNS / 2)]!;
    if (median > TARGET_MS) missed = true;
    console.log(
      `${window.padEnd(4)} median ${median.toFixed(0)} ms (min ${times[0]!.toFixed(0)}, max ${times.at(-1)!.toFixed(0)}; target ≤ ${TARGET_MS})`,
    );
  }
  sent.length = 0;
  await app.services.dashboard.figures('1h');
  for (const statement of sent.filter((s) => /^\s*select/i.test(s.text))) {
    const plan = await loader.query({
      text: `EXPLAIN (ANALYZE) ${statement.text}`,
      values: statement.values,
    });
    const lines = plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']!);
    const seqScan = lines.some((l) => /Seq Scan on payments\b/.test(l));
    if (seqScan) missed = true;
    console.log(
      `1h ${lines.find((l) => l.startsWith('Execution Time'))?.padEnd(26)} ${seqScan ? 'SEQ SCAN ON PAYMENTS ' : ''}${statement.text.replace(/\s+/g, ' ').slice(0, 90)}`,
    );
  }
  await app.close();
  await loader.end();
  await database.close();
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
process.exit(missed ? 1 : 0);
