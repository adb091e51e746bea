// The alerting chain with real parts (issue 11): a real Prometheus (Debian's `prometheus`)
// scrapes a running Paydeck with ops/prometheus/alerts.yml loaded, declines pushed through the
// Stripe simulator drive the payment success rate down, and the test waits until Prometheus's
// own API says PaydeckPaymentSuccessRateLow is firing. The in-app evaluator, on the same
// payments, must send its email (to a local SMTP server) and chat message (to a local HTTP
// receiver) — once each.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestClient } from '../helpers/http-client.ts';
import { aCustomer, aProduct, pay } from '../helpers/builders.ts';
import { eventually } from '../helpers/eventually.ts';
import { dashboardQueries, readRepoFile } from '../helpers/ops-files.ts';
import { parse } from 'yaml';
import { startHttpReceiver, startSmtpSink } from '../helpers/receivers.ts';
import { asTestApp, freePort, startSystem, type RunningSystem } from '../helpers/system.ts';
import { anAdmin } from '../helpers/webhooks.ts';

/* eslint-disable security/detect-non-literal-fs-filename -- this test's own temporary folder */

const METRICS_TOKEN = 'prometheus-e2e-metrics-token';
const scratch = mkdtempSync(path.join(tmpdir(), 'paydeck-prometheus-'));
let prometheus: ChildProcess | undefined;
let prometheusUrl: string;
let prometheusLog = '';
let system: RunningSystem;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let chat: Awaited<ReturnType<typeof startHttpReceiver>>;
let customer: TestClient;
let productId: string;

