// Throughput and latency of paying an order with a saved card (SPEC.md §4): the server and the
// simulator run as separate processes on a fresh database; autocannon pays N distinct orders
// with distinct Idempotency-Keys. Paydeck's own share of the latency is the request time minus
// the Stripe call time (one PaymentIntent creation per payment), from the server's histograms.
// Run: DATABASE_URL=postgres://… npx tsx bench/payments.ts [payments] [connections] [instances]
// With instances > 1, that many servers share the database and the connections are spread over
// them (autocannon's URL list).
import autocannon from 'autocannon';
import pg from 'pg';
import { counterValue, histogramQuantile, signedInCustomer, startBenchSystem } from './harness.ts';

const N = Number(process.argv[2] ?? 5000);
const CONNECTIONS = Number(process.argv[3] ?? 32);
const INSTANCES = Number(process.argv[4] ?? 1);

/** Every instance's /metrics, one after the other: counters and histograms add up across them. */
async function metricsOf(baseUrls: string[]): Promise<string> {
  const texts = await Promise.all(
    baseUrls.map(async (url) => (await fetch(`${url}/metrics`)).text()),
  );
  return texts.join('\n');
}

/** Statements sent per payment by each route ("none": jobs and other background work). */
function statementsByRoute(before: string, after: string, payments: number) {
  const routes = new Set(
    [...after.matchAll(/^paydeck_db_statements_total\{route="([^"]*)"\}/gm)].map((m) => m[1]!),
  );
  const byRoute: Record<string, number> = {};
  for (const route of routes) {
    const label = `route="${route}"`;
    const sent =
      counterValue(after, 'paydeck_db_statements_total', label) -
      counterValue(before, 'paydeck_db_statements_total', label);
    if (sent > 0) byRoute[route] = +(sent / payments).toFixed(2);
  }
  return byRoute;
}

/** PostgreSQL's own counters for the bench database (pg_stat_database, pg_stat_wal). */
async function databaseWork(databaseUrl: string): Promise<Record<string, number>> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<Record<string, string>>(
      `SELECT d.xact_commit AS commits, d.tup_inserted AS rows_inserted,
              d.tup_updated AS rows_updated, w.wal_sync AS wal_flushes,
              (SELECT count(*) FROM webhook_events) AS webhook_events
         FROM pg_stat_database d, pg_stat_wal w WHERE d.datname = current_database()`,
    );
    return Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)]));
  } finally {
    await db.end();
  }
}

function perPayment(
  before: Record<string, number>,
  after: Record<string, number>,
  payments: number,
): Record<string, number> {
  return Object.fromEntries(
    Object.keys(after).map((k) => [k, +((after[k]! - before[k]!) / payments).toFixed(1)]),
  );
}

