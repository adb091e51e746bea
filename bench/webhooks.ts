// Webhook intake (verify, store, acknowledge) and processing throughput (SPEC.md §4: ≥ 5,000
// events/s intake, ≥ 2,000 events/s processing). Events are signed like Stripe's, each with a
// new id; processing is timed until every stored event has left `received`.
// Run: DATABASE_URL=postgres://… npx tsx bench/webhooks.ts [events] [connections]
import { createHmac } from 'node:crypto';
import autocannon from 'autocannon';
import pg from 'pg';
import { startBenchSystem } from './harness.ts';

const SECRET = 'whsec_paydeck_bench';

function signed(id: number): { body: string; signature: string } {
  const body = JSON.stringify({
    id: `evt_bench_${id}_${Date.now()}`,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'customer.updated',
    data: { object: { id: `cus_bench_${id}`, object: 'customer', metadata: {} } },
  });
  const t = Math.floor(Date.now() / 1000);
  const v1 = createHmac('sha256', SECRET).update(`${t}.${body}`).digest('hex');
  return { body, signature: `t=${t},v1=${v1}` };
}

export async function benchWebhooks(
  n = Number(process.argv[2] ?? 10000),
  connections = Number(process.argv[3] ?? 32),
) {
  const system = await startBenchSystem({ STRIPE_WEBHOOK_SECRETS: SECRET });
  try {
    if (!system.databaseUrl)
      throw new Error('bench/webhooks.ts needs DATABASE_URL (real PostgreSQL).');
    system.resetPeak();
    const cpuBefore = system.cpuSeconds();
    let next = 0;
    const started = Date.now();
    const result = await autocannon({
      url: system.baseUrl,
      connections,
      amount: n,
      requests: [
        {
          method: 'POST',
          path: '/webhooks/stripe',
          setupRequest: (req) => {
            const { body, signature } = signed(next++);
            return {
              ...req,
              body,
              headers: { 'content-type': 'application/json', 'stripe-signature': signature },
            };
          },
        },
      ],
    });
    const intakeSeconds = (Date.now() - started) / 1000;
    const db = new pg.Client({ connectionString: system.databaseUrl });
    db.on('error', () => {});
    await db.connect();
    const waitStart = Date.now();
    let left = n;
    while (left > 0 && Date.now() - waitStart < 120_000) {
      left = Number(
        (await db.query(`SELECT count(*) FROM webhook_events WHERE status = 'received'`)).rows[0]
          .count,
      );
      if (left > 0) await new Promise((r) => setTimeout(r, 200));
    }
    const { rows } = await db.query(
      `SELECT count(*)::int AS n, extract(epoch FROM max(processed_at) - min(created_at)) AS seconds FROM webhook_events`,
    );
    await db.end();
    const cpuAfter = system.cpuSeconds();
    const cpuPerEvent = (process: 'server' | 'postgres') =>
      +(((cpuAfter[process] - cpuBefore[process]) * 1000) / n).toFixed(2);
    return {
      events: n,
      accepted_2xx: result['2xx'],
      non_2xx: result.non2xx,
      intake_per_s: Math.round(result['2xx'] / intakeSeconds),
      intake_latency_ms: { p50: result.latency.p50, p99: result.latency.p99 },
      processed: rows[0].n - left,
      processing_per_s_end_to_end: Math.round(rows[0].n / Number(rows[0].seconds)),
      still_unprocessed: left,
      // Intake and processing together, per event (Linux /proc): what an event costs each process.
      cpu_ms_per_event: { server: cpuPerEvent('server'), postgres: cpuPerEvent('postgres') },
      server_peak_rss_mib: system.peakRssMiB(),
      targets: { intake_per_s: 5000, processing_per_s: 2000, rss_mib: 256 },
    };
  } finally {
    await system.stop();
  }
}

if (import.meta.url.endsWith(process.argv[1]!.replace(/\\/g, '/'))) {
  try {
    console.log(JSON.stringify(await benchWebhooks(), null, 2));
  } catch (err) {
    console.error('webhook benchmark failed:', err);
    process.exitCode = 1;
  }
}