async function startPrometheus(target: string): Promise<void> {
  writeFileSync(path.join(scratch, 'alerts.yml'), readRepoFile('ops/prometheus/alerts.yml'));
  writeFileSync(path.join(scratch, 'token'), METRICS_TOKEN);
  writeFileSync(
    path.join(scratch, 'prometheus.yml'),
    JSON.stringify({
      global: { scrape_interval: '1s', evaluation_interval: '1s' },
      rule_files: [path.join(scratch, 'alerts.yml')],
      scrape_configs: [
        {
          job_name: 'paydeck',
          metrics_path: '/metrics',
          authorization: { type: 'Bearer', credentials_file: path.join(scratch, 'token') },
          static_configs: [{ targets: [target] }],
        },
      ],
    }),
  );
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${path.join(scratch, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(scratch, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  prometheus.stdout?.on('data', (c: Buffer) => (prometheusLog += c.toString()));
  prometheus.stderr?.on('data', (c: Buffer) => (prometheusLog += c.toString()));
  const spawned = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    prometheus!.once('error', resolve);
    prometheus!.once('spawn', () => resolve(undefined));
  });
  if (spawned?.code === 'ENOENT') {
    throw new Error(
      'prometheus is not installed. Install it with: apt-get install -y prometheus prometheus-alertmanager',
    );
  }
  await eventually(
    async () => (await fetch(`${prometheusUrl}/-/ready`).catch(() => undefined))?.ok,
    200,
  );
}

async function promQuery(
  query: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${prometheusUrl}/api/v1/query?query=${encodeURIComponent(query)}`);
  const body = (await res.json()) as {
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  return body.data.result;
}

async function payOnce(paymentMethod: string) {
  const order = await customer.request('POST', '/api/orders', {
    body: { items: [{ product_id: productId, quantity: 1 }] },
  });
  expect(order.statusCode, order.body).toBe(201);
  return pay(customer, (order.json() as { id: string }).id, { payment_method_id: paymentMethod });
}

beforeAll(async () => {
  smtp = await startSmtpSink();
  chat = await startHttpReceiver();
  system = await startSystem({
    RUN_WORKERS: 'false',
    METRICS_TOKEN,
    SMTP_URL: smtp.url,
    ALERT_EMAIL_TO: 'oncall@example.com',
    ALERT_WEBHOOK_URL: chat.url,
  });
  const t = asTestApp(system);
  customer = (await aCustomer(t)).client;
  productId = (await aProduct(t, 1500)).id;
  await startPrometheus(new URL(system.baseUrl).host);
}, 120_000);

afterAll(async () => {
  prometheus?.kill('SIGTERM');
  await system?.close();
  await smtp?.close();
  await chat?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('the success-rate alert, in Prometheus and in the app', () => {
  it('when declines push the success rate below 80 %, then Prometheus fires PaydeckPaymentSuccessRateLow and the app sends one email and one chat message', async () => {
    // One of each first, so both outcome series exist when Prometheus starts counting increases.
    expect((await payOnce('pm_card_visa')).statusCode).toBe(200);
    expect((await payOnce('pm_card_visa_chargeDeclined')).statusCode).toBe(402);
    await eventually(
      async () => (await promQuery('paydeck_payment_outcomes_total{outcome="failed"}')).length > 0,
      250,
    );
    const before = await fetch(`${prometheusUrl}/api/v1/alerts`).then((r) => r.json());
    expect(JSON.stringify(before)).not.toContain('PaydeckPaymentSuccessRateLow');

    for (let i = 0; i < 12; i++)
      expect((await payOnce('pm_card_visa_chargeDeclined')).statusCode).toBe(402);

    const alert = await eventually(async () => {
      const body = (await fetch(`${prometheusUrl}/api/v1/alerts`).then((r) => r.json())) as {
        data: { alerts: { labels: { alertname: string }; state: string; value: string }[] };
      };
      return body.data.alerts.find(
        (a) => a.labels.alertname === 'PaydeckPaymentSuccessRateLow' && a.state === 'firing',
      );
    }, 500);
    expect(Number(alert.value)).toBeLessThan(0.8);
    // Prometheus scraped with the token: the target is up.
    expect((await promQuery('up{job="paydeck"}'))[0]?.value[1]).toBe('1');

    const admin = (await anAdmin(asTestApp(system))).client;
    const res = await admin.request('POST', '/api/admin/alerts/evaluate');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ sent: 2, failed: 0 });
    expect(res.json().transitions).toContainEqual({
      rule_id: 'payment_success_rate_low',
      kind: 'firing',
    });
    expect(smtp.messages).toHaveLength(1);
    expect(smtp.messages[0]!.subject).toMatch(/FIRING.*success rate/i);
    expect(chat.bodies).toHaveLength(1);
    expect((chat.bodies[0] as { text: string }).text).toMatch(
      /1 of 14 payments|7\.1 % of 14 payments/,
    );
  }, 180_000);
});

describe('the names the deployment queries, against a live /metrics', () => {
  it('when the server is scraped, then every metric an alert rule or a dashboard panel names is in what it exports', async () => {
    const res = await fetch(`${system.baseUrl}/metrics`, {
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(res.status).toBe(200);
    const exported = new Set<string>();
    for (const [, name, type] of (await res.text()).matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      exported.add(name!);
      if (type === 'histogram')
        for (const s of ['_bucket', '_sum', '_count']) exported.add(name! + s);
      if (type === 'summary') for (const s of ['_sum', '_count']) exported.add(name! + s);
    }
    const rules = (
      parse(readRepoFile('ops/prometheus/alerts.yml')) as {
        groups: { rules: { alert: string; expr: string }[] }[];
      }
    ).groups.flatMap((g) => g.rules);
    const queries = [
      ...rules.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
      ...dashboardQueries.map((q) => ({ where: `panel "${q.panel}"`, expr: q.expr })),
    ];
    const missing = queries.flatMap(({ where, expr }) =>
      [...expr.matchAll(/\b(?:paydeck|process|nodejs)_[a-z0-9_]+/g)]
        .map(([name]) => name)
        .filter((name) => !exported.has(name))
        .map((name) => `${where}: ${name}`),
    );
    expect(missing).toEqual([]);
    expect(queries.length).toBeGreaterThan(25);
  });
});