export async function benchPayments(n = N, connections = CONNECTIONS, instances = INSTANCES) {
  const system = await startBenchSystem({}, { instances });
  try {
    const customer = await signedInCustomer(system.baseUrl);
    const headers = {
      cookie: customer.cookie,
      'x-csrf-token': customer.csrf,
      'content-type': 'application/json',
    };
    const saved = await fetch(`${system.baseUrl}/api/payment-methods`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ payment_method_id: 'pm_card_visa' }),
    });
    if (saved.status !== 201)
      throw new Error(`could not save a card: ${saved.status} ${await saved.text()}`);

    // N open orders, inserted directly: the benchmark measures paying, not creating orders.
    const db = new pg.Client({ connectionString: system.databaseUrl || undefined });
    if (!system.databaseUrl)
      throw new Error('bench/payments.ts needs DATABASE_URL (real PostgreSQL).');
    await db.connect();
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO orders (user_id, amount, currency, created_by)
       SELECT $1, 2500, 'usd', 'user' FROM generate_series(1, $2) RETURNING id`,
      [customer.userId, n],
    );
    await db.end();
    const orderIds = rows.map((r) => r.id);

    // Warm up (JIT, connection pools) on a few orders, then reset the peak memory reading.
    for (const [i, id] of orderIds.splice(0, 50 * instances).entries()) {
      await fetch(`${system.baseUrls[i % instances]}/api/orders/${id}/pay`, {
        method: 'POST',
        headers: { ...headers, 'idempotency-key': `warm-${id}` },
        body: '{}',
      });
    }
    system.resetPeak();
    const before = await metricsOf(system.baseUrls);
    const databaseBefore = await databaseWork(system.databaseUrl);
    const cpuBefore = system.cpuSeconds();

    let next = 0;
    const result = await autocannon({
      // One URL per instance: autocannon spreads the connections over them (it takes a list,
      // which its type declarations do not say).
      url: (instances > 1 ? system.baseUrls : system.baseUrl) as string,
      connections,
      amount: orderIds.length,
      requests: [
        {
          method: 'POST',
          setupRequest: (req) => {
            const id = orderIds[next++ % orderIds.length]!;
            return {
              ...req,
              path: `/api/orders/${id}/pay`,
              headers: { ...headers, 'idempotency-key': `bench-${id}` },
              body: '{}',
            };
          },
        },
      ],
    });
    const after = await metricsOf(system.baseUrls);
    // PostgreSQL publishes its counters about once a second: let the last payments' arrive.
    await new Promise((r) => setTimeout(r, 1500));
    const databaseAfter = await databaseWork(system.databaseUrl);
    const cpuAfter = system.cpuSeconds();
    const stripeP50 =
      histogramQuantile(
        after,
        'paydeck_stripe_request_duration_seconds',
        'operation="payment_intents.create"',
        0.5,
      ) * 1000;
    const stripeP99 =
      histogramQuantile(
        after,
        'paydeck_stripe_request_duration_seconds',
        'operation="payment_intents.create"',
        0.99,
      ) * 1000;
    // Round trips per payment, independent of the load: the statements the pay requests sent
    // (session, idempotency key, payment), and those of background work in the same time (the
    // audit sealer, alerts, …: per second rather than per payment), each per payment made.
    const statements = (route: string) =>
      counterValue(after, 'paydeck_db_statements_total', route) -
      counterValue(before, 'paydeck_db_statements_total', route);
    const payStatements = statements('route="/api/orders/:id/pay"');
    const backgroundStatements = statements('route="none"');
    const ok = result['2xx'];
    const report = {
      payments: orderIds.length,
      connections,
      instances,
      succeeded_2xx: ok,
      non_2xx: result.non2xx,
      errors: result.errors,
      throughput_per_s: Math.round(ok / result.duration),
      latency_ms: { p50: result.latency.p50, p99: result.latency.p99 },
      stripe_call_ms: { p50: +stripeP50.toFixed(2), p99: +stripeP99.toFixed(2) },
      paydeck_share_ms_estimate: {
        p50: +(result.latency.p50 - stripeP50).toFixed(2),
        p99: +(result.latency.p99 - stripeP99).toFixed(2),
      },
      db_statements_per_payment: ok ? +(payStatements / ok).toFixed(1) : null,
      db_background_statements_per_payment: ok ? +(backgroundStatements / ok).toFixed(1) : null,
      db_statements_per_payment_by_route: ok ? statementsByRoute(before, after, ok) : null,
      // Everything the database did in the run, pg-boss and webhooks included, per payment: the
      // commits and WAL flushes are what a payment costs PostgreSQL, whatever the machine's load.
      db_per_payment: ok ? perPayment(databaseBefore, databaseAfter, ok) : null,
      // CPU milliseconds per payment of each process (Linux /proc): on a shared machine this says
      // what a payment costs where throughput only says what the machine had left.
      cpu_ms_per_payment: ok ? perPayment(cpuBefore, cpuAfter, ok / 1000) : null,
      // Per instance: the highest any one reached.
      server_peak_rss_mib: system.peakRssMiB(),
      targets: {
        throughput_per_s: 1000,
        paydeck_share_p50_ms: 5,
        paydeck_share_p99_ms: 20,
        rss_mib: 256,
      },
    };
    return report;
  } finally {
    await system.stop();
  }
}

if (import.meta.url.endsWith(process.argv[1]!.replace(/\\/g, '/'))) {
  console.log(JSON.stringify(await benchPayments(), null, 2));
}
