// How much time the simulator adds per request: sequential requests over one keep-alive
// connection, timed per request. Run: npx tsx bench/simulator.ts [iterations]
// Target (issue #3): p50 under 1 ms for create+confirm PaymentIntent and retrieve.
import { Agent, request } from 'node:http';
import { startSimulator } from '../simulator/index.ts';

const N = Number(process.argv[2] ?? 2000);
const sim = await startSimulator({ port: 0, quiet: true });
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const AUTH = 'Bearer sk_test_bench';
let keys = 0;

function call(
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: sim.port,
        method,
        path,
        agent,
        headers: {
          Authorization: AUTH,
          // stripe-node sends a fresh key with every POST; the simulator stores each one.
          ...(method === 'POST' ? { 'Idempotency-Key': `bench-${++keys}` } : {}),
          ...(body
            ? {
                'Content-Type': 'application/x-www-form-urlencoded',
                'Content-Length': Buffer.byteLength(body),
              }
            : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

let baseline: number | undefined;

/** Times `run` n times; prints p50/p99 and, after the first row, p50 added over the HTTP baseline. */
async function measure(name: string, n: number, run: (i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < Math.min(200, n); i++) await run(i); // warm-up (JIT, sockets)
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = process.hrtime.bigint();
    await run(i);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const mean = times.reduce((a, b) => a + b, 0) / times.length;
  const p50 = percentile(times, 50);
  const delta = baseline === undefined ? 0 : p50 - baseline;
  const added =
    baseline === undefined ? '' : `  (${delta >= 0 ? '+' : ''}${delta.toFixed(3)} ms over HTTP)`;
  baseline ??= p50;
  console.log(
    `${name.padEnd(52)} p50=${p50.toFixed(3)} ms  p99=${percentile(times, 99).toFixed(3)} ms  mean=${mean.toFixed(3)} ms${added}`,
  );
}

const ids: string[] = [];
const expectOk = (r: { status: number; text: string }) => {
  if (r.status !== 200) throw new Error(`unexpected ${r.status}: ${r.text}`);
  return JSON.parse(r.text) as { id: string; status: string };
};

console.log(
  `Stripe simulator benchmark — ${N} sequential requests per row, one keep-alive connection`,
);
await measure('baseline: GET /_sim/health (HTTP only)', N, async () => {
  await call('GET', '/_sim/health');
});
await measure('POST /v1/payment_intents (create+confirm)', N, async () => {
  const pi = expectOk(
    await call(
      'POST',
      '/v1/payment_intents',
      'amount=2000&currency=usd&payment_method=pm_card_visa&confirm=true&payment_method_types[0]=card&metadata[order_id]=o1',
    ),
  );
  if (pi.status !== 'succeeded') throw new Error(pi.status);
  ids.push(pi.id);
});
await measure('GET /v1/payment_intents/:id', N, async (i) => {
  expectOk(await call('GET', `/v1/payment_intents/${ids[i % ids.length]}`));
});
await measure('GET /v1/payment_intents/:id?expand[]=latest_charge', N, async (i) => {
  expectOk(await call('GET', `/v1/payment_intents/${ids[i % ids.length]}?expand[]=latest_charge`));
});
await measure('POST /v1/customers', N, async () => {
  expectOk(await call('POST', '/v1/customers', 'email=a%40example.com'));
});

agent.destroy();
await sim.close();
