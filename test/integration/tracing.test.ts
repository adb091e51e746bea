// Traces end to end (ADR 021): a real server process started the way `npm start` starts one (the
// tracing preload before the entry point: the loader hook must be in place before `pg` and
// `node:http` load, so this cannot run inside the test's own process), exporting over OTLP/HTTP
// to a local receiver. A payment with a W3C traceparent must produce, under that trace: the
// request's span (a child of the caller's), its PostgreSQL queries, the Stripe call (our span and
// the SDK's HTTP request), and log lines carrying the trace id. Jobs get spans of their own.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type SimulatorHandle } from '../../simulator/index.ts';
import { eventually } from '../helpers/eventually.ts';
import { startOtlpReceiver } from '../helpers/otlp-receiver.ts';
import { freePort, freshDatabase } from '../helpers/system.ts';

const root = path.resolve(import.meta.dirname, '../..');
const SERVER = 2;
const CLIENT = 3;
const CONSUMER = 5;

let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
let sim: SimulatorHandle;
let database: Awaited<ReturnType<typeof freshDatabase>>;
let dataDir: string;
let server: ChildProcess;
let baseUrl: string;
let exited: number | null | undefined;
const logLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  sim = await startSimulator({ port: 0, quiet: true });
  database = await freshDatabase(process.env.DATABASE_URL, 'paydeck_otel');
  dataDir = mkdtempSync(path.join(tmpdir(), 'paydeck-otel-'));
  const port = await freePort();
  baseUrl = `http://localhost:${port}`;
  // The dev path (tsx) with the same preload the build's launcher imports first.
  server = spawn(
    process.execPath,
    ['--import', 'tsx', '--import', './src/observability/preload.ts', 'src/server/main.ts'],
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH,
        PORT: String(port),
        HOST: '127.0.0.1',
        PUBLIC_URL: baseUrl,
        DATA_DIR: dataDir,
        LOG_LEVEL: 'info',
        STRIPE_SECRET_KEY: 'sk_test_paydeck_otel',
        STRIPE_PUBLISHABLE_KEY: 'pk_test_paydeck_otel',
        STRIPE_API_BASE: sim.url,
        STRIPE_JS_URL: `${sim.url}/v3/`,
        STRIPE_SIMULATED: 'true',
        SEED_DEMO_DATA: 'true',
        ...(database ? { DATABASE_URL: database.url } : {}),
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        // Export within a fraction of a second rather than every 5 s.
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    },
  );
  let pending = '';
  server.stdout!.on('data', (chunk: Buffer) => {
    const lines = (pending + chunk.toString('utf8')).split('\n');
    pending = lines.pop()!;
    for (const line of lines)
      if (line.startsWith('{')) logLines.push(JSON.parse(line) as Record<string, unknown>);
  });
  server.stderr!.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  server.on('exit', (code) => (exited = code));
  await eventually(async () => {
    if (exited !== undefined) throw new Error(`the server exited with ${exited}`);
    const ready = await fetch(`${baseUrl}/readyz`).catch(() => undefined);
    return ready?.ok;
  }, 200);
}, 120_000);

afterAll(async () => {
  if (server && exited === undefined) {
    const stopped = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await stopped;
  }
  await sim?.close();
  await receiver?.close();
  await database?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A signed-in browser over real HTTP: session cookie and CSRF token. */
async function signIn(email: string, password: string) {
  const login = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  expect(login.status).toBe(200);
  const cookie = login.headers.getSetCookie()[0]!.split(';')[0]!;
  const session = await fetch(`${baseUrl}/api/auth/session`, { headers: { cookie } });
  const { csrf_token: csrf } = (await session.json()) as { csrf_token: string };
  return (url: string, init: { method?: string; body?: unknown; headers?: object } = {}) =>
    fetch(`${baseUrl}${url}`, {
      method: init.method ?? 'GET',
      headers: {
        cookie,
        'x-csrf-token': csrf,
        ...(init.body ? { 'content-type': 'application/json' } : {}),
        ...init.headers,
      },
      ...(init.body ? { body: JSON.stringify(init.body) } : {}),
    });
}

const spansOf = (traceId: string) => receiver.spans.filter((s) => s.traceId === traceId);

describe('traces exported over OTLP', () => {
  const traceId = '5d2a6c31e0b84f0f9c1a2b3c4d5e6f70';
  const callerSpanId = '1a2b3c4d5e6f7081';

  it('when a payment is made with a traceparent, then its request, queries and Stripe call are spans of that trace', async () => {
    const browser = await signIn('customer@paydeck.test', 'paydeck-customer-demo');
    const catalog = (await (await browser('/api/catalog')).json()) as {
      data: Array<{ id: string }>;
    };
    const order = (await (
      await browser('/api/orders', {
        method: 'POST',
        body: { items: [{ product_id: catalog.data[0]!.id, quantity: 1 }] },
      })
    ).json()) as { id: string };

    const paid = await browser(`/api/orders/${order.id}/pay`, {
      method: 'POST',
      body: { payment_method_id: 'pm_card_visa' },
      headers: {
        'idempotency-key': `otel-${order.id}`,
        'x-request-id': 'otel-pay-1',
        traceparent: `00-${traceId}-${callerSpanId}-01`,
      },
    });
    expect(paid.status).toBe(200);
    expect(paid.headers.get('x-request-id')).toBe('otel-pay-1');

    const request = await eventually(() =>
      spansOf(traceId).find((s) => s.kind === SERVER && s.parentSpanId === callerSpanId),
    );
    expect(request).toMatchObject({
      name: 'POST /api/orders/:id/pay',
      service: 'paydeck',
      attributes: {
        'http.route': '/api/orders/:id/pay',
        'http.response.status_code': 200,
        'paydeck.request_id': 'otel-pay-1',
      },
    });
    const stripe = await eventually(() =>
      spansOf(traceId).find((s) => s.name === 'stripe payment_intents.create'),
    );
    expect(stripe).toMatchObject({ kind: CLIENT, scope: 'paydeck' });
    expect(stripe.attributes['paydeck.stripe.request_id']).toMatch(/^req_/);
    // The SDK's own HTTP request to the simulator, under our Stripe span.
    const outgoing = await eventually(() =>
      spansOf(traceId).find((s) => s.kind === CLIENT && s.parentSpanId === stripe.spanId),
    );
    expect(String(outgoing.attributes['url.full'])).toContain(`${sim.url}/v1/payment_intents`);
    const queries = await eventually(() => {
      const found = spansOf(traceId).filter(
        (s) => s.scope === '@opentelemetry/instrumentation-pg' && s.name.startsWith('pg.query'),
      );
      return found.length >= 3 && found;
    });
    // SQL text with placeholders, never the values.
    expect(
      queries.some((q) => /insert into "payments"/i.test(String(q.attributes['db.query.text']))),
    ).toBe(true);
    expect(JSON.stringify(queries)).not.toContain('customer@paydeck.test');
  });

  it('when the payment request logged, then its lines carry the trace id and a span id', async () => {
    const line = await eventually(() =>
      logLines.find((l) => l.reqId === 'otel-pay-1' && l.msg === 'request completed'),
    );
    expect(line.trace_id).toBe(traceId);
    expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
    expect(line.span_id).not.toBe(callerSpanId);
  });

  it('when a job runs, then it is a span of its own with its queries under it', async () => {
    // payments.settle_stale is queued at every start; webhooks.process follows the payment.
    const job = await eventually(() =>
      receiver.spans.find(
        (s) =>
          s.kind === CONSUMER &&
          s.scope === 'paydeck' &&
          s.name.startsWith('job ') &&
          receiver.spans.some(
            (q) => q.parentSpanId === s.spanId && q.scope === '@opentelemetry/instrumentation-pg',
          ),
      ),
    );
    expect(job.attributes['messaging.system']).toBe('pg-boss');
    expect(job.attributes['messaging.destination.name']).toBe(job.name.slice('job '.length));
  });

  it('when probes and scrapes arrive, then they make no spans', async () => {
    const ready = (await (await fetch(`${baseUrl}/readyz`)).json()) as {
      checks: Record<string, unknown>;
    };
    expect(ready.checks.job_queue).toEqual({ status: 'ok' });
    await fetch(`${baseUrl}/healthz`);
    await eventually(() => receiver.spans.some((s) => s.name.startsWith('POST /api/orders')));
    expect(
      receiver.spans.filter((s) =>
        /\/(readyz|healthz|metrics)$/.test(String(s.attributes['url.path'])),
      ),
    ).toEqual([]);
  });

  it('when the server stops on SIGTERM, then it exits 0', async () => {
    const stopped = new Promise<number | null>((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    expect(await stopped).toBe(0);
  });
});
